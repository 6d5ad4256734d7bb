//! Reading an error answer: the vendor's body through its
//! [`ErrorBodyParser`], capped and never trusted to be JSON.

use std::fmt;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::{ApiError, MAX_KEPT_BODY};

/// What a vendor's error body said, as parsed by an [`ErrorBodyParser`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ParsedErrorBody {
    /// The vendor's error code.
    pub code: Option<String>,
    /// The vendor's message.
    pub message: Option<String>,
}

impl ParsedErrorBody {
    /// A parsed body with the given code and message.
    pub fn new(code: Option<String>, message: Option<String>) -> Self {
        Self { code, message }
    }
}

/// How a vendor crate reads its error bodies.
///
/// The body is given as JSON when it parsed as JSON; a non-JSON body (an
/// HTML page from a proxy, an empty body) never reaches the parser and the
/// error keeps only its status and raw text.
pub trait ErrorBodyParser: Send + Sync + fmt::Debug + 'static {
    /// Extracts code and message from a JSON error body.
    fn parse(&self, status: StatusCode, body: &serde_json::Value) -> ParsedErrorBody;
}

/// Reads the common shapes: `message`, `error`, `error_description`,
/// `errors[0].message` / `errors[0].code`, `code`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GenericErrorParser;

impl ErrorBodyParser for GenericErrorParser {
    fn parse(&self, _status: StatusCode, body: &serde_json::Value) -> ParsedErrorBody {
        let text = |value: Option<&serde_json::Value>| -> Option<String> {
            match value? {
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let first_error = body
            .get("errors")
            .and_then(|errors| errors.as_array())
            .and_then(|errors| errors.first());
        let message = text(body.get("message"))
            .or_else(|| text(body.get("error_description")))
            .or_else(|| text(first_error.and_then(|e| e.get("message"))))
            .or_else(|| text(body.get("error")))
            .or_else(|| text(body.get("detail")));
        let code = text(body.get("code"))
            .or_else(|| text(first_error.and_then(|e| e.get("code"))))
            .or_else(|| text(body.get("error")));
        ParsedErrorBody { code, message }
    }
}

/// The request an error answer came to, as an [`ApiError`] describes it.
pub(crate) struct AnsweredRequest<'a> {
    pub operation: &'static str,
    pub method: &'a reqwest::Method,
    pub url: &'a url::Url,
    /// The request or correlation id.
    pub request_id: Option<String>,
    pub attempts: u32,
    /// An earlier attempt of the request may have reached the server.
    pub replayed: bool,
}

/// Builds an [`ApiError`] from an error answer to `request`.
///
/// The body is parsed once for the vendor's parser and then dropped: the
/// error keeps the JSON as text, so it holds about its own size.
pub(crate) fn api_error_from_response(
    request: AnsweredRequest<'_>,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    parser: &dyn ErrorBodyParser,
) -> ApiError {
    let parsed_body = serde_json::from_slice::<serde_json::Value>(body).ok();
    let parsed = parsed_body
        .as_ref()
        .filter(|value| value.is_object() || value.is_array())
        .map(|value| parser.parse(status, value))
        .unwrap_or_default();
    drop(parsed_body);
    let details = std::str::from_utf8(body)
        .ok()
        .and_then(|text| crate::json::RawJson::from_text(text.trim()).ok());
    ApiError {
        operation: request.operation,
        method: request.method.clone(),
        status,
        code: parsed.code,
        message: parsed.message,
        request_id: request.request_id,
        retry_after: crate::protocol::parse_retry_after(headers),
        details,
        body: lossy_prefix(body, MAX_KEPT_BODY),
        attempts: request.attempts,
        replayed: request.replayed,
        redirect_origin: status
            .is_redirection()
            .then(|| redirect_origin(request.url, headers))
            .flatten(),
        auth_hint: None,
    }
}

/// The origin a `Location` header points to, resolved against `url`; `None`
/// when there is no usable `Location` or its origin is opaque.
fn redirect_origin(url: &url::Url, headers: &HeaderMap) -> Option<String> {
    let location = headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
    let origin = url.join(location.trim()).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// The first `max` bytes of `body` as text, cut on a character boundary.
pub(crate) fn lossy_prefix(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max)]);
    text.trim_end_matches('\u{FFFD}').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generic_parser_reads_common_shapes() {
        let parser = GenericErrorParser;
        let status = StatusCode::BAD_REQUEST;
        let parsed = parser.parse(status, &json!({"message": "bad", "code": "E1"}));
        assert_eq!(parsed.message.as_deref(), Some("bad"));
        assert_eq!(parsed.code.as_deref(), Some("E1"));

        let parsed = parser.parse(
            status,
            &json!({"error": "invalid_client", "error_description": "nope"}),
        );
        assert_eq!(parsed.message.as_deref(), Some("nope"));
        assert_eq!(parsed.code.as_deref(), Some("invalid_client"));

        let parsed = parser.parse(status, &json!({"errors": [{"code": "X", "message": "m"}]}));
        assert_eq!(parsed.message.as_deref(), Some("m"));
        assert_eq!(parsed.code.as_deref(), Some("X"));
    }

    #[test]
    fn html_body_is_an_api_error_with_its_status() {
        let body = b"<html><body>502 Bad Gateway</body></html>";
        let url = url::Url::parse("https://api.example.com/x").unwrap();
        let request = AnsweredRequest {
            operation: "op",
            method: &reqwest::Method::GET,
            url: &url,
            request_id: None,
            attempts: 1,
            replayed: false,
        };
        let err = api_error_from_response(
            request,
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            body,
            &GenericErrorParser,
        );
        assert_eq!(err.status, StatusCode::BAD_GATEWAY);
        assert!(err.details.is_none());
        assert!(err.body.contains("Bad Gateway"));
        assert_eq!(err.to_string(), "op: 502 Bad Gateway");
    }

    #[test]
    fn kept_body_is_capped_on_a_char_boundary() {
        let body = "é".repeat(MAX_KEPT_BODY);
        let kept = lossy_prefix(body.as_bytes(), MAX_KEPT_BODY);
        assert!(kept.len() <= MAX_KEPT_BODY);
        assert!(kept.chars().all(|c| c == 'é'));
    }
}
