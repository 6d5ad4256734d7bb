//! Which TLS crypto the HTTP clients use.
//!
//! With the default `rustls` feature, reqwest is built without a crypto
//! provider of its own and the SDK installs rustls' ring provider, unless
//! the application has installed one already (then that one is used): ring
//! builds in a fraction of the time of aws-lc-rs, which reqwest would
//! otherwise compile (see BENCHMARKS.md, "Build footprint"). The
//! `rustls-aws-lc` feature brings reqwest's aws-lc-rs provider back.

/// A `reqwest::ClientBuilder` whose TLS is ready to use: build the HTTP
/// client you pass to a builder's `http_client(..)` from it.
///
/// With the default `rustls` feature alone, a `reqwest::Client` built
/// before any TLS crypto provider is installed would panic; this installs
/// ring's first when the process has none.
///
/// ```
/// use std::time::Duration;
///
/// let http = sdk_core::client::http_client_builder()
///     .pool_idle_timeout(Duration::from_secs(30))
///     .build()?;
/// let client = sdk_core::Client::builder("https://api.example.com").http_client(http).build()?;
/// # let _ = client;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn http_client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

fn install_crypto_provider() {
    #[cfg(all(feature = "rustls", not(feature = "rustls-aws-lc")))]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer is fine: a provider is installed either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
