//! Every endpoint's method, path, query, headers and body against wiremock,
//! every error code, and the OAuth behaviour through the CtClient.

mod common;

use common::api_requests;

use std::time::Duration;

use ct_customer_groups_sdk::{
    CtClient, CtErrorCode, CtErrorExt, CustomFieldsDraft, CustomerGroup, CustomerGroupDraft,
    CustomerGroupUpdate, ResourceIdentifier, SortOrder, UpdateAction,
};
use serde_json::{Value, json};
use wiremock::matchers::{
    body_json, body_string, header, header_exists, method, path, query_param,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PROJECT: &str = "my-project";

fn fixture(name: &str) -> Value {
    sdk_core::fixture!(name)
}

fn client(server: &MockServer) -> CtClient {
    CtClient::builder(PROJECT, "client-id", "client-secret-value")
        .urls(server.uri(), server.uri())
        .scope(format!("manage_customer_groups:{PROJECT}"))
        .settings(sdk_core::test_util::test_settings())
        .build()
        .unwrap()
}

async fn mount_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string(format!(
            "grant_type=client_credentials&scope=manage_customer_groups%3A{PROJECT}"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("token_response.json")))
        .mount(server)
        .await;
}

/// A mock of the API that requires the bearer token and a correlation id.
fn api(verb: &str, api_path: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb))
        .and(path(format!("/{PROJECT}/customer-groups{api_path}")))
        .and(header(
            "authorization",
            "Bearer vkFuQ6oTwj8_Ye4eiRSsqMeqLYNeQRJi",
        ))
        .and(header_exists("x-correlation-id"))
}

fn group_answer(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(fixture("customer_group.json"))
}

#[tokio::test]
async fn get_by_id_decodes_every_field() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api("GET", "/7f9a1c2e-5b3d-4e8f-9a0b-1c2d3e4f5a6b")
        .respond_with(group_answer(200))
        .expect(1)
        .mount(&server)
        .await;
    let group = client(&server)
        .customer_groups()
        .get("7f9a1c2e-5b3d-4e8f-9a0b-1c2d3e4f5a6b")
        .await
        .unwrap();
    assert_eq!(group.version, 3);
    assert_eq!(group.key.as_deref(), Some("gold"));
    assert_eq!(group.name, "Gold members");
    assert_eq!(
        group.created_by.unwrap().client_id.as_deref(),
        Some("api-client-1")
    );
    assert_eq!(
        group.last_modified_by.unwrap().is_platform_client,
        Some(true)
    );
    let custom = group.custom.unwrap();
    assert_eq!(custom.type_.type_id, "type");
    assert_eq!(custom.field_as::<u32>("discountPercent").unwrap(), Some(10));
    let requests = api_requests(&server).await;
    let agent = requests[0].headers["user-agent"].to_str().unwrap();
    assert!(agent.starts_with("ct-customer-groups-sdk/"), "{agent}");
}

#[tokio::test]
async fn a_minimal_group_decodes() {
    let group: CustomerGroup =
        serde_json::from_value(fixture("customer_group_minimal.json")).unwrap();
    assert!(group.key.is_none() && group.custom.is_none() && group.created_by.is_none());
}

#[tokio::test]
async fn get_by_key_sends_the_key_after_key_equals() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api("GET", "/key=gold_vip-1")
        .respond_with(group_answer(200))
        .expect(1)
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    groups.get_by_key("gold_vip-1").await.unwrap();
    // Any key is looked up (a project may hold keys older than the pattern),
    // as one percent-encoded segment.
    let missing = groups.get_by_key("gold/vip?x").await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    let sent = api_requests(&server).await;
    assert_eq!(
        sent[1].url.path(),
        format!("/{PROJECT}/customer-groups/key=gold%2Fvip%3Fx")
    );
}

#[tokio::test]
async fn create_sends_the_draft() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api("POST", "")
        .and(header("content-type", "application/json"))
        .and(body_json(fixture("customer_group_draft.json")))
        .respond_with(group_answer(201))
        .expect(1)
        .mount(&server)
        .await;
    let draft = CustomerGroupDraft::new("Gold members").key("gold").custom(
        CustomFieldsDraft::new(ResourceIdentifier::type_by_key("group-fields"))
            .field("tier", "gold"),
    );
    let group = client(&server)
        .customer_groups()
        .create(draft)
        .await
        .unwrap();
    assert_eq!(group.id, "7f9a1c2e-5b3d-4e8f-9a0b-1c2d3e4f5a6b");
}

fn every_action() -> CustomerGroupUpdate {
    let mut fields = serde_json::Map::new();
    fields.insert("tier".into(), json!("platinum"));
    CustomerGroupUpdate::new(3)
        .action(UpdateAction::change_name("Platinum members"))
        .action(UpdateAction::set_key(Some("platinum")))
        .action(UpdateAction::set_key(None::<String>))
        .action(UpdateAction::set_custom_type(
            Some(ResourceIdentifier::type_by_id(
                "c0ffee00-0000-4000-8000-000000000001",
            )),
            Some(fields),
        ))
        .action(UpdateAction::set_custom_type(None, None))
        .action(UpdateAction::set_custom_field(
            "tier",
            Some(json!("silver")),
        ))
        .action(UpdateAction::set_custom_field("tier", None))
}

#[tokio::test]
async fn update_by_id_and_by_key_send_version_and_actions() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    for target in ["/7f9a1c2e-5b3d-4e8f-9a0b-1c2d3e4f5a6b", "/key=gold"] {
        api("POST", target)
            .and(body_json(fixture("update_request.json")))
            .respond_with(group_answer(200))
            .expect(1)
            .mount(&server)
            .await;
    }
    let groups = client(&server).customer_groups();
    groups
        .update("7f9a1c2e-5b3d-4e8f-9a0b-1c2d3e4f5a6b", every_action())
        .await
        .unwrap();
    groups.update_by_key("gold", every_action()).await.unwrap();
}

#[tokio::test]
async fn delete_by_id_and_by_key_send_the_version() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    for target in ["/7f9a1c2e-5b3d-4e8f-9a0b-1c2d3e4f5a6b", "/key=gold"] {
        api("DELETE", target)
            .and(query_param("version", "3"))
            .respond_with(group_answer(200))
            .expect(1)
            .mount(&server)
            .await;
    }
    let groups = client(&server).customer_groups();
    groups
        .delete("7f9a1c2e-5b3d-4e8f-9a0b-1c2d3e4f5a6b", 3)
        .await
        .unwrap();
    groups.delete_by_key("gold", 3).await.unwrap();
}

#[tokio::test]
async fn query_sends_predicates_variables_and_paging() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api("GET", "")
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("paged_query_result.json")))
        .expect(1)
        .mount(&server)
        .await;
    let hostile = "Gold\" or id is defined or name = \"";
    let page = client(&server)
        .customer_groups()
        .query()
        .name_is(hostile)
        .key_in(["gold", "silver"])
        .predicate("version > :min")
        .var("min", "1")
        .sort_by("name", SortOrder::Asc)
        .sort("createdAt desc")
        .limit(50)
        .offset(100)
        .with_total(true)
        .expand("custom.type")
        .send()
        .await
        .unwrap();
    assert_eq!(page.total, Some(2));
    assert_eq!(page.results.len(), 2);

    let requests = api_requests(&server).await;
    let pairs: Vec<(String, String)> = requests[0].url.query_pairs().into_owned().collect();
    let expected: Vec<(String, String)> = [
        ("where", "name = :sdk1"),
        ("where", "key in :sdk2"),
        ("where", "version > :min"),
        ("sort", "name asc"),
        ("sort", "createdAt desc"),
        ("limit", "50"),
        ("offset", "100"),
        ("withTotal", "true"),
        ("expand", "custom.type"),
        ("var.sdk1", hostile),
        ("var.sdk2", "gold"),
        ("var.sdk2", "silver"),
        ("var.min", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(pairs, expected);
}

#[tokio::test]
async fn limits_out_of_range_are_refused_before_sending() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let groups = client(&server).customer_groups();
    for query in [
        groups.query().limit(501),
        groups.query().offset(10_001),
        groups.query().var("bad name", "x"),
        groups.query().predicate("  "),
    ] {
        let error = query.send().await.unwrap_err();
        assert!(
            matches!(error, sdk_core::Error::InvalidInput(_)),
            "{error:?}"
        );
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was sent"
    );
    // The limits themselves are allowed (the API here answers 404: no mock).
    let _ = groups.query().limit(500).offset(10_000).send().await;
    let sent = api_requests(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url.query(), Some("limit=500&offset=10000"));
}

#[tokio::test]
async fn every_error_code_maps_to_its_typed_variant() {
    let codes = [
        "ConcurrentModification",
        "DuplicateField",
        "DuplicateFieldWithConflictingResource",
        "InvalidOperation",
        "ResourceNotFound",
        "InvalidJsonInput",
        "InvalidInput",
        "RequiredField",
        "InvalidField",
        "MaxResourceLimitExceeded",
        "ReferenceExists",
        "invalid_token",
        "insufficient_scope",
        "access_denied",
        "SomethingNew",
    ];
    for code in codes {
        let server = MockServer::start().await;
        mount_token(&server).await;
        let body = fixture(&format!("error_{code}.json"));
        let status = body["statusCode"].as_u64().unwrap() as u16;
        api("GET", "/x")
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("x-correlation-id", "corr-from-server")
                    .set_body_json(body),
            )
            .mount(&server)
            .await;
        let error = client(&server)
            .customer_groups()
            .get("x")
            .await
            .unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status), "{code}");
        let api = error.api().expect(code);
        assert_eq!(api.code.as_deref(), Some(code));
        assert_eq!(api.request_id.as_deref(), Some("corr-from-server"));
        let errors = error.ct_errors();
        assert_eq!(errors.len(), 1, "{code}");
        assert_eq!(errors[0].code.as_str(), code);
        match &errors[0].code {
            CtErrorCode::ConcurrentModification { current_version } => {
                assert_eq!(*current_version, Some(3));
                assert!(error.is_concurrent_modification());
                assert_eq!(error.current_version(), Some(3));
                assert!(error.is_conflict());
            }
            CtErrorCode::DuplicateField {
                field,
                duplicate_value,
            } => {
                assert_eq!(field.as_deref(), Some("name"));
                assert_eq!(duplicate_value.as_ref(), Some(&json!("Gold members")));
            }
            CtErrorCode::DuplicateFieldWithConflictingResource {
                conflicting_resource,
                ..
            } => {
                assert_eq!(
                    conflicting_resource.as_ref().unwrap()["typeId"],
                    "customer-group"
                );
            }
            CtErrorCode::InvalidJsonInput {
                detailed_error_message,
            } => {
                assert!(
                    detailed_error_message
                        .as_deref()
                        .unwrap()
                        .contains("actions")
                );
            }
            CtErrorCode::RequiredField { field } => assert_eq!(field.as_deref(), Some("groupName")),
            CtErrorCode::InvalidField {
                field,
                invalid_value,
                allowed_values,
            } => {
                assert_eq!(field.as_deref(), Some("key"));
                assert_eq!(invalid_value.as_ref(), Some(&json!("x")));
                assert_eq!(allowed_values.as_ref().unwrap().len(), 2);
            }
            CtErrorCode::MaxResourceLimitExceeded { exceeded_resource } => {
                assert_eq!(exceeded_resource.as_deref(), Some("customer-group"));
            }
            CtErrorCode::ReferenceExists { referenced_by } => {
                assert_eq!(referenced_by.as_deref(), Some("customer"));
            }
            CtErrorCode::Other { code, fields } => {
                assert_eq!(code, "SomethingNew");
                assert_eq!(fields["hint"], "kept raw");
            }
            CtErrorCode::ResourceNotFound => assert!(error.is_not_found()),
            _ => {}
        }
    }
}

#[tokio::test]
async fn the_correlation_id_sent_is_reported_when_the_server_sends_none() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api("GET", "/x")
        .respond_with(
            ResponseTemplate::new(404).set_body_json(fixture("error_ResourceNotFound.json")),
        )
        .mount(&server)
        .await;
    let error = client(&server)
        .customer_groups()
        .get("x")
        .await
        .unwrap_err();
    let reported = error.api().unwrap().request_id.clone().unwrap();
    let sent = api_requests(&server).await[0].headers["x-correlation-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(reported, sent);
    assert!(uuid::Uuid::parse_str(&sent).is_ok());
    assert!(error.to_string().contains(&sent));
}

#[tokio::test]
async fn token_endpoint_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(fixture("error_invalid_client.json")),
        )
        .mount(&server)
        .await;
    let error = client(&server)
        .customer_groups()
        .get("x")
        .await
        .unwrap_err();
    assert!(matches!(error, sdk_core::Error::Auth(_)), "{error:?}");
    assert_eq!(error.ct_errors()[0].code, CtErrorCode::InvalidClient);
    assert!(!error.request_may_have_been_sent());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_start_fetches_one_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("token_response.json"))
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/x")
        .respond_with(group_answer(200))
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    let calls: Vec<_> = (0..120)
        .map(|_| tokio::spawn(groups.get("x").into_future()))
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    // A fresh cooperative budget before the mock server is dropped: its drop
    // blocks on a futures executor, which spins if the budget is spent.
    tokio::task::yield_now().await;
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "expired-one", "token_type": "Bearer", "expires_in": 172800
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer expired-one"))
        .respond_with(ResponseTemplate::new(401).set_body_json(fixture("error_invalid_token.json")))
        .mount(&server)
        .await;
    api("GET", "/x")
        .respond_with(group_answer(200))
        .mount(&server)
        .await;
    let group = client(&server).customer_groups().get("x").await.unwrap();
    assert_eq!(group.version, 3);
    let tokens = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .count();
    assert_eq!(tokens, 2);
}

#[tokio::test]
async fn versioned_updates_are_retried_but_creates_are_not() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api("POST", "/x")
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    api("POST", "/x")
        .respond_with(group_answer(200))
        .mount(&server)
        .await;
    api("POST", "")
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    groups
        .update(
            "x",
            CustomerGroupUpdate::new(3).action(UpdateAction::change_name("n")),
        )
        .await
        .unwrap();
    let error = groups
        .create(CustomerGroupDraft::new("n"))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    let requests = api_requests(&server).await;
    let creates = requests
        .iter()
        .filter(|r| r.url.path().ends_with("customer-groups"))
        .count();
    let updates = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/x"))
        .count();
    assert_eq!((creates, updates), (1, 2));
}

#[test]
fn regions_have_their_hosts() {
    use ct_customer_groups_sdk::Region;
    assert_eq!(
        Region::EuropeWest1Gcp.api_url(),
        "https://api.europe-west1.gcp.commercetools.com"
    );
    assert_eq!(
        Region::AustraliaSoutheast1Gcp.auth_url(),
        "https://auth.australia-southeast1.gcp.commercetools.com"
    );
    for region in [
        Region::UsCentral1Gcp,
        Region::UsEast2Aws,
        Region::EuCentral1Aws,
    ] {
        assert!(region.api_url().contains(region.name()));
        let client = CtClient::builder("p", "id", "secret")
            .region(region)
            .build();
        assert!(client.is_ok());
    }
}

#[test]
fn secrets_stay_out_of_debug() {
    let builder = CtClient::builder("p", "id", "client-secret-value");
    let client = CtClient::builder("p", "id", "client-secret-value")
        .build()
        .unwrap();
    let shown = format!("{builder:?} {client:?}");
    assert!(!shown.contains("client-secret-value"), "{shown}");
}

fn group_at(version: u64, name: &str) -> ResponseTemplate {
    let mut body = fixture("customer_group.json");
    body["version"] = json!(version);
    body["name"] = json!(name);
    ResponseTemplate::new(200).set_body_json(body)
}

fn conflict_at(current: u64) -> ResponseTemplate {
    ResponseTemplate::new(409).set_body_json(json!({
        "statusCode": 409,
        "message": "Object has a different version than expected.",
        "errors": [{"code": "ConcurrentModification", "message": "stale", "currentVersion": current}]
    }))
}

/// The versions of the update requests the server received, in order.
async fn sent_versions(server: &MockServer) -> Vec<u64> {
    api_requests(server)
        .await
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["version"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn a_stale_re_read_is_read_again_never_patched_to_the_conflicts_version() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    // Read at version 1; the update meets a conflict at version 3; a lagging
    // replica answers version 1 twice more before it catches up.
    api("GET", "/g-1")
        .respond_with(group_at(1, "Start"))
        .up_to_n_times(3)
        .mount(&server)
        .await;
    api("GET", "/g-1")
        .respond_with(group_at(3, "Theirs"))
        .mount(&server)
        .await;
    api("POST", "/g-1")
        .and(wiremock::matchers::body_partial_json(json!({"version": 1})))
        .respond_with(conflict_at(3))
        .mount(&server)
        .await;
    api("POST", "/g-1")
        .and(wiremock::matchers::body_partial_json(json!({"version": 3})))
        .respond_with(group_at(4, "Theirs + ours"))
        .mount(&server)
        .await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let updated = client(&server)
        .customer_groups()
        .update_with_retry("g-1", 3, move |group| {
            log.lock()
                .unwrap()
                .push((group.version, group.name.clone()));
            vec![UpdateAction::change_name(format!("{} + ours", group.name))]
        })
        .await
        .unwrap();
    assert_eq!(updated.version, 4);
    assert_eq!(
        *seen.lock().unwrap(),
        [(1, "Start".to_owned()), (3, "Theirs".to_owned())],
        "the closure never saw the stale re-reads"
    );
    assert_eq!(
        sent_versions(&server).await,
        [1, 3],
        "each version sent is the version the closure saw"
    );
}

#[tokio::test]
async fn a_re_read_that_never_catches_up_fails_with_the_conflict() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api("GET", "/g-1")
        .respond_with(group_at(1, "Start"))
        .mount(&server)
        .await;
    api("POST", "/g-1")
        .respond_with(conflict_at(3))
        .mount(&server)
        .await;
    let error = client(&server)
        .customer_groups()
        .update_with_retry("g-1", 5, |_| vec![UpdateAction::change_name("Ours")])
        .await
        .unwrap_err();
    assert!(error.is_concurrent_modification());
    assert_eq!(error.current_version(), Some(3));
    assert_eq!(
        sent_versions(&server).await,
        [1],
        "version 1 is never sent as 3"
    );
}

/// A server where the first update is applied but its answer lost (503
/// from a proxy); the replay then meets a conflict at `current`, and reads
/// answer the group at `current` named `name_now`.
async fn replay_meets(current: u64, name_now: &str) -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api("GET", "/g-1")
        .respond_with(group_at(1, "Start"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    api("GET", "/g-1")
        .respond_with(group_at(current, name_now))
        .mount(&server)
        .await;
    api("POST", "/g-1")
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    api("POST", "/g-1")
        .respond_with(conflict_at(current))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_replayed_update_that_meets_its_own_change_succeeds() {
    // The version went from 1 to 4: the live API may skip numbers.
    let server = replay_meets(4, "Gold").await;
    let groups = client(&server).customer_groups();
    let group = groups.get("g-1").await.unwrap();
    let updated = groups
        .update(
            "g-1",
            CustomerGroupUpdate::for_group(&group).action(UpdateAction::change_name("Gold")),
        )
        .await
        .unwrap();
    assert_eq!((updated.version, updated.name.as_str()), (4, "Gold"));
    assert_eq!(
        sent_versions(&server).await,
        [1, 1],
        "one update, replayed once"
    );

    // `update_with_retry` does the same, and runs its closure once.
    let server = replay_meets(2, "Start+").await;
    let runs = std::sync::atomic::AtomicU32::new(0);
    let group = client(&server)
        .customer_groups()
        .update_with_retry("g-1", 5, |group| {
            runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            vec![UpdateAction::change_name(format!("{}+", group.name))]
        })
        .await
        .unwrap();
    assert_eq!((group.version, group.name.as_str()), (2, "Start+"));
    assert_eq!(runs.into_inner(), 1, "the appending closure ran once");
    assert_eq!(sent_versions(&server).await, [1, 1]);
}

#[tokio::test]
async fn a_replayed_update_that_meets_another_change_may_have_been_applied() {
    // Someone else renamed it after (or instead of) our landed change.
    let server = replay_meets(3, "Theirs").await;
    let groups = client(&server).customer_groups();
    let group = groups.get("g-1").await.unwrap();
    let error = groups
        .update(
            "g-1",
            CustomerGroupUpdate::for_group(&group).action(UpdateAction::change_name("Gold")),
        )
        .await
        .unwrap_err();
    assert!(error.is_concurrent_modification());
    assert!(error.conflict_may_be_own_earlier_attempt());
    assert!(
        error
            .to_string()
            .contains("after 2 attempts; an earlier attempt may have been applied"),
        "{error}"
    );

    // The conflict helper never asks its closure again: the change may be in.
    let server = replay_meets(3, "Theirs").await;
    let runs = std::sync::atomic::AtomicU32::new(0);
    let error = client(&server)
        .customer_groups()
        .update_with_retry("g-1", 5, |group| {
            runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            vec![UpdateAction::change_name(format!("{}+", group.name))]
        })
        .await
        .unwrap_err();
    assert!(error.conflict_may_be_own_earlier_attempt(), "{error}");
    assert_eq!(runs.into_inner(), 1);
    assert_eq!(sent_versions(&server).await, [1, 1], "no third update");
}

#[tokio::test]
async fn a_failed_read_is_never_said_to_have_been_applied() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api("GET", "/g-1")
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let error = client(&server)
        .customer_groups()
        .get("g-1")
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("an earlier attempt may have reached the server"),
        "{text}"
    );
    assert!(!text.contains("applied"), "{text}");
}

#[tokio::test]
async fn a_keyset_or_offset_server_that_repeats_itself_ends_in_an_error() {
    use futures::TryStreamExt;
    let server = MockServer::start().await;
    mount_token(&server).await;
    let results: Vec<Value> = (0..500)
        .map(|i| {
            let mut group = fixture("customer_group.json");
            group["id"] = json!(format!("id-{i:04}"));
            group
        })
        .collect();
    api("GET", "")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "limit": 500, "offset": 0, "count": 500, "total": 1_000_000_000_u64, "results": results
        })))
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    let error = groups
        .query_all()
        .concurrency(1)
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, sdk_core::Error::IncompleteListing(i) if i.reason.contains("strictly increasing")),
        "{error}"
    );
    // The default walk, in ranges, ends in an error too: the repeated ids
    // fall outside the ranges it asked for.
    let error = groups
        .query_all()
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, sdk_core::Error::IncompleteListing(_)),
        "{error}"
    );
    let before = api_requests(&server).await.len();
    let error = groups
        .query()
        .limit(500)
        .pages()
        .concurrency(8)
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, sdk_core::Error::IncompleteListing(i) if i.reason.contains("twice")),
        "{error}"
    );
    assert!(
        api_requests(&server).await.len() - before <= 9,
        "stops at the first repeat"
    );
}

#[tokio::test]
async fn document_rules_limit_zero_variable_names_keys_expand_and_attribution() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let mut expanded = fixture("customer_group.json");
    expanded["createdBy"] = json!({
        "clientId": "api-client-1",
        "customer": {"typeId": "customer", "id": "cu-1", "obj": {"id": "cu-1", "email": "a@example.com"}},
        "attributedTo": {"clientId": "importer", "source": "Import"}
    });
    expanded["lastModifiedBy"] = json!({"attributedTo": {"source": "Export"}});
    // `limit=0` asks for the count alone: no results.
    api("GET", "")
        .and(query_param("limit", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "limit": 0, "offset": 0, "count": 0, "total": 1, "results": []
        })))
        .mount(&server)
        .await;
    api("GET", "")
        .and(query_param("limit", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "limit": 1, "offset": 0, "count": 1, "total": 1, "results": [expanded]
        })))
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    let counted = groups.query().limit(0).send().await.unwrap();
    assert_eq!((counted.results.len(), counted.total), (0, Some(1)));
    let page = groups
        .query()
        .limit(1)
        .expand("createdBy.customer")
        .send()
        .await
        .unwrap();
    let sent = api_requests(&server).await;
    assert_eq!(sent[0].url.query(), Some("limit=0"));
    assert_eq!(
        sent[1].url.query(),
        Some("limit=1&expand=createdBy.customer")
    );
    let created_by = page.results[0].created_by.as_ref().unwrap();
    let customer = created_by.customer.as_ref().unwrap();
    assert_eq!(
        customer
            .obj
            .as_ref()
            .unwrap()
            .field_as::<String>("email")
            .unwrap()
            .as_deref(),
        Some("a@example.com")
    );
    let attributed = created_by.attributed_to.as_ref().unwrap();
    assert_eq!(attributed.client_id.as_deref(), Some("importer"));
    assert_eq!(
        attributed.source,
        Some(ct_customer_groups_sdk::AttributionSource::Import)
    );
    let back = serde_json::to_value(&page.results[0]).unwrap();
    assert_eq!(back["createdBy"]["attributedTo"]["source"], "Import");
    assert_eq!(back["createdBy"]["customer"]["obj"]["id"], "cu-1");

    // Variable names are [a-zA-Z0-9]+; keys 2 to 256 of A-Z a-z 0-9 _ -.
    let refused = groups.query().var("my_var", "x").send().await.unwrap_err();
    assert!(
        matches!(refused, sdk_core::Error::InvalidInput(_)),
        "{refused}"
    );
    let long_key = "k".repeat(257);
    for key in ["g", "gold members", "gold/../x", long_key.as_str()] {
        let refused = groups
            .create(CustomerGroupDraft::new("Gold").key(key))
            .await
            .unwrap_err();
        assert!(matches!(refused, sdk_core::Error::InvalidInput(_)), "{key}");
        let refused = groups
            .update(
                "g-1",
                CustomerGroupUpdate::new(1).action(UpdateAction::set_key(Some(key))),
            )
            .await
            .unwrap_err();
        assert!(matches!(refused, sdk_core::Error::InvalidInput(_)), "{key}");
    }
    assert_eq!(
        api_requests(&server).await.len(),
        2,
        "only the first two queries; nothing refused reached the server"
    );
}

#[tokio::test]
async fn server_chosen_counts_offsets_and_totals_at_their_extremes_never_panic() {
    use futures::StreamExt;
    for (count, offset, total) in [
        (json!(0), json!(0), json!(0)),
        (json!(-1), json!(-1), json!(-1)),
        (json!(u64::MAX), json!(u64::MAX), json!(u64::MAX)),
        (json!(1), json!(0), json!(u64::MAX)),
        (json!(1e300), json!(0), json!(null)),
    ] {
        let server = MockServer::start().await;
        mount_token(&server).await;
        api("GET", "")
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "limit": 20, "offset": offset, "count": count, "total": total,
                "results": [fixture("customer_group.json")]
            })))
            .mount(&server)
            .await;
        let outcome: Vec<_> = client(&server)
            .customer_groups()
            .query()
            .pages()
            .concurrency(4)
            .items()
            .collect()
            .await;
        // Ends, with the group or an error that says why; never a panic.
        assert!(!outcome.is_empty(), "{count} {offset} {total}");
        assert!(api_requests(&server).await.len() <= 6);
    }
}

#[tokio::test]
async fn an_invalid_id_names_its_parameter() {
    let server = MockServer::start().await;
    let error = client(&server).customer_groups().get("").await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("customer group id: must not be empty"),
        "{error}"
    );
}

#[tokio::test]
async fn query_all_completes_against_a_server_that_ignores_sort() {
    // commercetools-mock 4.4.0 ignores `sort`: 12 groups come back in
    // storage order, on one short page.
    use futures::TryStreamExt;
    let server = MockServer::start().await;
    mount_token(&server).await;
    let ids: Vec<String> = [7, 3, 11, 0, 9, 1, 5, 10, 2, 8, 4, 6]
        .iter()
        .map(|i| format!("{i:08x}-0000-4000-8000-000000000000"))
        .collect();
    let results: Vec<Value> = ids
        .iter()
        .map(|id| {
            let mut group = fixture("customer_group.json");
            group["id"] = json!(id);
            group
        })
        .collect();
    api("GET", "")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "limit": 500, "offset": 0, "count": 12, "total": 12, "results": results
        })))
        .mount(&server)
        .await;
    let mut sorted = ids.clone();
    sorted.sort();
    let groups = client(&server).customer_groups();
    for concurrency in [1, 4] {
        let walked: Vec<String> = groups
            .query_all()
            .concurrency(concurrency)
            .items()
            .map_ok(|group| group.id)
            .try_collect()
            .await
            .unwrap_or_else(|error| panic!("concurrency {concurrency}: {error}"));
        assert_eq!(walked, sorted, "concurrency {concurrency}");
    }
}
