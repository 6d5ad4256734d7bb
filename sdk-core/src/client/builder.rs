//! Building a [`Client`]: the vendor's description (name, user agent,
//! error body, auth, retry rules) and the shared [`ClientSettings`].

use std::fmt;
use std::sync::Arc;

use reqwest::header::{HeaderName, HeaderValue};
use url::Url;

use super::{ApiProfile, Client, ClientInner, ClientSettings};
use crate::auth::{AuthProvider, NoAuth};
use crate::error::{Error, ErrorBodyParser, Result};
use crate::retry::{RetryBudget, RetryClassifier, Sleeper};

/// Builds a [`Client`].
#[must_use = "a builder does nothing until built"]
pub struct ClientBuilder {
    base_url: String,
    settings: ClientSettings,
    auth: Arc<dyn AuthProvider>,
    user_agent: String,
    profile: ApiProfile,
    /// A default header that cannot be sent: `build` fails with it.
    refused_header: Option<crate::error::InvalidInput>,
}

impl super::settings::HasClientSettings for ClientBuilder {
    fn client_settings_mut(&mut self) -> &mut ClientSettings {
        &mut self.settings
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &redact_userinfo(&self.base_url))
            .field("vendor", &self.profile.vendor)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    pub(super) fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            settings: ClientSettings::default(),
            auth: Arc::new(NoAuth),
            user_agent: crate::user_agent!().into(),
            profile: ApiProfile::of(&super::VendorProfile::new("api")),
            refused_header: None,
        }
    }

    crate::client_settings_setters!(settings);

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

    /// The `User-Agent`, conventionally `<crate>/<version>`
    /// ([`user_agent!`](crate::user_agent) writes it for the calling crate).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Describes the vendor's API from its profile: its name, error
    /// parser, retry classifier, correlation, request-id and deprecation
    /// headers, and the query parameters `url.full` shows. (The profile's
    /// body cap is a setting: start a builder's settings from
    /// [`VendorProfile::settings`](super::VendorProfile::settings).)
    pub fn for_vendor(mut self, profile: &super::VendorProfile) -> Self {
        // How the client waits and its default headers are not the vendor's.
        let sleeper = Arc::clone(&self.profile.sleeper);
        let default_headers = std::mem::take(&mut self.profile.default_headers);
        self.profile = ApiProfile {
            sleeper,
            default_headers,
            ..ApiProfile::of(profile)
        };
        self
    }

    /// The vendor name used in traces.
    pub fn vendor(mut self, vendor: &'static str) -> Self {
        self.profile.vendor = vendor;
        self
    }

    /// How the vendor's error bodies are read (default:
    /// [`GenericErrorParser`](crate::vendor::GenericErrorParser); write your
    /// own with [`vendor::ErrorBodyParser`](crate::vendor::ErrorBodyParser)).
    pub fn error_parser(mut self, parser: impl ErrorBodyParser) -> Self {
        self.profile.error_parser = Arc::new(parser);
        self
    }

    /// Which failed attempts are tried again (default: [`DefaultRetryClassifier`](crate::retry::DefaultRetryClassifier)).
    pub fn retry_classifier(mut self, classifier: impl RetryClassifier) -> Self {
        self.profile.classifier = Arc::new(classifier);
        self
    }

    /// How the retry loop waits between attempts (default: tokio's timer).
    pub fn sleeper(mut self, sleeper: impl Sleeper) -> Self {
        self.profile.sleeper = Arc::new(sleeper);
        self
    }

    /// Response headers that carry a request id, checked in order
    /// (default: `X-Request-Id`, `X-Correlation-ID`).
    pub fn request_id_headers(mut self, names: Vec<HeaderName>) -> Self {
        self.profile.request_id_headers = names;
        self
    }

    /// The vendor's correlation header: a correlation id is sent in it
    /// with every operation (the same id on each of its attempts), a new
    /// UUID unless the call sets one. A user's `correlation_id_header`
    /// setting wins over it.
    pub fn vendor_correlation_id_header(mut self, name: HeaderName) -> Self {
        self.profile.correlation_id_header = Some(name);
        self
    }

    /// A response header by which the API says an operation is deprecated
    /// (commercetools' `X-DEPRECATION-NOTICE`): its text is logged at
    /// `warn`, once per operation for the life of the client.
    pub fn deprecation_header(mut self, name: HeaderName) -> Self {
        self.profile.deprecation_header = Some(name);
        self
    }

    /// A header sent with every request. A header that frames or routes a
    /// request ([`check_settable`](crate::headers::check_settable)) fails
    /// [`build`](Self::build).
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        match crate::headers::check_settable(&name) {
            Ok(()) => {
                self.profile.default_headers.insert(name, value);
            }
            Err(refused) => {
                self.refused_header.get_or_insert(refused);
            }
        }
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let mut settings = self.settings;
        if let Some(refused) = self.refused_header.or(settings.refused_header.take()) {
            return Err(Error::InvalidInput(refused));
        }
        let mut profile = self.profile;
        if let Some(header) = settings.correlation_id_header.take() {
            profile.correlation_id_header = Some(header);
        }
        let base_url = parse_base_url(&self.base_url, settings.allow_insecure)?;
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::invalid_input("user_agent", "not a valid header value"))?;
        let own_http_client = settings.http.is_some();
        let (http, proxies) = settings.http_client()?;
        let budget = settings.retry.budget().copied().map(RetryBudget::new);
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                proxies,
                own_http_client,
                base_url,
                auth: self.auth,
                retry: settings.retry,
                budget,
                attempt_timeout: settings.attempt_timeout,
                deadline: settings.deadline,
                user_agent,
                profile,
                ids_in_spans: settings.ids_in_spans,
                deprecations_logged: std::sync::Mutex::default(),
                metrics: crate::telemetry::Metrics::new(),
                governor: settings.governor.unwrap_or_default(),
                _keep_alive: settings.keep_alive,
                max_response_bytes: settings.max_response_bytes,
            }),
        })
    }
}

/// Parses and checks a base URL: `https`, or `http` on loopback or when allowed.
pub fn parse_base_url(base_url: &str, allow_insecure: bool) -> Result<Url> {
    parse_url("base_url", base_url, allow_insecure)
}

/// [`parse_base_url`] for the parameter `name` (such as `api_url`), which
/// every error names.
///
/// ```
/// let error = sdk_core::vendor::parse_url("api_url", "api.example.com", false).unwrap_err();
/// assert!(error.to_string().contains("api_url"));
/// assert!(error.to_string().contains("https://"));
/// ```
pub fn parse_url(name: &str, base_url: &str, allow_insecure: bool) -> Result<Url> {
    let trimmed = base_url.trim();
    let url = Url::parse(trimmed).map_err(|error| match error {
        url::ParseError::RelativeUrlWithoutBase => Error::invalid_input(
            name,
            "has no scheme: write the host with https:// in front (https://host/path)",
        ),
        other => Error::invalid_input(name, format!("not a URL: {other}")),
    })?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::invalid_input(
            name,
            "must be an absolute http(s) URL with a host",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_input(
            name,
            "must not carry credentials (user:password@host): give them to the client's auth settings",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_input(
            name,
            "must not have a query or fragment",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure || super::proxy::is_loopback(&url) => {}
        "http" => {
            return Err(Error::invalid_input(
                name,
                "must use https (plain http is only allowed for loopback hosts, or when allow_insecure is set)",
            ));
        }
        _ => {
            return Err(Error::invalid_input(name, "scheme must be https or http"));
        }
    }
    Ok(url)
}

/// `base_url` with any `user:password@` replaced, for `Debug` of a builder
/// that has not checked its URL yet.
pub(super) fn redact_userinfo(base_url: &str) -> String {
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
