//! Pacing requests before the server's limit, instead of after it.
//!
//! A [`Governor`] is shared by a client, its clones, every listing and
//! every retry, and by other clients built with the same handle (one
//! credential used by several clients). Every attempt takes a permit from
//! it before it is sent:
//!
//! - **A concurrency limit that adapts**, AIMD-style: it grows by one per
//!   round of answers that come back clean, and shrinks to 70% on a `429`,
//!   a `503` or a timeout (at most once a second).
//! - **A pace** (a token bucket), once the server has shown a limit: after
//!   the first `429`, one a second, doubling each clean second (TCP's slow
//!   start) until the next `429` (just past what the server answers),
//!   which takes 10% off; then 0.05 request a second more per second
//!   while answers come back clean, and 10% less on each `429`. A server
//!   that sends `X-RateLimit-*` budgets paces instead, and no pace is
//!   learned. A fixed rate ([`Governor::rate`]) is a contract you know,
//!   and stays.
//! - **A pause for everyone.** `Retry-After` (seconds, or an HTTP date
//!   measured against the answer's own `Date`) on a
//!   `429` or `503`, or `X-RateLimit-Remaining: 0` with
//!   `X-RateLimit-Reset` (seconds, fractions allowed, or an HTTP date),
//!   holds every task of the governor until then, not just the one that
//!   was told. A leaky bucket reported as Lightspeed's R-Series does
//!   (`X-LS-API-Bucket-Level`, `X-LS-API-Drip-Rate`) paces the same way.
//!
//! Waiting for a permit counts against the call's deadline; the attempt
//! timeout starts when the request is sent.
//!
//! ```
//! use sdk_core::governor::Governor;
//!
//! // One credential, two clients: one governor between them.
//! let governor = Governor::adaptive().max_concurrency(8);
//! let first = sdk_core::Client::builder("https://api.example.com").governor(governor.clone()).build()?;
//! let second = sdk_core::Client::builder("https://api.example.com").governor(governor.clone()).build()?;
//! # let _ = (first, second);
//! assert_eq!(governor.state().concurrency_limit, 8);
//! # Ok::<(), sdk_core::Error>(())
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderMap, StatusCode};
use tokio::sync::Notify;

use crate::retry::Sleeper;
use tokio::time::Instant;

/// The concurrency limit an adaptive governor starts at.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// The highest concurrency limit an adaptive governor grows to, unless capped lower.
pub const MAX_CONCURRENCY: usize = 64;

/// How much the learned pace grows a second while answers come back clean
/// (after its slow start).
const RATE_GROWTH_PER_SECOND: f64 = 0.05;

/// The share of the last second's answered rate a governor paces at after a `429`.
const RATE_AFTER_THROTTLE: f64 = 0.9;

/// What the concurrency limit becomes after a throttle.
const CONCURRENCY_AFTER_THROTTLE: f64 = 0.7;

/// Room left after a spent budget's reset, for the trip to the server.
const BUDGET_MARGIN: Duration = Duration::from_millis(2);

/// The longest pause a header can impose (a hostile or broken server's
/// `Retry-After: 99999999` does not stop a client for years).
const MAX_PAUSE: Duration = Duration::from_secs(15 * 60);

/// Paces the requests of the clients that share it: see [the module](self).
/// Cheap to clone; clones share one state.
#[derive(Clone)]
pub struct Governor {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Governor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Governor")
            .field("settings", &self.shared.settings)
            .field("state", &self.state())
            .finish()
    }
}

impl Default for Governor {
    fn default() -> Self {
        Self::adaptive()
    }
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    enabled: bool,
    max_concurrency: usize,
    fixed_rate: Option<f64>,
}

struct Shared {
    settings: Settings,
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug)]
struct State {
    limit: f64,
    in_flight: usize,
    rate: Option<f64>,
    tokens: f64,
    refilled_at: Instant,
    paused_until: Option<Instant>,
    /// When the answers of the last second came.
    answered: VecDeque<Instant>,
    last_decrease: Option<Instant>,
    /// Whether the learned pace still doubles each clean second (until its
    /// first throttle), as TCP's slow start does.
    slow_start: bool,
    /// Whether the server sends `X-RateLimit-*` budgets: then they pace,
    /// and no pace is learned from throttles.
    budget_seen: bool,
    /// Whether the last answer said the budget is spent: after its reset,
    /// one request goes, and the rest wait for what its answer says.
    budget_spent: bool,
    probe_in_flight: bool,
    waits: u64,
    throttles_avoided: u64,
    throttled: u64,
}

/// What a governor is doing now: see [`Governor::state`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GovernorState {
    /// How many requests may be in flight at once.
    pub concurrency_limit: usize,
    /// How many are.
    pub in_flight: usize,
    /// The pace, in requests a second, when there is one.
    pub rate: Option<f64>,
    /// How long every request waits before it may be sent, when paused.
    pub paused_for: Option<Duration>,
    /// Requests that waited for a permit.
    pub waits: u64,
    /// Requests held back while the server's own headers said it would
    /// refuse them (a `Retry-After` or a spent budget): each would have
    /// been a `429`. Holds for the concurrency limit or a learned pace are
    /// guesses, and count only in `waits`.
    pub throttles_avoided: u64,
    /// Answers that said the server was over its limit (`429`, `503`) or timed out.
    pub throttled: u64,
}

impl Governor {
    /// The default: a concurrency limit that starts at
    /// [`DEFAULT_CONCURRENCY`] and adapts, and a pace learned from the
    /// first `429`.
    pub fn adaptive() -> Self {
        Self::with(Settings {
            enabled: true,
            max_concurrency: MAX_CONCURRENCY,
            fixed_rate: None,
        })
    }

    /// No pacing at all: every request is sent at once (a `Retry-After`
    /// still delays the retry of the request that got it).
    pub fn off() -> Self {
        Self::with(Settings {
            enabled: false,
            max_concurrency: usize::MAX,
            fixed_rate: None,
        })
    }

    /// At most `max` requests in flight at once (at least 1); the limit
    /// still shrinks below it on throttles and grows back up to it.
    pub fn max_concurrency(self, max: usize) -> Self {
        Self::with(Settings {
            max_concurrency: max.max(1),
            ..self.shared.settings
        })
    }

    /// At most `per_second` requests a second (a contract you know; at
    /// least one a minute), evenly spaced.
    pub fn rate(self, per_second: f64) -> Self {
        let per_second = if per_second.is_finite() {
            per_second.max(1.0 / 60.0)
        } else {
            1.0
        };
        Self::with(Settings {
            fixed_rate: Some(per_second),
            ..self.shared.settings
        })
    }

    fn with(settings: Settings) -> Self {
        let limit = DEFAULT_CONCURRENCY.min(settings.max_concurrency) as f64;
        Self {
            shared: Arc::new(Shared {
                settings,
                state: Mutex::new(State {
                    limit,
                    in_flight: 0,
                    rate: settings.fixed_rate,
                    tokens: 1.0,
                    refilled_at: Instant::now(),
                    paused_until: None,
                    answered: VecDeque::new(),
                    last_decrease: None,
                    slow_start: true,
                    budget_seen: false,
                    budget_spent: false,
                    probe_in_flight: false,
                    waits: 0,
                    throttles_avoided: 0,
                    throttled: 0,
                }),
                changed: Notify::new(),
            }),
        }
    }

    /// What the governor is doing now.
    pub fn state(&self) -> GovernorState {
        let state = self.lock();
        let now = Instant::now();
        GovernorState {
            concurrency_limit: state.limit as usize,
            in_flight: state.in_flight,
            rate: state.rate,
            paused_for: state
                .paused_until
                .filter(|until| *until > now)
                .map(|until| until - now),
            waits: state.waits,
            throttles_avoided: state.throttles_avoided,
            throttled: state.throttled,
        }
    }

    /// Whether one more request could go now without waiting, and nothing
    /// was throttled in the last second: a walk widens only then. An
    /// unlimited governor ([`off`](Self::off)) always has room.
    pub(crate) fn has_room(&self) -> bool {
        if !self.shared.settings.enabled {
            return true;
        }
        let state = self.lock();
        let now = Instant::now();
        let paused = state.paused_until.is_some_and(|until| until > now);
        let full = state.in_flight as f64 + 1.0 > state.limit.floor().max(1.0);
        !(paused || state.throttled_lately(now) || full || state.budget_spent)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until a request may be sent, and takes its permit. Waits for
    /// time (a pause, the pace) go through `sleeper`, the client's, so that
    /// a test that records or skips the client's waits sees these too; a
    /// task that waited counts the time it waited as passed, whether or not
    /// the sleeper took it, and so does a retry for the wait before it
    /// (`slept_to`: a `Retry-After` the retry loop waited out is not waited
    /// again here).
    pub(crate) async fn acquire(&self, sleeper: &dyn Sleeper, slept_to: Option<Instant>) -> Permit {
        if !self.shared.settings.enabled {
            return Permit {
                governor: None,
                waited: false,
                throttle_avoided: false,
                sent_at: Instant::now(),
            };
        }
        let mut waited = false;
        let mut throttle_avoided = false;
        // The instant this task has waited until, through the sleeper.
        let mut slept_to = slept_to;
        loop {
            let notified = self.shared.changed.notified();
            let now = Instant::now();
            let wait = {
                let mut state = self.lock();
                match state.try_take(now, slept_to.map_or(now, |slept| slept.max(now))) {
                    Ok(()) => {
                        if waited {
                            state.waits = state.waits.saturating_add(1);
                        }
                        if throttle_avoided {
                            state.throttles_avoided = state.throttles_avoided.saturating_add(1);
                        }
                        return Permit {
                            governor: Some(self.clone()),
                            waited,
                            throttle_avoided,
                            sent_at: now,
                        };
                    }
                    Err(hold) => {
                        throttle_avoided |= hold.server_said;
                        hold.wait
                    }
                }
            };
            waited = true;
            match wait {
                Some(wait) => {
                    let slept = sleeper.sleep(wait);
                    tokio::select! {
                        () = slept => slept_to = Some(slept_to.map_or(now, |s| s.max(now)) + wait),
                        () = notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }
}

impl State {
    /// Takes a permit at `now`, or says why not and how long to wait.
    /// `waited_to` is `now`, or later when the task
    /// has waited further than the clock shows (a sleeper that skips its
    /// waits): it counts for this task's pause and pace, and the shared
    /// state stays on the clock.
    fn try_take(&mut self, now: Instant, waited_to: Instant) -> Result<(), Hold> {
        if let Some(until) = self.paused_until {
            if until > waited_to {
                return Err(Hold::server_said(Some(until - waited_to)));
            }
            if until <= now {
                self.paused_until = None;
            }
        }
        if self.in_flight as f64 >= self.limit.floor().max(1.0) {
            return Err(Hold::guessed(None));
        }
        if self.budget_spent && self.probe_in_flight {
            return Err(Hold::server_said(None));
        }
        if let Some(rate) = self.rate {
            let elapsed = waited_to.saturating_duration_since(self.refilled_at);
            let tokens = (self.tokens + elapsed.as_secs_f64() * rate).min(1.0);
            if tokens < 1.0 {
                return Err(Hold::guessed(Some(Duration::from_secs_f64(
                    ((1.0 - tokens) / rate).clamp(0.0, 60.0),
                ))));
            }
            self.tokens = tokens - 1.0;
            self.refilled_at = self.refilled_at.max(now);
        }
        // Taken only once nothing else holds the request back.
        self.probe_in_flight = self.budget_spent;
        self.in_flight = self.in_flight.saturating_add(1);
        Ok(())
    }

    /// Counts an answer at `now` into the last second's.
    fn note_answer(&mut self, now: Instant) {
        self.answered.push_back(now);
        while self
            .answered
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) > Duration::from_secs(1))
        {
            self.answered.pop_front();
        }
    }

    /// Whether the limit came down for a throttle within the last second
    /// (it comes down at most once a second).
    fn throttled_lately(&self, now: Instant) -> bool {
        self.last_decrease
            .is_some_and(|at| now.saturating_duration_since(at) < Duration::from_secs(1))
    }

    fn pause_until(&mut self, until: Instant) {
        self.paused_until = Some(self.paused_until.map_or(until, |paused| paused.max(until)));
    }
}

#[cfg(test)]
impl Governor {
    /// Takes a permit and reports an answer of `status` with `headers`.
    pub(crate) async fn note_for_tests(&self, status: StatusCode, headers: &HeaderMap) {
        let permit = self.acquire(&crate::retry::TokioSleeper, None).await;
        let _ = permit.finish(&Outcome {
            status: Some(status),
            headers: Some(headers),
            timed_out: false,
        });
    }
}

/// Why a request may not go yet, and for how long.
struct Hold {
    /// How long to wait; `None`: until a request in flight ends.
    wait: Option<Duration>,
    /// Whether the server's own headers said it would refuse the request
    /// now (a pause, a spent budget), rather than the governor's limits.
    server_said: bool,
}

impl Hold {
    fn server_said(wait: Option<Duration>) -> Self {
        Self {
            wait,
            server_said: true,
        }
    }

    fn guessed(wait: Option<Duration>) -> Self {
        Self {
            wait,
            server_said: false,
        }
    }
}

/// The right to send one request; dropped unfinished (the attempt did not
/// get as far as the server), it gives its place back and says nothing.
pub(crate) struct Permit {
    governor: Option<Governor>,
    /// Whether the request waited for it.
    pub(crate) waited: bool,
    /// Whether it waited while the server's headers said it would be
    /// refused: a `429` avoided.
    pub(crate) throttle_avoided: bool,
    /// When the request was let go: a budget's reset counts from about
    /// when the server took it, not from when its answer came back.
    sent_at: Instant,
}

/// How an attempt ended, for the governor.
pub(crate) struct Outcome<'a> {
    /// The answer's status, when one came.
    pub(crate) status: Option<StatusCode>,
    /// The answer's headers, when one came.
    pub(crate) headers: Option<&'a HeaderMap>,
    /// Whether the attempt ran out of time.
    pub(crate) timed_out: bool,
}

impl Permit {
    /// Reports how the attempt ended and gives the permit back: the new
    /// concurrency limit and pace, when they changed.
    pub(crate) fn finish(mut self, outcome: &Outcome<'_>) -> Option<(usize, Option<f64>)> {
        let governor = self.governor.take()?;
        let mut changed = None;
        let now = Instant::now();
        let settings = governor.shared.settings;
        {
            let mut state = governor.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            let status = outcome.status.map(|status| status.as_u16());
            let throttled = matches!(status, Some(429 | 503)) || outcome.timed_out;
            state.probe_in_flight = false;
            if let Some(headers) = outcome.headers {
                if let Some(wait) = retry_after(headers, throttled) {
                    state.pause_until(now + wait.min(MAX_PAUSE));
                }
                match budget(headers) {
                    Some(Budget::Spent(reset)) => {
                        // Counted from the send, with a little room for the trip.
                        let at = self.sent_at + reset.saturating_add(BUDGET_MARGIN).min(MAX_PAUSE);
                        state.pause_until(at.max(now));
                        state.budget_seen = true;
                        state.budget_spent = true;
                    }
                    Some(Budget::Left) => {
                        state.budget_seen = true;
                        state.budget_spent = false;
                    }
                    None => {}
                }
            }
            let before = (state.limit as usize, state.rate);
            if throttled {
                state.throttled = state.throttled.saturating_add(1);
                if !state.throttled_lately(now) {
                    state.last_decrease = Some(now);
                    state.limit = (state.limit * CONCURRENCY_AFTER_THROTTLE).max(1.0);
                    if settings.fixed_rate.is_none() && status == Some(429) && !state.budget_seen {
                        let first = state.rate.is_none();
                        state.rate = Some(match state.rate {
                            // The first throttle: pace from one a second, doubling.
                            None => 1.0,
                            // A pace just past what the server answers: a little under it.
                            Some(rate) => (rate * RATE_AFTER_THROTTLE).max(1.0),
                        });
                        state.slow_start = first;
                    }
                }
            } else if status.is_some() {
                state.note_answer(now);
                state.limit =
                    (state.limit + 1.0 / state.limit).min(settings.max_concurrency as f64);
                if settings.fixed_rate.is_none()
                    && let Some(rate) = state.rate
                {
                    // Per answer: slow start doubles the pace each second,
                    // then it grows by RATE_GROWTH_PER_SECOND a second.
                    let growth = if state.slow_start {
                        1.0
                    } else {
                        RATE_GROWTH_PER_SECOND / rate.max(0.5)
                    };
                    state.rate = Some(rate + growth);
                }
            }
            let after = (state.limit as usize, state.rate);
            if before != after {
                changed = Some(after);
            }
            if before.0 != after.0 || (throttled && before.1 != after.1) {
                tracing::debug!(
                    concurrency_limit = after.0,
                    rate = after.1.map(|rate| (rate * 100.0).round() / 100.0),
                    throttled,
                    "governor limit changed"
                );
            }
        }
        governor.shared.changed.notify_waiters();
        changed
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(governor) = self.governor.take() {
            let mut state = governor.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            // An attempt that never reached the server frees the probe's place.
            state.probe_in_flight = false;
            drop(state);
            governor.shared.changed.notify_waiters();
        }
    }
}

/// A throttle's `Retry-After`, when the answer was one.
fn retry_after(headers: &HeaderMap, throttled: bool) -> Option<Duration> {
    if !throttled {
        return None;
    }
    delay_of(
        headers.get("retry-after")?.to_str().ok()?,
        answer_date(headers),
    )
}

/// What an answer's `X-RateLimit-*` headers say of the budget.
enum Budget {
    /// Requests are left.
    Left,
    /// None is: one more is answered after this.
    Spent(Duration),
}

fn budget(headers: &HeaderMap) -> Option<Budget> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(bucket) = leaky_bucket(headers) {
        return Some(bucket);
    }
    let remaining: f64 = text("x-ratelimit-remaining")?.trim().parse().ok()?;
    if remaining > 0.0 {
        return Some(Budget::Left);
    }
    Some(Budget::Spent(
        text("x-ratelimit-reset")
            .and_then(|reset| delay_of(reset, answer_date(headers)))
            .unwrap_or(Duration::from_secs(1)),
    ))
}

/// The answer's own `Date`, which an HTTP date in its headers is measured
/// against (a server whose clock differs from ours gets the wait it meant).
fn answer_date(headers: &HeaderMap) -> Option<std::time::SystemTime> {
    httpdate::parse_http_date(headers.get(http::header::DATE)?.to_str().ok()?).ok()
}

/// A leaky bucket as Lightspeed's R-Series API reports it:
/// `X-LS-API-Bucket-Level: 59.5/60` (level and size) and
/// `X-LS-API-Drip-Rate: 1` (units drained a second). With less than one
/// unit of room, the next request waits until a unit has drained.
fn leaky_bucket(headers: &HeaderMap) -> Option<Budget> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let (level, size) = text("x-ls-api-bucket-level")?.split_once('/')?;
    let (level, size): (f64, f64) = (level.trim().parse().ok()?, size.trim().parse().ok()?);
    let drip: f64 = text("x-ls-api-drip-rate")?.trim().parse().ok()?;
    if !(level.is_finite() && size.is_finite() && drip.is_finite() && drip > 0.0) {
        return None;
    }
    let room = size - level;
    if room >= 1.0 {
        return Some(Budget::Left);
    }
    let wait = ((1.0 - room) / drip).clamp(0.0, MAX_PAUSE.as_secs_f64());
    Some(Budget::Spent(Duration::from_secs_f64(wait)))
}

/// A delay written as seconds (fractions allowed) or as an HTTP date,
/// measured against `now` (the answer's `Date`, or the wall clock).
fn delay_of(text: &str, now: Option<std::time::SystemTime>) -> Option<Duration> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(MAX_PAUSE.as_secs_f64())));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    let now = now.unwrap_or_else(std::time::SystemTime::now);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, headers: &[(&'static str, &str)]) -> (StatusCode, HeaderMap) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        (StatusCode::from_u16(status).unwrap(), map)
    }

    async fn send(governor: &Governor, status: u16, headers: &[(&'static str, &str)]) {
        let (status, headers) = answered(status, headers);
        governor.note_for_tests(status, &headers).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_pauses_every_task_of_the_governor() {
        let governor = Governor::adaptive();
        send(&governor, 429, &[("retry-after", "3")]).await;
        let start = Instant::now();
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let governor = governor.clone();
                tokio::spawn(async move {
                    drop(governor.acquire(&crate::retry::TokioSleeper, None).await);
                    Instant::now()
                })
            })
            .collect();
        for task in tasks {
            let at = task.await.unwrap();
            assert!(at.duration_since(start) >= Duration::from_secs(3));
        }
        // Each would have met the server's refusal.
        assert_eq!(governor.state().throttles_avoided, 4);
        assert_eq!(governor.state().waits, 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_budget_pauses_until_its_reset_and_fractions_count() {
        let governor = Governor::adaptive();
        send(
            &governor,
            200,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "0.25"),
            ],
        )
        .await;
        let start = Instant::now();
        drop(governor.acquire(&crate::retry::TokioSleeper, None).await);
        // From the send, with the margin for the trip.
        assert_eq!(start.elapsed(), Duration::from_millis(250) + BUDGET_MARGIN);
        assert_eq!(governor.state().throttles_avoided, 1);
        // Budget left: no pause.
        send(
            &governor,
            200,
            &[("x-ratelimit-remaining", "5"), ("x-ratelimit-reset", "10")],
        )
        .await;
        let start = Instant::now();
        drop(governor.acquire(&crate::retry::TokioSleeper, None).await);
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_leaky_bucket_waits_for_a_unit_to_drain() {
        let governor = Governor::adaptive();
        let full = [
            ("x-ls-api-bucket-level", "59.5/60"),
            ("x-ls-api-drip-rate", "2"),
        ];
        send(&governor, 200, &full).await;
        let start = Instant::now();
        drop(governor.acquire(&crate::retry::TokioSleeper, None).await);
        // Half a unit of room: another half to drain at 2 a second.
        assert_eq!(start.elapsed(), Duration::from_millis(250) + BUDGET_MARGIN);
        let roomy = [
            ("x-ls-api-bucket-level", "12/60"),
            ("x-ls-api-drip-rate", "1"),
        ];
        send(&governor, 200, &roomy).await;
        let start = Instant::now();
        drop(governor.acquire(&crate::retry::TokioSleeper, None).await);
        assert_eq!(start.elapsed(), Duration::ZERO);
        let nonsense = [
            ("x-ls-api-bucket-level", "NaN/60"),
            ("x-ls-api-drip-rate", "0"),
        ];
        send(&governor, 200, &nonsense).await;
        assert_eq!(governor.state().paused_for, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_fixed_rate_spaces_requests_evenly() {
        let governor = Governor::adaptive().rate(4.0);
        let start = Instant::now();
        for _ in 0..9 {
            send(&governor, 200, &[]).await;
        }
        // The first at once, then one each 250 ms.
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        // Waits for a pace the client chose avoid no refusal the server announced.
        assert_eq!(governor.state().waits, 8);
        assert_eq!(governor.state().throttles_avoided, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_concurrency_limit_shrinks_on_throttles_and_grows_back_on_clean_answers() {
        let governor = Governor::adaptive().max_concurrency(10);
        assert_eq!(governor.state().concurrency_limit, 10);
        send(&governor, 503, &[]).await;
        assert_eq!(governor.state().concurrency_limit, 7);
        // A second throttle within the second changes nothing more.
        send(&governor, 503, &[]).await;
        assert_eq!(governor.state().concurrency_limit, 7);
        for _ in 0..40 {
            send(&governor, 200, &[]).await;
        }
        assert_eq!(governor.state().concurrency_limit, 10, "back up to the cap");
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_starts_a_pace_that_doubles_until_the_next_then_grows_slowly() {
        let governor = Governor::adaptive();
        for _ in 0..10 {
            send(&governor, 200, &[]).await;
        }
        assert_eq!(
            governor.state().rate,
            None,
            "no pace before the server shows a limit"
        );
        send(&governor, 429, &[("retry-after", "1")]).await;
        assert_eq!(governor.state().rate, Some(1.0));
        // Slow start: each clean answer adds one, doubling the pace each second.
        let start = Instant::now();
        for _ in 0..15 {
            send(&governor, 200, &[]).await;
        }
        assert_eq!(governor.state().rate, Some(16.0));
        assert!(
            start.elapsed() < Duration::from_secs(6),
            "{:?}",
            start.elapsed()
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        send(&governor, 429, &[("retry-after", "1")]).await;
        let rate = governor.state().rate.unwrap();
        assert!(
            (rate - 14.4).abs() < 1e-9,
            "{rate}: 10% off, and slow start is over"
        );
        for _ in 0..288 {
            send(&governor, 200, &[]).await;
        }
        let rate = governor.state().rate.unwrap();
        assert!(
            rate > 15.3 && rate < 15.5,
            "{rate}: 0.05 a second for about 20 s"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn with_a_budget_in_the_headers_one_request_goes_after_each_reset() {
        let governor = Governor::adaptive();
        let spent = [
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "0.100"),
        ];
        send(&governor, 200, &spent).await;
        // Four waiting at once: one at a time, each after the last one's reset.
        let start = Instant::now();
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let governor = governor.clone();
                tokio::spawn(async move { send(&governor, 200, &spent).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(400), "{took:?}");
        assert_eq!(
            governor.state().rate,
            None,
            "a budget paces; nothing is learned"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_hostile_retry_after_pauses_at_most_a_quarter_of_an_hour() {
        let governor = Governor::adaptive();
        send(&governor, 429, &[("retry-after", "99999999999")]).await;
        assert_eq!(governor.state().paused_for, Some(MAX_PAUSE));
        tokio::time::advance(MAX_PAUSE).await;
        for nonsense in ["-5", "NaN", "inf", "soon"] {
            send(&governor, 429, &[("retry-after", nonsense)]).await;
            assert_eq!(governor.state().paused_for, None, "{nonsense}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_http_date_retry_after_counts_from_the_wall_clock() {
        let governor = Governor::adaptive();
        let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
        send(&governor, 429, &[("retry-after", &at)]).await;
        let paused = governor.state().paused_for.unwrap();
        assert!(
            paused > Duration::from_secs(28) && paused <= Duration::from_secs(30),
            "{paused:?}"
        );
    }

    /// Records the waits it is asked for and returns at once.
    #[derive(Debug, Default)]
    struct Recording(Mutex<Vec<Duration>>);

    impl Sleeper for Recording {
        fn sleep(&self, wait: Duration) -> futures::future::BoxFuture<'static, ()> {
            self.0.lock().unwrap().push(wait);
            Box::pin(async {})
        }
    }

    #[tokio::test]
    async fn waits_go_through_the_clients_sleeper_and_count_as_passed() {
        let governor = Governor::adaptive();
        send(&governor, 429, &[("retry-after", "3")]).await;
        let recording = Recording::default();
        let start = std::time::Instant::now();
        drop(governor.acquire(&recording, None).await);
        let waits = recording.0.lock().unwrap().clone();
        assert_eq!(waits.len(), 1, "{waits:?}");
        assert!(waits[0] > Duration::from_millis(2_900) && waits[0] <= Duration::from_secs(3));
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "no real time taken"
        );

        let paced = Governor::adaptive().rate(4.0);
        let recording = Recording::default();
        for _ in 0..5 {
            let permit = paced.acquire(&recording, None).await;
            let _ = permit.finish(&Outcome {
                status: Some(StatusCode::OK),
                headers: None,
                timed_out: false,
            });
        }
        let waits = recording.0.lock().unwrap().clone();
        assert_eq!(
            waits.len(),
            4,
            "the first at once, then one wait each: {waits:?}"
        );
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn off_never_waits() {
        let governor = Governor::off();
        send(&governor, 429, &[("retry-after", "30")]).await;
        let start = Instant::now();
        drop(governor.acquire(&crate::retry::TokioSleeper, None).await);
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
