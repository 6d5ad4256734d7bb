//! A typed async client for the POS Cloud Customer API v3.0: customers,
//! customer discounts and customer groups, all 20 endpoints.
//!
//! # A client
//!
//! The POS Cloud host, a token and an operator id; every request carries
//! them as the `X-Token` and `X-Operator` headers (never shown in `Debug`
//! or logs).
//!
//! ```standalone_crate
//! use pos_customer_sdk::PosClient;
//!
//! # fn main() -> pos_customer_sdk::Result<()> {
//! # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
//! # for (name, value) in sandbox.env_vars() {
//! #     // SAFETY: this example runs in a process of its own (`standalone_crate`),
//! #     // and no thread of it reads the environment while it is set.
//! #     unsafe { std::env::set_var(name, value) };
//! # }
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
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> pos_customer_sdk::Result<()> {
//! # let pos = pos_customer_sdk::sandbox::PosSandbox::start()?.client()?;
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
//! Every call emits `tracing` spans named and filled as the OpenTelemetry
//! HTTP client conventions have them (an operation span, and a client span
//! per HTTP attempt); the `opentelemetry` feature adds metrics through the
//! global meter provider. The workspace README's "Observability" section
//! lists them and shows how to connect them.
//!
//! With the `sandbox` feature, `sandbox::PosSandbox` runs a stateful
//! emulator of this API in-process, for examples and tests.
//!
//! # Testing your code
//!
//! Run your own tests against [`sandbox::PosSandbox`] (feature `sandbox`):
//! it records every request it was sent (`requests()`), takes faults aimed
//! at one operation (`faults().on(method, template)`), keeps a rate limit
//! (`faults().rate_limit(..)`), and has a clock your test moves (`clock()`).
//!
//! A replace that meets `503` twice, then succeeds, and was sent 3 times:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> pos_customer_sdk::Result<()> {
//! use pos_customer_sdk::sandbox::{Fault, PosSandbox};
//! use pos_customer_sdk::{CustomerDraft, CustomerGroupDraft, CustomerId};
//!
//! let sandbox = PosSandbox::start()?;
//! let pos = sandbox.client()?;
//! let group = pos.customer_groups().create(CustomerGroupDraft::new("Regulars")).await?;
//! let put = "/api/customer/v3.0/customers/{id}";
//! sandbox.faults().on("PUT", put).inject(Fault::status(503), 2);
//! let _ = pos.customers().replace(CustomerId::new_uuid(), CustomerDraft::new("7", group.id)).await?;
//! assert_eq!(sandbox.requests().matching("PUT", put).len(), 3);
//! # Ok(())
//! # }
//! ```
//!
//! A create applied by the server whose answer is lost: the SDK does not
//! send it again, and says it may have been applied.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> pos_customer_sdk::Result<()> {
//! use pos_customer_sdk::sandbox::{Fault, PosSandbox};
//! use pos_customer_sdk::{CustomerDraft, CustomerGroupDraft};
//!
//! let sandbox = PosSandbox::start()?;
//! let pos = sandbox.client()?;
//! let group = pos.customer_groups().create(CustomerGroupDraft::new("Regulars")).await?;
//! let post = "/api/customer/v3.0/customers";
//! sandbox.faults().on("POST", post).inject(Fault::applied_then(503), 1);
//! let lost = pos.customers().create(CustomerDraft::new("7", group.id)).await.unwrap_err();
//! assert!(lost.request_may_have_been_sent());
//! assert_eq!(sandbox.customer_count(), 1, "it landed");
//! # Ok(())
//! # }
//! ```
//!
//! A listing under a rate limit: the second list meets `429`, waits the
//! `Retry-After` (1 s), and is answered.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> pos_customer_sdk::Result<()> {
//! use pos_customer_sdk::sandbox::{PosSandbox, RateLimit};
//!
//! let sandbox = PosSandbox::start()?;
//! let pos = sandbox.client()?;
//! sandbox.faults().rate_limit(RateLimit::per_second(2.0).burst(1));
//! pos.customers().list().await?;
//! pos.customers().list().await?;
//! assert_eq!(sandbox.faults().rate_limited(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Where the crate and its sandbox differ from the document
//!
//! The POS Cloud document (text taken from a PDF) was held against the
//! client and the sandbox element by element. Where it is silent or
//! contradicts itself, this is what they do:
//!
//! | element of the document | client | sandbox |
//! |---|---|---|
//! | a customer shown flat, and as `{"customer": {..}, "addresses": [..], ..}` entries (get by id, both lists) | reads both shapes | answers the flat shape |
//! | `number`: "length: 0..255" in the description, "not blank" in the restrictions | refuses a blank number (the restriction) | refuses it with 400 |
//! | the PATCH customer answer has no `id` | [`Customer::id`] is the id patched, unless the server sends one | sends the id |
//! | `PUT /customers/{id}`: 201 when the customer was created, 200 when overwritten; `PUT /customers/list`: 201 when at least one was created, 200 when all were overwritten | 201 is [`model::Upserted::Created`], any other success `Replaced` | as documented |
//! | group and discount ids are integers on their endpoints, a customer's `customerGroup.id` a UUID string | ids take integers, strings and UUIDs | issues integers for groups and discounts, UUIDs for customers |
//! | defaults: `active` true, `gender` "U"; none for the read-only `balance` and `currency` | sends neither unless set | fills `active` and `gender` as documented, and `balance` "0.00" and `currency` "EUR" (its own choice) |
//! | `gender`: "M", "W" or "U", "max length 5" | decodes any value ([`model::Gender`] keeps unknown ones), sends only M, W or U | refuses more than 5 characters only |
//! | `language`: codes from a `/globals` endpoint that this API does not have | not checked | not checked |
//! | `addresses.country`: "Germany" in one example, "DE" in another, no rule | not checked | not checked |
//! | deleting a group that still has customers, or a discount a group uses: not described | returns the server's answer | 422, the document's status for a broken reference |
//! | PATCHing an address by an `id` the customer does not have: not described | returns the server's answer | 422 |
//! | no request size or record limit | bodies capped by `max_response_bytes` | 413 past 2 MiB, at most 100,000 records of a kind (400 past it) |
//! | error bodies `{"result": {"status_code", "details"}}` for 400, 403, 404, 422, 500 | read into [`PosErrorKind`] with `details` as the message; any other body is still an API error with its status | answers this shape |
//! | 403 "check security token or other auth issues"; 404 for an absent "operator" | a 403 is [`PosErrorKind::BadCredentials`], a 404 `NotFound` | 403 for a wrong `X-Token`, 404 for another `X-Operator` (before this release it answered 403 for both) |
//! | the create example sends `balance` and `currency`, which the field table calls read-only | never sends them (they are not in [`CustomerDraft`]); reads them from answers | ignores them in requests, fills its own |
//! | discounts and groups: no statuses and no field rules of their own | a create or update that succeeds with any 2xx is read as its answer; names must not be blank (the customer table's rule for names), nothing else is checked | 201 for a create, 200 otherwise; 400 for a blank name |
//! | a DELETE's success answer uses the error envelope without `status_code` (`{"result": {"details": "Customer group 1 was deleted"}}`) | read into [`model::Deleted`] with `details` | answers this shape |

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
    CustomerGroupRef, CustomerIdList, CustomerPatch, Decimal, Deleted, Discount, DiscountDraft,
    DiscountPatch, Gender, GroupDiscount, InvalidDecimal, Upserted,
};

// The date type [`Customers::list_modified_since`](customers::Customers::list_modified_since)
// and customer birthdays use, and the clock to read today's date from
// (`Utc::now().date_naive()`).
pub use chrono::{NaiveDate, Utc};
// What every vendor crate re-exports: the error and its `Result`, a call,
// its future and options, and the settings every client builder takes
// (`ClientSettings`, `RetryPolicy`, `Backoff`, `Redirects`, `http_client_builder`, `Governor`).
#[doc(inline)]
pub use sdk_core::common::*;
