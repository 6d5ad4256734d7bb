//! Hostile input across the three vendors: decoders fed arbitrary and
//! mutated bytes never panic; hostile ids, keys and predicate values reach
//! the server as one segment or one variable. (No secret shows anywhere:
//! see `no_secrets.rs`.)

use ct_customer_groups_sdk::error::{CtErrorParser, parse_errors};
use ct_customer_groups_sdk::{CtClient, PagedQueryResult};
use flowretail_sdk::{FlowRetailClient, ListResponse};
use pos_customer_sdk::client::PosErrorParser;
use pos_customer_sdk::{Customer, CustomerGroup, Discount, PosClient};
use proptest::prelude::*;
use sdk_core::vendor::decode_json;
use sdk_core::vendor::{ErrorBodyParser, GenericErrorParser};

use sdk_core::http::StatusCode;
use sdk_core::test_util::quiet_http;
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct PosCustomers {
    customers: Vec<Customer>,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct PosDiscounts {
    customer_discounts: Vec<Discount>,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct PosGroups {
    customer_groups: Vec<CustomerGroup>,
}

/// Every response decoder of the three crates, and every error parser, on `bytes`.
fn decode_everything(bytes: &[u8]) {
    let ok = StatusCode::OK;
    let _ = decode_json::<Customer>("t", ok, bytes);
    let _ = decode_json::<PosCustomers>("t", ok, bytes);
    let _ = decode_json::<PosDiscounts>("t", ok, bytes);
    let _ = decode_json::<PosGroups>("t", ok, bytes);
    let _ = decode_json::<ct_customer_groups_sdk::CustomerGroup>("t", ok, bytes);
    let _ = decode_json::<PagedQueryResult<ct_customer_groups_sdk::CustomerGroup>>("t", ok, bytes);
    let _ = decode_json::<flowretail_sdk::CustomerGroup>("t", ok, bytes);
    let _ = decode_json::<ListResponse<flowretail_sdk::Customer>>("t", ok, bytes);
    let _ = decode_json::<ListResponse<flowretail_sdk::CustomerGroup>>("t", ok, bytes);
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        let status = StatusCode::BAD_REQUEST;
        let _ = PosErrorParser.parse(status, &value);
        let _ = CtErrorParser.parse(status, &value);
        let _ = GenericErrorParser.parse(status, &value);
        let _ = parse_errors(&value);
    }
}

fn fixtures() -> Vec<Vec<u8>> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut all = Vec::new();
    for dir in [
        "pos-customer-sdk/tests/fixtures",
        "ct-customer-groups-sdk/tests/fixtures",
        "flowretail-sdk/tests/fixtures",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        all.extend(files.into_iter().map(|file| std::fs::read(file).unwrap()));
    }
    assert!(all.len() > 40, "the fixtures are found");
    all
}

/// A fixture with `edits` applied: (position, byte) overwrites, then a cut.
fn mutate(fixture: &[u8], edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut bytes = fixture.to_vec();
    for (position, byte) in edits {
        if !bytes.is_empty() {
            let at = position % bytes.len();
            bytes[at] = *byte;
        }
    }
    let keep = if bytes.is_empty() {
        0
    } else {
        cut % (bytes.len() + 1)
    };
    bytes.truncate(keep.max(bytes.len() / 2));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&bytes);
    }

    #[test]
    fn mutated_documented_payloads_never_panic(
        index in 0usize..1000,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        cut in any::<usize>(),
    ) {
        let fixtures = fixtures();
        let fixture = &fixtures[index % fixtures.len()];
        decode_everything(&mutate(fixture, &edits, cut));
    }

    #[test]
    fn arbitrary_json_values_never_panic(value in arbitrary_json()) {
        decode_everything(value.to_string().as_bytes());
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("customer"),
            Just("customers"),
            Just("id"),
            Just("items"),
            Just("paging"),
            Just("results"),
            Just("errors"),
            Just("code"),
            Just("version"),
            Just("birthday"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("customer".to_owned()),
            Just("customers".to_owned()),
            Just("addresses".to_owned()),
            Just("emails".to_owned()),
            Just("id".to_owned()),
            Just("customerGroup".to_owned()),
            Just("birthday".to_owned()),
            Just("balance".to_owned()),
            Just("gender".to_owned()),
            Just("results".to_owned()),
            Just("total".to_owned()),
            Just("version".to_owned()),
            Just("items".to_owned()),
            Just("paging".to_owned()),
            Just("pageNumber".to_owned()),
            Just("customerType".to_owned()),
            Just("errors".to_owned()),
            Just("code".to_owned()),
            Just("currentVersion".to_owned()),
            Just("result".to_owned()),
            Just("details".to_owned()),
            "[a-zA-Z]{1,8}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(keys, inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

const HOSTILE: &[&str] = &[
    "a/b?c#d%e ..",
    "../../admin",
    "key=x&y=z",
    "with space",
    "quote\"'`",
    "ünïcødé-€",
    "tab\tnew\nline",
    "%2F%2E%2E",
    "+plus+",
];

async fn any_answer(server: &MockServer, body: Value) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "issued-token-secret", "token_type": "Bearer", "expires_in": 3600}),
        ))
        .mount(server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

fn last_segment(request: &wiremock::Request) -> String {
    let segment = request
        .url
        .path_segments()
        .unwrap()
        .next_back()
        .unwrap()
        .to_owned();
    percent_decode(&segment)
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

#[tokio::test]
async fn pos_ids_reach_the_server_as_one_segment() {
    let server = MockServer::start().await;
    any_answer(&server, json!({"customer": {"id": "x"}})).await;
    let pos = PosClient::builder(server.uri(), "tok", "op")
        .http_client(quiet_http())
        .build()
        .unwrap();
    for id in HOSTILE {
        pos.customers().get(*id).await.unwrap();
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), HOSTILE.len());
    for (request, id) in requests.iter().zip(HOSTILE) {
        assert_eq!(
            request.url.path_segments().unwrap().count(),
            5,
            "{}",
            request.url
        );
        assert_eq!(last_segment(request), *id);
        assert!(request.url.query().is_none() && request.url.fragment().is_none());
    }
}

#[tokio::test]
async fn ct_ids_keys_and_predicate_values_stay_one_segment_or_one_variable() {
    let server = MockServer::start().await;
    let group = json!({
        "id": "g", "version": 1, "name": "n",
        "createdAt": "2026-01-01T00:00:00Z", "lastModifiedAt": "2026-01-01T00:00:00Z"
    });
    any_answer(&server, group).await;
    let ct = CtClient::builder("proj", "id", "secret")
        .urls(server.uri(), server.uri())
        .http_client(quiet_http())
        .build()
        .unwrap();
    // Ids and keys (any key: a project may hold keys older than the API's
    // pattern) go as one encoded segment; only an empty one is refused.
    let mut sent_as_key = Vec::new();
    for value in HOSTILE {
        ct.customer_groups().get(*value).await.unwrap();
        match ct.customer_groups().get_by_key(*value).await {
            Ok(_) => sent_as_key.push(true),
            Err(sdk_core::Error::InvalidInput(_)) => sent_as_key.push(false),
            Err(other) => panic!("{value:?}: {other}"),
        }
    }
    let api: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() != "/oauth/token")
        .collect();
    let mut requests = api.iter();
    for (value, key_sent) in HOSTILE.iter().zip(sent_as_key) {
        let by_id = requests.next().unwrap();
        assert_eq!(
            by_id.url.path_segments().unwrap().count(),
            3,
            "{}",
            by_id.url
        );
        assert_eq!(last_segment(by_id), *value);
        assert!(by_id.url.query().is_none());
        if key_sent {
            let by_key = requests.next().unwrap();
            assert_eq!(by_key.url.path_segments().unwrap().count(), 3);
            assert_eq!(last_segment(by_key), format!("key={value}"));
            assert!(by_key.url.query().is_none());
        }
    }
    assert!(requests.next().is_none());

    let server = MockServer::start().await;
    any_answer(
        &server,
        json!({"limit": 20, "offset": 0, "count": 0, "results": []}),
    )
    .await;
    let ct = CtClient::builder("proj", "id", "secret")
        .urls(server.uri(), server.uri())
        .http_client(quiet_http())
        .build()
        .unwrap();
    for value in HOSTILE {
        ct.customer_groups()
            .query()
            .name_is(*value)
            .send()
            .await
            .unwrap();
    }
    let api: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() != "/oauth/token")
        .collect();
    for (request, value) in api.iter().zip(HOSTILE) {
        let pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("where".to_owned(), "name = :sdk1".to_owned()),
                ("var.sdk1".to_owned(), value.to_string())
            ],
            "{}",
            request.url
        );
    }
}

#[tokio::test]
async fn flow_uids_outside_the_pattern_never_leave_the_client() {
    let server = MockServer::start().await;
    any_answer(
        &server,
        json!({"customerGroupUid": "ok-_1", "name": "n",
        "createdBy": "u", "createdAt": "2024-01-01T00:00:00Z",
        "lastModifiedBy": "u", "lastModifiedAt": "2024-01-01T00:00:00Z"}),
    )
    .await;
    let flow = FlowRetailClient::builder("tok", "tenant")
        .base_url(format!("{}/v2", server.uri()))
        .http_client(quiet_http())
        .build()
        .unwrap();
    for uid in HOSTILE {
        let error = flow.customer_groups().get(*uid).await.unwrap_err();
        assert!(matches!(error, sdk_core::Error::InvalidInput(_)), "{uid:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    flow.customer_groups().get("ok-_1").await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].url.path(),
        "/v2/tenants/tenant/customer-groups/ok-_1"
    );
}

/// A loopback server that writes `answer` to every request, then closes.
async fn raw_answer_server(answer: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut request = [0_u8; 8192];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{address}")
}

/// A 200 whose header announces one byte more than `cap`, and sends none.
async fn past_the_cap(cap: usize) -> String {
    let length = cap + 1;
    raw_answer_server(format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
    ))
    .await
}

#[tokio::test]
async fn each_vendor_refuses_an_answer_past_its_own_default_cap() {
    let expect_too_large = |error: sdk_core::Error, cap: usize| {
        assert!(
            error
                .to_string()
                .contains(&format!("larger than the limit of {cap} bytes")),
            "{error}"
        );
        assert!(!error.is_retryable());
    };

    let token = r#"{"access_token":"t","token_type":"Bearer","expires_in":3600}"#;
    let auth_url = raw_answer_server(format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{token}",
        token.len()
    ))
    .await;
    let cap = ct_customer_groups_sdk::DEFAULT_MAX_RESPONSE_BYTES;
    let ct = CtClient::builder("project", "client", "secret")
        .urls(past_the_cap(cap).await, auth_url)
        .build()
        .unwrap();
    expect_too_large(ct.customer_groups().get("id").await.unwrap_err(), cap);

    let cap = flowretail_sdk::DEFAULT_MAX_RESPONSE_BYTES;
    let flow = FlowRetailClient::builder("token", "tenant")
        .base_url(format!("{}/v2", past_the_cap(cap).await))
        .build()
        .unwrap();
    expect_too_large(flow.customer_groups().get("vip").await.unwrap_err(), cap);

    let cap = pos_customer_sdk::DEFAULT_MAX_RESPONSE_BYTES;
    let pos = PosClient::builder(past_the_cap(cap).await, "token", "operator")
        .build()
        .unwrap();
    expect_too_large(pos.customers().list().await.unwrap_err(), cap);

    assert_eq!(ct_customer_groups_sdk::DEFAULT_MAX_RESPONSE_BYTES, 32 << 20);
    assert_eq!(flowretail_sdk::DEFAULT_MAX_RESPONSE_BYTES, 16 << 20);
    assert_eq!(pos_customer_sdk::DEFAULT_MAX_RESPONSE_BYTES, 128 << 20);
}
