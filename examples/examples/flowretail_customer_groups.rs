//! Every Flow Retail customer group operation once, cleaning up what it
//! created:
//!
//! ```sh
//! cargo run -p examples --example flowretail_customer_groups
//! ```

use std::process::ExitCode;

use examples::report::{count, heading, maybe, step};
use examples::{BoxError, connect};
use flowretail_sdk::{CreateCustomerGroup, GroupMembershipChange, SortOrder, UpdateCustomerGroup};
use futures::TryStreamExt;

fn main() -> ExitCode {
    examples::run(flowretail_customer_groups())
}

async fn flowretail_customer_groups() -> Result<(), BoxError> {
    let connection = connect::flowretail()?;
    println!(
        "Flow Retail customer groups on the {}",
        connection.describe()
    );
    let customers = connect::flowretail_customers(&connection, 1_000);
    let groups = connection.client.customer_groups();
    let uid = format!("example-{}", chrono::Utc::now().timestamp_millis());

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
