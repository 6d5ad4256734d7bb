//! The client held against commercetools' published specification:
//! existence checks, `expand` everywhere, any key, a capped `total`, typed
//! errors, granted scopes, refusals before sending, headers, required
//! fields. Against wiremock, with answers shaped as the specification's.

mod common;

use common::api_requests;

use ct_customer_groups_sdk::{
    CtCallExt, CtClient, CtErrorCode, CtErrorExt, CustomFieldsDraft, CustomerGroup,
    CustomerGroupDraft, CustomerGroupUpdate, ResourceIdentifier, UpdateAction,
};
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const PROJECT: &str = "my-project";
const SCOPE: &str = "manage_customer_groups:my-project";

fn fixture(name: &str) -> Value {
    sdk_core::fixture!(name)
}

fn client(server: &MockServer) -> CtClient {
    CtClient::builder(PROJECT, "client-id", "client-secret-value")
        .urls(server.uri(), server.uri())
        .scope(SCOPE)
        .settings(sdk_core::test_util::test_settings())
        .build()
        .unwrap()
}

async fn mount_token(server: &MockServer, scope: &str) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "token-1", "token_type": "Bearer", "expires_in": 172800, "scope": scope
        })))
        .mount(server)
        .await;
}

fn groups_path(rest: &str) -> String {
    format!("/{PROJECT}/customer-groups{rest}")
}

#[tokio::test]
async fn existence_checks_by_id_and_key_are_head_requests_and_404_is_false() {
    let server = MockServer::start().await;
    mount_token(&server, SCOPE).await;
    Mock::given(method("HEAD"))
        .and(path(groups_path("/there")))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path(groups_path("/key=gold")))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    // A query's check is a GET of one result: HEAD promises only `where`,
    // not the predicate's variables.
    Mock::given(method("GET"))
        .and(path(groups_path("")))
        .and(query_param("where", "name = :sdk1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"limit": 1, "offset": 0, "count": 0, "results": []})),
        )
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path(groups_path("/broken")))
        .respond_with(ResponseTemplate::new(400))
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    assert!(groups.exists("there").await.unwrap());
    assert!(
        !groups.exists("missing").await.unwrap(),
        "wiremock answers 404"
    );
    assert!(groups.exists_by_key("gold").await.unwrap());
    let matching = groups.query().name_is("Nobody").exists().await.unwrap();
    assert!(!matching);
    let error = groups.exists("broken").await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    let sent = api_requests(&server).await;
    let (query, heads): (Vec<_>, Vec<_>) =
        sent.iter().partition(|r| r.url.path() == groups_path(""));
    assert!(heads.iter().all(|r| r.method.as_str() == "HEAD"));
    assert_eq!(query[0].method.as_str(), "GET");
    assert_eq!(
        query[0].url.query(),
        Some("where=name%20%3D%20%3Asdk1&limit=1&withTotal=false&var.sdk1=Nobody")
    );
    // A handle's expansions stay off a HEAD, which has no body to expand.
    let expanding = client(&server)
        .customer_groups()
        .expand("createdBy.customer");
    assert!(expanding.exists("there").await.unwrap());
    let last = api_requests(&server).await.pop().unwrap();
    assert_eq!((last.method.as_str(), last.url.query()), ("HEAD", None));
}

#[tokio::test]
async fn a_pending_operation_is_retried_and_a_long_external_user_id_refused() {
    let server = MockServer::start().await;
    mount_token(&server, SCOPE).await;
    // 409 PendingOperation: the create was not applied, and is tried again.
    Mock::given(method("POST"))
        .and(path(groups_path("")))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "statusCode": 409,
            "message": "A previous operation is still being processed.",
            "errors": [{"code": "PendingOperation", "message": "pending"}]
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(groups_path("")))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("customer_group.json")))
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    groups
        .create(CustomerGroupDraft::new("Gold"))
        .await
        .unwrap();
    assert_eq!(api_requests(&server).await.len(), 2, "tried again once");

    let error = groups
        .create(CustomerGroupDraft::new("Gold"))
        .external_user_id("u".repeat(129))
        .await
        .unwrap_err();
    assert!(
        matches!(error, sdk_core::Error::InvalidInput(_)),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("at most 128 characters"),
        "{error}"
    );
    assert_eq!(api_requests(&server).await.len(), 2, "nothing sent");
    groups
        .create(CustomerGroupDraft::new("Gold"))
        .external_user_id("u".repeat(128))
        .await
        .unwrap();
}

#[tokio::test]
async fn expand_applies_to_gets_creates_updates_and_deletes() {
    let server = MockServer::start().await;
    mount_token(&server, SCOPE).await;
    Mock::given(path(groups_path("/g-1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer_group.json")))
        .mount(&server)
        .await;
    Mock::given(path(groups_path("/key=gold")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer_group.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(groups_path("")))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("customer_group.json")))
        .mount(&server)
        .await;
    let groups = client(&server)
        .customer_groups()
        .expand("createdBy.customer")
        .expand("custom.type");
    groups.get("g-1").await.unwrap();
    groups.get_by_key("gold").await.unwrap();
    groups
        .create(CustomerGroupDraft::new("Gold"))
        .await
        .unwrap();
    let update = CustomerGroupUpdate::new(1).action(UpdateAction::change_name("Gold"));
    groups.update("g-1", update.clone()).await.unwrap();
    groups.update_by_key("gold", update).await.unwrap();
    groups.delete("g-1", 2).await.unwrap();
    groups.delete_by_key("gold", 2).await.unwrap();
    let sent = api_requests(&server).await;
    assert_eq!(sent.len(), 7);
    for request in &sent {
        let query = request.url.query().unwrap_or_default();
        assert!(
            query.contains("expand=createdBy.customer&expand=custom.type"),
            "{} {query}",
            request.method
        );
    }
}

#[tokio::test]
async fn by_key_calls_take_any_key_and_only_written_keys_are_checked() {
    let server = MockServer::start().await;
    mount_token(&server, SCOPE).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer_group.json")))
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    // Keys set before the API enforced its pattern: one character, a space, a slash.
    for key in ["x", "old key", "a/b", "ümlaut"] {
        groups.get_by_key(key).await.unwrap();
    }
    let paths: Vec<String> = api_requests(&server)
        .await
        .iter()
        .map(|r| r.url.path().rsplit('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(
        paths,
        ["key=x", "key=old%20key", "key=a%2Fb", "key=%C3%BCmlaut"]
    );
    let empty = groups.get_by_key("").await.unwrap_err();
    assert!(matches!(empty, sdk_core::Error::InvalidInput(_)), "{empty}");
    // Keys the SDK writes still follow the pattern.
    let refused = groups
        .create(CustomerGroupDraft::new("Gold").key("old key"))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, sdk_core::Error::InvalidInput(_)),
        "{refused}"
    );
    assert_eq!(api_requests(&server).await.len(), 4);
}

/// A server holding `held` matching groups that counts at most 10,000 when
/// a predicate is given, as the API does.
fn capped_total_server(held: u64) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    move |request: &Request| {
        let param = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.parse::<u64>().unwrap())
        };
        let (offset, limit) = (param("offset").unwrap_or(0), param("limit").unwrap_or(20));
        let results: Vec<Value> = (offset..held.min(offset + limit))
            .map(|i| {
                let mut group = fixture("customer_group.json");
                group["id"] = json!(format!("id-{i:06}"));
                group
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "limit": limit, "offset": offset, "count": results.len(),
            "total": held.min(10_000), "results": results
        }))
    }
}

#[tokio::test]
async fn a_capped_total_never_ends_an_offset_listing_early() {
    let server = MockServer::start().await;
    mount_token(&server, SCOPE).await;
    Mock::given(method("GET"))
        .respond_with(capped_total_server(10_250))
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    let read: Vec<CustomerGroup> = groups
        .query()
        .predicate("name is defined")
        .limit(500)
        .pages()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        read.len(),
        10_250,
        "read past the capped total to the short page"
    );
}

#[test]
fn every_error_code_of_the_endpoints_is_typed() {
    let body = json!({"statusCode": 400, "message": "m", "errors": [
        {"code": "ReferencedResourceNotFound", "message": "m", "typeId": "type", "key": "no-such-type"},
        {"code": "General", "message": "m"},
        {"code": "BadGateway", "message": "m"},
        {"code": "OverCapacity", "message": "m"},
        {"code": "PendingOperation", "message": "m"},
        {"code": "QueryTimedOut", "message": "m"},
        {"code": "QueryComplexityLimitExceeded", "message": "m"},
        {"code": "ResourceSizeLimitExceeded", "message": "m"},
        {"code": "InvalidJsonInput", "message": "m", "detailedErrorMessage": "actions: Missing required value"},
        {"code": "SomethingNew", "message": "m", "extra": 1}
    ]});
    let codes: Vec<CtErrorCode> = ct_customer_groups_sdk::error::parse_errors(&body)
        .into_iter()
        .map(|error| error.code)
        .collect();
    assert_eq!(
        codes[0],
        CtErrorCode::ReferencedResourceNotFound {
            type_id: Some("type".into()),
            id: None,
            key: Some("no-such-type".into())
        }
    );
    let names: Vec<&str> = codes.iter().map(CtErrorCode::as_str).collect();
    assert_eq!(
        names,
        [
            "ReferencedResourceNotFound",
            "General",
            "BadGateway",
            "OverCapacity",
            "PendingOperation",
            "QueryTimedOut",
            "QueryComplexityLimitExceeded",
            "ResourceSizeLimitExceeded",
            "InvalidJsonInput",
            "SomethingNew"
        ]
    );
    assert!(matches!(&codes[9], CtErrorCode::Other { fields, .. } if fields["extra"] == 1));
}

#[tokio::test]
async fn a_token_granted_fewer_scopes_is_used_and_a_403_names_what_is_missing() {
    let server = MockServer::start().await;
    mount_token(&server, "view_customer_groups:my-project").await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer_group.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(groups_path("")))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "statusCode": 403, "message": "Insufficient scope",
            "errors": [{"code": "insufficient_scope", "message": "Insufficient scope"}]
        })))
        .mount(&server)
        .await;
    let ct = client(&server);
    assert_eq!(ct.granted_scopes(), None, "no token yet");
    ct.customer_groups().get("g-1").await.unwrap();
    assert_eq!(
        ct.granted_scopes(),
        Some(vec!["view_customer_groups:my-project".to_owned()])
    );
    let refused = ct
        .customer_groups()
        .create(CustomerGroupDraft::new("Gold"))
        .await
        .unwrap_err();
    assert_eq!(refused.ct_errors()[0].code, CtErrorCode::InsufficientScope);
    assert!(refused.to_string().contains(SCOPE), "{refused}");

    // commercetools-mock answers a placeholder: the token is still used.
    let mock = MockServer::start().await;
    mount_token(&mock, "todo").await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer_group.json")))
        .mount(&mock)
        .await;
    client(&mock).customer_groups().get("g-1").await.unwrap();
}

#[tokio::test]
async fn what_the_api_would_refuse_is_refused_before_sending() {
    let server = MockServer::start().await;
    mount_token(&server, SCOPE).await;
    let groups = client(&server).customer_groups();
    let invalid = |error: sdk_core::Error| {
        assert!(matches!(error, sdk_core::Error::InvalidInput(_)), "{error}");
        error.to_string()
    };
    let too_many = (0..501).map(|i| UpdateAction::change_name(format!("n{i}")));
    let error = groups
        .update("g-1", CustomerGroupUpdate::new(1).actions_from(too_many))
        .await
        .unwrap_err();
    assert!(invalid(error).contains("at most 500 update actions"));
    for name in ["a", "with space", "x".repeat(37).as_str()] {
        let update = CustomerGroupUpdate::new(1).action(UpdateAction::set_custom_field(name, None));
        let error = groups.update("g-1", update).await.unwrap_err();
        assert!(invalid(error).contains("custom field name"));
        let draft = CustomerGroupDraft::new("Gold")
            .custom(CustomFieldsDraft::new(ResourceIdentifier::type_by_id("t")).field(name, 1));
        assert!(invalid(groups.create(draft).await.unwrap_err()).contains("custom field name"));
    }
    let draft = CustomerGroupDraft::new("Gold").custom(CustomFieldsDraft::new(
        ResourceIdentifier::type_by_key("bad key!"),
    ));
    assert!(invalid(groups.create(draft).await.unwrap_err()).contains("custom.type.key"));
    assert!(api_requests(&server).await.is_empty(), "nothing was sent");

    // A resource identifier names an id or a key: never both, never neither.
    let both = serde_json::from_value::<ResourceIdentifier>(
        json!({"typeId": "type", "id": "a", "key": "b"}),
    );
    assert!(both.unwrap_err().to_string().contains("not both"));
    let neither = serde_json::from_value::<ResourceIdentifier>(json!({"typeId": "type"}));
    assert!(neither.is_err());
    let by_key = ResourceIdentifier::type_by_key("my-type");
    assert_eq!((by_key.id(), by_key.key()), (None, Some("my-type")));
    assert_eq!(
        serde_json::to_value(&by_key).unwrap(),
        json!({"typeId": "type", "key": "my-type"})
    );
}

#[tokio::test]
async fn an_external_user_id_is_sent_and_a_deprecation_notice_logged_once() {
    let captured = sdk_core::test_util::CapturedLogs::default();
    let _guard = captured.capture_on_this_thread();
    let server = MockServer::start().await;
    mount_token(&server, SCOPE).await;
    Mock::given(method("GET"))
        .and(header("x-external-user-id", "clerk-42"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("customer_group.json"))
                .insert_header("X-DEPRECATION-NOTICE", "this endpoint is going away"),
        )
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    for _ in 0..3 {
        groups
            .get("g-1")
            .external_user_id("clerk-42")
            .await
            .unwrap();
    }
    let logs = captured.text();
    assert_eq!(
        logs.matches("this endpoint is going away").count(),
        1,
        "{logs}"
    );
    assert!(logs.contains("WARN"), "{logs}");
    let error = groups
        .get("g-1")
        .external_user_id("bad\nvalue")
        .await
        .unwrap_err();
    assert!(matches!(error, sdk_core::Error::InvalidInput(_)), "{error}");
}

#[test]
fn created_at_and_last_modified_at_are_required() {
    let mut group = fixture("customer_group.json");
    let read: CustomerGroup = serde_json::from_value(group.clone()).unwrap();
    assert!(read.created_at <= read.last_modified_at);
    group.as_object_mut().unwrap().remove("createdAt");
    let error = serde_json::from_value::<CustomerGroup>(group).unwrap_err();
    assert!(error.to_string().contains("createdAt"), "{error}");
}

#[test]
fn url_errors_name_the_parameter_and_suggest_the_fix() {
    let build = |api: &str, auth: &str| {
        CtClient::builder(PROJECT, "id", "secret")
            .urls(api, auth)
            .build()
            .unwrap_err()
            .to_string()
    };
    let error = build("not a url", "https://auth.example.com");
    assert!(error.contains("api_url"), "{error}");
    let error = build("https://api.example.com", "auth.example.com");
    assert!(
        error.contains("auth_url") && error.contains("https://"),
        "{error}"
    );
    let error = build("ftp://api.example.com", "https://auth.example.com");
    assert!(
        error.contains("api_url") && error.contains("scheme"),
        "{error}"
    );
}

#[tokio::test]
async fn a_grant_lacking_a_scope_is_logged_once_per_token() {
    let captured = sdk_core::test_util::CapturedLogs::default();
    let _guard = captured.capture_on_this_thread();
    let server = MockServer::start().await;
    mount_token(&server, "view_customer_groups:my-project").await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer_group.json")))
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    for _ in 0..3 {
        groups.get("g-1").await.unwrap();
    }
    let logs = captured.text();
    let warnings: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("fewer scopes"))
        .collect();
    assert_eq!(warnings.len(), 1, "{logs}");
    assert!(warnings[0].contains(SCOPE), "{logs}");
}
