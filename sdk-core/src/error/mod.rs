//! The one error type of the SDK, and the hook through which a vendor crate
//! reads its own error bodies.
//!
//! Every variant says where the failure happened, and so whether the request
//! may have reached the server: that decides whether a caller may safely try
//! a non-idempotent operation again.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::escape::Escaped;

pub(crate) mod body;

pub(crate) use body::{ErrorBodyParser, GenericErrorParser, api_error_from_response, lossy_prefix};

/// How much of an error body an [`ApiError`] keeps.
pub const MAX_KEPT_BODY: usize = 4 * 1024;

/// How much of a body a [`DecodeError`] quotes.
pub const MAX_DECODE_SNIPPET: usize = 512;

/// Result alias used across the SDK.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling a vendor API.
///
/// Match on the variant to learn *where* it failed; use the helpers
/// ([`status`](Error::status), [`is_retryable`](Error::is_retryable),
/// [`is_not_found`](Error::is_not_found), [`is_conflict`](Error::is_conflict),
/// [`request_may_have_been_sent`](Error::request_may_have_been_sent)) when the
/// question is simpler.
///
/// ```
/// use sdk_core::Error;
///
/// fn explain(err: &Error) -> &'static str {
///     if err.is_not_found() {
///         "nothing there"
///     } else if err.is_conflict() {
///         "someone else changed it: read it again"
///     } else if !err.request_may_have_been_sent() {
///         "nothing reached the server: safe to try again"
///     } else {
///         "failed"
///     }
/// }
/// # let _ = explain;
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The SDK refused the input before sending anything.
    #[error("invalid input: {0}")]
    InvalidInput(#[from] InvalidInput),

    /// Credentials could not be obtained or were rejected.
    #[error(transparent)]
    Auth(Box<AuthError>),

    /// No connection could be made (DNS, TCP connect, TLS handshake): the request was not sent.
    #[error(transparent)]
    Connect(Box<TransportError>),

    /// An attempt, or the whole operation, ran out of time. The request may have been sent.
    #[error(transparent)]
    Timeout(Box<TimeoutError>),

    /// The connection failed after the request may have been sent (reset, closed early, body error).
    #[error(transparent)]
    Transport(Box<TransportError>),

    /// The server answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The server asked the client to wait longer than the configured maximum before trying again.
    #[error(transparent)]
    RateLimited(Box<RateLimited>),

    /// A successful response did not have the expected shape.
    #[error(transparent)]
    Decode(Box<DecodeError>),

    /// A listing could not be walked to its end, or the server's answers
    /// contradict each other (a total that is not reached, a page or item
    /// seen twice, ids out of order). The items already yielded are real,
    /// but the listing is *not* complete: never treat what was missed as
    /// deleted.
    #[error(transparent)]
    IncompleteListing(Box<IncompleteListing>),

    /// Something the SDK needed on this machine could not be set up, such
    /// as an in-process sandbox that could not listen on a loopback port or
    /// start its thread. Nothing was sent.
    #[error(transparent)]
    Setup(Box<SetupError>),

    /// The state asked for needs a unique value (a name, a key) that
    /// another resource holds. Reconciling ([`crate::reconcile`]) never
    /// adopts, renames or changes that other resource: free the value, or
    /// ask for another. Nothing was written.
    #[error(transparent)]
    Taken(Box<Taken>),

    /// A change feed's checkpoint could not be read or saved
    /// ([`crate::feed::CheckpointStore`]). Nothing was sent for it; the
    /// feed's position is as last saved.
    #[error(transparent)]
    Checkpoint(Box<CheckpointError>),
}

impl Error {
    /// The HTTP status of the response that caused this error, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::RateLimited(limited) => Some(limited.api.status),
            Error::Decode(decode) => Some(decode.status),
            Error::Auth(auth) => auth.status,
            _ => None,
        }
    }

    /// The vendor's error, when the server answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            Error::RateLimited(limited) => Some(&limited.api),
            _ => None,
        }
    }

    /// Whether trying the same call again later may succeed: connection
    /// failures, timeouts, 429 and 5xx answers.
    ///
    /// This says nothing about whether a retry is *safe*: for a
    /// non-idempotent call also check
    /// [`request_may_have_been_sent`](Error::request_may_have_been_sent).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect(transport) => transport.failure != TransportFailure::Certificate,
            Error::Timeout(_) | Error::Transport(_) | Error::RateLimited(_) => true,
            Error::Api(api) => crate::protocol::is_retryable_status(api.status),
            Error::Auth(auth) => auth
                .status
                .is_some_and(crate::protocol::is_retryable_status),
            Error::InvalidInput(_)
            | Error::Decode(_)
            | Error::IncompleteListing(_)
            | Error::Setup(_)
            | Error::Taken(_)
            | Error::Checkpoint(_) => false,
        }
    }

    /// Whether the server said the resource does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether the server reported a conflict (409), such as a stale version.
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT)
    }

    /// Whether the server is limiting the request rate: a 429 still
    /// failing after the retries, or a `Retry-After` longer than the client
    /// accepts ([`Error::RateLimited`]). Wait before calling again.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimited(_))
            || self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// Whether an attempt or the whole call ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_))
    }

    /// Whether credentials are the problem: they could not be obtained
    /// ([`Error::Auth`]), or the API refused them (401, 403; the status is
    /// kept in [`status`](Error::status)).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Auth(_))
            || matches!(
                self.status(),
                Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
            )
    }

    /// Whether the request may have reached the server.
    ///
    /// `false` means nothing was sent (invalid input, no connection, no
    /// credentials), so any call, even a create, can safely be made again.
    pub fn request_may_have_been_sent(&self) -> bool {
        match self {
            Error::InvalidInput(_) | Error::Connect(_) | Error::Setup(_) | Error::Checkpoint(_) => {
                false
            }
            Error::Auth(auth) => auth.api_request_sent,
            Error::Timeout(_)
            | Error::Transport(_)
            | Error::Api(_)
            | Error::RateLimited(_)
            | Error::Decode(_)
            | Error::IncompleteListing(_)
            | Error::Taken(_) => true,
        }
    }

    /// Whether the server may have acted on the request although no
    /// answer said how: an attempt timed out, the connection was lost
    /// after the request was sent, or a 5xx answered (a gateway's 502,
    /// 503 or 504 can come after the server applied it). A write that
    /// fails so is settled by reading back what it wrote, not by sending
    /// it again blindly; the vendor crates' `ensure` does that.
    ///
    /// A 4xx is an answer: the server refused the request and did not act.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::Timeout(_) | Error::Transport(_) => true,
            _ => self.status().is_some_and(|status| status.is_server_error()),
        }
    }

    /// The vendor's error code (for example `ConcurrentModification`), when the body carried one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Auth(auth) => auth.error.as_deref(),
            _ => self.api().and_then(|api| api.code.as_deref()),
        }
    }

    /// Builds an [`Error::IncompleteListing`] for `operation`, saying why
    /// the listing cannot be completed (counts are filled in by the stream).
    pub fn incomplete_listing(operation: &'static str, reason: impl Into<String>) -> Self {
        Error::IncompleteListing(Box::new(IncompleteListing {
            operation,
            reason: reason.into(),
            items: 0,
            pages: 0,
        }))
    }

    /// Builds an [`Error::InvalidInput`] for `field` breaking `rule`.
    pub fn invalid_input(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::InvalidInput(InvalidInput::new(field, rule))
    }
}

impl From<ApiError> for Error {
    fn from(api: ApiError) -> Self {
        Error::Api(Box::new(api))
    }
}

impl From<AuthError> for Error {
    fn from(auth: AuthError) -> Self {
        Error::Auth(Box::new(auth))
    }
}

impl From<DecodeError> for Error {
    fn from(decode: DecodeError) -> Self {
        Error::Decode(Box::new(decode))
    }
}

/// Why a listing ended before its end: see [`Error::IncompleteListing`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{operation}: the listing is incomplete after {items} item(s) on {pages} page(s): {}",
    Escaped(.reason)
)]
#[non_exhaustive]
pub struct IncompleteListing {
    /// The listing operation, such as `query_customer_groups`.
    pub operation: &'static str,
    /// What the server did, and where there is one, what to use instead.
    pub reason: String,
    /// Items yielded before the listing stopped.
    pub items: u64,
    /// Pages received before the listing stopped.
    pub pages: u64,
}

/// A checkpoint that could not be read or saved: see [`Error::Checkpoint`].
#[derive(Debug, thiserror::Error)]
#[error("checkpoint `{}`: {what}", Escaped(.name))]
#[non_exhaustive]
pub struct CheckpointError {
    /// The checkpoint's name.
    pub name: String,
    /// What failed, such as `could not be saved` or `is not a checkpoint of this feed`.
    pub what: String,
    /// The store's error, when there is one.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl CheckpointError {
    /// Checkpoint `name`: `what` failed, because of `source`.
    pub fn new(
        name: impl Into<String>,
        what: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            name: name.into(),
            what: what.into(),
            source,
        }
    }
}

impl From<CheckpointError> for Error {
    fn from(checkpoint: CheckpointError) -> Self {
        Error::Checkpoint(Box::new(checkpoint))
    }
}

/// A unique value held by another resource: see [`Error::Taken`].
///
/// ```
/// use sdk_core::error::Taken;
///
/// let taken = Taken::new("name", "Gold", "6f1c0e4a", Some("gold-members".to_owned()));
/// assert!(taken.to_string().contains("6f1c0e4a"));
/// let error = sdk_core::Error::from(taken);
/// assert!(!error.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {field} `{}` is held by another resource, id `{}`{}: it is never adopted or changed; free the {field} there or ask for another",
    Escaped(.value),
    Escaped(.holder_id),
    HolderKey(.holder_key.as_deref())
)]
#[non_exhaustive]
pub struct Taken {
    /// The unique field, as the API names it (`name`).
    pub field: &'static str,
    /// The value asked for.
    pub value: String,
    /// The id of the resource that holds it.
    pub holder_id: String,
    /// That resource's key, when it has one.
    pub holder_key: Option<String>,
}

impl Taken {
    /// `field` = `value` is held by the resource `holder_id` (key `holder_key`).
    pub fn new(
        field: &'static str,
        value: impl Into<String>,
        holder_id: impl Into<String>,
        holder_key: Option<String>,
    ) -> Self {
        Self {
            field,
            value: value.into(),
            holder_id: holder_id.into(),
            holder_key,
        }
    }
}

impl From<Taken> for Error {
    fn from(taken: Taken) -> Self {
        Error::Taken(Box::new(taken))
    }
}

/// `, key `k`` when the holder has a key.
struct HolderKey<'a>(Option<&'a str>);

impl std::fmt::Display for HolderKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(key) => write!(f, ", key `{}`", Escaped(key)),
            None => Ok(()),
        }
    }
}

/// What could not be set up on this machine: see [`Error::Setup`].
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
#[non_exhaustive]
pub struct SetupError {
    /// What the SDK was setting up, such as `the POS sandbox could not
    /// listen on a loopback port`.
    pub what: String,
    /// The operating system's error.
    #[source]
    pub source: std::io::Error,
}

impl From<SetupError> for Error {
    fn from(setup: SetupError) -> Self {
        Error::Setup(Box::new(setup))
    }
}

/// Input the SDK refused before sending anything: which field, which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
#[non_exhaustive]
pub struct InvalidInput {
    /// The field at fault, as a path such as `addresses[0].zip`.
    pub field: String,
    /// The rule it breaks, such as `at most 50 characters`.
    pub rule: String,
}

impl InvalidInput {
    /// A refusal of `field` for breaking `rule`.
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

/// Credentials could not be obtained, for example the OAuth token endpoint refused them.
///
/// Carries the OAuth `error` and `error_description` when the token endpoint
/// sent them; never the secret itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct AuthError {
    /// What the SDK was doing, such as `fetch OAuth token`.
    pub context: String,
    /// The status of the token endpoint's answer, when it answered.
    pub status: Option<StatusCode>,
    /// The OAuth `error` code (`invalid_client`, `invalid_scope`, ...).
    pub error: Option<String>,
    /// The OAuth `error_description`.
    pub error_description: Option<String>,
    /// Whether the API request itself may have been sent (false when the
    /// token could not be had before sending it).
    pub api_request_sent: bool,
    /// The underlying failure, when it was not an answer from the token endpoint.
    #[source]
    pub source: Option<Box<Error>>,
}

impl AuthError {
    /// An auth failure described by `context` alone.
    pub fn new(context: impl Into<String>) -> Self {
        Self {
            context: context.into(),
            status: None,
            error: None,
            error_description: None,
            api_request_sent: false,
            source: None,
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "authentication failed: {}", self.context)?;
        if let Some(status) = self.status {
            write!(f, " ({status})")?;
        }
        if let Some(error) = &self.error {
            write!(f, ": {}", Escaped(error))?;
        }
        if let Some(description) = &self.error_description {
            write!(f, ": {}", Escaped(description))?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

/// A failure of the connection itself, with how many attempts were made.
///
/// `Display` names the host, the proxy it went through (if any) and the
/// innermost cause (connection refused, a DNS failure, a TLS certificate
/// problem), so a log line says what to fix.
#[derive(Debug, thiserror::Error)]
#[error(
    "{operation}: {what} {host}{} after {attempts} attempt(s): {}",
    through_proxy(proxy.as_deref(), *own_http_client),
    Escaped(innermost_cause(source))
)]
#[non_exhaustive]
pub struct TransportError {
    /// The operation, such as `get_customer`.
    pub operation: &'static str,
    /// The host and port the request went to (never a path or query).
    pub host: String,
    /// How many attempts were made in all.
    pub attempts: u32,
    /// `could not connect to`, `could not verify the TLS certificate of` or
    /// `connection failed with`.
    pub what: &'static str,
    /// Which part of the exchange failed.
    pub failure: TransportFailure,
    /// The proxy the request went through (`scheme://host:port`, never
    /// credentials), when the SDK's own HTTP client took one from the
    /// environment.
    pub proxy: Option<String>,
    /// Whether the request went through a `reqwest::Client` of the
    /// caller's own, whose proxies the SDK cannot see: a connect failure
    /// may then be its proxy's, and `Display` says so.
    pub own_http_client: bool,
    /// The HTTP client's error, without the URL (URLs may carry personal data in query values).
    #[source]
    pub source: reqwest::Error,
}

fn through_proxy(proxy: Option<&str>, own_http_client: bool) -> String {
    match proxy {
        Some(proxy) => format!(" through the proxy {proxy}"),
        None if own_http_client => {
            " (or a proxy your own HTTP client goes through: the SDK cannot see its proxies)"
                .to_owned()
        }
        None => String::new(),
    }
}

/// Which part of an exchange failed, for a [`TransportError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// No connection could be made (DNS, TCP connect, a proxy, the TLS
    /// handshake): nothing was sent. Retried.
    Connect,
    /// The server's TLS certificate could not be verified (an unknown
    /// issuer, a name it is not valid for, expired): nothing was sent, and
    /// trying again cannot help until the certificate or the trusted roots
    /// change, so it is never retried.
    Certificate,
    /// The connection failed after the request may have been sent.
    ConnectionLost,
}

/// The last error in `error`'s source chain: the one that says what happened
/// (`Connection refused`, `invalid peer certificate`), not `error sending request`.
pub(crate) fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = error;
    // Bounded: a cyclic source chain must not hang the caller.
    for _ in 0..32 {
        match innermost.source() {
            Some(next) => innermost = next,
            None => break,
        }
    }
    innermost.to_string()
}

/// Which clock ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// One attempt took longer than the per-attempt timeout.
    Attempt,
    /// The whole operation, retries included, passed its deadline.
    Deadline,
}

/// An attempt or the whole operation ran out of time.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct TimeoutError {
    /// The operation, such as `get_customer`.
    pub operation: &'static str,
    /// Which clock ran out.
    pub kind: TimeoutKind,
    /// How many attempts were made in all.
    pub attempts: u32,
    /// The limit that was passed.
    pub limit: Duration,
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let which = match self.kind {
            TimeoutKind::Attempt => "attempt timeout",
            TimeoutKind::Deadline => "deadline",
        };
        write!(
            f,
            "{}: timed out ({which} of {:?}) after {} attempt(s); the request may have been sent",
            self.operation, self.limit, self.attempts
        )
    }
}

/// The server answered with an error status.
///
/// `Display` shows the server's code, message and request id with every
/// control, line separator and reordering character escaped, so that a
/// logged error stays one line whatever the server sent; the fields hold
/// the text as it came.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation, such as `get_customer`.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: StatusCode,
    /// The vendor's error code, when the body carried one.
    pub code: Option<String>,
    /// The vendor's human-readable message, when the body carried one.
    pub message: Option<String>,
    /// The request or correlation id, from the response header or, failing
    /// that, the one the SDK sent.
    pub request_id: Option<String>,
    /// How long the server asked the client to wait (`Retry-After`).
    pub retry_after: Option<Duration>,
    /// The HTTP method of the request, which says whether it could have
    /// changed anything (GET, HEAD and OPTIONS cannot).
    pub method: reqwest::Method,
    /// The body as the JSON text it came as, when it was JSON: vendor
    /// crates read their typed error details from it. Kept as text, it
    /// costs its own size (at most [`MAX_ERROR_BODY_BYTES`](crate::client::MAX_ERROR_BODY_BYTES)),
    /// where a parsed tree of the same bytes can cost 80 times that;
    /// [`details_value`](Self::details_value) parses it on demand.
    pub details: Option<crate::json::RawJson>,
    /// The raw body, cut to [`MAX_KEPT_BODY`] bytes (lossy UTF-8).
    pub body: String,
    /// How many attempts were made in all.
    pub attempts: u32,
    /// Whether this answer came to a replay of a request an earlier
    /// attempt of which may have reached the server (its answer was an
    /// error that is retried, or was lost to a timeout or a broken
    /// connection). For a write, that attempt may have been applied: a
    /// conflict or a 404 may be the trace of your own change.
    pub replayed: bool,
    /// For a redirect (3xx) that was not followed: the origin it pointed to
    /// (`scheme://host:port`, never a path, query or credentials).
    pub redirect_origin: Option<String>,
    /// For a 401 or 403: what the client's auth knows about why, such as
    /// the OAuth scopes asked for that the token was not granted.
    pub auth_hint: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation, self.status)?;
        // Some vendors put the status itself in their code field: say it once.
        if let Some(code) = self
            .code
            .as_ref()
            .filter(|code| code.trim() != self.status.as_str())
        {
            write!(f, " {}", Escaped(code))?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", Escaped(message))?;
        }
        if let Some(origin) = &self.redirect_origin {
            write!(f, ": redirect to {origin} not followed")?;
        } else if self.status.is_redirection() {
            write!(f, ": redirect not followed")?;
        }
        if let Some(hint) = &self.auth_hint {
            write!(f, " ({})", Escaped(hint))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {})", Escaped(id))?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        if self.replayed {
            // A replayed write that fails may still have had an earlier copy applied.
            f.write_str(if self.is_read() {
                "; an earlier attempt may have reached the server"
            } else {
                "; an earlier attempt may have been applied"
            })?;
        }
        Ok(())
    }
}

impl ApiError {
    /// The error body parsed as a JSON value, when it was JSON (parsed on
    /// each call: [`details`](Self::details) keeps the text).
    pub fn details_value(&self) -> Option<serde_json::Value> {
        self.details.as_ref().map(crate::json::RawJson::to_value)
    }

    /// Whether the request only read (GET, HEAD, OPTIONS): it changed
    /// nothing, however often it was sent.
    pub fn is_read(&self) -> bool {
        matches!(
            self.method,
            reqwest::Method::GET | reqwest::Method::HEAD | reqwest::Method::OPTIONS
        )
    }
}

impl std::error::Error for ApiError {}

/// The server asked for a longer wait than the client is configured to accept.
#[derive(Debug, thiserror::Error)]
#[error("rate limited: the server asks to wait {retry_after:?} before trying again; {api}")]
#[non_exhaustive]
pub struct RateLimited {
    /// How long the server asked to wait.
    pub retry_after: Duration,
    /// The answer that asked for it.
    pub api: ApiError,
}

/// A successful response that did not decode into the expected type.
#[derive(Debug, thiserror::Error)]
#[error(
    "{operation}: could not decode the {status} response at `{}`: {}",
    Escaped(.path),
    Escaped(.message)
)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation, such as `get_customer`.
    pub operation: &'static str,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The JSON path where decoding failed, such as `customers[3].birthday`.
    pub path: String,
    /// What was wrong there.
    pub message: String,
    /// The start of the body (at most [`MAX_DECODE_SNIPPET`] bytes). Not shown by `Display`:
    /// bodies carry personal data.
    pub snippet: String,
}
