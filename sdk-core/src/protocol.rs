//! What HTTP itself says about an answer: which statuses mean "try again
//! later", and when the `Retry-After` header says to. Both the retry table
//! and the error helpers read it, so it sits below them.

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{DATE, HeaderMap, RETRY_AFTER};

/// Statuses that mean "try again later": 429 and 500, 502, 503, 504.
pub fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || is_transient_server_status(status)
}

/// 500, 502, 503, 504: retried for idempotent requests only.
pub(crate) fn is_transient_server_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

/// Reads `Retry-After` in either form: delta-seconds (`120`) or an HTTP-date.
///
/// An HTTP-date is measured against the answer's own `Date` header when it
/// has a readable one, so a server whose clock differs from ours still gets
/// the wait it asked for; otherwise against the local clock. A date in the
/// past means "now" (zero). An unreadable value is ignored.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    let now = headers
        .get(DATE)
        .and_then(|date| date.to_str().ok())
        .and_then(|date| httpdate::parse_http_date(date.trim()).ok())
        .unwrap_or_else(SystemTime::now);
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_parses_both_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_secs(7)));

        let later = SystemTime::now() + Duration::from_secs(120);
        let date = httpdate::fmt_http_date(later);
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&date).unwrap());
        let parsed = parse_retry_after(&headers).unwrap();
        assert!(parsed > Duration::from_secs(100) && parsed <= Duration::from_secs(120));

        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(parse_retry_after(&headers), Some(Duration::ZERO));

        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&headers), None);
    }

    #[test]
    fn a_retry_after_date_is_measured_against_the_answers_date() {
        // A server whose clock is an hour behind ours asks for 30 s.
        let mut headers = HeaderMap::new();
        let server_now = SystemTime::now()
            .checked_sub(Duration::from_secs(3600))
            .unwrap();
        let date = httpdate::fmt_http_date(server_now);
        let later = server_now.checked_add(Duration::from_secs(30)).unwrap();
        let retry = httpdate::fmt_http_date(later);
        headers.insert(DATE, HeaderValue::from_str(&date).unwrap());
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&retry).unwrap());
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_secs(30)));
        // An unreadable Date falls back to the local clock.
        headers.insert(DATE, HeaderValue::from_static("yesterday"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::ZERO));
    }
}
