//! The runnable examples are in `examples/examples/`, each a whole program
//! that uses the vendor crates' public API and tokio, and nothing of this
//! crate: copy one into a project as it is (`outside-user/` builds and runs
//! each of them that way).
//!
//! As the one crate that depends on all three vendor crates, this is also
//! where the cross-vendor suites live (`examples/tests/`): the fault suite,
//! the hostile-input suite, the secrets check, and the sync's tests.
