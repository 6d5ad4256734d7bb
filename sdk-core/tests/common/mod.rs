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
