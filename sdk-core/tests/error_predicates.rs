//! The questions a caller asks of an error, answered from real answers.

mod common;

use std::time::Duration;

use common::builder;
use sdk_core::{Request, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn answering(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

async fn error_from(answer: ResponseTemplate) -> sdk_core::Error {
    let server = answering(answer).await;
    builder(&server)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
        .send(Request::get("get_thing"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn each_predicate_answers_for_its_own_failure_only() {
    let limited = error_from(ResponseTemplate::new(429)).await;
    assert!(limited.is_rate_limited() && limited.is_retryable());
    assert!(!limited.is_auth() && !limited.is_timeout() && !limited.is_not_found());

    for status in [401u16, 403] {
        let refused = error_from(ResponseTemplate::new(status)).await;
        assert!(refused.is_auth(), "{status}");
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(status));
        assert!(!refused.is_rate_limited() && !refused.is_retryable());
    }

    let missing = error_from(ResponseTemplate::new(404)).await;
    assert!(missing.is_not_found() && !missing.is_auth() && !missing.is_conflict());

    let conflict = error_from(ResponseTemplate::new(409)).await;
    assert!(conflict.is_conflict() && !conflict.is_not_found());
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let server = answering(ResponseTemplate::new(200).set_delay(Duration::from_secs(5))).await;
    let error = builder(&server)
        .retry_policy(RetryPolicy::never())
        .attempt_timeout(Some(Duration::from_millis(50)))
        .build()
        .unwrap()
        .send(Request::get("get_thing"))
        .await
        .unwrap_err();
    assert!(error.is_timeout() && error.is_retryable());
    assert!(!error.is_rate_limited() && !error.is_auth());
}

#[tokio::test]
async fn display_says_the_status_once() {
    let error = error_from(
        ResponseTemplate::new(404)
            .set_body_json(serde_json::json!({"code": "404", "message": "Customer not found"})),
    )
    .await;
    assert_eq!(
        error.to_string(),
        "get_thing: 404 Not Found: Customer not found"
    );
}
