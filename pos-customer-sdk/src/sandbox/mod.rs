//! A stateful in-process emulator of the POS Cloud Customer API v3.0
//! (feature `sandbox`), for examples, this crate's tests and yours.
//!
//! It stores customers, discounts and groups; checks `X-Token` (403
//! otherwise) and `X-Operator` (404 for another operator, as the document's
//! error table has it); validates bodies by the document's field
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
//! let group = pos.customer_groups().create(CustomerGroupDraft::new("Regulars")).await?;
//! let customer = pos
//!     .customers()
//!     .create(CustomerDraft::new("1", group.id).last_name("Hede"))
//!     .await?;
//! assert_eq!(customer.last_name.as_deref(), Some("Hede"));
//!
//! // The next request fails with 503, as a real outage would.
//! sandbox.faults().inject(pos_customer_sdk::sandbox::Fault::status(503), 1);
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::sync::MutexGuard;

use chrono::NaiveDate;
use sdk_core::vendor::sandbox::axum::Router;
use sdk_core::vendor::sandbox::axum::body::Bytes;
use sdk_core::vendor::sandbox::axum::extract::{Path, Request, State};
use sdk_core::vendor::sandbox::axum::http::{HeaderMap, StatusCode};
use sdk_core::vendor::sandbox::axum::middleware::{self, Next};
use sdk_core::vendor::sandbox::axum::response::{IntoResponse, Response};
use sdk_core::vendor::sandbox::axum::routing::get;
use sdk_core::vendor::{
    sandbox::Answer, sandbox::BodyProblem, sandbox::Refusal, sandbox::SandboxServer,
    sandbox::SharedState, sandbox::ok, sandbox::over_capacity, sandbox::parse_object,
};

use serde_json::{Map, Value, json};

/// The faults a test can inject into the `PosSandbox`'s answers (`sandbox.faults().inject(..)`).
pub use sdk_core::sandbox::{
    Fault, FaultBody, FaultInjector, FaultTarget, RateLimit, RecordedRequest, RequestLog,
    SandboxClock,
};

use crate::client::{BASE_PATH, PosClient, PosClientBuilder};

// One file a resource, as the client is split; the submodules share this
// module's imports and helpers through `use super::*`.
mod customers;
mod discounts;
mod groups;
mod rules;
mod store;

use customers::*;
use discounts::*;
use groups::*;
use rules::*;
use store::*;

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
    pub fn start() -> crate::Result<Self> {
        Self::with_credentials(SANDBOX_TOKEN, SANDBOX_OPERATOR)
    }

    /// Starts an empty sandbox that accepts `token` for `operator`.
    pub fn with_credentials(
        token: impl Into<String>,
        operator: impl Into<String>,
    ) -> crate::Result<Self> {
        let token = token.into();
        let operator = operator.into();
        let state = Shared {
            store: SharedState::new(Store::default()),
            token: token.clone(),
            operator: operator.clone(),
        };
        let server = SandboxServer::start_for("pos", api(), router(state.clone()))?;
        state.lock().clock = server.clock().clone();
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

    /// The environment variables [`PosClient::from_env`] reads, set to reach
    /// this sandbox: to run a program of yours against it
    /// (`std::process::Command::envs`).
    ///
    /// ```
    /// use pos_customer_sdk::sandbox::PosSandbox;
    ///
    /// let sandbox = PosSandbox::start()?;
    /// let vars = sandbox.env_vars();
    /// assert_eq!(vars[0], ("POS_BASE_URL", sandbox.url()));
    /// # Ok::<(), pos_customer_sdk::Error>(())
    /// ```
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("POS_BASE_URL", self.url()),
            ("POS_TOKEN", self.token.clone()),
            ("POS_OPERATOR", self.operator.clone()),
        ]
    }

    /// A client builder aimed at this sandbox with its credentials.
    pub fn client_builder(&self) -> PosClientBuilder {
        let builder = PosClient::builder(self.url(), self.token.as_str(), self.operator.as_str());
        self.server.keep_alive_in(builder)
    }

    /// A client aimed at this sandbox with its credentials.
    ///
    /// The client (and its builder's clients) keep the sandbox running
    /// while they exist, so the sandbox value itself may be dropped:
    /// `let client = Sandbox::start()?.client()?;` works.
    pub fn client(&self) -> sdk_core::Result<PosClient> {
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
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// use pos_customer_sdk::CustomerGroupDraft;
    /// use pos_customer_sdk::sandbox::PosSandbox;
    ///
    /// let sandbox = PosSandbox::start()?;
    /// let pos = sandbox.client()?;
    /// pos.customer_groups().create(CustomerGroupDraft::new("Regulars")).await?;
    /// let sent = sandbox.requests().matching("POST", "/api/customer/v3.0/groups");
    /// assert_eq!(sent.len(), 1);
    /// assert_eq!(sent[0].json().unwrap()["name"], "Regulars");
    /// assert_eq!(sent[0].header("x-token"), Some("[REDACTED]"));
    /// assert_eq!(sent[0].status, Some(201));
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

    /// The sandbox's clock: its UTC day stamps each change (the modified
    /// date `list_modified_since` filters on) unless [`set_date`](Self::set_date)
    /// fixed one, and its time dates every answer. Set or advance it in a
    /// test; tokio's paused time does not reach the sandbox.
    pub fn clock(&self) -> &SandboxClock {
        self.server.clock()
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

    /// A test double for what the API cannot do: removes the customer with
    /// `id` as if it were deleted in the POS itself (the API has no
    /// customer DELETE), so a test can see how its code meets a customer
    /// that is gone. `false` when there was none.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// use pos_customer_sdk::sandbox::PosSandbox;
    ///
    /// let sandbox = PosSandbox::start()?;
    /// sandbox.seed_documented_examples();
    /// let id = "231b949c-332b-4194-aba5-8f00e828a49b";
    /// assert!(sandbox.remove_customer_outside_the_api(id));
    /// let gone = sandbox.client()?.customers().get(id).await.unwrap_err();
    /// assert!(gone.is_not_found());
    /// # Ok(())
    /// # }
    /// ```
    pub fn remove_customer_outside_the_api(&self, id: &str) -> bool {
        self.state.lock().customers.remove(id).is_some()
    }
}

#[derive(Clone, Debug)]
struct Shared {
    pub(super) store: SharedState<Store>,
    pub(super) token: String,
    pub(super) operator: String,
}

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock()
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
    if !matches("x-token", &state.token) {
        return error(StatusCode::FORBIDDEN, "Invalid security token").into_response();
    }
    // The document's 404 covers an absent operator ("instance, business,
    // operator, tenant or URL is absent on the server side").
    if !matches("x-operator", &state.operator) {
        return error(StatusCode::NOT_FOUND, "Operator not found").into_response();
    }
    next.run(request).await
}

/// The operations' templates, as the SDK's spans write them (the list one
/// before the one by id, which its path also fits), and the credentials.
fn api() -> sdk_core::vendor::sandbox::SandboxApi {
    let api = sdk_core::vendor::sandbox::SandboxApi::new()
        .secret_header("x-token")
        .secret_header("x-operator");
    [
        "/customers",
        "/customers/list",
        "/customers/{startDate}/modified",
        "/customers/{id}",
        "/discounts",
        "/discounts/{id}",
        "/groups",
        "/groups/{id}",
    ]
    .iter()
    .fold(api, |api, path| api.template(&format!("{BASE_PATH}{path}")))
}

fn router(state: Shared) -> Router {
    let api = Router::new()
        .route("/customers", get(list_customers).post(create_customer))
        .route(
            "/customers/list",
            sdk_core::vendor::sandbox::axum::routing::put(replace_customers).patch(patch_customers),
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
