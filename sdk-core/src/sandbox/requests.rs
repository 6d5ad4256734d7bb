//! What a sandbox was sent, on by default and bounded: every request in
//! order with its operation's `url.template`, query, headers (credentials
//! redacted) and body, and the status and headers it was answered with,
//! injected faults included. A test asserts on it what a service sent.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::MAX_REQUEST_BODY_BYTES;

/// The most requests a log keeps: past it, the oldest is dropped.
pub const MAX_RECORDED_REQUESTS: usize = 10_000;

/// The most request body bytes a log keeps in all: past it, a body is not
/// kept (its size still is).
pub const MAX_RECORDED_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Headers that carry credentials in any vendor's API, redacted in a
/// [`RecordedRequest`] beside the ones a sandbox names.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];

/// What a redacted header value reads as.
pub const REDACTED: &str = "[REDACTED]";

/// One request a sandbox received, with what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method, such as `POST`.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The operation's path template, as the SDK's spans give it
    /// (`/{projectKey}/customer-groups/{id}`), when one of the sandbox's
    /// templates matches the path.
    pub template: Option<String>,
    /// The query, as sent (still percent-encoded).
    pub query: Option<String>,
    /// The headers, in order, names in lower case; credential values read
    /// [`REDACTED`].
    pub headers: Vec<(String, String)>,
    /// The body, unless the log's byte cap was reached (see `body_len`).
    pub body: Option<Vec<u8>>,
    /// The body's size in bytes.
    pub body_len: usize,
    /// The status it was answered with (an injected fault's too); `None`
    /// when the connection was dropped without an answer.
    pub status: Option<u16>,
    /// The answer's headers.
    pub response_headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The value of header `name` (any case), if it was sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(sent, _)| sent.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON, when it was kept and is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(self.body.as_deref()?).ok()
    }

    /// Whether this is `method` on the path `template` (see
    /// [`FaultInjector::on`](super::FaultInjector::on) for templates).
    pub fn is(&self, method: &str, template: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
            && super::PathTemplate::new(template).matches(&self.path)
    }
}

/// The requests a sandbox received: cheap to clone, shared with its server.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    kept: Arc<Mutex<Kept>>,
    dropped: Arc<AtomicU64>,
    /// The operations' templates and the vendor's credential headers.
    vendor: Arc<VendorShapes>,
    /// What every answer's `Date` header says.
    clock: super::SandboxClock,
}

/// What a vendor sandbox tells its log about its API.
#[derive(Debug, Default)]
pub(crate) struct VendorShapes {
    pub templates: Vec<super::PathTemplate>,
    pub secret_headers: Vec<String>,
}

#[derive(Debug, Default)]
struct Kept {
    requests: VecDeque<RecordedRequest>,
    body_bytes: usize,
    bodies_dropped: u64,
}

impl RequestLog {
    pub(crate) fn new(vendor: VendorShapes, clock: super::SandboxClock) -> Self {
        Self {
            vendor: Arc::new(vendor),
            clock,
            ..Self::default()
        }
    }

    /// Every request kept, in the order received.
    pub fn all(&self) -> Vec<RecordedRequest> {
        self.lock().requests.iter().cloned().collect()
    }

    /// The requests of `method` on the path `template`, in order.
    pub fn matching(&self, method: &str, template: &str) -> Vec<RecordedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|request| request.is(method, template))
            .cloned()
            .collect()
    }

    /// Forgets every request kept.
    pub fn clear(&self) {
        let mut kept = self.lock();
        kept.requests.clear();
        kept.body_bytes = 0;
    }

    /// How many requests were dropped to keep within [`MAX_RECORDED_REQUESTS`].
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// How many bodies were not kept, past [`MAX_RECORDED_BODY_BYTES`].
    pub fn bodies_dropped(&self) -> u64 {
        self.lock().bodies_dropped
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, mut request: RecordedRequest) {
        let mut kept = self.lock();
        match &request.body {
            Some(body) if kept.body_bytes.saturating_add(body.len()) <= MAX_RECORDED_BODY_BYTES => {
                kept.body_bytes = kept.body_bytes.saturating_add(body.len());
            }
            Some(_) => {
                request.body = None;
                kept.bodies_dropped = kept.bodies_dropped.saturating_add(1);
            }
            None => {}
        }
        kept.requests.push_back(request);
        if kept.requests.len() > MAX_RECORDED_REQUESTS
            && let Some(oldest) = kept.requests.pop_front()
        {
            let size = oldest.body.as_ref().map_or(0, Vec::len);
            kept.body_bytes = kept.body_bytes.saturating_sub(size);
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn headers(&self, headers: &HeaderMap, redact: bool) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(name, value)| {
                let name = name.as_str().to_owned();
                let secret = CREDENTIAL_HEADERS.contains(&name.as_str())
                    || self.vendor.secret_headers.contains(&name);
                let value = if redact && secret {
                    REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name, value)
            })
            .collect()
    }
}

/// The middleware that records each request and its answer.
pub(super) async fn record_request(
    State(log): State<RequestLog>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_REQUEST_BODY_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let path = parts.uri.path().to_owned();
    let template = log
        .vendor
        .templates
        .iter()
        .find(|template| template.matches(&path))
        .map(|template| template.text().to_owned());
    let mut recorded = RecordedRequest {
        method: parts.method.to_string(),
        template,
        query: parts.uri.query().map(str::to_owned),
        headers: log.headers(&parts.headers, true),
        body_len: body.len(),
        body: Some(body.to_vec()),
        path,
        status: None,
        response_headers: Vec::new(),
    };
    let mut response = next.run(Request::from_parts(parts, Body::from(body))).await;
    // The sandbox's clock, not the machine's, dates its answers.
    let date = httpdate::fmt_http_date(log.clock.now());
    if let Ok(date) = axum::http::HeaderValue::from_str(&date) {
        response
            .headers_mut()
            .insert(axum::http::header::DATE, date);
    }
    // A dropped connection answers with a body that fails before its first byte.
    if !super::is_dropped(&response) {
        recorded.status = Some(response.status().as_u16());
        recorded.response_headers = log.headers(response.headers(), false);
    }
    log.push(recorded);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(n: usize, body: usize) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            path: format!("/things/{n}"),
            template: Some("/things/{id}".into()),
            query: None,
            headers: Vec::new(),
            body: Some(vec![b'x'; body]),
            body_len: body,
            status: Some(201),
            response_headers: Vec::new(),
        }
    }

    #[test]
    fn the_log_keeps_the_newest_requests_and_bodies_within_their_caps() {
        let log = RequestLog::default();
        for n in 0..MAX_RECORDED_REQUESTS + 3 {
            log.push(request(n, 1));
        }
        assert_eq!(log.all().len(), MAX_RECORDED_REQUESTS);
        assert_eq!(log.dropped(), 3);
        assert_eq!(log.all()[0].path, "/things/3");
        log.clear();
        // Bodies past the byte cap are not kept; their size and the request are.
        let big = MAX_RECORDED_BODY_BYTES / 2 + 1;
        for n in 0..3 {
            log.push(request(n, big));
        }
        let kept = log.all();
        assert_eq!(kept.len(), 3);
        assert!(kept[0].body.is_some() && kept[1].body.is_none() && kept[2].body.is_none());
        assert_eq!(kept[2].body_len, big);
        assert_eq!(log.bodies_dropped(), 2);
        assert!(kept[0].is("post", "/things/{id}"));
    }
}
