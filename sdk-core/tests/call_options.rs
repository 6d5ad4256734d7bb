//! Per-call options: a call's own attempt timeout, deadline and number of
//! attempts win over the client's, for one request and for a call made of
//! several.

mod common;

use std::time::Duration;

use common::{builder, received};
use sdk_core::error::TimeoutKind;
use sdk_core::vendor::calls;
use sdk_core::{CallOptionsBuilder, Error, Request, RetryPolicy};
use tokio::net::TcpListener;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn always_503() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    server
}

fn timeout_of(error: &Error) -> (TimeoutKind, Duration, u32) {
    match error {
        Error::Timeout(timeout) => (timeout.kind, timeout.limit, timeout.attempts),
        other => panic!("not a timeout: {other:?}"),
    }
}

#[tokio::test]
async fn max_attempts_overrides_the_retry_policy_for_one_call() {
    let server = always_503().await;
    let client = builder(&server)
        .retry_policy(RetryPolicy::default().with_max_attempts(3).with_backoff(
            sdk_core::Backoff::new(Duration::from_millis(1), Duration::from_millis(2)),
        ))
        .build()
        .unwrap();

    let once = calls::json::<serde_json::Value>(&client, Request::get("get_thing").segment("t"))
        .max_attempts(1)
        .await
        .unwrap_err();
    assert_eq!(once.api().map(|api| api.status.as_u16()), Some(503));
    assert_eq!(received(&server).await, 1, "one attempt for this call");

    calls::json::<serde_json::Value>(&client, Request::get("get_thing").segment("t"))
        .await
        .unwrap_err();
    assert_eq!(
        received(&server).await,
        4,
        "the client's 3 attempts otherwise"
    );
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_overrides_the_clients_for_one_call() {
    // A server that accepts the connection and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = silent.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let client = sdk_core::Client::builder(format!("http://{address}"))
        .http_client(sdk_core::test_util::quiet_http())
        .attempt_timeout(Some(Duration::from_secs(3600)))
        .build()
        .unwrap();

    let error = calls::empty(&client, Request::get("get_thing").segment("t"))
        .attempt_timeout(Duration::from_secs(2))
        .max_attempts(1)
        .await
        .unwrap_err();
    assert_eq!(
        timeout_of(&error),
        (TimeoutKind::Attempt, Duration::from_secs(2), 1)
    );
    holder.abort();
}

#[tokio::test(start_paused = true)]
async fn a_deadline_bounds_a_call_of_several_requests_waits_included() {
    // No I/O here: with the clock paused, tokio would move time on while a
    // request waits for a real socket, and the race would not be ours.
    let client = sdk_core::Client::builder("http://127.0.0.1:9")
        .build()
        .unwrap();
    let two_steps = calls::several(&client, "two_steps", None, |_sender| async move {
        let _first = Request::get("first").segment("a");
        tokio::time::sleep(Duration::from_secs(60)).await;
        let _second = Request::get("second").segment("b");
        Ok(())
    });
    let error = two_steps
        .deadline(Duration::from_secs(5))
        .await
        .unwrap_err();
    let (kind, limit, attempts) = timeout_of(&error);
    assert_eq!(
        (kind, limit),
        (TimeoutKind::Deadline, Duration::from_secs(5))
    );
    // The error counts attempts sent: the requests here were built, never sent.
    assert_eq!(attempts, 0);
    assert!(error.to_string().contains("two_steps"), "{error}");
}

#[tokio::test]
async fn a_deadline_error_of_a_call_of_several_counts_the_attempts_of_all_its_requests() {
    use wiremock::matchers::path;
    let server = MockServer::start().await;
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    Mock::given(path("/b"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = builder(&server)
        .retry_policy(RetryPolicy::default().with_backoff(sdk_core::Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(2),
        )))
        .attempt_timeout(None)
        .build()
        .unwrap();
    let read_then_write =
        calls::several(&client, "read_then_write", None, move |sender| async move {
            sender.send(Request::get("read").segment("a")).await?;
            sender.send(Request::get("write").segment("b")).await?;
            Ok(())
        });
    let error = read_then_write
        .deadline(Duration::from_secs(1))
        .await
        .unwrap_err();
    let (kind, _, attempts) = timeout_of(&error);
    assert_eq!(kind, TimeoutKind::Deadline);
    assert_eq!(
        attempts, 4,
        "3 attempts at the read, 1 at the write: {error}"
    );
    assert_eq!(received(&server).await, 4);
}

#[tokio::test]
async fn options_reach_every_request_of_a_call_of_several() {
    let server = always_503().await;
    let client = builder(&server).build().unwrap();
    let both = calls::several(&client, "both", None, move |sender| async move {
        let first = sender.send(Request::get("first").segment("a")).await;
        let second = sender.send(Request::get("second").segment("b")).await;
        Ok((first.is_err(), second.is_err()))
    });
    assert_eq!(both.max_attempts(1).await.unwrap(), (true, true));
    assert_eq!(received(&server).await, 2, "one attempt each");
}

#[tokio::test]
async fn a_call_is_a_send_static_future_that_can_be_spawned_and_mapped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"n": 41}"#))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let call = calls::json::<serde_json::Value>(&client, Request::get("get_n").segment("n"))
        .map(|value| value["n"].as_i64().unwrap_or_default() + 1);
    assert_eq!(call.operation(), "get_n");
    let spawned = tokio::spawn(call.into_future());
    assert_eq!(spawned.await.unwrap().unwrap(), 42);
}

#[tokio::test]
async fn a_later_request_of_a_call_of_several_has_only_what_is_left_of_its_deadline() {
    // Each request asks for a 1 s wait before its retry. The first takes
    // it; the second has less than 1 s of the 2 s left, so it returns the
    // API's answer at once instead of waiting into the call's deadline.
    let server = MockServer::start().await;
    for (path, times) in [("/a", 1), ("/b", 10)] {
        Mock::given(wiremock::matchers::path(path))
            .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
            .up_to_n_times(times)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let client = builder(&server).attempt_timeout(None).build().unwrap();
    let two_requests = calls::several(&client, "two_requests", None, move |sender| async move {
        sender.send(Request::get("first").segment("a")).await?;
        sender.send(Request::get("second").segment("b")).await?;
        Ok(())
    });
    let error = two_requests
        .deadline(Duration::from_secs(2))
        .await
        .unwrap_err();
    let api = error
        .api()
        .unwrap_or_else(|| panic!("not the API's answer: {error}"));
    assert_eq!((api.operation, api.status.as_u16()), ("second", 503));
    assert_eq!(
        received(&server).await,
        3,
        "the second request was sent once"
    );
}
