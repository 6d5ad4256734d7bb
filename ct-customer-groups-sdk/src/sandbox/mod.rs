//! A stateful in-process emulator of the commercetools token endpoint and
//! Customer Groups API (feature `sandbox`).
//!
//! - `POST /oauth/token`: client credentials with HTTP Basic auth; issues
//!   expiring bearer tokens for the scopes asked for (and allowed).
//! - `/{projectKey}/customer-groups`: 401 `invalid_token` on a bad or expired
//!   token, 403 `insufficient_scope` without a view or manage scope; versions
//!   incremented by the server; 409 `ConcurrentModification` with
//!   `currentVersion` on a stale version; `DuplicateField` on a taken name or
//!   key; 404 `ResourceNotFound`; `where` on `name`, `key`, `id` (and
//!   `version`, `createdAt`, `lastModifiedAt`) with `=`, `!=`, `>`, `<`,
//!   `>=`, `<=`, `in`, `is defined`, `not`, `and`, `or` and input variables;
//!   `sort` by `id`, `name`, `key`, `createdAt`, `lastModifiedAt` both ways;
//!   limit 1..=500, offset up to 10,000, `withTotal`; a limit of 10,000
//!   groups per project (`MaxResourceLimitExceeded`); injected faults.
//!
//! ```
//! use ct_customer_groups_sdk::sandbox::CtSandbox;
//! use ct_customer_groups_sdk::CustomerGroupDraft;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = CtSandbox::start()?;
//! let ct = sandbox.client()?;
//! let group = ct.customer_groups().create(CustomerGroupDraft::new("Gold").key("gold")).await?;
//! assert_eq!(group.version, 1);
//! # Ok(())
//! # }
//! ```

mod predicate;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use base64::Engine as _;
use chrono::{SecondsFormat, Utc};
use sdk_core::reqwest::Url;
use sdk_core::sandbox::axum::Router;
use sdk_core::sandbox::axum::body::Bytes;
use sdk_core::sandbox::axum::extract::{Path, RawQuery, State};
use sdk_core::sandbox::axum::http::{HeaderMap, Method, StatusCode, header};
use sdk_core::sandbox::axum::routing::{get, post};
use sdk_core::sandbox::{
    Answer, BodyProblem, FaultInjector, Refusal, SandboxServer, SharedState, json_response, ok,
    parse_object,
};
use serde_json::{Map, Value, json};

use crate::client::{CtClient, CtClientBuilder};

/// The API's page limits (commercetools' query limits: `limit` 0 to 500,
/// `offset` at most 10,000), kept here apart from the client's own checks.
const API_MAX_LIMIT: u64 = 500;
const API_MAX_OFFSET: u64 = 10_000;

/// The project key of [`CtSandbox::start`].
pub const SANDBOX_PROJECT: &str = "sandbox-project";
/// The client id of [`CtSandbox::start`].
pub const SANDBOX_CLIENT_ID: &str = "sandbox-client";
/// The client secret of [`CtSandbox::start`].
pub const SANDBOX_CLIENT_SECRET: &str = "sandbox-secret";
/// The default number of customer groups a project may hold.
pub const DEFAULT_MAX_CUSTOMER_GROUPS: usize = 10_000;

/// Configures a [`CtSandbox`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until started"]
pub struct CtSandboxBuilder {
    project_key: String,
    client_id: String,
    client_secret: String,
    allowed_scopes: Option<Vec<String>>,
    token_lifetime: Duration,
    max_customer_groups: usize,
}

impl CtSandboxBuilder {
    /// The project key.
    pub fn project_key(mut self, key: impl Into<String>) -> Self {
        self.project_key = key.into();
        self
    }

    /// The API client's id and secret.
    pub fn credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = id.into();
        self.client_secret = secret.into();
        self
    }

    /// The scopes the API client may ask for (default: `manage_customer_groups:{projectKey}`).
    pub fn allowed_scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.allowed_scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// How long issued tokens live (default 48 hours, as commercetools issues them).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// How many customer groups the project may hold (default 10,000).
    pub fn max_customer_groups(mut self, max: usize) -> Self {
        self.max_customer_groups = max;
        self
    }

    /// Starts the sandbox.
    pub fn start(self) -> std::io::Result<CtSandbox> {
        let allowed_scopes = self
            .allowed_scopes
            .unwrap_or_else(|| vec![format!("manage_customer_groups:{}", self.project_key)]);
        let state = Shared::new(Store {
            project_key: self.project_key.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            allowed_scopes: allowed_scopes.clone(),
            token_lifetime: self.token_lifetime,
            max_groups: self.max_customer_groups,
            ..Store::default()
        });
        let server = SandboxServer::start("commercetools", router(state.clone()))?;
        Ok(CtSandbox {
            server,
            state,
            project_key: self.project_key,
            client_id: self.client_id,
            client_secret: self.client_secret,
            scopes: allowed_scopes,
        })
    }
}

/// A running commercetools emulator (token endpoint and API on one loopback
/// port). Stops when dropped.
#[derive(Debug)]
pub struct CtSandbox {
    server: SandboxServer,
    state: Shared,
    project_key: String,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
}

impl CtSandbox {
    /// Starts a sandbox of [`SANDBOX_PROJECT`] for [`SANDBOX_CLIENT_ID`].
    pub fn start() -> std::io::Result<Self> {
        Self::builder().start()
    }

    /// Configures a sandbox.
    pub fn builder() -> CtSandboxBuilder {
        CtSandboxBuilder {
            project_key: SANDBOX_PROJECT.into(),
            client_id: SANDBOX_CLIENT_ID.into(),
            client_secret: SANDBOX_CLIENT_SECRET.into(),
            allowed_scopes: None,
            token_lifetime: Duration::from_secs(172_800),
            max_customer_groups: DEFAULT_MAX_CUSTOMER_GROUPS,
        }
    }

    /// The URL of both the API and the auth service.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The project key.
    pub fn project_key(&self) -> &str {
        &self.project_key
    }

    /// A client builder aimed at this sandbox, with its credentials and scopes.
    pub fn client_builder(&self) -> CtClientBuilder {
        CtClient::builder(
            &self.project_key,
            &self.client_id,
            self.client_secret.as_str(),
        )
        .urls(self.url(), self.url())
        .scopes(self.scopes.iter().cloned())
    }

    /// A client aimed at this sandbox.
    pub fn client(&self) -> sdk_core::Result<CtClient> {
        self.client_builder().build()
    }

    /// The fault queue: the next requests answer what you inject.
    pub fn faults(&self) -> &FaultInjector {
        self.server.faults()
    }

    /// Makes every issued token expired, as if its time had run out.
    pub fn expire_tokens(&self) {
        self.state.lock().tokens.clear();
    }

    /// How many tokens the token endpoint has issued.
    pub fn tokens_issued(&self) -> u64 {
        self.state.lock().tokens_issued
    }

    /// How many customer groups the project holds.
    pub fn group_count(&self) -> usize {
        self.state.lock().groups.len()
    }

    /// The ids of every stored group, sorted: what a complete walk must see.
    pub fn group_ids(&self) -> Vec<String> {
        self.state.lock().groups.keys().cloned().collect()
    }

    /// Adds `count` generated groups (`Group 000001`, key `group-000001`, ...)
    /// directly, as fast as a test needs; the project's limit still holds.
    pub fn seed_generated(&self, count: usize) -> Result<(), String> {
        let mut store = self.state.lock();
        if store.groups.len() + count > store.max_groups {
            return Err(format!(
                "the project may hold {} customer groups",
                store.max_groups
            ));
        }
        let start = store.sequence;
        for n in start + 1..=start + count as u64 {
            let draft =
                json!({"groupName": format!("Group {n:06}"), "key": format!("group-{n:06}")});
            let Value::Object(draft) = draft else {
                continue;
            };
            store.insert_group(&draft);
        }
        Ok(())
    }
}

type Shared = SharedState<Store>;

struct Token {
    scopes: Vec<String>,
    expires_at: Instant,
}

#[derive(Default)]
struct Store {
    project_key: String,
    client_id: String,
    client_secret: String,
    allowed_scopes: Vec<String>,
    token_lifetime: Duration,
    max_groups: usize,
    tokens: HashMap<String, Token>,
    tokens_issued: u64,
    groups: BTreeMap<String, Value>,
    /// Each group's JSON, written once per change rather than per answer.
    rendered: HashMap<String, Box<serde_json::value::RawValue>>,
    sequence: u64,
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// Stores a new group from a validated draft and returns it.
    fn insert_group(&mut self, draft: &Map<String, Value>) -> Value {
        self.sequence += 1;
        let now = now_text();
        let by = json!({"clientId": self.client_id, "isPlatformClient": false});
        let mut group = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "version": 1,
            "name": draft.get("groupName").cloned().unwrap_or(Value::Null),
            "createdAt": now,
            "createdBy": by,
            "lastModifiedAt": now,
            "lastModifiedBy": by,
        });
        if let Some(key) = draft.get("key").filter(|k| !k.is_null()) {
            group["key"] = key.clone();
        }
        if let Some(custom) = draft.get("custom").filter(|c| !c.is_null()) {
            group["custom"] = custom_fields(custom);
        }
        let id = group["id"].as_str().unwrap_or_default().to_owned();
        self.put_group(id, group.clone());
        group
    }

    /// Stores `group` under `id`, with its JSON.
    fn put_group(&mut self, id: String, group: Value) {
        if let Ok(json) = serde_json::value::to_raw_value(&group) {
            self.rendered.insert(id.clone(), json);
        }
        self.groups.insert(id, group);
    }

    /// Removes the group with `id`.
    fn remove_group(&mut self, id: &str) -> Option<Value> {
        self.rendered.remove(id);
        self.groups.remove(id)
    }

    fn find(&self, target: &str) -> Option<String> {
        match target.strip_prefix("key=") {
            Some(key) => self
                .groups
                .values()
                .find(|g| g.get("key").and_then(Value::as_str) == Some(key))
                .and_then(|g| g["id"].as_str().map(str::to_owned)),
            None => self.groups.contains_key(target).then(|| target.to_owned()),
        }
    }

    fn taken(&self, field: &str, value: &str, except: Option<&str>) -> bool {
        self.groups.values().any(|g| {
            g.get(field).and_then(Value::as_str) == Some(value) && g["id"].as_str() != except
        })
    }
}

/// Custom fields as stored: the type as a reference, by id (a key gets a stable made-up id).
fn custom_fields(draft: &Value) -> Value {
    let type_ = &draft["type"];
    let id = type_
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            type_
                .get("key")
                .and_then(Value::as_str)
                .map(|key| format!("type-key-{key}"))
        })
        .unwrap_or_default();
    json!({
        "type": {"typeId": "type", "id": id},
        "fields": draft.get("fields").cloned().unwrap_or_else(|| json!({})),
    })
}

// ---------------------------------------------------------------- errors

/// An error answer in commercetools' shape:
/// `{statusCode, message, errors: [{code, message, ...extra}]}`.
fn refuse(status: StatusCode, code: &str, message: impl Into<String>, extra: Value) -> Refusal {
    let message = message.into();
    let mut entry = json!({"code": code, "message": message});
    if let (Value::Object(entry), Value::Object(extra)) = (&mut entry, extra) {
        entry.extend(extra);
    }
    let mut body = json!({"statusCode": status.as_u16(), "message": message, "errors": [entry]});
    if code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        body["error"] = json!(code);
        body["error_description"] = json!(message);
    }
    Refusal::new(status, body)
}

fn invalid_input(message: impl Into<String>) -> Refusal {
    refuse(StatusCode::BAD_REQUEST, "InvalidInput", message, json!({}))
}

fn not_found(target: &str) -> Refusal {
    refuse(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        format!("The Resource with ID '{target}' was not found."),
        json!({}),
    )
}

/// A page of a query, as the API answers it.
#[derive(serde::Serialize)]
struct PageAnswer<'a> {
    limit: u64,
    offset: u64,
    count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<usize>,
    results: Vec<&'a serde_json::value::RawValue>,
}

// ---------------------------------------------------------------- routes

fn router(state: Shared) -> Router {
    Router::new()
        .route("/oauth/token", post(issue_token))
        .route(
            "/{project}/customer-groups",
            get(query_groups).post(create_group),
        )
        .route(
            "/{project}/customer-groups/{target}",
            get(get_group).post(update_group).delete(delete_group),
        )
        .fallback(|| async {
            refuse(
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                "Unknown endpoint",
                json!({}),
            )
        })
        .with_state(state)
}

fn form_pairs(text: &str) -> Vec<(String, String)> {
    Url::parse(&format!("http://sandbox/?{text}"))
        .map(|url| url.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

async fn issue_token(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Answer {
    let mut store = state.lock();
    let credentials = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    let expected = format!("{}:{}", store.client_id, store.client_secret);
    if credentials.as_deref() != Some(expected.as_str()) {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Please provide valid client credentials using HTTP Basic Authentication.",
            json!({}),
        ));
    }
    let form = form_pairs(&String::from_utf8_lossy(&body));
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if field("grant_type").as_deref() != Some("client_credentials") {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only the client_credentials grant is supported here.",
            json!({}),
        ));
    }
    let asked: Vec<String> = match field("scope") {
        Some(scope) => scope.split_whitespace().map(str::to_owned).collect(),
        None => store.allowed_scopes.clone(),
    };
    if let Some(refused) = asked.iter().find(|s| !store.allowed_scopes.contains(s)) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            format!("Scope '{refused}' is not allowed for this client."),
            json!({}),
        ));
    }
    let token = format!("sandbox-{}", uuid::Uuid::new_v4().simple());
    let expires_at = Instant::now() + store.token_lifetime;
    store.tokens.insert(
        token.clone(),
        Token {
            scopes: asked.clone(),
            expires_at,
        },
    );
    store.tokens_issued += 1;
    ok(
        StatusCode::OK,
        &json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": store.token_lifetime.as_secs(),
            "scope": asked.join(" "),
        }),
    )
}

/// Checks the bearer token, its scopes for `method`, and the project key.
fn authorize(
    store: &Store,
    headers: &HeaderMap,
    method: &Method,
    project: &str,
) -> Result<(), Refusal> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| store.tokens.get(t))
        .filter(|t| t.expires_at > Instant::now());
    let Some(token) = token else {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "invalid_token",
            json!({}),
        ));
    };
    let key = &store.project_key;
    let manage = [
        format!("manage_customer_groups:{key}"),
        format!("manage_customers:{key}"),
    ];
    let view = [
        format!("view_customer_groups:{key}"),
        format!("view_customers:{key}"),
    ];
    let granted = |names: &[String]| token.scopes.iter().any(|s| names.contains(s));
    let allowed = granted(&manage) || (method == Method::GET && granted(&view));
    if !allowed {
        let needed = if method == Method::GET {
            &view[0]
        } else {
            &manage[0]
        };
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("Insufficient scope. One of the following scopes is missing: {needed}"),
            json!({}),
        ));
    }
    if project != store.project_key {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("The project '{project}' was not found."),
            json!({}),
        ));
    }
    Ok(())
}

fn parse_body(body: &Bytes) -> Result<Map<String, Value>, Refusal> {
    parse_object(body).map_err(|problem| {
        let detail = match problem {
            BodyProblem::Malformed(e) => e.to_string(),
            _ => "the body must be a JSON object".to_owned(),
        };
        refuse(
            StatusCode::BAD_REQUEST,
            "InvalidJsonInput",
            "Request body does not contain valid JSON.",
            json!({ "detailedErrorMessage": detail }),
        )
    })
}

fn duplicate(field: &str, value: &str) -> Refusal {
    refuse(
        StatusCode::BAD_REQUEST,
        "DuplicateField",
        format!("A duplicate value '\"{value}\"' exists for field '{field}'."),
        json!({"field": field, "duplicateValue": value}),
    )
}

fn check_key(key: &Value) -> Result<Option<String>, Refusal> {
    match key {
        Value::Null => Ok(None),
        Value::String(key)
            if (2..=256).contains(&key.len())
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(key.clone()))
        }
        other => Err(refuse(
            StatusCode::BAD_REQUEST,
            "InvalidField",
            "The value of key is not valid: 2 to 256 of A-Z a-z 0-9 - _",
            json!({"field": "key", "invalidValue": other, "allowedValues": []}),
        )),
    }
}

async fn create_group(
    State(state): State<Shared>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut store = state.lock();
    authorize(&store, &headers, &Method::POST, &project)?;
    let draft = parse_body(&body)?;
    let Some(name) = draft
        .get("groupName")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "RequiredField",
            "A value is required for field groupName.",
            json!({"field": "groupName"}),
        ));
    };
    if store.taken("name", &name, None) {
        return Err(duplicate("name", &name));
    }
    if let Some(key) = check_key(draft.get("key").unwrap_or(&Value::Null))?
        && store.taken("key", &key, None)
    {
        return Err(duplicate("key", &key));
    }
    if store.groups.len() >= store.max_groups {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "MaxResourceLimitExceeded",
            format!(
                "You have exceeded the limit of {} customer groups.",
                store.max_groups
            ),
            json!({"exceededResource": "customer-group"}),
        ));
    }
    let group = store.insert_group(&draft);
    ok(StatusCode::CREATED, &group)
}

async fn get_group(
    State(state): State<Shared>,
    Path((project, target)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let store = state.lock();
    authorize(&store, &headers, &Method::GET, &project)?;
    let id = store.find(&target).ok_or_else(|| not_found(&target))?;
    ok(StatusCode::OK, &store.groups[&id])
}

fn conflict(current: u64, expected: u64) -> Refusal {
    refuse(
        StatusCode::CONFLICT,
        "ConcurrentModification",
        format!(
            "Object has a different version than expected. Expected: {expected} - Actual: {current}."
        ),
        json!({"currentVersion": current}),
    )
}

/// The `version` the request expects, checked against the group's.
fn expect_version(group: &Value, version: Option<u64>) -> Result<u64, Refusal> {
    let Some(expected) = version else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "RequiredField",
            "A value is required for field version.",
            json!({"field": "version"}),
        ));
    };
    let current = group["version"].as_u64().unwrap_or(0);
    if current != expected {
        return Err(conflict(current, expected));
    }
    Ok(current)
}

/// Applies one action to `group` (a copy: nothing is stored unless every action succeeds).
fn apply(store: &Store, group: &mut Value, action: &Value) -> Result<(), Refusal> {
    let id = group["id"].as_str().unwrap_or_default().to_owned();
    match action.get("action").and_then(Value::as_str) {
        Some("changeName") => {
            let Some(name) = action.get("name").and_then(Value::as_str) else {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "RequiredField",
                    "A value is required for field name.",
                    json!({"field": "name"}),
                ));
            };
            if store.taken("name", name, Some(&id)) {
                return Err(duplicate("name", name));
            }
            group["name"] = json!(name);
        }
        Some("setKey") => match check_key(action.get("key").unwrap_or(&Value::Null))? {
            Some(key) if store.taken("key", &key, Some(&id)) => return Err(duplicate("key", &key)),
            Some(key) => group["key"] = json!(key),
            None => {
                if let Value::Object(fields) = group {
                    fields.remove("key");
                }
            }
        },
        Some("setCustomType") => match action.get("type").filter(|t| !t.is_null()) {
            Some(_) => group["custom"] = custom_fields(action),
            None => {
                if let Value::Object(fields) = group {
                    fields.remove("custom");
                }
            }
        },
        Some("setCustomField") => {
            let name = action
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some(fields) = group
                .get_mut("custom")
                .and_then(|c| c.get_mut("fields"))
                .and_then(Value::as_object_mut)
            else {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "InvalidOperation",
                    "The customer group has no custom type.",
                    json!({}),
                ));
            };
            match action.get("value").filter(|v| !v.is_null()) {
                Some(value) => {
                    fields.insert(name.to_owned(), value.clone());
                }
                None => {
                    if fields.remove(name).is_none() {
                        return Err(refuse(
                            StatusCode::BAD_REQUEST,
                            "InvalidOperation",
                            format!("Cannot remove custom field '{name}': it does not exist."),
                            json!({}),
                        ));
                    }
                }
            }
        }
        other => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "InvalidInput",
                format!("Unknown update action {other:?}."),
                json!({}),
            ));
        }
    }
    Ok(())
}

async fn update_group(
    State(state): State<Shared>,
    Path((project, target)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut store = state.lock();
    authorize(&store, &headers, &Method::POST, &project)?;
    let request = parse_body(&body)?;
    let id = store.find(&target).ok_or_else(|| not_found(&target))?;
    let mut group = store.groups[&id].clone();
    let current = expect_version(&group, request.get("version").and_then(Value::as_u64))?;
    let Some(actions) = request.get("actions").and_then(Value::as_array) else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "RequiredField",
            "A value is required for field actions.",
            json!({"field": "actions"}),
        ));
    };
    for action in actions {
        apply(&store, &mut group, action)?;
    }
    if !actions.is_empty() {
        group["version"] = json!(current + 1);
        group["lastModifiedAt"] = json!(now_text());
    }
    store.put_group(id, group.clone());
    ok(StatusCode::OK, &group)
}

async fn delete_group(
    State(state): State<Shared>,
    Path((project, target)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let mut store = state.lock();
    authorize(&store, &headers, &Method::DELETE, &project)?;
    let id = store.find(&target).ok_or_else(|| not_found(&target))?;
    let version = form_pairs(query.as_deref().unwrap_or_default())
        .into_iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok());
    expect_version(&store.groups[&id], version)?;
    let group = store.remove_group(&id).unwrap_or_default();
    ok(StatusCode::OK, &group)
}

/// Orders groups by `sort` expressions such as `name desc`; ties by id.
fn sorter(sort: &[String]) -> Result<Vec<(String, bool)>, Refusal> {
    sort.iter()
        .map(|expression| {
            let mut words = expression.split_whitespace();
            let field = words.next().unwrap_or_default();
            let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => {
                    return Err(invalid_input(format!(
                        "Malformed sort direction '{other}'."
                    )));
                }
            };
            if !["id", "name", "key", "createdAt", "lastModifiedAt"].contains(&field) {
                return Err(invalid_input(format!("Cannot sort by '{field}'.")));
            }
            Ok((field.to_owned(), descending))
        })
        .collect()
}

async fn query_groups(
    State(state): State<Shared>,
    Path(project): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let store = state.lock();
    authorize(&store, &headers, &Method::GET, &project)?;
    let pairs = form_pairs(query.as_deref().unwrap_or_default());
    let mut variables: predicate::Variables = HashMap::new();
    let (mut wheres, mut sorts) = (Vec::new(), Vec::new());
    let (mut limit, mut offset, mut with_total) = (20u64, 0u64, true);
    for (name, value) in pairs {
        match name.as_str() {
            "where" => wheres.push(value),
            "sort" => sorts.push(value),
            "limit" => {
                limit = value
                    .parse()
                    .map_err(|_| invalid_input("Malformed limit."))?
            }
            "offset" => {
                offset = value
                    .parse()
                    .map_err(|_| invalid_input("Malformed offset."))?
            }
            "withTotal" => with_total = value != "false",
            "expand" => {}
            other => {
                if let Some(variable) = other.strip_prefix("var.") {
                    variables
                        .entry(variable.to_owned())
                        .or_default()
                        .push(value);
                }
            }
        }
    }
    if limit > API_MAX_LIMIT {
        return Err(invalid_input(format!(
            "The limit must be 0 to {API_MAX_LIMIT}."
        )));
    }
    if offset > API_MAX_OFFSET {
        return Err(invalid_input(format!(
            "The offset must be at most {API_MAX_OFFSET}."
        )));
    }
    let predicates = wheres
        .iter()
        .map(|text| {
            predicate::parse(text, &variables)
                .map_err(|e| invalid_input(format!("Malformed parameter: where: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let order = sorter(&sorts)?;
    // The store is keyed by id, so `sort=id asc` is the order it is read in
    // already: a page needs only its own matches, from the lowest id the
    // predicates allow (an index scan, as a real server does).
    let by_id_ascending = order.len() == 1 && order[0].0 == "id" && !order[0].1;
    if by_id_ascending {
        let start = predicates
            .iter()
            .filter_map(predicate::Predicate::id_lower_bound)
            .max()
            .unwrap_or_default();
        let end = predicates
            .iter()
            .filter_map(predicate::Predicate::id_upper_bound)
            .min()
            .map_or(std::ops::Bound::Unbounded, std::ops::Bound::Included);
        let results: Vec<&serde_json::value::RawValue> = store
            .groups
            .range::<str, _>((std::ops::Bound::Included(start), end))
            .filter(|(_, group)| predicates.iter().all(|p| p.matches(group)))
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .filter_map(|(id, _)| store.rendered.get(id).map(|json| &**json))
            .collect();
        let total = with_total.then(|| {
            store
                .groups
                .values()
                .filter(|group| predicates.iter().all(|p| p.matches(group)))
                .count()
        });
        // Serialized from each group's stored JSON, without copying the groups.
        let body = PageAnswer {
            limit,
            offset,
            count: results.len(),
            total,
            results,
        };
        return Ok(json_response(StatusCode::OK, &body));
    }
    let mut matching: Vec<&Value> = store
        .groups
        .values()
        .filter(|group| predicates.iter().all(|p| p.matches(group)))
        .collect();
    if !order.is_empty() && !by_id_ascending {
        fn text<'a>(group: &'a Value, field: &str) -> Option<&'a str> {
            group.get(field).and_then(Value::as_str)
        }
        matching.sort_by(|a, b| {
            order
                .iter()
                .map(|(field, descending)| {
                    let ordering = text(a, field).cmp(&text(b, field));
                    if *descending {
                        ordering.reverse()
                    } else {
                        ordering
                    }
                })
                .find(|o| o.is_ne())
                .unwrap_or_else(|| text(a, "id").cmp(&text(b, "id")))
        });
    }
    let total = matching.len() as u64;
    let results: Vec<&Value> = matching
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    let mut body = json!({
        "limit": limit,
        "offset": offset,
        "count": results.len(),
        "results": results,
    });
    if with_total {
        body["total"] = json!(total);
    }
    ok(StatusCode::OK, &body)
}
