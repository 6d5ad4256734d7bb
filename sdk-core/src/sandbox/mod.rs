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
mod clock;
mod exchanges;
mod rate_limit;
mod requests;
pub(crate) mod server;
pub(crate) mod static_server;

pub use clock::SandboxClock;
pub use exchanges::{Exchange, ExchangeLog, MAX_LOGGED_BODY_BYTES, MAX_LOGGED_EXCHANGES};
pub use rate_limit::RateLimit;
pub use requests::{
    MAX_RECORDED_BODY_BYTES, MAX_RECORDED_REQUESTS, REDACTED, RecordedRequest, RequestLog,
};

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
    /// Other headers of the answer.
    pub headers: Vec<(String, String)>,
    /// How long to wait before answering.
    pub delay: Option<Duration>,
    /// The body of the answer.
    pub body: FaultBody,
    /// Whether the sandbox serves the request first (its change is
    /// applied) and only then answers as the fault says: an answer lost
    /// after the server acted, as a gateway timeout or a dropped
    /// connection leaves it.
    pub applied: bool,
    /// Whether the connection closes with no answer instead of answering
    /// `status`.
    pub dropped: bool,
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
            headers: Vec::new(),
            delay: None,
            body: FaultBody::Json(serde_json::json!({"message": "injected fault"})),
            applied: false,
            dropped: false,
        }
    }

    /// Serves the request (its change is applied), then answers `status`
    /// instead of the real answer: what a gateway's `503` after the
    /// backend acted looks like to a client.
    ///
    /// # Panics
    /// When `status` is not a valid HTTP status code (100..=999).
    pub fn applied_then(status: u16) -> Self {
        Self {
            applied: true,
            ..Self::status(status)
        }
    }

    /// Closes the connection without an answer, before the request is served.
    pub fn dropped() -> Self {
        Self {
            status: None,
            dropped: true,
            ..Self::delay(Duration::ZERO)
        }
    }

    /// Serves the request (its change is applied), then closes the
    /// connection without an answer.
    pub fn applied_then_dropped() -> Self {
        Self {
            applied: true,
            ..Self::dropped()
        }
    }

    /// Waits `delay`, then lets the sandbox answer as usual.
    pub fn delay(delay: Duration) -> Self {
        Self {
            status: None,
            retry_after: None,
            headers: Vec::new(),
            delay: Some(delay),
            body: FaultBody::Empty,
            applied: false,
            dropped: false,
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

    /// Adds the header `name: value` to the answer (one that is no valid
    /// header is left out).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// What the fault answers instead of the sandbox: `None` lets the
    /// sandbox's own answer through.
    fn answer(&self) -> Option<Response> {
        if self.dropped {
            return Some(connection_dropped());
        }
        self.status.map(|status| self.response(status))
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
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                axum::http::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

/// A test's own choice of requests: method and path in, whether it is one.
type RequestPredicate = Arc<dyn Fn(&str, &str) -> bool + Send + Sync>;

/// Which requests a queued fault is for: a method and a path template
/// whose `{placeholders}` stand for any one segment, or a test's predicate.
#[derive(Clone)]
enum FaultAim {
    Route {
        method: axum::http::Method,
        template: PathTemplate,
    },
    When(RequestPredicate),
}

impl fmt::Debug for FaultAim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultAim::Route { method, template } => write!(f, "{method} {}", template.text()),
            FaultAim::When(_) => f.write_str("a predicate"),
        }
    }
}

impl FaultAim {
    fn matches(&self, method: &axum::http::Method, path: &str) -> bool {
        match self {
            FaultAim::Route {
                method: aimed,
                template,
            } => aimed == method && template.matches(path),
            FaultAim::When(predicate) => predicate(method.as_str(), path),
        }
    }
}

/// A path template as the SDK's spans write it: fixed segments,
/// `{placeholder}` segments that stand for any one segment, and segments
/// of a fixed prefix and a placeholder (`key={key}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathTemplate {
    text: String,
}

impl PathTemplate {
    pub(crate) fn new(template: &str) -> Self {
        Self {
            text: template.to_owned(),
        }
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Whether `path` has this template's shape, segment by segment.
    pub(crate) fn matches(&self, path: &str) -> bool {
        let mut segments = path.trim_matches('/').split('/');
        self.text.trim_matches('/').split('/').all(|expected| {
            segments
                .next()
                .is_some_and(|segment| Self::segment_matches(expected, segment))
        }) && segments.next().is_none()
    }

    fn segment_matches(expected: &str, segment: &str) -> bool {
        match expected.find('{') {
            Some(at) if expected.ends_with('}') => {
                let prefix = expected.get(..at).unwrap_or_default();
                segment.len() > prefix.len() && segment.starts_with(prefix)
            }
            _ => expected == segment,
        }
    }
}

/// A queued fault, and the requests it is for (`None`: whichever comes next).
type Queued = (Option<FaultAim>, Fault);

/// The faults aimed at one operation: see [`FaultInjector::on`].
#[derive(Debug)]
#[must_use = "a target does nothing until a fault is injected"]
pub struct FaultTarget<'a> {
    faults: &'a FaultInjector,
    aim: FaultAim,
}

impl FaultTarget<'_> {
    /// The next `times` requests this target matches (after the faults
    /// already queued for them) get `fault`; other requests pass.
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut queue = self.faults.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.extend(std::iter::repeat_n((Some(self.aim.clone()), fault), times));
    }
}

/// The queue of faults a sandbox answers before serving normally. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct FaultInjector {
    queue: Arc<Mutex<VecDeque<Queued>>>,
    received: Arc<AtomicU64>,
    latency: Arc<Mutex<Option<Duration>>>,
    in_flight: Arc<AtomicU64>,
    peak_in_flight: Arc<AtomicU64>,
    /// The rate limit in force, on the clock below.
    bucket: Arc<Mutex<Option<rate_limit::Bucket>>>,
    /// Refusals of rate limits no longer in force.
    refused_before: Arc<AtomicU64>,
    clock: SandboxClock,
}

impl FaultInjector {
    /// Faults on `clock`'s time (a rate limit refills by it).
    pub(crate) fn on_clock(clock: SandboxClock) -> Self {
        Self {
            clock,
            ..Self::default()
        }
    }

    /// Answers only `limit` requests a second from now on, in bursts of its
    /// burst; the others get `429` with `Retry-After` (and the
    /// `X-RateLimit-*` headers, when the limit asks for them). The bucket
    /// refills by the sandbox's clock: advance it to let requests through
    /// in a test. `None` lifts the limit.
    ///
    /// ```
    /// use sdk_core::sandbox::RateLimit;
    /// use sdk_core::vendor::sandbox::{SandboxServer, axum};
    ///
    /// let server = SandboxServer::start("demo", axum::Router::new())?;
    /// server.faults().rate_limit(RateLimit::per_second(10.0).burst(1).with_headers());
    /// assert_eq!(server.faults().rate_limited(), 0);
    /// # Ok::<(), sdk_core::Error>(())
    /// ```
    pub fn rate_limit(&self, limit: impl Into<Option<RateLimit>>) {
        let bucket = limit
            .into()
            .map(|limit| rate_limit::Bucket::new(limit, self.clock.now()));
        let mut current = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = current.as_ref() {
            self.refused_before
                .fetch_add(old.refused(), Ordering::SeqCst);
        }
        *current = bucket;
    }

    /// How many requests the sandbox refused for its rate limits.
    pub fn rate_limited(&self) -> u64 {
        let current = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        let now = current.as_ref().map_or(0, rate_limit::Bucket::refused);
        self.refused_before
            .load(Ordering::SeqCst)
            .saturating_add(now)
    }

    /// The refusal of a request past the rate limit, or the headers that
    /// say what is left of it (when the limit sends them).
    fn throttle(&self) -> Result<Option<axum::http::HeaderMap>, Box<Response>> {
        let mut bucket = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        match bucket.as_mut() {
            Some(bucket) => bucket.take(self.clock.now()),
            None => Ok(None),
        }
    }

    /// The next `times` requests (after those already queued) get `fault`.
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.extend(std::iter::repeat_n((None, fault), times));
    }

    /// Faults for the requests of one operation only: `method` and a path
    /// `template` as the sandbox's URL path has it, with `{placeholders}`
    /// for ids and keys (`"/{projectKey}/customer-groups/{id}"`). Other
    /// requests pass untouched, so a fault meets the request under test
    /// and not a token request or a read before it.
    ///
    /// ```
    /// use sdk_core::sandbox::Fault;
    /// use sdk_core::vendor::sandbox::{SandboxServer, axum};
    ///
    /// let server = SandboxServer::start("demo", axum::Router::new())?;
    /// // The next update of any group is applied, and its answer lost.
    /// server
    ///     .faults()
    ///     .on("POST", "/{projectKey}/customer-groups/{id}")
    ///     .inject(Fault::applied_then(503), 1);
    /// assert_eq!(server.faults().pending(), 1);
    /// # Ok::<(), sdk_core::Error>(())
    /// ```
    ///
    /// # Panics
    /// When `method` is not an HTTP method.
    pub fn on(&self, method: &str, template: &str) -> FaultTarget<'_> {
        let method = axum::http::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        FaultTarget {
            faults: self,
            aim: FaultAim::Route {
                method,
                template: PathTemplate::new(template),
            },
        }
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

    /// Faults for the requests `predicate` picks, given each request's
    /// method and path: for a choice a method and template cannot make.
    ///
    /// ```
    /// use sdk_core::sandbox::Fault;
    /// use sdk_core::vendor::sandbox::{SandboxServer, axum};
    ///
    /// let server = SandboxServer::start("demo", axum::Router::new())?;
    /// // The next read of anything about the group `vip` gets a 503.
    /// server
    ///     .faults()
    ///     .when(|method, path| method == "GET" && path.contains("/vip"))
    ///     .inject(Fault::status(503), 1);
    /// # Ok::<(), sdk_core::Error>(())
    /// ```
    pub fn when(
        &self,
        predicate: impl Fn(&str, &str) -> bool + Send + Sync + 'static,
    ) -> FaultTarget<'_> {
        FaultTarget {
            faults: self,
            aim: FaultAim::When(Arc::new(predicate)),
        }
    }

    /// The first queued fault for a request of `method` to `path`.
    fn next(&self, method: &axum::http::Method, path: &str) -> Option<Fault> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let at = queue
            .iter()
            .position(|(aim, _)| aim.as_ref().is_none_or(|aim| aim.matches(method, path)))?;
        queue.remove(at).map(|(_, fault)| fault)
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
    let budget = match faults.throttle() {
        Err(refused) => return *refused,
        Ok(budget) => budget,
    };
    let mut response = faulted(faults, request, next).await;
    if let Some(budget) = budget {
        response.headers_mut().extend(budget);
    }
    response
}

/// The answer to a request the rate limit let through: the next fault
/// aimed at it, or the API's own.
async fn faulted(faults: &FaultInjector, request: Request, next: Next) -> Response {
    let Some(fault) = faults.next(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    if let Some(delay) = fault.delay {
        tokio::time::sleep(delay).await;
    }
    if fault.applied {
        let served = next.run(request).await;
        return fault.answer().unwrap_or(served);
    }
    match fault.answer() {
        Some(answer) => answer,
        None => next.run(request).await,
    }
}

/// An answer whose body fails before its first byte: the server closes
/// the connection, and the client gets no answer it can read.
fn connection_dropped() -> Response {
    let failing = futures::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected fault: connection dropped",
        ))
    });
    let mut response = Response::new(Body::from_stream(failing));
    response.extensions_mut().insert(DroppedConnection);
    response
}

/// Marks an answer that drops the connection instead of answering.
#[derive(Debug, Clone, Copy)]
struct DroppedConnection;

/// Whether `response` drops the connection instead of answering.
pub(crate) fn is_dropped(response: &Response) -> bool {
    response.extensions().get::<DroppedConnection>().is_some()
}
