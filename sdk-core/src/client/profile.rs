//! What the core needs to know of a vendor, in one place: how its errors
//! read, which failures it retries, the headers it sends and reads, the
//! query parameters safe to show in traces, and its default body cap.

use std::fmt;
use std::sync::Arc;

use reqwest::header::HeaderName;

use super::settings::{ClientSettings, DEFAULT_MAX_RESPONSE_BYTES};
use crate::error::{ErrorBodyParser, GenericErrorParser};
use crate::retry::{DefaultRetryClassifier, RetryClassifier};

/// Query parameters whose values say how a listing pages or sorts, never
/// who or what it is about, under the names common APIs give them: what a
/// client without a vendor profile shows in `url.full`.
pub const COMMON_PLAIN_QUERY_PARAMETERS: &[&str] = &[
    "limit",
    "offset",
    "withTotal",
    "sort",
    "expand",
    "pageNumber",
    "pageSize",
    "sortBy",
    "sortDirection",
];

/// Everything the core needs to know of a vendor's API, in one place: a
/// vendor crate describes its API once and hands the profile to
/// [`ClientBuilder::for_vendor`](super::ClientBuilder::for_vendor), and
/// the settings of its builders start from [`settings`](Self::settings).
///
/// ```
/// use sdk_core::http::HeaderName;
/// use sdk_core::vendor::VendorProfile;
///
/// let acme = VendorProfile::new("acme")
///     .correlation_id_header(HeaderName::from_static("x-acme-trace"))
///     .plain_query_parameters(&["cursor", "per_page"])
///     .max_response_bytes(8 * 1024 * 1024);
/// let client = sdk_core::Client::builder("https://api.acme.example/v1")
///     .for_vendor(&acme)
///     .settings(acme.settings())
///     .build()?;
/// # let _ = client;
/// # Ok::<(), sdk_core::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct VendorProfile {
    /// The vendor's name in traces and metrics (`customer_sdk.vendor`).
    pub name: &'static str,
    /// How its error bodies read.
    pub error_parser: Arc<dyn ErrorBodyParser>,
    /// Which failed attempts are tried again.
    pub retry_classifier: Arc<dyn RetryClassifier>,
    /// The header it takes a correlation id in, if it has one: every call
    /// then sends one (a new UUID unless the call sets its own).
    pub correlation_id_header: Option<HeaderName>,
    /// Response headers that carry a request id, checked in order.
    pub request_id_headers: Vec<HeaderName>,
    /// A response header by which it says an operation is deprecated.
    pub deprecation_header: Option<HeaderName>,
    /// Query parameters whose values may be shown in `url.full` (paging
    /// and sorting ones); every other value is `REDACTED`.
    pub plain_query_parameters: &'static [&'static str],
    /// The largest successful body its API's limits allow: the default of
    /// [`settings`](Self::settings).
    pub max_response_bytes: usize,
}

impl fmt::Debug for VendorProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VendorProfile")
            .field("name", &self.name)
            .field("error_parser", &self.error_parser)
            .field("retry_classifier", &self.retry_classifier)
            .field("correlation_id_header", &self.correlation_id_header)
            .field("plain_query_parameters", &self.plain_query_parameters)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl VendorProfile {
    /// A vendor named `name`, with the core's defaults: the generic error
    /// parser, the default retry table, no correlation header, request ids
    /// from `X-Request-Id` and `X-Correlation-ID`, the common paging
    /// parameters shown, a 128 MiB body cap.
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            error_parser: Arc::new(GenericErrorParser),
            retry_classifier: Arc::new(DefaultRetryClassifier),
            correlation_id_header: None,
            request_id_headers: vec![
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("x-correlation-id"),
            ],
            deprecation_header: None,
            plain_query_parameters: COMMON_PLAIN_QUERY_PARAMETERS,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// How its error bodies read.
    pub fn error_parser(mut self, parser: impl ErrorBodyParser) -> Self {
        self.error_parser = Arc::new(parser);
        self
    }

    /// Which failed attempts are tried again.
    pub fn retry_classifier(mut self, classifier: impl RetryClassifier) -> Self {
        self.retry_classifier = Arc::new(classifier);
        self
    }

    /// The header it takes a correlation id in.
    pub fn correlation_id_header(mut self, name: HeaderName) -> Self {
        self.correlation_id_header = Some(name);
        self
    }

    /// Response headers that carry a request id, checked in order.
    pub fn request_id_headers(mut self, names: Vec<HeaderName>) -> Self {
        self.request_id_headers = names;
        self
    }

    /// A response header by which it says an operation is deprecated.
    pub fn deprecation_header(mut self, name: HeaderName) -> Self {
        self.deprecation_header = Some(name);
        self
    }

    /// Query parameters whose values may be shown in `url.full`.
    pub fn plain_query_parameters(mut self, names: &'static [&'static str]) -> Self {
        self.plain_query_parameters = names;
        self
    }

    /// The largest successful body its API's limits allow.
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// The settings a builder of this vendor starts from: the defaults,
    /// with its body cap.
    pub fn settings(&self) -> ClientSettings {
        ClientSettings::default().with_max_response_bytes(self.max_response_bytes)
    }
}
