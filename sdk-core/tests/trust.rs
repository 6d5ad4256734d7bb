//! Trust, round 2: a loopback server that answers with raw bytes, to show
//! what the client does with answers no well-behaved server sends.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{http_answer, raw_server};
use sdk_core::oauth::ClientCredentials;
use sdk_core::{Client, Error, Request, RetryPolicy, SecretString};

/// A 200 token answer, chunked (no length to refuse it by), that starts
/// with a token and goes on past the token client's 64 KiB cap.
fn oversized_chunked_token_answer() -> Vec<u8> {
    let mut body =
        String::from(r#"{"access_token":"leaked-token-value","token_type":"Bearer","padding":""#);
    body.push_str(&"x".repeat(100 * 1024));
    body.push_str(r#""}"#);
    let mut answer =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec();
    for chunk in body.as_bytes().chunks(4096) {
        answer.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        answer.extend_from_slice(chunk);
        answer.extend_from_slice(b"\r\n");
    }
    answer.extend_from_slice(b"0\r\n\r\n");
    answer
}

/// Every text an error shows: `Display`, `Debug` and each source's.
fn everything_shown(error: &Error) -> String {
    let mut shown = format!("{error}\n{error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        shown.push_str(&format!("\n{cause}\n{cause:?}"));
        source = cause.source();
    }
    shown
}

#[tokio::test]
async fn an_oversized_token_answer_is_never_quoted() {
    let token_server = raw_server(oversized_chunked_token_answer()).await;
    let token_url = &token_server.url;
    let auth = ClientCredentials::builder(
        format!("{token_url}/oauth/token"),
        "client-id",
        SecretString::from("client-secret"),
    )
    .retry_policy(RetryPolicy::never())
    .build()
    .unwrap();
    let client = Client::builder("http://127.0.0.1:9")
        .auth(auth)
        .build()
        .unwrap();
    let error = client
        .send(Request::get("get_thing").segment("things"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Auth(_)), "{error:?}");
    let shown = everything_shown(&error);
    assert!(!shown.contains("leaked-token-value"), "{shown}");
    assert!(!shown.contains("access_token"), "{shown}");
    assert!(!shown.contains("network failure"), "{shown}");
    assert!(
        error.to_string().contains("larger than the limit"),
        "{error}"
    );
}

fn budgeted_client(base: &str) -> Client {
    Client::builder(base)
        .http_client(common::quiet_http())
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_request_too_long_to_send_is_invalid_input_and_costs_nothing() {
    let server = raw_server(http_answer("200 OK", "{}")).await;
    let client = budgeted_client(&server.url);
    let budget = client.retry_budget_available();
    let started = tokio::time::Instant::now();
    let long_predicate = format!("name = \"{}\"", "x".repeat(70_000));
    for request in [
        Request::get("query_things")
            .segment("things")
            .query("where", &long_predicate),
        Request::post("create_thing")
            .segment("things")
            .query("where", &long_predicate)
            .json(&serde_json::json!({"name": "x"})),
    ] {
        let error = client.send(request).await.unwrap_err();
        assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
        assert!(!error.request_may_have_been_sent());
        assert!(!error.is_retryable());
        assert!(error.to_string().contains("request URL"), "{error}");
    }
    assert_eq!(server.connections(), 0, "nothing reached the server");
    assert_eq!(client.retry_budget_available(), budget, "no budget spent");
    assert_eq!(started.elapsed(), Duration::ZERO, "no backoff slept");
}

#[tokio::test(start_paused = true)]
async fn an_api_that_refuses_every_token_does_not_make_every_call_fetch_one() {
    let token = raw_server(http_answer(
        "200 OK",
        r#"{"access_token":"tok","token_type":"Bearer","expires_in":172800}"#,
    ))
    .await;
    let api = raw_server(http_answer("401 Unauthorized", r#"{"message":"no"}"#)).await;
    let auth = ClientCredentials::builder(
        format!("{}/oauth/token", token.url),
        "client-id",
        SecretString::from("client-secret"),
    )
    .http_client(common::quiet_http())
    .build()
    .unwrap();
    let client = Client::builder(&api.url)
        .http_client(common::quiet_http())
        .auth(auth)
        .build()
        .unwrap();
    for _ in 0..100 {
        let error = client
            .send(Request::get("get_thing").segment("things"))
            .await
            .unwrap_err();
        assert!(error.is_auth(), "{error}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    }
    // The first token, and one replay with a new one; the clock did not
    // move past the minimum reuse time, so no other 401 fetched one.
    assert_eq!(token.connections(), 2);
    assert_eq!(api.connections(), 101);

    // Once the minimum reuse time has passed, a 401 may fetch one again.
    tokio::time::advance(Duration::from_secs(2)).await;
    let _ = client
        .send(Request::get("get_thing").segment("things"))
        .await;
    assert_eq!(token.connections(), 3);
}

mod tls {
    //! A loopback TLS server with certificates the client cannot verify.

    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tls");

    pub fn der(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
    }

    /// Serves TLS with the certificate `name` (and its key) on a thread of
    /// its own, answering `200 {}` to whoever completes a handshake; the
    /// count is of TCP connections.
    pub fn server(name: &str) -> (u16, Arc<AtomicUsize>) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let certificate = CertificateDer::from(der(&format!("{name}.der")));
        let key = PrivateKeyDer::try_from(der(&format!("{name}.key.der"))).unwrap();
        let config = Arc::new(
            rustls::ServerConfig::builder()
                .with_no_client_auth()
                .with_single_cert(vec![certificate], key)
                .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut tcp) = stream else { return };
                counted.fetch_add(1, Ordering::SeqCst);
                let config = config.clone();
                std::thread::spawn(move || {
                    let connection = rustls::ServerConnection::new(config).unwrap();
                    let mut tls = rustls::StreamOwned::new(connection, &mut tcp);
                    let mut request = [0_u8; 4096];
                    if tls.read(&mut request).is_ok() {
                        let _ = tls.write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
                        );
                    }
                });
            }
        });
        (port, connections)
    }
}

/// Sends through `client` to the TLS server on `port` and checks the
/// refusal: a certificate failure after one connection, never retried,
/// nothing sent, naming the certificate and the host.
async fn assert_certificate_refused(client: Client, port: u16, connections: &AtomicUsize) {
    let error = client
        .send(Request::get("get_thing").segment("things"))
        .await
        .unwrap_err();
    let Error::Connect(transport) = &error else {
        panic!("expected a connect error, got {error:?}");
    };
    assert_eq!(
        transport.failure,
        sdk_core::error::TransportFailure::Certificate
    );
    assert_eq!(transport.attempts, 1);
    assert!(!error.is_retryable());
    assert!(!error.request_may_have_been_sent());
    let shown = error.to_string();
    assert!(
        shown.contains(&format!(
            "could not verify the TLS certificate of localhost:{port}"
        )),
        "{shown}"
    );
    assert!(shown.contains("certificate"), "{shown}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_untrusted_certificate_is_one_connection_and_says_so() {
    let (port, connections) = tls::server("self_signed");
    let client = Client::builder(format!("https://localhost:{port}"))
        .build()
        .unwrap();
    assert_certificate_refused(client, port, &connections).await;
}

#[tokio::test]
async fn a_certificate_for_another_name_is_not_retried() {
    let (port, connections) = tls::server("other_name");
    // The test CA is trusted, so only the name is wrong.
    let http = sdk_core::client::http_client_builder()
        .tls_certs_merge([reqwest::Certificate::from_der(&tls::der("ca.der")).unwrap()])
        .build()
        .unwrap();
    let client = Client::builder(format!("https://localhost:{port}"))
        .http_client(http)
        .build()
        .unwrap();
    assert_certificate_refused(client, port, &connections).await;
}
