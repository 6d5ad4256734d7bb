//! OAuth2 client credentials, with a token cache that all requests of all
//! clones share.
//!
//! - The token is cached until `expires_in` minus a safety margin (default
//!   300 s, as the commercetools SDKs use; never more than half the lifetime),
//!   and at least a minimum reuse time (default 1 s), so a server that issues
//!   tokens living 0 s cannot make every call fetch one.
//! - Callers that find the cache cold or expired share one token request
//!   (single flight): a thousand concurrent calls on a cold client send one,
//!   and callers that waited on a fetch take its token whatever its lifetime.
//! - A lifetime of any size (0, negative, beyond what a clock can add) is
//!   read without overflow; an empty or missing `access_token` is an
//!   [`AuthError`] and is never sent.
//! - A 401 from the API drops the token it was sent with, and the client
//!   replays the request once with a fresh one; at most once per minimum
//!   reuse time, so an API that refuses every token gets the 401 back
//!   instead of a token request per call.
//! - Token endpoint failures are [`AuthError`]s carrying the OAuth `error`
//!   and `error_description`.

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;

use crate::auth::{AuthProvider, Authorization, bearer_header};
use crate::client::{Client, ClientSettings, Redirects};
use crate::encoding::encode_query_component;
use crate::error::{AuthError, Error, Result};
use crate::request::Request;

/// The default safety margin before a token's expiry.
pub const DEFAULT_SAFETY_MARGIN: Duration = Duration::from_secs(300);

/// The largest token response read: a token answer is a few hundred bytes.
const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// The default shortest time a fetched token is reused, whatever lifetime
/// the server gave it: refreshes are never more frequent than this.
pub const DEFAULT_MIN_TOKEN_REUSE: Duration = Duration::from_secs(1);

/// OAuth2 client credentials grant: fetches, caches and refreshes a bearer token.
///
/// Cheap to clone; clones share the cache.
///
/// ```
/// use sdk_core::oauth::ClientCredentials;
/// use sdk_core::{Client, SecretString};
///
/// let auth = ClientCredentials::builder(
///     "https://auth.europe-west1.gcp.commercetools.com/oauth/token",
///     "my-client-id",
///     SecretString::from("my-client-secret"),
/// )
/// .scope("view_customer_groups:my-project")
/// .build()?;
/// assert!(!format!("{auth:?}").contains("my-client-secret"));
/// let client = Client::builder("https://api.europe-west1.gcp.commercetools.com")
///     .auth(auth)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), sdk_core::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientCredentials {
    inner: Arc<Inner>,
}

struct Inner {
    token_client: Client,
    client_id: String,
    /// The scopes asked for (none: the API client's own).
    requested: Vec<String>,
    form: Bytes,
    safety_margin: Duration,
    min_reuse: Duration,
    cache: RwLock<Cache>,
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Cache {
    token: Option<CachedToken>,
    /// Bumped on each completed fetch, so waiters can tell that one finished while they waited.
    fetches: u64,
    last_failure: Option<AuthError>,
    /// When a 401 last dropped the cached token.
    last_unauthorized_drop: Option<Instant>,
}

struct CachedToken {
    header: HeaderValue,
    refresh_at: Option<Instant>,
    /// The scopes the answer granted, when it said.
    granted: Option<Vec<String>>,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.inner.token_client.base_url().as_str())
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    access_token: Option<SecretString>,
    #[serde(default)]
    token_type: Option<String>,
    /// Any JSON the server sends here: numbers of any size or sign, and
    /// numeric strings, are read by [`lifetime_seconds`].
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    /// The scopes granted, space-separated (RFC 6749 5.1).
    #[serde(default)]
    scope: Option<serde_json::Value>,
}

/// A token lifetime in whole seconds from whatever `expires_in` held: a
/// negative or fractional-below-one value is 0, a huge one saturates, and
/// anything that is not a number means "not given".
fn lifetime_seconds(expires_in: &serde_json::Value) -> Option<u64> {
    let number = match expires_in {
        serde_json::Value::Number(number) => number.clone(),
        serde_json::Value::String(text) => text.trim().parse().ok()?,
        _ => return None,
    };
    if let Some(seconds) = number.as_u64() {
        return Some(seconds);
    }
    if number.as_i64().is_some() {
        return Some(0);
    }
    // `as` from f64 saturates (and maps NaN to 0): no value can panic here.
    number.as_f64().map(|seconds| seconds.max(0.0) as u64)
}

impl ClientCredentials {
    /// Starts building the grant for `client_id` at `token_url`.
    pub fn builder(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: Vec::new(),
            safety_margin: DEFAULT_SAFETY_MARGIN,
            min_reuse: DEFAULT_MIN_TOKEN_REUSE,
            settings: ClientSettings::default(),
            vendor: "oauth",
        }
    }

    /// The cached token's header if it is still fresh.
    fn fresh(&self) -> Option<HeaderValue> {
        let cache = self.inner.cache.read().unwrap_or_else(|e| e.into_inner());
        let token = cache.token.as_ref()?;
        match token.refresh_at {
            Some(at) if Instant::now() >= at => None,
            _ => Some(token.header.clone()),
        }
    }

    /// A fresh `Authorization` value, fetching a token if needed (single flight).
    pub async fn authorization(&self) -> Result<HeaderValue> {
        if let Some(header) = self.fresh() {
            return Ok(header);
        }
        let fetches_seen = self.cache_read(|cache| cache.fetches);
        let _refreshing = self.inner.refresh.lock().await;
        if let Some(header) = self.fresh() {
            return Ok(header);
        }
        // A fetch finished while this caller waited: share its outcome, a
        // token (even one already due for refresh: single flight must hold
        // for short-lived tokens too) or a failure, instead of asking the
        // token endpoint again at once.
        let shared = self.cache_read(|cache| {
            if cache.fetches == fetches_seen {
                return None;
            }
            match (&cache.token, &cache.last_failure) {
                (Some(token), _) => Some(Ok(token.header.clone())),
                (None, Some(failure)) => Some(Err(copy_auth_error(failure))),
                (None, None) => None,
            }
        });
        if let Some(outcome) = shared {
            return outcome.map_err(Error::from);
        }
        let fetched = self.fetch().await;
        let mut cache = self.inner.cache.write().unwrap_or_else(|e| e.into_inner());
        cache.fetches = cache.fetches.wrapping_add(1);
        match fetched {
            Ok(token) => {
                let header = token.header.clone();
                cache.token = Some(token);
                cache.last_failure = None;
                Ok(header)
            }
            Err(failure) => {
                cache.token = None;
                cache.last_failure = Some(copy_auth_error(&failure));
                Err(failure.into())
            }
        }
    }

    fn cache_read<T>(&self, read: impl FnOnce(&Cache) -> T) -> T {
        read(&self.inner.cache.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The scopes the current token was granted, as the token endpoint
    /// answered them (`None` before the first token, or when the answer
    /// named none).
    pub fn granted_scopes(&self) -> Option<Vec<String>> {
        self.cache_read(|cache| cache.token.as_ref()?.granted.clone())
    }

    /// The scopes that were asked for but not granted to the current token.
    pub fn missing_scopes(&self) -> Vec<String> {
        let granted = self.granted_scopes();
        missing_scopes(&self.inner.requested, granted.as_deref())
    }

    /// Drops the cached token, so the next request fetches a new one.
    pub fn invalidate(&self) {
        let mut cache = self.inner.cache.write().unwrap_or_else(|e| e.into_inner());
        cache.token = None;
    }

    async fn fetch(&self) -> std::result::Result<CachedToken, AuthError> {
        let inner = &*self.inner;
        let request = Request::post("fetch_oauth_token").idempotent(true).body(
            inner.form.clone(),
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let token_client = &inner.token_client;
        let operation = crate::telemetry::Operation {
            vendor: token_client.vendor(),
            name: request.operation(),
        };
        token_client.metrics().token_requested(operation);
        let response = token_client
            .send(request)
            .await
            .map_err(token_endpoint_error)?;
        let token = bearer_token(&response)?;
        let lifetime = token.expires_in.as_ref().and_then(lifetime_seconds);
        let refresh_at = lifetime.and_then(|seconds| {
            let usable = reuse_time(
                Duration::from_secs(seconds),
                inner.safety_margin,
                inner.min_reuse,
            );
            // Past what the clock can represent: keep it until a 401 says otherwise.
            Instant::now().checked_add(usable)
        });
        tracing::debug!(expires_in = lifetime, "fetched an OAuth token");
        let granted = granted_scopes(&token);
        warn_of_missing_scopes(&inner.requested, granted.as_deref());
        Ok(CachedToken {
            header: token.header,
            refresh_at,
            granted,
        })
    }
}

/// A token answer, checked: a bearer token that can go in a header.
struct IssuedToken {
    header: HeaderValue,
    expires_in: Option<serde_json::Value>,
    scope: Option<serde_json::Value>,
}

/// Reads the token endpoint's answer. Decoded by hand: no error may quote
/// this body, it holds the token.
fn bearer_token(response: &crate::Response) -> std::result::Result<IssuedToken, AuthError> {
    let token: TokenResponse =
        serde_json::from_slice(response.body()).map_err(|error| AuthError {
            status: Some(response.status()),
            ..AuthError::new(format!(
                "the token endpoint's answer is not a token response ({})",
                json_error_kind(&error)
            ))
        })?;
    if let Some(kind) = &token.token_type
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(AuthError::new(format!(
            "the token endpoint issued a `{kind}` token; only bearer tokens are supported"
        )));
    }
    let Some(access_token) = token
        .access_token
        .filter(|token| !token.expose_secret().trim().is_empty())
    else {
        return Err(AuthError {
            status: Some(response.status()),
            ..AuthError::new("the token endpoint's answer has no access_token, or an empty one")
        });
    };
    let header = bearer_header(&access_token).map_err(|_| {
        AuthError::new("the token endpoint issued a token that cannot be sent in a header")
    })?;
    Ok(IssuedToken {
        header,
        expires_in: token.expires_in,
        scope: token.scope,
    })
}

/// The scopes the answer says were granted, when it says.
fn granted_scopes(token: &IssuedToken) -> Option<Vec<String>> {
    token
        .scope
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .map(|scope| scope.split_whitespace().map(str::to_owned).collect())
}

/// Logs the requested scopes a grant lacks. Not a refusal: the token may
/// still do what the caller needs, and emulators answer placeholder scopes
/// (commercetools-mock: "todo").
fn warn_of_missing_scopes(requested: &[String], granted: Option<&[String]>) {
    let missing = missing_scopes(requested, granted);
    if !missing.is_empty() {
        tracing::warn!(
            missing = %crate::telemetry::Escaped(missing.join(" ")),
            "the token endpoint granted fewer scopes than were asked for; calls that need them will be refused with 403"
        );
    }
}

/// The `requested` scopes that `granted` lacks (none when the answer named no scopes).
fn missing_scopes(requested: &[String], granted: Option<&[String]>) -> Vec<String> {
    let Some(granted) = granted else {
        return Vec::new();
    };
    requested
        .iter()
        .filter(|scope| !granted.contains(scope))
        .cloned()
        .collect()
}

/// How long a token with `lifetime` is used before it is refreshed: the
/// lifetime less the safety margin (at most half the lifetime), but never
/// less than `min_reuse`.
fn reuse_time(lifetime: Duration, safety_margin: Duration, min_reuse: Duration) -> Duration {
    let margin = safety_margin.min(lifetime.checked_div(2).unwrap_or_default());
    lifetime.saturating_sub(margin).max(min_reuse)
}

/// The kind of a JSON error, without the position-bearing text that could quote the body.
fn json_error_kind(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "missing or mistyped fields",
        serde_json::error::Category::Eof => "truncated JSON",
    }
}

fn token_endpoint_error(error: Error) -> AuthError {
    match error {
        Error::Api(api) => {
            // Only a 4xx is a verdict on the credentials; a 5xx or an
            // unfollowed redirect says nothing about them.
            let context = if api.status.is_client_error() {
                "the token endpoint refused the client credentials".to_owned()
            } else if api.status.is_server_error() {
                "the token endpoint failed (a server error, not a verdict on the credentials)"
                    .to_owned()
            } else if let Some(origin) = &api.redirect_origin {
                format!(
                    "the token endpoint redirected to {origin}; token requests never follow redirects"
                )
            } else {
                format!("the token endpoint answered {}", api.status)
            };
            AuthError {
                status: Some(api.status),
                error: api.code.clone(),
                error_description: api.message.clone(),
                ..AuthError::new(context)
            }
        }
        Error::RateLimited(limited) => AuthError {
            status: Some(limited.api.status),
            error: limited.api.code.clone(),
            error_description: limited.api.message.clone(),
            ..AuthError::new("the token endpoint is rate limiting")
        },
        Error::Auth(auth) => *auth,
        // Never the decode error itself: whatever it quotes came from the
        // answer that carries the token.
        Error::Decode(decode) => AuthError {
            status: Some(decode.status),
            ..AuthError::new(format!(
                "the token endpoint's answer could not be used: {}",
                decode.message
            ))
        },
        other => AuthError {
            source: Some(Box::new(other)),
            ..AuthError::new(
                "could not reach the token endpoint (a network failure, not a verdict on the credentials)",
            )
        },
    }
}

fn copy_auth_error(error: &AuthError) -> AuthError {
    let context = match &error.source {
        Some(source) => format!("{}: {source}", error.context),
        None => error.context.clone(),
    };
    AuthError {
        status: error.status,
        error: error.error.clone(),
        error_description: error.error_description.clone(),
        api_request_sent: error.api_request_sent,
        ..AuthError::new(context)
    }
}

#[async_trait]
impl AuthProvider for ClientCredentials {
    async fn authenticate(&self, headers: &mut HeaderMap) -> Result<()> {
        headers.insert(AUTHORIZATION, self.authorization().await?);
        Ok(())
    }

    fn refusal_hint(&self) -> Option<String> {
        let missing = self.missing_scopes();
        (!missing.is_empty()).then(|| {
            format!(
                "the token was not granted the scope(s) {} that were asked for",
                missing.join(", ")
            )
        })
    }

    async fn on_unauthorized(&self, sent: &HeaderMap) -> bool {
        let mut cache = self.inner.cache.write().unwrap_or_else(|e| e.into_inner());
        // Another caller may already have replaced the token the rejected
        // request carried: replay with that one, at no cost.
        if cache.token.as_ref().map(|token| &token.header) != sent.get(AUTHORIZATION) {
            return true;
        }
        // An API that refuses every token must not make every call fetch
        // one: a 401 drops the token at most once per `min_token_reuse`,
        // and is otherwise the caller's answer.
        let now = Instant::now();
        let recently = cache
            .last_unauthorized_drop
            .is_some_and(|dropped| now.saturating_duration_since(dropped) < self.inner.min_reuse);
        if recently {
            tracing::debug!("401 again soon after a fresh token: not fetching another");
            return false;
        }
        cache.last_unauthorized_drop = Some(now);
        cache.token = None;
        true
    }
}

/// Builds [`ClientCredentials`].
#[must_use = "a builder does nothing until built"]
pub struct ClientCredentialsBuilder {
    token_url: String,
    client_id: String,
    client_secret: SecretString,
    scopes: Vec<String>,
    safety_margin: Duration,
    min_reuse: Duration,
    settings: ClientSettings,
    vendor: &'static str,
}

impl fmt::Debug for ClientCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsBuilder")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsBuilder {
    /// Names the API the tokens are for in traces and metrics (default `oauth`).
    pub fn vendor(mut self, vendor: &'static str) -> Self {
        self.vendor = vendor;
        self
    }

    /// Asks for one more scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Asks for these scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// How long before expiry a token is replaced (default 300 s, at most half its lifetime).
    pub fn safety_margin(mut self, margin: Duration) -> Self {
        self.safety_margin = margin;
        self
    }

    /// The shortest time a fetched token is reused whatever its lifetime
    /// (default 1 s): the most often this grant asks for a token.
    pub fn min_token_reuse(mut self, min: Duration) -> Self {
        self.min_reuse = min;
        self
    }

    // The token client never follows a redirect (a token request re-posted
    // elsewhere would hand the client secret to that host) and reads small
    // answers only, so those two settings are not offered here.
    crate::client_settings_setters!(@transport settings);

    /// Checks the configuration and builds the grant.
    pub fn build(self) -> Result<ClientCredentials> {
        // Never redirected (the default of every SDK client): a token request
        // re-posted elsewhere would hand the client secret to that host.
        let builder = Client::builder(self.token_url)
            .vendor(self.vendor)
            .settings(self.settings)
            .redirects(Redirects::Never)
            .max_response_bytes(MAX_TOKEN_RESPONSE_BYTES)
            .auth(Authorization::basic(&self.client_id, &self.client_secret)?);
        let mut form = String::from("grant_type=client_credentials");
        if !self.scopes.is_empty() {
            form.push_str("&scope=");
            form.push_str(&encode_query_component(&self.scopes.join(" ")));
        }
        Ok(ClientCredentials {
            inner: Arc::new(Inner {
                token_client: builder.build()?,
                client_id: self.client_id,
                requested: self.scopes,
                form: Bytes::from(form),
                safety_margin: self.safety_margin,
                min_reuse: self.min_reuse,
                cache: RwLock::new(Cache::default()),
                refresh: tokio::sync::Mutex::new(()),
            }),
        })
    }
}
