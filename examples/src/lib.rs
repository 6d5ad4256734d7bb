//! What the runnable examples in `examples/examples/` share: printing, and
//! nothing else. Each example connects, calls and decides in its own file,
//! through the vendor crates' public API, so it can be copied into a project.
//!
//! As the one crate that depends on all three vendor crates, this is also
//! where the cross-vendor suites live (`examples/tests/`): the fault suite,
//! the hostile-input suite, the secrets check, and the sync's tests.

pub mod report;
