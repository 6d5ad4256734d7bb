//! The client against servers that misbehave on purpose: redirects to other
//! hosts, endless error bodies, numbers at their extremes, tokens that live
//! for no time, credentials in URLs, and failures that must say their cause.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{quiet_http, received};
use sdk_core::client::Redirects;
use sdk_core::oauth::ClientCredentials;
use sdk_core::{Backoff, Client, Error, Request, RetryPolicy, SecretString};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn redirect(status: u16, location: String) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("location", location)
}

/// A client as the SDK builds it (its own HTTP client, default redirect
/// policy), sending a secret custom header like the POS crate does.
fn sdk_client(base: &str) -> Client {
    Client::builder(base)
        .auth(
            sdk_core::auth::StaticHeaders::new()
                .with("X-Token", "pos-secret-token")
                .unwrap(),
        )
        .retry_policy(RetryPolicy::default().with_backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(5),
        )))
        .build()
        .unwrap()
}

fn api_error(error: &Error) -> &sdk_core::ApiError {
    error
        .api()
        .unwrap_or_else(|| panic!("expected an API error, got {error:?}"))
}

#[tokio::test]
async fn a_302_get_to_another_host_is_not_followed() {
    let (api, elsewhere) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("GET"))
        .respond_with(redirect(
            302,
            format!("{}/steal?customer=42", elsewhere.uri()),
        ))
        .mount(&api)
        .await;

    let error = sdk_client(&api.uri())
        .send(
            Request::get("get_customer")
                .segment("customers")
                .segment("42"),
        )
        .await
        .unwrap_err();
    let api_error = api_error(&error);
    assert_eq!(api_error.status.as_u16(), 302);
    assert_eq!(
        api_error.redirect_origin.as_deref(),
        Some(elsewhere.uri().as_str())
    );
    let shown = error.to_string();
    assert!(shown.contains("redirect to http://127.0.0.1:"), "{shown}");
    assert!(
        !shown.contains("steal") && !shown.contains("customer=42"),
        "{shown}"
    );
    assert_eq!(received(&elsewhere).await, 0, "the other host got nothing");
    assert_eq!(received(&api).await, 1, "a 3xx is not retried");
}

#[tokio::test]
async fn a_307_post_with_a_customer_body_is_not_re_posted_elsewhere() {
    let (api, elsewhere) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("POST"))
        .respond_with(redirect(307, format!("{}/customers", elsewhere.uri())))
        .mount(&api)
        .await;
    let request = Request::post("create_customer")
        .segment("customers")
        .json(&json!({"firstName": "Ada", "email": "ada@example.com"}));
    let error = sdk_client(&api.uri()).send(request).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(307));
    assert_eq!(received(&elsewhere).await, 0);
}

#[tokio::test]
async fn a_redirect_loop_costs_one_request() {
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(redirect(302, format!("{}/loop", api.uri())))
        .mount(&api)
        .await;
    let error = sdk_client(&api.uri())
        .send(Request::get("get_thing").segment("start"))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(302));
    assert_eq!(received(&api).await, 1);
}

#[tokio::test]
async fn same_origin_redirects_are_followed_only_when_asked_and_only_there() {
    let (api, elsewhere) = (MockServer::start().await, MockServer::start().await);
    Mock::given(path("/moved"))
        .respond_with(redirect(301, format!("{}/here", api.uri())))
        .mount(&api)
        .await;
    Mock::given(path("/here"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&api)
        .await;
    Mock::given(path("/away"))
        .respond_with(redirect(302, format!("{}/here", elsewhere.uri())))
        .mount(&api)
        .await;
    Mock::given(path("/loop"))
        .respond_with(redirect(302, format!("{}/loop", api.uri())))
        .mount(&api)
        .await;
    let client = Client::builder(api.uri())
        .redirects(Redirects::SameOrigin)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();

    let moved: serde_json::Value = client
        .send_json(Request::get("get").segment("moved"))
        .await
        .unwrap();
    assert_eq!(moved, json!({"ok": true}));

    let away = client
        .send(Request::get("get").segment("away"))
        .await
        .unwrap_err();
    assert_eq!(away.status().map(|s| s.as_u16()), Some(302));
    assert_eq!(received(&elsewhere).await, 0);

    let before = received(&api).await;
    let looped = client
        .send(Request::get("get").segment("loop"))
        .await
        .unwrap_err();
    assert_eq!(looped.status().map(|s| s.as_u16()), Some(302));
    assert_eq!(
        received(&api).await - before,
        1 + sdk_core::client::MAX_REDIRECT_HOPS,
        "the request and at most 3 hops"
    );
}

#[tokio::test]
async fn a_token_endpoint_redirect_is_never_followed() {
    let (auth, elsewhere) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("POST"))
        .respond_with(redirect(307, format!("{}/oauth/token", elsewhere.uri())))
        .mount(&auth)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "issued-by-the-wrong-host", "token_type": "Bearer", "expires_in": 3600
        })))
        .mount(&elsewhere)
        .await;
    let credentials = ClientCredentials::builder(
        format!("{}/oauth/token", auth.uri()),
        "client-id",
        SecretString::from("client-secret-value"),
    )
    .build()
    .unwrap();
    let error = credentials.authorization().await.unwrap_err();
    let shown = error.to_string();
    assert!(shown.contains("redirected to http://127.0.0.1:"), "{shown}");
    assert!(!shown.contains("refused the client credentials"), "{shown}");
    assert_eq!(received(&elsewhere).await, 0);
}

#[test]
fn same_origin_means_same_scheme_host_and_port() {
    // The policy decision itself, including the https-to-http case a
    // loopback test cannot stand up without TLS.
    let first = url::Url::parse("https://api.example.com/v2/x").unwrap();
    let follows = |target: &str, hops| {
        Redirects::SameOrigin.follows(&first, &url::Url::parse(target).unwrap(), hops)
    };
    assert!(follows("https://api.example.com/v2/y?page=2", 1));
    assert!(follows("https://api.example.com:443/z", 3));
    assert!(!follows("https://api.example.com/z", 4), "at most 3 hops");
    assert!(
        !follows("http://api.example.com/v2/y", 1),
        "never https to http"
    );
    assert!(!follows("https://api.example.com:8443/v2/y", 1));
    assert!(!follows("https://evil.example.com/v2/y", 1));
}

/// A raw server that answers every connection with a 503 that declares a
/// 100 MiB body and writes it until the client hangs up; it counts the
/// bytes it managed to write and the connections it served.
async fn endless_error_server() -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let written = Arc::new(AtomicUsize::new(0));
    let connections = Arc::new(AtomicUsize::new(0));
    let (bytes, served) = (written.clone(), connections.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            served.fetch_add(1, Ordering::SeqCst);
            let bytes = bytes.clone();
            tokio::spawn(async move {
                let mut request = [0_u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/html\r\ncontent-length: 104857600\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                for _ in 0..1600 {
                    match socket.write(&chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => bytes.fetch_add(n, Ordering::SeqCst),
                    };
                }
            });
        }
    });
    (format!("http://{address}"), written, connections)
}

#[tokio::test]
async fn an_error_body_is_read_only_as_far_as_it_is_kept() {
    let (base, written, connections) = endless_error_server().await;
    let error = sdk_client(&base)
        .send(Request::get("get_thing").segment("things"))
        .await
        .unwrap_err();
    let api_error = api_error(&error);
    assert_eq!(api_error.status.as_u16(), 503);
    assert_eq!(api_error.attempts, 3);
    assert_eq!(api_error.body.len(), sdk_core::error::MAX_KEPT_BODY);
    // Give the server's writers a moment to notice the hang-ups.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(connections.load(Ordering::SeqCst), 3);
    let total = written.load(Ordering::SeqCst);
    // 300 MiB were offered; what got out is the 64 KiB read plus what the
    // kernel's socket buffers took before the client hung up.
    assert!(
        total < 3 * 16 * 1024 * 1024,
        "{total} bytes were written for 3 error answers"
    );
}

#[tokio::test]
async fn a_large_success_body_is_refused_at_the_configured_cap() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(10_000)))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .max_response_bytes(1_000)
        .build()
        .unwrap();
    let error = client.send(Request::get("get")).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("larger than the limit of 1000 bytes"),
        "{error}"
    );
}

fn token_answer(expires_in: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": "tok", "token_type": "Bearer", "expires_in": expires_in
    }))
}

async fn token_server(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(answer)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/things"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    server
}

fn oauth_client(server: &MockServer) -> Client {
    let credentials = ClientCredentials::builder(
        format!("{}/oauth/token", server.uri()),
        "client-id",
        SecretString::from("client-secret-value"),
    )
    .http_client(quiet_http())
    .attempt_timeout(None)
    .build()
    .unwrap();
    Client::builder(server.uri())
        .http_client(quiet_http())
        .attempt_timeout(None)
        .auth(credentials)
        .build()
        .unwrap()
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

#[tokio::test(start_paused = true)]
async fn any_token_lifetime_is_read_without_a_panic() {
    for expires_in in [
        json!(0),
        json!(-5),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(1e300),
        json!(-1e300),
        json!(0.5),
        json!("3600"),
        json!("soon"),
        json!(null),
    ] {
        let server = token_server(token_answer(expires_in.clone())).await;
        let client = oauth_client(&server);
        for _ in 0..3 {
            client
                .send(Request::get("get_thing").segment("things"))
                .await
                .unwrap_or_else(|error| panic!("expires_in {expires_in}: {error}"));
        }
        tokio::time::advance(Duration::from_secs(u64::from(u32::MAX))).await;
        client
            .send(Request::get("get_thing").segment("things"))
            .await
            .unwrap_or_else(|error| panic!("expires_in {expires_in}, much later: {error}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_that_live_no_time_are_still_shared_by_concurrent_callers() {
    let server = token_server(token_answer(json!(0))).await;
    let client = oauth_client(&server);
    let calls: Vec<_> = (0..300)
        .map(|_| tokio::spawn(client.send(Request::get("get_thing").segment("things"))))
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let fetched = token_requests(&server).await;
    assert!(
        fetched <= 3,
        "{fetched} token requests for 300 concurrent calls"
    );
    tokio::task::yield_now().await;
}

#[tokio::test(start_paused = true)]
async fn sequential_calls_cannot_make_a_token_request_each() {
    let server = token_server(token_answer(json!(0))).await;
    let client = oauth_client(&server);
    for _ in 0..20 {
        client
            .send(Request::get("get_thing").segment("things"))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_millis(45)).await;
    }
    let fetched = token_requests(&server).await;
    assert!(
        fetched <= 3,
        "{fetched} token requests for 20 calls in 0.9 s"
    );
}

#[tokio::test(start_paused = true)]
async fn an_empty_or_missing_access_token_is_an_auth_error_and_never_sent() {
    for answer in [
        json!({"access_token": "", "token_type": "Bearer", "expires_in": 3600}),
        json!({"access_token": "   ", "expires_in": 3600}),
        json!({"token_type": "Bearer", "expires_in": 3600}),
        json!({"access_token": null}),
    ] {
        let server = token_server(ResponseTemplate::new(200).set_body_json(&answer)).await;
        let error = oauth_client(&server)
            .send(Request::get("get_thing").segment("things"))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Auth(_)), "{answer}: {error:?}");
        assert!(error.to_string().contains("access_token"), "{error}");
        assert!(!error.request_may_have_been_sent());
        let api_calls = received(&server).await - token_requests(&server).await;
        assert_eq!(api_calls, 0, "{answer}: nothing reached the API");
    }
}

#[tokio::test(start_paused = true)]
async fn retry_after_at_its_extremes_never_panics() {
    for (retry_after, max_retry_after, deadline) in [
        ("0", Duration::from_secs(60), None),
        (
            "18446744073709551615",
            Duration::MAX,
            Some(Duration::from_secs(10)),
        ),
        ("18446744073709551615", Duration::MAX, None),
        (
            "99999999999999999999999",
            Duration::MAX,
            Some(Duration::from_secs(10)),
        ),
        (
            "Fri, 31 Dec 9999 23:59:59 GMT",
            Duration::MAX,
            Some(Duration::MAX),
        ),
        ("-1", Duration::MAX, Some(Duration::from_secs(10))),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", retry_after))
            .mount(&server)
            .await;
        let client = Client::builder(server.uri())
            .http_client(quiet_http())
            .attempt_timeout(None)
            .deadline(deadline)
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(2)
                    .with_max_retry_after(max_retry_after),
            )
            .build()
            .unwrap();
        let call = client.send(Request::get("get_thing"));
        // A wait the deadline cannot hold ends at once; an unbounded one is
        // a real wait, so the test stops watching after a while.
        let outcome = tokio::time::timeout(Duration::from_secs(3600), call).await;
        if let Ok(result) = outcome {
            assert!(result.is_err(), "{retry_after}: a 429 stays an error");
        }
    }
}

#[test]
fn credentials_in_a_base_or_token_url_are_refused_at_build_time() {
    let error = Client::builder("https://user:hunter2@api.example.com")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("must not carry credentials"));
    assert!(!error.to_string().contains("hunter2"));

    let builder = Client::builder("https://user:hunter2@api.example.com");
    assert!(!format!("{builder:?}").contains("hunter2"));

    let error = ClientCredentials::builder(
        "https://id:hunter2@auth.example.com/oauth/token",
        "client-id",
        SecretString::from("client-secret-value"),
    )
    .build()
    .unwrap_err();
    assert!(error.to_string().contains("must not carry credentials"));
    assert!(!error.to_string().contains("hunter2"));
}

#[tokio::test]
async fn a_connect_failure_names_the_host_and_the_real_cause() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let error = client.send(Request::get("get_thing")).await.unwrap_err();
    let shown = error.to_string();
    assert!(matches!(error, Error::Connect(_)));
    assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
    assert!(
        shown.to_lowercase().contains("connection refused"),
        "the innermost cause: {shown}"
    );
    assert!(!shown.ends_with("error sending request"), "{shown}");
}

#[tokio::test]
async fn token_endpoint_server_errors_and_network_failures_are_not_refused_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>oops</html>"))
        .mount(&server)
        .await;
    let credentials = ClientCredentials::builder(
        format!("{}/oauth/token", server.uri()),
        "client-id",
        SecretString::from("client-secret-value"),
    )
    .retry_policy(RetryPolicy::never())
    .build()
    .unwrap();
    let shown = credentials.authorization().await.unwrap_err().to_string();
    assert!(shown.contains("server error"), "{shown}");
    assert!(shown.contains("500"), "{shown}");
    assert!(!shown.contains("refused the client credentials"), "{shown}");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let credentials = ClientCredentials::builder(
        format!("http://127.0.0.1:{port}/oauth/token"),
        "client-id",
        SecretString::from("client-secret-value"),
    )
    .retry_policy(RetryPolicy::never())
    .build()
    .unwrap();
    let shown = credentials.authorization().await.unwrap_err().to_string();
    assert!(
        shown.contains("could not reach the token endpoint"),
        "{shown}"
    );
    assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
    assert!(!shown.contains("refused the client credentials"), "{shown}");
}

/// A server on the HTTPS port that answers in plain text: the TLS handshake
/// (rustls with the default crypto provider) runs and fails, as an error.
#[tokio::test]
async fn a_plain_text_answer_to_a_tls_handshake_is_a_transport_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut hello = [0_u8; 512];
            let _ = socket.read(&mut hello).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                .await;
        }
    });
    let client = Client::builder(format!("https://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let error = client
        .send(Request::get("get_thing").segment("things"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Transport(_) | Error::Connect(_)),
        "{error:?}"
    );
    server.abort();
}

/// A raw server that answers every request with `status` and the header
/// lines `headers`, written as bytes (so they may be anything a socket can
/// carry), and an empty JSON object.
async fn raw_header_server(status: &'static str, headers: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0_u8; 4096];
                while let Ok(read) = socket.read(&mut request).await {
                    if read == 0 {
                        return;
                    }
                    let mut answer = format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n").into_bytes();
                    answer.extend_from_slice(headers);
                    answer.extend_from_slice(b"\r\n{}");
                    if socket.write_all(&answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn limit_headers_at_their_extremes_never_panic_nor_pause_past_a_quarter_hour() {
    let cases: [(&str, &[u8]); 12] = [
        ("200 OK", b"x-ratelimit-remaining: 0\r\nx-ratelimit-reset: 1e308\r\n"),
        ("200 OK", b"x-ratelimit-remaining: 0\r\nx-ratelimit-reset: -1\r\n"),
        ("200 OK", b"x-ratelimit-remaining: 0\r\nx-ratelimit-reset: NaN\r\n"),
        ("200 OK", b"x-ratelimit-remaining: -inf\r\nx-ratelimit-reset: inf\r\n"),
        ("200 OK", b"x-ratelimit-remaining: 0\r\nx-ratelimit-reset: Fri, 31 Dec 9999 23:59:59 GMT\r\ndate: Thu, 01 Jan 1970 00:00:00 GMT\r\n"),
        ("200 OK", b"x-ratelimit-remaining: 0\r\nx-ratelimit-reset: \xff\xfe\r\n"),
        ("200 OK", b"x-ratelimit-remaining: 18446744073709551616\r\n"),
        ("200 OK", b"x-ls-api-bucket-level: 1e308/-1e308\r\nx-ls-api-drip-rate: 1e-308\r\n"),
        ("200 OK", b"x-ls-api-bucket-level: 60/60/60\r\nx-ls-api-drip-rate: 0\r\n"),
        ("429 Too Many Requests", b"retry-after: 1e308\r\ndate: \xc3\x28\r\n"),
        ("429 Too Many Requests", b"retry-after: Fri, 31 Dec 9999 23:59:59 GMT\r\ndate: Thu, 01 Jan 1970 00:00:00 GMT\r\n"),
        ("503 Service Unavailable", b"retry-after: -0.5\r\nx-ratelimit-remaining: 0\r\nx-ratelimit-reset: 99999999999999999999\r\n"),
    ];
    for (status, headers) in cases {
        let base = raw_header_server(status, headers).await;
        let client = Client::builder(base)
            .http_client(quiet_http())
            .retry_policy(RetryPolicy::default().with_max_attempts(1))
            .build()
            .unwrap();
        let shown = String::from_utf8_lossy(headers);
        let result = client.send(Request::get("get_thing")).await;
        assert_eq!(result.is_ok(), status == "200 OK", "{shown}: {result:?}");
        let state = client.governor().state();
        assert_eq!(state.in_flight, 0, "{shown}");
        let paused = state.paused_for.unwrap_or_default();
        assert!(
            paused <= Duration::from_secs(15 * 60),
            "{shown}: {paused:?}"
        );
    }
}
