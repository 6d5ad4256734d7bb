//! The retry loop: one pass per attempt. It builds the headers, runs auth,
//! replays a 401 once, asks the [`RetryClassifier`](crate::retry::RetryClassifier)
//! whether a failure is worth another try, then waits, charges the retry
//! budget and keeps the deadline.

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokio::time::Instant;
use url::Url;

use super::response::{AttemptFailure, Response, read_limited, read_prefix};
use super::{Client, MAX_ERROR_BODY_BYTES};
use crate::error::{
    Error, RateLimited, Result, TimeoutError, TimeoutKind, TransportError, TransportFailure,
    api_error_from_response, innermost_cause,
};
use crate::request::Request;
use crate::retry::{Attempt, AttemptOutcome, RetryCause, RetryDecision};

impl Client {
    /// Sends `request` until it succeeds, fails for good, or runs out of
    /// attempts, budget or deadline.
    pub(super) async fn attempts(
        &self,
        request: &Request,
        deadline: Option<Instant>,
        sent_count: &AtomicU32,
    ) -> Result<Response> {
        let inner = &*self.inner;
        let url = self.url_for(request);
        if url.as_str().len() > MAX_URL_BYTES {
            return Err(Error::invalid_input(
                "request URL",
                format!(
                    "is {} bytes long, more than an HTTP request can carry ({MAX_URL_BYTES}): \
                     narrow the query, or split it into several",
                    url.as_str().len()
                ),
            ));
        }
        let correlation_id = inner.profile.correlation_id_header.as_ref().map(|_| {
            request
                .correlation_id
                .clone()
                .unwrap_or_else(|| crate::random::uuid_v4().to_string())
        });
        let attempt_timeout = request.attempt_timeout.unwrap_or(inner.attempt_timeout);
        let max_attempts = request
            .max_attempts
            .unwrap_or_else(|| inner.retry.max_attempts());
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

            let (failure, failed) = match outcome {
                Ok(response) => {
                    span.record("status", response.status().as_u16());
                    self.note_deprecation(request.operation, response.headers());
                    if response.status().is_success() {
                        if let Some(budget) = &inner.budget {
                            budget.refund_success();
                        }
                        return Ok(response);
                    }
                    let status = response.status();
                    if status == StatusCode::UNAUTHORIZED
                        && !replayed_unauthorized
                        && inner.auth.on_unauthorized(&headers).await
                    {
                        tracing::debug!("401: credentials refreshed, replaying once");
                        replayed_unauthorized = true;
                        continue;
                    }
                    let request_id = inner
                        .profile
                        .request_id_headers
                        .iter()
                        .find_map(|name| response.headers().get(name)?.to_str().ok())
                        .map(str::to_owned)
                        .or_else(|| correlation_id.clone());
                    let mut api = api_error_from_response(
                        request.operation,
                        &url,
                        status,
                        response.headers(),
                        response.body(),
                        &*inner.profile.error_parser,
                        request_id,
                        sent,
                    );
                    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
                        api.auth_hint = inner.auth.refusal_hint();
                    }
                    let failed = Failed::Status(status, response.headers().clone());
                    (Error::Api(Box::new(api)), failed)
                }
                Err(AttemptFailure::Timeout(limit)) => {
                    let error = Error::Timeout(Box::new(TimeoutError {
                        operation: request.operation,
                        kind: TimeoutKind::Attempt,
                        attempts: sent,
                        limit,
                    }));
                    (error, Failed::TimedOut)
                }
                // Nothing was written: the request itself cannot be sent.
                Err(AttemptFailure::Http(source)) if source.is_builder() => {
                    return Err(Error::invalid_input(
                        "request",
                        format!("cannot be sent: {}", innermost_cause(&source)),
                    ));
                }
                Err(AttemptFailure::Http(source)) => {
                    let failure = if is_certificate_error(&source) {
                        TransportFailure::Certificate
                    } else if source.is_connect() {
                        TransportFailure::Connect
                    } else {
                        TransportFailure::ConnectionLost
                    };
                    let error = Box::new(TransportError {
                        operation: request.operation,
                        host: host_of(&url),
                        attempts: sent,
                        what: match failure {
                            TransportFailure::Certificate => {
                                "could not verify the TLS certificate of"
                            }
                            TransportFailure::ConnectionLost => "connection failed with",
                            _ => "could not connect to",
                        },
                        failure,
                        proxy: inner.proxies.as_ref().and_then(|p| p.shown_for(&url)),
                        source: source.without_url(),
                    });
                    match failure {
                        // No other attempt can pass the same verification.
                        TransportFailure::Certificate => return Err(Error::Connect(error)),
                        TransportFailure::ConnectionLost => {
                            (Error::Transport(error), Failed::ConnectionLost)
                        }
                        _ => (Error::Connect(error), Failed::NotConnected),
                    }
                }
                Err(AttemptFailure::Other(error)) => return Err(error),
            };

            let cause = match failed {
                Failed::TimedOut => RetryCause::Timeout,
                _ => RetryCause::Error,
            };
            let retry_after = match inner.profile.classifier.classify(&Attempt {
                outcome: failed.outcome(),
                idempotent: request.idempotent,
                operation: request.operation,
                number: sent,
            }) {
                RetryDecision::GiveUp => return Err(failure),
                RetryDecision::Retry => None,
                RetryDecision::RetryAfter(wait) => Some(wait),
            };

            retries = retries.saturating_add(1);
            if retries >= max_attempts {
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
            inner.profile.sleeper.sleep(wait).await;
        }
    }

    /// One attempt: send, then read the body (all of a success, a prefix
    /// of an error), under the attempt timeout.
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
            Ok(Response::new(request.operation, status, headers, body))
        };
        match timeout {
            None => exchange.await,
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .unwrap_or(Err(AttemptFailure::Timeout(limit))),
        }
    }
}

/// How an attempt failed, owned, for the classifier's [`AttemptOutcome`].
enum Failed {
    Status(StatusCode, HeaderMap),
    TimedOut,
    NotConnected,
    ConnectionLost,
}

impl Failed {
    fn outcome(&self) -> AttemptOutcome<'_> {
        match self {
            Failed::Status(status, headers) => AttemptOutcome::Status {
                status: *status,
                headers,
            },
            Failed::TimedOut => AttemptOutcome::TimedOut,
            Failed::NotConnected => AttemptOutcome::NotConnected,
            Failed::ConnectionLost => AttemptOutcome::ConnectionLost,
        }
    }
}

/// The longest URL an HTTP request line can carry here (the `http` crate's
/// limit on a URI).
const MAX_URL_BYTES: usize = 65_534;

/// Whether `error` is a TLS certificate the client could not verify:
/// rustls' own error where it can be reached, and the text every TLS
/// library gives such a failure otherwise.
fn is_certificate_error(error: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    // Bounded: a cyclic source chain must not hang the caller.
    for _ in 0..32 {
        let Some(cause) = current else { break };
        #[cfg(feature = "rustls")]
        {
            let tls = cause.downcast_ref::<rustls::Error>().or_else(|| {
                cause
                    .downcast_ref::<std::io::Error>()?
                    .get_ref()?
                    .downcast_ref::<rustls::Error>()
            });
            if let Some(tls) = tls {
                return matches!(
                    tls,
                    rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
                );
            }
        }
        if cause.to_string().contains("certificate") {
            return true;
        }
        current = cause.source();
    }
    false
}

/// `host:port` of `url`, for errors: never a path, query or credentials.
fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}
