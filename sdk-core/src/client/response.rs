//! The answer side: reading bodies within their caps, and decoding JSON
//! with the path of any mismatch.

use std::fmt;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::{DecodeError, Error, MAX_DECODE_SNIPPET, Result, lossy_prefix};

/// A successful answer, body fully read.
#[derive(Clone)]
pub struct Response {
    operation: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl fmt::Debug for Response {
    /// Status and body size only: bodies carry personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl Response {
    pub(super) fn new(
        operation: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        Self {
            operation,
            status,
            headers,
            body,
        }
    }

    /// The HTTP status (always a success here).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The server's time when it answered, by its `Date` header (to the
    /// second), when it sent a valid one: a change feed's clock, which the
    /// client's own clock cannot stand in for.
    pub fn date(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let text = self.headers.get(http::header::DATE)?.to_str().ok()?;
        httpdate::parse_http_date(text)
            .ok()
            .map(chrono::DateTime::from)
    }

    /// Decodes the body as JSON into `T`; a mismatch is an [`Error::Decode`]
    /// naming the JSON path where it failed.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(self.operation, self.status, &self.body)
    }

    /// Decodes a page of at most `max_items` items: its list field (read
    /// with [`json::at_most`](crate::vendor::json::at_most)) fails at the first item
    /// past the limit, before the extra items are built.
    pub fn json_page<T: DeserializeOwned>(&self, max_items: u64) -> Result<T> {
        let limit = usize::try_from(max_items).unwrap_or(usize::MAX);
        crate::json::lists::with_item_limit(limit, || self.json())
    }
}

/// Decodes `body` into `T`, reporting the JSON path of any mismatch.
///
/// The body is decoded at full speed first; only a body that fails is
/// decoded again with path tracking, to say where it failed. The lists it
/// holds may take at most [`MAX_LIST_AMPLIFICATION`](crate::json::MAX_LIST_AMPLIFICATION)
/// times the body's size (see [`json`](crate::json)).
pub fn decode_json<T: DeserializeOwned>(
    operation: &'static str,
    status: StatusCode,
    body: &[u8],
) -> Result<T> {
    let decode = || serde_json::from_slice(body);
    if let Ok(value) = crate::json::lists::with_list_budget(body.len(), decode) {
        return Ok(value);
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    let tracked = || serde_path_to_error::deserialize(deserializer);
    crate::json::lists::with_list_budget(body.len(), tracked).map_err(|error| {
        let path = error.path().to_string();
        Error::Decode(Box::new(DecodeError {
            operation,
            status,
            path,
            message: error.into_inner().to_string(),
            snippet: lossy_prefix(body, MAX_DECODE_SNIPPET),
        }))
    })
}

/// Why an exchange brought no answer: the HTTP client failed, the attempt
/// timed out, or the answer could not be read (too large).
pub(super) enum ExchangeError {
    Http(reqwest::Error),
    Timeout(Duration),
    Other(Error),
}

/// Reads a successful answer's body, failing past `max` bytes.
pub(super) async fn read_limited(
    mut response: reqwest::Response,
    max: usize,
    operation: &'static str,
) -> std::result::Result<Bytes, ExchangeError> {
    let status = response.status();
    // No snippet: the start of an answer too large to read is not what went
    // wrong, and it may hold a secret (a token endpoint's `access_token`).
    let too_large = || {
        ExchangeError::Other(Error::Decode(Box::new(DecodeError {
            operation,
            status,
            path: String::new(),
            message: format!("the answer is larger than the limit of {max} bytes"),
            snippet: String::new(),
        })))
    };
    // A declared length lets the body be read in one piece, without copying.
    if let Some(length) = response.content_length() {
        if usize::try_from(length).map_or(true, |length| length > max) {
            return Err(too_large());
        }
        return response.bytes().await.map_err(ExchangeError::Http);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(ExchangeError::Http)? {
        if body.len().saturating_add(chunk.len()) > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Reads at most `max` bytes of an error answer's body and drops the rest
/// with the connection: what is kept of an error never needs more, and a
/// body that breaks off is still an error answer with its status.
pub(super) async fn read_prefix(mut response: reqwest::Response, max: usize) -> Bytes {
    let mut body = BytesMut::new();
    while body.len() < max {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = max.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    body.freeze()
}
