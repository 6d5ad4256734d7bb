//! The retry loop's pluggable parts: a classifier a vendor crate extends,
//! and a sleeper that records waits instead of taking them (real clock, no
//! pause needed).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{quiet_http, received};
use futures::future::BoxFuture;
use sdk_core::retry::{
    Attempt, AttemptOutcome, DefaultRetryClassifier, RetryCause, RetryClassifier, RetryDecision,
    Sleeper,
};
use sdk_core::{Backoff, Client, Request, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Default, Clone)]
struct RecordedWaits(Arc<Mutex<Vec<Duration>>>);

impl RecordedWaits {
    fn waits(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl Sleeper for RecordedWaits {
    fn sleep(&self, wait: Duration) -> BoxFuture<'static, ()> {
        self.0.lock().unwrap().push(wait);
        Box::pin(async {})
    }
}

async fn always(status: u16, retry_after: Option<&str>) -> MockServer {
    let server = MockServer::start().await;
    let mut answer = ResponseTemplate::new(status);
    if let Some(seconds) = retry_after {
        answer = answer.insert_header("Retry-After", seconds);
    }
    Mock::given(method("GET"))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer, waits: &RecordedWaits) -> sdk_core::ClientBuilder {
    Client::builder(server.uri())
        .http_client(quiet_http())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(4)
                .with_backoff(Backoff::new(Duration::from_secs(1), Duration::from_secs(8))),
        )
        .sleeper(waits.clone())
}

#[tokio::test]
async fn the_sleeper_gets_every_wait_and_nothing_sleeps() {
    let server = always(503, None).await;
    let waits = RecordedWaits::default();
    let started = std::time::Instant::now();
    let error = client(&server, &waits)
        .build()
        .unwrap()
        .send(Request::get("get_thing"))
        .await
        .unwrap_err();
    assert_eq!(error.api().map(|api| api.status.as_u16()), Some(503));
    assert_eq!(received(&server).await, 4);
    let waits = waits.waits();
    assert_eq!(waits.len(), 3, "one wait between each pair of attempts");
    for (retry, wait) in waits.iter().enumerate() {
        let ceiling = Duration::from_secs(1 << retry);
        assert!(
            *wait <= ceiling,
            "retry {retry}: {wait:?} above {ceiling:?}"
        );
    }
    // Up to 7 s of backoff were chosen; none was slept.
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn retry_after_reaches_the_sleeper_as_a_floor() {
    let server = always(429, Some("7")).await;
    let waits = RecordedWaits::default();
    let _ = client(&server, &waits)
        .build()
        .unwrap()
        .send(Request::get("get_thing"))
        .await;
    let waits = waits.waits();
    assert_eq!(waits.len(), 3);
    assert!(waits.iter().all(|wait| *wait >= Duration::from_secs(7)));
}

/// A vendor rule on top of the default table: 409 is retried twice.
#[derive(Debug)]
struct RetryConflicts;

impl RetryClassifier for RetryConflicts {
    fn classify(&self, attempt: &Attempt<'_>) -> RetryDecision {
        match attempt.outcome {
            AttemptOutcome::Status { status, .. } if status == 409 && attempt.number < 3 => {
                RetryDecision::retry(RetryCause::Error)
            }
            _ => DefaultRetryClassifier.classify(attempt),
        }
    }
}

#[tokio::test]
async fn a_classifier_extends_the_default_table() {
    let waits = RecordedWaits::default();

    let conflict = always(409, None).await;
    let error = client(&conflict, &waits)
        .retry_classifier(RetryConflicts)
        .build()
        .unwrap()
        .send(Request::get("get_thing"))
        .await
        .unwrap_err();
    assert_eq!(error.api().map(|api| api.status.as_u16()), Some(409));
    assert_eq!(
        received(&conflict).await,
        3,
        "two retries, then the rule says no"
    );

    // Everything else still follows the default table.
    let unavailable = always(503, None).await;
    let _ = client(&unavailable, &waits)
        .retry_classifier(RetryConflicts)
        .build()
        .unwrap()
        .send(Request::get("get_thing"))
        .await;
    assert_eq!(received(&unavailable).await, 4);
    let not_found = always(404, None).await;
    let _ = client(&not_found, &waits)
        .retry_classifier(RetryConflicts)
        .build()
        .unwrap()
        .send(Request::get("get_thing"))
        .await;
    assert_eq!(received(&not_found).await, 1);
}
