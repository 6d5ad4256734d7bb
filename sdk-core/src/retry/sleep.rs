//! How the retry loop waits between attempts: a function it is given, so
//! that a test can record the waits, or skip them, without pausing a clock.

use std::fmt;
use std::time::Duration;

use futures::future::BoxFuture;

/// Waits between attempts.
///
/// The default, [`TokioSleeper`], sleeps on tokio's timer. A test that only
/// cares which waits were chosen can hand the client one that records them
/// and returns at once:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use futures::future::BoxFuture;
/// use sdk_core::retry::Sleeper;
///
/// #[derive(Debug, Default, Clone)]
/// struct Recorded(Arc<Mutex<Vec<Duration>>>);
///
/// impl Sleeper for Recorded {
///     fn sleep(&self, wait: Duration) -> BoxFuture<'static, ()> {
///         self.0.lock().unwrap().push(wait);
///         Box::pin(async {})
///     }
/// }
///
/// let waits = Recorded::default();
/// let client = sdk_core::Client::builder("https://api.example.com")
///     .sleeper(waits.clone())
///     .build()?;
/// # let _ = client;
/// # Ok::<(), sdk_core::Error>(())
/// ```
pub trait Sleeper: fmt::Debug + Send + Sync + 'static {
    /// A future that completes after `wait`.
    fn sleep(&self, wait: Duration) -> BoxFuture<'static, ()>;
}

/// Sleeps on tokio's timer (so tokio's paused clock applies to it).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, wait: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(wait))
    }
}
