//! One HTTP request to send: method, path, query, headers, body, and
//! whether it may be sent twice. How long it may take and how often it is
//! tried are the call's ([`CallOptions`](crate::CallOptions)) and the client's.

use std::fmt;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use crate::encoding::{encode_path_segment, encode_prefix, encode_query_component};
use crate::error::{Error, InvalidInput};

/// A request for one operation, built by a vendor crate and sent with
/// [`Client::send`](crate::Client::send).
///
/// Paths are built only from segments, each percent-encoded, so that an id
/// can never change the path; query values go through a strict encoder.
///
/// ```
/// use sdk_core::Request;
///
/// let request = Request::get("get_customer")
///     .segment("customers")
///     .segment("a/b?c#d")
///     .query("expand", "group");
/// assert_eq!(request.path(), "/customers/a%2Fb%3Fc%23d");
/// assert_eq!(request.query_string(), "expand=group");
/// assert!(request.is_idempotent());
/// ```
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) operation: &'static str,
    pub(crate) path: String,
    /// The path with its ids and parameters as `{placeholders}`: the
    /// `url.template` of traces and metrics.
    pub(crate) template: String,
    /// The id or key of the resource the request is about, if it names one.
    pub(crate) resource_id: Option<String>,
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Body>,
    pub(crate) idempotent: bool,
    /// An error status that is an expected outcome of the request, such
    /// as the 404 of an existence check: its attempt span is not an error.
    pub(crate) expected_status: Option<reqwest::StatusCode>,
    pub(crate) build_error: Option<Error>,
    /// A body that could not be serialized: reported only when no rule
    /// refused the request, since a rule's refusal says more.
    pub(crate) body_error: Option<Error>,
}

/// The order of a sorted listing, the same for every vendor; each vendor
/// crate writes it the way its API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// A serialized request body and its content type.
#[derive(Clone)]
pub(crate) struct Body {
    pub(crate) bytes: Bytes,
    pub(crate) content_type: HeaderValue,
}

impl Request {
    /// A request with `method`, named `operation` in errors and traces.
    ///
    /// GET, HEAD, PUT, DELETE and OPTIONS count as idempotent; POST and PATCH
    /// do not unless [`idempotent`](Self::idempotent) says so.
    pub fn new(method: Method, operation: &'static str) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        Self {
            method,
            operation,
            path: String::new(),
            template: String::new(),
            resource_id: None,
            query: String::new(),
            headers: HeaderMap::new(),
            body: None,
            idempotent,
            expected_status: None,
            build_error: None,
            body_error: None,
        }
    }

    /// A GET request.
    pub fn get(operation: &'static str) -> Self {
        Self::new(Method::GET, operation)
    }

    /// A HEAD request: the status alone, no body.
    pub fn head(operation: &'static str) -> Self {
        Self::new(Method::HEAD, operation)
    }

    /// A POST request (not idempotent unless marked so).
    pub fn post(operation: &'static str) -> Self {
        Self::new(Method::POST, operation)
    }

    /// A PUT request.
    pub fn put(operation: &'static str) -> Self {
        Self::new(Method::PUT, operation)
    }

    /// A PATCH request (not idempotent unless marked so).
    pub fn patch(operation: &'static str) -> Self {
        Self::new(Method::PATCH, operation)
    }

    /// A DELETE request.
    pub fn delete(operation: &'static str) -> Self {
        Self::new(Method::DELETE, operation)
    }

    /// Appends one path segment, percent-encoded: `/` or `?` in it stay part of the segment.
    ///
    /// An empty segment, `.` or `..` fails the request when sent, with
    /// nothing sent: no encoding keeps URLs from resolving them to another path.
    pub fn segment(mut self, segment: impl AsRef<str>) -> Self {
        match encode_path_segment(segment.as_ref()) {
            Ok(encoded) => self.push_segment(&encoded, None),
            Err(invalid) => {
                self.build_error.get_or_insert(Error::InvalidInput(invalid));
            }
        }
        self
    }

    /// Appends an encoded segment to the path, and to the template as it
    /// is or, for an id or a parameter, as `{placeholder}`.
    fn push_segment(&mut self, encoded: &str, placeholder: Option<&str>) {
        self.path.push('/');
        self.path.push_str(encoded);
        self.template.push('/');
        match placeholder {
            None => self.template.push_str(encoded),
            Some(name) => {
                self.template.push('{');
                self.template.push_str(name);
                self.template.push('}');
            }
        }
    }

    /// Appends the id of a resource as one path segment, like
    /// [`segment`](Self::segment); a refusal names the parameter `name`
    /// ("customer id: must not be empty").
    ///
    /// ```
    /// use sdk_core::Request;
    ///
    /// let request = Request::get("get_customer").segment("customers").id_segment("customer id", "42");
    /// assert_eq!(request.path(), "/customers/42");
    /// ```
    pub fn id_segment(mut self, name: &'static str, id: impl AsRef<str>) -> Self {
        match encode_path_segment(id.as_ref()) {
            Ok(encoded) => {
                self.push_segment(&encoded, Some("id"));
                self.resource_id = Some(id.as_ref().to_owned());
            }
            Err(invalid) => {
                self.build_error
                    .get_or_insert(Error::InvalidInput(InvalidInput::new(name, invalid.rule)));
            }
        }
        self
    }

    /// Appends one path segment made of a fixed `prefix` and an encoded
    /// `value`, such as commercetools' `key=<key>`.
    ///
    /// The prefix is the caller's constant and keeps `=` and `:` as they are;
    /// the value is encoded like any segment.
    ///
    /// ```
    /// use sdk_core::Request;
    ///
    /// let request = Request::get("get_by_key").segment("groups").prefixed_segment("key=", "a/b");
    /// assert_eq!(request.path(), "/groups/key=a%2Fb");
    /// assert_eq!(request.path_template(), "/groups/key={key}");
    /// ```
    pub fn prefixed_segment(mut self, prefix: &'static str, value: impl AsRef<str>) -> Self {
        let value = value.as_ref();
        if value.is_empty() {
            self.build_error
                .get_or_insert(Error::invalid_input("path segment", "must not be empty"));
            return self;
        }
        self.path.push('/');
        self.path.push_str(&encode_prefix(prefix));
        self.path.push_str(&encode_query_component(value));
        self.template.push('/');
        self.template.push_str(&encode_prefix(prefix));
        self.template.push('{');
        self.template.push_str(prefix.trim_end_matches(['=', ':']));
        self.template.push('}');
        self.resource_id = Some(value.to_owned());
        self
    }

    /// Appends a path segment that is a parameter of the API rather than a
    /// fixed name, such as a project key or a tenant: encoded like
    /// [`segment`](Self::segment), shown as `{name}` in traces and metrics.
    ///
    /// ```
    /// use sdk_core::Request;
    ///
    /// let request = Request::get("list").param_segment("tenant", "acme").segment("groups");
    /// assert_eq!(request.path(), "/acme/groups");
    /// assert_eq!(request.path_template(), "/{tenant}/groups");
    /// ```
    pub fn param_segment(mut self, name: &'static str, value: impl AsRef<str>) -> Self {
        match encode_path_segment(value.as_ref()) {
            Ok(encoded) => self.push_segment(&encoded, Some(name)),
            Err(invalid) => {
                self.build_error.get_or_insert(Error::InvalidInput(invalid));
            }
        }
        self
    }

    /// Appends several path segments, each percent-encoded.
    pub fn segments<I, S>(self, segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        segments.into_iter().fold(self, Request::segment)
    }

    /// Appends a query parameter; repeat it for repeated parameters.
    pub fn query(mut self, name: &str, value: impl AsRef<str>) -> Self {
        if !self.query.is_empty() {
            self.query.push('&');
        }
        self.query.push_str(&encode_query_component(name));
        self.query.push('=');
        self.query.push_str(&encode_query_component(value.as_ref()));
        self
    }

    /// Appends a query parameter when `value` is `Some`.
    pub fn query_opt(self, name: &str, value: Option<impl AsRef<str>>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Sets a JSON body. A value that cannot be serialized fails the request
    /// when sent, with nothing sent.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(Body {
                    bytes: Bytes::from(bytes),
                    content_type: HeaderValue::from_static("application/json"),
                });
            }
            Err(err) => {
                self.body_error.get_or_insert(Error::invalid_input(
                    "body",
                    format!("cannot be serialized as JSON: {err}"),
                ));
            }
        }
        self
    }

    /// Sets a raw body with its content type.
    pub fn body(mut self, bytes: impl Into<Bytes>, content_type: HeaderValue) -> Self {
        self.body = Some(Body {
            bytes: bytes.into(),
            content_type,
        });
        self
    }

    /// Records the outcome of a client-side check: a refusal fails the
    /// request when sent, with nothing sent, like an invalid segment or body.
    ///
    /// ```
    /// use sdk_core::error::InvalidInput;
    /// use sdk_core::Request;
    ///
    /// let refused = Err(InvalidInput::new("name", "must not be blank"));
    /// let request = Request::post("create_thing").segment("things").check(refused);
    /// # let _ = request;
    /// ```
    pub fn check(mut self, outcome: std::result::Result<(), InvalidInput>) -> Self {
        if let Err(invalid) = outcome {
            self.build_error.get_or_insert(Error::InvalidInput(invalid));
        }
        self
    }

    /// Adds a header to this request. A header that frames or routes the
    /// request ([`check_settable`](crate::headers::check_settable)) fails
    /// it when sent, with nothing sent.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        match crate::headers::check_settable(&name) {
            Ok(()) => {
                self.headers.insert(name, value);
            }
            Err(refused) => {
                self.build_error.get_or_insert(Error::InvalidInput(refused));
            }
        }
        self
    }

    /// Marks whether sending this request twice has the same effect as once.
    ///
    /// Only idempotent requests are retried after they may have reached the
    /// server (timeouts, resets, 5xx answers).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Marks an error `status` as an expected answer, such as the 404 of
    /// an existence check: the request's attempt span records the status
    /// without marking itself as an error. The answer is still returned
    /// as an API error for the call to read.
    pub fn expect_status(mut self, status: reqwest::StatusCode) -> Self {
        self.expected_status = Some(status);
        self
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The operation name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The encoded path below the client's base URL, starting with `/`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path as traces and metrics name it (`url.template`): ids and API
    /// parameters as `{placeholders}`, so that it takes few values.
    ///
    /// ```
    /// use sdk_core::Request;
    ///
    /// let request = Request::get("get_customer").segment("customers").id_segment("customer id", "42");
    /// assert_eq!(request.path_template(), "/customers/{id}");
    /// ```
    pub fn path_template(&self) -> &str {
        &self.template
    }

    /// The encoded query string, without `?`.
    pub fn query_string(&self) -> &str {
        &self.query
    }

    /// Whether the request counts as idempotent.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }
}

impl fmt::Debug for Request {
    /// Shows method, operation and path; never the body (personal data) or header values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("operation", &self.operation)
            .field("path", &self.path)
            .field("idempotent", &self.idempotent)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &self.body.as_ref().map(|b| b.bytes.len()))
            .finish()
    }
}
