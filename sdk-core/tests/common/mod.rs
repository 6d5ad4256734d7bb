//! Helpers shared by the sdk-core integration tests.
#![allow(dead_code)]

use std::time::Duration;

use sdk_core::{Backoff, Client, ClientBuilder, RetryPolicy};
use wiremock::MockServer;

/// An HTTP client with no timers of its own: under tokio's paused clock a
/// pending timer would be auto-advanced while a request waits on real I/O.
pub fn quiet_http() -> sdk_core::reqwest::Client {
    sdk_core::reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .expect("http client")
}

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
