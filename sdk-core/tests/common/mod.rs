//! Helpers shared by the sdk-core integration tests.
#![allow(dead_code)]

use std::time::Duration;

use sdk_core::{Backoff, Client, ClientBuilder, RetryPolicy};
use wiremock::MockServer;

pub use sdk_core::test_util::quiet_http;

/// A builder aimed at `server`, with no SDK timeouts and short backoff.
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder(server.uri())
        .vendor("test")
        .http_client(quiet_http())
        .attempt_timeout(None)
        .retry_policy(RetryPolicy::default().with_backoff(Backoff::new(
            Duration::from_millis(100),
            Duration::from_secs(2),
        )))
}

/// How many requests `server` has received.
pub async fn received(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

/// A loopback server that reads one request per connection, writes
/// `answer` back and closes; it counts the connections it served and keeps
/// the first bytes of each request.
pub async fn raw_server(answer: Vec<u8>) -> RawServer {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = RawServer {
        url: format!("http://{}", listener.local_addr().unwrap()),
        connections: Arc::default(),
        requests: Arc::default(),
    };
    let (connections, requests) = (server.connections.clone(), server.requests.clone());
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            connections.fetch_add(1, Ordering::SeqCst);
            let (answer, requests) = (answer.clone(), requests.clone());
            tokio::spawn(async move {
                let mut request = vec![0_u8; 16 * 1024];
                let read = socket.read(&mut request).await.unwrap_or(0);
                request.truncate(read);
                requests
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&request).into_owned());
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    server
}

/// What [`raw_server`] serves and has seen.
pub struct RawServer {
    /// `http://127.0.0.1:port`.
    pub url: String,
    /// Connections accepted.
    pub connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// The start of each request received.
    pub requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl RawServer {
    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A whole HTTP/1.1 answer with `status`, a JSON content type and `body`.
pub fn http_answer(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
