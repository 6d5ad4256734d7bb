//! A typed async client for the POS Cloud Customer API v3.0: customers,
//! customer discounts and customer groups, all 20 endpoints.
//!
//! # A client
//!
//! The POS Cloud host, a token and an operator id; every request carries
//! them as the `X-Token` and `X-Operator` headers (never shown in `Debug`
//! or logs).
//!
//! ```no_run
//! use pos_customer_sdk::PosClient;
//!
//! # fn demo() -> pos_customer_sdk::Result<()> {
//! let pos = PosClient::builder("https://mycompany.pos-cloud.example", "token", "operator-id")
//!     .build()?;
//! // or from POS_BASE_URL, POS_TOKEN and POS_OPERATOR:
//! let pos = PosClient::from_env()?;
//! # let _ = pos;
//! # Ok(())
//! # }
//! ```
//!
//! # One call
//!
//! ```no_run
//! # async fn demo(pos: pos_customer_sdk::PosClient) -> pos_customer_sdk::Result<()> {
//! use pos_customer_sdk::{CustomerDraft, CustomerGroupDraft, DiscountDraft};
//!
//! let discount = pos.discounts().create(DiscountDraft::new("5 proz", 5)).await?;
//! let group = pos
//!     .customer_groups()
//!     .create(CustomerGroupDraft::new("Regulars").discount(discount.id))
//!     .await?;
//! let customer = pos
//!     .customers()
//!     .create(CustomerDraft::new("1001", group.id).last_name("Dyson"))
//!     .await?;
//! # let _ = customer;
//! # Ok(())
//! # }
//! ```
//!
//! # Listing
//!
//! The API has no paging: [`Customers::list`](customers::Customers::list)
//! returns every customer, and
//! [`list_modified_since`](customers::Customers::list_modified_since) those
//! changed since a date, which is the way to keep a copy in sync.
//!
//! # Errors
//!
//! Calls return [`Result`]. The document's error body
//! (`{"result": {"status_code": .., "details": ..}}`) becomes an API error
//! with the server's `details` as its message; [`PosErrorExt::pos_kind`]
//! says what the status means in this API (400 invalid request, 403 bad
//! token or operator, 404 not found, 422 broken reference, 500). Requests
//! are checked against the document's field rules before they are sent (see
//! [`validation`]); [`PosClientBuilder::validation`] turns that off.
//!
//! # Retries
//!
//! GET, PUT and DELETE are retried on 5xx and timeouts; `create` (POST) and
//! `patch` are not, once the request may have reached the server. To create
//! with safe retries, choose the id and use
//! [`Customers::replace`](customers::Customers::replace).
//!
//! # Sandbox
//!
//! With the `sandbox` feature, `sandbox::PosSandbox` runs a stateful
//! emulator of this API in-process, for examples and tests.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod client;
pub mod customers;
pub mod discounts;
pub mod groups;
pub mod ids;
pub mod model;
pub mod prelude;
pub mod validation;

#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;

pub use client::{
    DEFAULT_MAX_RESPONSE_BYTES, PosClient, PosClientBuilder, PosErrorExt, PosErrorKind,
};
pub use ids::{AddressId, CustomerGroupId, CustomerId, DiscountId};
pub use model::{
    Address, Customer, CustomerDraft, CustomerGroup, CustomerGroupDraft, CustomerGroupPatch,
    CustomerGroupRef, CustomerPatch, Decimal, Deleted, Discount, DiscountDraft, DiscountPatch,
    Gender, GroupDiscount, InvalidDecimal, Upserted,
};

/// The date type [`Customers::list_modified_since`](customers::Customers::list_modified_since)
/// and customer birthdays use, and the clock to read today's date from
/// (`Utc::now().date_naive()`).
pub use chrono::{NaiveDate, Utc};
/// The redirect setting of the client builders.
pub use sdk_core::client::Redirects;
/// The error every call returns, and its `Result`, from `sdk-core`.
pub use sdk_core::{ApiError, Error, Result};
/// A call's request value (await it, or set per-call limits first), and the
/// settings, retry policy and backoff that every client builder takes.
pub use sdk_core::{Backoff, Call, CallOptions, ClientSettings, RetryPolicy, ScopedCall};
