//! The retry loop, apart from any transport: it runs "an attempt" until one
//! succeeds or no other may be made, with the policy, classifier, budget,
//! sleeper and deadline handed in. The client's attempt (headers, auth,
//! send, capped read, error mapping) is in `client/attempt.rs`.

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::future::Future;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::{
    Attempt, AttemptOutcome, RetryBudget, RetryClassifier, RetryDecision, RetryPolicy, Sleeper,
};
use crate::error::{Error, RateLimited, Result};

/// How one attempt ended, as the loop needs it.
#[derive(Debug)]
pub(crate) enum Attempted<T> {
    /// It succeeded.
    Done(T),
    /// It failed in a way the classifier judges: another attempt may help.
    Failed(Error, Failure),
    /// It failed in a way no other attempt can mend (the request cannot be
    /// built, a certificate cannot be verified, no credentials).
    Final(Error),
}

/// How a failed attempt ended, owned: what the classifier sees, as an
/// [`AttemptOutcome`].
#[derive(Debug)]
pub(crate) enum Failure {
    /// An answer with a status that is not a success, and the vendor's
    /// error code when its body had one.
    Status(StatusCode, HeaderMap, Option<String>),
    /// The attempt timed out.
    TimedOut,
    /// No connection was made.
    NotConnected,
    /// The connection broke after the request may have been sent.
    ConnectionLost,
}

impl Failure {
    /// Why the attempt failed, as `error.type` names it.
    fn reason(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Failure::Status(status, ..) => status.as_u16().to_string().into(),
            Failure::TimedOut => "timeout".into(),
            Failure::NotConnected => "connect".into(),
            Failure::ConnectionLost => "connection_lost".into(),
        }
    }

    /// Whether the failed attempt may have reached the server and been
    /// acted on: anything but a connection that was never made.
    pub(crate) fn may_have_reached_server(&self) -> bool {
        !matches!(self, Failure::NotConnected)
    }

    fn outcome(&self) -> AttemptOutcome<'_> {
        match self {
            Failure::Status(status, headers, code) => AttemptOutcome::Status {
                status: *status,
                headers,
                code: code.as_deref(),
            },
            Failure::TimedOut => AttemptOutcome::TimedOut,
            Failure::NotConnected => AttemptOutcome::NotConnected,
            Failure::ConnectionLost => AttemptOutcome::ConnectionLost,
        }
    }
}

/// Everything the loop decides with, for one call.
#[derive(Clone, Copy)]
pub(crate) struct Retrying<'a> {
    /// The operation, for the classifier and the logs.
    pub operation: &'static str,
    /// Whether the request may be sent twice.
    pub idempotent: bool,
    /// Attempts in all (the policy's, or the call's own).
    pub max_attempts: u32,
    /// Backoff and the longest `Retry-After` accepted.
    pub policy: &'a RetryPolicy,
    /// Which failures are worth another try, and what a retry costs.
    pub classifier: &'a dyn RetryClassifier,
    /// The client's retry budget, if it has one.
    pub budget: Option<&'a RetryBudget>,
    /// How the loop waits.
    pub sleeper: &'a dyn Sleeper,
    /// No wait may end at or after this instant.
    pub deadline: Option<Instant>,
    /// Told the reason of each failed attempt that is tried again.
    pub on_retry: &'a (dyn Fn(&str) + Sync),
}

/// Runs `attempt(n, slept_to)` for n = 1, 2, ... until an attempt succeeds,
/// fails for good, or the attempts, the budget or the deadline run out; the
/// error is the last attempt's. `slept_to` is the instant the wait before
/// the attempt ran to (`None` for the first): whether or not the sleeper
/// took the time, that much is waited, and a pause the governor holds for
/// the same `Retry-After` is not waited again.
pub(crate) async fn retry_loop<T, A, F>(retrying: Retrying<'_>, mut attempt: A) -> Result<T>
where
    A: FnMut(u32, Option<Instant>) -> F,
    F: Future<Output = Attempted<T>>,
{
    let mut number: u32 = 1;
    let mut slept_to: Option<Instant> = None;
    loop {
        let (error, failure) = match attempt(number, slept_to).await {
            Attempted::Done(value) => {
                if let Some(budget) = retrying.budget {
                    budget.refund_success();
                }
                return Ok(value);
            }
            Attempted::Final(error) => return Err(error),
            Attempted::Failed(error, failure) => (error, failure),
        };
        let wait = retrying.wait_after(number, &failure, error)?;
        (retrying.on_retry)(&failure.reason());
        slept_to = Instant::now().checked_add(wait);
        retrying.sleeper.sleep(wait).await;
        number = number.saturating_add(1);
    }
}

impl Retrying<'_> {
    /// How long to wait before another attempt after attempt `number`
    /// failed, or the error to end the call with. Charges the budget.
    fn wait_after(
        &self,
        number: u32,
        failure: &Failure,
        error: Error,
    ) -> Result<std::time::Duration> {
        let decision = self.classifier.classify(&Attempt {
            outcome: failure.outcome(),
            idempotent: self.idempotent,
            operation: self.operation,
            number,
        });
        let RetryDecision::Retry { cause, not_before } = decision else {
            return Err(error);
        };
        if number >= self.max_attempts {
            return Err(error);
        }
        let wait = match self.policy.delay_before_retry(number, not_before) {
            Ok(wait) => wait,
            Err(asked) => return Err(rate_limited(error, asked)),
        };
        let wakes_at = Instant::now().checked_add(wait);
        if self
            .deadline
            .is_some_and(|deadline| wakes_at.is_none_or(|at| at >= deadline))
        {
            tracing::debug!("no retry: the wait would pass the deadline");
            return Err(error);
        }
        if let Some(budget) = self.budget
            && !budget.try_withdraw(cause)
        {
            tracing::warn!("no retry: the client's retry budget is exhausted");
            return Err(error);
        }
        tracing::info!(
            error = %crate::telemetry::Escaped(&error),
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "retrying"
        );
        Ok(wait)
    }
}

/// The server asked to wait longer than the client accepts: an API error
/// becomes [`Error::RateLimited`]; any other stays as it is.
fn rate_limited(error: Error, asked: std::time::Duration) -> Error {
    match error {
        Error::Api(api) => Error::RateLimited(Box::new(RateLimited {
            retry_after: asked,
            api: *api,
        })),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use futures::future::BoxFuture;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    use super::*;
    use crate::retry::{Backoff, DefaultRetryClassifier, RetryBudgetConfig, RetryCause};

    /// Records every wait instead of taking it.
    #[derive(Debug, Default, Clone)]
    struct RecordingSleeper(Arc<Mutex<Vec<Duration>>>);

    impl Sleeper for RecordingSleeper {
        fn sleep(&self, wait: Duration) -> BoxFuture<'static, ()> {
            self.0.lock().unwrap().push(wait);
            Box::pin(std::future::ready(()))
        }
    }

    impl RecordingSleeper {
        fn waits(&self) -> Vec<Duration> {
            self.0.lock().unwrap().clone()
        }
    }

    fn status(code: u16) -> Attempted<&'static str> {
        status_with(code, HeaderMap::new())
    }

    fn status_with(code: u16, headers: HeaderMap) -> Attempted<&'static str> {
        let status = StatusCode::from_u16(code).unwrap();
        let error = Error::invalid_input("scripted", format!("answered {code}"));
        Attempted::Failed(error, Failure::Status(status, headers, None))
    }

    fn timed_out() -> Attempted<&'static str> {
        Attempted::Failed(
            Error::invalid_input("scripted", "timed out"),
            Failure::TimedOut,
        )
    }

    /// Runs the loop over `script`, one entry per attempt, and returns the
    /// outcome, the attempt numbers seen and the waits taken.
    async fn run(
        script: Vec<Attempted<&'static str>>,
        setup: impl FnOnce(&mut Retrying<'_>),
        budget: Option<&RetryBudget>,
    ) -> (Result<&'static str>, Vec<u32>, Vec<Duration>) {
        let policy = RetryPolicy::default().with_backoff(Backoff::new(
            Duration::from_millis(100),
            Duration::from_secs(1),
        ));
        let sleeper = RecordingSleeper::default();
        let mut retrying = Retrying {
            operation: "scripted",
            idempotent: true,
            max_attempts: 5,
            policy: &policy,
            classifier: &DefaultRetryClassifier,
            budget,
            sleeper: &sleeper,
            deadline: None,
            on_retry: &|_| {},
        };
        setup(&mut retrying);
        let script = Mutex::new(VecDeque::from(script));
        let seen = Mutex::new(Vec::new());
        let outcome = retry_loop(retrying, |number, _| {
            seen.lock().unwrap().push(number);
            let next = script
                .lock()
                .unwrap()
                .pop_front()
                .expect("an attempt too many");
            std::future::ready(next)
        })
        .await;
        let seen = seen.into_inner().unwrap();
        (outcome, seen, sleeper.waits())
    }

    fn message(outcome: &Result<&'static str>) -> String {
        outcome.as_ref().unwrap_err().to_string()
    }

    #[tokio::test]
    async fn failures_are_retried_until_one_succeeds() {
        let script = vec![status(503), timed_out(), Attempted::Done("answer")];
        let (outcome, numbers, waits) = run(script, |_| {}, None).await;
        assert_eq!(outcome.unwrap(), "answer");
        assert_eq!(numbers, [1, 2, 3]);
        assert_eq!(waits.len(), 2);
        // Full jitter under a doubling ceiling.
        assert!(waits[0] <= Duration::from_millis(100) && waits[1] <= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn the_last_error_ends_the_call_when_attempts_run_out() {
        let script = vec![status(503), status(502), status(500)];
        let (outcome, numbers, waits) = run(script, |r| r.max_attempts = 3, None).await;
        assert!(message(&outcome).contains("answered 500"));
        assert_eq!(numbers, [1, 2, 3]);
        assert_eq!(waits.len(), 2);
    }

    #[tokio::test]
    async fn what_the_classifier_gives_up_on_ends_the_call_at_once() {
        let (outcome, numbers, waits) = run(vec![status(404)], |_| {}, None).await;
        assert!(message(&outcome).contains("answered 404"));
        assert_eq!((numbers, waits), (vec![1], vec![]));
        // A non-idempotent request is not sent again after a 503.
        let (outcome, numbers, _) = run(vec![status(503)], |r| r.idempotent = false, None).await;
        assert!(outcome.is_err());
        assert_eq!(numbers, [1]);
    }

    #[tokio::test]
    async fn a_final_failure_is_never_classified_or_retried() {
        let script = vec![Attempted::Final(Error::invalid_input("url", "too long"))];
        let (outcome, numbers, waits) = run(script, |_| {}, None).await;
        assert!(message(&outcome).contains("too long"));
        assert_eq!((numbers, waits), (vec![1], vec![]));
    }

    #[tokio::test]
    async fn retry_after_is_a_floor_and_too_long_a_wait_is_not_taken() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        let script = vec![status_with(429, headers), Attempted::Done("answer")];
        let (outcome, _, waits) = run(script, |_| {}, None).await;
        assert_eq!(outcome.unwrap(), "answer");
        assert_eq!(waits, [Duration::from_secs(7)]);

        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        let (outcome, numbers, waits) = run(vec![status_with(429, headers)], |_| {}, None).await;
        assert!(outcome.is_err());
        assert_eq!((numbers, waits), (vec![1], vec![]));
    }

    #[tokio::test]
    async fn no_wait_ends_past_the_deadline() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("5"));
        let deadline = Instant::now().checked_add(Duration::from_secs(2));
        let (outcome, numbers, waits) = run(
            vec![status_with(503, headers)],
            |r| r.deadline = deadline,
            None,
        )
        .await;
        assert!(outcome.is_err());
        assert_eq!((numbers, waits), (vec![1], vec![]));
    }

    #[tokio::test]
    async fn the_budget_is_charged_what_the_decision_says_and_stops_retries() {
        // Room for one timeout retry (cost 10), not for an error retry (cost 5) after it.
        let budget = RetryBudget::new(
            RetryBudgetConfig::default()
                .with_capacity(12)
                .with_costs(5, 10),
        );
        let script = vec![timed_out(), status(503), Attempted::Done("never")];
        let (outcome, numbers, waits) = run(script, |_| {}, Some(&budget)).await;
        assert!(message(&outcome).contains("answered 503"));
        assert_eq!((numbers, waits.len()), (vec![1, 2], 1));
        assert_eq!(budget.available(), 2);
    }

    #[tokio::test]
    async fn a_success_refunds_the_budget() {
        let budget = RetryBudget::new(RetryBudgetConfig::default());
        let (outcome, _, _) = run(
            vec![status(503), Attempted::Done("ok")],
            |_| {},
            Some(&budget),
        )
        .await;
        assert_eq!(outcome.unwrap(), "ok");
        // 500 tokens, 5 for the retry, 1 back for the success.
        assert_eq!(budget.available(), 496);
    }

    #[tokio::test]
    async fn a_classifier_of_ones_own_decides_and_prices() {
        #[derive(Debug)]
        struct EveryStatusOnceCheap;
        impl RetryClassifier for EveryStatusOnceCheap {
            fn classify(&self, attempt: &Attempt<'_>) -> RetryDecision {
                if attempt.number == 1 {
                    RetryDecision::retry(RetryCause::Error)
                } else {
                    RetryDecision::GiveUp
                }
            }
        }
        let (outcome, numbers, _) = run(
            vec![status(409), status(409)],
            |r| r.classifier = &EveryStatusOnceCheap,
            None,
        )
        .await;
        assert!(outcome.is_err());
        assert_eq!(numbers, [1, 2]);
    }

    #[tokio::test(start_paused = true)]
    async fn each_retry_is_reported_with_the_failed_attempts_reason() {
        let policy = RetryPolicy::default();
        let sleeper = RecordingSleeper::default();
        let reasons = Mutex::new(Vec::new());
        let record = |reason: &str| reasons.lock().unwrap().push(reason.to_owned());
        let retrying = Retrying {
            operation: "scripted",
            idempotent: true,
            max_attempts: 5,
            policy: &policy,
            classifier: &DefaultRetryClassifier,
            budget: None,
            sleeper: &sleeper,
            deadline: None,
            on_retry: &record,
        };
        let mut script = VecDeque::from([status(503), timed_out(), Attempted::Done("ok")]);
        let outcome = retry_loop(retrying, |_, _| {
            std::future::ready(script.pop_front().unwrap())
        })
        .await;
        assert_eq!(outcome.unwrap(), "ok");
        assert_eq!(*reasons.lock().unwrap(), ["503", "timeout"]);
    }
}
