//! One attempt at a request: its headers and credentials, the exchange
//! (send, then a capped read under the attempt timeout), a single replay of
//! a 401 the credentials could refresh, and the mapping of what came back to
//! an answer or an [`Error`]. The retry loop around it is
//! [`retry::run`](crate::retry), which knows nothing of HTTP.

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use tokio::time::Instant;
use url::Url;

use super::response::{ExchangeError, Response, read_limited, read_prefix};
use super::{Client, Limits, MAX_ERROR_BODY_BYTES};
use crate::error::{
    AuthError, Error, Result, TimeoutError, TimeoutKind, TransportError, TransportFailure,
    api_error_from_response, body::AnsweredRequest, innermost_cause,
};
use crate::governor;
use crate::request::Request;
use crate::retry::run::{Attempted, Failure, Retrying, retry_loop};
use crate::telemetry::{self, AttemptEnd, AttemptFailure, Endpoint, Timer, UrlTemplate};
use tracing::Instrument;

/// The longest URL an HTTP request line can carry here (the `http` crate's
/// limit on a URI).
const MAX_URL_BYTES: usize = 65_534;

/// What every attempt of one call shares.
struct CallContext<'a> {
    request: &'a Request,
    url: Url,
    correlation_id: Option<String>,
    attempt_timeout: Option<Duration>,
    /// The base URL's path, which comes before the request's template in
    /// traces and metrics.
    base_path: &'a str,
    /// Requests sent so far, replays included: what errors report.
    sent: &'a AtomicU32,
    /// Attempts sent by every request of the call.
    call_attempts: &'a AtomicU32,
    /// Whether an attempt so far may have reached the server and been
    /// acted on: its answer was an error status other than a 401 the
    /// credentials mended, or it was lost to a timeout or a broken
    /// connection. A later answer is then to a replay.
    reached_server: AtomicBool,
}

impl Client {
    /// Sends `request` until it succeeds, fails for good, or runs out of
    /// attempts, budget or deadline.
    pub(super) async fn attempts(
        &self,
        request: &Request,
        limits: &Limits,
        deadline: Option<Instant>,
        sent: &AtomicU32,
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
            limits
                .correlation_id
                .clone()
                .unwrap_or_else(|| crate::random::uuid_v4().to_string())
        });
        let call = CallContext {
            request,
            url,
            base_path: inner.base_url.path().trim_end_matches('/'),
            correlation_id,
            attempt_timeout: limits.attempt_timeout,
            sent,
            call_attempts: &limits.call_attempts,
            reached_server: AtomicBool::new(false),
        };
        let retrying = Retrying {
            operation: request.operation,
            idempotent: request.idempotent,
            max_attempts: limits.max_attempts,
            policy: &inner.retry,
            classifier: &*inner.profile.classifier,
            budget: inner.budget.as_ref(),
            sleeper: &*inner.profile.sleeper,
            deadline,
            on_retry: &|reason| {
                let operation = telemetry::Operation {
                    vendor: inner.profile.vendor,
                    name: request.operation,
                };
                inner.metrics.retried(operation, reason);
            },
        };
        retry_loop(retrying, |_, slept_to| self.attempt(&call, slept_to)).await
    }

    /// One attempt, noting whether it may have reached the server.
    async fn attempt(
        &self,
        call: &CallContext<'_>,
        slept_to: Option<Instant>,
    ) -> Attempted<Response> {
        let attempted = self.attempt_once(call, slept_to).await;
        if let Attempted::Failed(_, failure) = &attempted
            && failure.may_have_reached_server()
        {
            call.reached_server.store(true, Ordering::Relaxed);
        }
        attempted
    }

    /// One attempt, with one replay of a 401 when the credentials say a
    /// fresh try may pass.
    async fn attempt_once(
        &self,
        call: &CallContext<'_>,
        slept_to: Option<Instant>,
    ) -> Attempted<Response> {
        let mut replayed_unauthorized = false;
        loop {
            let sent = call.sent.fetch_add(1, Ordering::Relaxed).saturating_add(1);
            call.call_attempts.fetch_add(1, Ordering::Relaxed);
            let headers = match self.headers_for(call).await {
                Ok(headers) => headers,
                Err(error) => return Attempted::Final(error),
            };
            let exchange = self.observed_exchange(call, headers.clone(), sent, slept_to);
            let response = match exchange.await {
                Ok(response) => response,
                Err(failed) => return failed,
            };
            let status = response.status();
            self.note_deprecation(call.request.operation, response.headers());
            if status.is_success() {
                return Attempted::Done(response);
            }
            if status == StatusCode::UNAUTHORIZED
                && !replayed_unauthorized
                && self.inner.auth.on_unauthorized(&headers).await
            {
                tracing::debug!("401: credentials refreshed, replaying once");
                replayed_unauthorized = true;
                continue;
            }
            return self.api_failure(call, &response, sent);
        }
    }

    /// The exchange of request number `sent`, in its own client span and
    /// timed for `http.client.request.duration`: an answer of any status,
    /// or how the attempt failed.
    async fn observed_exchange(
        &self,
        call: &CallContext<'_>,
        headers: HeaderMap,
        sent: u32,
        slept_to: Option<Instant>,
    ) -> std::result::Result<Response, Attempted<Response>> {
        let endpoint = Endpoint {
            method: &call.request.method,
            url: &call.url,
            template: UrlTemplate {
                base_path: call.base_path,
                path: &call.request.template,
            },
            plain_query_parameters: self.inner.profile.plain_query_parameters,
        };
        let span = telemetry::attempt_span(
            &endpoint,
            sent.saturating_sub(1),
            &self.inner.user_agent,
            self.inner.ids_in_spans,
        );
        let metrics = &self.inner.metrics;
        // Waiting for a permit counts against the call's deadline (the
        // whole call runs under it), not against the attempt's timeout,
        // which starts with the exchange.
        let sleeper = &*self.inner.profile.sleeper;
        let permit = self.inner.governor.acquire(sleeper, slept_to).await;
        if permit.waited {
            metrics.governor_waited(self.inner.profile.vendor);
        }
        if permit.throttle_avoided {
            metrics.governor_avoided_throttle(self.inner.profile.vendor);
        }
        let started = Timer::start();
        let exchanged = {
            let _active = metrics.request_started(&endpoint);
            self.exchange(call, headers).instrument(span.clone()).await
        };
        let took = started.elapsed();
        let changed = permit.finish(&match &exchanged {
            Ok(response) => governor::Outcome {
                status: Some(response.status()),
                headers: Some(response.headers()),
                timed_out: false,
            },
            Err(failure) => governor::Outcome {
                status: None,
                headers: None,
                timed_out: matches!(failure, ExchangeError::Timeout(_)),
            },
        });
        if let Some((limit, rate)) = changed {
            metrics.governor_changed(self.inner.profile.vendor, limit, rate);
        }
        match exchanged {
            Ok(response) => {
                let status = response.status();
                // An answer the call expects (the 404 of an existence check) is no failure.
                let failed = telemetry::status_error_type(status).is_some()
                    && call.request.expected_status != Some(status);
                let failure = failed.then_some(AttemptFailure::Status(status));
                telemetry::end_attempt_span(&span, Some(status), failure);
                metrics.request_ended(&endpoint, took, AttemptEnd::Answered(status.as_u16()));
                Ok(response)
            }
            Err(failure) => {
                let failed = self.exchange_failure(call, failure, sent);
                if let Attempted::Failed(error, _) | Attempted::Final(error) = &failed {
                    let error_type = telemetry::error_type(error);
                    let failure = AttemptFailure::Error(&error_type, error);
                    telemetry::end_attempt_span(&span, None, Some(failure));
                    metrics.request_ended(&endpoint, took, AttemptEnd::Failed(&error_type));
                }
                Err(failed)
            }
        }
    }

    /// The headers of one attempt: the client's, the call's, and the
    /// credentials the auth provider adds.
    async fn headers_for(&self, call: &CallContext<'_>) -> Result<HeaderMap> {
        let inner = &*self.inner;
        let request = call.request;
        let mut headers = inner.profile.default_headers.clone();
        headers.insert(USER_AGENT, inner.user_agent.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(body) = &request.body {
            headers.insert(CONTENT_TYPE, body.content_type.clone());
        }
        if let (Some(name), Some(id)) = (&inner.profile.correlation_id_header, &call.correlation_id)
        {
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
                other => Error::Auth(Box::new(AuthError {
                    source: Some(Box::new(other)),
                    ..AuthError::new("could not authenticate the request")
                })),
            })?;
        Ok(headers)
    }

    /// Send, then read the body (all of a success, a prefix of an error),
    /// under the attempt timeout.
    async fn exchange(
        &self,
        call: &CallContext<'_>,
        headers: HeaderMap,
    ) -> std::result::Result<Response, ExchangeError> {
        let inner = &*self.inner;
        let request = call.request;
        let mut builder = inner
            .http
            .request(request.method.clone(), call.url.clone())
            .headers(headers);
        if let Some(body) = &request.body {
            builder = builder.body(body.bytes.clone());
        }
        let exchange = async {
            let response = builder.send().await.map_err(ExchangeError::Http)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = if status.is_success() {
                read_limited(response, inner.max_response_bytes, request.operation).await?
            } else {
                read_prefix(response, MAX_ERROR_BODY_BYTES).await
            };
            Ok(Response::new(request.operation, status, headers, body))
        };
        match call.attempt_timeout {
            None => exchange.await,
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .unwrap_or(Err(ExchangeError::Timeout(limit))),
        }
    }

    /// An answer with an error status, as the vendor's API error.
    fn api_failure(
        &self,
        call: &CallContext<'_>,
        response: &Response,
        sent: u32,
    ) -> Attempted<Response> {
        let inner = &*self.inner;
        let status = response.status();
        let request_id = inner
            .profile
            .request_id_headers
            .iter()
            .find_map(|name| response.headers().get(name)?.to_str().ok())
            .map(str::to_owned)
            .or_else(|| call.correlation_id.clone());
        let answered = AnsweredRequest {
            operation: call.request.operation,
            method: &call.request.method,
            url: &call.url,
            request_id,
            attempts: sent,
            replayed: call.reached_server.load(Ordering::Relaxed),
        };
        let mut api = api_error_from_response(
            answered,
            status,
            response.headers(),
            response.body(),
            &*inner.profile.error_parser,
        );
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            api.auth_hint = inner.auth.refusal_hint();
        }
        let failure = Failure::Status(status, response.headers().clone(), api.code.clone());
        Attempted::Failed(Error::Api(Box::new(api)), failure)
    }

    /// An exchange that brought no answer: a timeout, a connection that
    /// failed, a request that cannot be sent, or an answer too large.
    fn exchange_failure(
        &self,
        call: &CallContext<'_>,
        failure: ExchangeError,
        sent: u32,
    ) -> Attempted<Response> {
        let operation = call.request.operation;
        let source = match failure {
            ExchangeError::Timeout(limit) => {
                let error = Error::Timeout(Box::new(TimeoutError {
                    operation,
                    kind: TimeoutKind::Attempt,
                    attempts: sent,
                    limit,
                }));
                return Attempted::Failed(error, Failure::TimedOut);
            }
            ExchangeError::Other(error) => return Attempted::Final(error),
            // Nothing was written: the request itself cannot be sent.
            ExchangeError::Http(source) if source.is_builder() => {
                let why = format!("cannot be sent: {}", innermost_cause(&source));
                return Attempted::Final(Error::invalid_input("request", why));
            }
            ExchangeError::Http(source) => source,
        };
        let (kind, what) = if is_certificate_error(&source) {
            let what = "could not verify the TLS certificate of";
            (TransportFailure::Certificate, what)
        } else if source.is_connect() {
            (TransportFailure::Connect, "could not connect to")
        } else {
            (TransportFailure::ConnectionLost, "connection failed with")
        };
        let error = Box::new(TransportError {
            operation,
            host: host_of(&call.url),
            attempts: sent,
            what,
            failure: kind,
            proxy: self
                .inner
                .proxies
                .as_ref()
                .and_then(|p| p.shown_for(&call.url)),
            own_http_client: self.inner.own_http_client,
            source: source.without_url(),
        });
        match kind {
            // No other attempt can pass the same verification.
            TransportFailure::Certificate => Attempted::Final(Error::Connect(error)),
            TransportFailure::ConnectionLost => {
                Attempted::Failed(Error::Transport(error), Failure::ConnectionLost)
            }
            TransportFailure::Connect => {
                Attempted::Failed(Error::Connect(error), Failure::NotConnected)
            }
        }
    }

    /// Logs the API's deprecation notice for `operation`, the first time
    /// an answer to it carries one.
    fn note_deprecation(&self, operation: &'static str, headers: &HeaderMap) {
        let inner = &*self.inner;
        let Some(notice) = inner
            .profile
            .deprecation_header
            .as_ref()
            .and_then(|name| headers.get(name))
        else {
            return;
        };
        let first = inner
            .deprecations_logged
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(operation);
        if first {
            tracing::warn!(
                operation,
                notice = %telemetry::Escaped(String::from_utf8_lossy(notice.as_bytes())),
                "the API reports this operation as deprecated"
            );
        }
    }
}

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
