//! What a sandbox was asked and answered, recorded on request, so that a
//! test can hold every exchange against the vendor's own document.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::MAX_REQUEST_BODY_BYTES;

/// One request a sandbox served, with its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exchange {
    /// The request method, such as `PUT`.
    pub method: String,
    /// The request path, without the query.
    pub path: String,
    /// The answer's status.
    pub status: u16,
    /// The request body.
    pub request_body: Vec<u8>,
    /// The answer's body.
    pub response_body: Vec<u8>,
}

/// The most exchanges a log keeps: past it, the oldest is dropped.
pub const MAX_LOGGED_EXCHANGES: usize = 10_000;

/// The most request and answer body bytes a log keeps in all: past it, the
/// oldest exchanges are dropped until the newest fits.
pub const MAX_LOGGED_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The exchanges a sandbox recorded since [`record`](Self::record) was
/// called, the newest [`MAX_LOGGED_EXCHANGES`] within
/// [`MAX_LOGGED_BODY_BYTES`] of bodies; [`dropped`](Self::dropped) counts
/// the older ones let go. Cheap to clone. Injected faults are not
/// recorded: they are not the sandbox's own answers.
#[derive(Debug, Clone, Default)]
pub struct ExchangeLog {
    recording: Arc<AtomicBool>,
    kept: Arc<Mutex<Kept>>,
}

/// What a log holds, and what it let go.
#[derive(Debug, Default)]
struct Kept {
    exchanges: VecDeque<Exchange>,
    body_bytes: usize,
    dropped: u64,
}

impl Kept {
    fn push(&mut self, exchange: Exchange) {
        let size = exchange
            .request_body
            .len()
            .saturating_add(exchange.response_body.len());
        self.body_bytes = self.body_bytes.saturating_add(size);
        self.exchanges.push_back(exchange);
        while self.exchanges.len() > MAX_LOGGED_EXCHANGES
            || (self.body_bytes > MAX_LOGGED_BODY_BYTES && self.exchanges.len() > 1)
        {
            let Some(oldest) = self.exchanges.pop_front() else {
                break;
            };
            let size = oldest
                .request_body
                .len()
                .saturating_add(oldest.response_body.len());
            self.body_bytes = self.body_bytes.saturating_sub(size);
            self.dropped = self.dropped.saturating_add(1);
        }
    }
}

impl ExchangeLog {
    /// Starts recording (off by default: a long test would keep every body).
    pub fn record(&self) {
        self.recording.store(true, Ordering::SeqCst);
    }

    /// The exchanges recorded so far, taken out of the log.
    pub fn take(&self) -> Vec<Exchange> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.body_bytes = 0;
        std::mem::take(&mut kept.exchanges).into()
    }

    /// How many exchanges were dropped to keep the log within its bounds.
    pub fn dropped(&self) -> u64 {
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).dropped
    }
}

/// The middleware that records each exchange while the log is recording.
pub(super) async fn record_exchange(
    State(log): State<ExchangeLog>,
    request: Request,
    next: Next,
) -> Response {
    if !log.recording.load(Ordering::SeqCst) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(request_body) = axum::body::to_bytes(body, MAX_REQUEST_BODY_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let method = parts.method.to_string();
    let path = parts.uri.path().to_owned();
    let request = Request::from_parts(parts, Body::from(request_body.clone()));
    let (parts, body) = next.run(request).await.into_parts();
    // The sandboxes' own answers are bounded by their stores.
    let response_body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    log.kept
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Exchange {
            method,
            path,
            status: parts.status.as_u16(),
            request_body: request_body.to_vec(),
            response_body: response_body.to_vec(),
        });
    Response::from_parts(parts, Body::from(response_body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_the_newest_exchanges_up_to_its_count() {
        let mut kept = Kept::default();
        for n in 0..MAX_LOGGED_EXCHANGES + 7 {
            kept.push(Exchange {
                method: "GET".into(),
                path: format!("/{n}"),
                status: 200,
                request_body: Vec::new(),
                response_body: b"{}".to_vec(),
            });
        }
        assert_eq!(kept.exchanges.len(), MAX_LOGGED_EXCHANGES);
        assert_eq!(kept.dropped, 7);
        assert_eq!(kept.exchanges.front().map(|e| e.path.as_str()), Some("/7"));
        assert_eq!(kept.body_bytes, 2 * MAX_LOGGED_EXCHANGES);
    }
}
