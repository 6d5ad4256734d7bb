//! The shared core of customer-sdk: everything the vendor crates
//! (`pos-customer-sdk`, `ct-customer-groups-sdk`, `flowretail-sdk`) have in
//! common, and nothing that belongs to one vendor.
//!
//! You rarely depend on this crate yourself: each vendor crate re-exports
//! what its users meet from here, so `pos_customer_sdk::Error` is
//! [`Error`]. What you meet:
//!
//! | you want | here |
//! |---|---|
//! | what went wrong, and whether to retry | [`Error`], [`Result`], [`error`] |
//! | one call with its own limits (`.deadline(..)`, `.max_attempts(..)`) | [`Call`], [`call`] |
//! | the transport settings every client builder takes | [`ClientSettings`], [`RetryPolicy`], [`Backoff`], [`client::Redirects`] |
//! | paged listings as streams | [`pagination`]: [`Page`], [`Paginator`], `PageStream`, `ItemStream` |
//! | a sort order, the same for every vendor | [`SortOrder`] |
//! | credentials | [`auth`], [`oauth`] |
//! | when and how calls are retried | [`retry`] |
//! | what `ensure` did, and the counts of a run | [`reconcile`]: [`Ensured`], [`reconcile::Tally`] |
//! | what changed since the last run, checkpointed | [`feed`]: [`feed::ChangeFeed`], [`feed::Change`], [`feed::CheckpointStore`] |
//! | the spans and metrics every call produces (metrics: feature `opentelemetry`) | [`telemetry`] |
//! | in-process sandboxes and fault injection (feature `sandbox`) | `sandbox` |
//! | helpers for your own tests (feature `test-util`) | `test_util` |
//!
//! Where the user API ends: everything above is what users of the vendor
//! crates meet. What vendor crates are built with (the calls their methods
//! return, page fetches and cursors, error body parsers, serde helpers, the
//! sandbox server) is in one module, [`vendor`], which no vendor crate
//! re-exports. Sending requests to an API no vendor crate covers is the one
//! reason to use [`Client`], [`Request`] and [`vendor`] yourself: you are
//! then writing a vendor crate of your own.
//!
//! # Building a client
//!
//! Vendor crates build a [`Client`] for you; building one by hand looks like this:
//!
//! ```
//! use std::time::Duration;
//! use sdk_core::auth::StaticHeaders;
//! use sdk_core::{Client, RetryPolicy};
//!
//! let client = Client::builder("https://pos.example.com/api/customer/v3.0")
//!     .vendor("pos")
//!     .auth(StaticHeaders::new().with("X-Token", "secret")?.with("X-Operator", "1")?)
//!     .retry_policy(RetryPolicy::default().with_max_attempts(4))
//!     .attempt_timeout(Some(Duration::from_secs(10)))
//!     .build()?;
//! // Cheap to clone: all clones share one connection pool, token cache and retry budget.
//! let for_a_task = client.clone();
//! # let _ = for_a_task;
//! # Ok::<(), sdk_core::Error>(())
//! ```
//!
//! # Errors
//!
//! Every call returns [`Result`]; the [`Error`] says where it failed and
//! whether the request may have reached the server. See [`error`].
//!
//! # Retries
//!
//! Connection failures and 429 are always retried; 5xx, timeouts and resets
//! only for idempotent requests; the wait is exponential backoff with full
//! jitter, at least what `Retry-After` asks. See [`retry`].
//!
//! # Feature flags
//!
//! - `rustls` (default): TLS through rustls with the ring crypto provider; no system library needed.
//! - `rustls-aws-lc`: rustls with the aws-lc-rs provider instead (post-quantum key exchange), slower to build.
//! - `native-tls`: TLS through the platform's library instead.
//! - `sandbox`: the loopback server and fault injection the vendor sandboxes are built on.
//! - `test-util`: helpers for tests of code built on the SDK (settings without timers, fixtures, log capture).
//! - `opentelemetry`: metrics of every request and operation through the `opentelemetry` crate's global meter provider ([`telemetry`]).

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod call;
pub mod client;
pub mod encoding;
mod env;
pub mod error;
mod escape;
pub mod feed;
pub mod governor;
pub mod headers;
pub mod json;
pub mod oauth;
mod open_enum;
pub mod pagination;
mod protocol;
pub mod random;
pub mod reconcile;
pub mod request;
pub mod retry;
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;
pub mod telemetry;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;
pub mod vendor;

pub use call::{Call, CallFuture, CallOptions, CallOptionsBuilder, ScopedCall};
pub use client::{Client, ClientBuilder, ClientSettings, Response};
pub use error::{ApiError, Error, Result, SetupError};
pub use pagination::{Page, Paginator};
pub use reconcile::Ensured;
pub use request::{Request, SortOrder};
pub use retry::{Backoff, RetryBudgetConfig, RetryPolicy};

/// What every vendor crate re-exports whole to its users
/// (`pub use sdk_core::common::*;`): the error and its `Result`, a call and
/// its future and options, and the settings every client builder takes. A
/// vendor crate adds what only it needs (listings, sort order, dates).
pub mod common {
    pub use crate::call::{Call, CallFuture, CallOptions, CallOptionsBuilder, ScopedCall};
    pub use crate::client::{ClientSettings, IntoHttpClient, Redirects, http_client_builder};
    pub use crate::error::{ApiError, Error, Result};
    pub use crate::feed::{
        Batch, Change, ChangeFeed, CheckpointStore, FileCheckpoints, MemoryCheckpoints,
    };
    pub use crate::governor::{Governor, GovernorState};
    pub use crate::reconcile::{Ensured, Tally};
    pub use crate::retry::{Backoff, RetryPolicy};
}

// The README's sample, compiled as a doc test (the vendor crates' READMEs
// are compiled by `outside-user/`, which depends on them as a user would).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeSample;

/// Secret strings: never shown by `Debug`, zeroed on drop.
pub use secrecy::{ExposeSecret, SecretString};

/// The HTTP types the SDK's signatures use ([`http::StatusCode`],
/// [`http::HeaderMap`], [`http::HeaderName`], ...), the very ones reqwest
/// uses. reqwest itself is not re-exported (see
/// [`client::IntoHttpClient`] for why, and for what a reqwest of your own needs).
pub use http;
