//! Nothing to build: this package holds the integration tests and benchmarks of
//! `flowretail-sdk` (see `Cargo.toml`), which stay out of its published package.
