//! Helpers for tests of code built on the SDK (feature `test-util`): a
//! client configuration without timers, fixtures, and a log capture.
//!
//! ```
//! use sdk_core::Client;
//! use sdk_core::test_util::test_settings;
//!
//! let client = Client::builder("http://127.0.0.1:9").settings(test_settings()).build()?;
//! assert!(client.retry_policy().max_attempts() >= 1);
//! # Ok::<(), sdk_core::Error>(())
//! ```

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::client::ClientSettings;
use crate::retry::{Backoff, RetryPolicy};

/// An HTTP client with no timers of its own: under tokio's paused clock a
/// pending timer would be advanced at once while a request waits on real I/O.
pub fn quiet_http() -> reqwest::Client {
    crate::client::http_client_builder()
        .pool_idle_timeout(None)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Settings for tests against a local server: [`quiet_http`], no attempt
/// timeout, and backoff of a few milliseconds, so that retries are quick
/// on a real clock and leave a paused one alone.
pub fn test_settings() -> ClientSettings {
    let mut settings = ClientSettings::default()
        .with_attempt_timeout(None)
        .with_retry(fast_retries());
    settings.http = Some(quiet_http());
    settings
}

/// The default retry policy with a backoff of a few milliseconds: for a
/// client of a sandbox whose faults a test injects, so that its retries
/// take no noticeable time.
///
/// ```
/// let client = sdk_core::Client::builder("http://127.0.0.1:9")
///     .retry_policy(sdk_core::test_util::fast_retries())
///     .build()?;
/// # let _ = client;
/// # Ok::<(), sdk_core::Error>(())
/// ```
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::new(
        Duration::from_millis(1),
        Duration::from_millis(5),
    ))
}

/// The JSON document at `path`.
///
/// # Panics
///
/// When the file cannot be read or is not JSON: a test cannot go on without it.
pub fn read_json(path: impl AsRef<Path>) -> serde_json::Value {
    let path = path.as_ref();
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The fixture `name` below `manifest_dir`: in its `tests/fixtures`, or in
/// its `fixtures` when the tests are a package of their own. Used by [`fixture!`](crate::fixture).
///
/// # Panics
///
/// When neither file can be read or is not JSON.
pub fn read_fixture(manifest_dir: &str, name: &str) -> serde_json::Value {
    let root = Path::new(manifest_dir);
    let nested = root.join("tests/fixtures").join(name);
    read_json(if nested.exists() {
        nested
    } else {
        root.join("fixtures").join(name)
    })
}

/// The JSON fixture `name` from the calling package's `tests/fixtures` (or
/// `fixtures`, for a package that holds only tests).
#[macro_export]
macro_rules! fixture {
    ($name:expr) => {
        $crate::test_util::read_fixture(env!("CARGO_MANIFEST_DIR"), $name)
    };
}

/// Collects everything a `tracing_subscriber` writes, to check logs for
/// what must never be in them.
#[derive(Clone, Default, Debug)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// Makes a plain-text subscriber writing here the current thread's
    /// default, for as long as the guard lives.
    ///
    /// ```
    /// use sdk_core::test_util::CapturedLogs;
    ///
    /// let logs = CapturedLogs::default();
    /// let guard = logs.capture_on_this_thread();
    /// tracing::warn!("seen");
    /// drop(guard);
    /// assert!(logs.text().contains("seen"));
    /// ```
    pub fn capture_on_this_thread(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(self.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLogs {
    type Writer = CapturedLogs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
