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
//! use futures::TryStreamExt;
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
use sdk_core::reqwest::Url;
use sdk_core::sandbox::axum::Router;
use sdk_core::sandbox::axum::body::Bytes;
use sdk_core::sandbox::axum::extract::{Path, RawQuery, State};
use sdk_core::sandbox::axum::http::{HeaderMap, StatusCode, header};
use sdk_core::sandbox::axum::response::IntoResponse;
use sdk_core::sandbox::axum::routing::get;
use sdk_core::sandbox::{
    Answer, BodyProblem, FaultInjector, Refusal, SandboxServer, SharedState, ok, parse_object,
};
use serde_json::{Value, json};

use crate::client::{FlowRetailClient, FlowRetailClientBuilder};
use crate::model::{
    AccountManager, Customer, CustomerAddress, CustomerAddressType, CustomerConsent,
    CustomerContact, CustomerContactRole, CustomerCredit, CustomerEhf, CustomerGroup,
    CustomerStore, CustomerType, ListResponse, Paging,
};

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
    pub fn start(self) -> std::io::Result<FlowRetailSandbox> {
        let state = Shared::new(Store {
            tokens: self.tokens.iter().cloned().collect(),
            tenants: self
                .tenants
                .iter()
                .map(|t| (t.clone(), Tenant::default()))
                .collect(),
            first_page: self.first_page,
            clock: 0,
        });
        let server = SandboxServer::start("flowretail", router(state.clone()))?;
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
    pub fn start() -> std::io::Result<Self> {
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

    /// A client builder aimed at this sandbox, its token and first tenant.
    pub fn client_builder(&self) -> FlowRetailClientBuilder {
        FlowRetailClient::builder(self.token.as_str(), self.tenant.as_str()).base_url(self.url())
    }

    /// A client aimed at this sandbox.
    pub fn client(&self) -> sdk_core::Result<FlowRetailClient> {
        self.client_builder().build()
    }

    /// The fault queue: the next requests answer what you inject.
    pub fn faults(&self) -> &FaultInjector {
        self.server.faults()
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

const FIRST_NAMES: &[&str] = &[
    "Ada", "Bjørn", "Chen", "Dana", "Emil", "Frida", "Goran", "Hana", "Ivo", "Jun",
];
const LAST_NAMES: &[&str] = &[
    "Berg", "Olsen", "Nakamura", "Silva", "Haugen", "Kowalski", "Dahl", "Moreau",
];

/// A complete customer, every field filled, from its index.
fn generated_customer(index: usize) -> Customer {
    let first = FIRST_NAMES[index % FIRST_NAMES.len()];
    let last = format!("{} {index:06}", LAST_NAMES[(index / 7) % LAST_NAMES.len()]);
    let created = base_time() + ChronoDuration::seconds(index as i64);
    let uid = format!("cust-{index:06}");
    let email = format!("{}.{index}@example.com", first.to_lowercase());
    let address = format!("Storgata {}", index % 200 + 1);
    let postal_code = format!("{:04}", index % 9000 + 1000);
    Customer {
        customer_uid: uid.clone(),
        customer_type: Some(if index.is_multiple_of(5) {
            CustomerType::Company
        } else {
            CustomerType::Person
        }),
        firstname: first.to_owned(),
        lastname: last.clone(),
        display_name: format!("{first} {last}"),
        company_name: if index.is_multiple_of(5) {
            format!("Company {index}")
        } else {
            String::new()
        },
        email: email.clone(),
        mobile: format!("+47 4{index:07}"),
        address: address.clone(),
        postal_code: postal_code.clone(),
        city: "Oslo".into(),
        country_code: "NO".into(),
        external_id: format!("ext-{index}"),
        origin: "sandbox".into(),
        loyalty_id: format!("L{index:08}"),
        payment_terms: Some(14),
        addresses: vec![CustomerAddress {
            customer_address_uid: format!("{uid}-addr"),
            address_type: Some(CustomerAddressType::DeliveryAddress),
            display_name: format!("{first} {last}"),
            firstname: first.to_owned(),
            lastname: last.clone(),
            address: address.clone(),
            postal_code: postal_code.clone(),
            city: "Oslo".into(),
            country_code: "NO".into(),
            email: email.clone(),
            ..CustomerAddress::default()
        }],
        contacts: vec![CustomerContact {
            customer_contact_uid: format!("{uid}-contact"),
            firstname: first.to_owned(),
            lastname: last.clone(),
            display_name: format!("{first} {last}"),
            email,
            role: Some(CustomerContactRole::Purchaser),
            created_at: Some(created),
            last_modified_at: Some(created),
            ..CustomerContact::default()
        }],
        consents: vec![CustomerConsent {
            consent_uid: "newsletter".into(),
            name: "Newsletter".into(),
            status: index.is_multiple_of(2),
            source: "sandbox".into(),
            created_at: Some(created),
        }],
        credit: Some(CustomerCredit {
            limit: 10_000,
            balance: (index % 100) as i64,
        }),
        account_manager: Some(AccountManager {
            tenant_user_uid: "manager-1".into(),
            display_name: "Account Manager".into(),
            user_code: "AM1".into(),
        }),
        ehf: Some(CustomerEhf {
            enabled: false,
            address: String::new(),
        }),
        default_store: index.is_multiple_of(3).then(|| CustomerStore {
            store_uid: "store-oslo".into(),
            name: "Oslo City".into(),
        }),
        relevance: Some(1.0),
        created_at: Some(created),
        last_modified_at: Some(created),
        ..Customer::default()
    }
}

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
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
}

impl Store {
    fn now(&mut self) -> DateTime<Utc> {
        self.clock += 1;
        Utc::now() + ChronoDuration::milliseconds(self.clock)
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

/// Paging and sorting parameters of a listing.
struct ListParams {
    page: Option<u64>,
    size: usize,
    sort_by: Option<String>,
    descending: bool,
}

fn list_params(query: Option<String>) -> Result<ListParams, Refusal> {
    let pairs: Vec<(String, String)> =
        Url::parse(&format!("http://sandbox/?{}", query.unwrap_or_default()))
            .map(|url| url.query_pairs().into_owned().collect())
            .unwrap_or_default();
    let mut params = ListParams {
        page: None,
        size: 20,
        sort_by: None,
        descending: false,
    };
    let bad = |name: &str| refuse(StatusCode::BAD_REQUEST, format!("Invalid {name}"));
    for (name, value) in pairs {
        match name.as_str() {
            "pageNumber" => params.page = Some(value.parse().map_err(|_| bad("pageNumber"))?),
            "pageSize" => {
                params.size = value.parse().map_err(|_| bad("pageSize"))?;
                if !(1..=1000).contains(&params.size) {
                    return Err(bad("pageSize: 1 to 1000"));
                }
            }
            "sortBy" => params.sort_by = Some(value),
            "sortDirection" => {
                params.descending = match value.as_str() {
                    "ASC" => false,
                    "DESC" => true,
                    _ => return Err(bad("sortDirection: ASC or DESC")),
                }
            }
            _ => {}
        }
    }
    Ok(params)
}

/// What a listing sorts by.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    /// A timestamp, in nanoseconds.
    Time(i64),
    /// A text.
    Text(String),
}

fn time_key(time: Option<DateTime<Utc>>) -> SortKey {
    SortKey::Time(
        time.and_then(|t| t.timestamp_nanos_opt())
            .unwrap_or(i64::MIN),
    )
}

/// Sorts `items` with `key` for the named sort field, then cuts one page.
fn page_of<T: Clone>(
    mut items: Vec<&T>,
    params: &ListParams,
    first_page: u64,
    key: impl Fn(&T, &str) -> Option<SortKey>,
) -> Result<ListResponse<T>, Refusal> {
    if let Some(field) = &params.sort_by {
        if items
            .first()
            .is_some_and(|first| key(first, field).is_none())
        {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                format!("Cannot sort by {field}"),
            ));
        }
        items.sort_by_cached_key(|item| key(item, field));
        if params.descending {
            items.reverse();
        }
    }
    let number = params.page.unwrap_or(first_page);
    if number < first_page {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            format!("Pages start at {first_page}"),
        ));
    }
    let skip = usize::try_from(number - first_page)
        .unwrap_or(usize::MAX)
        .saturating_mul(params.size);
    let total = items.len() as u64;
    Ok(ListResponse {
        items: items
            .into_iter()
            .skip(skip)
            .take(params.size)
            .cloned()
            .collect(),
        paging: Paging {
            page_number: Some(number),
            page_size: Some(params.size as u64),
            total_count: Some(total),
        },
    })
}

// ---------------------------------------------------------------- handlers

async fn list_groups(
    State(state): State<Shared>,
    Path(tenant_uid): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let mut store = state.lock();
    let first_page = store.first_page;
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    let params = list_params(query)?;
    let groups: Vec<&CustomerGroup> = tenant.groups.values().collect();
    let page = page_of(groups, &params, first_page, |g, field| match field {
        "name" => Some(SortKey::Text(g.name.clone())),
        "createdAt" => Some(time_key(g.created_at)),
        "lastModifiedAt" => Some(time_key(g.last_modified_at)),
        _ => None,
    })?;
    ok(StatusCode::OK, &page)
}

async fn create_group(
    State(state): State<Shared>,
    Path(tenant_uid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut store = state.lock();
    let now = store.now();
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    let body = parse_body(&body)?;
    let Some(name) = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return Err(refuse(StatusCode::UNPROCESSABLE_ENTITY, "name is required"));
    };
    let uid = match body.get("customerGroupUid") {
        None | Some(Value::Null) => uuid::Uuid::new_v4().to_string(),
        Some(Value::String(uid)) if uid.is_empty() => uuid::Uuid::new_v4().to_string(),
        Some(Value::String(uid)) => {
            if !is_uid(uid) {
                return Err(refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "customerGroupUid must match ^[A-Za-z0-9-_]+",
                ));
            }
            uid.clone()
        }
        Some(_) => {
            return Err(refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "customerGroupUid must be a string",
            ));
        }
    };
    if tenant.groups.contains_key(&uid) {
        return Err(refuse(
            StatusCode::CONFLICT,
            format!("Customer group {uid} already exists"),
        ));
    }
    let group = CustomerGroup {
        customer_group_uid: uid.clone(),
        name: name.to_owned(),
        created_by: "sandbox".into(),
        created_at: Some(now),
        last_modified_by: "sandbox".into(),
        last_modified_at: Some(now),
    };
    tenant.groups.insert(uid, group.clone());
    ok(StatusCode::CREATED, &group)
}

async fn get_group(
    State(state): State<Shared>,
    Path((tenant_uid, uid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let mut store = state.lock();
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    let group = tenant
        .groups
        .get(&uid)
        .ok_or_else(|| group_not_found(&uid))?;
    ok(StatusCode::OK, group)
}

async fn update_group(
    State(state): State<Shared>,
    Path((tenant_uid, uid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut store = state.lock();
    let now = store.now();
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    let body = parse_body(&body)?;
    let group = tenant
        .groups
        .get_mut(&uid)
        .ok_or_else(|| group_not_found(&uid))?;
    match body.get("name") {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) if !name.trim().is_empty() => {
            group.name = name.clone();
            group.last_modified_at = Some(now);
        }
        Some(_) => {
            return Err(refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "name must be a non-empty string",
            ));
        }
    }
    ok(StatusCode::OK, group)
}

async fn delete_group(
    State(state): State<Shared>,
    Path((tenant_uid, uid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let mut store = state.lock();
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    tenant
        .groups
        .remove(&uid)
        .ok_or_else(|| group_not_found(&uid))?;
    for customer in tenant.customers.values_mut() {
        customer.customer_group_uids.retain(|g| g != &uid);
    }
    no_content()
}

async fn list_customers(
    State(state): State<Shared>,
    Path((tenant_uid, uid)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let mut store = state.lock();
    let first_page = store.first_page;
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    if !tenant.groups.contains_key(&uid) {
        return Err(group_not_found(&uid));
    }
    let params = list_params(query)?;
    let members: Vec<&Customer> = tenant
        .customers
        .values()
        .filter(|c| c.customer_group_uids.contains(&uid))
        .collect();
    let page = page_of(members, &params, first_page, |c, field| match field {
        "lastname" => Some(SortKey::Text(c.lastname.clone())),
        "createdAt" => Some(time_key(c.created_at)),
        _ => None,
    })?;
    ok(StatusCode::OK, &page)
}

/// The schema's `UID` pattern, `^[A-Za-z0-9-_]+`, as the server checks it
/// (written from the document, apart from the client's own check).
fn is_uid(uid: &str) -> bool {
    !uid.is_empty()
        && uid
            .bytes()
            .all(|b| matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'))
}

fn uid_list(body: &serde_json::Map<String, Value>, field: &str) -> Result<Vec<String>, Refusal> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item.as_str() {
                Some(uid) if is_uid(uid) => Ok(uid.to_owned()),
                _ => Err(refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{field} holds an invalid UID"),
                )),
            })
            .collect(),
        Some(_) => Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{field} must be an array"),
        )),
    }
}

async fn update_members(
    State(state): State<Shared>,
    Path((tenant_uid, uid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut store = state.lock();
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    if !tenant.groups.contains_key(&uid) {
        return Err(group_not_found(&uid));
    }
    let body = parse_body(&body)?;
    let add = uid_list(&body, "addCustomerUids")?;
    let remove = uid_list(&body, "removeCustomerUids")?;
    if let Some(unknown) = add
        .iter()
        .chain(&remove)
        .find(|c| !tenant.customers.contains_key(*c))
    {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Customer {unknown} not found"),
        ));
    }
    for customer_uid in &add {
        if let Some(customer) = tenant.customers.get_mut(customer_uid)
            && !customer.customer_group_uids.contains(&uid)
        {
            customer.customer_group_uids.push(uid.clone());
        }
    }
    for customer_uid in &remove {
        if let Some(customer) = tenant.customers.get_mut(customer_uid) {
            customer.customer_group_uids.retain(|g| g != &uid);
        }
    }
    no_content()
}
