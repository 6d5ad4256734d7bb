//! Nothing to build: this package holds the integration tests and benchmarks of
//! `customer-sdk-core` (see `Cargo.toml`), which stay out of its published package.
