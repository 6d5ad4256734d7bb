//! The shared core of customer-sdk: everything the vendor crates
//! (`pos-customer-sdk`, `ct-customer-groups-sdk`, `flowretail-sdk`) have in
//! common, and nothing that belongs to one vendor.
//!
//! | concern | module |
//! |---|---|
//! | sending requests: URLs, timeouts, tracing | [`client`], [`request`], [`encoding`] |
//! | one call with its own limits | [`call`] |
//! | credentials | [`auth`], [`oauth`] |
//! | when and how to retry | [`retry`] |
//! | what went wrong | [`error`] |
//! | paged listings as streams | [`pagination`] |
//! | in-process sandboxes (feature `sandbox`) | `sandbox` |
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
//! - `rustls` (default): TLS through rustls; no system library needed.
//! - `native-tls`: TLS through the platform's library instead.
//! - `sandbox`: the loopback server and fault injection the vendor sandboxes are built on.
//! - `test-util`: helpers for tests of code built on the SDK (settings without timers, fixtures, log capture).

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod call;
pub mod client;
pub mod encoding;
pub mod env;
pub mod error;
pub mod oauth;
pub mod open_enum;
pub mod pagination;
pub mod request;
pub mod retry;
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;

pub use call::{Call, CallOptions, ScopedCall};
pub use client::{Client, ClientBuilder, ClientSettings, Response};
pub use error::{ApiError, Error, Result};
pub use pagination::{Page, Paginator};
pub use request::{Request, SortOrder};
pub use retry::{Backoff, RetryBudgetConfig, RetryPolicy};

/// Secret strings: never shown by `Debug`, zeroed on drop.
pub use secrecy::{ExposeSecret, SecretString};

/// The HTTP client the SDK is built on, for passing your own `reqwest::Client`.
pub use reqwest;
