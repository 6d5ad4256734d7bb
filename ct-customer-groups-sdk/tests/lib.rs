//! Nothing to build: this package holds the integration tests and benchmarks of
//! `ct-customer-groups-sdk` (see `Cargo.toml`), which stay out of its published package.
