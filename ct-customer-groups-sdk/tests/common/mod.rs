//! What the commercetools test files share.

use std::time::Duration;

use ct_customer_groups_sdk::CtClient;
use ct_customer_groups_sdk::sandbox::CtSandbox;
use sdk_core::{Backoff, RetryPolicy};
use wiremock::{MockServer, Request};

/// A client of `sandbox` whose retries wait a millisecond or so.
#[allow(dead_code)] // Not every test file that shares this module uses it.
pub fn fast_retrying_client(sandbox: &CtSandbox) -> CtClient {
    sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().with_backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(5),
        )))
        .build()
        .unwrap()
}

/// The requests `server` received for the API, token requests left out.
#[allow(dead_code)] // Not every test file that shares this module uses it.
pub async fn api_requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() != "/oauth/token")
        .collect()
}
