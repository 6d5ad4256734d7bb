//! How outgoing requests are authenticated.
//!
//! An [`AuthProvider`] adds credentials to each attempt and is told when the
//! server answered 401, so that a provider that can refresh (OAuth2) drops
//! its token and the request is replayed once. Providers here: [`NoAuth`],
//! [`StaticHeaders`], [`Authorization`], and
//! [`ClientCredentials`](crate::oauth::ClientCredentials).
//!
//! Secrets are held as [`SecretString`] and written into headers marked
//! sensitive; no `Debug` output of a provider shows them.

use std::fmt;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// Adds credentials to outgoing requests.
///
/// Implement it to plug in your own token source:
///
/// ```
/// use async_trait::async_trait;
/// use sdk_core::auth::{AuthProvider, bearer_header};
/// use sdk_core::http::header::{AUTHORIZATION, HeaderMap};
/// use sdk_core::{Result, SecretString};
///
/// #[derive(Debug)]
/// struct FromVault;
///
/// #[async_trait]
/// impl AuthProvider for FromVault {
///     async fn authenticate(&self, headers: &mut HeaderMap) -> Result<()> {
///         let token = SecretString::from("read-from-your-vault");
///         headers.insert(AUTHORIZATION, bearer_header(&token)?);
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait AuthProvider: Send + Sync + fmt::Debug + 'static {
    /// Adds credentials to the headers of one attempt.
    async fn authenticate(&self, headers: &mut HeaderMap) -> Result<()>;

    /// Called when the server answered 401 to an attempt sent with `sent`.
    ///
    /// Return `true` when fresh credentials are available (the request is then
    /// replayed once, not counted as a retry); the default cannot refresh.
    async fn on_unauthorized(&self, sent: &HeaderMap) -> bool {
        let _ = sent;
        false
    }

    /// What the provider knows about why the API refused its credentials
    /// (401 or 403), for the error: for example the scopes a token was not
    /// granted. `None` by default.
    fn refusal_hint(&self) -> Option<String> {
        None
    }
}

/// Sends requests without credentials.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

#[async_trait]
impl AuthProvider for NoAuth {
    async fn authenticate(&self, _headers: &mut HeaderMap) -> Result<()> {
        Ok(())
    }
}

/// Fixed secret headers, such as POS Cloud's `X-Token` and `X-Operator`.
///
/// ```
/// use sdk_core::auth::StaticHeaders;
///
/// let auth = StaticHeaders::new()
///     .with("X-Token", "secret-token")?
///     .with("X-Operator", "4711")?;
/// assert!(!format!("{auth:?}").contains("secret-token"));
/// # Ok::<(), sdk_core::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct StaticHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl StaticHeaders {
    /// No headers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a secret header. Fails when the name or value is not valid in
    /// HTTP, or the header frames or routes a request
    /// ([`check_settable`](crate::headers::check_settable)).
    pub fn with(mut self, name: &str, value: impl Into<SecretString>) -> Result<Self> {
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::invalid_input(name, "not a valid HTTP header name"))?;
        crate::headers::check_settable(&header_name)?;
        let value = sensitive_header(value.into().expose_secret(), name)?;
        self.headers.push((header_name, value));
        Ok(self)
    }
}

impl fmt::Debug for StaticHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_map();
        for (name, _) in &self.headers {
            list.entry(&name.as_str(), &"[REDACTED]");
        }
        list.finish()
    }
}

#[async_trait]
impl AuthProvider for StaticHeaders {
    async fn authenticate(&self, headers: &mut HeaderMap) -> Result<()> {
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        Ok(())
    }
}

/// A fixed `Authorization` header: a bearer token, or HTTP Basic
/// credentials (as OAuth2 token endpoints expect for client credentials).
/// The value is marked sensitive and never shown by `Debug`.
///
/// ```
/// use sdk_core::auth::Authorization;
/// use sdk_core::SecretString;
///
/// let bearer = Authorization::bearer("abc.def")?;
/// let basic = Authorization::basic("client", &SecretString::from("s3cret"))?;
/// assert_eq!(format!("{bearer:?}"), "Authorization(Bearer [REDACTED])");
/// # let _ = basic;
/// # Ok::<(), sdk_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Authorization {
    scheme: &'static str,
    header: HeaderValue,
}

impl Authorization {
    /// `Authorization: Bearer <token>`. Fails when the token is blank or
    /// cannot appear in an HTTP header.
    pub fn bearer(token: impl Into<SecretString>) -> Result<Self> {
        Ok(Self {
            scheme: "Bearer",
            header: bearer_header(&token.into())?,
        })
    }

    /// `Authorization: Basic base64(user:password)`.
    pub fn basic(user: &str, password: &SecretString) -> Result<Self> {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(format!("{user}:{}", password.expose_secret()));
        Ok(Self {
            scheme: "Basic",
            header: sensitive_header(&format!("Basic {encoded}"), "basic credentials")?,
        })
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Authorization({} [REDACTED])", self.scheme)
    }
}

#[async_trait]
impl AuthProvider for Authorization {
    async fn authenticate(&self, headers: &mut HeaderMap) -> Result<()> {
        headers.insert(AUTHORIZATION, self.header.clone());
        Ok(())
    }
}

/// `Bearer <token>` as a header value marked sensitive; an empty or blank
/// token is refused (it would be sent as a bare `Bearer `).
pub fn bearer_header(token: &SecretString) -> Result<HeaderValue> {
    if token.expose_secret().trim().is_empty() {
        return Err(Error::invalid_input("token", "must not be empty"));
    }
    sensitive_header(&format!("Bearer {}", token.expose_secret()), "token")
}

/// A header value marked sensitive, so that `Debug` of headers hides it.
fn sensitive_header(value: &str, what: &str) -> Result<HeaderValue> {
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_input(what, "contains characters not allowed in HTTP headers")
    })?;
    header.set_sensitive(true);
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn static_headers_are_sent_and_hidden() {
        let auth = StaticHeaders::new()
            .with("X-Token", "tok-123")
            .unwrap()
            .with("X-Operator", "op-9")
            .unwrap();
        let mut headers = HeaderMap::new();
        auth.authenticate(&mut headers).await.unwrap();
        assert_eq!(headers["x-token"], "tok-123");
        assert_eq!(headers["x-operator"], "op-9");
        let shown = format!("{auth:?} {headers:?}");
        assert!(
            !shown.contains("tok-123") && !shown.contains("op-9"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn bearer_is_sent_and_hidden() {
        let auth = Authorization::bearer("abc.def").unwrap();
        let mut headers = HeaderMap::new();
        auth.authenticate(&mut headers).await.unwrap();
        assert_eq!(headers[AUTHORIZATION], "Bearer abc.def");
        assert!(!format!("{auth:?} {headers:?}").contains("abc.def"));
        assert!(!auth.on_unauthorized(&headers).await);
    }

    #[tokio::test]
    async fn basic_auth_is_encoded_and_hidden() {
        let auth = Authorization::basic("client", &SecretString::from("s3cret")).unwrap();
        let mut headers = HeaderMap::new();
        auth.authenticate(&mut headers).await.unwrap();
        // base64("client:s3cret")
        assert_eq!(headers[AUTHORIZATION], "Basic Y2xpZW50OnMzY3JldA==");
        assert!(!format!("{auth:?} {headers:?}").contains("Y2xpZW50"));
    }

    #[test]
    fn header_injection_is_refused() {
        let err = Authorization::bearer("a\r\nX-Evil: 1").unwrap_err();
        assert!(!err.to_string().contains("X-Evil"));
        assert!(StaticHeaders::new().with("bad name", "v").is_err());
    }
}
