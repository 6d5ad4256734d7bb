//! The HTTP client every vendor crate sends its requests through: URL
//! building, auth, retries, timeouts, error mapping and tracing, once.

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;
use url::{Host, Url};

use crate::auth::{AuthProvider, NoAuth};
use crate::error::{
    DecodeError, Error, ErrorBodyParser, GenericErrorParser, MAX_DECODE_SNIPPET, RateLimited,
    Result, TimeoutError, TimeoutKind, TransportError, api_error_from_response, lossy_prefix,
};
use crate::request::Request;
use crate::retry::{RetryBudget, RetryCause, RetryPolicy, is_transient_server_status};

/// The default per-attempt timeout.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default connect timeout of the HTTP client the SDK builds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default cap on a successful response's body, per response in flight.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 128 * 1024 * 1024;

/// How much of an error response's body is read; the rest is never
/// downloaded (the connection is dropped). Enough for any vendor's error
/// document, small enough that a hostile 100 MiB error page costs nothing.
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// The most redirects [`Redirects::SameOrigin`] follows for one attempt.
pub const MAX_REDIRECT_HOPS: usize = 3;

/// Whether a client follows HTTP redirects.
///
/// The default is [`Redirects::Never`]: vendor credentials travel in custom
/// headers (`X-Token`, ...) that an HTTP client only strips from
/// cross-origin redirects when they are called `Authorization`, so a
/// redirect could carry them, and the customer data in a body, to another
/// host. A 3xx then comes back as an [`Error::Api`] with its status and the
/// origin it pointed to ([`ApiError::redirect_origin`](crate::ApiError::redirect_origin)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Redirects {
    /// Follow none (the default).
    #[default]
    Never,
    /// Follow at most [`MAX_REDIRECT_HOPS`] redirects to the same scheme,
    /// host and port; stop at any other (and so never from `https` to `http`).
    SameOrigin,
}

impl Redirects {
    /// Whether this policy follows hop number `hops` (1 for the first
    /// redirect) of a request first sent to `first`, on to `target`.
    ///
    /// ```
    /// use sdk_core::client::Redirects;
    /// use url::Url;
    ///
    /// let first = Url::parse("https://api.example.com/v2/customers").unwrap();
    /// let to = |s: &str| Url::parse(s).unwrap();
    /// assert!(Redirects::SameOrigin.follows(&first, &to("https://api.example.com/v2/x"), 1));
    /// assert!(!Redirects::SameOrigin.follows(&first, &to("http://api.example.com/v2/x"), 1));
    /// assert!(!Redirects::Never.follows(&first, &to("https://api.example.com/v2/x"), 1));
    /// ```
    pub fn follows(self, first: &Url, target: &Url, hops: usize) -> bool {
        match self {
            Redirects::Never => false,
            Redirects::SameOrigin => hops <= MAX_REDIRECT_HOPS && first.origin() == target.origin(),
        }
    }

    fn reqwest_policy(self) -> reqwest::redirect::Policy {
        match self {
            Redirects::Never => reqwest::redirect::Policy::none(),
            Redirects::SameOrigin => reqwest::redirect::Policy::custom(move |attempt| {
                let previous = attempt.previous();
                let follows = previous
                    .first()
                    .is_some_and(|first| self.follows(first, attempt.url(), previous.len()));
                if follows {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }),
        }
    }
}

/// Sends requests to one API: cheap to clone (everything is behind an `Arc`),
/// `Send + Sync`, and its futures are `Send + 'static`.
///
/// ```
/// use sdk_core::{Client, Request};
///
/// # async fn demo() -> sdk_core::Result<()> {
/// let client = Client::builder("https://api.example.com/v2")
///     .vendor("example")
///     .user_agent(concat!("my-crate/", "1.0.0"))
///     .build()?;
/// let value: serde_json::Value = client
///     .send_json(Request::get("get_thing").segment("things").segment("42"))
///     .await?;
/// # let _ = value;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    http: reqwest::Client,
    base_url: Url,
    auth: Arc<dyn AuthProvider>,
    retry: RetryPolicy,
    budget: Option<RetryBudget>,
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
    user_agent: HeaderValue,
    vendor: &'static str,
    error_parser: Arc<dyn ErrorBodyParser>,
    request_id_headers: Vec<HeaderName>,
    correlation_id_header: Option<HeaderName>,
    default_headers: HeaderMap,
    max_response_bytes: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("vendor", &inner.vendor)
            .field("base_url", &inner.base_url.as_str())
            .field("auth", &inner.auth)
            .field("retry", &inner.retry)
            .field("attempt_timeout", &inner.attempt_timeout)
            .field("deadline", &inner.deadline)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts building a client for the API at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    /// The base URL every request path is appended to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Tokens left in this client's retry budget (`None` when budgeting is off).
    pub fn retry_budget_available(&self) -> Option<u32> {
        self.inner.budget.as_ref().map(RetryBudget::available)
    }

    /// Sends `request` with retries, and returns the successful response.
    ///
    /// Error statuses come back as [`Error::Api`]; the future owns a clone of
    /// the client, so it is `Send + 'static` and can be spawned.
    pub fn send(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Response>> + Send + 'static {
        let client = self.clone();
        async move { client.execute(request).await }
    }

    /// Sends `request` and decodes the JSON body of the successful response into `T`.
    pub fn send_json<T>(&self, request: Request) -> impl Future<Output = Result<T>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let sending = self.send(request);
        async move { sending.await?.json() }
    }

    async fn execute(&self, mut request: Request) -> Result<Response> {
        if let Some(error) = request.build_error.take().or(request.body_error.take()) {
            return Err(error);
        }
        let inner = &*self.inner;
        let span = tracing::info_span!(
            "sdk_request",
            vendor = inner.vendor,
            operation = request.operation,
            method = %request.method,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let deadline = request.deadline.unwrap_or(inner.deadline);
        let operation = request.operation;
        let sent = AtomicU32::new(0);
        let outcome = async {
            let attempts = self.attempts(
                &request,
                deadline.and_then(|limit| started.checked_add(limit)),
                &sent,
            );
            match deadline {
                None => attempts.await,
                Some(limit) => tokio::time::timeout(limit, attempts)
                    .await
                    .unwrap_or_else(|_| {
                        Err(Error::Timeout(Box::new(TimeoutError {
                            operation,
                            kind: TimeoutKind::Deadline,
                            attempts: sent.load(Ordering::Relaxed),
                            limit,
                        })))
                    }),
            }
        }
        .instrument(span.clone())
        .await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.record("elapsed_ms", elapsed_ms);
        outcome
    }

    /// The retry loop: one pass per attempt.
    async fn attempts(
        &self,
        request: &Request,
        deadline: Option<Instant>,
        sent_count: &AtomicU32,
    ) -> Result<Response> {
        let inner = &*self.inner;
        let url = self.url_for(request);
        let correlation_id = inner.correlation_id_header.as_ref().map(|_| {
            request
                .correlation_id
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
        });
        let attempt_timeout = request.attempt_timeout.unwrap_or(inner.attempt_timeout);
        let mut sent: u32 = 0;
        let mut retries: u32 = 0;
        let mut replayed_unauthorized = false;
        loop {
            sent = sent.saturating_add(1);
            sent_count.store(sent, Ordering::Relaxed);
            let span = tracing::Span::current();
            span.record("attempt", sent);
            let headers = self.headers_for(request, correlation_id.as_deref()).await?;
            let outcome = self
                .attempt(request, &url, headers.clone(), attempt_timeout)
                .await;

            let (failure, cause, retry_after) = match outcome {
                Ok(response) => {
                    span.record("status", response.status.as_u16());
                    if response.status.is_success() {
                        if let Some(budget) = &inner.budget {
                            budget.refund_success();
                        }
                        return Ok(response);
                    }
                    let status = response.status;
                    if status == StatusCode::UNAUTHORIZED
                        && !replayed_unauthorized
                        && inner.auth.on_unauthorized(&headers).await
                    {
                        tracing::debug!("401: credentials refreshed, replaying once");
                        replayed_unauthorized = true;
                        continue;
                    }
                    let request_id = inner
                        .request_id_headers
                        .iter()
                        .find_map(|name| response.headers.get(name)?.to_str().ok())
                        .map(str::to_owned)
                        .or_else(|| correlation_id.clone());
                    let api = api_error_from_response(
                        request.operation,
                        &url,
                        status,
                        &response.headers,
                        &response.body,
                        &*inner.error_parser,
                        request_id,
                        sent,
                    );
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS
                        || (request.idempotent && is_transient_server_status(status));
                    let retry_after = api.retry_after;
                    let error = Error::Api(Box::new(api));
                    if !retryable {
                        return Err(error);
                    }
                    (error, RetryCause::Error, retry_after)
                }
                Err(AttemptFailure::Timeout(limit)) => {
                    let error = Error::Timeout(Box::new(TimeoutError {
                        operation: request.operation,
                        kind: TimeoutKind::Attempt,
                        attempts: sent,
                        limit,
                    }));
                    if !request.idempotent {
                        return Err(error);
                    }
                    (error, RetryCause::Timeout, None)
                }
                Err(AttemptFailure::Http(source)) => {
                    let not_sent = source.is_connect();
                    let error = TransportError {
                        operation: request.operation,
                        host: host_of(&url),
                        attempts: sent,
                        what: if not_sent {
                            "could not connect to"
                        } else {
                            "connection failed with"
                        },
                        source: source.without_url(),
                    };
                    if not_sent {
                        (Error::Connect(Box::new(error)), RetryCause::Error, None)
                    } else if request.idempotent {
                        (Error::Transport(Box::new(error)), RetryCause::Error, None)
                    } else {
                        return Err(Error::Transport(Box::new(error)));
                    }
                }
                Err(AttemptFailure::Other(error)) => return Err(error),
            };

            retries = retries.saturating_add(1);
            if retries >= inner.retry.max_attempts() {
                return Err(failure);
            }
            let wait = match inner.retry.delay_before_retry(retries, retry_after) {
                Ok(wait) => wait,
                Err(asked) => {
                    let Error::Api(api) = failure else {
                        return Err(failure);
                    };
                    return Err(Error::RateLimited(Box::new(RateLimited {
                        retry_after: asked,
                        api: *api,
                    })));
                }
            };
            let wakes_at = Instant::now().checked_add(wait);
            if deadline.is_some_and(|deadline| wakes_at.is_none_or(|at| at >= deadline)) {
                tracing::debug!("no retry: the wait would pass the deadline");
                return Err(failure);
            }
            if let Some(budget) = &inner.budget
                && !budget.try_withdraw(cause)
            {
                tracing::warn!("no retry: the client's retry budget is exhausted");
                return Err(failure);
            }
            tracing::info!(
                error = %failure,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: send, then read the whole body, under the attempt timeout.
    async fn attempt(
        &self,
        request: &Request,
        url: &Url,
        headers: HeaderMap,
        timeout: Option<Duration>,
    ) -> std::result::Result<Response, AttemptFailure> {
        let inner = &*self.inner;
        let mut builder = inner
            .http
            .request(request.method.clone(), url.clone())
            .headers(headers);
        if let Some(body) = &request.body {
            builder = builder.body(body.bytes.clone());
        }
        let exchange = async {
            let response = builder.send().await.map_err(AttemptFailure::Http)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = if status.is_success() {
                read_limited(response, inner.max_response_bytes, request.operation).await?
            } else {
                read_prefix(response, MAX_ERROR_BODY_BYTES).await
            };
            Ok(Response {
                operation: request.operation,
                status,
                headers,
                body,
            })
        };
        match timeout {
            None => exchange.await,
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .unwrap_or(Err(AttemptFailure::Timeout(limit))),
        }
    }

    async fn headers_for(
        &self,
        request: &Request,
        correlation_id: Option<&str>,
    ) -> Result<HeaderMap> {
        let inner = &*self.inner;
        let mut headers = inner.default_headers.clone();
        headers.insert(USER_AGENT, inner.user_agent.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(body) = &request.body {
            headers.insert(CONTENT_TYPE, body.content_type.clone());
        }
        if let (Some(name), Some(id)) = (&inner.correlation_id_header, correlation_id) {
            let value = HeaderValue::from_str(id)
                .map_err(|_| Error::invalid_input("correlation id", "not a valid header value"))?;
            headers.insert(name.clone(), value);
        }
        for (name, value) in &request.headers {
            headers.insert(name.clone(), value.clone());
        }
        inner
            .auth
            .authenticate(&mut headers)
            .await
            .map_err(|error| match error {
                Error::Auth(auth) => Error::Auth(auth),
                other => Error::Auth(Box::new(crate::error::AuthError {
                    source: Some(Box::new(other)),
                    ..crate::error::AuthError::new("could not authenticate the request")
                })),
            })?;
        Ok(headers)
    }

    fn url_for(&self, request: &Request) -> Url {
        let mut url = self.inner.base_url.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{}", request.path));
        if !request.query.is_empty() {
            url.set_query(Some(&request.query));
        }
        url
    }
}

enum AttemptFailure {
    Http(reqwest::Error),
    Timeout(Duration),
    Other(Error),
}

async fn read_limited(
    mut response: reqwest::Response,
    max: usize,
    operation: &'static str,
) -> std::result::Result<Bytes, AttemptFailure> {
    let status = response.status();
    let too_large = |snippet: &[u8]| {
        AttemptFailure::Other(Error::Decode(Box::new(DecodeError {
            operation,
            status,
            path: String::new(),
            message: format!("the response is larger than the limit of {max} bytes"),
            snippet: lossy_prefix(snippet, MAX_DECODE_SNIPPET),
        })))
    };
    // A declared length lets the body be read in one piece, without copying.
    if let Some(length) = response.content_length() {
        if usize::try_from(length).map_or(true, |length| length > max) {
            return Err(too_large(&[]));
        }
        return response.bytes().await.map_err(AttemptFailure::Http);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(AttemptFailure::Http)? {
        if body.len().saturating_add(chunk.len()) > max {
            return Err(too_large(&body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Reads at most `max` bytes of an error answer's body and drops the rest
/// with the connection: what is kept of an error never needs more, and a
/// body that breaks off is still an error answer with its status.
async fn read_prefix(mut response: reqwest::Response, max: usize) -> Bytes {
    let mut body = BytesMut::new();
    while body.len() < max {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = max.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    body.freeze()
}

/// A successful answer, body fully read.
#[derive(Clone)]
pub struct Response {
    operation: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl fmt::Debug for Response {
    /// Status and body size only: bodies carry personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl Response {
    /// The HTTP status (always a success here).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Decodes the body as JSON into `T`; a mismatch is an [`Error::Decode`]
    /// naming the JSON path where it failed.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(self.operation, self.status, &self.body)
    }
}

/// Decodes `body` into `T`, reporting the JSON path of any mismatch.
///
/// The body is decoded at full speed first; only a body that fails is
/// decoded again with path tracking, to say where it failed.
pub fn decode_json<T: DeserializeOwned>(
    operation: &'static str,
    status: StatusCode,
    body: &[u8],
) -> Result<T> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        Error::Decode(Box::new(DecodeError {
            operation,
            status,
            path,
            message: error.into_inner().to_string(),
            snippet: lossy_prefix(body, MAX_DECODE_SNIPPET),
        }))
    })
}

/// The transport settings every vendor client offers the same way; vendor
/// builders collect them here and hand them to [`ClientBuilder::options`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Your own `reqwest::Client`.
    pub http: Option<reqwest::Client>,
    /// The retry policy.
    pub retry: Option<RetryPolicy>,
    /// The per-attempt timeout (`Some(None)`: no limit).
    pub attempt_timeout: Option<Option<Duration>>,
    /// The deadline of a whole operation (`Some(None)`: no limit).
    pub deadline: Option<Option<Duration>>,
    /// The connect timeout of the HTTP client the SDK builds.
    pub connect_timeout: Option<Option<Duration>>,
    /// Whether plain `http` is allowed on hosts other than loopback.
    pub allow_insecure: bool,
    /// Whether redirects are followed (default: never).
    pub redirects: Option<Redirects>,
    /// The cap on a successful response's body.
    pub max_response_bytes: Option<usize>,
}

/// Writes the setters of [`ClientOptions`] into a vendor client builder
/// that keeps them in a field named `options`: `http_client`,
/// `retry_policy`, `attempt_timeout`, `deadline`, `connect_timeout`,
/// `allow_insecure`, `redirects` and `max_response_bytes`, the same in every
/// vendor crate.
#[macro_export]
macro_rules! client_options_setters {
    () => {
        /// Uses your own `reqwest::Client` (proxies, TLS roots, pools).
        pub fn http_client(mut self, http: $crate::reqwest::Client) -> Self {
            self.options.http = Some(http);
            self
        }

        /// The retry policy (default: 3 attempts, backoff from 200 ms).
        pub fn retry_policy(mut self, retry: $crate::RetryPolicy) -> Self {
            self.options.retry = Some(retry);
            self
        }

        /// The time one attempt may take (default 30 s; `None`: no limit).
        ///
        /// Tests under tokio's paused clock should turn it off: a pending
        /// timer is advanced at once while a request waits on real I/O.
        pub fn attempt_timeout(mut self, timeout: Option<::std::time::Duration>) -> Self {
            self.options.attempt_timeout = Some(timeout);
            self
        }

        /// The time a whole call may take, retries included (default: no limit).
        pub fn deadline(mut self, deadline: Option<::std::time::Duration>) -> Self {
            self.options.deadline = Some(deadline);
            self
        }

        /// The connect timeout (default 10 s; ignored with your own `reqwest::Client`).
        pub fn connect_timeout(mut self, timeout: Option<::std::time::Duration>) -> Self {
            self.options.connect_timeout = Some(timeout);
            self
        }

        /// Allows plain `http` URLs on hosts other than loopback (test rigs only).
        pub fn allow_insecure(mut self, allow: bool) -> Self {
            self.options.allow_insecure = allow;
            self
        }

        /// Whether API requests follow redirects (default
        /// [`Redirects::Never`]($crate::client::Redirects::Never): a 3xx is an
        /// error naming where it pointed). Token requests never follow any.
        pub fn redirects(mut self, redirects: $crate::client::Redirects) -> Self {
            self.options.redirects = Some(redirects);
            self
        }

        /// The largest successful response body accepted, per response in
        /// flight (default 128 MiB); a larger one fails the call with a
        /// decode error. Error bodies are read up to 64 KiB whatever this says.
        pub fn max_response_bytes(mut self, max: usize) -> Self {
            self.options.max_response_bytes = Some(max);
            self
        }
    };
}

/// Builds a [`Client`].
#[must_use = "a builder does nothing until built"]
pub struct ClientBuilder {
    base_url: String,
    http: Option<reqwest::Client>,
    auth: Arc<dyn AuthProvider>,
    retry: RetryPolicy,
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: String,
    vendor: &'static str,
    error_parser: Arc<dyn ErrorBodyParser>,
    request_id_headers: Vec<HeaderName>,
    correlation_id_header: Option<HeaderName>,
    default_headers: HeaderMap,
    max_response_bytes: usize,
    allow_insecure: bool,
    redirects: Redirects,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &redact_userinfo(&self.base_url))
            .field("vendor", &self.vendor)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            http: None,
            auth: Arc::new(NoAuth),
            retry: RetryPolicy::default(),
            attempt_timeout: Some(DEFAULT_ATTEMPT_TIMEOUT),
            deadline: None,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).into(),
            vendor: "api",
            error_parser: Arc::new(GenericErrorParser),
            request_id_headers: vec![
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("x-correlation-id"),
            ],
            correlation_id_header: None,
            default_headers: HeaderMap::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure: false,
            redirects: Redirects::Never,
        }
    }

    /// Uses your own `reqwest::Client` (proxies, TLS roots, pools). Its own
    /// timeouts then apply beside the SDK's, and so does its redirect
    /// policy: build it with `redirect(reqwest::redirect::Policy::none())`
    /// unless you mean it to follow redirects with your credentials.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// How requests are authenticated (default: no credentials).
    pub fn auth(mut self, auth: impl AuthProvider) -> Self {
        self.auth = Arc::new(auth);
        self
    }

    /// Shares an auth provider with other clients.
    pub fn shared_auth(mut self, auth: Arc<dyn AuthProvider>) -> Self {
        self.auth = auth;
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The time one attempt may take, reading the body included (default 30 s; `None`: no limit).
    ///
    /// Tests that run under tokio's paused clock should turn it off: a
    /// pending timer is advanced at once while a request waits on real I/O.
    pub fn attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The time a whole operation may take, retries included (default: no limit).
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// The connect timeout of the HTTP client the SDK builds (default 10 s;
    /// ignored with [`http_client`](Self::http_client)).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent`, conventionally `<crate>/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The vendor name used in traces.
    pub fn vendor(mut self, vendor: &'static str) -> Self {
        self.vendor = vendor;
        self
    }

    /// How the vendor's error bodies are read (default: [`GenericErrorParser`]).
    pub fn error_parser(mut self, parser: impl ErrorBodyParser) -> Self {
        self.error_parser = Arc::new(parser);
        self
    }

    /// Response headers that carry a request id, checked in order
    /// (default: `X-Request-Id`, `X-Correlation-ID`).
    pub fn request_id_headers(mut self, names: Vec<HeaderName>) -> Self {
        self.request_id_headers = names;
        self
    }

    /// Sends a correlation id in this header with every operation (the same
    /// id on each of its attempts): a new UUID unless the request sets one.
    pub fn correlation_id_header(mut self, name: HeaderName) -> Self {
        self.correlation_id_header = Some(name);
        self
    }

    /// A header sent with every request.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.insert(name, value);
        self
    }

    /// The largest successful response body accepted, per response in
    /// flight (default 128 MiB). Error bodies are read up to
    /// [`MAX_ERROR_BODY_BYTES`] whatever this says.
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Allows a plain `http` base URL on a host other than loopback.
    ///
    /// Credentials then cross the network unencrypted: only for test rigs.
    pub fn allow_insecure(mut self, allow: bool) -> Self {
        self.allow_insecure = allow;
        self
    }

    /// Whether redirects are followed (default [`Redirects::Never`]; ignored
    /// with [`http_client`](Self::http_client), whose own policy applies).
    pub fn redirects(mut self, redirects: Redirects) -> Self {
        self.redirects = redirects;
        self
    }

    /// Applies the settings that are set in `options`.
    pub fn options(mut self, options: &ClientOptions) -> Self {
        if let Some(http) = &options.http {
            self.http = Some(http.clone());
        }
        if let Some(retry) = &options.retry {
            self.retry = retry.clone();
        }
        if let Some(timeout) = options.attempt_timeout {
            self.attempt_timeout = timeout;
        }
        if let Some(deadline) = options.deadline {
            self.deadline = deadline;
        }
        if let Some(timeout) = options.connect_timeout {
            self.connect_timeout = timeout;
        }
        if let Some(redirects) = options.redirects {
            self.redirects = redirects;
        }
        if let Some(max) = options.max_response_bytes {
            self.max_response_bytes = max;
        }
        self.allow_insecure = options.allow_insecure;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let base_url = parse_base_url(&self.base_url, self.allow_insecure)?;
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::invalid_input("user_agent", "not a valid header value"))?;
        let http = match self.http {
            Some(http) => http,
            None => {
                let mut builder =
                    reqwest::Client::builder().redirect(self.redirects.reqwest_policy());
                if let Some(timeout) = self.connect_timeout {
                    builder = builder.connect_timeout(timeout);
                }
                builder.build().map_err(|error| {
                    Error::invalid_input(
                        "http_client",
                        format!("could not build the HTTP client: {error}"),
                    )
                })?
            }
        };
        let budget = self.retry.budget().copied().map(RetryBudget::new);
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                base_url,
                auth: self.auth,
                retry: self.retry,
                budget,
                attempt_timeout: self.attempt_timeout,
                deadline: self.deadline,
                user_agent,
                vendor: self.vendor,
                error_parser: self.error_parser,
                request_id_headers: self.request_id_headers,
                correlation_id_header: self.correlation_id_header,
                default_headers: self.default_headers,
                max_response_bytes: self.max_response_bytes,
            }),
        })
    }
}

/// `host:port` of `url`, for errors: never a path, query or credentials.
fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Parses and checks a base URL: `https`, or `http` on loopback or when allowed.
pub fn parse_base_url(base_url: &str, allow_insecure: bool) -> Result<Url> {
    let url = Url::parse(base_url.trim())
        .map_err(|error| Error::invalid_input("base_url", format!("not a URL: {error}")))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::invalid_input(
            "base_url",
            "must be an absolute http(s) URL with a host",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_input(
            "base_url",
            "must not carry credentials (user:password@host): give them to the client's auth settings",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_input(
            "base_url",
            "must not have a query or fragment",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure || is_loopback(&url) => {}
        "http" => {
            return Err(Error::invalid_input(
                "base_url",
                "must use https (plain http is only allowed for loopback hosts, or when allow_insecure is set)",
            ));
        }
        _ => {
            return Err(Error::invalid_input(
                "base_url",
                "scheme must be https or http",
            ));
        }
    }
    Ok(url)
}

/// `base_url` with any `user:password@` replaced, for `Debug` of a builder
/// that has not checked its URL yet.
fn redact_userinfo(base_url: &str) -> String {
    match Url::parse(base_url.trim()) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            format!("{url} (credentials removed)")
        }
        Ok(url) => url.to_string(),
        Err(_) => "[not a URL]".to_owned(),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert!(parse_base_url("https://api.example.com/v2", false).is_ok());
        assert!(parse_base_url("http://127.0.0.1:8080", false).is_ok());
        assert!(parse_base_url("http://localhost:1", false).is_ok());
        assert!(parse_base_url("http://[::1]:1", false).is_ok());
        assert!(parse_base_url("http://api.example.com", false).is_err());
        assert!(parse_base_url("http://api.example.com", true).is_ok());
        assert!(parse_base_url("ftp://api.example.com", true).is_err());
        assert!(parse_base_url("https://api.example.com/?x=1", false).is_err());
        assert!(parse_base_url("not a url", false).is_err());
        let with_password = parse_base_url("https://user:pw@api.example.com", false).unwrap_err();
        assert!(with_password.to_string().contains("credentials"));
        assert!(!with_password.to_string().contains("pw"));
        assert!(parse_base_url("https://user@api.example.com", false).is_err());
    }

    #[test]
    fn client_and_futures_are_send_sync_static() {
        fn assert_send_sync<T: Send + Sync + 'static>(_: &T) {}
        fn assert_send_static<T: Send + 'static>(_: &T) {}
        let client = Client::builder("https://api.example.com").build().unwrap();
        assert_send_sync(&client);
        assert_send_static(&client.send(Request::get("x")));
        assert_send_static(&client.send_json::<serde_json::Value>(Request::get("x")));
    }

    #[test]
    fn urls_append_encoded_segments_to_the_base_path() {
        let client = Client::builder("https://h.example/api/v3/")
            .build()
            .unwrap();
        let request = Request::get("op")
            .segment("customers")
            .segment("a/b?c#d%e ..");
        let url = client.url_for(&request.query("q", "x y"));
        assert_eq!(
            url.as_str(),
            "https://h.example/api/v3/customers/a%2Fb%3Fc%23d%25e%20..?q=x%20y"
        );
    }
}
