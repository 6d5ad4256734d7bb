//! OAuth2 client credentials: single flight, expiry under the paused clock,
//! 401 replay, and token endpoint errors.

mod common;

use std::time::Duration;

use common::{quiet_http, received};
use sdk_core::oauth::ClientCredentials;
use sdk_core::{Client, Error, Request, RetryPolicy, SecretString};
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn token(access_token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": "view_customer_groups:demo"
    }))
}

fn credentials(server: &MockServer) -> ClientCredentials {
    ClientCredentials::builder(
        format!("{}/oauth/token", server.uri()),
        "client-id",
        SecretString::from("client-secret-value"),
    )
    .scopes(["view_customer_groups:demo", "manage_customer_groups:demo"])
    .http_client(quiet_http())
    .attempt_timeout(None)
    .build()
    .unwrap()
}

fn api_client(server: &MockServer, auth: ClientCredentials) -> Client {
    Client::builder(server.uri())
        .http_client(quiet_http())
        .attempt_timeout(None)
        .auth(auth)
        .build()
        .unwrap()
}

async fn mount_api(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/things"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(server)
        .await;
}

async fn token_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .count()
}

fn authorizations(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.url.path() == "/things")
        .map(|r| r.headers["authorization"].to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_on_a_cold_cache_share_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        // Slow enough that every caller arrives while the fetch is in flight.
        .respond_with(token("tok-1", 3600).set_delay(Duration::from_millis(200)))
        .mount(&server)
        .await;
    mount_api(&server).await;
    let client = api_client(&server, credentials(&server));

    let calls: Vec<_> = (0..150)
        .map(|_| tokio::spawn(client.send(Request::get("get_thing").segment("things"))))
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    // A fresh cooperative budget before the mock server is dropped: its drop
    // blocks on a futures executor, which spins if the budget is spent.
    tokio::task::yield_now().await;
    assert_eq!(token_requests(&server).await, 1);
    let requests = server.received_requests().await.unwrap();
    let auths = authorizations(&requests);
    assert_eq!(auths.len(), 150);
    assert!(auths.iter().all(|a| a == "Bearer tok-1"));
}

#[tokio::test]
async fn the_token_request_uses_basic_auth_and_the_client_credentials_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        // base64("client-id:client-secret-value")
        .and(header("authorization", "Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQtdmFsdWU="))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "grant_type=client_credentials&scope=view_customer_groups%3Ademo%20manage_customer_groups%3Ademo",
        ))
        .respond_with(token("tok-1", 3600))
        .expect(1)
        .mount(&server)
        .await;
    mount_api(&server).await;
    let client = api_client(&server, credentials(&server));
    client
        .send(Request::get("get_thing").segment("things"))
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_token_is_refreshed_a_safety_margin_before_it_expires() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok-1", 3600))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok-2", 3600))
        .mount(&server)
        .await;
    mount_api(&server).await;
    let client = api_client(&server, credentials(&server));
    let get = || client.send(Request::get("get_thing").segment("things"));

    get().await.unwrap();
    tokio::time::advance(Duration::from_secs(3600 - 300 - 1)).await;
    get().await.unwrap();
    assert_eq!(
        token_requests(&server).await,
        1,
        "still fresh just before the margin"
    );

    tokio::time::advance(Duration::from_secs(2)).await;
    get().await.unwrap();
    assert_eq!(
        token_requests(&server).await,
        2,
        "refreshed inside the margin"
    );

    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        authorizations(&requests),
        ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_short_lived_token_keeps_half_its_lifetime() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok-short", 60))
        .mount(&server)
        .await;
    mount_api(&server).await;
    let client = api_client(&server, credentials(&server));
    let get = || client.send(Request::get("get_thing").segment("things"));
    get().await.unwrap();
    tokio::time::advance(Duration::from_secs(29)).await;
    get().await.unwrap();
    assert_eq!(token_requests(&server).await, 1);
    tokio::time::advance(Duration::from_secs(2)).await;
    get().await.unwrap();
    assert_eq!(token_requests(&server).await, 2);
}

#[tokio::test(start_paused = true)]
async fn a_401_drops_the_token_and_replays_once_without_using_a_retry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok-revoked", 3600))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok-fresh", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer tok-revoked"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401, "message": "invalid_token", "errors": [{"code": "invalid_token"}]
        })))
        .mount(&server)
        .await;
    mount_api(&server).await;

    let client = Client::builder(server.uri())
        .http_client(quiet_http())
        .attempt_timeout(None)
        // One attempt in all: the replay must not count as a retry.
        .retry_policy(RetryPolicy::never())
        .auth(credentials(&server))
        .build()
        .unwrap();
    client
        .send(Request::get("get_thing").segment("things"))
        .await
        .unwrap();
    assert_eq!(token_requests(&server).await, 2);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        authorizations(&requests),
        ["Bearer tok-revoked", "Bearer tok-fresh"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_second_401_is_returned_not_replayed_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let client = api_client(&server, credentials(&server));
    let error = client
        .send(Request::get("get_thing").segment("things"))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        authorizations(&requests).len(),
        2,
        "the request and one replay"
    );
}

#[tokio::test(start_paused = true)]
async fn token_endpoint_errors_carry_the_oauth_error_and_send_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "Please provide valid client credentials using HTTP Basic Authentication."
        })))
        .mount(&server)
        .await;
    mount_api(&server).await;
    let client = api_client(&server, credentials(&server));
    let error = client
        .send(Request::get("get_thing").segment("things"))
        .await
        .unwrap_err();
    let Error::Auth(auth) = &error else {
        panic!("expected an auth error, got {error:?}");
    };
    assert_eq!(auth.error.as_deref(), Some("invalid_client"));
    assert!(
        auth.error_description
            .as_deref()
            .unwrap()
            .starts_with("Please provide")
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(error.code(), Some("invalid_client"));
    assert!(!error.request_may_have_been_sent());
    assert!(error.to_string().contains("invalid_client"));
    assert_eq!(
        received(&server).await,
        1,
        "the API itself was never called"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_a_token_endpoint_failure_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(
                    json!({"error": "invalid_scope", "error_description": "no such scope"}),
                )
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&server)
        .await;
    let client = api_client(&server, credentials(&server));
    let calls: Vec<_> = (0..50)
        .map(|_| tokio::spawn(client.send(Request::get("get_thing").segment("things"))))
        .collect();
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert_eq!(error.code(), Some("invalid_scope"));
    }
    // A fresh cooperative budget before the mock server is dropped: its drop
    // blocks on a futures executor, which spins if the budget is spent.
    tokio::task::yield_now().await;
    assert_eq!(token_requests(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn a_token_response_that_is_not_a_token_is_an_auth_error_without_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"acces_token":"leaky-value"}"#),
        )
        .mount(&server)
        .await;
    let client = api_client(&server, credentials(&server));
    let error = client
        .send(Request::get("get_thing").segment("things"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Auth(_)), "{error:?}");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("leaky-value"), "{shown}");
}
