//! What a sandbox was asked and answered, recorded on request, so that a
//! test can hold every exchange against the vendor's own document.

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

/// The exchanges a sandbox recorded since [`record`](Self::record) was
/// called. Cheap to clone. Injected faults are not recorded: they are not
/// the sandbox's own answers.
#[derive(Debug, Clone, Default)]
pub struct ExchangeLog {
    recording: Arc<AtomicBool>,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl ExchangeLog {
    /// Starts recording (off by default: a long test would keep every body).
    pub fn record(&self) {
        self.recording.store(true, Ordering::SeqCst);
    }

    /// The exchanges recorded so far, taken out of the log.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.exchanges.lock().unwrap_or_else(|e| e.into_inner()))
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
    log.exchanges
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
