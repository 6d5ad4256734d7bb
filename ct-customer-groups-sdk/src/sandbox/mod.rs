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
//!   limit 1..=500, offset up to 10,000, `withTotal` (a `total` with a
//!   `where` predicate counts at most 10,000, as live); a limit of 10,000
//!   groups per project (`MaxResourceLimitExceeded`); injected faults.
//! - `HEAD` on a group (by id or `key=`) and on the collection with `where`:
//!   200 when something matches, 404 when nothing does.
//! - Custom types, as live: a draft's `custom` or a `setCustomType` must
//!   name a type the sandbox holds, by id or key (else 400
//!   `ReferencedResourceNotFound`), and every field value must fit the
//!   type's field definition (else 400 `InvalidField`). Three types are
//!   seeded: key [`SEEDED_TYPE_KEY`] (id [`SEEDED_TYPE_ID`]: `tier`,
//!   `discountPercent`, `flags`, `since`, `newsletter`), `loyalty`
//!   (`points`, `level`, `enrolledAt`) and `marketing` (`optIn`,
//!   `channels`); add others with [`CtSandbox::add_type`].
//! - A body missing a required field (`groupName`, `version`, `actions`, an
//!   action's `name`) or naming an unknown action is 400 `InvalidJsonInput`.
//!
//! # Versions
//!
//! A group is created at version 1. An update request with one or more
//! actions raises the version by exactly 1, however many actions it holds,
//! even when they change nothing; a request with no actions leaves it as it
//! is. The live API may count otherwise (it can skip versions, or leave an
//! update that changes nothing at its version), so tests should assert
//! that a version changed, or use the version an answer returned, rather
//! than expect exact numbers.
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

// One file a concern; the submodules share this module's imports and
// helpers through `use super::*`.
mod groups;
mod predicate;
mod queries;
mod token;
mod types;

use groups::*;
use queries::*;
use token::*;
use types::*;

pub use types::{FieldDefinition, FieldType, SEEDED_TYPE_ID, SEEDED_TYPE_KEY};

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use sdk_core::vendor::sandbox::axum::Router;
use sdk_core::vendor::sandbox::axum::body::Bytes;
use sdk_core::vendor::sandbox::axum::extract::{Path, RawQuery, State};
use sdk_core::vendor::sandbox::axum::http::{HeaderMap, Method, StatusCode, header};
use sdk_core::vendor::sandbox::axum::routing::{get, post};
use sdk_core::vendor::{
    sandbox::Answer, sandbox::BodyProblem, sandbox::Refusal, sandbox::SandboxServer,
    sandbox::SharedState, sandbox::json_response, sandbox::ok, sandbox::parse_object,
};

use serde_json::{Map, Value, json};
use url::Url;

/// The faults a test can inject into the `CtSandbox`'s answers (`sandbox.faults().inject(..)`).
pub use sdk_core::sandbox::{
    Fault, FaultBody, FaultInjector, FaultTarget, RateLimit, RecordedRequest, RequestLog,
    SandboxClock,
};

use crate::client::{CtClient, CtClientBuilder};

/// The API's page limits (commercetools' query limits: `limit` 0 to 500,
/// `offset` at most 10,000), kept here apart from the client's own checks.
const API_MAX_LIMIT: u64 = 500;
const API_MAX_OFFSET: u64 = 10_000;
/// The most a `total` counts when a query has a predicate.
const TOTAL_CAP: usize = 10_000;

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
    pub fn start(self) -> crate::Result<CtSandbox> {
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
            types: seeded_types(),
            ..Store::default()
        });
        let server = SandboxServer::start_for("commercetools", api(), router(state.clone()))?;
        state.lock().clock = server.clock().clone();
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
    pub fn start() -> crate::Result<Self> {
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

    /// The environment variables [`CtClient::from_env`] reads, set to reach
    /// this sandbox with its credentials and scopes: to run a program of
    /// yours against it (`std::process::Command::envs`).
    ///
    /// ```
    /// use ct_customer_groups_sdk::sandbox::CtSandbox;
    ///
    /// let sandbox = CtSandbox::start()?;
    /// let vars = sandbox.env_vars();
    /// assert!(vars.contains(&("CTP_API_URL", sandbox.url())));
    /// # Ok::<(), ct_customer_groups_sdk::Error>(())
    /// ```
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            ("CTP_PROJECT_KEY", self.project_key.clone()),
            ("CTP_CLIENT_ID", self.client_id.clone()),
            ("CTP_CLIENT_SECRET", self.client_secret.as_str().to_owned()),
            ("CTP_API_URL", self.url()),
            ("CTP_AUTH_URL", self.url()),
        ];
        // A blank variable is refused: no scopes means the client's own.
        if !self.scopes.is_empty() {
            vars.push(("CTP_SCOPES", self.scopes.join(" ")));
        }
        vars
    }

    /// A client builder aimed at this sandbox, with its credentials and scopes.
    pub fn client_builder(&self) -> CtClientBuilder {
        let builder = CtClient::builder(
            &self.project_key,
            &self.client_id,
            self.client_secret.as_str(),
        )
        .urls(self.url(), self.url())
        .scopes(self.scopes.iter().cloned());
        self.server.keep_alive_in(builder)
    }

    /// A client aimed at this sandbox.
    ///
    /// The client (and its builder's clients) keep the sandbox running
    /// while they exist, so the sandbox value itself may be dropped:
    /// `let client = Sandbox::start()?.client()?;` works.
    pub fn client(&self) -> sdk_core::Result<CtClient> {
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
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// use ct_customer_groups_sdk::prelude::*;
    /// use ct_customer_groups_sdk::sandbox::CtSandbox;
    ///
    /// let sandbox = CtSandbox::start()?;
    /// let ct = sandbox.client()?;
    /// ct.customer_groups().get_by_key("gold").correlation_id("run-42").await.unwrap_err();
    /// let sent = sandbox.requests().all();
    /// let get = sent.last().unwrap();
    /// assert_eq!(get.template.as_deref(), Some("/{projectKey}/customer-groups/key={key}"));
    /// assert_eq!(get.header("x-correlation-id"), Some("run-42"));
    /// assert_eq!(get.header("authorization"), Some("[REDACTED]"));
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

    /// The sandbox's clock: set or advance it to stamp `createdAt` and
    /// `lastModifiedAt` (and the `Date` header) with the time your test
    /// chooses. tokio's paused time does not reach the sandbox, which runs
    /// on a thread and runtime of its own.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// use ct_customer_groups_sdk::sandbox::CtSandbox;
    /// use ct_customer_groups_sdk::{CustomerGroupDraft, DateTime, Utc};
    ///
    /// let sandbox = CtSandbox::start()?;
    /// let new_year: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    /// sandbox.clock().set(new_year);
    /// let group = sandbox.client()?.customer_groups().create(CustomerGroupDraft::new("Gold")).await?;
    /// assert_eq!(group.created_at, new_year);
    /// # Ok(())
    /// # }
    /// ```
    pub fn clock(&self) -> &SandboxClock {
        self.server.clock()
    }

    /// How the sandbox counts versions from now on. By default each
    /// update with actions adds exactly one; the live API only promises
    /// that versions grow, may skip numbers, and may leave an update that
    /// changes nothing at its version. Code that assumes more breaks
    /// against it: set those behaviours here to see it break in a test.
    ///
    /// ```
    /// use ct_customer_groups_sdk::sandbox::{CtSandbox, Versioning};
    ///
    /// let sandbox = CtSandbox::start()?;
    /// sandbox.set_versioning(Versioning::default().step(3).no_op_keeps_version(true));
    /// # Ok::<(), ct_customer_groups_sdk::Error>(())
    /// ```
    pub fn set_versioning(&self, versioning: Versioning) {
        self.state.lock().versioning = versioning;
    }

    /// Makes every issued token expired, as if its time had run out.
    pub fn expire_tokens(&self) {
        self.state.lock().tokens.clear();
    }

    /// How many tokens the token endpoint has issued.
    pub fn tokens_issued(&self) -> u64 {
        self.state.lock().tokens_issued
    }

    /// How many tokens the sandbox holds now: live ones, at most [`MAX_TOKENS`].
    pub fn tokens_held(&self) -> usize {
        self.state.lock().tokens.len()
    }

    /// How many live tokens were forgotten to keep within [`MAX_TOKENS`].
    pub fn tokens_dropped(&self) -> u64 {
        self.state.lock().tokens_dropped
    }

    /// How many customer groups the project holds.
    pub fn group_count(&self) -> usize {
        self.state.lock().groups.len()
    }

    /// The ids of every stored group, sorted: what a complete walk must see.
    pub fn group_ids(&self) -> Vec<String> {
        self.state.lock().groups.keys().cloned().collect()
    }

    /// Adds a custom type with `key` and these field definitions, as the
    /// Types API would hold it, and returns its id. Every sandbox starts with
    /// three (see the [module docs](self)).
    ///
    /// ```
    /// use ct_customer_groups_sdk::sandbox::{CtSandbox, FieldType};
    ///
    /// let sandbox = CtSandbox::start()?;
    /// let id = sandbox.add_type("loyalty", [("points", FieldType::Number)]);
    /// assert!(!id.is_empty());
    /// # Ok::<(), ct_customer_groups_sdk::Error>(())
    /// ```
    pub fn add_type<I, S>(&self, key: impl Into<String>, fields: I) -> String
    where
        I: IntoIterator<Item = (S, FieldType)>,
        S: Into<String>,
    {
        self.add_type_with(
            key,
            fields
                .into_iter()
                .map(|(name, kind)| FieldDefinition::new(name, kind)),
        )
    }

    /// Adds a custom type with `key` and these field definitions (some
    /// perhaps [required](FieldDefinition::required)), and returns its id.
    ///
    /// ```
    /// use ct_customer_groups_sdk::sandbox::{CtSandbox, FieldDefinition, FieldType};
    ///
    /// let sandbox = CtSandbox::start()?;
    /// let id = sandbox.add_type_with("pricing", [
    ///     FieldDefinition::new("floor", FieldType::Money).required(),
    ///     FieldDefinition::new("tier", FieldType::Enum(vec!["gold".into(), "silver".into()])),
    /// ]);
    /// assert!(!id.is_empty());
    /// # Ok::<(), ct_customer_groups_sdk::Error>(())
    /// ```
    pub fn add_type_with(
        &self,
        key: impl Into<String>,
        fields: impl IntoIterator<Item = FieldDefinition>,
    ) -> String {
        let id = sdk_core::random::uuid_v4().to_string();
        let custom = CustomType {
            key: key.into(),
            fields: fields.into_iter().collect(),
        };
        self.state.lock().types.insert(id.clone(), custom);
        id
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
            store.insert_group(&draft, None);
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
    /// Live tokens dropped to keep the store within [`MAX_TOKENS`].
    tokens_dropped: u64,
    groups: BTreeMap<String, Value>,
    /// Each group's JSON, written once per change rather than per answer.
    rendered: HashMap<String, Box<serde_json::value::RawValue>>,
    sequence: u64,
    /// Custom types by id.
    types: BTreeMap<String, CustomType>,
    versioning: Versioning,
    /// The server's clock, which stamps `createdAt` and `lastModifiedAt`.
    clock: SandboxClock,
}

/// How a [`CtSandbox`] counts versions: see [`CtSandbox::set_versioning`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Versioning {
    /// How much an update that changes the group adds to its version (at least 1).
    pub step: u64,
    /// Whether an update whose actions change nothing keeps the version
    /// (and `lastModifiedAt`) as it is.
    pub no_op_keeps_version: bool,
}

impl Default for Versioning {
    /// One per update with actions, whether or not they change anything.
    fn default() -> Self {
        Self {
            step: 1,
            no_op_keeps_version: false,
        }
    }
}

impl Versioning {
    /// Adds `step` (at least 1) per update, skipping the numbers between.
    pub fn step(mut self, step: u64) -> Self {
        self.step = step.max(1);
        self
    }

    /// Leaves an update that changes nothing at its version.
    pub fn no_op_keeps_version(mut self, keeps: bool) -> Self {
        self.no_op_keeps_version = keeps;
        self
    }
}

/// The sandbox clock's time, as commercetools writes stamps.
fn now_text(clock: &SandboxClock) -> String {
    DateTime::<Utc>::from(clock.now()).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The most tokens a sandbox keeps: past it, the one that expires first
/// is forgotten (a client holding it gets a 401 and fetches another).
pub const MAX_TOKENS: usize = 10_000;

impl Store {
    /// Forgets expired tokens, and the one that expires first when the
    /// store holds [`MAX_TOKENS`].
    fn make_room_for_a_token(&mut self, now: Instant) {
        self.tokens.retain(|_, token| token.expires_at > now);
        if self.tokens.len() < MAX_TOKENS {
            return;
        }
        let first = self
            .tokens
            .iter()
            .min_by_key(|(_, token)| token.expires_at)
            .map(|(name, _)| name.clone());
        if let Some(first) = first {
            self.tokens.remove(&first);
            self.tokens_dropped = self.tokens_dropped.saturating_add(1);
        }
    }

    /// Stores a new group from a validated draft (and its custom fields,
    /// checked against their type) and returns it.
    fn insert_group(&mut self, draft: &Map<String, Value>, custom: Option<Value>) -> Value {
        self.sequence += 1;
        let now = now_text(&self.clock);
        let by = json!({"clientId": self.client_id, "isPlatformClient": false});
        let mut group = json!({
            "id": sdk_core::random::uuid_v4().to_string(),
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
        if let Some(custom) = custom {
            group["custom"] = custom;
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

/// The operations' templates, as the SDK's spans write them (by key before
/// by id, which a key's path also fits).
fn api() -> sdk_core::vendor::sandbox::SandboxApi {
    sdk_core::vendor::sandbox::SandboxApi::new()
        .template("/oauth/token")
        .template("/{projectKey}/customer-groups")
        .template("/{projectKey}/customer-groups/key={key}")
        .template("/{projectKey}/customer-groups/{id}")
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_store_keeps_at_most_its_cap_and_forgets_the_first_to_expire() {
        let mut store = Store::default();
        let now = Instant::now();
        for n in 0..MAX_TOKENS + 5 {
            store.make_room_for_a_token(now);
            let expires_at = now + Duration::from_secs(60 + n as u64);
            let scopes = vec!["manage_customer_groups:p".to_owned()];
            store
                .tokens
                .insert(format!("t{n}"), Token { scopes, expires_at });
        }
        assert_eq!(store.tokens.len(), MAX_TOKENS);
        assert_eq!(store.tokens_dropped, 5);
        assert!(
            !store.tokens.contains_key("t0"),
            "the first to expire went first"
        );
        // Expired tokens go before any live one.
        store.make_room_for_a_token(now + Duration::from_secs(60 + 100));
        assert_eq!(store.tokens.len(), MAX_TOKENS - 96);
    }
}
