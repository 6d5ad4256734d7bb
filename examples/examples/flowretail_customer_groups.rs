//! Every Flow Retail customer group operation once, cleaning up what it
//! created:
//!
//! ```sh
//! cargo run -p examples --example flowretail_customer_groups
//! ```

use std::process::ExitCode;

use flowretail_sdk::prelude::*;
use flowretail_sdk::sandbox::FlowRetailSandbox;
use flowretail_sdk::{CreateCustomerGroup, GroupMembershipChange, UpdateCustomerGroup, Utc};

/// Any error, with its message.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match flowretail_customer_groups().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The live Flow Retail tenant when its variables are set, the in-process
/// sandbox otherwise (the client keeps it running), which of the two it is,
/// and customer UIDs to put in groups: `customers` generated ones in the
/// sandbox, or `FLOWRETAIL_CUSTOMER_UIDS` (comma-separated) against the live
/// service, which has no endpoint here to list customers.
fn connect_flow(
    customers: usize,
) -> Result<(FlowRetailClient, &'static str, Vec<String>), BoxError> {
    if ["FLOWRETAIL_TOKEN", "FLOWRETAIL_TENANT"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        let uids = std::env::var("FLOWRETAIL_CUSTOMER_UIDS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|uid| !uid.is_empty())
            .map(str::to_owned)
            .collect();
        return Ok((FlowRetailClient::from_env()?, "live service", uids));
    }
    let sandbox = FlowRetailSandbox::start()?;
    let uids = sandbox.seed_customers(customers);
    Ok((sandbox.client()?, "in-process sandbox", uids))
}

async fn flowretail_customer_groups() -> Result<(), BoxError> {
    let (flow, place, customers) = connect_flow(1_000)?;
    println!("Flow Retail customer groups on the {}", place);
    let groups = flow.customer_groups();
    let uid = format!("example-{}", Utc::now().timestamp_millis());

    println!("groups");
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
            first.paging.total_count
        ),
    );

    println!("customers");
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
    let left = groups.customers(&uid).page(None).await?.paging.total_count;
    step(
        "removed",
        format!("{}, {left} left", count(removed.len(), "customer")),
    );

    println!("clean-up");
    groups.delete(&uid).await?;
    step("deleted", &uid);
    Ok(())
}

// Printing: an aligned line per step.

/// Prints one step of the run: what happened, and its detail.
fn step(what: &str, detail: impl std::fmt::Display) {
    println!("  {what:<24}{detail}");
}

/// `1 customer`, `3 customers`, `2 addresses`.
fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ if noun.ends_with('s') => format!("{n} {noun}es"),
        _ => format!("{n} {noun}s"),
    }
}
