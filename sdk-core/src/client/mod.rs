//! The HTTP client every vendor crate sends its requests through: URL
//! building, auth, retries, timeouts, error mapping and tracing, once.

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use crate::auth::AuthProvider;
use crate::error::{Error, ErrorBodyParser, Result, TimeoutError, TimeoutKind};
use crate::request::Request;
use crate::retry::{RetryBudget, RetryClassifier, RetryPolicy, Sleeper};
use crate::telemetry::Metrics;
use options::CallOptions;

mod attempt;
pub(crate) mod builder;
pub(crate) mod options;
mod profile;
mod proxy;
pub(crate) mod response;
pub(crate) mod settings;
mod skeleton;
mod tls;

pub use builder::ClientBuilder;
pub use profile::{COMMON_PLAIN_QUERY_PARAMETERS, VendorProfile};
pub use response::Response;
pub(crate) use settings::KeepAlive;
pub use settings::{
    ClientSettings, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    HasClientSettings, MAX_ERROR_BODY_BYTES, MAX_REDIRECT_HOPS, Redirects,
};
pub use skeleton::ClientSkeleton;
pub use tls::{IntoHttpClient, http_client_builder};

/// `<crate>/<version>` of the crate this is written in, for
/// [`ClientBuilder::user_agent`].
#[doc(hidden)]
#[macro_export]
macro_rules! user_agent {
    () => {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    };
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
    /// The environment's proxies, when the SDK built `http` (for errors).
    proxies: Option<Arc<proxy::EnvironmentProxies>>,
    /// Whether `http` is the caller's own, whose proxies are not known.
    own_http_client: bool,
    base_url: Url,
    auth: Arc<dyn AuthProvider>,
    retry: RetryPolicy,
    budget: Option<RetryBudget>,
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
    user_agent: HeaderValue,
    profile: ApiProfile,
    max_response_bytes: usize,
    /// Whether spans show resource ids and keys, or their templates.
    ids_in_spans: bool,
    metrics: Metrics,
    /// What paces this client's requests (perhaps shared with others).
    governor: crate::governor::Governor,
    /// The operations whose deprecation notice was logged already.
    deprecations_logged: std::sync::Mutex<std::collections::HashSet<&'static str>>,
    /// What this client keeps alive (the sandbox it talks to); never read.
    _keep_alive: Option<KeepAlive>,
}

/// What a client knows of its API: the vendor's profile, and how it waits
/// and the headers it adds.
struct ApiProfile {
    vendor: &'static str,
    error_parser: Arc<dyn ErrorBodyParser>,
    classifier: Arc<dyn RetryClassifier>,
    sleeper: Arc<dyn Sleeper>,
    request_id_headers: Vec<HeaderName>,
    correlation_id_header: Option<HeaderName>,
    deprecation_header: Option<HeaderName>,
    default_headers: HeaderMap,
    /// Query parameters whose values `url.full` shows.
    plain_query_parameters: &'static [&'static str],
}

impl ApiProfile {
    /// The profile `vendor` describes, waiting on tokio's timer, no default headers.
    fn of(vendor: &VendorProfile) -> Self {
        Self {
            vendor: vendor.name,
            error_parser: Arc::clone(&vendor.error_parser),
            classifier: Arc::clone(&vendor.retry_classifier),
            sleeper: Arc::new(crate::retry::TokioSleeper),
            request_id_headers: vendor.request_id_headers.clone(),
            correlation_id_header: vendor.correlation_id_header.clone(),
            deprecation_header: vendor.deprecation_header.clone(),
            default_headers: HeaderMap::new(),
            plain_query_parameters: vendor.plain_query_parameters,
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("vendor", &inner.profile.vendor)
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
        self.send_with(request, &CallOptions::default())
    }

    /// Sends `request` as part of a call with its own `options` (limits,
    /// correlation id, headers), which win over the client's settings.
    pub fn send_with(
        &self,
        request: Request,
        options: &CallOptions,
    ) -> impl Future<Output = Result<Response>> + Send + 'static + use<> {
        let client = self.clone();
        let limits = self.limits_for(options);
        let mut request = request;
        for (name, value) in &options.headers {
            request = request.header(name.clone(), value.clone());
        }
        if let Some(invalid) = &options.refused {
            request = request.check(Err(invalid.clone()));
        }
        async move { client.execute(request, limits).await }
    }

    /// Sends `request` and decodes the JSON body of the successful response into `T`.
    pub fn send_json<T>(&self, request: Request) -> impl Future<Output = Result<T>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let sending = self.send(request);
        async move { sending.await?.json() }
    }

    /// Sends `request` and drops the successful response's body: for
    /// answers without one, such as `204 No Content`.
    pub fn send_empty(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let sending = self.send(request);
        async move { sending.await.map(drop) }
    }

    async fn execute(&self, mut request: Request, limits: Limits) -> Result<Response> {
        if let Some(error) = request.build_error.take().or(request.body_error.take()) {
            return Err(error);
        }
        let operation = request.operation;
        let sent = AtomicU32::new(0);
        let ends_at = limits.ends_at;
        let attempts = self.attempts(&request, &limits, ends_at.map(|(at, _)| at), &sent);
        match ends_at {
            // The call's own timer ends it at the same instant, and its
            // error names the call and counts all of its attempts.
            Some(_) if limits.ends_with_call => attempts.await,
            Some(ends_at) => within_deadline(operation, ends_at, &sent, attempts).await,
            None => attempts.await,
        }
    }

    /// Waits `wait` as this client waits between attempts (its
    /// [`Sleeper`]), so that a test that records or skips the client's
    /// waits sees this one too: for a vendor crate's own waits inside a
    /// call, such as a re-read that lags behind.
    pub fn sleep(&self, wait: Duration) -> futures::future::BoxFuture<'static, ()> {
        self.inner.profile.sleeper.sleep(wait)
    }

    /// Whether spans show resource ids and keys, or their templates.
    pub(crate) fn ids_in_spans(&self) -> bool {
        self.inner.ids_in_spans
    }

    /// The client's deadline for a whole call.
    pub(crate) fn deadline(&self) -> Option<Duration> {
        self.inner.deadline
    }

    /// The vendor name of this client, as traces and metrics give it.
    pub(crate) fn vendor(&self) -> &'static str {
        self.inner.profile.vendor
    }

    /// Whether requests carry a correlation id (the vendor has a header for one).
    pub(crate) fn sends_correlation_ids(&self) -> bool {
        self.inner.profile.correlation_id_header.is_some()
    }

    /// The instruments this client records to.
    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The governor every request of this client goes through (shared with
    /// its clones and with clients built with the same handle): its
    /// [`state`](crate::governor::Governor::state) shows what it is doing.
    pub fn governor(&self) -> &crate::governor::Governor {
        &self.inner.governor
    }

    /// What a request of a call with `options` is sent under: the call's
    /// own settings where it has them, the client's otherwise. Resolved here
    /// and nowhere else.
    fn limits_for(&self, options: &CallOptions) -> Limits {
        let inner = &*self.inner;
        // A request of a call of several has what is left of the call;
        // any other, its deadline from now.
        let ends_at = options.ends_at.or_else(|| {
            let limit = options.deadline.or_client(inner.deadline)?;
            Some((Instant::now().checked_add(limit)?, limit))
        });
        Limits {
            attempt_timeout: options.attempt_timeout.or_client(inner.attempt_timeout),
            ends_at,
            ends_with_call: options.ends_at.is_some(),
            max_attempts: options
                .max_attempts
                .unwrap_or_else(|| inner.retry.max_attempts()),
            correlation_id: options.correlation_id.clone(),
            call_attempts: Arc::clone(&options.attempts),
        }
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

/// What one request is sent under, resolved against the client's settings.
#[derive(Debug)]
struct Limits {
    attempt_timeout: Option<Duration>,
    /// When the request, retries and waits included, must be done, and
    /// the deadline that set it (a call of several requests sets it once
    /// for all of them).
    ends_at: Option<(Instant, Duration)>,
    /// Whether `ends_at` is the end of a call of several requests, which
    /// has a timer of its own.
    ends_with_call: bool,
    max_attempts: u32,
    /// The call's own correlation id; `None` generates one.
    correlation_id: Option<String>,
    /// Attempts sent by every request of the call this request belongs to.
    call_attempts: Arc<AtomicU32>,
}

/// Runs `work` until `ends_at`'s instant; past it, a deadline timeout of
/// `operation` (whose deadline was `ends_at`'s limit) that reports the
/// `attempts` counted so far.
pub(crate) async fn within_deadline<T>(
    operation: &'static str,
    (ends_at, limit): (Instant, Duration),
    attempts: &AtomicU32,
    work: impl Future<Output = Result<T>>,
) -> Result<T> {
    tokio::time::timeout_at(ends_at, work)
        .await
        .unwrap_or_else(|_| {
            Err(Error::Timeout(Box::new(TimeoutError {
                operation,
                kind: TimeoutKind::Deadline,
                attempts: attempts.load(Ordering::Relaxed),
                limit,
            })))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::builder::parse_base_url;

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
