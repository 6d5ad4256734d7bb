//! Short, aligned output: a heading per vendor, one line per step, and the
//! error an example ends with.

use std::fmt::Display;
use std::process::ExitCode;

/// Prints the error an example ended with, if any, and gives its exit code.
pub fn exit_code<E: Display>(outcome: Result<(), E>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `in-process sandbox` or `live service`, for an example's first line.
pub fn place(sandbox: bool) -> &'static str {
    if sandbox {
        "in-process sandbox"
    } else {
        "live service"
    }
}

/// The width of the step column.
const STEP_WIDTH: usize = 24;

/// Prints a vendor heading.
pub fn heading(title: &str) {
    println!("{title}");
}

/// Prints one step: what happened, and its detail.
pub fn step(what: &str, detail: impl Display) {
    println!("  {what:<STEP_WIDTH$}{detail}");
}

/// `1 customer`, `3 customers`, `2 addresses`.
pub fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ if noun.ends_with('s') => format!("{n} {noun}es"),
        _ => format!("{n} {noun}s"),
    }
}

/// A count the server may not have given.
pub fn maybe(n: Option<impl Display>) -> String {
    n.map_or_else(|| "?".to_owned(), |n| n.to_string())
}
