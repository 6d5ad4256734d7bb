//! Every row of the retry table, Retry-After in both forms, the retry budget,
//! and both timeouts, against wiremock under tokio's paused clock.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use common::{builder, received};
use sdk_core::error::TimeoutKind;
use sdk_core::vendor::calls;
use sdk_core::{CallOptionsBuilder, Error, Request, RetryBudgetConfig, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Answers `status` to the first `times` requests on `path`, then `200 {}`.
async fn failing_then_ok(server: &MockServer, verb: &str, status: u16, times: u64) {
    Mock::given(method(verb))
        .and(path("/things"))
        .respond_with(ResponseTemplate::new(status))
        .up_to_n_times(times)
        .mount(server)
        .await;
    Mock::given(method(verb))
        .and(path("/things"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(server)
        .await;
}

fn request(verb: &str) -> Request {
    match verb {
        "GET" => Request::get("get_thing"),
        "PUT" => Request::put("put_thing"),
        "DELETE" => Request::delete("delete_thing"),
        "POST" => Request::post("create_thing"),
        "PATCH" => Request::patch("patch_thing"),
        other => panic!("no such verb {other}"),
    }
    .segment("things")
}

#[tokio::test(start_paused = true)]
async fn transient_5xx_are_retried_for_idempotent_requests() {
    for status in [500u16, 502, 503, 504] {
        for verb in ["GET", "PUT", "DELETE"] {
            let server = MockServer::start().await;
            failing_then_ok(&server, verb, status, 2).await;
            let client = builder(&server).build().unwrap();
            let response = client.send(request(verb)).await.unwrap();
            assert_eq!(response.status(), 200, "{verb} after {status}");
            assert_eq!(received(&server).await, 3, "{verb} after {status}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn transient_5xx_are_not_retried_for_non_idempotent_requests() {
    for status in [500u16, 502, 503, 504] {
        for verb in ["POST", "PATCH"] {
            let server = MockServer::start().await;
            failing_then_ok(&server, verb, status, 2).await;
            let client = builder(&server).build().unwrap();
            let error = client.send(request(verb)).await.unwrap_err();
            assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
            assert!(error.request_may_have_been_sent());
            assert_eq!(received(&server).await, 1, "{verb} after {status}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_post_marked_idempotent_is_retried() {
    let server = MockServer::start().await;
    failing_then_ok(&server, "POST", 503, 1).await;
    let client = builder(&server).build().unwrap();
    client.send(request("POST").idempotent(true)).await.unwrap();
    assert_eq!(received(&server).await, 2);
}

#[tokio::test(start_paused = true)]
async fn too_many_requests_is_retried_even_for_post() {
    let server = MockServer::start().await;
    failing_then_ok(&server, "POST", 429, 2).await;
    let client = builder(&server).build().unwrap();
    client.send(request("POST")).await.unwrap();
    assert_eq!(received(&server).await, 3);
}

#[tokio::test(start_paused = true)]
async fn attempts_are_capped_and_the_last_error_is_returned() {
    let server = MockServer::start().await;
    failing_then_ok(&server, "GET", 503, 10).await;
    let client = builder(&server).build().unwrap();
    let error = client.send(request("GET")).await.unwrap_err();
    let api = error.api().expect("api error");
    assert_eq!(api.status, 503);
    assert_eq!(api.attempts, 3);
    assert!(error.is_retryable());
    assert_eq!(received(&server).await, 3);
}

#[tokio::test(start_paused = true)]
async fn other_4xx_are_never_retried() {
    for status in [400u16, 403, 404, 409, 422] {
        let server = MockServer::start().await;
        failing_then_ok(&server, "GET", status, 5).await;
        let client = builder(&server).build().unwrap();
        let error = client.send(request("GET")).await.unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert!(!error.is_retryable());
        assert_eq!(error.is_not_found(), status == 404);
        assert_eq!(error.is_conflict(), status == 409);
        assert_eq!(received(&server).await, 1, "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn unauthorized_without_a_refreshable_provider_is_not_replayed() {
    let server = MockServer::start().await;
    failing_then_ok(&server, "GET", 401, 5).await;
    let client = builder(&server).build().unwrap();
    let error = client.send(request("GET")).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(received(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn decode_errors_are_not_retried_and_name_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"items":[{"n":1},{"n":"two"}]}"#),
        )
        .mount(&server)
        .await;
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        n: u32,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct List {
        items: Vec<Item>,
    }
    let client = builder(&server).build().unwrap();
    let error = client.send_json::<List>(request("GET")).await.unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(decode.path, "items[1].n");
    assert!(decode.snippet.starts_with(r#"{"items""#));
    assert!(!error.is_retryable());
    assert_eq!(received(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn retry_after_in_seconds_is_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "5"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let started = Instant::now();
    client.send(request("GET")).await.unwrap();
    // The backoff is capped at 2 s in these tests: only Retry-After explains 5 s.
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(received(&server).await, 2);
}

#[tokio::test(start_paused = true)]
async fn retry_after_as_an_http_date_is_waited_for() {
    let server = MockServer::start().await;
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(12));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", when.as_str()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let started = Instant::now();
    client.send(request("GET")).await.unwrap();
    // HTTP-dates have whole seconds: at least 10 of the 12 asked for remain.
    assert!(
        started.elapsed() >= Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(received(&server).await, 2);
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_longer_than_the_maximum_is_returned_to_the_caller() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "3600")
                .set_body_json(serde_json::json!({"message": "slow down"})),
        )
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let started = Instant::now();
    let error = client.send(request("GET")).await.unwrap_err();
    let Error::RateLimited(limited) = &error else {
        panic!("expected rate limited, got {error:?}");
    };
    assert_eq!(limited.retry_after, Duration::from_secs(3600));
    assert_eq!(limited.api.message.as_deref(), Some("slow down"));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(received(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn an_empty_retry_budget_stops_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let budget = RetryBudgetConfig::default().with_capacity(10);
    let client = builder(&server)
        .retry_policy(RetryPolicy::default().with_budget(Some(budget)))
        .build()
        .unwrap();
    // Two retries cost 5 each: the bucket of 10 is empty after the first call.
    client.send(request("GET")).await.unwrap_err();
    assert_eq!(received(&server).await, 3);
    assert_eq!(client.retry_budget_available(), Some(0));
    client.send(request("GET")).await.unwrap_err();
    assert_eq!(
        received(&server).await,
        4,
        "no retry once the budget is spent"
    );
    // Clones share the bucket.
    client.clone().send(request("GET")).await.unwrap_err();
    assert_eq!(received(&server).await, 5);
}

#[tokio::test(start_paused = true)]
async fn a_slow_attempt_times_out_and_is_retried_when_idempotent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = builder(&server)
        .attempt_timeout(Some(Duration::from_secs(1)))
        .build()
        .unwrap();
    let error = client.send(request("GET")).await.unwrap_err();
    let Error::Timeout(timeout) = &error else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!(timeout.kind, TimeoutKind::Attempt);
    assert_eq!(timeout.attempts, 3);
    assert!(error.request_may_have_been_sent());
}

#[tokio::test(start_paused = true)]
async fn a_slow_non_idempotent_attempt_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let error = calls::empty(&client, request("POST"))
        .attempt_timeout(Duration::from_secs(1))
        .await
        .unwrap_err();
    let Error::Timeout(timeout) = &error else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!(timeout.attempts, 1);
}

#[tokio::test(start_paused = true)]
async fn the_overall_deadline_ends_a_hanging_operation() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = builder(&server)
        .deadline(Some(Duration::from_secs(2)))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.send(request("GET")).await.unwrap_err();
    let Error::Timeout(timeout) = &error else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!(timeout.kind, TimeoutKind::Deadline);
    assert_eq!(timeout.attempts, 1);
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(started.elapsed() < Duration::from_secs(3));
}

// Real clock: under the paused clock the pending deadline timer would be
// advanced while the request waits on real I/O. Nothing here sleeps.
#[tokio::test]
async fn no_retry_waits_past_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "30"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let started = Instant::now();
    let error = calls::empty(&client, request("GET"))
        .deadline(Duration::from_secs(10))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(received(&server).await, 1);
}

/// A port with nothing listening on it.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(start_paused = true)]
async fn connect_failures_are_retried_even_for_post_and_say_nothing_was_sent() {
    let port = closed_port().await;
    let client = sdk_core::Client::builder(format!("http://127.0.0.1:{port}"))
        .http_client(common::quiet_http())
        .attempt_timeout(None)
        .build()
        .unwrap();
    let error = client.send(request("POST")).await.unwrap_err();
    let Error::Connect(connect) = &error else {
        panic!("expected a connect error, got {error:?}");
    };
    assert_eq!(connect.attempts, 3);
    assert!(!error.request_may_have_been_sent());
    assert!(error.is_retryable());
}

/// A raw HTTP server that closes the first `failures` connections after
/// reading the request, without answering, then answers `200 {}`.
async fn closing_server(failures: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let count = counter.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                    }
                }
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                if n > failures {
                    let _ = socket
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
                        )
                        .await;
                }
            });
        }
    });
    (address, seen)
}

#[tokio::test(start_paused = true)]
async fn a_connection_closed_before_the_answer_is_retried_when_idempotent() {
    let (address, seen) = closing_server(2).await;
    let client = sdk_core::Client::builder(address)
        .http_client(common::quiet_http())
        .attempt_timeout(None)
        .build()
        .unwrap();
    client.send(request("GET")).await.unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn a_connection_closed_before_the_answer_is_not_retried_for_post() {
    let (address, seen) = closing_server(5).await;
    let client = sdk_core::Client::builder(address)
        .http_client(common::quiet_http())
        .attempt_timeout(None)
        .build()
        .unwrap();
    let error = client.send(request("POST")).await.unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(error.request_may_have_been_sent());
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn error_bodies_keep_status_code_message_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("X-Request-Id", "req-77")
                .set_body_json(serde_json::json!({"code": "NotFound", "message": "no such thing"})),
        )
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let error = client.send(request("GET")).await.unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(api.code.as_deref(), Some("NotFound"));
    assert_eq!(api.message.as_deref(), Some("no such thing"));
    assert_eq!(api.request_id.as_deref(), Some("req-77"));
    assert_eq!(
        error.to_string(),
        "get_thing: 404 Not Found NotFound: no such thing (request id req-77)"
    );
}

#[tokio::test(start_paused = true)]
async fn an_html_error_page_is_an_api_error_with_its_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(502)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><h1>502 Bad Gateway</h1></html>"),
        )
        .mount(&server)
        .await;
    let client = builder(&server)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let error = client.send(request("GET")).await.unwrap_err();
    let api = error.api().expect("an API error, not a JSON error");
    assert_eq!(api.status, 502);
    assert!(api.body.contains("Bad Gateway"));
    assert!(api.message.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_correlation_id_is_sent_the_same_on_every_attempt_and_reported() {
    let server = MockServer::start().await;
    failing_then_ok(&server, "GET", 503, 1).await;
    let client = builder(&server)
        .vendor_correlation_id_header(sdk_core::http::header::HeaderName::from_static(
            "x-correlation-id",
        ))
        .build()
        .unwrap();
    client.send(request("GET")).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let ids: Vec<_> = requests
        .iter()
        .map(|r| r.headers["x-correlation-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1]);
    assert!(uuid::Uuid::parse_str(&ids[0]).is_ok());

    let server = MockServer::start().await;
    failing_then_ok(&server, "GET", 400, 1).await;
    let client = builder(&server)
        .vendor_correlation_id_header(sdk_core::http::header::HeaderName::from_static(
            "x-correlation-id",
        ))
        .build()
        .unwrap();
    let error = calls::empty(&client, request("GET"))
        .correlation_id("mine-1")
        .await
        .unwrap_err();
    assert_eq!(error.api().unwrap().request_id.as_deref(), Some("mine-1"));
}

#[tokio::test(start_paused = true)]
async fn requests_carry_user_agent_and_json_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{\"ok\":true}"))
        .mount(&server)
        .await;
    let client = builder(&server)
        .user_agent("my-crate/1.2.3")
        .build()
        .unwrap();
    let value: serde_json::Value = client
        .send_json(request("POST").json(&serde_json::json!({"name": "x"})))
        .await
        .unwrap();
    assert_eq!(value["ok"], true);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].headers["user-agent"], "my-crate/1.2.3");
    assert_eq!(requests[0].headers["content-type"], "application/json");
    assert_eq!(requests[0].body, br#"{"name":"x"}"#);
}

#[tokio::test(start_paused = true)]
async fn an_oversized_response_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(10_000)))
        .mount(&server)
        .await;
    let client = builder(&server).max_response_bytes(1_000).build().unwrap();
    let error = client.send(request("GET")).await.unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
}
