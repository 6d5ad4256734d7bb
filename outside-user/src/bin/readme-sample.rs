//! Runs one README sample that is a whole program, named by its module in
//! `README_SAMPLE` (`README_SAMPLE=workspace_0 readme-sample [args]`), so
//! that the sample sees the arguments as its own; `tests/programs.rs` points
//! the environment at the sandboxes.

use std::fmt::Display;
use std::process::ExitCode;

fn outcome<E: Display>(result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn unknown(name: &str) -> ExitCode {
    eprintln!("no README sample that is a program is called {name:?}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let name = std::env::var("README_SAMPLE").unwrap_or_default();
    let name = name.as_str();
    include!(concat!(env!("OUT_DIR"), "/readme_dispatch.rs"))
}
