//! No secret of any vendor shows in `Debug`, `Display`, errors or TRACE
//! output. A test binary of its own: the tracing subscriber it installs for
//! its thread must not race other tests for the callsites' interest cache.

use sdk_core::test_util::CapturedLogs as Captured;

use ct_customer_groups_sdk::CtClient;
use flowretail_sdk::FlowRetailClient;
use pos_customer_sdk::PosClient;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRETS: &[&str] = &[
    "pos-token-secret",
    "pos-operator-secret",
    "ct-client-secret",
    "issued-token-secret",
    "flow-token-secret",
];

#[tokio::test]
async fn no_secret_in_debug_display_errors_or_traces_of_any_vendor() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "issued-token-secret", "token_type": "Bearer", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "no"})))
        .mount(&server)
        .await;

    let pos_builder = PosClient::builder(server.uri(), "pos-token-secret", "pos-operator-secret");
    let pos_builder_shown = format!("{pos_builder:?}");
    let pos = pos_builder.build().unwrap();
    let ct_builder =
        CtClient::builder("proj", "id", "ct-client-secret").urls(server.uri(), server.uri());
    let ct_builder_shown = format!("{ct_builder:?}");
    let ct = ct_builder.build().unwrap();
    let flow_builder = FlowRetailClient::builder("flow-token-secret", "t")
        .base_url(format!("{}/v2", server.uri()));
    let flow_builder_shown = format!("{flow_builder:?}");
    let flow = flow_builder.build().unwrap();

    let pos_error = pos.customers().get("c").await.unwrap_err();
    let ct_error = ct.customer_groups().get("g").await.unwrap_err();
    let flow_error = flow.customer_groups().get("g").await.unwrap_err();
    let query = ct.customer_groups().query().name_is("n");
    let shown = [
        pos_builder_shown,
        ct_builder_shown,
        flow_builder_shown,
        format!("{pos:?} {ct:?} {flow:?}"),
        format!(
            "{:?} {:?} {:?}",
            pos.customers(),
            ct.customer_groups(),
            flow.customer_groups()
        ),
        format!("{pos_error} {pos_error:?} {ct_error} {ct_error:?} {flow_error} {flow_error:?}"),
        format!("{query:?}"),
        captured.text(),
    ];
    assert!(shown[7].contains("http.request{"), "traces were captured");
    for text in &shown {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} shown in: {text}");
        }
    }
}
