//! A stateful in-process emulator of the Flow Retail customer group
//! endpoints (feature `sandbox`).
//!
//! It checks the bearer token (401), keeps tenants apart (404 for an
//! unknown tenant), stores customer groups, customers (seedable in bulk,
//! such as 50,000 generated ones) and memberships, pages with `totalCount`
//! (numbering from 1 unless told to start at 0), sorts groups by `name`,
//! `createdAt` or `lastModifiedAt` and customers by `lastname` or
//! `createdAt`, answers 404 for unknown groups, 400 for malformed JSON and
//! 422 for bodies that break the schema, and can answer injected faults.
//!
//! ```
//! use flowretail_sdk::sandbox::FlowRetailSandbox;
//! use flowretail_sdk::{CreateCustomerGroup, GroupMembershipChange};
//! use flowretail_sdk::prelude::*;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = FlowRetailSandbox::start()?;
//! let customers = sandbox.seed_customers(250);
//! let flow = sandbox.client()?;
//! flow.customer_groups().create(CreateCustomerGroup::new("VIP").uid("vip")).await?;
//! flow.customer_groups()
//!     .update_customers("vip", GroupMembershipChange::new().add_customers(customers[..120].to_vec()))
//!     .await?;
//! let members: Vec<_> = flow.customer_groups().customers("vip").page_size(50).items().try_collect().await?;
//! assert_eq!(members.len(), 120);
//! # Ok(())
//! # }
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use sdk_core::vendor::sandbox::axum::Router;
use sdk_core::vendor::sandbox::axum::body::Bytes;
use sdk_core::vendor::sandbox::axum::extract::{Path, RawQuery, State};
use sdk_core::vendor::sandbox::axum::http::{HeaderMap, StatusCode, header};
use sdk_core::vendor::sandbox::axum::response::IntoResponse;
use sdk_core::vendor::sandbox::axum::routing::get;
use sdk_core::vendor::{
    sandbox::Answer, sandbox::BodyProblem, sandbox::Refusal, sandbox::SandboxServer,
    sandbox::SharedState, sandbox::ok, sandbox::over_capacity, sandbox::parse_object,
};

use serde_json::{Value, json};
use url::Url;

/// The faults a test can inject into the `FlowRetailSandbox`'s answers (`sandbox.faults().inject(..)`).
pub use sdk_core::sandbox::{
    Exchange, ExchangeLog, Fault, FaultBody, FaultInjector, FaultTarget, RateLimit,
    RecordedRequest, RequestLog, SandboxClock,
};

use crate::client::{FlowRetailClient, FlowRetailClientBuilder};

// One file a concern; the submodules share this module's imports and
// helpers through `use super::*`.
mod groups;
mod paging;
mod seed;

use crate::model::{
    AccountManager, Customer, CustomerAddress, CustomerAddressType, CustomerConsent,
    CustomerContact, CustomerContactRole, CustomerCredit, CustomerEhf, CustomerGroup,
    CustomerStore, CustomerType, ListResponse, Paging,
};
use groups::*;
use paging::*;
use seed::*;

/// The token the sandbox accepts unless told otherwise.
pub const SANDBOX_TOKEN: &str = "sandbox-token";
/// The tenant the sandbox serves unless told otherwise.
pub const SANDBOX_TENANT: &str = "sandbox-tenant";

/// Configures a [`FlowRetailSandbox`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until started"]
pub struct FlowRetailSandboxBuilder {
    tokens: Vec<String>,
    tenants: Vec<String>,
    first_page: u64,
}

impl FlowRetailSandboxBuilder {
    /// Accepts these bearer tokens (instead of [`SANDBOX_TOKEN`]).
    pub fn tokens<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tokens: I) -> Self {
        self.tokens = tokens.into_iter().map(Into::into).collect();
        self
    }

    /// Serves these tenants (instead of [`SANDBOX_TENANT`]); the first is the clients' default.
    pub fn tenants<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tenants: I) -> Self {
        self.tenants = tenants.into_iter().map(Into::into).collect();
        self
    }

    /// Numbers pages from 0 instead of 1.
    pub fn pages_from_zero(mut self) -> Self {
        self.first_page = 0;
        self
    }

    /// Starts the sandbox.
    pub fn start(self) -> crate::Result<FlowRetailSandbox> {
        let state = Shared::new(Store {
            tokens: self.tokens.iter().cloned().collect(),
            tenants: self
                .tenants
                .iter()
                .map(|t| (t.clone(), Tenant::default()))
                .collect(),
            first_page: self.first_page,
            clock: 0,
            time: SandboxClock::default(),
        });
        let server = SandboxServer::start_for("flowretail", api(), router(state.clone()))?;
        state.lock().time = server.clock().clone();
        Ok(FlowRetailSandbox {
            server,
            state,
            token: self.tokens.first().cloned().unwrap_or_default(),
            tenant: self.tenants.first().cloned().unwrap_or_default(),
        })
    }
}

/// A running Flow Retail emulator. Stops when dropped.
#[derive(Debug)]
pub struct FlowRetailSandbox {
    server: SandboxServer,
    state: Shared,
    token: String,
    tenant: String,
}

impl FlowRetailSandbox {
    /// Starts a sandbox serving [`SANDBOX_TENANT`] for [`SANDBOX_TOKEN`].
    pub fn start() -> crate::Result<Self> {
        Self::builder().start()
    }

    /// Configures a sandbox.
    pub fn builder() -> FlowRetailSandboxBuilder {
        FlowRetailSandboxBuilder {
            tokens: vec![SANDBOX_TOKEN.into()],
            tenants: vec![SANDBOX_TENANT.into()],
            first_page: 1,
        }
    }

    /// The base URL to give a client (with `/v2`).
    pub fn url(&self) -> String {
        format!("{}/v2", self.server.url())
    }

    /// The environment variables [`FlowRetailClient::from_env`] reads, set
    /// to reach this sandbox with its token and first tenant: to run a
    /// program of yours against it (`std::process::Command::envs`).
    ///
    /// ```
    /// use flowretail_sdk::sandbox::FlowRetailSandbox;
    ///
    /// let sandbox = FlowRetailSandbox::start()?;
    /// let vars = sandbox.env_vars();
    /// assert_eq!(vars[0], ("FLOWRETAIL_BASE_URL", sandbox.url()));
    /// # Ok::<(), flowretail_sdk::Error>(())
    /// ```
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("FLOWRETAIL_BASE_URL", self.url()),
            ("FLOWRETAIL_TOKEN", self.token.as_str().to_owned()),
            ("FLOWRETAIL_TENANT", self.tenant.as_str().to_owned()),
        ]
    }

    /// A client builder aimed at this sandbox, its token and first tenant.
    pub fn client_builder(&self) -> FlowRetailClientBuilder {
        let builder = FlowRetailClient::builder(self.token.as_str(), self.tenant.as_str())
            .base_url(self.url());
        self.server.keep_alive_in(builder)
    }

    /// A client aimed at this sandbox.
    ///
    /// The client (and its builder's clients) keep the sandbox running
    /// while they exist, so the sandbox value itself may be dropped:
    /// `let client = Sandbox::start()?.client()?;` works.
    pub fn client(&self) -> sdk_core::Result<FlowRetailClient> {
        self.client_builder().build()
    }

    /// Every request the sandbox received, in order, with its operation's
    /// `url.template`, query, headers (credentials redacted) and body, and
    /// the status and headers it was answered with (injected faults
    /// included): on from the start, the newest 10,000 kept, bodies up to
    /// 16 MiB in all.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// use flowretail_sdk::CreateCustomerGroup;
    /// use flowretail_sdk::sandbox::FlowRetailSandbox;
    ///
    /// let sandbox = FlowRetailSandbox::start()?;
    /// let flow = sandbox.client()?;
    /// flow.customer_groups().create(CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// let creates = sandbox.requests().matching("POST", "/v2/tenants/{tenant}/customer-groups");
    /// assert_eq!(creates.len(), 1);
    /// assert_eq!(creates[0].json().unwrap()["name"], "VIP");
    /// # Ok(())
    /// # }
    /// ```
    pub fn requests(&self) -> &RequestLog {
        self.server.requests()
    }

    /// The fault queue: the next requests answer what you inject.
    pub fn faults(&self) -> &FaultInjector {
        self.server.faults()
    }

    /// The sandbox's clock, which stamps `createdAt` and `lastModifiedAt`
    /// and dates every answer. Set or advance it in a test; tokio's paused
    /// time does not reach the sandbox.
    pub fn clock(&self) -> &SandboxClock {
        self.server.clock()
    }

    /// The log of what the sandbox was asked and answered: call
    /// [`record`](ExchangeLog::record) first, then [`take`](ExchangeLog::take)
    /// the exchanges, to hold each against the API document.
    pub fn exchanges(&self) -> &ExchangeLog {
        self.server.exchanges()
    }

    /// Adds `count` generated customers to the first tenant and returns their UIDs.
    pub fn seed_customers(&self, count: usize) -> Vec<String> {
        self.seed_customers_in(&self.tenant, count)
    }

    /// Adds `count` generated customers to `tenant` and returns their UIDs.
    pub fn seed_customers_in(&self, tenant: &str, count: usize) -> Vec<String> {
        let mut store = self.state.lock();
        let start = store.tenants.get(tenant).map_or(0, |t| t.customers.len());
        let customers: Vec<Customer> = (start..start + count).map(generated_customer).collect();
        let uids = customers.iter().map(|c| c.customer_uid.clone()).collect();
        if let Some(tenant) = store.tenants.get_mut(tenant) {
            for customer in customers {
                tenant
                    .customers
                    .insert(customer.customer_uid.clone(), customer);
            }
        }
        uids
    }

    /// Adds one customer as given to the first tenant.
    pub fn add_customer(&self, customer: Customer) {
        let mut store = self.state.lock();
        if let Some(tenant) = store.tenants.get_mut(&self.tenant) {
            tenant
                .customers
                .insert(customer.customer_uid.clone(), customer);
        }
    }

    /// How many customer groups the first tenant holds.
    pub fn group_count(&self) -> usize {
        self.state
            .lock()
            .tenants
            .get(&self.tenant)
            .map_or(0, |t| t.groups.len())
    }
}

type Shared = SharedState<Store>;

#[derive(Default)]
struct Tenant {
    groups: BTreeMap<String, CustomerGroup>,
    customers: BTreeMap<String, Customer>,
}

struct Store {
    tokens: HashSet<String>,
    tenants: HashMap<String, Tenant>,
    first_page: u64,
    /// Milliseconds added to each timestamp, so that they are distinct and ordered.
    clock: i64,
    /// The server's clock, which stamps `createdAt` and `lastModifiedAt`.
    time: SandboxClock,
}

impl Store {
    fn now(&mut self) -> DateTime<Utc> {
        self.clock += 1;
        DateTime::<Utc>::from(self.time.now()) + ChronoDuration::milliseconds(self.clock)
    }
}

// ---------------------------------------------------------------- answers

/// An error answer in the document's shape: `{"message": ...}`.
fn refuse(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal::new(status, json!({ "message": message.into() }))
}

fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The operations' templates, as the SDK's spans write them.
fn api() -> sdk_core::vendor::sandbox::SandboxApi {
    sdk_core::vendor::sandbox::SandboxApi::new()
        .template("/v2/tenants/{tenant}/customer-groups")
        .template("/v2/tenants/{tenant}/customer-groups/{id}")
        .template("/v2/tenants/{tenant}/customer-groups/{id}/customers")
}

fn router(state: Shared) -> Router {
    Router::new()
        .route(
            "/v2/tenants/{tenant}/customer-groups",
            get(list_groups).post(create_group),
        )
        .route(
            "/v2/tenants/{tenant}/customer-groups/{group}",
            get(get_group).put(update_group).delete(delete_group),
        )
        .route(
            "/v2/tenants/{tenant}/customer-groups/{group}/customers",
            get(list_customers).put(update_members),
        )
        .fallback(|| async { refuse(StatusCode::NOT_FOUND, "Not found") })
        .with_state(state)
}

/// Checks the token and finds the tenant.
fn tenant<'a>(
    store: &'a mut Store,
    headers: &HeaderMap,
    tenant: &str,
) -> Result<&'a mut Tenant, Refusal> {
    let authorized = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| store.tokens.contains(token));
    if !authorized {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "Missing or invalid bearer token",
        ));
    }
    store
        .tenants
        .get_mut(tenant)
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, format!("Tenant {tenant} not found")))
}

fn group_not_found(uid: &str) -> Refusal {
    refuse(
        StatusCode::NOT_FOUND,
        format!("Customer group {uid} not found"),
    )
}

fn parse_body(body: &Bytes) -> Result<serde_json::Map<String, Value>, Refusal> {
    parse_object(body).map_err(|problem| match problem {
        BodyProblem::Malformed(e) => {
            refuse(StatusCode::BAD_REQUEST, format!("Malformed JSON: {e}"))
        }
        _ => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The body must be a JSON object",
        ),
    })
}
