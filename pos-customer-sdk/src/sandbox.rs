//! A stateful in-process emulator of the POS Cloud Customer API v3.0
//! (feature `sandbox`), for examples, this crate's tests and yours.
//!
//! It stores customers, discounts and groups; checks `X-Token` and
//! `X-Operator` (403 otherwise); validates bodies by the document's field
//! tables (400 with the documented error body); answers 404 for unknown ids,
//! 422 for a customer in an unknown group or a group with an unknown
//! discount; answers PUT with 201 or 200; merges PATCHed addresses; filters
//! by modification date; and can answer injected faults.
//!
//! ```
//! use pos_customer_sdk::sandbox::PosSandbox;
//! use pos_customer_sdk::{CustomerDraft, CustomerGroupDraft};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = PosSandbox::start()?;
//! let pos = sandbox.client()?;
//! let group = pos.groups().create(CustomerGroupDraft::new("Regulars")).await?;
//! let customer = pos
//!     .customers()
//!     .create(CustomerDraft::new("1", group.id.unwrap()).last_name("Hede"))
//!     .await?;
//! assert_eq!(customer.last_name.as_deref(), Some("Hede"));
//!
//! // The next request fails with 503, as a real outage would.
//! sandbox.faults().inject(sdk_core::sandbox::Fault::status(503), 1);
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::sync::MutexGuard;

use chrono::NaiveDate;
use sdk_core::sandbox::axum::Router;
use sdk_core::sandbox::axum::body::Bytes;
use sdk_core::sandbox::axum::extract::{Path, Request, State};
use sdk_core::sandbox::axum::http::{HeaderMap, StatusCode};
use sdk_core::sandbox::axum::middleware::{self, Next};
use sdk_core::sandbox::axum::response::{IntoResponse, Response};
use sdk_core::sandbox::axum::routing::get;
use sdk_core::sandbox::{
    Answer, BodyProblem, FaultInjector, Refusal, SandboxServer, SharedState, ok, parse_object,
};
use serde_json::{Map, Value, json};

use crate::client::{BASE_PATH, PosClient, PosClientBuilder};

/// The token the sandbox accepts unless told otherwise.
pub const SANDBOX_TOKEN: &str = "sandbox-token";
/// The operator the sandbox accepts unless told otherwise.
pub const SANDBOX_OPERATOR: &str = "sandbox-operator";

/// A running POS Cloud emulator. Stops when dropped.
#[derive(Debug)]
pub struct PosSandbox {
    server: SandboxServer,
    state: Shared,
    token: String,
    operator: String,
}

impl PosSandbox {
    /// Starts an empty sandbox that accepts [`SANDBOX_TOKEN`] and [`SANDBOX_OPERATOR`].
    pub fn start() -> std::io::Result<Self> {
        Self::with_credentials(SANDBOX_TOKEN, SANDBOX_OPERATOR)
    }

    /// Starts an empty sandbox that accepts `token` for `operator`.
    pub fn with_credentials(
        token: impl Into<String>,
        operator: impl Into<String>,
    ) -> std::io::Result<Self> {
        let token = token.into();
        let operator = operator.into();
        let state = Shared {
            store: SharedState::new(Store::default()),
            token: token.clone(),
            operator: operator.clone(),
        };
        let server = SandboxServer::start("pos", router(state.clone()))?;
        Ok(Self {
            server,
            state,
            token,
            operator,
        })
    }

    /// The base URL to give a client (the host; the client appends the API path).
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// A client builder aimed at this sandbox with its credentials.
    pub fn client_builder(&self) -> PosClientBuilder {
        PosClient::builder(self.url(), self.token.as_str(), self.operator.as_str())
    }

    /// A client aimed at this sandbox with its credentials.
    pub fn client(&self) -> sdk_core::Result<PosClient> {
        self.client_builder().build()
    }

    /// The fault queue: the next requests answer what you inject.
    pub fn faults(&self) -> &FaultInjector {
        self.server.faults()
    }

    /// Stamps later changes with `date` instead of today (UTC), for testing
    /// [`list_modified_since`](crate::customers::Customers::list_modified_since).
    pub fn set_date(&self, date: NaiveDate) {
        self.state.lock().date = Some(date);
    }

    /// Loads the document's examples: discounts 1, 13 and 14; groups 1,
    /// `9168aa78-…` and `410fd33f-…`; customers `231b949c-…` and `6713f6f3-…`.
    pub fn seed_documented_examples(&self) {
        let mut store = self.state.lock();
        for (id, name, value, absolute) in [
            (1, "7 proz", 7, true),
            (13, "name of discount with id 13", 13, false),
            (14, "name of discount with id 14", 14, false),
        ] {
            store.discounts.insert(
                id.to_string(),
                json!({"id": id, "name": name, "value": value, "absolute": absolute, "checkDiscountable": false}),
            );
        }
        store.next_id = 15;
        for (id, name, discount) in [
            (json!(1), "Edited customer group name", Some(14)),
            (
                json!("9168aa78-e0a3-42ec-a43c-87f0ad666f69"),
                "Stammkunden",
                None,
            ),
            (
                json!("410fd33f-d555-40ea-bb70-52c65a82814c"),
                "Stammkunden",
                None,
            ),
        ] {
            let mut group = json!({"id": id.clone(), "name": name});
            if let Some(discount) = discount {
                group["discount"] = json!({"id": discount});
            }
            store.groups.insert(id_text(&id), group);
        }
        let documented = [
            json!({
                "id": "231b949c-332b-4194-aba5-8f00e828a49b", "number": "1", "active": true,
                "gender": "U", "salutation": "Mr", "birthday": "2000-01-30", "title": "Herr",
                "firstName": "Dima", "lastName": "Hede", "companyName": "Winterfell",
                "companyPosition": "manager", "language": "EN", "description": "string",
                "balance": "100.00", "currency": "EUR",
                "customerGroup": {"id": "9168aa78-e0a3-42ec-a43c-87f0ad666f69"},
                "addresses": [{"id": "9a17ff45-e41b-43b1-98e4-1ec74ae0681f", "street": "Greifswalder Str. 206",
                               "zip": "10405", "city": "Berlin", "building": "10", "country": "Germany"}],
                "emails": ["3@3.com", "4@4.com"], "socials": ["facebook1"],
                "phones": ["44443333222", "7778855"], "urls": ["url3", "url1", "url2"]
            }),
            json!({
                "id": "6713f6f3-610f-4038-9014-217e021dddc0", "number": "1", "active": false,
                "gender": "U", "salutation": "Ms", "birthday": "1990-12-31", "title": "Herr",
                "firstName": "Dima", "lastName": "Hede", "companyName": "Winterfell",
                "companyPosition": "manager", "language": "DE", "description": "details",
                "balance": "200.00", "currency": "USD",
                "customerGroup": {"id": "410fd33f-d555-40ea-bb70-52c65a82814c"},
                "addresses": [{"id": "7b01460e-a1a2-4ac2-8bcf-ce40778c888a", "city": "London", "zip": "1412",
                               "street": "Baker", "building": "221b", "country": "GB"}],
                "emails": ["a@a.com", "b@b.com"], "socials": ["linkedin2"],
                "phones": ["2379187391", "5553328855"], "urls": ["http://who.is", "https://test.org"]
            }),
        ];
        let today = store.today();
        for customer in documented {
            if let Value::Object(fields) = customer {
                let id = id_text(&fields["id"]);
                store.sequence += 1;
                let sequence = store.sequence;
                store.customers.insert(
                    id,
                    StoredCustomer {
                        sequence,
                        modified: today,
                        fields,
                    },
                );
            }
        }
    }

    /// How many customers the sandbox holds.
    pub fn customer_count(&self) -> usize {
        self.state.lock().customers.len()
    }
}

#[derive(Clone, Debug)]
struct Shared {
    store: SharedState<Store>,
    token: String,
    operator: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock()
    }
}

#[derive(Default)]
struct Store {
    customers: BTreeMap<String, StoredCustomer>,
    discounts: BTreeMap<String, Value>,
    groups: BTreeMap<String, Value>,
    next_id: i64,
    sequence: u64,
    date: Option<NaiveDate>,
}

struct StoredCustomer {
    sequence: u64,
    modified: NaiveDate,
    fields: Map<String, Value>,
}

impl Store {
    fn today(&self) -> NaiveDate {
        self.date.unwrap_or_else(|| chrono::Utc::now().date_naive())
    }

    fn next_integer_id(&mut self) -> i64 {
        self.next_id = self.next_id.max(1);
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The customer as answered: the group's name filled in, read-only defaults present.
    fn render_customer(&self, stored: &StoredCustomer) -> Value {
        let mut fields = stored.fields.clone();
        if let Some(group) = fields.get_mut("customerGroup")
            && let Some(found) = self.groups.get(&id_text(&group["id"]))
        {
            group["name"] = found["name"].clone();
        }
        Value::Object(fields)
    }

    fn render_group(&self, group: &Value) -> Value {
        let mut group = group.clone();
        if let Some(discount) = group.get_mut("discount")
            && let Some(found) = self.discounts.get(&id_text(&discount["id"]))
        {
            discount["name"] = found["name"].clone();
        }
        group
    }

    fn customers_in_order(&self, since: Option<NaiveDate>) -> Vec<Value> {
        let mut stored: Vec<&StoredCustomer> = self
            .customers
            .values()
            .filter(|c| since.is_none_or(|since| c.modified >= since))
            .collect();
        stored.sort_by_key(|c| c.sequence);
        stored.iter().map(|c| self.render_customer(c)).collect()
    }
}

/// An id's text, whether the JSON has it as a string or a number.
fn id_text(id: &Value) -> String {
    match id {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A JSON object's fields.
type Fields = Map<String, Value>;

/// An error answer in the document's shape.
fn error(status: StatusCode, details: impl Into<String>) -> Refusal {
    let details = details.into();
    Refusal::new(
        status,
        json!({"result": {"status_code": status.as_u16(), "details": details}}),
    )
}

fn object_body(body: &Bytes) -> Result<Map<String, Value>, Refusal> {
    parse_object(body).map_err(|problem| match problem {
        BodyProblem::NotAnObject => error(
            StatusCode::BAD_REQUEST,
            "Request body must be a JSON object",
        ),
        BodyProblem::Malformed(e) => error(StatusCode::BAD_REQUEST, format!("Malformed JSON: {e}")),
        _ => error(StatusCode::BAD_REQUEST, "Unreadable body"),
    })
}

fn parse_array(body: &Bytes) -> Result<Vec<Map<String, Value>>, Refusal> {
    match serde_json::from_slice(body) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(object) => Ok(object),
                _ => Err(error(
                    StatusCode::BAD_REQUEST,
                    format!("Entry {i} must be a JSON object"),
                )),
            })
            .collect(),
        Ok(_) => Err(error(
            StatusCode::BAD_REQUEST,
            "Request body must be a JSON array",
        )),
        Err(e) => Err(error(
            StatusCode::BAD_REQUEST,
            format!("Malformed JSON: {e}"),
        )),
    }
}

async fn check_credentials(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let headers: &HeaderMap = request.headers();
    let matches = |name: &str, expected: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == expected)
    };
    if !matches("x-token", &state.token) || !matches("x-operator", &state.operator) {
        return error(StatusCode::FORBIDDEN, "Invalid security token or operator").into_response();
    }
    next.run(request).await
}

fn router(state: Shared) -> Router {
    let api = Router::new()
        .route("/customers", get(list_customers).post(create_customer))
        .route(
            "/customers/list",
            sdk_core::sandbox::axum::routing::put(replace_customers).patch(patch_customers),
        )
        .route(
            "/customers/{id}",
            get(get_customer)
                .put(replace_customer)
                .patch(patch_customer),
        )
        .route("/customers/{date}/modified", get(list_modified))
        .route("/discounts", get(list_discounts).post(create_discount))
        .route(
            "/discounts/{id}",
            get(get_discount)
                .put(replace_discount)
                .patch(patch_discount)
                .delete(delete_discount),
        )
        .route("/groups", get(list_groups).post(create_group))
        .route(
            "/groups/{id}",
            get(get_group)
                .put(replace_group)
                .patch(patch_group)
                .delete(delete_group),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Unknown URL") })
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            check_credentials,
        ))
        .with_state(state);
    Router::new()
        .nest(BASE_PATH, api)
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Unknown URL") })
}

// ---------------------------------------------------------------- validation

// The server's rules, copied from the "Restrictions" column of the
// document's customer field table on their own, not taken from the client's
// validation: a wrong limit in the client then shows up as a sandbox refusal.

const TEXT_LIMITS: &[(&str, usize)] = &[
    ("number", 255),
    ("gender", 5),
    ("title", 50),
    ("salutation", 50),
    ("firstName", 100),
    ("lastName", 100),
    ("companyName", 255),
    ("companyPosition", 255),
];

const ADDRESS_LIMITS: &[(&str, usize)] = &[
    ("street", 255),
    ("building", 100),
    ("zip", 50),
    ("city", 255),
];

const LIST_LIMITS: &[(&str, usize)] = &[
    ("emails", 100),
    ("phones", 50),
    ("urls", 255),
    ("socials", 255),
];

fn too_long(field: &str, max: usize) -> Refusal {
    error(
        StatusCode::BAD_REQUEST,
        format!("Field {field} is too long: max length is {max}"),
    )
}

fn check_text(fields: &Map<String, Value>, name: &str, max: usize) -> Result<(), Refusal> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(text)) if text.chars().count() <= max => Ok(()),
        Some(Value::String(_)) => Err(too_long(name, max)),
        Some(_) => Err(error(
            StatusCode::BAD_REQUEST,
            format!("Field {name} must be a string"),
        )),
    }
}

/// Checks a customer body; `whole` for create and replace, where `number`
/// and `customerGroup.id` are required.
fn validate_customer(
    store: &Store,
    fields: &Map<String, Value>,
    whole: bool,
) -> Result<(), Refusal> {
    if whole || fields.contains_key("number") {
        match fields.get("number") {
            Some(Value::String(number)) if !number.trim().is_empty() => {}
            _ => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "Missing required field: number",
                ));
            }
        }
    }
    for (name, max) in TEXT_LIMITS {
        check_text(fields, name, *max)?;
    }
    if let Some(birthday) = fields.get("birthday").filter(|b| !b.is_null()) {
        let valid = birthday
            .as_str()
            .is_some_and(|b| b.len() == 10 && NaiveDate::parse_from_str(b, "%Y-%m-%d").is_ok());
        if !valid {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Field birthday must be a date YYYY-MM-DD",
            ));
        }
    }
    if let Some(active) = fields.get("active")
        && !active.is_boolean()
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Field active must be a boolean",
        ));
    }
    for (name, max) in LIST_LIMITS {
        match fields.get(*name) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    match item.as_str() {
                        Some(text) if text.chars().count() <= *max => {}
                        Some(_) => return Err(too_long(name, *max)),
                        None => {
                            return Err(error(
                                StatusCode::BAD_REQUEST,
                                format!("Field {name} must hold strings"),
                            ));
                        }
                    }
                }
            }
            Some(_) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    format!("Field {name} must be an array"),
                ));
            }
        }
    }
    match fields.get("addresses") {
        None | Some(Value::Null) => {}
        Some(Value::Array(addresses)) => {
            for address in addresses {
                let Value::Object(address) = address else {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        "Each address must be an object",
                    ));
                };
                for (name, max) in ADDRESS_LIMITS {
                    check_text(address, name, *max)?;
                }
            }
        }
        Some(_) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Field addresses must be an array",
            ));
        }
    }
    match fields.get("customerGroup") {
        None | Some(Value::Null) if !whole => {}
        Some(Value::Object(group)) if group.get("id").is_some_and(|id| !id.is_null()) => {
            if !store.groups.contains_key(&id_text(&group["id"])) {
                return Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Customer group {} does not exist", id_text(&group["id"])),
                ));
            }
        }
        _ => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Missing required field: customerGroup.id",
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- customers

const READ_ONLY_CUSTOMER_FIELDS: &[&str] = &["id", "balance", "currency"];

/// A whole customer as stored: read-only fields kept from `previous`,
/// defaults filled in, every address with an id.
fn build_customer(
    id: &str,
    mut fields: Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    for name in READ_ONLY_CUSTOMER_FIELDS {
        fields.remove(*name);
    }
    if let Some(group) = fields
        .get_mut("customerGroup")
        .and_then(Value::as_object_mut)
    {
        group.remove("name");
    }
    let mut customer = Map::new();
    customer.insert("id".into(), Value::String(id.to_owned()));
    customer.insert("active".into(), Value::Bool(true));
    customer.insert("gender".into(), Value::String("U".into()));
    let kept = |name: &str, default: &str| {
        previous
            .and_then(|p| p.get(name).cloned())
            .unwrap_or_else(|| Value::String(default.into()))
    };
    customer.insert("balance".into(), kept("balance", "0.00"));
    customer.insert("currency".into(), kept("currency", "EUR"));
    customer.extend(fields);
    for list in ["addresses", "emails", "socials", "phones", "urls"] {
        if customer.get(list).is_none_or(Value::is_null) {
            customer.insert(list.into(), Value::Array(Vec::new()));
        }
    }
    if let Some(Value::Array(addresses)) = customer.get_mut("addresses") {
        for address in addresses.iter_mut().filter_map(Value::as_object_mut) {
            if address.get("id").is_none_or(Value::is_null) {
                address.insert("id".into(), Value::String(uuid::Uuid::new_v4().to_string()));
            }
        }
    }
    customer
}

/// Applies a patch: fields set replace, addresses merge by id.
fn apply_patch(
    customer: &mut Map<String, Value>,
    mut patch: Map<String, Value>,
) -> Result<(), Refusal> {
    for name in READ_ONLY_CUSTOMER_FIELDS {
        patch.remove(*name);
    }
    if let Some(Value::Array(changes)) = patch.remove("addresses") {
        let mut addresses = match customer.remove("addresses") {
            Some(Value::Array(addresses)) => addresses,
            _ => Vec::new(),
        };
        for change in changes {
            let Value::Object(mut change) = change else {
                continue;
            };
            match change.get("id").filter(|id| !id.is_null()).map(id_text) {
                Some(id) => {
                    let existing = addresses
                        .iter_mut()
                        .filter_map(Value::as_object_mut)
                        .find(|a| a.get("id").map(id_text).as_deref() == Some(id.as_str()));
                    let Some(existing) = existing else {
                        return Err(error(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            format!("Address {id} does not exist"),
                        ));
                    };
                    change.remove("id");
                    existing.extend(change);
                }
                None => {
                    change.insert("id".into(), Value::String(uuid::Uuid::new_v4().to_string()));
                    addresses.push(Value::Object(change));
                }
            }
        }
        customer.insert("addresses".into(), Value::Array(addresses));
    }
    if let Some(group) = patch
        .get_mut("customerGroup")
        .and_then(Value::as_object_mut)
    {
        group.remove("name");
    }
    customer.extend(patch);
    Ok(())
}

fn customer_answer(store: &Store, id: &str, status: StatusCode) -> Answer {
    let stored = &store.customers[id];
    ok(status, &json!({"customer": store.render_customer(stored)}))
}

async fn list_customers(State(state): State<Shared>) -> Answer {
    let store = state.lock();
    ok(
        StatusCode::OK,
        &json!({"customers": store.customers_in_order(None)}),
    )
}

async fn list_modified(State(state): State<Shared>, Path(date): Path<String>) -> Answer {
    let since = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "startDate must be a date YYYY-MM-DD",
        )
    })?;
    let store = state.lock();
    ok(
        StatusCode::OK,
        &json!({"customers": store.customers_in_order(Some(since))}),
    )
}

async fn get_customer(State(state): State<Shared>, Path(id): Path<String>) -> Answer {
    let store = state.lock();
    if !store.customers.contains_key(&id) {
        return Err(error(
            StatusCode::NOT_FOUND,
            format!("Customer {id} not found"),
        ));
    }
    customer_answer(&store, &id, StatusCode::OK)
}

/// Creates or replaces `id`; `true` when it was created.
fn upsert(store: &mut Store, id: String, fields: Map<String, Value>) -> bool {
    let today = store.today();
    let previous = store.customers.get(&id);
    let created = previous.is_none();
    let sequence = match previous {
        Some(previous) => previous.sequence,
        None => {
            store.sequence += 1;
            store.sequence
        }
    };
    let fields = build_customer(&id, fields, previous.map(|p| &p.fields));
    store.customers.insert(
        id,
        StoredCustomer {
            sequence,
            modified: today,
            fields,
        },
    );
    created
}

async fn create_customer(State(state): State<Shared>, body: Bytes) -> Answer {
    let fields = object_body(&body)?;
    let mut store = state.lock();
    validate_customer(&store, &fields, true)?;
    let id = uuid::Uuid::new_v4().to_string();
    upsert(&mut store, id.clone(), fields);
    customer_answer(&store, &id, StatusCode::CREATED)
}

async fn replace_customer(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let fields = object_body(&body)?;
    let mut store = state.lock();
    validate_customer(&store, &fields, true)?;
    let created = upsert(&mut store, id.clone(), fields);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    customer_answer(&store, &id, status)
}

fn patch_one(store: &mut Store, id: &str, patch: Map<String, Value>) -> Result<(), Refusal> {
    validate_customer(store, &patch, false)?;
    let today = store.today();
    let Some(stored) = store.customers.get_mut(id) else {
        return Err(error(
            StatusCode::NOT_FOUND,
            format!("Customer {id} not found"),
        ));
    };
    let mut fields = stored.fields.clone();
    apply_patch(&mut fields, patch)?;
    stored.fields = fields;
    stored.modified = today;
    Ok(())
}

async fn patch_customer(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let patch = object_body(&body)?;
    let mut store = state.lock();
    patch_one(&mut store, &id, patch)?;
    customer_answer(&store, &id, StatusCode::OK)
}

/// Splits list entries into their ids and the rest; every entry needs an id.
fn entries_with_ids(entries: Vec<Map<String, Value>>) -> Result<Vec<(String, Fields)>, Refusal> {
    entries
        .into_iter()
        .enumerate()
        .map(
            |(i, mut entry)| match entry.remove("id").filter(|id| !id.is_null()) {
                Some(id) => Ok((id_text(&id), entry)),
                None => Err(error(
                    StatusCode::BAD_REQUEST,
                    format!("Missing required field: id (entry {i})"),
                )),
            },
        )
        .collect()
}

async fn replace_customers(State(state): State<Shared>, body: Bytes) -> Answer {
    let entries = entries_with_ids(parse_array(&body)?)?;
    let mut store = state.lock();
    for (_, fields) in &entries {
        validate_customer(&store, fields, true)?;
    }
    let mut any_created = false;
    let mut ids = Vec::with_capacity(entries.len());
    for (id, fields) in entries {
        any_created |= upsert(&mut store, id.clone(), fields);
        ids.push(id);
    }
    let customers: Vec<Value> = ids
        .iter()
        .map(|id| store.render_customer(&store.customers[id]))
        .collect();
    let status = if any_created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    ok(status, &json!({"customers": customers}))
}

async fn patch_customers(State(state): State<Shared>, body: Bytes) -> Answer {
    let entries = entries_with_ids(parse_array(&body)?)?;
    let mut store = state.lock();
    for (id, patch) in &entries {
        if !store.customers.contains_key(id) {
            return Err(error(
                StatusCode::NOT_FOUND,
                format!("Customer {id} not found"),
            ));
        }
        validate_customer(&store, patch, false)?;
    }
    let mut ids = Vec::with_capacity(entries.len());
    for (id, patch) in entries {
        patch_one(&mut store, &id, patch)?;
        ids.push(id);
    }
    let customers: Vec<Value> = ids
        .iter()
        .map(|id| store.render_customer(&store.customers[id]))
        .collect();
    ok(StatusCode::OK, &json!({"customers": customers}))
}

// ---------------------------------------------------------------- discounts

fn validate_discount(fields: &Map<String, Value>, whole: bool) -> Result<(), Refusal> {
    if whole || fields.contains_key("name") {
        match fields.get("name") {
            Some(Value::String(name)) if !name.trim().is_empty() => {}
            _ => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "Missing required field: name",
                ));
            }
        }
    }
    if whole
        && !fields
            .get("value")
            .is_some_and(|v| v.is_number() || v.is_string())
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Missing required field: value",
        ));
    }
    for flag in ["absolute", "checkDiscountable"] {
        if fields.get(flag).is_some_and(|v| !v.is_boolean()) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("Field {flag} must be a boolean"),
            ));
        }
    }
    Ok(())
}

fn discount_defaults(id: Value, fields: Map<String, Value>) -> Value {
    let mut discount = Map::new();
    discount.insert("id".into(), id);
    discount.insert("absolute".into(), Value::Bool(false));
    discount.insert("checkDiscountable".into(), Value::Bool(false));
    discount.extend(fields.into_iter().filter(|(k, _)| k != "id"));
    Value::Object(discount)
}

fn discount_not_found(id: &str) -> Refusal {
    error(
        StatusCode::NOT_FOUND,
        format!("Customer discount {id} not found"),
    )
}

async fn list_discounts(State(state): State<Shared>) -> Answer {
    let store = state.lock();
    let discounts: Vec<&Value> = store.discounts.values().collect();
    ok(StatusCode::OK, &json!({"customerDiscounts": discounts}))
}

async fn get_discount(State(state): State<Shared>, Path(id): Path<String>) -> Answer {
    let store = state.lock();
    let discount = store
        .discounts
        .get(&id)
        .ok_or_else(|| discount_not_found(&id))?;
    ok(StatusCode::OK, &json!({"customerDiscount": discount}))
}

async fn create_discount(State(state): State<Shared>, body: Bytes) -> Answer {
    let fields = object_body(&body)?;
    validate_discount(&fields, true)?;
    let mut store = state.lock();
    let id = store.next_integer_id();
    let discount = discount_defaults(json!(id), fields);
    store.discounts.insert(id.to_string(), discount.clone());
    ok(StatusCode::CREATED, &json!({"customerDiscount": discount}))
}

async fn replace_discount(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let fields = object_body(&body)?;
    validate_discount(&fields, true)?;
    let mut store = state.lock();
    let existing = store
        .discounts
        .get(&id)
        .ok_or_else(|| discount_not_found(&id))?;
    let discount = discount_defaults(existing["id"].clone(), fields);
    store.discounts.insert(id, discount.clone());
    ok(StatusCode::OK, &json!({"customerDiscount": discount}))
}

async fn patch_discount(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let fields = object_body(&body)?;
    validate_discount(&fields, false)?;
    let mut store = state.lock();
    let discount = store
        .discounts
        .get_mut(&id)
        .ok_or_else(|| discount_not_found(&id))?;
    if let Value::Object(existing) = discount {
        existing.extend(fields.into_iter().filter(|(k, _)| k != "id"));
    }
    ok(StatusCode::OK, &json!({"customerDiscount": discount}))
}

async fn delete_discount(State(state): State<Shared>, Path(id): Path<String>) -> Answer {
    let mut store = state.lock();
    if !store.discounts.contains_key(&id) {
        return Err(discount_not_found(&id));
    }
    let used = store.groups.values().any(|g| {
        g.get("discount")
            .and_then(|d| d.get("id"))
            .is_some_and(|d| id_text(d) == id)
    });
    if used {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Customer discount {id} is used by a customer group"),
        ));
    }
    store.discounts.remove(&id);
    ok(
        StatusCode::OK,
        &json!({"result": {"details": format!("Customer discount {id} was deleted")}}),
    )
}

// ---------------------------------------------------------------- groups

fn validate_group(store: &Store, fields: &Map<String, Value>, whole: bool) -> Result<(), Refusal> {
    if whole || fields.contains_key("name") {
        match fields.get("name") {
            Some(Value::String(name)) if !name.trim().is_empty() => {}
            _ => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "Missing required field: name",
                ));
            }
        }
    }
    match fields.get("discount") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(discount)) => {
            let id = discount.get("id").map(id_text).unwrap_or_default();
            if store.discounts.contains_key(&id) {
                Ok(())
            } else {
                Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Customer discount {id} does not exist"),
                ))
            }
        }
        Some(_) => Err(error(
            StatusCode::BAD_REQUEST,
            "Field discount must be an object",
        )),
    }
}

/// Keeps only the discount's id: its name is read from the discount.
fn group_fields(mut fields: Map<String, Value>) -> Map<String, Value> {
    fields.remove("id");
    if let Some(discount) = fields.get_mut("discount").and_then(Value::as_object_mut) {
        discount.retain(|k, _| k == "id");
    }
    fields
}

fn group_not_found(id: &str) -> Refusal {
    error(
        StatusCode::NOT_FOUND,
        format!("Customer group {id} not found"),
    )
}

async fn list_groups(State(state): State<Shared>) -> Answer {
    let store = state.lock();
    let groups: Vec<Value> = store
        .groups
        .values()
        .map(|g| store.render_group(g))
        .collect();
    ok(StatusCode::OK, &json!({"customerGroups": groups}))
}

async fn get_group(State(state): State<Shared>, Path(id): Path<String>) -> Answer {
    let store = state.lock();
    let group = store.groups.get(&id).ok_or_else(|| group_not_found(&id))?;
    ok(
        StatusCode::OK,
        &json!({"customerGroup": store.render_group(group)}),
    )
}

async fn create_group(State(state): State<Shared>, body: Bytes) -> Answer {
    let fields = object_body(&body)?;
    let mut store = state.lock();
    validate_group(&store, &fields, true)?;
    let id = store.next_integer_id();
    let mut group = Map::new();
    group.insert("id".into(), json!(id));
    group.extend(group_fields(fields));
    let group = Value::Object(group);
    store.groups.insert(id.to_string(), group.clone());
    ok(
        StatusCode::CREATED,
        &json!({"customerGroup": store.render_group(&group)}),
    )
}

async fn replace_group(State(state): State<Shared>, Path(id): Path<String>, body: Bytes) -> Answer {
    let fields = object_body(&body)?;
    let mut store = state.lock();
    validate_group(&store, &fields, true)?;
    let existing = store.groups.get(&id).ok_or_else(|| group_not_found(&id))?;
    let mut group = Map::new();
    group.insert("id".into(), existing["id"].clone());
    group.extend(group_fields(fields));
    let group = Value::Object(group);
    store.groups.insert(id, group.clone());
    ok(
        StatusCode::OK,
        &json!({"customerGroup": store.render_group(&group)}),
    )
}

async fn patch_group(State(state): State<Shared>, Path(id): Path<String>, body: Bytes) -> Answer {
    let fields = object_body(&body)?;
    let mut store = state.lock();
    validate_group(&store, &fields, false)?;
    let group = store
        .groups
        .get_mut(&id)
        .ok_or_else(|| group_not_found(&id))?;
    if let Value::Object(existing) = group {
        existing.extend(group_fields(fields));
    }
    let group = group.clone();
    ok(
        StatusCode::OK,
        &json!({"customerGroup": store.render_group(&group)}),
    )
}

async fn delete_group(State(state): State<Shared>, Path(id): Path<String>) -> Answer {
    let mut store = state.lock();
    if !store.groups.contains_key(&id) {
        return Err(group_not_found(&id));
    }
    let used = store.customers.values().any(|c| {
        c.fields
            .get("customerGroup")
            .and_then(|g| g.get("id"))
            .is_some_and(|g| id_text(g) == id)
    });
    if used {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Customer group {id} still has customers"),
        ));
    }
    store.groups.remove(&id);
    ok(
        StatusCode::OK,
        &json!({"result": {"details": format!("Customer group {id} was deleted")}}),
    )
}
