//! Shared pieces of the runnable examples in `examples/examples/`: connecting
//! to each vendor (the real service when its environment variables are set,
//! the in-process sandbox otherwise), aligned output, and the group sync.
//!
//! As the one crate that depends on all three vendor crates, this is also
//! where the cross-vendor suites live (`examples/tests/`): the fault suite,
//! the hostile-input suite, the secrets check, and the sync's tests.

pub mod connect;
pub mod report;
pub mod sync;

use std::future::Future;
use std::process::ExitCode;

/// The error type of the examples: any error, with its message.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs an example's body on a multi-threaded runtime; on failure prints the
/// error's message and exits non-zero.
pub fn run<F>(body: F) -> ExitCode
where
    F: Future<Output = Result<(), BoxError>>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(body) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
