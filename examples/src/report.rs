//! Short, aligned output: a heading per vendor, one line per step.

use std::fmt::Display;

/// The width of the step column.
const STEP_WIDTH: usize = 22;

/// Prints a vendor heading.
pub fn heading(title: &str) {
    println!("{title}");
}

/// Prints one step: what happened, and its detail.
pub fn step(what: &str, detail: impl Display) {
    println!("  {what:<STEP_WIDTH$}{detail}");
}

/// `1 customer`, `3 customers`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
