//! The transport settings every client shares, written once: the API
//! client, the OAuth token client and every vendor client builder hold a
//! [`ClientSettings`] and offer the same setters for it, written by one
//! macro (`client_settings_setters!`).

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::proxy::EnvironmentProxies;
use crate::retry::RetryPolicy;

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

/// How a client reaches its server: HTTP client, retries, timeouts,
/// redirects and body caps.
///
/// One value serves every client of the SDK: a vendor builder hands it to
/// the API client and, for OAuth vendors, to the token client, so both
/// speak to their servers the same way. Build one to share settings between
/// vendor clients:
///
/// ```
/// use std::time::Duration;
/// use sdk_core::client::ClientSettings;
/// use sdk_core::{Client, RetryPolicy};
///
/// let settings = ClientSettings::default()
///     .with_retry(RetryPolicy::default().with_max_attempts(5))
///     .with_deadline(Some(Duration::from_secs(60)));
/// let client = Client::builder("https://api.example.com").settings(settings.clone()).build()?;
/// assert_eq!(client.retry_policy().max_attempts(), 5);
/// # Ok::<(), sdk_core::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientSettings {
    /// Your own `reqwest::Client` (proxies, TLS roots, pools); `None`: the SDK builds one.
    pub http: Option<reqwest::Client>,
    /// The retry policy.
    pub retry: RetryPolicy,
    /// The time one attempt may take, reading the body included (`None`: no limit).
    pub attempt_timeout: Option<Duration>,
    /// The time a whole call may take, retries included (`None`: no limit).
    pub deadline: Option<Duration>,
    /// The connect timeout of the HTTP client the SDK builds (`None`: no limit).
    pub connect_timeout: Option<Duration>,
    /// Whether plain `http` is allowed on hosts other than loopback.
    pub allow_insecure: bool,
    /// Whether API requests follow redirects. Token requests never do.
    pub redirects: Redirects,
    /// The largest successful response body accepted, per response in flight.
    pub max_response_bytes: usize,
    /// Whether spans show the ids and keys of the resources a call names
    /// (`url.full`, `customer_sdk.resource_id`); off, they show the
    /// request's `url.template` and `{id}` instead.
    pub ids_in_spans: bool,
    /// The header a call's correlation id is sent in, over the vendor's
    /// own (commercetools: `X-Correlation-ID`; POS Cloud and Flow Retail
    /// name none, so nothing is sent there unless this is set).
    pub correlation_id_header: Option<reqwest::header::HeaderName>,
    /// What paces the requests of the clients built with these settings
    /// (`None`: each client its own [`Governor::adaptive`](crate::governor::Governor::adaptive));
    /// clients given one handle share it.
    pub governor: Option<crate::governor::Governor>,
    /// Something the clients built with these settings keep alive, such as
    /// the in-process sandbox they talk to.
    pub(crate) keep_alive: Option<KeepAlive>,
    /// A setting that cannot be used: building a client fails with it.
    pub(crate) refused_header: Option<crate::error::InvalidInput>,
}

/// Something a client keeps alive for as long as it (or a clone) exists:
/// an in-process sandbox's server, so that a client made by a sandbox
/// never outlives it.
#[derive(Clone)]
// Held only to be dropped with the client: never read.
pub(crate) struct KeepAlive(#[allow(dead_code)] Arc<dyn std::any::Any + Send + Sync>);

impl KeepAlive {
    /// Keeps `value` alive with every client that holds this.
    #[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
    pub(crate) fn new(value: Arc<dyn std::any::Any + Send + Sync>) -> Self {
        Self(value)
    }
}

impl std::fmt::Debug for KeepAlive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeepAlive")
    }
}

impl Default for ClientSettings {
    /// The SDK's own HTTP client, [`RetryPolicy::default`], 30 s per attempt,
    /// no deadline, 10 s to connect, `https` only off loopback, no
    /// redirects, 128 MiB per successful body, ids shown in spans, the
    /// vendor's own correlation header.
    fn default() -> Self {
        Self {
            http: None,
            retry: RetryPolicy::default(),
            attempt_timeout: Some(DEFAULT_ATTEMPT_TIMEOUT),
            deadline: None,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            allow_insecure: false,
            redirects: Redirects::Never,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            ids_in_spans: true,
            correlation_id_header: None,
            governor: None,
            keep_alive: None,
            refused_header: None,
        }
    }
}

impl ClientSettings {
    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the per-attempt timeout.
    pub fn with_attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Sends each call's correlation id in the header `name` (see
    /// [`correlation_id_header`](Self::correlation_id_header)). A name
    /// that is not a valid header, or one that frames or routes a request,
    /// fails building a client with these settings.
    pub fn with_correlation_id_header(mut self, name: &str) -> Self {
        let parsed = crate::http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| {
                crate::error::InvalidInput::new(
                    format!("correlation_id_header {name}"),
                    "not a valid HTTP header name",
                )
            })
            .and_then(|parsed| crate::headers::check_settable(&parsed).map(|()| parsed));
        match parsed {
            Ok(parsed) => self.correlation_id_header = Some(parsed),
            Err(refused) => self.refused_header = Some(refused),
        }
        self
    }

    /// Keeps `value` alive with every client built from these settings.
    #[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
    pub(crate) fn with_keep_alive(mut self, value: KeepAlive) -> Self {
        self.keep_alive = Some(value);
        self
    }

    /// These settings in place of `previous`, as a builder's `settings(..)`
    /// sets them: still keeping alive what `previous` kept (a sandbox's
    /// server), unless they keep something themselves.
    pub fn replacing(mut self, previous: &ClientSettings) -> Self {
        if self.keep_alive.is_none() {
            self.keep_alive = previous.keep_alive.clone();
        }
        self
    }

    /// Sets the largest successful response body accepted.
    pub fn with_max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Sets the deadline of a whole call.
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Builds the HTTP client these settings ask for (the caller's own
    /// client, if given, keeps its own policies).
    /// With the SDK's own client, also the environment's proxies it uses
    /// (loopback hosts never go through them), for naming them in errors.
    pub(crate) fn http_client(
        &self,
    ) -> crate::Result<(reqwest::Client, Option<Arc<EnvironmentProxies>>)> {
        if let Some(http) = &self.http {
            return Ok((http.clone(), None));
        }
        let proxies = EnvironmentProxies::read().map(Arc::new);
        let mut builder = super::http_client_builder()
            .redirect(self.redirects.reqwest_policy())
            .no_proxy();
        if let Some(proxies) = &proxies {
            builder = builder.proxy(proxies.to_reqwest());
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        let http = builder.build().map_err(|error| {
            crate::Error::invalid_input(
                "http_client",
                format!("could not build the HTTP client: {error}"),
            )
        })?;
        Ok((http, proxies))
    }
}

/// Something that holds the [`ClientSettings`] of a client being built: a
/// vendor crate implements it on its client builder, so that its sandbox
/// can hand the builder's clients the server they keep running.
/// (Re-exported by [`vendor`](crate::vendor).)
pub trait HasClientSettings {
    /// The settings, to change.
    fn client_settings_mut(&mut self) -> &mut ClientSettings;
}

impl HasClientSettings for ClientSettings {
    fn client_settings_mut(&mut self) -> &mut ClientSettings {
        self
    }
}

/// Whether a client follows HTTP redirects.
///
/// The default is [`Redirects::Never`]: vendor credentials travel in custom
/// headers (`X-Token`, ...) that an HTTP client only strips from
/// cross-origin redirects when they are called `Authorization`, so a
/// redirect could carry them, and the customer data in a body, to another
/// host. A 3xx then comes back as an [`Error::Api`](crate::Error::Api) with
/// its status and the origin it pointed to
/// ([`ApiError::redirect_origin`](crate::ApiError::redirect_origin)).
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

/// Writes the setters of the [`ClientSettings`] kept in the field `$field`
/// (a `ClientSettings`, or anything that holds one: [`HasClientSettings`],
/// such as a [`ClientSkeleton`](crate::vendor::ClientSkeleton)) into a builder, so that [`ClientBuilder`](crate::ClientBuilder), the
/// OAuth token client's builder and every vendor client builder offer the
/// same settings under the same names with the same docs.
///
/// `client_settings_setters!(field)` writes all of them;
/// `client_settings_setters!(@transport field)` leaves out `redirects` and
/// `max_response_bytes`, for a builder whose client fixes both (the OAuth
/// token client never follows a redirect and reads small answers only).
#[doc(hidden)]
#[macro_export]
macro_rules! client_settings_setters {
    ($field:ident) => {
        $crate::client_settings_setters!(@transport $field);

        /// Whether API requests follow redirects (default
        /// [`Redirects::Never`]($crate::client::Redirects::Never): a 3xx is
        /// an error naming where it pointed; ignored with your own
        /// `reqwest::Client`, whose policy applies). Token requests never
        /// follow any.
        pub fn redirects(mut self, redirects: $crate::client::Redirects) -> Self {
            $crate::client::HasClientSettings::client_settings_mut(&mut self.$field).redirects = redirects;
            self
        }

        /// The largest successful response body accepted, per response in
        /// flight (default: each vendor crate's `DEFAULT_MAX_RESPONSE_BYTES`,
        /// derived from the largest answer its API's limits allow); a larger
        /// one fails the call with a decode error. Decoded, an answer takes
        /// at most about 9 times its size (see `sdk_core::json`). Error
        /// bodies are read up to 64 KiB whatever this says.
        pub fn max_response_bytes(mut self, max: usize) -> Self {
            $crate::client::HasClientSettings::client_settings_mut(&mut self.$field).max_response_bytes = max;
            self
        }

        /// What paces this client's requests (default: a
        /// [`Governor::adaptive`]($crate::governor::Governor::adaptive) of
        /// its own): a fixed rate or concurrency cap you know
        /// (`Governor::adaptive().rate(10.0)`), [`Governor::off`]($crate::governor::Governor::off),
        /// or one handle shared by every client of one credential.
        pub fn governor(mut self, governor: $crate::governor::Governor) -> Self {
            $crate::client::HasClientSettings::client_settings_mut(&mut self.$field).governor = Some(governor);
            self
        }

        /// Whether spans show the ids and keys of the resources a call names
        /// (default `true`). Keys are often e-mail addresses: for a service
        /// that treats them as personal data, `false` shows `url.full` as
        /// the request's `url.template` (`.../customer-groups/key={key}`)
        /// and `customer_sdk.resource_id` as `{id}`.
        pub fn ids_in_spans(mut self, shown: bool) -> Self {
            $crate::client::HasClientSettings::client_settings_mut(&mut self.$field).ids_in_spans = shown;
            self
        }

        /// Sends each call's correlation id (see `CallOptionsBuilder::correlation_id`)
        /// in the header `name`. commercetools' is `X-Correlation-ID`
        /// already; the POS Cloud and Flow Retail documents name none, so
        /// there the id is only recorded on the call's span unless a header
        /// is named here. A name that is not a valid header, or one that
        /// frames or routes a request, fails `build()`.
        pub fn correlation_id_header(mut self, name: &str) -> Self {
            let settings = $crate::client::HasClientSettings::client_settings_mut(&mut self.$field);
            *settings = ::std::mem::take(settings).with_correlation_id_header(name);
            self
        }
    };
    (@transport $field:ident) => {
        /// Replaces every transport setting at once, such as a
        /// [`ClientSettings`]($crate::client::ClientSettings) shared by several clients.
        pub fn settings(mut self, settings: $crate::client::ClientSettings) -> Self {
            let current = $crate::client::HasClientSettings::client_settings_mut(&mut self.$field);
            *current = settings.replacing(current);
            self
        }

        /// Uses your own `reqwest::Client` (proxies, TLS roots, pools). Its
        /// own timeouts then apply beside the SDK's, and so does its
        /// redirect policy: build it with
        /// `redirect(reqwest::redirect::Policy::none())` unless you mean it
        /// to follow redirects with your credentials. Start from
        /// `sdk_core::client::http_client_builder()`, whose TLS is ready
        /// (see [`IntoHttpClient`]($crate::client::IntoHttpClient)).
        pub fn http_client(mut self, http: impl $crate::client::IntoHttpClient) -> Self {
            $crate::client::HasClientSettings::client_settings_mut(&mut self.$field).http = Some(http.into_reqwest());
            self
        }

        /// The retry policy (default: [`RetryPolicy::default`]($crate::RetryPolicy::default)).
        pub fn retry_policy(mut self, retry: $crate::RetryPolicy) -> Self {
            $crate::client::HasClientSettings::client_settings_mut(&mut self.$field).retry = retry;
            self
        }

        /// The time one attempt may take, reading the body included
        /// (default 30 s; `None`: no limit).
        ///
        /// Tests that run under tokio's paused clock should turn it off: a
        /// pending timer is advanced at once while a request waits on real I/O.
        ///
        /// Takes a `Duration` or an `Option<Duration>`, as a call's own
        /// setter does.
        pub fn attempt_timeout(
            mut self,
            timeout: impl ::std::convert::Into<::std::option::Option<::std::time::Duration>>,
        ) -> Self {
            $crate::client::HasClientSettings::client_settings_mut(&mut self.$field).attempt_timeout = timeout.into();
            self
        }

        /// The time a whole call may take, retries included (default: no
        /// limit). Takes a `Duration` or an `Option<Duration>`.
        pub fn deadline(
            mut self,
            deadline: impl ::std::convert::Into<::std::option::Option<::std::time::Duration>>,
        ) -> Self {
            $crate::client::HasClientSettings::client_settings_mut(&mut self.$field).deadline = deadline.into();
            self
        }

        /// The connect timeout of the HTTP client the SDK builds (default
        /// 10 s; ignored with your own `reqwest::Client`).
        pub fn connect_timeout(mut self, timeout: Option<::std::time::Duration>) -> Self {
            $crate::client::HasClientSettings::client_settings_mut(&mut self.$field).connect_timeout = timeout;
            self
        }

        /// Allows plain `http` URLs on hosts other than loopback.
        ///
        /// Credentials then cross the network unencrypted: only for test rigs.
        pub fn allow_insecure(mut self, allow: bool) -> Self {
            $crate::client::HasClientSettings::client_settings_mut(&mut self.$field).allow_insecure = allow;
            self
        }
    };
}
