//! Text a server sends never forges a log line: a message with line feeds
//! and terminal escapes, and a deprecation notice with separators, C1
//! controls and bidi overrides, are logged escaped, one record a line.

mod common;

use std::time::Duration;

use common::raw_server;
use sdk_core::test_util::CapturedLogs;
use sdk_core::{Backoff, Client, Request, RetryPolicy};

/// What a hostile server puts in its error message.
const FORGED: &str = "refused\n2026-12-02T00:00:00.000000Z  INFO sdk: payment accepted\u{1b}[2J";

#[tokio::test(flavor = "current_thread")]
async fn server_text_in_logs_and_errors_is_escaped_one_record_a_line() {
    let body = serde_json::json!({ "message": FORGED }).to_string();
    // The notice holds U+2028, NEL and RLO as raw UTF-8 bytes, as a header may.
    let mut answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         x-deprecation-notice: old\u{2028}INFO forged\u{85}x\u{202e}y\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();
    answer.shrink_to_fit();
    let server = raw_server(answer).await;
    let client = Client::builder(&server.url)
        .deprecation_header(sdk_core::http::HeaderName::from_static(
            "x-deprecation-notice",
        ))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_backoff(Backoff::new(
                    Duration::from_millis(1),
                    Duration::from_millis(2),
                )),
        )
        .build()
        .unwrap();

    let logs = CapturedLogs::default();
    let guard = logs.capture_on_this_thread();
    let error = client
        .send(Request::get("get_thing").segment("things"))
        .await
        .unwrap_err();
    drop(guard);

    // The error keeps the message as it came, and shows it escaped.
    assert_eq!(error.api().unwrap().message.as_deref(), Some(FORGED));
    let shown = error.to_string();
    assert!(
        !shown.contains('\n') && !shown.contains('\u{1b}'),
        "{shown:?}"
    );
    assert!(shown.contains(r"refused\n2026-12-02"), "{shown}");

    let text = logs.text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("retrying") && line.contains(r"\u{1b}[2J")),
        "{text}"
    );
    assert!(
        lines.iter().any(|line| line.contains("deprecated")
            && line.contains(r"\u{2028}")
            && line.contains(r"\u{85}")
            && line.contains(r"\u{202e}")),
        "{text}"
    );
    // Every line the subscriber wrote is a record of its own: none starts
    // with anything but a timestamp, and no control reached the output.
    for line in &lines {
        assert!(
            line.starts_with("20") && line.contains('Z'),
            "a forged line: {line:?}"
        );
        assert!(
            !line
                .chars()
                .any(|c| c.is_control() || ('\u{2028}'..='\u{202e}').contains(&c)),
            "{line:?}"
        );
    }
    assert_eq!(lines.len(), 2, "one deprecation warning, one retry: {text}");
}
