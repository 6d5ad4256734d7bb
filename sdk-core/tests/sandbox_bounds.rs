//! A sandbox holds bounded state whatever its clients do: connections that
//! never finish a request head are closed, and the exchange log keeps the
//! newest exchanges within its count and byte caps.

use std::time::Duration;

use sdk_core::sandbox::MAX_LOGGED_BODY_BYTES;
use sdk_core::vendor::sandbox::axum::Router;
use sdk_core::vendor::sandbox::axum::routing::post;
use sdk_core::vendor::sandbox::{REQUEST_HEAD_TIMEOUT, SandboxServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn echo_server() -> SandboxServer {
    let router = Router::new().route("/echo", post(|body: String| async move { body }));
    SandboxServer::start("bounds", router).unwrap()
}

#[tokio::test]
async fn a_connection_that_never_sends_a_whole_request_head_is_closed() {
    let server = echo_server();
    let mut stalled = Vec::new();
    for _ in 0..50 {
        let mut stream = tokio::net::TcpStream::connect(server.address())
            .await
            .unwrap();
        stream
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        stalled.push(stream);
    }
    // Each is closed once the head timeout passes (the server runs on a
    // runtime of its own, so the wait is real time, bounded here).
    for mut stream in stalled {
        let mut buffer = [0_u8; 256];
        let read = tokio::time::timeout(
            REQUEST_HEAD_TIMEOUT + Duration::from_secs(5),
            stream.read(&mut buffer),
        )
        .await
        .expect("the sandbox closes a stalled connection");
        // Closed, after at most a 408 answer.
        let text = String::from_utf8_lossy(&buffer[..read.unwrap_or(0)]).into_owned();
        assert!(
            text.is_empty() || text.starts_with("HTTP/1.1 408"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn the_exchange_log_keeps_the_newest_within_its_caps() {
    let server = echo_server();
    server.exchanges().record();
    let client = sdk_core::client::http_client_builder().build().unwrap();
    let url = format!("{}/echo", server.url());
    // Bodies of 2 MiB: 40 of them, 80 MiB each way, pass the byte cap.
    let body = "x".repeat(2 * 1024 * 1024);
    for _ in 0..40 {
        let sent = client.post(&url).body(body.clone()).send().await.unwrap();
        assert_eq!(sent.text().await.unwrap().len(), body.len());
    }
    let kept = server.exchanges().take();
    let bytes: usize = kept
        .iter()
        .map(|exchange| exchange.request_body.len() + exchange.response_body.len())
        .sum();
    assert!(bytes <= MAX_LOGGED_BODY_BYTES, "{bytes}");
    assert_eq!(kept.len(), 16, "the newest that fit in 64 MiB");
    assert_eq!(server.exchanges().dropped(), 24);
}

#[tokio::test]
async fn every_request_is_recorded_by_operation_with_its_answer() {
    use sdk_core::sandbox::{Fault, REDACTED};
    use sdk_core::vendor::sandbox::SandboxApi;

    let api = SandboxApi::new().template("/echo").secret_header("X-Key");
    let router = Router::new().route("/echo", post(|body: String| async move { body }));
    let server = SandboxServer::start_for("recorded", api, router).unwrap();
    let client = sdk_core::client::http_client_builder().build().unwrap();
    let url = format!("{}/echo?run=42", server.url());
    let send = || {
        client
            .post(&url)
            .header("x-key", "secret-key")
            .header("authorization", "Bearer secret-token")
            .header("x-run", "42")
            .body(r#"{"n":1}"#)
            .send()
    };
    server
        .faults()
        .on("POST", "/echo")
        .inject(Fault::status(503), 1);
    server
        .faults()
        .on("POST", "/echo")
        .inject(Fault::applied_then_dropped(), 1);
    assert_eq!(send().await.unwrap().status().as_u16(), 503);
    let lost = match send().await {
        Ok(answer) => answer.bytes().await.is_err(),
        Err(_) => true,
    };
    assert!(
        lost,
        "the answer of an applied-then-dropped request is lost"
    );
    assert_eq!(send().await.unwrap().status().as_u16(), 200);

    let sent = server.requests().matching("POST", "/echo");
    assert_eq!(sent.len(), 3, "{sent:#?}");
    let statuses: Vec<Option<u16>> = sent.iter().map(|request| request.status).collect();
    assert_eq!(statuses, [Some(503), None, Some(200)]);
    for request in &sent {
        assert_eq!(request.template.as_deref(), Some("/echo"));
        assert_eq!(request.query.as_deref(), Some("run=42"));
        assert_eq!(request.header("X-Key"), Some(REDACTED));
        assert_eq!(request.header("authorization"), Some(REDACTED));
        assert_eq!(request.header("x-run"), Some("42"));
        assert_eq!(request.json().unwrap()["n"], 1);
    }
    server.requests().clear();
    assert!(server.requests().all().is_empty());
}

#[tokio::test]
async fn a_rate_limit_refuses_what_passes_it_and_refills_by_the_sandbox_clock() {
    use sdk_core::sandbox::RateLimit;

    let server = echo_server();
    server
        .clock()
        .set(std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600));
    server
        .faults()
        .rate_limit(RateLimit::per_second(10.0).burst(2).with_headers());
    let client = sdk_core::client::http_client_builder().build().unwrap();
    let url = format!("{}/echo", server.url());
    let mut statuses = Vec::new();
    let mut refusal = None;
    for _ in 0..4 {
        let answer = client.post(&url).body("x").send().await.unwrap();
        statuses.push(answer.status().as_u16());
        if answer.status().as_u16() == 429 {
            refusal = Some(answer.headers().clone());
        }
    }
    assert_eq!(
        statuses,
        [200, 200, 429, 429],
        "a burst of 2, then refusals"
    );
    let refusal = refusal.unwrap();
    assert_eq!(refusal["retry-after"], "1");
    assert_eq!(refusal["x-ratelimit-limit"], "2");
    assert_eq!(refusal["x-ratelimit-remaining"], "0");
    assert_eq!(server.faults().rate_limited(), 2);
    // A tenth of a second on the sandbox's clock refills one request.
    server.clock().advance(Duration::from_millis(100));
    let answer = client.post(&url).body("x").send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    // Lifted, nothing is refused.
    server.faults().rate_limit(None);
    for _ in 0..5 {
        assert_eq!(
            client
                .post(&url)
                .body("x")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            200
        );
    }
    assert_eq!(server.faults().rate_limited(), 2);
}
