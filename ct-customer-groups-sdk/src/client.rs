//! The commercetools client: project, hosts, OAuth2 credentials, correlation ids.

use std::fmt;

use sdk_core::http::header::HeaderName;
use sdk_core::oauth::ClientCredentials;
use sdk_core::vendor::env::EnvReader;
use sdk_core::vendor::{ClientSkeleton, VendorProfile};
use sdk_core::{Client, Error, Request, Result, SecretString};

use crate::customer_groups::CustomerGroups;
use crate::error::CtErrorParser;

/// The header that carries the correlation id of every request.
pub const CORRELATION_ID_HEADER: &str = "x-correlation-id";

/// The header that names the end user on whose behalf a call is made; the
/// API records it in `createdBy` / `lastModifiedBy.externalUserId`.
pub const EXTERNAL_USER_ID_HEADER: &str = "X-External-User-ID";

/// commercetools' per-call options, on top of the core ones
/// ([`CallOptionsBuilder`](sdk_core::CallOptionsBuilder): `.deadline(..)`,
/// `.correlation_id(..)`, ...), for calls and queries alike.
pub trait CtCallExt: Sized {
    /// Sends `X-External-User-ID: id` with the call: the API records it as
    /// `externalUserId` in the group's `createdBy` or `lastModifiedBy`. An
    /// id over [`MAX_EXTERNAL_USER_ID_LENGTH`] characters, which the API
    /// refuses, fails the call before anything is sent.
    fn external_user_id(self, id: impl AsRef<str>) -> Self;
}

/// The longest `X-External-User-ID` the API accepts, in characters.
pub const MAX_EXTERNAL_USER_ID_LENGTH: usize = 128;

impl<C: sdk_core::CallOptionsBuilder> CtCallExt for C {
    fn external_user_id(mut self, id: impl AsRef<str>) -> Self {
        let length = id.as_ref().chars().count();
        if length > MAX_EXTERNAL_USER_ID_LENGTH {
            self.call_options_mut()
                .refuse(sdk_core::error::InvalidInput::new(
                    EXTERNAL_USER_ID_HEADER,
                    format!("at most {MAX_EXTERNAL_USER_ID_LENGTH} characters (has {length})"),
                ));
            return self;
        }
        self.header(EXTERNAL_USER_ID_HEADER, id)
    }
}

/// What the core needs to know of the commercetools API: its error bodies
/// and retry rules, its correlation, request-id and deprecation headers,
/// the query parameters that page and sort (shown in traces), its body cap.
pub(crate) fn profile() -> VendorProfile {
    VendorProfile::new("commercetools")
        .error_parser(CtErrorParser)
        .retry_classifier(crate::error::CtRetryClassifier)
        .correlation_id_header(HeaderName::from_static(CORRELATION_ID_HEADER))
        .deprecation_header(HeaderName::from_static("x-deprecation-notice"))
        .request_id_headers(vec![
            HeaderName::from_static(CORRELATION_ID_HEADER),
            HeaderName::from_static("x-request-id"),
        ])
        .plain_query_parameters(&["limit", "offset", "withTotal", "sort", "expand"])
        .max_response_bytes(DEFAULT_MAX_RESPONSE_BYTES)
}

/// The default cap on one answer's body: 32 MiB.
///
/// The largest answer is a query page: at most 500 groups (the API's
/// `limit` maximum) × 64 KiB a group, rounded up to 32 MiB. A group without custom
/// fields is under 1 KiB; commercetools advises keeping average resources
/// under 100 KB and refuses any over 16 MB, so one group of that size (a
/// `get` or an update answer) fits too. Decoded, an answer takes at most
/// about 9 times its size in lists (custom fields and expanded references
/// stay text: 1 times), so a page in flight costs at most about 290 MiB
/// and a realistic one 2.5 times its size (README, "Memory per answer").
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// A commercetools region, with its API and auth hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// `europe-west1.gcp`.
    EuropeWest1Gcp,
    /// `us-central1.gcp`.
    UsCentral1Gcp,
    /// `us-east-2.aws`.
    UsEast2Aws,
    /// `eu-central-1.aws`.
    EuCentral1Aws,
    /// `australia-southeast1.gcp`.
    AustraliaSoutheast1Gcp,
}

impl Region {
    /// The region's name, such as `europe-west1.gcp`.
    ///
    /// ```
    /// use ct_customer_groups_sdk::Region;
    ///
    /// assert_eq!(Region::EuropeWest1Gcp.name(), "europe-west1.gcp");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Region::EuropeWest1Gcp => "europe-west1.gcp",
            Region::UsCentral1Gcp => "us-central1.gcp",
            Region::UsEast2Aws => "us-east-2.aws",
            Region::EuCentral1Aws => "eu-central-1.aws",
            Region::AustraliaSoutheast1Gcp => "australia-southeast1.gcp",
        }
    }

    /// `https://api.{region}.commercetools.com`.
    ///
    /// ```
    /// use ct_customer_groups_sdk::Region;
    ///
    /// assert_eq!(Region::UsEast2Aws.api_url(), "https://api.us-east-2.aws.commercetools.com");
    /// ```
    pub fn api_url(self) -> String {
        format!("https://api.{}.commercetools.com", self.name())
    }

    /// `https://auth.{region}.commercetools.com`.
    ///
    /// ```
    /// use ct_customer_groups_sdk::Region;
    ///
    /// assert_eq!(Region::UsEast2Aws.auth_url(), "https://auth.us-east-2.aws.commercetools.com");
    /// ```
    pub fn auth_url(self) -> String {
        format!("https://auth.{}.commercetools.com", self.name())
    }
}

/// A client of one commercetools project's Customer Groups API.
///
/// Cheap to clone: clones share the token cache, the connection pool and
/// the retry budget. Every request carries an `X-Correlation-ID` (a new UUID
/// unless you give one), which API errors report.
///
/// ```
/// use ct_customer_groups_sdk::CtClient;
/// use ct_customer_groups_sdk::sandbox::{CtSandbox, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ct_customer_groups_sdk::Result<()> {
/// let sandbox = CtSandbox::start()?;
/// // Against your project: its key and API client, and `.region(Region::EuropeWest1Gcp)`
/// // instead of the sandbox's URLs.
/// let ct = CtClient::builder(sandbox.project_key(), SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)
///     .urls(sandbox.url(), sandbox.url())
///     .scope(format!("manage_customer_groups:{}", sandbox.project_key()))
///     .build()?;
/// let page = ct.customer_groups().query().limit(20).send().await?;
/// println!("{} of {:?}", page.count, page.total);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct CtClient {
    http: Client,
    credentials: ClientCredentials,
    project_key: String,
}

impl CtClient {
    /// Starts building a client of `project_key` with an API client's id and secret.
    ///
    /// ```
    /// use ct_customer_groups_sdk::{CtClient, Region};
    ///
    /// // An API client's project key, id and secret, in its region.
    /// let ct = CtClient::builder("my-project", "client-id", "client-secret")
    ///     .region(Region::EuropeWest1Gcp)
    ///     .build()?;
    /// assert_eq!(ct.project_key(), "my-project");
    /// # Ok::<(), ct_customer_groups_sdk::Error>(())
    /// ```
    pub fn builder(
        project_key: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> CtClientBuilder {
        let region = Region::EuropeWest1Gcp;
        CtClientBuilder {
            project_key: project_key.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            skeleton: ClientSkeleton::new(profile(), region.api_url()),
            auth_url: region.auth_url(),
            scopes: Vec::new(),
        }
    }

    /// A client configured from the variables the Merchant Center exports
    /// for an API client: `CTP_PROJECT_KEY`, `CTP_CLIENT_ID`,
    /// `CTP_CLIENT_SECRET`, `CTP_AUTH_URL`, `CTP_API_URL`, and `CTP_SCOPES`
    /// (space-separated, optional): [`builder_from_env`](Self::builder_from_env), built.
    pub fn from_env() -> Result<Self> {
        Self::builder_from_env()?.build()
    }

    /// A builder filled from `CTP_PROJECT_KEY`, `CTP_CLIENT_ID`,
    /// `CTP_CLIENT_SECRET`, `CTP_API_URL`, `CTP_AUTH_URL` (required) and
    /// `CTP_SCOPES` (optional), to add settings to before
    /// [`build`](CtClientBuilder::build).
    ///
    /// Every variable is read first: one error names each one that is not
    /// set, blank, or (the URLs) malformed, never their values.
    ///
    /// `sandbox::CtSandbox::env_vars()` (feature `sandbox`) gives the
    /// variables that reach a sandbox, which is how this example runs.
    ///
    /// ```standalone_crate
    /// use ct_customer_groups_sdk::CtClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let sandbox = ct_customer_groups_sdk::sandbox::CtSandbox::start()?;
    /// # for (name, value) in sandbox.env_vars() {
    /// #     // SAFETY: this example runs in a process of its own (`standalone_crate`),
    /// #     // and no thread of it reads the environment while it is set.
    /// #     unsafe { std::env::set_var(name, value) };
    /// # }
    /// let project = std::env::var("CTP_PROJECT_KEY").unwrap_or_default();
    /// let ct = CtClient::builder_from_env()?
    ///     .scope(format!("manage_customer_groups:{project}"))
    ///     .build()?;
    /// ct.customer_groups().query().send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder_from_env() -> Result<CtClientBuilder> {
        let mut env = EnvReader::new();
        let project_key = env.required("CTP_PROJECT_KEY");
        let client_id = env.required("CTP_CLIENT_ID");
        let client_secret = env.required("CTP_CLIENT_SECRET");
        let api_url = env.url("CTP_API_URL");
        let auth_url = env.url("CTP_AUTH_URL");
        let scopes = env.optional("CTP_SCOPES");
        env.finish()?;
        let mut builder =
            Self::builder(project_key, client_id, client_secret).urls(api_url, auth_url);
        if let Some(scopes) = scopes {
            builder = builder.scopes(scopes.split_whitespace());
        }
        Ok(builder)
    }

    /// The project key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// assert_eq!(ct.project_key(), ct_customer_groups_sdk::sandbox::SANDBOX_PROJECT);
    /// # Ok(())
    /// # }
    /// ```
    pub fn project_key(&self) -> &str {
        &self.project_key
    }

    /// The scopes the current token was granted (`None` before the first
    /// call, or when the token endpoint named none). When the grant lacks a
    /// scope that was asked for, a warning names it once per token, and a
    /// 401 or 403 from the API says which.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// // None before the first token; then what the auth service granted.
    /// ct.customer_groups().query().send().await?;
    /// println!("{:?}", ct.granted_scopes());
    /// # Ok(())
    /// # }
    /// ```
    pub fn granted_scopes(&self) -> Option<Vec<String>> {
        self.credentials.granted_scopes()
    }

    /// The customer group endpoints.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// let groups = ct.customer_groups();
    /// let page = groups.query().send().await?;
    /// # let _ = page;
    /// # Ok(())
    /// # }
    /// ```
    pub fn customer_groups(&self) -> CustomerGroups {
        CustomerGroups::new(self.clone())
    }

    /// The sdk-core client underneath.
    pub fn http(&self) -> &Client {
        &self.http
    }

    /// A request below `/{projectKey}/customer-groups`.
    pub(crate) fn customer_groups_request(&self, request: Request) -> Request {
        request
            .param_segment("projectKey", &self.project_key)
            .segment("customer-groups")
    }
}

/// Builds a [`CtClient`].
#[must_use = "a builder does nothing until built"]
pub struct CtClientBuilder {
    project_key: String,
    client_id: String,
    client_secret: SecretString,
    /// The API's URL, settings and profile.
    skeleton: ClientSkeleton,
    auth_url: String,
    scopes: Vec<String>,
}

impl fmt::Debug for CtClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CtClientBuilder")
            .field("project_key", &self.project_key)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("skeleton", &self.skeleton)
            .field("auth_url", &self.auth_url)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl sdk_core::vendor::HasClientSettings for CtClientBuilder {
    fn client_settings_mut(&mut self) -> &mut sdk_core::ClientSettings {
        self.skeleton.client_settings_mut()
    }
}

impl CtClientBuilder {
    sdk_core::vendor::client_settings_setters!(skeleton);

    /// Uses the hosts of `region` (the default is `europe-west1.gcp`).
    ///
    /// ```
    /// use ct_customer_groups_sdk::{CtClient, Region};
    ///
    /// let ct = CtClient::builder("my-project", "client-id", "client-secret")
    ///     .region(Region::EuCentral1Aws)
    ///     .build()?;
    /// assert_eq!(ct.project_key(), "my-project");
    /// # Ok::<(), ct_customer_groups_sdk::Error>(())
    /// ```
    pub fn region(mut self, region: Region) -> Self {
        self.skeleton.set_base_url(region.api_url());
        self.auth_url = region.auth_url();
        self
    }

    /// Uses any API and auth hosts (the token endpoint is `{auth_url}/oauth/token`).
    ///
    /// ```
    /// use ct_customer_groups_sdk::CtClient;
    /// use ct_customer_groups_sdk::sandbox::{CtSandbox, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_PROJECT};
    ///
    /// // Any API and auth URL: a private deployment, a mock, or the sandbox.
    /// let sandbox = CtSandbox::start()?;
    /// let ct = CtClient::builder(SANDBOX_PROJECT, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)
    ///     .urls(sandbox.url(), sandbox.url())
    ///     .build()?;
    /// # let _ = ct;
    /// # Ok::<(), ct_customer_groups_sdk::Error>(())
    /// ```
    pub fn urls(mut self, api_url: impl Into<String>, auth_url: impl Into<String>) -> Self {
        self.skeleton.set_base_url(api_url);
        self.auth_url = auth_url.into();
        self
    }

    /// Asks for one more scope, such as `view_customer_groups:{projectKey}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # use ct_customer_groups_sdk::sandbox::{CtSandbox, SANDBOX_PROJECT};
    /// # let sandbox = CtSandbox::builder()
    /// #     .allowed_scopes([format!("view_customer_groups:{SANDBOX_PROJECT}")])
    /// #     .start()?;
    /// let view_only = sandbox
    ///     .client_builder()
    ///     .scope(format!("view_customer_groups:{}", sandbox.project_key()))
    ///     .build()?;
    /// view_only.customer_groups().query().send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Asks for these scopes.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # use ct_customer_groups_sdk::sandbox::{CtSandbox, SANDBOX_PROJECT};
    /// # let sandbox = CtSandbox::builder()
    /// #     .allowed_scopes([
    /// #         format!("view_customer_groups:{SANDBOX_PROJECT}"),
    /// #         format!("manage_customer_groups:{SANDBOX_PROJECT}"),
    /// #     ])
    /// #     .start()?;
    /// let project = sandbox.project_key().to_owned();
    /// let ct = sandbox
    ///     .client_builder()
    ///     .scopes([format!("view_customer_groups:{project}"), format!("manage_customer_groups:{project}")])
    ///     .build()?;
    /// ct.customer_groups().query().send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// # let sandbox = ct_customer_groups_sdk::sandbox::CtSandbox::start()?;
    /// use std::time::Duration;
    ///
    /// let ct = sandbox.client_builder().attempt_timeout(Some(Duration::from_secs(10))).build()?;
    /// # let _ = ct;
    /// # Ok(())
    /// # }
    /// ```
    pub fn build(self) -> Result<CtClient> {
        if self.project_key.trim().is_empty() {
            return Err(Error::invalid_input("project_key", "must not be empty"));
        }
        // Checked here, so that an error names the parameter the caller gave.
        let insecure = self.skeleton.settings().allow_insecure;
        sdk_core::vendor::parse_url("api_url", self.skeleton.base_url(), insecure)?;
        sdk_core::vendor::parse_url("auth_url", &self.auth_url, insecure)?;
        let token_url = format!("{}/oauth/token", self.auth_url.trim_end_matches('/'));
        // The token endpoint gets the same transport settings as the API.
        let credentials = ClientCredentials::builder(token_url, self.client_id, self.client_secret)
            .vendor("commercetools")
            .settings(self.skeleton.settings().clone())
            .scopes(self.scopes)
            .build()?;
        let http =
            self.skeleton
                .build(sdk_core::vendor::user_agent!(), credentials.clone(), |_| {
                    Ok(())
                })?;
        Ok(CtClient {
            http,
            credentials,
            project_key: self.project_key,
        })
    }
}
