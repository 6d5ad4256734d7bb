//! A rate limit a sandbox can be told to keep, as a vendor's API keeps
//! one: a token bucket on the sandbox's clock, past which requests are
//! answered `429` with `Retry-After` (and, when asked, the `X-RateLimit-*`
//! headers Lightspeed's APIs send).

use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

/// How many requests a second a sandbox answers, in bursts of how many:
/// see [`FaultInjector::rate_limit`](super::FaultInjector::rate_limit).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests a second, refilled continuously.
    pub per_second: f64,
    /// The most requests answered at once after a quiet spell.
    pub burst: u32,
    /// Whether answers carry `X-RateLimit-Limit`, `-Remaining` and
    /// `-Reset` (on an answer, seconds to the millisecond until one more
    /// request is answered; on a refusal, whole seconds, as `Retry-After`).
    pub headers: bool,
}

impl RateLimit {
    /// `per_second` requests a second (at least one a minute), in bursts of
    /// as many (at least 1).
    pub fn per_second(per_second: f64) -> Self {
        let per_second = if per_second.is_finite() {
            per_second.max(1.0 / 60.0)
        } else {
            1.0
        };
        Self {
            per_second,
            burst: per_second.ceil().clamp(1.0, f64::from(u32::MAX)) as u32,
            headers: false,
        }
    }

    /// Bursts of at most `burst` requests (at least 1).
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// Adds `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
    /// `X-RateLimit-Reset` (seconds until a request is answered again).
    pub fn with_headers(mut self) -> Self {
        self.headers = true;
        self
    }
}

/// The bucket of one limit.
#[derive(Debug)]
pub(crate) struct Bucket {
    limit: RateLimit,
    tokens: f64,
    filled_at: SystemTime,
    refused: u64,
}

impl Bucket {
    pub(crate) fn new(limit: RateLimit, now: SystemTime) -> Self {
        Self {
            limit,
            tokens: f64::from(limit.burst),
            filled_at: now,
            refused: 0,
        }
    }

    pub(crate) fn refused(&self) -> u64 {
        self.refused
    }

    /// Takes a request at `now`: `Ok` to answer it (with the headers
    /// saying what is left, when the limit sends them), or the `429`
    /// refusing it.
    pub(crate) fn take(&mut self, now: SystemTime) -> Result<Option<HeaderMap>, Box<Response>> {
        // A clock set back refills nothing.
        let elapsed = now.duration_since(self.filled_at).unwrap_or(Duration::ZERO);
        self.filled_at = now.max(self.filled_at);
        let burst = f64::from(self.limit.burst);
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.limit.per_second).min(burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(self.limit.headers.then(|| self.budget_headers()));
        }
        self.refused = self.refused.saturating_add(1);
        let wait = ((1.0 - self.tokens) / self.limit.per_second)
            .ceil()
            .max(1.0);
        Err(Box::new(self.refusal(wait)))
    }

    /// `X-RateLimit-Limit` (the burst), `-Remaining` (whole requests left
    /// now) and `-Reset` (seconds, to the millisecond, until one more is).
    fn budget_headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let remaining = self.tokens.floor().max(0.0);
        let reset = ((1.0 - (self.tokens - remaining)) / self.limit.per_second).max(0.0);
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit.burst));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining as u32));
        if let Ok(reset) = HeaderValue::from_str(&format!("{reset:.3}")) {
            headers.insert("x-ratelimit-reset", reset);
        }
        headers
    }

    fn refusal(&self, wait: f64) -> Response {
        let mut response =
            Response::new(Body::from(r#"{"message": "rate limited by the sandbox"}"#));
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let seconds = wait.clamp(1.0, 86_400.0) as u64;
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        if self.limit.headers {
            headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit.burst));
            headers.insert("x-ratelimit-remaining", HeaderValue::from(0_u32));
            headers.insert("x-ratelimit-reset", HeaderValue::from(seconds));
        }
        response
    }
}
