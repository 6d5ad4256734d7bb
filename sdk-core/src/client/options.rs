//! What one call sets for itself over its client's settings: limits, a
//! correlation id, headers. Below the client, which resolves them, and
//! re-exported from [`call`](crate::call), where calls set them.

use std::sync::Arc;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use crate::error::InvalidInput;

/// What one call sets for itself over its client's settings: limits, a
/// correlation id, headers. Set through [`CallOptionsBuilder`](crate::CallOptionsBuilder) on calls and
/// listings; a vendor crate that sends several requests for one call sends
/// each with [`Client::send_with`](crate::Client::send_with) and these options.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct CallOptions {
    /// Time for each attempt.
    pub attempt_timeout: CallLimit,
    /// Time for the whole call, retries included.
    pub deadline: CallLimit,
    /// Attempts per request, the first included; `None` keeps the retry policy's.
    pub max_attempts: Option<u32>,
    /// The correlation id to send, where the vendor has one; `None` generates one.
    pub correlation_id: Option<String>,
    /// Headers to send with every request of the call, such as
    /// commercetools' `X-External-User-ID`.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// What the call cannot send (a header HTTP cannot carry, a value the
    /// API refuses): the call fails with it, nothing sent.
    pub(crate) refused: Option<InvalidInput>,
    /// Attempts sent by every request of the call: what a deadline error
    /// for the whole call reports.
    pub(crate) attempts: Arc<AtomicU32>,
    /// When a call of several requests must be done, fixed once as it
    /// starts, and the deadline that makes it: each of its requests gets
    /// what is left, not the whole deadline.
    pub(crate) ends_at: Option<(tokio::time::Instant, Duration)>,
}

/// A time limit one call sets for itself, over its client's.
///
/// ```
/// use std::time::Duration;
/// use sdk_core::call::CallLimit;
///
/// let client = Some(Duration::from_secs(30));
/// assert_eq!(CallLimit::Client.or_client(client), client);
/// assert_eq!(CallLimit::from(None).or_client(client), None);
/// assert_eq!(CallLimit::from(Some(Duration::from_secs(5))).or_client(client), Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CallLimit {
    /// The client's setting (the default).
    #[default]
    Client,
    /// No limit for this call, whatever the client's.
    Unlimited,
    /// This limit for this call.
    Within(Duration),
}

impl CallLimit {
    /// The limit in force: this call's own, or the `client`'s.
    pub fn or_client(self, client: Option<Duration>) -> Option<Duration> {
        match self {
            CallLimit::Client => client,
            CallLimit::Unlimited => None,
            CallLimit::Within(limit) => Some(limit),
        }
    }
}

impl From<Option<Duration>> for CallLimit {
    /// `None`: no limit for the call; `Some`: that limit.
    fn from(limit: Option<Duration>) -> Self {
        limit.map_or(CallLimit::Unlimited, CallLimit::Within)
    }
}

impl Clone for CallOptions {
    /// The same options for another call: its attempts are counted afresh.
    fn clone(&self) -> Self {
        Self {
            attempt_timeout: self.attempt_timeout,
            deadline: self.deadline,
            max_attempts: self.max_attempts,
            correlation_id: self.correlation_id.clone(),
            headers: self.headers.clone(),
            refused: self.refused.clone(),
            attempts: Arc::default(),
            ends_at: None,
        }
    }
}

impl CallOptions {
    /// Fails the call with `invalid` before anything is sent: for a vendor
    /// crate's own per-call setter whose value the API would refuse.
    pub fn refuse(&mut self, invalid: InvalidInput) {
        self.refused.get_or_insert(invalid);
    }

    /// Adds a header to every request of the call; a name or value that
    /// HTTP cannot carry, or a header that frames or routes the request
    /// ([`check_settable`](crate::headers::check_settable)), fails the call
    /// before anything is sent.
    pub fn add_header(&mut self, name: &str, value: &str) {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => match crate::headers::check_settable(&name) {
                Ok(()) => self.headers.push((name, value)),
                Err(refused) => {
                    self.refused.get_or_insert(refused);
                }
            },
            _ => {
                self.refused.get_or_insert(InvalidInput::new(
                    format!("header {name}"),
                    "not a valid HTTP header name or value",
                ));
            }
        }
    }
}
