//! Nothing to build: this package holds the integration tests and benchmarks of
//! `pos-customer-sdk` (see `Cargo.toml`), which stay out of its published package.
