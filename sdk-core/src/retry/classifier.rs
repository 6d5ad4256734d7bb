//! Which failed attempts are worth another try: a small policy trait, so
//! that a vendor crate can add its own rules on top of the default table.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::{RetryCause, is_transient_server_status, parse_retry_after};

/// How one failed attempt ended, as a [`RetryClassifier`] sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum AttemptOutcome<'a> {
    /// The server answered with a status that is not a success.
    Status {
        /// The status.
        status: StatusCode,
        /// The answer's headers.
        headers: &'a HeaderMap,
        /// The vendor's error code, as its error parser read it from the
        /// body (commercetools' `PendingOperation`).
        code: Option<&'a str>,
    },
    /// The attempt took longer than its timeout; the request may have been applied.
    TimedOut,
    /// No connection was made: the request was never sent.
    NotConnected,
    /// The connection broke after the request may have been sent.
    ConnectionLost,
}

/// One failed attempt and what is known of its request.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// How the attempt ended.
    pub outcome: AttemptOutcome<'a>,
    /// Whether sending the request twice has the effect of sending it once.
    pub idempotent: bool,
    /// The operation's name, such as `get_customer`.
    pub operation: &'static str,
    /// The attempt's number, 1 for the first.
    pub number: u32,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Try again, after the policy's backoff and not sooner than
    /// `not_before` (the server's `Retry-After`; a wait longer than the
    /// policy's `max_retry_after` ends the call with
    /// [`Error::RateLimited`](crate::Error::RateLimited) instead). The retry
    /// costs the client's retry budget what `cause` costs.
    Retry {
        /// What the retry costs the budget.
        cause: RetryCause,
        /// The earliest the next attempt may start.
        not_before: Option<Duration>,
    },
    /// Fail the call with this attempt's error.
    GiveUp,
}

impl RetryDecision {
    /// Try again after the policy's backoff, at the cost of `cause`.
    pub fn retry(cause: RetryCause) -> Self {
        RetryDecision::Retry {
            cause,
            not_before: None,
        }
    }

    /// Try again at the cost of `cause`, not sooner than `wait`.
    pub fn retry_not_before(cause: RetryCause, wait: Duration) -> Self {
        RetryDecision::Retry {
            cause,
            not_before: Some(wait),
        }
    }
}

/// Decides whether a failed attempt is tried again.
///
/// The retry loop asks it once per failed attempt; the loop itself still
/// counts attempts, waits, charges the retry budget and keeps the deadline,
/// so a classifier answers "is this worth another try, and what does it
/// cost" (the [`RetryCause`] it names). A vendor crate
/// extends the default table by answering the cases it knows and handing
/// the rest to [`DefaultRetryClassifier`]:
///
/// ```
/// use sdk_core::retry::{
///     Attempt, AttemptOutcome, DefaultRetryClassifier, RetryCause, RetryClassifier, RetryDecision,
/// };
///
/// /// This API answers 409 to a create that raced with another, and the race is safe to replay.
/// #[derive(Debug)]
/// struct RetryRacedCreates;
///
/// impl RetryClassifier for RetryRacedCreates {
///     fn classify(&self, attempt: &Attempt<'_>) -> RetryDecision {
///         match attempt.outcome {
///             AttemptOutcome::Status { status, .. } if status == 409 && attempt.number < 3 => {
///                 RetryDecision::retry(RetryCause::Error)
///             }
///             _ => DefaultRetryClassifier.classify(attempt),
///         }
///     }
/// }
///
/// let client = sdk_core::Client::builder("https://api.example.com")
///     .retry_classifier(RetryRacedCreates)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), sdk_core::Error>(())
/// ```
pub trait RetryClassifier: fmt::Debug + Send + Sync + 'static {
    /// What to do after `attempt`.
    fn classify(&self, attempt: &Attempt<'_>) -> RetryDecision;
}

/// The SDK's retry table:
///
/// | outcome | retried |
/// |---|---|
/// | no connection made (the request was not sent) | always |
/// | 429 | always, not sooner than its `Retry-After` |
/// | 500, 502, 503, 504 | idempotent requests only, not sooner than a `Retry-After` |
/// | timeout, connection lost | idempotent requests only |
/// | any other status | never |
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultRetryClassifier;

impl RetryClassifier for DefaultRetryClassifier {
    fn classify(&self, attempt: &Attempt<'_>) -> RetryDecision {
        match attempt.outcome {
            AttemptOutcome::Status {
                status, headers, ..
            } => {
                let retryable = status == StatusCode::TOO_MANY_REQUESTS
                    || (attempt.idempotent && is_transient_server_status(status));
                if !retryable {
                    return RetryDecision::GiveUp;
                }
                RetryDecision::Retry {
                    cause: RetryCause::Error,
                    not_before: parse_retry_after(headers),
                }
            }
            AttemptOutcome::NotConnected => RetryDecision::retry(RetryCause::Error),
            // Timeouts tie up servers longest: their retries cost more.
            AttemptOutcome::TimedOut if attempt.idempotent => {
                RetryDecision::retry(RetryCause::Timeout)
            }
            AttemptOutcome::ConnectionLost if attempt.idempotent => {
                RetryDecision::retry(RetryCause::Error)
            }
            AttemptOutcome::TimedOut | AttemptOutcome::ConnectionLost => RetryDecision::GiveUp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    fn decide(outcome: AttemptOutcome<'_>, idempotent: bool) -> RetryDecision {
        DefaultRetryClassifier.classify(&Attempt {
            outcome,
            idempotent,
            operation: "op",
            number: 1,
        })
    }

    #[test]
    fn the_default_table() {
        let none = HeaderMap::new();
        let mut later = HeaderMap::new();
        later.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        let status = |code: u16, headers| AttemptOutcome::Status {
            status: StatusCode::from_u16(code).unwrap(),
            headers,
            code: None,
        };
        assert_eq!(
            decide(status(429, &none), false),
            RetryDecision::retry(RetryCause::Error)
        );
        assert_eq!(
            decide(status(429, &later), false),
            RetryDecision::retry_not_before(RetryCause::Error, Duration::from_secs(7))
        );
        assert_eq!(
            decide(status(503, &none), true),
            RetryDecision::retry(RetryCause::Error)
        );
        assert_eq!(decide(status(503, &none), false), RetryDecision::GiveUp);
        assert_eq!(decide(status(501, &none), true), RetryDecision::GiveUp);
        assert_eq!(decide(status(404, &later), true), RetryDecision::GiveUp);
        assert_eq!(
            decide(AttemptOutcome::NotConnected, false),
            RetryDecision::retry(RetryCause::Error)
        );
        assert_eq!(
            decide(AttemptOutcome::TimedOut, true),
            RetryDecision::retry(RetryCause::Timeout)
        );
        assert_eq!(
            decide(AttemptOutcome::TimedOut, false),
            RetryDecision::GiveUp
        );
        assert_eq!(
            decide(AttemptOutcome::ConnectionLost, false),
            RetryDecision::GiveUp
        );
    }
}
