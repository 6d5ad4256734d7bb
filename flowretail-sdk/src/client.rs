//! The Flow Retail client: server, bearer token and tenant.

use std::fmt;
use std::sync::Arc;

use sdk_core::auth::{AuthProvider, Authorization};
use sdk_core::error::InvalidInput;
use sdk_core::vendor::ClientSkeleton;
use sdk_core::vendor::env::EnvReader;
use sdk_core::{Client, Request, Result, SecretString};

use crate::customer_groups::CustomerGroups;

/// Flow Retail production: `https://api.flowretail.com/v2`.
pub const PRODUCTION_URL: &str = "https://api.flowretail.com/v2";

/// Flow Retail stage: `https://api.stage.flowretail.com/v2`.
pub const STAGE_URL: &str = "https://api.stage.flowretail.com/v2";

/// The default cap on one answer's body: 16 MiB.
///
/// The largest answer is a page of a listing: the document puts no limit
/// on `pageSize`, so the cap covers pages of up to 1,000 customers (ten
/// times the default page size) × 16 KiB a customer, rounded up to 16 MiB; a realistic
/// customer with an address is about 0.5 KiB. Ask for larger pages and
/// raise `max_response_bytes` together. Decoded, an answer takes at most
/// about 9 times its size (a realistic page 5 times).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// What the core needs to know of the Flow Retail API: the query
/// parameters that page and sort (shown in traces) and its body cap. Its
/// error bodies read with the generic parser; the document names no
/// correlation header.
pub(crate) fn profile() -> sdk_core::vendor::VendorProfile {
    sdk_core::vendor::VendorProfile::new("flowretail")
        .plain_query_parameters(&["pageNumber", "pageSize", "sortBy", "sortDirection"])
        .max_response_bytes(DEFAULT_MAX_RESPONSE_BYTES)
}

/// Checks a UID against `[A-Za-z0-9-_]+`.
pub fn check_uid(field: &str, uid: &str) -> std::result::Result<(), InvalidInput> {
    if uid.is_empty() {
        return Err(InvalidInput::new(field, "a UID must not be empty"));
    }
    check_optional_uid(field, uid)
}

/// Checks an `OptionalUID` (`[A-Za-z0-9-_]*`): like a UID, but may be empty.
pub fn check_optional_uid(field: &str, uid: &str) -> std::result::Result<(), InvalidInput> {
    if !uid
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(InvalidInput::new(field, "a UID is made of A-Z a-z 0-9 - _"));
    }
    Ok(())
}
/// A client of the Flow Retail API v2, scoped to one tenant.
///
/// Every call goes to `/tenants/{tenantUid}/...`; [`for_tenant`](Self::for_tenant)
/// hands out a client for another tenant that shares the connection pool.
///
/// The token is sent as `Authorization: Bearer`, whichever of the three
/// documented kinds it is: an integration token (long-lived, recommended for
/// services), an access token from a device login, or an auth token from the
/// auth service. To fetch or rotate tokens yourself, plug in an
/// [`AuthProvider`] with [`FlowRetailClientBuilder::token_provider`].
///
/// ```
/// use flowretail_sdk::FlowRetailClient;
/// use flowretail_sdk::sandbox::{FlowRetailSandbox, SANDBOX_TENANT, SANDBOX_TOKEN};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> flowretail_sdk::Result<()> {
/// let sandbox = FlowRetailSandbox::start()?;
/// // Against your tenant: your token and tenant UID, and the production URL (the default).
/// let flow = FlowRetailClient::builder(SANDBOX_TOKEN, SANDBOX_TENANT)
///     .base_url(sandbox.url())
///     .build()?;
/// # flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP").uid("vip")).await?;
/// let group = flow.customer_groups().get("vip").await?;
/// println!("{}", group.name);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct FlowRetailClient {
    http: Client,
    tenant: Arc<str>,
}

impl FlowRetailClient {
    /// Starts building a client for `tenant`, authenticated with a bearer `token`.
    ///
    /// ```
    /// use flowretail_sdk::FlowRetailClient;
    /// use flowretail_sdk::sandbox::{FlowRetailSandbox, SANDBOX_TENANT, SANDBOX_TOKEN};
    ///
    /// // Against your tenant: its token and UID (the production server is the default).
    /// let sandbox = FlowRetailSandbox::start()?;
    /// let flow = FlowRetailClient::builder(SANDBOX_TOKEN, SANDBOX_TENANT).base_url(sandbox.url()).build()?;
    /// assert_eq!(flow.tenant(), SANDBOX_TENANT);
    /// # Ok::<(), flowretail_sdk::Error>(())
    /// ```
    pub fn builder(
        token: impl Into<SecretString>,
        tenant: impl Into<String>,
    ) -> FlowRetailClientBuilder {
        FlowRetailClientBuilder {
            skeleton: ClientSkeleton::new(profile(), PRODUCTION_URL),
            auth: Auth::Token(token.into()),
            tenant: tenant.into(),
        }
    }

    /// A client configured from `FLOWRETAIL_TOKEN`, `FLOWRETAIL_TENANT`
    /// (required) and `FLOWRETAIL_BASE_URL` (optional, default production):
    /// [`builder_from_env`](Self::builder_from_env), built.
    pub fn from_env() -> Result<Self> {
        Self::builder_from_env()?.build()
    }

    /// A builder filled from `FLOWRETAIL_TOKEN`, `FLOWRETAIL_TENANT`
    /// (required) and `FLOWRETAIL_BASE_URL` (optional), to add settings to
    /// before [`build`](FlowRetailClientBuilder::build).
    ///
    /// Every variable is read first: one error names each one that is not
    /// set, blank, or (the URL) malformed, never their values.
    ///
    /// `sandbox::FlowRetailSandbox::env_vars()` (feature `sandbox`) gives the
    /// variables that reach a sandbox, which is how this example runs.
    ///
    /// ```standalone_crate
    /// use flowretail_sdk::{FlowRetailClient, RetryPolicy};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # for (name, value) in sandbox.env_vars() {
    /// #     // SAFETY: this example runs in a process of its own (`standalone_crate`),
    /// #     // and no thread of it reads the environment while it is set.
    /// #     unsafe { std::env::set_var(name, value) };
    /// # }
    /// let flow = FlowRetailClient::builder_from_env()?
    ///     .retry_policy(RetryPolicy::default().with_max_attempts(5))
    ///     .build()?;
    /// flow.customer_groups().list().page(None).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder_from_env() -> Result<FlowRetailClientBuilder> {
        let mut env = EnvReader::new();
        let token = env.required("FLOWRETAIL_TOKEN");
        let tenant = env.required("FLOWRETAIL_TENANT");
        let base_url = env.optional_url("FLOWRETAIL_BASE_URL");
        env.finish()?;
        let builder = Self::builder(token, tenant);
        Ok(match base_url {
            Some(url) => builder.base_url(url),
            None => builder,
        })
    }

    /// The same client for another tenant (same pool, token and retry budget).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// use flowretail_sdk::sandbox::FlowRetailSandbox;
    ///
    /// let sandbox = FlowRetailSandbox::builder().tenants(["north", "south"]).start()?;
    /// let north = sandbox.client()?;
    /// let south = north.for_tenant("south")?;
    /// south.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP")).await?;
    /// assert_eq!(south.tenant(), "south");
    /// # Ok(())
    /// # }
    /// ```
    pub fn for_tenant(&self, tenant: impl Into<String>) -> Result<Self> {
        let tenant = tenant.into();
        check_uid("tenant", &tenant)?;
        Ok(Self {
            http: self.http.clone(),
            tenant: tenant.into(),
        })
    }

    /// The tenant this client works in.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// assert_eq!(flow.tenant(), flowretail_sdk::sandbox::SANDBOX_TENANT);
    /// # Ok(())
    /// # }
    /// ```
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The customer group endpoints.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// let groups = flow.customer_groups();
    /// groups.create(flowretail_sdk::CreateCustomerGroup::new("VIP")).await?;
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

    /// A request below `/tenants/{tenantUid}`.
    pub(crate) fn tenant_request(&self, request: Request) -> Request {
        request
            .segment("tenants")
            .param_segment("tenant", &*self.tenant)
    }
}

enum Auth {
    Token(SecretString),
    Provider(Arc<dyn AuthProvider>),
}

/// Builds a [`FlowRetailClient`].
#[must_use = "a builder does nothing until built"]
pub struct FlowRetailClientBuilder {
    skeleton: ClientSkeleton,
    auth: Auth,
    tenant: String,
}

impl fmt::Debug for FlowRetailClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowRetailClientBuilder")
            .field("skeleton", &self.skeleton)
            .field("tenant", &self.tenant)
            .field("token", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl sdk_core::vendor::HasClientSettings for FlowRetailClientBuilder {
    fn client_settings_mut(&mut self) -> &mut sdk_core::ClientSettings {
        self.skeleton.client_settings_mut()
    }
}

impl FlowRetailClientBuilder {
    sdk_core::vendor::client_settings_setters!(skeleton);

    /// Uses the stage server instead of production.
    ///
    /// ```
    /// use flowretail_sdk::FlowRetailClient;
    ///
    /// let flow = FlowRetailClient::builder("token", "tenant-uid").stage().build()?;
    /// # let _ = flow;
    /// # Ok::<(), flowretail_sdk::Error>(())
    /// ```
    pub fn stage(self) -> Self {
        self.base_url(STAGE_URL)
    }

    /// Uses any server URL: the document's server URLs hold `/v2`, its
    /// paths do not, so a URL names whatever the server serves the paths
    /// under. A host alone is fine where the server serves them at its
    /// root, as a Prism mock of the OpenAPI document does
    /// (`http://127.0.0.1:4010`). Only what is certainly wrong is refused
    /// when the client is built: Flow Retail's production or stage host
    /// without `/v2`.
    ///
    /// ```
    /// use flowretail_sdk::FlowRetailClient;
    ///
    /// let flow = FlowRetailClient::builder("token", "tenant").base_url("https://api.example.com/v2").build()?;
    /// // A mock that serves the document's paths at the host's root.
    /// let mock = FlowRetailClient::builder("token", "tenant").base_url("http://127.0.0.1:4010").build()?;
    /// // Flow Retail's own hosts serve the API under /v2.
    /// let refused = FlowRetailClient::builder("token", "tenant").base_url("https://api.flowretail.com").build();
    /// assert!(refused.is_err());
    /// # let _ = (flow, mock);
    /// # Ok::<(), flowretail_sdk::Error>(())
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.skeleton.set_base_url(url);
        self
    }

    /// Gets the `Authorization` header from your own provider instead of a fixed token.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// use flowretail_sdk::sandbox::{FlowRetailSandbox, SANDBOX_TOKEN};
    /// use flowretail_sdk::{AuthProvider, HeaderMap, async_trait};
    ///
    /// /// Reads the token from wherever your service keeps it.
    /// #[derive(Debug)]
    /// struct Vault;
    ///
    /// #[async_trait]
    /// impl AuthProvider for Vault {
    ///     async fn authenticate(&self, headers: &mut HeaderMap) -> flowretail_sdk::Result<()> {
    ///         let value = format!("Bearer {SANDBOX_TOKEN}").parse().expect("a header value");
    ///         headers.insert("authorization", value);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let sandbox = FlowRetailSandbox::start()?;
    /// let flow = sandbox.client_builder().token_provider(Vault).build()?;
    /// flow.customer_groups().create(flowretail_sdk::CreateCustomerGroup::new("VIP")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn token_provider(mut self, provider: impl AuthProvider) -> Self {
        self.auth = Auth::Provider(Arc::new(provider));
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// use std::time::Duration;
    ///
    /// let flow = sandbox
    ///     .client_builder()
    ///     .retry_policy(flowretail_sdk::RetryPolicy::default().with_max_attempts(5))
    ///     .attempt_timeout(Some(Duration::from_secs(10)))
    ///     .build()?;
    /// # let _ = flow;
    /// # Ok(())
    /// # }
    /// ```
    pub fn build(self) -> Result<FlowRetailClient> {
        check_uid("tenant", &self.tenant)?;
        let auth: Arc<dyn AuthProvider> = match self.auth {
            Auth::Token(token) => Arc::new(Authorization::bearer(token)?),
            Auth::Provider(provider) => provider,
        };
        let http = self.skeleton.build_shared(
            sdk_core::vendor::user_agent!(),
            auth,
            check_version_path,
        )?;
        Ok(FlowRetailClient {
            http,
            tenant: self.tenant.into(),
        })
    }
}

/// Refuses Flow Retail's own production and stage hosts without the API
/// version in the path, the one slip that is certainly wrong: any other
/// host may serve the paths wherever it likes (a Prism mock, at its root).
fn check_version_path(url: &url::Url) -> Result<()> {
    let flow_host = [PRODUCTION_URL, STAGE_URL]
        .iter()
        .filter_map(|known| url::Url::parse(known).ok())
        .any(|known| known.host_str() == url.host_str());
    if flow_host && url.path().trim_end_matches('/').is_empty() {
        return Err(sdk_core::Error::invalid_input(
            "base_url",
            format!("names no API version: add /v2 after the host (such as {PRODUCTION_URL})"),
        ));
    }
    Ok(())
}
