//! What every vendor sandbox offers the same way (feature `sandbox`): fault
//! injection ([`Fault`], [`FaultInjector`]) and the log of what a sandbox
//! received ([`ExchangeLog`]). The server they run on, and the pieces a
//! vendor crate builds its emulator from, are
//! [`vendor::sandbox`](crate::vendor::sandbox)'s.
//!
//! A sandbox's server runs on a thread of its own with its own runtime, so
//! it keeps answering whatever the caller's runtime does (a paused clock, a
//! current-thread test runtime), and it stops when the server and every
//! client it keeps alive are dropped.
//!
//! ```
//! use std::time::Duration;
//! use sdk_core::sandbox::{Fault, FaultBody};
//! use sdk_core::vendor::sandbox::{SandboxServer, axum};
//!
//! let router = axum::Router::new();
//! let server = SandboxServer::start("demo", router)?;
//! // The next two requests answer 503 with `Retry-After: 1`, whatever they ask.
//! server.faults().inject(Fault::status(503).with_retry_after("1"), 2);
//! // Then one that answers 200 with truncated JSON.
//! server.faults().inject(Fault::status(200).with_body(FaultBody::Malformed), 1);
//! assert_eq!(server.faults().pending(), 3);
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! # Ok::<(), sdk_core::Error>(())
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::sync::oneshot;

/// The most records of one kind (customers, groups, discounts, members of
/// a group) a sandbox holds: past it, a create is refused with the vendor's
/// validation error instead of growing the test process without bound.
pub const MAX_RECORDS: usize = 100_000;

/// The largest request body a sandbox reads; a larger one is answered
/// `413 Payload Too Large` before it is read whole.
pub const MAX_REQUEST_BODY_BYTES: usize = 2 * 1024 * 1024;

pub(crate) mod answer;
mod exchanges;
pub(crate) mod server;
pub(crate) mod static_server;

pub use exchanges::{Exchange, ExchangeLog};

/// What an injected fault answers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultBody {
    /// `{"message": "injected fault"}`.
    Json(serde_json::Value),
    /// No body at all.
    Empty,
    /// A proxy's HTML error page.
    Html,
    /// JSON cut off in the middle.
    Malformed,
    /// Any text.
    Text(String),
}

/// One injected answer: a status with optional `Retry-After`, delay and body;
/// or, without a status, only a delay before the real answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Fault {
    /// The status to answer; `None` passes the request on after the delay.
    pub status: Option<StatusCode>,
    /// The `Retry-After` header value (seconds or an HTTP-date).
    pub retry_after: Option<String>,
    /// How long to wait before answering.
    pub delay: Option<Duration>,
    /// The body of the answer.
    pub body: FaultBody,
}

impl Fault {
    /// Answers `status` (with a small JSON body).
    ///
    /// # Panics
    /// When `status` is not a valid HTTP status code (100..=999).
    pub fn status(status: u16) -> Self {
        Self {
            status: Some(StatusCode::from_u16(status).expect("a valid HTTP status code")),
            retry_after: None,
            delay: None,
            body: FaultBody::Json(serde_json::json!({"message": "injected fault"})),
        }
    }

    /// Waits `delay`, then lets the sandbox answer as usual.
    pub fn delay(delay: Duration) -> Self {
        Self {
            status: None,
            retry_after: None,
            delay: Some(delay),
            body: FaultBody::Empty,
        }
    }

    /// Adds a `Retry-After` header.
    pub fn with_retry_after(mut self, value: impl Into<String>) -> Self {
        self.retry_after = Some(value.into());
        self
    }

    /// Waits `delay` before answering.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Sets the body of the answer.
    pub fn with_body(mut self, body: FaultBody) -> Self {
        self.body = body;
        self
    }

    fn response(&self, status: StatusCode) -> Response {
        let (content_type, body) = match &self.body {
            FaultBody::Json(value) => ("application/json", Body::from(value.to_string())),
            FaultBody::Empty => ("text/plain", Body::empty()),
            FaultBody::Html => (
                "text/html",
                Body::from(format!(
                    "<html><head><title>{status}</title></head><body><h1>{status}</h1><hr>proxy</body></html>"
                )),
            ),
            FaultBody::Malformed => ("application/json", Body::from(r#"{"result": {"det"#)),
            FaultBody::Text(text) => ("text/plain", Body::from(text.clone())),
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(value) = self
            .retry_after
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// The queue of faults a sandbox answers before serving normally. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct FaultInjector {
    queue: Arc<Mutex<VecDeque<Fault>>>,
    received: Arc<AtomicU64>,
    latency: Arc<Mutex<Option<Duration>>>,
    in_flight: Arc<AtomicU64>,
    peak_in_flight: Arc<AtomicU64>,
}

impl FaultInjector {
    /// The next `times` requests (after those already queued) get `fault`.
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// Drops every queued fault.
    pub fn clear(&self) {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// How many faults are still queued.
    pub fn pending(&self) -> usize {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Makes every request wait `latency` before it is served (`None`: no
    /// wait), as a distant server would: for benchmarks of latency-bound
    /// walks. Requests wait at the same time, not one after another.
    pub fn set_latency(&self, latency: Option<Duration>) {
        *self.latency.lock().unwrap_or_else(|e| e.into_inner()) = latency;
    }

    /// The most requests the server was serving at one time.
    pub fn peak_in_flight(&self) -> u64 {
        self.peak_in_flight.load(Ordering::SeqCst)
    }

    /// Forgets the peak, to measure a new one.
    pub fn reset_peak_in_flight(&self) {
        self.peak_in_flight.store(0, Ordering::SeqCst);
    }

    /// How many requests the server has received, faulted ones included.
    pub fn requests_received(&self) -> u64 {
        self.received.load(Ordering::SeqCst)
    }

    fn next(&self) -> Option<Fault> {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
    }
}

async fn inject_faults(
    State(faults): State<FaultInjector>,
    request: Request,
    next: Next,
) -> Response {
    faults.received.fetch_add(1, Ordering::SeqCst);
    let now = faults
        .in_flight
        .fetch_add(1, Ordering::SeqCst)
        .saturating_add(1);
    faults.peak_in_flight.fetch_max(now, Ordering::SeqCst);
    let response = serve(&faults, request, next).await;
    faults.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

async fn serve(faults: &FaultInjector, request: Request, next: Next) -> Response {
    let latency = *faults.latency.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(latency) = latency {
        tokio::time::sleep(latency).await;
    }
    let Some(fault) = faults.next() else {
        return next.run(request).await;
    };
    if let Some(delay) = fault.delay {
        tokio::time::sleep(delay).await;
    }
    match fault.status {
        Some(status) => fault.response(status),
        None => next.run(request).await,
    }
}
