//! Secrets never show in `Debug`, `Display`, errors or TRACE output. A test
//! binary of its own: the tracing subscriber it installs for its thread must
//! not race other tests for the callsites' interest cache.

mod common;

use sdk_core::test_util::CapturedLogs as Captured;

use common::builder;
use sdk_core::auth::{Authorization, StaticHeaders};
use sdk_core::oauth::ClientCredentials;
use sdk_core::{Client, Request, SecretString};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRETS: &[&str] = &[
    "static-token-value",
    "operator-secret",
    "bearer-secret-value",
    "client-secret-value",
    "issued-access-token",
    // base64 of "client-id:client-secret-value", as sent in Basic auth
    "Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQtdmFsdWU",
];

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} shows {secret}: {text}");
    }
}

#[tokio::test]
async fn secrets_never_appear_in_debug_display_or_traces() {
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
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "issued-access-token", "token_type": "Bearer", "expires_in": 3600
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/denied"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"message": "forbidden"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;

    let oauth = ClientCredentials::builder(
        format!("{}/oauth/token", server.uri()),
        "client-id",
        SecretString::from("client-secret-value"),
    )
    .scope("scope-a")
    .build()
    .unwrap();
    let static_headers = StaticHeaders::new()
        .with("X-Token", "static-token-value")
        .unwrap()
        .with("X-Operator", "operator-secret")
        .unwrap();
    let bearer = Authorization::bearer("bearer-secret-value").unwrap();
    let basic =
        Authorization::basic("client-id", &SecretString::from("client-secret-value")).unwrap();

    let oauth_client = builder(&server).auth(oauth.clone()).build().unwrap();
    let static_client = builder(&server)
        .auth(static_headers.clone())
        .build()
        .unwrap();
    let bearer_client = builder(&server).auth(bearer.clone()).build().unwrap();

    let mut shown = Vec::new();
    for client in [&oauth_client, &static_client, &bearer_client] {
        let ok = client
            .send(Request::get("get_thing").segment("things"))
            .await
            .unwrap();
        let error = client
            .send(Request::get("get_denied").segment("denied"))
            .await
            .unwrap_err();
        shown.push(format!("{client:?} {ok:?} {error} {error:?}"));
    }
    shown.push(format!("{oauth:?} {static_headers:?} {bearer:?} {basic:?}"));
    let builder_debug =
        ClientCredentials::builder("https://a.example/t", "id", "client-secret-value");
    shown.push(format!("{builder_debug:?}"));
    shown.push(format!(
        "{:?}",
        Client::builder("https://a.example").auth(bearer)
    ));
    let request = Request::get("x").header(
        sdk_core::http::header::AUTHORIZATION,
        sdk_core::auth::bearer_header(&SecretString::from("bearer-secret-value")).unwrap(),
    );
    shown.push(format!("{request:?}"));

    for text in &shown {
        assert_no_secret("Debug/Display", text);
    }
    let traces = captured.text();
    assert!(
        traces.contains("http.request{"),
        "the capture works: {traces}"
    );
    assert_no_secret("tracing output", &traces);
}
