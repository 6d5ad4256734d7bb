//! One call to an API operation, as vendor crates return it: await it as it
//! is, or tune it first with per-call options. A call is `IntoFuture`: it
//! starts when it is awaited (or turned into its future), and a started
//! call has no options left to change.
//!
//! ```
//! use std::time::Duration;
//! use sdk_core::vendor::calls;
//! use sdk_core::{Call, CallOptionsBuilder, Client, Request};
//!
//! # async fn demo(client: Client) -> sdk_core::Result<()> {
//! // What a vendor method returns...
//! let call: Call<serde_json::Value> = calls::json(&client, Request::get("get_thing").segment("42"));
//! // ...awaited with tighter limits than the client's for this one call.
//! let thing = call
//!     .attempt_timeout(Duration::from_secs(2))
//!     .deadline(Duration::from_secs(5))
//!     .max_attempts(2)
//!     .await?;
//! # let _ = thing;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

pub use crate::client::options::{CallLimit, CallOptions};
use crate::client::{Client, Response, within_deadline};
use crate::error::Result;
use crate::request::Request;
use crate::telemetry::{self, Metrics};
use tracing::Instrument;

/// Something that holds the [`CallOptions`] of a call or listing: what
/// [`CallOptionsBuilder`]'s setters write to. Vendor crates implement it on
/// their request builders (it is theirs: [`vendor`](crate::vendor)).
pub trait HasCallOptions {
    /// The options, to change.
    fn call_options_mut(&mut self) -> &mut CallOptions;

    /// Starts from `options` instead of none: a listing's options for the
    /// call of one of its pages. Setters called afterwards still win.
    fn with_call_options(mut self, options: CallOptions) -> Self
    where
        Self: Sized,
    {
        *self.call_options_mut() = options;
        self
    }
}

/// The per-call setters, the same on every call and listing builder of every
/// vendor crate: a call's own limits, correlation id and headers, over the
/// client's settings. In each vendor crate's prelude.
///
/// On a call they apply to the whole call; on a listing, to each page
/// request (a listing as a whole ends when you stop reading its stream).
///
/// ```
/// use std::time::Duration;
/// use sdk_core::vendor::calls;
/// use sdk_core::{Call, CallOptionsBuilder, Client, Request};
///
/// # async fn demo(client: Client) -> sdk_core::Result<()> {
/// let call: Call<serde_json::Value> = calls::json(&client, Request::get("get_thing").segment("42"));
/// let thing = call
///     .attempt_timeout(Duration::from_secs(2))
///     .deadline(Duration::from_secs(5))
///     .max_attempts(2)
///     .correlation_id("order-1234")
///     .await?;
/// # let _ = thing;
/// # Ok(())
/// # }
/// ```
pub trait CallOptionsBuilder: HasCallOptions + Sized {
    /// Limits each attempt to `timeout`, instead of the client's attempt
    /// timeout; `None` sets no attempt timeout for this call. Takes a
    /// `Duration` or an `Option<Duration>`, as the client builders do.
    fn attempt_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.call_options_mut().attempt_timeout = timeout.into().into();
        self
    }

    /// Limits the call, retries and waits included, to `deadline` (for a
    /// listing: each page request); `None` sets no deadline for this call.
    /// Takes a `Duration` or an `Option<Duration>`, as the client builders do.
    fn deadline(mut self, deadline: impl Into<Option<Duration>>) -> Self {
        self.call_options_mut().deadline = deadline.into().into();
        self
    }

    /// Makes at most `attempts` attempts per request (at least 1), instead
    /// of the retry policy's.
    fn max_attempts(mut self, attempts: u32) -> Self {
        self.call_options_mut().max_attempts = Some(attempts.max(1));
        self
    }

    /// Uses `id` as the call's correlation id: recorded on the call's span
    /// (`customer_sdk.correlation_id`) for every vendor, and sent with each
    /// of its requests in the vendor's correlation header, where there is
    /// one (commercetools' `X-Correlation-ID`, instead of a generated id),
    /// or the one the client's builder names (`correlation_id_header`).
    /// The POS Cloud and Flow Retail documents name no such header, so
    /// there nothing is sent unless the builder names one.
    fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.call_options_mut().correlation_id = Some(id.into());
        self
    }

    /// Sends the header `name: value` with every request; a name or value
    /// HTTP cannot carry fails the call, nothing sent.
    fn header(mut self, name: &str, value: impl AsRef<str>) -> Self {
        self.call_options_mut().add_header(name, value.as_ref());
        self
    }
}

impl<T: HasCallOptions> CallOptionsBuilder for T {}

type Start<'a, T> = Box<dyn FnOnce(CallOptions) -> CallFuture<'a, T> + Send + 'a>;

/// What a call made of several requests sends them with: its client and
/// its options, so that every request carries the call's headers and
/// correlation id, counts toward its attempts, and has what is left of its
/// deadline. A vendor crate's `calls::several` closure gets one.
#[derive(Debug)]
pub struct CallSender {
    client: Client,
    options: CallOptions,
}

impl CallSender {
    /// Sends `request` as part of the call (with retries) and returns the
    /// successful response.
    pub fn send(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Response>> + Send + 'static + use<> {
        self.client.send_with(request, &self.options)
    }

    /// Sends `request` as part of the call and decodes the answer's JSON body.
    pub fn send_json<U>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<U>> + Send + 'static + use<U>
    where
        U: serde::de::DeserializeOwned + Send + 'static,
    {
        let sending = self.send(request);
        async move { sending.await?.json() }
    }

    /// Sends `request` as part of the call and decodes the answer's JSON
    /// body, or `None` when the server says there is no such resource (404).
    pub fn send_json_if_found<U>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Option<U>>> + Send + 'static + use<U>
    where
        U: serde::de::DeserializeOwned + Send + 'static,
    {
        let reading = self.send_json(request);
        async move {
            match reading.await {
                Ok(found) => Ok(Some(found)),
                Err(error) if error.is_not_found() => Ok(None),
                Err(error) => Err(error),
            }
        }
    }

    /// Waits `wait` as the client waits between attempts (its `Sleeper`),
    /// within the call's deadline.
    pub fn sleep(&self, wait: Duration) -> futures::future::BoxFuture<'static, ()> {
        self.client.sleep(wait)
    }

    /// The call's options.
    pub fn options(&self) -> &CallOptions {
        &self.options
    }
}

/// The future a call becomes when it is awaited (or turned into one with
/// [`IntoFuture::into_future`], to
/// spawn or join it).
pub type CallFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// A call to one operation, not sent yet: `.await` it, or set per-call
/// limits first. Nothing is sent before it is awaited.
///
/// It is `IntoFuture`, and its future is `Send + 'static`, so it can also
/// be spawned (`tokio::spawn(call.send())`) or joined with others.
/// Options are set before it starts, and it starts once: a call that runs
/// cannot be changed, by construction.
pub type Call<T> = ScopedCall<'static, T>;

/// A [`Call`] that may borrow from its caller for `'a`, such as an update
/// whose closure reads a local variable. Everything else is as for `Call`.
#[must_use = "a call does nothing until it is awaited"]
pub struct ScopedCall<'a, T> {
    options: CallOptions,
    /// Several requests: the deadline bounds all of them together.
    spans_requests: bool,
    operation: &'static str,
    observed: Observed,
    start: Start<'a, T>,
}

/// What the call's span and metrics say about it, beside its operation.
#[derive(Debug, Clone)]
struct Observed {
    vendor: &'static str,
    metrics: Metrics,
    /// The vendor has a correlation id header: the call sends one id with
    /// every request, and its span shows it.
    correlates: bool,
    resource_id: Option<String>,
    /// The client's deadline, for a call that sets none of its own.
    client_deadline: Option<Duration>,
}

impl Observed {
    fn of(client: &Client, resource_id: Option<String>) -> Self {
        // A service that keeps ids and keys out of its traces sees the placeholder.
        let resource_id = resource_id.map(|id| {
            if client.ids_in_spans() {
                id
            } else {
                "{id}".to_owned()
            }
        });
        Self {
            vendor: client.vendor(),
            metrics: client.metrics().clone(),
            correlates: client.sends_correlation_ids(),
            resource_id,
            client_deadline: client.deadline(),
        }
    }
}

impl<'a, T: Send + 'a> ScopedCall<'a, T> {
    fn with_start(
        operation: &'static str,
        spans_requests: bool,
        observed: Observed,
        start: Start<'a, T>,
    ) -> Self {
        Self {
            options: CallOptions::default(),
            spans_requests,
            operation,
            observed,
            start,
        }
    }

    /// A call that sends `request` once (with retries) and reads the answer with `decode`.
    pub(crate) fn new<D>(client: &Client, request: Request, decode: D) -> Self
    where
        D: FnOnce(Response) -> Result<T> + Send + 'a,
    {
        Self::new_fallible(client, request, move |sent| decode(sent?))
    }

    /// A call that sends `request` once (with retries) and reads what came
    /// of it, an answer or an error, with `read`.
    pub(crate) fn new_fallible<R>(client: &Client, request: Request, read: R) -> Self
    where
        R: FnOnce(Result<Response>) -> Result<T> + Send + 'a,
    {
        let client = client.clone();
        let operation = request.operation();
        let mut request = request;
        let observed = Observed::of(&client, request.resource_id.take());
        Self::with_start(
            operation,
            false,
            observed,
            Box::new(move |options| {
                let sending = client.send_with(request, &options);
                Box::pin(async move { read(sending.await) })
            }),
        )
    }

    /// A call made of several requests, which `run` sends through the
    /// [`CallSender`] it is given. The deadline bounds the whole call,
    /// waits between its requests included.
    pub(crate) fn from_fn<F, Fut>(
        client: &Client,
        operation: &'static str,
        resource_id: Option<String>,
        run: F,
    ) -> Self
    where
        F: FnOnce(CallSender) -> Fut + Send + 'a,
        Fut: Future<Output = Result<T>> + Send + 'a,
    {
        let client = client.clone();
        Self::with_start(
            operation,
            true,
            Observed::of(&client, resource_id),
            Box::new(move |options| Box::pin(run(CallSender { client, options }))),
        )
    }

    /// Turns the call's result into another value once it succeeds.
    pub fn map<U, F>(self, f: F) -> ScopedCall<'a, U>
    where
        U: Send + 'a,
        F: FnOnce(T) -> U + Send + 'a,
    {
        let start = self.start;
        let mut mapped = ScopedCall::with_start(
            self.operation,
            self.spans_requests,
            self.observed,
            Box::new(move |options| {
                let running = start(options);
                Box::pin(async move { running.await.map(f) })
            }),
        );
        mapped.options = self.options;
        mapped
    }

    /// Starts the call and returns its future: what `.await` does, for
    /// where a future is needed by name (`tokio::spawn(call.send())`,
    /// `runtime.block_on(call.send())`, joining several).
    pub fn send(self) -> CallFuture<'a, T> {
        self.into_future()
    }

    /// The options set so far.
    pub fn options(&self) -> &CallOptions {
        &self.options
    }

    /// The operation's name, as errors and traces give it.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
}

impl<T> HasCallOptions for ScopedCall<'_, T> {
    fn call_options_mut(&mut self) -> &mut CallOptions {
        &mut self.options
    }
}

impl<'a, T: Send + 'a> IntoFuture for ScopedCall<'a, T> {
    type Output = Result<T>;
    type IntoFuture = CallFuture<'a, T>;

    /// Starts the call, in the span of its operation. A deadline of a call
    /// made of several requests bounds all of them together, waits between
    /// them included.
    fn into_future(self) -> CallFuture<'a, T> {
        let Self {
            mut options,
            spans_requests,
            operation,
            observed,
            start,
        } = self;
        if observed.correlates && options.correlation_id.is_none() {
            options.correlation_id = Some(crate::random::uuid_v4().to_string());
        }
        let named = telemetry::Operation {
            vendor: observed.vendor,
            name: operation,
        };
        // Every vendor's span shows the caller's correlation id; one the
        // SDK generated is shown where it is sent.
        let span = telemetry::operation_span(
            named,
            observed.resource_id.as_deref(),
            options.correlation_id.as_deref(),
        );
        let attempts = Arc::clone(&options.attempts);
        // A call of several requests fixes its end once: each request, and
        // each wait between them, gets what is left of it.
        let limit = options
            .deadline
            .or_client(observed.client_deadline)
            .filter(|_| spans_requests);
        let ends_at = limit.and_then(|limit| {
            let at = tokio::time::Instant::now().checked_add(limit)?;
            Some((at, limit))
        });
        options.ends_at = ends_at;
        let running = start(options);
        let observing = span.clone();
        Box::pin(
            async move {
                let started = telemetry::Timer::start();
                let outcome = match ends_at {
                    Some(ends_at) => within_deadline(operation, ends_at, &attempts, running).await,
                    None => running.await,
                };
                let sent = attempts.load(Ordering::Relaxed);
                let failure = outcome.as_ref().err().map(telemetry::error_type);
                let described = failure.as_deref().zip(outcome.as_ref().err());
                telemetry::end_operation_span(&observing, sent, described);
                let took = started.elapsed();
                observed
                    .metrics
                    .operation_ended(named, took, sent, failure.as_deref());
                outcome
            }
            .instrument(span),
        )
    }
}

impl<T> fmt::Debug for ScopedCall<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.operation)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_and_their_futures_are_send_and_static() {
        fn send_static<T: Send + 'static>(_: &T) {}
        let client = Client::builder("https://api.example.com").build().unwrap();
        let call: Call<serde_json::Value> =
            crate::vendor::calls::json(&client, Request::get("x")).max_attempts(0);
        assert_eq!(call.options().max_attempts, Some(1));
        send_static(&call);
    }
}
