//! Each documented error status maps to the right error, and creates are
//! never retried once they may have been sent.

mod common;

use common::{client, endpoint, fixture};
use pos_customer_sdk::{CustomerDraft, CustomerId, PosClient, PosErrorExt, PosErrorKind};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

fn draft() -> CustomerDraft {
    CustomerDraft::new("1", "9168aa78-e0a3-42ec-a43c-87f0ad666f69")
}

#[tokio::test]
async fn documented_statuses_map_to_their_meaning() {
    let cases = [
        (
            400u16,
            PosErrorKind::InvalidRequest,
            "Missing required field: name",
        ),
        (403, PosErrorKind::BadCredentials, "Invalid token"),
        (404, PosErrorKind::NotFound, "Customer not found"),
        (
            422,
            PosErrorKind::BrokenReference,
            "Customer group 7 does not exist",
        ),
        (500, PosErrorKind::ServerError, "Unexpected error"),
    ];
    for (status, kind, details) in cases {
        let server = MockServer::start().await;
        endpoint("GET", "/customers/c1")
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({"result": {"status_code": status, "details": details}})),
            )
            .mount(&server)
            .await;
        let error = client(&server).customers().get("c1").await.unwrap_err();
        assert_eq!(error.pos_kind(), Some(kind), "{status}");
        let api = error.api().unwrap();
        assert_eq!(api.status.as_u16(), status);
        assert_eq!(api.message.as_deref(), Some(details));
        assert_eq!(api.code, Some(status.to_string()));
        assert!(error.to_string().contains(details), "{error}");
        assert_eq!(error.is_not_found(), status == 404);
    }
}

#[tokio::test]
async fn the_documented_error_example_maps() {
    let server = MockServer::start().await;
    endpoint("POST", "/groups")
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("error_response.json")))
        .mount(&server)
        .await;
    let error = client(&server)
        .customer_groups()
        .create(pos_customer_sdk::CustomerGroupDraft::new("x"))
        .await
        .unwrap_err();
    assert_eq!(error.pos_kind(), Some(PosErrorKind::InvalidRequest));
    assert_eq!(
        error.api().unwrap().message.as_deref(),
        Some("Missing required field: name")
    );
}

#[tokio::test]
async fn an_error_body_without_status_code_still_maps() {
    let server = MockServer::start().await;
    endpoint("GET", "/customers/c1")
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"result": {"details": "gone"}})),
        )
        .mount(&server)
        .await;
    let error = client(&server).customers().get("c1").await.unwrap_err();
    assert!(error.is_not_found());
    assert_eq!(error.api().unwrap().message.as_deref(), Some("gone"));
    assert_eq!(error.api().unwrap().code, None);
}

#[tokio::test]
async fn a_proxy_html_page_is_an_api_error_with_its_status() {
    let server = MockServer::start().await;
    endpoint("GET", "/customers/c1")
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><body>Forbidden by proxy</body></html>"),
        )
        .mount(&server)
        .await;
    let error = client(&server).customers().get("c1").await.unwrap_err();
    assert_eq!(error.pos_kind(), Some(PosErrorKind::BadCredentials));
    assert!(error.api().unwrap().body.contains("Forbidden by proxy"));
}

#[tokio::test]
async fn create_is_not_retried_on_503_but_replace_is() {
    let server = MockServer::start().await;
    endpoint("POST", "/customers")
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let pos = client(&server);
    let error = pos.customers().create(draft()).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert!(error.request_may_have_been_sent());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    let server = MockServer::start().await;
    endpoint("PUT", "/customers/c9")
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    endpoint("PUT", "/customers/c9")
        .respond_with(
            ResponseTemplate::new(201).set_body_json(fixture("replace_customer_response.json")),
        )
        .mount(&server)
        .await;
    let upserted = client(&server)
        .customers()
        .replace(CustomerId::text("c9"), draft())
        .await
        .unwrap();
    assert!(upserted.was_created());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_errors() {
    let server = MockServer::start().await;
    endpoint("GET", "/customers/c1")
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"result": {"details": "no"}})),
        )
        .mount(&server)
        .await;
    let pos = client(&server);
    let error = pos.customers().get("c1").await.unwrap_err();
    let builder = PosClient::builder("https://pos.example", common::TOKEN, common::OPERATOR);
    let shown = format!("{pos:?} {builder:?} {error} {error:?}");
    assert!(!shown.contains(common::TOKEN), "{shown}");
    assert!(!shown.contains(common::OPERATOR), "{shown}");
}

#[test]
fn only_https_unless_loopback_or_allowed() {
    assert!(
        PosClient::builder("http://pos.example", "t", "o")
            .build()
            .is_err()
    );
    assert!(
        PosClient::builder("https://pos.example", "t", "o")
            .build()
            .is_ok()
    );
    assert!(
        PosClient::builder("http://127.0.0.1:9", "t", "o")
            .build()
            .is_ok()
    );
    assert!(
        PosClient::builder("http://pos.example", "t", "o")
            .allow_insecure(true)
            .build()
            .is_ok()
    );
}

#[test]
fn from_env_names_the_missing_variable() {
    // Only reads: the variables are not set in the test environment.
    if std::env::var("POS_BASE_URL").is_err() {
        let error = PosClient::from_env().unwrap_err();
        assert!(error.to_string().contains("POS_BASE_URL"), "{error}");
    }
}

#[tokio::test]
async fn an_invalid_id_names_its_parameter_and_nothing_is_sent() {
    let pos = PosClient::builder("http://127.0.0.1:9", "t", "o")
        .allow_insecure(true)
        .build()
        .unwrap();
    let customer = pos.customers().get("").await.unwrap_err();
    assert!(
        customer
            .to_string()
            .contains("customer id: must not be empty"),
        "{customer}"
    );
    assert!(!customer.request_may_have_been_sent());
    let group = pos.customer_groups().delete("..").await.unwrap_err();
    assert!(group.to_string().contains("customer group id: "), "{group}");
    let discount = pos.discounts().get("").await.unwrap_err();
    assert!(discount.to_string().contains("discount id: "), "{discount}");
}
