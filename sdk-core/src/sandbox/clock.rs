//! The time a sandbox and the test that drives it share: the real time
//! until the test sets it, then a time that moves only when the test
//! advances it, so that "changed since" logic is tested deterministically.
//!
//! A sandbox runs on a thread and runtime of its own: tokio's paused time in
//! a test does not reach it, and its timers would fire early against a real
//! socket. This clock is what a test moves instead.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A sandbox's clock: what its stamps (POS's modified date, commercetools'
/// and Flow Retail's `createdAt`/`lastModifiedAt`) and its `Date` header
/// read. Cheap to clone; the clones share one time.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use sdk_core::sandbox::SandboxClock;
///
/// let clock = SandboxClock::default();
/// let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600); // 2026-01-01
/// clock.set(start);
/// assert_eq!(clock.now(), start);
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now(), start + Duration::from_secs(90));
/// clock.follow_real_time();
/// assert!(clock.now() > start);
/// ```
#[derive(Debug, Clone, Default)]
pub struct SandboxClock {
    /// The set time; `None`: the real time.
    set: Arc<Mutex<Option<SystemTime>>>,
}

impl SandboxClock {
    /// The time now: the one set (and advanced), or the real time.
    pub fn now(&self) -> SystemTime {
        self.lock().unwrap_or_else(SystemTime::now)
    }

    /// Stops the clock at `time` (a `SystemTime`, or a chrono `DateTime`):
    /// it stays there until advanced.
    pub fn set(&self, time: impl Into<SystemTime>) {
        *self.set.lock().unwrap_or_else(|e| e.into_inner()) = Some(time.into());
    }

    /// Moves the clock on by `by`, from the time set (or from now, which it
    /// then stays at). A time past what the system can represent stays where it is.
    pub fn advance(&self, by: Duration) {
        let mut set = self.set.lock().unwrap_or_else(|e| e.into_inner());
        let now = set.unwrap_or_else(SystemTime::now);
        *set = Some(now.checked_add(by).unwrap_or(now));
    }

    /// Lets the clock follow the real time again.
    pub fn follow_real_time(&self) {
        *self.set.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn lock(&self) -> Option<SystemTime> {
        *self.set.lock().unwrap_or_else(|e| e.into_inner())
    }
}
