//! The POS Cloud client: configuration, credentials and the vendor's error body.

use std::fmt;

use sdk_core::auth::StaticHeaders;
use sdk_core::error::InvalidInput;
use sdk_core::http::StatusCode;
use sdk_core::vendor::env::EnvReader;
use sdk_core::vendor::{ClientSkeleton, ErrorBodyParser, ParsedErrorBody};
use sdk_core::{Client, Error, Result, SecretString};

use crate::customers::Customers;
use crate::discounts::Discounts;
use crate::groups::CustomerGroups;

/// The path of the Customer API below the POS Cloud host.
pub const BASE_PATH: &str = "/api/customer/v3.0";

/// The default cap on one answer's body: 128 MiB.
///
/// POS Cloud lists customers unpaged, so the largest answer is every
/// customer of the account at once: the cap holds about 300,000 customers
/// of 0.4 KiB (a realistic customer with an address), or 64,000 of 2 KiB.
/// For larger accounts raise `max_response_bytes`, or read changes with
/// `list_modified_since`. Decoded, an answer takes at most about 9 times
/// its size (a realistic list 5 times).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 128 * 1024 * 1024;

/// What the core needs to know of the POS Cloud API: its error bodies and
/// its body cap. Its endpoints take no query parameters, and the document
/// names no correlation header.
pub(crate) fn profile() -> sdk_core::vendor::VendorProfile {
    sdk_core::vendor::VendorProfile::new("pos")
        .error_parser(PosErrorParser)
        .plain_query_parameters(&[])
        .max_response_bytes(DEFAULT_MAX_RESPONSE_BYTES)
}

/// A client of the POS Cloud Customer API v3.0.
///
/// Cheap to clone (one connection pool and retry budget behind an `Arc`);
/// every call returns a `Send + 'static` future.
///
/// ```standalone_crate
/// use pos_customer_sdk::PosClient;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> pos_customer_sdk::Result<()> {
/// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
/// # sandbox.seed_documented_examples();
/// # for (name, value) in sandbox.env_vars() {
/// #     // SAFETY: this example runs in a process of its own (`standalone_crate`),
/// #     // and no thread of it reads the environment while it is set.
/// #     unsafe { std::env::set_var(name, value) };
/// # }
/// // POS_BASE_URL, POS_TOKEN and POS_OPERATOR from the environment:
/// let pos = PosClient::from_env()?;
/// for customer in pos.customers().list().await? {
///     println!("{:?} {:?}", customer.number, customer.last_name);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct PosClient {
    http: Client,
    validate: bool,
}

impl PosClient {
    /// Starts building a client for the POS Cloud at `base_url` (the host,
    /// such as `https://mycompany.pos-cloud.example`), authenticated with
    /// `token` for `operator`.
    ///
    /// ```
    /// use pos_customer_sdk::PosClient;
    /// use pos_customer_sdk::sandbox::{PosSandbox, SANDBOX_OPERATOR, SANDBOX_TOKEN};
    ///
    /// // Against your POS Cloud: its host, your token and operator.
    /// let sandbox = PosSandbox::start()?;
    /// let pos = PosClient::builder(sandbox.url(), SANDBOX_TOKEN, SANDBOX_OPERATOR).build()?;
    /// # let _ = pos;
    /// # Ok::<(), pos_customer_sdk::Error>(())
    /// ```
    pub fn builder(
        base_url: impl Into<String>,
        token: impl Into<SecretString>,
        operator: impl Into<SecretString>,
    ) -> PosClientBuilder {
        PosClientBuilder {
            skeleton: ClientSkeleton::new(profile(), base_url),
            token: token.into(),
            operator: operator.into(),
            validate: true,
        }
    }

    /// A client configured from `POS_BASE_URL`, `POS_TOKEN` and `POS_OPERATOR`
    /// (all required): [`builder_from_env`](Self::builder_from_env), built.
    pub fn from_env() -> Result<Self> {
        Self::builder_from_env()?.build()
    }

    /// A builder filled from `POS_BASE_URL`, `POS_TOKEN` and `POS_OPERATOR`
    /// (all required), to add settings to before [`build`](PosClientBuilder::build).
    ///
    /// Every variable is read first: one error names each one that is not
    /// set, blank, or (the URL) malformed, never their values.
    ///
    /// `sandbox::PosSandbox::env_vars()` (feature `sandbox`) gives the
    /// variables that reach a sandbox, which is how this example runs.
    ///
    /// ```standalone_crate
    /// use std::time::Duration;
    /// use pos_customer_sdk::PosClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # for (name, value) in sandbox.env_vars() {
    /// #     // SAFETY: this example runs in a process of its own (`standalone_crate`),
    /// #     // and no thread of it reads the environment while it is set.
    /// #     unsafe { std::env::set_var(name, value) };
    /// # }
    /// let pos = PosClient::builder_from_env()?
    ///     .attempt_timeout(Some(Duration::from_secs(5)))
    ///     .build()?;
    /// pos.customer_groups().list().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder_from_env() -> Result<PosClientBuilder> {
        let mut env = EnvReader::new();
        let base_url = env.url("POS_BASE_URL");
        let token = env.required("POS_TOKEN");
        let operator = env.required("POS_OPERATOR");
        env.finish()?;
        Ok(Self::builder(base_url, token, operator))
    }

    /// Customers: get, create, replace, patch, list, list modified since, and the list variants.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// let everyone = pos.customers().list().await?;
    /// # let _ = everyone;
    /// # Ok(())
    /// # }
    /// ```
    pub fn customers(&self) -> Customers {
        Customers::new(self.clone())
    }

    /// Customer discounts.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// let discounts = pos.discounts().list().await?;
    /// # let _ = discounts;
    /// # Ok(())
    /// # }
    /// ```
    pub fn discounts(&self) -> Discounts {
        Discounts::new(self.clone())
    }

    /// Customer groups (named as in the other vendor crates).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// let groups = pos.customer_groups().list().await?;
    /// # let _ = groups;
    /// # Ok(())
    /// # }
    /// ```
    pub fn customer_groups(&self) -> CustomerGroups {
        CustomerGroups::new(self.clone())
    }

    /// Whether requests are validated before they are sent.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// assert!(pos.validates());
    /// # Ok(())
    /// # }
    /// ```
    pub fn validates(&self) -> bool {
        self.validate
    }

    /// The sdk-core client underneath.
    pub fn http(&self) -> &Client {
        &self.http
    }

    /// Runs `check` when the client validates, for [`Request::check`]: a
    /// refusal fails the call before anything is sent.
    pub(crate) fn check(
        &self,
        check: impl FnOnce() -> std::result::Result<(), InvalidInput>,
    ) -> std::result::Result<(), InvalidInput> {
        if self.validate { check() } else { Ok(()) }
    }
}

/// Builds a [`PosClient`].
#[must_use = "a builder does nothing until built"]
pub struct PosClientBuilder {
    skeleton: ClientSkeleton,
    token: SecretString,
    operator: SecretString,
    validate: bool,
}

impl fmt::Debug for PosClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PosClientBuilder")
            .field("skeleton", &self.skeleton)
            .field("token", &"[REDACTED]")
            .field("operator", &"[REDACTED]")
            .field("validate", &self.validate)
            .finish_non_exhaustive()
    }
}

impl sdk_core::vendor::HasClientSettings for PosClientBuilder {
    fn client_settings_mut(&mut self) -> &mut sdk_core::ClientSettings {
        self.skeleton.client_settings_mut()
    }
}

impl PosClientBuilder {
    sdk_core::vendor::client_settings_setters!(skeleton);

    /// Whether requests are checked against the document's field rules
    /// before they are sent (default: on).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::CustomerDraft;
    ///
    /// // Without validation a draft the SDK would refuse is sent, and the server judges it.
    /// let unchecked = sandbox.client_builder().validation(false).build()?;
    /// let error = unchecked.customers().create(CustomerDraft::new("", "no-such-group")).await.unwrap_err();
    /// assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    /// # Ok(())
    /// # }
    /// ```
    pub fn validation(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use std::time::Duration;
    ///
    /// let pos = sandbox.client_builder().deadline(Some(Duration::from_secs(10))).build()?;
    /// # let _ = pos;
    /// # Ok(())
    /// # }
    /// ```
    pub fn build(mut self) -> Result<PosClient> {
        let auth = StaticHeaders::new()
            .with("X-Token", self.token)?
            .with("X-Operator", self.operator)?;
        // The host is given; the API's path is this crate's to add.
        let base = self.skeleton.base_url().trim().trim_end_matches('/');
        let base_url = if base.ends_with(BASE_PATH) {
            base.to_owned()
        } else {
            format!("{base}{BASE_PATH}")
        };
        self.skeleton.set_base_url(base_url);
        let http = self
            .skeleton
            .build(sdk_core::vendor::user_agent!(), auth, |_| Ok(()))?;
        Ok(PosClient {
            http,
            validate: self.validate,
        })
    }
}

/// Reads `{"result": {"status_code": 400, "details": "Missing required field: name"}}`
/// (`status_code` may be missing).
#[derive(Debug, Clone, Copy, Default)]
pub struct PosErrorParser;

impl ErrorBodyParser for PosErrorParser {
    fn parse(&self, status: StatusCode, body: &serde_json::Value) -> ParsedErrorBody {
        let Some(result) = body.get("result") else {
            return sdk_core::vendor::GenericErrorParser.parse(status, body);
        };
        let code = result.get("status_code").and_then(|code| match code {
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::String(s) => Some(s.clone()),
            _ => None,
        });
        let message = result.get("details").and_then(|details| match details {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        });
        ParsedErrorBody::new(code, message)
    }
}

/// What a POS Cloud error means, by the document's error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PosErrorKind {
    /// 400: the request is not valid (missing mandatory field, too long value, ...).
    InvalidRequest,
    /// 403: the token or operator is wrong, or the token may not access the operator.
    BadCredentials,
    /// 404: the instance, business, operator, tenant or URL does not exist.
    NotFound,
    /// 422: a reference breaks consistency (such as an unknown group id).
    BrokenReference,
    /// 500: an unexpected server error.
    ServerError,
    /// Any other status.
    Other,
}

/// Reads a [`PosErrorKind`] off an [`Error`].
pub trait PosErrorExt {
    /// The POS meaning of an API error; `None` when the server did not answer with an error.
    fn pos_kind(&self) -> Option<PosErrorKind>;
}

impl PosErrorExt for Error {
    fn pos_kind(&self) -> Option<PosErrorKind> {
        let status = self.api()?.status;
        Some(match status.as_u16() {
            400 => PosErrorKind::InvalidRequest,
            401 | 403 => PosErrorKind::BadCredentials,
            404 => PosErrorKind::NotFound,
            422 => PosErrorKind::BrokenReference,
            500 => PosErrorKind::ServerError,
            _ => PosErrorKind::Other,
        })
    }
}
