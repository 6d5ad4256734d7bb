//! Placeholder crate: its client lands with its own issue.
