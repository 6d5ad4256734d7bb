//! Every Flow Retail customer group operation once, cleaning up what it
//! created:
//!
//! ```sh
//! cargo run -p examples --example flowretail_customer_groups
//! ```

use std::process::ExitCode;

use examples::report::{self, count, heading, maybe, place, step};
use flowretail_sdk::Utc;
use flowretail_sdk::prelude::*;
use flowretail_sdk::sandbox::FlowRetailSandbox;

/// Any error, with its message.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    report::exit_code(flowretail_customer_groups().await)
}

/// The live Flow Retail tenant when its variables are set, the in-process
/// sandbox otherwise (returned too, so that it lives as long as the client).
fn connect_flow() -> Result<(FlowRetailClient, Option<FlowRetailSandbox>), BoxError> {
    if ["FLOWRETAIL_TOKEN", "FLOWRETAIL_TENANT"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        return Ok((FlowRetailClient::from_env()?, None));
    }
    let sandbox = FlowRetailSandbox::start()?;
    Ok((sandbox.client()?, Some(sandbox)))
}

/// Customer UIDs to put in groups: the sandbox's generated ones, or
/// `FLOWRETAIL_CUSTOMER_UIDS` (comma-separated) against the live service,
/// which has no endpoint here to list customers.
fn customers_to_use(sandbox: Option<&FlowRetailSandbox>, count: usize) -> Vec<String> {
    match sandbox {
        Some(sandbox) => sandbox.seed_customers(count),
        None => std::env::var("FLOWRETAIL_CUSTOMER_UIDS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|uid| !uid.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

async fn flowretail_customer_groups() -> Result<(), BoxError> {
    let (flow, sandbox) = connect_flow()?;
    println!(
        "Flow Retail customer groups on the {}",
        place(sandbox.is_some())
    );
    let customers = customers_to_use(sandbox.as_ref(), 1_000);
    let groups = flow.customer_groups();
    let uid = format!("example-{}", Utc::now().timestamp_millis());

    heading("groups");
    let group = groups
        .create(CreateCustomerGroup::new("Example VIP").uid(&uid))
        .await?;
    step("created", &group.customer_group_uid);
    let group = groups
        .update(&uid, UpdateCustomerGroup::name("Example VVIP"))
        .await?;
    step("renamed", &group.name);
    step("read", groups.get(&uid).await?.name);
    let first = groups
        .list()
        .page_size(20)
        .sort_by("name", SortOrder::Asc)
        .page(None)
        .await?;
    step(
        "listed",
        format!(
            "{} on the first page of {}",
            count(first.items.len(), "group"),
            maybe(first.paging.total_count)
        ),
    );

    heading("customers");
    if !customers.is_empty() {
        groups
            .update_customers(
                &uid,
                GroupMembershipChange::new().add_customers(customers.clone()),
            )
            .await?;
    }
    step("added", count(customers.len(), "customer"));
    let mut stream = groups
        .customers(&uid)
        .page_size(100)
        .sort_by("lastname", SortOrder::Asc)
        .paginator()
        .concurrency(4)
        .items();
    let mut streamed = 0;
    let mut first_name = None;
    while let Some(customer) = stream.try_next().await? {
        first_name.get_or_insert_with(|| format!("{} {}", customer.firstname, customer.lastname));
        streamed += 1;
    }
    step(
        "streamed",
        format!(
            "{} (first by last name: {})",
            count(streamed, "customer"),
            first_name.unwrap_or_default()
        ),
    );
    let removed: Vec<String> = customers.iter().take(10).cloned().collect();
    if !removed.is_empty() {
        groups
            .update_customers(
                &uid,
                GroupMembershipChange::new().remove_customers(removed.clone()),
            )
            .await?;
    }
    let left = groups
        .customers(&uid)
        .page(None)
        .await?
        .paging
        .total_count
        .unwrap_or(0);
    step(
        "removed",
        format!("{}, {left} left", count(removed.len(), "customer")),
    );

    heading("clean-up");
    groups.delete(&uid).await?;
    step("deleted", &uid);
    Ok(())
}
