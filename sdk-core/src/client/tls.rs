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

/// An HTTP client a builder's `http_client(..)` takes: a `reqwest::Client`
/// (reqwest 0.13), best built from [`http_client_builder`].
///
/// The SDK does not re-export reqwest: `reqwest::Client::new()` panics in a
/// process that has no TLS crypto provider yet, and nothing the SDK hands
/// out should lead there. A `reqwest` of your own must be 0.13 (the
/// version the SDK uses, or the type differs). Built with default features
/// off it shares the SDK's TLS features, so it has no crypto provider of its
/// own: build its clients from [`http_client_builder`], which installs one
/// first, or enable reqwest's `rustls` feature, or install a provider
/// yourself (`rustls::crypto::ring::default_provider().install_default()`).
///
/// Sealed: the SDK decides which clients it can drive.
pub trait IntoHttpClient: sealed::Sealed {
    /// The client the SDK sends with.
    #[doc(hidden)]
    fn into_reqwest(self) -> reqwest::Client;
}

impl IntoHttpClient for reqwest::Client {
    fn into_reqwest(self) -> reqwest::Client {
        self
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for reqwest::Client {}
}

fn install_crypto_provider() {
    #[cfg(all(feature = "rustls", not(feature = "rustls-aws-lc")))]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer is fine: a provider is installed either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
