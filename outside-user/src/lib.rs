//! Code a user of the SDK would write, with only the vendor crates and tokio
//! as dependencies. It builds when the crate family's public surface holds:
//! the README samples (from `build.rs`) and the uses in `tests/surface.rs`.

/// Every ```rust sample of the READMEs, each a module of its own.
pub mod readme_samples {
    include!(concat!(env!("OUT_DIR"), "/readme_samples.rs"));
}
