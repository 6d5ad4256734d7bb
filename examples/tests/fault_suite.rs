//! The fault suite: every fault, applied to operations of all three vendors,
//! with the outcome the retry rules promise. Each row checks the result and
//! counts what the server received: a non-idempotent request is never sent
//! twice (a 429 excepted: it says the request was not processed).

use sdk_core::test_util::quiet_http;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use ct_customer_groups_sdk::{CtClient, CustomerGroupDraft, CustomerGroupUpdate, UpdateAction};
use flowretail_sdk::{CreateCustomerGroup, FlowRetailClient};
use futures::future::BoxFuture;
use pos_customer_sdk::{CustomerDraft, PosClient};
use sdk_core::{Backoff, Error, RetryPolicy};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The attempt timeout of the `Slow` rows, whose answers take 10 s.
const SHORT_ATTEMPT_TIMEOUT: Duration = Duration::from_millis(500);

/// The attempt timeout of every other row: generous, so that a loaded
/// machine decoding 10 MB bodies in a debug build never times out.
const LONG_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy)]
enum Fault {
    /// A 5xx once, then success.
    ServerError { status: u16, with_body: bool },
    /// 429 with `Retry-After` in seconds once, then success.
    TooManyRequestsSeconds,
    /// 429 with `Retry-After` as an HTTP-date once, then success.
    TooManyRequestsDate,
    /// A proxy's HTML error page, every time.
    HtmlErrorPage,
    /// 200 with no body, every time.
    EmptyBody,
    /// 200 with JSON cut off, every time.
    TruncatedJson,
    /// 200 with JSON of the wrong shape, every time.
    WrongShape,
    /// Slower than the attempt timeout, every time.
    Slow,
    /// The connection closes before any response, every time.
    ClosedConnection,
    /// A value of a vendor enum this SDK does not know.
    UnknownEnumValue,
    /// Fields this SDK does not know.
    UnknownFields,
    /// A 10 MB response.
    Huge,
}

const FAULTS: &[Fault] = &[
    Fault::ServerError {
        status: 500,
        with_body: true,
    },
    Fault::ServerError {
        status: 500,
        with_body: false,
    },
    Fault::ServerError {
        status: 502,
        with_body: true,
    },
    Fault::ServerError {
        status: 502,
        with_body: false,
    },
    Fault::ServerError {
        status: 503,
        with_body: true,
    },
    Fault::ServerError {
        status: 503,
        with_body: false,
    },
    Fault::ServerError {
        status: 504,
        with_body: true,
    },
    Fault::ServerError {
        status: 504,
        with_body: false,
    },
    Fault::TooManyRequestsSeconds,
    Fault::TooManyRequestsDate,
    Fault::HtmlErrorPage,
    Fault::EmptyBody,
    Fault::TruncatedJson,
    Fault::WrongShape,
    Fault::Slow,
    Fault::ClosedConnection,
    Fault::UnknownEnumValue,
    Fault::UnknownFields,
    Fault::Huge,
];

#[derive(Debug, PartialEq)]
enum Expected {
    /// Success, with this many requests received.
    Ok(usize),
    /// An API error with this status, after this many requests.
    Api(u16, usize),
    /// A decode error after one request.
    Decode,
    /// A timeout after this many attempts.
    Timeout(usize),
    /// A transport error after this many connections.
    Transport(usize),
}

/// The clients of one row, all aimed at the row's servers.
struct Clients {
    pos: PosClient,
    ct: CtClient,
    flow: FlowRetailClient,
}

type Call = fn(&Clients) -> BoxFuture<'static, Result<(), Error>>;

/// One operation the faults are applied to.
struct Operation {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    idempotent: bool,
    /// Whether the operation decodes a response body (a 204 delete does not).
    decodes: bool,
    /// A valid answer.
    ok: fn() -> Value,
    /// A valid answer with an unknown enum value (the same answer where the resource has no enum).
    unknown_enum: fn() -> Value,
    call: Call,
}

fn pos_customer() -> Value {
    json!({"customer": {"id": "c1", "number": "1", "gender": "U", "customerGroup": {"id": "g1"}}})
}

fn ct_group() -> Value {
    json!({"id": "g1", "version": 2, "name": "Gold", "key": "gold",
           "createdAt": "2024-01-01T00:00:00.000Z", "lastModifiedAt": "2024-01-01T00:00:00.000Z"})
}

fn flow_group() -> Value {
    json!({"customerGroupUid": "vip", "name": "VIP",
           "createdBy": "u1", "createdAt": "2024-01-01T00:00:00Z",
           "lastModifiedBy": "u1", "lastModifiedAt": "2024-01-01T00:00:00Z"})
}

/// A customer with every field the Flow Retail document requires.
fn flow_customer() -> Value {
    serde_json::from_str(include_str!(
        "../../flowretail-sdk/tests/fixtures/customer_full.json"
    ))
    .expect("the fixture is JSON")
}

fn flow_customers() -> Value {
    json!({"items": [flow_customer()],
           "paging": {"pageNumber": 1, "pageSize": 100, "totalCount": 1}})
}

fn operations() -> Vec<Operation> {
    vec![
        Operation {
            name: "pos get customer",
            method: "GET",
            path: "/api/customer/v3.0/customers/c1",
            idempotent: true,
            decodes: true,
            ok: pos_customer,
            unknown_enum: || json!({"customer": {"id": "c1", "gender": "X-NEW"}}),
            call: |c| {
                let f = c.pos.customers().get("c1");
                Box::pin(async move { f.await.map(|_| ()) })
            },
        },
        Operation {
            name: "pos create customer",
            method: "POST",
            path: "/api/customer/v3.0/customers",
            idempotent: false,
            decodes: true,
            ok: pos_customer,
            unknown_enum: || json!({"customer": {"id": "c1", "gender": "X-NEW"}}),
            call: |c| {
                let f = c.pos.customers().create(CustomerDraft::new("1", "g1"));
                Box::pin(async move { f.await.map(|_| ()) })
            },
        },
        Operation {
            name: "pos list groups",
            method: "GET",
            path: "/api/customer/v3.0/groups",
            idempotent: true,
            decodes: true,
            ok: || json!({"customerGroups": [{"id": 1, "name": "Gold"}]}),
            unknown_enum: || json!({"customerGroups": [{"id": 1, "name": "Gold"}]}),
            call: |c| {
                let f = c.pos.customer_groups().list();
                Box::pin(async move { f.await.map(|_| ()) })
            },
        },
        Operation {
            name: "ct get group",
            method: "GET",
            path: "/proj/customer-groups/g1",
            idempotent: true,
            decodes: true,
            ok: ct_group,
            unknown_enum: ct_group,
            call: |c| {
                let f = c.ct.customer_groups().get("g1");
                Box::pin(async move { f.await.map(|_| ()) })
            },
        },
        Operation {
            name: "ct create group",
            method: "POST",
            path: "/proj/customer-groups",
            idempotent: false,
            decodes: true,
            ok: ct_group,
            unknown_enum: ct_group,
            call: |c| {
                let f =
                    c.ct.customer_groups()
                        .create(CustomerGroupDraft::new("Gold"));
                Box::pin(async move { f.await.map(|_| ()) })
            },
        },
        Operation {
            name: "ct update group (versioned)",
            method: "POST",
            path: "/proj/customer-groups/g1",
            idempotent: true,
            decodes: true,
            ok: ct_group,
            unknown_enum: ct_group,
            call: |c| {
                let update = CustomerGroupUpdate::new(1).action(UpdateAction::change_name("Gold"));
                let f = c.ct.customer_groups().update("g1", update);
                Box::pin(async move { f.await.map(|_| ()) })
            },
        },
        Operation {
            name: "flow get group",
            method: "GET",
            path: "/v2/tenants/t1/customer-groups/vip",
            idempotent: true,
            decodes: true,
            ok: flow_group,
            unknown_enum: flow_group,
            call: |c| {
                let f = c.flow.customer_groups().get("vip");
                Box::pin(async move { f.await.map(|_| ()) })
            },
        },
        Operation {
            name: "flow create group",
            method: "POST",
            path: "/v2/tenants/t1/customer-groups",
            idempotent: false,
            decodes: true,
            ok: flow_group,
            unknown_enum: flow_group,
            call: |c| {
                let f = c
                    .flow
                    .customer_groups()
                    .create(CreateCustomerGroup::new("VIP"));
                Box::pin(async move { f.await.map(|_| ()) })
            },
        },
        Operation {
            name: "flow list group customers",
            method: "GET",
            path: "/v2/tenants/t1/customer-groups/vip/customers",
            idempotent: true,
            decodes: true,
            ok: flow_customers,
            unknown_enum: || {
                let mut customer = flow_customer();
                customer["customerType"] = json!("GOVERNMENT");
                customer["addresses"][0]["type"] = json!("PICKUP");
                customer["contacts"][0]["role"] = json!("OWNER");
                json!({"items": [customer],
                       "paging": {"pageNumber": 1, "pageSize": 100, "totalCount": 1}})
            },
            call: |c| {
                let f = c.flow.customer_groups().customers("vip").page(None);
                Box::pin(async move { f.await.map(|_| ()) })
            },
        },
        Operation {
            name: "flow delete group",
            method: "DELETE",
            path: "/v2/tenants/t1/customer-groups/vip",
            idempotent: true,
            decodes: false,
            ok: || Value::Null,
            unknown_enum: || Value::Null,
            call: |c| {
                let f = c.flow.customer_groups().delete("vip");
                Box::pin(async move { f.await.map(|_| ()) })
            },
        },
    ]
}

fn expected(fault: Fault, op: &Operation) -> Expected {
    let attempts = if op.idempotent { 3 } else { 1 };
    match fault {
        Fault::ServerError { status, .. } if op.idempotent => {
            let _ = status;
            Expected::Ok(2)
        }
        Fault::ServerError { status, .. } => Expected::Api(status, 1),
        Fault::TooManyRequestsSeconds | Fault::TooManyRequestsDate => Expected::Ok(2),
        Fault::HtmlErrorPage => Expected::Api(502, attempts),
        Fault::EmptyBody | Fault::TruncatedJson | Fault::WrongShape if op.decodes => {
            Expected::Decode
        }
        Fault::EmptyBody | Fault::TruncatedJson | Fault::WrongShape => Expected::Ok(1),
        Fault::Slow => Expected::Timeout(attempts),
        Fault::ClosedConnection => Expected::Transport(attempts),
        Fault::UnknownEnumValue | Fault::UnknownFields | Fault::Huge => Expected::Ok(1),
    }
}

fn ok_answer(op: &Operation, body: Value) -> ResponseTemplate {
    if op.decodes {
        ResponseTemplate::new(200).set_body_json(body)
    } else {
        ResponseTemplate::new(204)
    }
}

/// What the API answers in this row: the fault (once or always), then success.
fn fault_answers(
    fault: Fault,
    op: &Operation,
) -> (ResponseTemplate, Option<u64>, ResponseTemplate) {
    let ok = ok_answer(op, (op.ok)());
    match fault {
        Fault::ServerError { status, with_body } => {
            let answer = ResponseTemplate::new(status);
            let answer = if with_body {
                answer.set_body_json(json!({"message": "upstream failed"}))
            } else {
                answer
            };
            (answer, Some(1), ok)
        }
        Fault::TooManyRequestsSeconds => (
            ResponseTemplate::new(429).insert_header("Retry-After", "0"),
            Some(1),
            ok,
        ),
        Fault::TooManyRequestsDate => {
            let date = httpdate_now();
            (
                ResponseTemplate::new(429).insert_header("Retry-After", date.as_str()),
                Some(1),
                ok,
            )
        }
        Fault::HtmlErrorPage => (
            ResponseTemplate::new(502)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><body><h1>502 Bad Gateway</h1></body></html>"),
            None,
            ok,
        ),
        Fault::EmptyBody => (ResponseTemplate::new(200), None, ok),
        Fault::TruncatedJson => {
            let text = (op.ok)().to_string();
            let cut = text[..text.len() / 2].to_owned();
            (
                ResponseTemplate::new(200).set_body_raw(cut, "application/json"),
                None,
                ok,
            )
        }
        Fault::WrongShape => (
            ResponseTemplate::new(200).set_body_json(json!("a string, not an object")),
            None,
            ok,
        ),
        Fault::Slow => (ok.clone().set_delay(Duration::from_secs(10)), None, ok),
        Fault::UnknownEnumValue => (ok_answer(op, (op.unknown_enum)()), None, ok),
        Fault::UnknownFields => {
            let mut body = (op.ok)();
            add_unknown_fields(&mut body);
            (ok_answer(op, body), None, ok)
        }
        Fault::Huge => {
            let mut body = (op.ok)();
            if let Value::Object(fields) = &mut body {
                fields.insert("padding".into(), json!("x".repeat(10 * 1024 * 1024)));
            }
            (ok_answer(op, body), None, ok)
        }
        Fault::ClosedConnection => unreachable!("served by a raw TCP server"),
    }
}

fn httpdate_now() -> String {
    // A date in the past asks for no wait: the form is what this row tests.
    let when = SystemTime::now() - Duration::from_secs(1);
    let seconds = when
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    chrono::DateTime::from_timestamp(seconds, 0)
        .unwrap()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

fn add_unknown_fields(value: &mut Value) {
    if let Value::Object(fields) = value {
        for nested in fields.values_mut() {
            add_unknown_fields(nested);
        }
        fields.insert("fieldFromTheFuture".into(), json!({"nested": [1, 2, 3]}));
    }
    if let Value::Array(items) = value {
        items.iter_mut().for_each(add_unknown_fields);
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::new(
        Duration::from_millis(1),
        Duration::from_millis(5),
    ))
}

/// Clients aimed at `api` (and, for commercetools' token endpoint, `auth`).
fn clients(api: &str, auth: &str, attempt_timeout: Duration) -> Clients {
    Clients {
        pos: PosClient::builder(api, "token", "operator")
            .http_client(quiet_http())
            .retry_policy(policy())
            .attempt_timeout(Some(attempt_timeout))
            .build()
            .unwrap(),
        ct: CtClient::builder("proj", "id", "secret")
            .urls(api, auth)
            .http_client(quiet_http())
            .retry_policy(policy())
            .attempt_timeout(Some(attempt_timeout))
            .build()
            .unwrap(),
        flow: FlowRetailClient::builder("token", "t1")
            .base_url(format!("{api}/v2"))
            .http_client(quiet_http())
            .retry_policy(policy())
            .attempt_timeout(Some(attempt_timeout))
            .build()
            .unwrap(),
    }
}

async fn token_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "t", "token_type": "Bearer", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    server
}

fn outcome(result: Result<(), Error>, received: usize) -> Expected {
    match result {
        Ok(()) => Expected::Ok(received),
        Err(Error::Api(api)) => Expected::Api(api.status.as_u16(), received),
        Err(Error::Decode(_)) if received == 1 => Expected::Decode,
        Err(Error::Timeout(timeout)) => Expected::Timeout(timeout.attempts as usize),
        Err(Error::Transport(_)) => Expected::Transport(received),
        Err(other) => panic!("unexpected error after {received} requests: {other:?}"),
    }
}

/// Runs one row against wiremock.
async fn run_row(fault: Fault, op: &Operation) -> Expected {
    let api = MockServer::start().await;
    let auth = token_server().await;
    let (faulty, times, ok) = fault_answers(fault, op);
    let mock = Mock::given(method(op.method))
        .and(path(op.path))
        .respond_with(faulty);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(&api).await,
        None => mock.mount(&api).await,
    }
    Mock::given(method(op.method))
        .and(path(op.path))
        .respond_with(ok)
        .mount(&api)
        .await;
    let timeout = match fault {
        Fault::Slow => SHORT_ATTEMPT_TIMEOUT,
        _ => LONG_ATTEMPT_TIMEOUT,
    };
    let clients = clients(&api.uri(), &auth.uri(), timeout);
    let result = (op.call)(&clients).await;
    let received = api.received_requests().await.unwrap().len();
    drop_servers(vec![api, auth]).await;
    outcome(result, received)
}

/// Drops wiremock servers on a blocking thread: a MockServer blocks on a
/// futures executor when dropped, and inside a busy tokio task (its
/// cooperative budget spent) that executor spins forever on a deferred wake.
async fn drop_servers(servers: Vec<MockServer>) {
    tokio::task::spawn_blocking(move || drop(servers))
        .await
        .unwrap();
}

/// Runs one row against a server that closes every connection unanswered.
async fn run_closed_row(op: &Operation) -> Expected {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    let server = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0u8; 64 * 1024];
            let mut read = 0;
            while !buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buffer[read..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => read += n,
                }
            }
            seen.fetch_add(1, Ordering::SeqCst);
            let _ = socket.shutdown().await;
        }
    });
    let auth = token_server().await;
    let clients = clients(&address, &auth.uri(), LONG_ATTEMPT_TIMEOUT);
    let result = (op.call)(&clients).await;
    server.abort();
    drop_servers(vec![auth]).await;
    outcome(result, connections.load(Ordering::SeqCst))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fault_on_every_operation() {
    use futures::StreamExt;

    let operations = operations();
    let rows: Vec<(Fault, &Operation)> = FAULTS
        .iter()
        .flat_map(|fault| operations.iter().map(move |op| (*fault, op)))
        .collect();
    let rows_run = rows.len();
    // Rows are independent (each has its own servers), so several run at once.
    let failures: Vec<String> = futures::stream::iter(rows)
        .map(|(fault, op)| async move {
            let want = expected(fault, op);
            let got = match fault {
                Fault::ClosedConnection => run_closed_row(op).await,
                _ => run_row(fault, op).await,
            };
            (got != want)
                .then(|| format!("{fault:?} on {}: expected {want:?}, got {got:?}", op.name))
        })
        .buffer_unordered(8)
        .filter_map(|failure| async move { failure })
        .collect()
        .await;
    let rows = rows_run;
    assert_eq!(rows, FAULTS.len() * operations.len());
    assert!(
        failures.is_empty(),
        "{} of {rows} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
