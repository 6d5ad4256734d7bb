//! What the SDK tells the services that embed it: spans through `tracing`,
//! always, and metrics through OpenTelemetry with the feature `opentelemetry`.
//!
//! # Spans
//!
//! Spans cost nothing measurable when no subscriber listens: their fields are
//! computed only for a subscriber that wants them. Names and fields follow
//! the stable OpenTelemetry HTTP client conventions, so
//! [`tracing-opentelemetry`](https://docs.rs/tracing-opentelemetry) exports
//! them as real client spans (`otel.name`, `otel.kind`, `otel.status_code`
//! are the fields it reads).
//!
//! - **One span per SDK operation** (`customer_sdk.operation`, `INFO`), named
//!   `{vendor}.{operation}` (`ct.update_customer_group`): fields
//!   `customer_sdk.vendor`, `customer_sdk.operation`,
//!   `customer_sdk.resource_id` (where the call names one),
//!   `customer_sdk.correlation_id` (for vendors that send one: every request
//!   of the call sends the same), `customer_sdk.attempts` (HTTP requests sent
//!   for the whole call), `customer_sdk.outcome` (`ok`, or the `error.type`),
//!   and `otel.status_code = "ERROR"` with `error.type` when it failed.
//! - **A child span per HTTP attempt** (`http.request`, `INFO`), named
//!   `{METHOD} {url.template}` (`POST /{projectKey}/customer-groups/{id}`):
//!   `otel.kind = "client"`, `http.request.method`, `server.address`,
//!   `server.port`, `url.full` (query values replaced by `REDACTED` except
//!   paging and sorting ones; a base URL never holds credentials),
//!   `url.template`, `http.response.status_code`, `error.type` (the status
//!   code, or `timeout`, `connect`, `tls`, `connection_lost`, `decode` for an
//!   answer too large to read, `invalid_request`), `http.request.resend_count` from the second request
//!   on, `user_agent.original`, and `otel.status_code = "ERROR"` for 4xx, 5xx
//!   and failures. OAuth2 token requests have attempt spans of their own.
//!   A listing's page fetches run in the caller's span.
//!
//! Numbers are recorded as `i64`, which `tracing-opentelemetry` exports as
//! integers (it exports unsigned ones as text).
//!
//! No span field holds a header, a body, a token, a secret or a query value
//! that could carry personal data.
//!
//! # Metrics (feature `opentelemetry`)
//!
//! Recorded through the `opentelemetry` crate's global meter provider, with
//! the instrumentation scope `customer-sdk-core` and its version. A client
//! creates its instruments when it is built: install the provider first.
//! Until one is installed, nothing is recorded.
//!
//! | instrument | kind, unit | attributes |
//! |---|---|---|
//! | `http.client.request.duration` | histogram, `s` (the conventions' buckets) | `http.request.method`, `server.address`, `server.port`, `url.template`, `http.response.status_code` or `error.type` |
//! | `http.client.active_requests` | up-down counter, `{request}` | `http.request.method`, `server.address`, `server.port`, `url.template` |
//! | `customer_sdk.operation.duration` | histogram, `s` | `customer_sdk.vendor`, `customer_sdk.operation`, `error.type` on failure |
//! | `customer_sdk.operation.attempts` | histogram, `{attempt}` | vendor, operation |
//! | `customer_sdk.retries` | counter, `{retry}` | vendor, operation, `customer_sdk.retry.reason` (the failed attempt's `error.type`) |
//! | `customer_sdk.token.requests` | counter, `{request}` | vendor, operation |
//! | `customer_sdk.listing.pages` | counter, `{page}` | vendor, operation |
//! | `customer_sdk.listing.incomplete` | counter, `{listing}` | vendor, operation |
//! | `customer_sdk.governor.waits` | counter, `{request}` | vendor |
//! | `customer_sdk.governor.throttles_avoided` | counter, `{request}`: held back while the server's headers said it would refuse them | vendor |
//! | `customer_sdk.governor.concurrency_limit` | gauge, `{request}` | vendor |
//! | `customer_sdk.governor.rate` | gauge, `{request}/s` | vendor |

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::borrow::Cow;
use std::fmt;

use reqwest::{Method, StatusCode};
use tracing::Span;
use tracing::field::Empty;
use url::Url;

use crate::error::{Error, TransportFailure};

mod metrics;

pub use crate::escape::Escaped;
pub(crate) use metrics::{AttemptEnd, Metrics, Timer};

/// The short class of an error, as `error.type` gives it.
pub(crate) fn error_type(error: &Error) -> Cow<'static, str> {
    let class = match error {
        Error::Api(api) => return Cow::Owned(api.status.as_u16().to_string()),
        Error::RateLimited(_) => "429",
        Error::Timeout(_) => "timeout",
        Error::Connect(transport) | Error::Transport(transport) => match transport.failure {
            TransportFailure::Certificate => "tls",
            TransportFailure::Connect => "connect",
            _ => "connection_lost",
        },
        Error::InvalidInput(_) => "invalid_request",
        Error::Auth(_) => "auth",
        Error::Decode(_) => "decode",
        Error::IncompleteListing(_) => "incomplete_listing",
        Error::Setup(_) => "setup",
        Error::Taken(_) => "taken",
        Error::Checkpoint(_) => "checkpoint",
    };
    Cow::Borrowed(class)
}

/// What names one SDK operation in its span and metrics.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operation {
    pub vendor: &'static str,
    pub name: &'static str,
}

/// The span of one SDK operation.
pub(crate) fn operation_span(
    operation: Operation,
    resource_id: Option<&str>,
    correlation_id: Option<&str>,
) -> Span {
    tracing::info_span!(
        "customer_sdk.operation",
        otel.name = %format_args!("{}.{}", operation.vendor, operation.name),
        otel.kind = "internal",
        otel.status_code = Empty,
        otel.status_description = Empty,
        customer_sdk.vendor = operation.vendor,
        customer_sdk.operation = operation.name,
        customer_sdk.resource_id = resource_id.map(|id| tracing::field::display(Escaped(id))),
        customer_sdk.correlation_id = correlation_id.map(|id| tracing::field::display(Escaped(id))),
        customer_sdk.attempts = Empty,
        customer_sdk.outcome = Empty,
        error.type = Empty,
    )
}

/// Records how an operation ended on its span: its outcome, and for a
/// failure its `error.type` and the error as the status description.
pub(crate) fn end_operation_span(span: &Span, attempts: u32, failure: Option<(&str, &Error)>) {
    // As i64: tracing-opentelemetry exports unsigned numbers as text.
    span.record("customer_sdk.attempts", i64::from(attempts));
    match failure {
        None => {
            span.record("customer_sdk.outcome", "ok");
        }
        Some((error_type, error)) => {
            span.record("customer_sdk.outcome", error_type);
            span.record("error.type", error_type);
            span.record("otel.status_code", "ERROR");
            span.record(
                "otel.status_description",
                tracing::field::display(Escaped(error)),
            );
        }
    }
}

/// Where one HTTP request goes, as spans and metrics name it.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint<'a> {
    pub method: &'a Method,
    pub url: &'a Url,
    /// The path with its ids and parameters as `{placeholders}`.
    pub template: UrlTemplate<'a>,
    /// Query parameters whose values `url.full` shows (the vendor's).
    pub plain_query_parameters: &'a [&'a str],
}

/// `url.template`: the base URL's path, then the request's template;
/// written out only for a subscriber or an instrument that records it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UrlTemplate<'a> {
    pub base_path: &'a str,
    pub path: &'a str,
}

impl fmt::Display for UrlTemplate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base_path)?;
        f.write_str(self.path)
    }
}

impl Endpoint<'_> {
    pub(crate) fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    pub(crate) fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or_default()
    }
}

/// The span of one HTTP attempt; `resend_count` is 0 for the first
/// request. Without `ids_shown`, `url.full` shows the path's template.
pub(crate) fn attempt_span(
    endpoint: &Endpoint<'_>,
    resend_count: u32,
    user_agent: &reqwest::header::HeaderValue,
    ids_shown: bool,
) -> Span {
    let url_full = RedactedUrl {
        url: endpoint.url,
        template: (!ids_shown).then_some(endpoint.template),
        plain: endpoint.plain_query_parameters,
    };
    tracing::info_span!(
        "http.request",
        otel.name = %format_args!("{} {}", endpoint.method, endpoint.template),
        otel.kind = "client",
        otel.status_code = Empty,
        otel.status_description = Empty,
        http.request.method = %endpoint.method,
        server.address = endpoint.host(),
        server.port = i64::from(endpoint.port()),
        url.full = %url_full,
        url.template = %endpoint.template,
        http.request.resend_count = (resend_count > 0).then_some(i64::from(resend_count)),
        user_agent.original = user_agent.to_str().unwrap_or_default(),
        http.response.status_code = Empty,
        error.type = Empty,
    )
}

/// How an attempt failed, as its span records it.
pub(crate) enum AttemptFailure<'a> {
    /// An answer with an error status.
    Status(StatusCode),
    /// No answer: the `error.type` and the error.
    Error(&'a str, &'a Error),
}

/// Records how an attempt ended on its span: the status it was answered
/// with, if any, and for a failure its `error.type` and a status description.
pub(crate) fn end_attempt_span(
    span: &Span,
    status: Option<StatusCode>,
    failure: Option<AttemptFailure<'_>>,
) {
    if let Some(status) = status {
        span.record("http.response.status_code", i64::from(status.as_u16()));
    }
    match failure {
        None => {}
        Some(AttemptFailure::Status(status)) => {
            span.record("error.type", status.as_str());
            span.record("otel.status_code", "ERROR");
            span.record(
                "otel.status_description",
                tracing::field::display(format_args!("answered {status}")),
            );
        }
        Some(AttemptFailure::Error(error_type, error)) => {
            span.record("error.type", error_type);
            span.record("otel.status_code", "ERROR");
            span.record(
                "otel.status_description",
                tracing::field::display(Escaped(error)),
            );
        }
    }
}

/// The `error.type` of an answer's status: the code, for 4xx and 5xx.
pub(crate) fn status_error_type(status: StatusCode) -> Option<String> {
    (status.is_client_error() || status.is_server_error()).then(|| status.as_u16().to_string())
}

/// A URL as `url.full` shows it: query values replaced by `REDACTED`
/// except the plain paging and sorting ones, no user or password; with a
/// template, the path as its template (ids and keys as placeholders).
struct RedactedUrl<'a> {
    url: &'a Url,
    template: Option<UrlTemplate<'a>>,
    /// Query parameters whose values are shown.
    plain: &'a [&'a str],
}

impl fmt::Display for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.url;
        write!(
            f,
            "{}://{}",
            url.scheme(),
            url.host_str().unwrap_or_default()
        )?;
        if let Some(port) = url.port() {
            write!(f, ":{port}")?;
        }
        match self.template {
            Some(template) => write!(f, "{template}")?,
            None => f.write_str(url.path())?,
        }
        let Some(query) = url.query() else {
            return Ok(());
        };
        for (index, pair) in query.split('&').enumerate() {
            f.write_str(if index == 0 { "?" } else { "&" })?;
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if self.plain.contains(&name) || value.is_empty() {
                write!(f, "{name}={value}")?;
            } else {
                write!(f, "{name}=REDACTED")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_full_keeps_paging_values_and_hides_the_rest() {
        let url = Url::parse(
            "https://api.example.com:8443/p/customer-groups?where=name%3D%22Ann%22&limit=20&var.name=Ann&withTotal=false",
        )
        .unwrap();
        assert_eq!(
            RedactedUrl {
                url: &url,
                template: None,
                plain: crate::client::COMMON_PLAIN_QUERY_PARAMETERS,
            }
            .to_string(),
            "https://api.example.com:8443/p/customer-groups?where=REDACTED&limit=20&var.name=REDACTED&withTotal=false"
        );
        let plain = Url::parse("https://user:pw@h.example/x").unwrap();
        assert_eq!(
            RedactedUrl {
                url: &plain,
                template: None,
                plain: crate::client::COMMON_PLAIN_QUERY_PARAMETERS,
            }
            .to_string(),
            "https://h.example/x"
        );
    }
}
