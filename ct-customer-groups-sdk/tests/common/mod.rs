//! What the commercetools test files share.

use wiremock::{MockServer, Request};

/// The requests `server` received for the API, token requests left out.
pub async fn api_requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() != "/oauth/token")
        .collect()
}
