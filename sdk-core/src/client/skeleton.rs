//! What every vendor client builder holds and does the same way: the
//! vendor's profile, a base URL and the transport settings, and the build
//! that checks the URL and makes the core client. A vendor builder adds
//! only what differs: its credentials, its URL rule, its own options.

use std::fmt;
use std::sync::Arc;

use url::Url;

use super::settings::{ClientSettings, HasClientSettings};
use super::{Client, VendorProfile};
use crate::auth::AuthProvider;
use crate::error::Result;

/// The part every vendor client builder shares, for vendor crates: hold one
/// in the builder, write the settings setters over it with
/// [`client_settings_setters!`](crate::vendor::client_settings_setters),
/// and build with [`build`](Self::build), passing the vendor's URL rule.
///
/// ```
/// use sdk_core::auth::StaticHeaders;
/// use sdk_core::vendor::{ClientSkeleton, VendorProfile};
///
/// /// A vendor's client builder: its credential, and the skeleton.
/// struct AcmeClientBuilder {
///     skeleton: ClientSkeleton,
///     key: String,
/// }
///
/// impl AcmeClientBuilder {
///     sdk_core::vendor::client_settings_setters!(skeleton);
///
///     fn build(self) -> sdk_core::Result<sdk_core::Client> {
///         let auth = StaticHeaders::new().with("X-Acme-Key", self.key)?;
///         // Acme serves its API under /v1 only.
///         self.skeleton.build("acme-sdk/1.0", auth, |url| {
///             if url.path().starts_with("/v1") {
///                 Ok(())
///             } else {
///                 Err(sdk_core::Error::invalid_input("base_url", "add /v1 after the host"))
///             }
///         })
///     }
/// }
///
/// let builder = AcmeClientBuilder {
///     skeleton: ClientSkeleton::new(VendorProfile::new("acme"), "https://api.acme.example/v1"),
///     key: "key".into(),
/// };
/// let client = builder.max_response_bytes(1024 * 1024).build()?;
/// assert_eq!(client.base_url().path(), "/v1");
/// # Ok::<(), sdk_core::Error>(())
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until built"]
pub struct ClientSkeleton {
    profile: VendorProfile,
    base_url: String,
    settings: ClientSettings,
}

impl fmt::Debug for ClientSkeleton {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSkeleton")
            .field("vendor", &self.profile.name)
            .field("base_url", &super::builder::redact_userinfo(&self.base_url))
            .field("settings", &self.settings)
            .finish()
    }
}

impl HasClientSettings for ClientSkeleton {
    fn client_settings_mut(&mut self) -> &mut ClientSettings {
        &mut self.settings
    }
}

impl ClientSkeleton {
    /// A builder's start for the vendor `profile` at `base_url`, with the
    /// settings the profile starts from (its body cap).
    pub fn new(profile: VendorProfile, base_url: impl Into<String>) -> Self {
        let settings = profile.settings();
        Self {
            profile,
            base_url: base_url.into(),
            settings,
        }
    }

    /// Replaces the base URL.
    pub fn set_base_url(&mut self, base_url: impl Into<String>) {
        self.base_url = base_url.into();
    }

    /// The base URL as given.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The settings so far, such as for a second client of the vendor's
    /// (an OAuth token client).
    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// Checks the base URL (an absolute `https` URL, or `http` on this
    /// machine or where the settings allow it, then the vendor's own
    /// `url_rule`) and builds the core client: the vendor's profile, these
    /// settings, `user_agent` and `auth`.
    pub fn build(
        self,
        user_agent: &str,
        auth: impl AuthProvider,
        url_rule: impl FnOnce(&Url) -> Result<()>,
    ) -> Result<Client> {
        self.build_shared(user_agent, Arc::new(auth), url_rule)
    }

    /// [`build`](Self::build) with an auth provider shared with other clients.
    pub fn build_shared(
        self,
        user_agent: &str,
        auth: Arc<dyn AuthProvider>,
        url_rule: impl FnOnce(&Url) -> Result<()>,
    ) -> Result<Client> {
        let url =
            super::builder::parse_url("base_url", &self.base_url, self.settings.allow_insecure)?;
        url_rule(&url)?;
        Client::builder(self.base_url)
            .settings(self.settings)
            .for_vendor(&self.profile)
            .user_agent(user_agent)
            .shared_auth(auth)
            .build()
    }
}
