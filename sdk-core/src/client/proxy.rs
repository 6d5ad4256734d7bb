//! Which proxy a request goes through.
//!
//! The HTTP client the SDK builds takes its proxy from the environment
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, upper or lower
//! case, as curl reads them; on macOS and Windows also the system settings),
//! except for hosts on this machine (`127.0.0.0/8`, `::1`, `localhost`, and
//! the unspecified `0.0.0.0` and `::`), which are always reached directly: a proxy would see a local service's secrets in
//! clear text (POS Cloud's `X-Token` over `http`, a token request's client
//! secret), and a CI job's proxy cannot reach a sandbox anyway. Go's
//! net/http makes the same choice. A `reqwest::Client` of the user's own
//! keeps the proxies it was built with; the SDK cannot see them, so its
//! connect errors say the failure may be that client's proxy's.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use hyper_util::client::proxy::matcher::Matcher;
use url::{Host, Url};

/// The environment's (or system's) proxy settings, read once when a client is built.
pub(crate) struct EnvironmentProxies {
    matcher: Matcher,
}

impl fmt::Debug for EnvironmentProxies {
    /// No proxy URL: it may carry credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvironmentProxies")
    }
}

impl EnvironmentProxies {
    /// Reads the proxy variables (and on macOS and Windows the system
    /// settings); `None` when they name no proxy at all.
    pub(crate) fn read() -> Option<Self> {
        let proxies = Self {
            matcher: Matcher::from_system(),
        };
        let any = ["http://proxy-probe.invalid", "https://proxy-probe.invalid"]
            .iter()
            .filter_map(|probe| Url::parse(probe).ok())
            .any(|probe| proxies.proxy_for(&probe).is_some());
        any.then_some(proxies)
    }

    /// The proxy a request to `url` goes through, with its credentials
    /// (for the HTTP client only); `None` for a direct connection.
    pub(crate) fn proxy_for(&self, url: &Url) -> Option<Url> {
        if is_loopback(url) {
            return None;
        }
        let uri: http::Uri = url.as_str().parse().ok()?;
        let intercept = self.matcher.intercept(&uri)?;
        let mut proxy = Url::parse(&intercept.uri().to_string()).ok()?;
        let credentials = intercept
            .raw_auth()
            .map(|(user, password)| (user.to_owned(), password.to_owned()))
            .or_else(|| basic_credentials(intercept.basic_auth()?.to_str().ok()?));
        if let Some((user, password)) = credentials {
            // Both setters only fail for URLs that cannot have credentials,
            // which a proxy URL with a host never is.
            let _ = proxy.set_username(&user);
            let _ = proxy.set_password(Some(&password));
        }
        Some(proxy)
    }

    /// The proxy a request to `url` goes through, as `scheme://host:port`
    /// (never its credentials), for errors.
    pub(crate) fn shown_for(&self, url: &Url) -> Option<String> {
        self.proxy_for(url).map(|proxy| origin_of(&proxy))
    }

    /// A `reqwest::Proxy` that asks these settings for every request.
    pub(crate) fn to_reqwest(self: &Arc<Self>) -> reqwest::Proxy {
        let proxies = Arc::clone(self);
        reqwest::Proxy::custom(move |url| proxies.proxy_for(url))
    }
}

/// `scheme://host:port` of `url`, without path, query or credentials.
fn origin_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// `user` and `password` from a `Basic` authorization value.
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let encoded = header.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Whether `url` names this machine: `localhost` (and its subdomains, which
/// resolvers map to loopback), `127.0.0.0/8`, `::1` (also as `::ffff:127.x`),
/// and the unspecified addresses `0.0.0.0` (also written `0`) and `::`,
/// which a connection reaches this machine through.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            domain == "localhost" || domain.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|ip| ip.is_loopback() || ip.is_unspecified())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        for loopback in [
            "http://127.0.0.1:8080",
            "http://127.3.2.1",
            "http://localhost:1",
            "http://LOCALHOST.",
            "http://api.localhost",
            "http://[::1]:9",
            "http://[::ffff:127.0.0.1]",
            "http://0.0.0.0:8080",
            "http://0:8080",
            "http://[::]:9",
        ] {
            assert!(is_loopback(&url(loopback)), "{loopback}");
        }
        for remote in [
            "https://api.example.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
            "http://[::2]",
        ] {
            assert!(!is_loopback(&url(remote)), "{remote}");
        }
    }

    #[test]
    fn basic_credentials_are_decoded() {
        assert_eq!(
            basic_credentials("Basic dXNlcjpwYTpzcw=="),
            Some(("user".to_owned(), "pa:ss".to_owned()))
        );
        assert_eq!(basic_credentials("Bearer x"), None);
    }
}
