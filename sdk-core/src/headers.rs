//! Which headers a caller may set: none that frames or routes a request.
//! `Content-Length: 10` on a 43-byte body would send 10 bytes and call it a
//! success; `Host`, `Connection` or `Transfer-Encoding` would change where
//! and how the request goes. The HTTP client sets these itself.

use reqwest::header::HeaderName;

use crate::error::InvalidInput;

/// The headers that frame or route a request, besides every `Proxy-*` one.
const FRAMING: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "host",
    "connection",
    "upgrade",
    "expect",
    "te",
    "trailer",
    "keep-alive",
];

/// Refuses a header that frames or routes a request (`Content-Length`,
/// `Transfer-Encoding`, `Host`, `Connection`, `Upgrade`, `Expect`, `TE`,
/// `Trailer`, `Keep-Alive`, `Proxy-*`), naming it; any other passes.
///
/// ```
/// use sdk_core::headers::check_settable;
/// use sdk_core::http::HeaderName;
///
/// assert!(check_settable(&HeaderName::from_static("x-external-user-id")).is_ok());
/// let refused = check_settable(&HeaderName::from_static("content-length")).unwrap_err();
/// assert!(refused.to_string().contains("content-length"));
/// assert!(check_settable(&HeaderName::from_static("proxy-authorization")).is_err());
/// ```
pub fn check_settable(name: &HeaderName) -> Result<(), InvalidInput> {
    // Header names are lower case once parsed.
    let name = name.as_str();
    if FRAMING.contains(&name) || name.starts_with("proxy-") {
        return Err(InvalidInput::new(
            format!("header {name}"),
            "frames or routes the request, so the HTTP client sets it: it cannot be set by hand",
        ));
    }
    Ok(())
}
