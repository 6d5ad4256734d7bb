//! A typed async client for the Flow Retail API v2 customer groups and
//! their customers: all seven operations, paged streams with prefetch, and
//! every customer field the schema describes.
//!
//! # A client
//!
//! ```standalone_crate
//! use flowretail_sdk::FlowRetailClient;
//!
//! # fn main() -> flowretail_sdk::Result<()> {
//! # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
//! # for (name, value) in sandbox.env_vars() {
//! #     // SAFETY: this example runs in a process of its own (`standalone_crate`),
//! #     // and no thread of it reads the environment while it is set.
//! #     unsafe { std::env::set_var(name, value) };
//! # }
//! // Any of the three token kinds works: they are all sent as a bearer token.
//! let flow = FlowRetailClient::builder("integration-token", "my-tenant").build()?;
//! let stage = FlowRetailClient::builder("integration-token", "my-tenant").stage().build()?;
//! let other_tenant = flow.for_tenant("other-tenant")?;
//! // or from FLOWRETAIL_BASE_URL, FLOWRETAIL_TOKEN and FLOWRETAIL_TENANT:
//! let flow = FlowRetailClient::from_env()?;
//! # let _ = (flow, stage, other_tenant);
//! # Ok(())
//! # }
//! ```
//!
//! # One call
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> flowretail_sdk::Result<()> {
//! use flowretail_sdk::sandbox::FlowRetailSandbox;
//! use flowretail_sdk::{CreateCustomerGroup, GroupMembershipChange};
//!
//! // The in-process sandbox, with two customers; against your tenant: `FlowRetailClient::from_env()?`.
//! let sandbox = FlowRetailSandbox::start()?;
//! let customers = sandbox.seed_customers(2);
//! let flow = sandbox.client()?;
//!
//! let group = flow.customer_groups().create(CreateCustomerGroup::new("VIP").uid("vip")).await?;
//! flow.customer_groups()
//!     .update_customers(&group.customer_group_uid, GroupMembershipChange::new().add_customers(customers))
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Paging
//!
//! Listings are streams: the next page is fetched while you work on the
//! current one, and once the first page has told the total, several pages
//! are fetched at once, items still in order: two at first, one more for
//! each page that comes back clean and fast while the client's
//! governor has room, up to eight. `paginator().concurrency(n)` fixes the
//! number. Whether pages count from 0 or 1 is learned from the first answer.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> flowretail_sdk::Result<()> {
//! # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
//! # let flow = sandbox.client()?;
//! # let members = flowretail_sdk::GroupMembershipChange::new().add_customers(sandbox.seed_customers(1_200));
//! # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
//! # flow.customer_groups().update_customers("vip", members).await?;
//! use flowretail_sdk::prelude::*;
//!
//! let mut customers = flow.customer_groups().customers("vip").page_size(500).paginator().concurrency(4).items();
//! while let Some(customer) = customers.try_next().await? {
//!     println!("{} {}", customer.firstname, customer.lastname);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! The API defines no error body: errors keep the status and raw body, with
//! a message taken from `message`, `error`, `error_description` or
//! `errors[]` when the body has one. UIDs outside `[A-Za-z0-9-_]+` are
//! refused before anything is sent.
//!
//! # Sandbox
//!
//! Every call emits `tracing` spans named and filled as the OpenTelemetry
//! HTTP client conventions have them (an operation span, and a client span
//! per HTTP attempt); the `opentelemetry` feature adds metrics through the
//! global meter provider. The workspace README's "Observability" section
//! lists them and shows how to connect them.
//!
//! With the `sandbox` feature, `sandbox::FlowRetailSandbox` emulates these
//! endpoints in-process.
//!
//! # Testing your code
//!
//! Run your own tests against [`sandbox::FlowRetailSandbox`] (feature
//! `sandbox`): it records every request it was sent (`requests()`), takes
//! faults aimed at one operation (`faults().on(method, template)`), keeps a
//! rate limit (`faults().rate_limit(..)`), and has a clock your test moves
//! (`clock()`).
//!
//! A read that meets `503` twice, then succeeds, and was sent 3 times:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> flowretail_sdk::Result<()> {
//! use flowretail_sdk::CreateCustomerGroup;
//! use flowretail_sdk::sandbox::{Fault, FlowRetailSandbox};
//!
//! let sandbox = FlowRetailSandbox::start()?;
//! let groups = sandbox.client()?.customer_groups();
//! groups.create(CreateCustomerGroup::new("VIP").uid("vip")).await?;
//! let get = "/v2/tenants/{tenant}/customer-groups/{id}";
//! sandbox.faults().on("GET", get).inject(Fault::status(503), 2);
//! groups.get("vip").await?;
//! assert_eq!(sandbox.requests().matching("GET", get).len(), 3);
//! # Ok(())
//! # }
//! ```
//!
//! A create applied by the server whose answer is lost: the SDK does not
//! send it again, and says it may have been applied.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> flowretail_sdk::Result<()> {
//! use flowretail_sdk::CreateCustomerGroup;
//! use flowretail_sdk::sandbox::{Fault, FlowRetailSandbox};
//!
//! let sandbox = FlowRetailSandbox::start()?;
//! let groups = sandbox.client()?.customer_groups();
//! let post = "/v2/tenants/{tenant}/customer-groups";
//! sandbox.faults().on("POST", post).inject(Fault::applied_then_dropped(), 1);
//! let lost = groups.create(CreateCustomerGroup::new("VIP").uid("vip")).await.unwrap_err();
//! assert!(lost.request_may_have_been_sent());
//! assert!(groups.get("vip").await.is_ok(), "it landed");
//! # Ok(())
//! # }
//! ```
//!
//! A listing under a rate limit: pages past it meet `429`, wait the
//! `Retry-After` (1 s), and are answered.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> flowretail_sdk::Result<()> {
//! use flowretail_sdk::prelude::*;
//! use flowretail_sdk::sandbox::{FlowRetailSandbox, RateLimit};
//! use flowretail_sdk::CreateCustomerGroup;
//!
//! let sandbox = FlowRetailSandbox::start()?;
//! let groups = sandbox.client()?.customer_groups();
//! for name in ["A", "B", "C"] {
//!     groups.create(CreateCustomerGroup::new(name)).await?;
//! }
//! sandbox.faults().rate_limit(RateLimit::per_second(2.0).burst(1));
//! let all: Vec<_> = groups.list().page_size(1).items().try_collect().await?;
//! assert_eq!(all.len(), 3);
//! assert!(sandbox.faults().rate_limited() >= 1);
//! # Ok(())
//! # }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod client;
pub mod customer_groups;
pub mod model;
pub mod prelude;

#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;

pub use client::{
    DEFAULT_MAX_RESPONSE_BYTES, FlowRetailClient, FlowRetailClientBuilder, PRODUCTION_URL,
    STAGE_URL,
};
pub use customer_groups::{CustomerGroups, GroupMembers, ListItem, Listing};
pub use model::{
    AccountManager, CreateCustomerGroup, Customer, CustomerAddress, CustomerAddressType,
    CustomerConsent, CustomerContact, CustomerContactRole, CustomerCredit, CustomerEhf,
    CustomerExtension, CustomerExtensionCode, CustomerGroup, CustomerStore, CustomerType,
    GroupMembershipChange, ListResponse, Paging, UpdateCustomerGroup,
};

// The timestamp type of `createdAt` and `lastModifiedAt`.
pub use chrono::{DateTime, Utc};
// Sort order for [`Listing::sort_by`], shared with the other vendor crates.
pub use sdk_core::SortOrder;
// The streams that [`Listing::items`] and [`Listing::paginator`] return.
pub use sdk_core::pagination::{ItemStream, PageStream};
// What a provider of your own for `token_provider` implements, and the
// headers it fills; `async_trait` writes its `async fn`.
pub use async_trait::async_trait;
pub use sdk_core::auth::AuthProvider;
pub use sdk_core::http::header::HeaderMap;
// What every vendor crate re-exports: the error and its `Result`, a call,
// its future and options, and the settings every client builder takes
// (`ClientSettings`, `RetryPolicy`, `Backoff`, `Redirects`, `http_client_builder`, `Governor`).
#[doc(inline)]
pub use sdk_core::common::*;
// One page of a listing, and the paginator [`Listing::paginator`] returns.
pub use sdk_core::{Page, Paginator};
