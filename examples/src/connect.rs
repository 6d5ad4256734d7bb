//! Connecting to each vendor: the real service when its environment
//! variables are set, the in-process sandbox otherwise.

use ct_customer_groups_sdk::CtClient;
use ct_customer_groups_sdk::sandbox::CtSandbox;
use flowretail_sdk::FlowRetailClient;
use flowretail_sdk::sandbox::FlowRetailSandbox;
use pos_customer_sdk::PosClient;
use pos_customer_sdk::sandbox::PosSandbox;

use crate::BoxError;

/// A client, and the sandbox it talks to when there is one (kept alive as long as the client is used).
#[derive(Debug)]
pub struct Connection<C, S> {
    /// The client.
    pub client: C,
    /// The sandbox, when the environment named no real service.
    pub sandbox: Option<S>,
}

impl<C, S> Connection<C, S> {
    /// `sandbox` or `live service`, for the first line of output.
    pub fn describe(&self) -> &'static str {
        if self.sandbox.is_some() {
            "in-process sandbox"
        } else {
            "live service"
        }
    }
}

fn any_set(names: &[&str]) -> bool {
    names.iter().any(|name| sdk_core::env::var(name).is_some())
}

/// POS Cloud from `POS_BASE_URL`, `POS_TOKEN`, `POS_OPERATOR`, or a sandbox.
pub fn pos() -> Result<Connection<PosClient, PosSandbox>, BoxError> {
    if any_set(&["POS_BASE_URL", "POS_TOKEN", "POS_OPERATOR"]) {
        return Ok(Connection {
            client: PosClient::from_env()?,
            sandbox: None,
        });
    }
    let sandbox = PosSandbox::start()?;
    Ok(Connection {
        client: sandbox.client()?,
        sandbox: Some(sandbox),
    })
}

/// commercetools from the `CTP_*` variables, or a sandbox.
pub fn commercetools() -> Result<Connection<CtClient, CtSandbox>, BoxError> {
    if any_set(&[
        "CTP_PROJECT_KEY",
        "CTP_CLIENT_ID",
        "CTP_CLIENT_SECRET",
        "CTP_API_URL",
        "CTP_AUTH_URL",
    ]) {
        return Ok(Connection {
            client: CtClient::from_env()?,
            sandbox: None,
        });
    }
    let sandbox = CtSandbox::start()?;
    Ok(Connection {
        client: sandbox.client()?,
        sandbox: Some(sandbox),
    })
}

/// Flow Retail from `FLOWRETAIL_TOKEN`, `FLOWRETAIL_TENANT` (and
/// `FLOWRETAIL_BASE_URL`), or a sandbox.
pub fn flowretail() -> Result<Connection<FlowRetailClient, FlowRetailSandbox>, BoxError> {
    if any_set(&["FLOWRETAIL_TOKEN", "FLOWRETAIL_TENANT"]) {
        return Ok(Connection {
            client: FlowRetailClient::from_env()?,
            sandbox: None,
        });
    }
    let sandbox = FlowRetailSandbox::start()?;
    Ok(Connection {
        client: sandbox.client()?,
        sandbox: Some(sandbox),
    })
}

/// Customer UIDs to put in Flow Retail groups: the sandbox's generated
/// ones, or `FLOWRETAIL_CUSTOMER_UIDS` (comma-separated) against the live
/// service, which has no endpoint here to list customers.
pub fn flowretail_customers(
    connection: &Connection<FlowRetailClient, FlowRetailSandbox>,
    count: usize,
) -> Vec<String> {
    match &connection.sandbox {
        Some(sandbox) => sandbox.seed_customers(count),
        None => sdk_core::env::var("FLOWRETAIL_CUSTOMER_UIDS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|uid| !uid.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}
