//! A typed async client for the commercetools Customer Groups API:
//! versioned update actions, queries with input variables, keyset
//! `query_all`, typed errors and a conflict-retry helper.
//!
//! # A client
//!
//! ```standalone_crate
//! use ct_customer_groups_sdk::{CtClient, Region};
//!
//! # fn main() -> ct_customer_groups_sdk::Result<()> {
//! # let sandbox = ct_customer_groups_sdk::sandbox::CtSandbox::start()?;
//! # for (name, value) in sandbox.env_vars() {
//! #     // SAFETY: this example runs in a process of its own (`standalone_crate`),
//! #     // and no thread of it reads the environment while it is set.
//! #     unsafe { std::env::set_var(name, value) };
//! # }
//! let ct = CtClient::builder("my-project", "client-id", "client-secret")
//!     .region(Region::EuropeWest1Gcp)
//!     .scopes(["manage_customer_groups:my-project"])
//!     .build()?;
//! // or from the Merchant Center's CTP_* variables:
//! let ct = CtClient::from_env()?;
//! # let _ = ct;
//! # Ok(())
//! # }
//! ```
//!
//! The client fetches an OAuth2 token with the client credentials, caches
//! it until shortly before it expires, shares one token request among
//! concurrent callers, and on a 401 fetches a new token and replays once.
//!
//! # One call, and versions
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ct_customer_groups_sdk::Result<()> {
//! # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
//! use ct_customer_groups_sdk::{CustomerGroupDraft, CustomerGroupUpdate, UpdateAction};
//!
//! let group = ct.customer_groups().create(CustomerGroupDraft::new("Gold").key("gold")).await?;
//! let renamed = ct
//!     .customer_groups()
//!     .update(&group.id, CustomerGroupUpdate::for_group(&group).action(UpdateAction::change_name("Gold+")))
//!     .await?;
//! ct.customer_groups().delete(&renamed.id, renamed.version).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Versions always come from the server's last answer. When someone else
//! changed the group, the update fails with `ConcurrentModification`
//! ([`CtErrorExt::is_concurrent_modification`]);
//! [`update_with_retry`](customer_groups::CustomerGroups::update_with_retry)
//! reads again and retries for you.
//!
//! # Paging
//!
//! [`CustomerGroupQuery::pages`] walks pages by offset (up to the API's
//! offset limit of 10,000); [`CustomerGroupQuery::query_all`] walks any
//! number by id (keyset), 500 at a time. Both are streams with prefetch.
//!
//! # Errors
//!
//! API errors keep the status, the first error code and message, and the
//! correlation id; [`CtErrorExt::ct_errors`] gives every error entry as a
//! typed [`CtErrorCode`].
//!
//! # Sandbox
//!
//! Every call emits `tracing` spans named and filled as the OpenTelemetry
//! HTTP client conventions have them (an operation span, and a client span
//! per HTTP attempt); the `opentelemetry` feature adds metrics through the
//! global meter provider. The workspace README's "Observability" section
//! lists them and shows how to connect them.
//!
//! With the `sandbox` feature, `sandbox::CtSandbox` emulates the token
//! endpoint and this API in-process.
//!
//! # Testing your code
//!
//! Run your own tests against [`sandbox::CtSandbox`] (feature `sandbox`):
//! it records every request it was sent (`requests()`), takes faults aimed
//! at one operation (`faults().on(method, template)`), keeps a rate limit
//! (`faults().rate_limit(..)`), has a clock your test moves (`clock()`), and
//! counts versions as the live API may (`set_versioning`).
//!
//! An update (versioned, so the SDK may retry it) that meets `503` twice,
//! then succeeds, and was sent 3 times:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ct_customer_groups_sdk::Result<()> {
//! use ct_customer_groups_sdk::sandbox::{CtSandbox, Fault};
//! use ct_customer_groups_sdk::{CustomerGroupDraft, CustomerGroupUpdate, UpdateAction};
//!
//! let sandbox = CtSandbox::start()?;
//! let groups = sandbox.client()?.customer_groups();
//! let gold = groups.create(CustomerGroupDraft::new("Gold")).await?;
//! let update = "/{projectKey}/customer-groups/{id}";
//! sandbox.faults().on("POST", update).inject(Fault::status(503), 2);
//! groups.update(&gold.id, CustomerGroupUpdate::for_group(&gold).action(UpdateAction::change_name("Gold 2"))).await?;
//! assert_eq!(sandbox.requests().matching("POST", update).len(), 3);
//! # Ok(())
//! # }
//! ```
//!
//! An update applied by the server whose answer is lost: its replay meets
//! a `409`, and the SDK reports the change it made, once.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ct_customer_groups_sdk::Result<()> {
//! use ct_customer_groups_sdk::sandbox::{CtSandbox, Fault};
//! use ct_customer_groups_sdk::{CustomerGroupDraft, UpdateAction};
//!
//! let sandbox = CtSandbox::start()?;
//! let groups = sandbox.client()?.customer_groups();
//! let gold = groups.create(CustomerGroupDraft::new("Gold")).await?;
//! let update = "/{projectKey}/customer-groups/{id}";
//! sandbox.faults().on("POST", update).inject(Fault::applied_then(503), 1);
//! let renamed = groups
//!     .update_with_retry(&gold.id, 3, |group| vec![UpdateAction::change_name(format!("{}+", group.name))])
//!     .await?;
//! assert_eq!(renamed.name, "Gold+");
//! # Ok(())
//! # }
//! ```
//!
//! A walk under a rate limit: pages past it meet `429`, wait the
//! `Retry-After` (1 s), and are answered.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ct_customer_groups_sdk::Result<()> {
//! use ct_customer_groups_sdk::prelude::*;
//! use ct_customer_groups_sdk::sandbox::{CtSandbox, RateLimit};
//!
//! let sandbox = CtSandbox::start()?;
//! sandbox.seed_generated(3).expect("room for 3 groups");
//! let ct = sandbox.client()?;
//! ct.customer_groups().query().await?; // the token, before the limit
//! sandbox.faults().rate_limit(RateLimit::per_second(2.0).burst(1));
//! let all: Vec<_> = ct.customer_groups().query().limit(1).pages().items().try_collect().await?;
//! assert_eq!(all.len(), 3);
//! assert!(sandbox.faults().rate_limited() >= 1);
//! # Ok(())
//! # }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod client;
pub mod customer_groups;
mod diff;
pub mod error;
pub mod model;
pub mod prelude;
pub mod query;
pub mod update;

#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;

pub use client::{
    CtCallExt, CtClient, CtClientBuilder, DEFAULT_MAX_RESPONSE_BYTES, EXTERNAL_USER_ID_HEADER,
    Region,
};
pub use customer_groups::Deleted;
pub use error::{CtError, CtErrorCode, CtErrorExt, CtRetryClassifier};
pub use model::{
    Attribution, AttributionSource, ClientLogging, CustomFields, CustomFieldsDraft, CustomerGroup,
    CustomerGroupDraft, PagedQueryResult, Reference, ResourceIdentifier,
};
pub use query::{CustomerGroupQuery, QueryAll};
pub use update::{CustomerGroupUpdate, NotLocallyApplicable, UpdateAction};

// The timestamp type of `createdAt` and `lastModifiedAt`.
pub use chrono::{DateTime, Utc};
// Sort order for [`CustomerGroupQuery::sort_by`], shared with the other vendor crates.
pub use sdk_core::SortOrder;
// The streams that [`CustomerGroupQuery::pages`] and [`QueryAll`] return.
pub use sdk_core::pagination::{ItemStream, PageStream, Partitioned, PartitionedPages};
// The JSON types custom fields and update actions take (`Map`, `Value`),
// and open-ended JSON kept as text (custom field values, expanded `obj`).
pub use sdk_core::json::RawJson;
pub use serde_json::{self, Map, Value};
// What every vendor crate re-exports: the error and its `Result`, a call,
// its future and options, and the settings every client builder takes
// (`ClientSettings`, `RetryPolicy`, `Backoff`, `Redirects`, `http_client_builder`, `Governor`).
#[doc(inline)]
pub use sdk_core::common::*;
// One page of a listing, and the paginator [`CustomerGroupQuery::pages`] returns.
pub use sdk_core::{Page, Paginator};
