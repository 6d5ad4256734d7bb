//! When to try a request again, how long to wait, and how much retrying a
//! client may do in all.
//!
//! Small types, each with one job:
//! - [`RetryClassifier`]: whether a failed attempt is worth another try
//!   ([`DefaultRetryClassifier`] is the table below; a vendor crate may extend it);
//! - [`RetryPolicy`]: how many attempts, and the longest `Retry-After` the client accepts;
//! - [`Backoff`]: exponential backoff with full jitter;
//! - [`RetryBudget`]: a token bucket per client, so an outage does not multiply load;
//! - [`Sleeper`]: how the loop waits ([`TokioSleeper`] unless a test gives another).
//!
//! | outcome | retried |
//! |---|---|
//! | connect/DNS/TLS failure, request not sent | always |
//! | 429 | always |
//! | 500, 502, 503, 504, timeout, connection reset | only if the request is idempotent |
//! | 401 | once, after the auth provider refreshed (not counted as a retry) |
//! | other 4xx, decode errors | never |

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::time::Duration;

mod budget;
mod classifier;
pub(crate) mod run;
mod sleep;

pub use budget::{RetryBudget, RetryBudgetConfig, RetryCause};
pub use classifier::{
    Attempt, AttemptOutcome, DefaultRetryClassifier, RetryClassifier, RetryDecision,
};
pub use sleep::{Sleeper, TokioSleeper};

// What HTTP itself says about an answer, read by this module and by `error`.
pub(crate) use crate::protocol::is_transient_server_status;
pub use crate::protocol::{is_retryable_status, parse_retry_after};

/// How many attempts a request gets and how the waits between them are chosen.
///
/// ```
/// use std::time::Duration;
/// use sdk_core::{Backoff, RetryPolicy};
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_backoff(Backoff::new(Duration::from_millis(100), Duration::from_secs(5)))
///     .with_max_retry_after(Duration::from_secs(30));
/// assert_eq!(policy.max_attempts(), 5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    backoff: Backoff,
    max_retry_after: Duration,
    budget: Option<RetryBudgetConfig>,
}

impl Default for RetryPolicy {
    /// 3 attempts in all, backoff from 200 ms capped at 20 s, `Retry-After` accepted up to 60 s,
    /// and the default retry budget.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(60),
            budget: Some(RetryBudgetConfig::default()),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (one attempt).
    pub fn never() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff between attempts.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The longest `Retry-After` the client waits for; a longer one ends the
    /// call with [`Error::RateLimited`](crate::Error::RateLimited) so the caller decides.
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The retry budget of clients built with this policy; `None` turns budgeting off.
    pub fn with_budget(mut self, budget: Option<RetryBudgetConfig>) -> Self {
        self.budget = budget;
        self
    }

    /// Attempts in all, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff between attempts.
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }

    /// The longest `Retry-After` the client waits for.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The retry budget configuration, if budgeting is on.
    pub fn budget(&self) -> Option<&RetryBudgetConfig> {
        self.budget.as_ref()
    }

    /// The wait before retry number `retry` (1 for the first retry), taking
    /// `Retry-After` into account: `Ok(wait)`, or `Err(asked)` when the
    /// server asked for longer than [`max_retry_after`](Self::max_retry_after).
    pub fn delay_before_retry(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
    ) -> Result<Duration, Duration> {
        let backoff = self.backoff.delay(retry);
        match retry_after {
            Some(asked) if asked > self.max_retry_after => Err(asked),
            Some(asked) => Ok(backoff.max(asked)),
            None => Ok(backoff),
        }
    }
}

/// Exponential backoff with full jitter: the wait before retry `n` is drawn
/// uniformly from `[0, min(cap, base * 2^(n-1))]`.
///
/// Full jitter spreads clients that failed together, so they do not come back together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
}

impl Default for Backoff {
    /// Base 200 ms, cap 20 s.
    fn default() -> Self {
        Self::new(Duration::from_millis(200), Duration::from_secs(20))
    }
}

impl Backoff {
    /// A backoff starting at `base` and never longer than `cap`.
    pub fn new(base: Duration, cap: Duration) -> Self {
        Self { base, cap }
    }

    /// The ceiling of the wait before retry `retry` (1 for the first retry), before jitter.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        self.base
            .checked_mul(1u32 << exponent)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// A jittered wait before retry `retry` (1 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_ceiling_doubles_up_to_the_cap() {
        let backoff = Backoff::default();
        assert_eq!(backoff.ceiling(1), Duration::from_millis(200));
        assert_eq!(backoff.ceiling(2), Duration::from_millis(400));
        assert_eq!(backoff.ceiling(3), Duration::from_millis(800));
        assert_eq!(backoff.ceiling(8), Duration::from_secs(20));
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(20));
        for retry in 1..40 {
            assert!(backoff.delay(retry) <= backoff.ceiling(retry));
        }
    }

    #[test]
    fn retry_after_is_a_floor_and_too_long_is_refused() {
        let policy = RetryPolicy::default().with_backoff(Backoff::new(
            Duration::from_millis(10),
            Duration::from_millis(10),
        ));
        let wait = policy
            .delay_before_retry(1, Some(Duration::from_secs(2)))
            .unwrap();
        assert_eq!(wait, Duration::from_secs(2));
        assert_eq!(
            policy.delay_before_retry(1, Some(Duration::from_secs(61))),
            Err(Duration::from_secs(61))
        );
    }
}
