//! A tour of the three vendors in one run: POS Cloud customers, groups and
//! discounts; a commercetools group renamed through a version conflict; a
//! Flow Retail group and its customers streamed.
//!
//! Uses the live services whose environment variables are set, and the
//! in-process sandboxes for the others:
//!
//! ```sh
//! cargo run -p examples --example quickstart
//! ```

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ct_customer_groups_sdk::sandbox::CtSandbox;
use ct_customer_groups_sdk::{
    CtClient, CustomerGroupDraft, CustomerGroupUpdate, UpdateAction, Utc,
};
use flowretail_sdk::prelude::*;
use flowretail_sdk::sandbox::FlowRetailSandbox;
use flowretail_sdk::{CreateCustomerGroup, GroupMembershipChange};
use pos_customer_sdk::sandbox::PosSandbox;
use pos_customer_sdk::{
    CustomerDraft, CustomerGroupDraft as PosGroupDraft, CustomerPatch, DiscountDraft, PosClient,
};

/// Any error, with its message.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match quickstart().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The live POS Cloud when its variables are set, the in-process sandbox
/// otherwise (the client keeps it running), and which of the two it is.
fn connect_pos() -> Result<(PosClient, &'static str), BoxError> {
    if ["POS_BASE_URL", "POS_TOKEN", "POS_OPERATOR"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        return Ok((PosClient::from_env()?, "live service"));
    }
    let sandbox = PosSandbox::start()?;
    Ok((sandbox.client()?, "in-process sandbox"))
}

/// The live commercetools project when its variables are set, the in-process sandbox
/// otherwise (the client keeps it running), and which of the two it is.
fn connect_ct() -> Result<(CtClient, &'static str), BoxError> {
    if ["CTP_PROJECT_KEY", "CTP_CLIENT_ID", "CTP_CLIENT_SECRET"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        return Ok((CtClient::from_env()?, "live service"));
    }
    let sandbox = CtSandbox::start()?;
    Ok((sandbox.client()?, "in-process sandbox"))
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

async fn quickstart() -> Result<(), BoxError> {
    let started = Instant::now();
    let (pos, pos_place) = connect_pos()?;
    let (ct, ct_place) = connect_ct()?;
    let (flow, flow_place, customers) = connect_flow(120)?;
    println!(
        "customer-sdk quickstart: POS Cloud on the {}, commercetools on the {}, Flow Retail on the {}",
        pos_place, ct_place, flow_place
    );

    println!("POS Cloud");
    let pos = &pos;
    let discount = pos
        .discounts()
        .create(DiscountDraft::new("Quickstart 5%", 5).absolute(false))
        .await?;
    let discount_id = discount.id.clone();
    step(
        "discount created",
        format!("#{discount_id} {:?}", discount.name.unwrap_or_default()),
    );
    let group = pos
        .customer_groups()
        .create(PosGroupDraft::new("Quickstart regulars").discount(discount_id.clone()))
        .await?;
    let group_id = group.id.clone();
    step(
        "group created",
        format!("#{group_id} with discount #{discount_id}"),
    );
    let mut ids = Vec::new();
    for (number, first, last) in [
        ("Q-1", "Sarah", "Connor"),
        ("Q-2", "Kyle", "Reese"),
        ("Q-3", "John", "Connor"),
    ] {
        let customer = pos
            .customers()
            .create(
                CustomerDraft::new(number, group_id.clone())
                    .first_name(first)
                    .last_name(last),
            )
            .await?;
        ids.push(customer.id);
    }
    step(
        "customers created",
        format!("{} in group #{group_id}", count(ids.len(), "customer")),
    );
    let mut names = Vec::new();
    for id in &ids {
        let customer = pos.customers().get(id.clone()).await?;
        names.push(format!(
            "{} {}",
            customer.first_name.unwrap_or_default(),
            customer.last_name.unwrap_or_default()
        ));
    }
    step("read back", names.join(", "));
    let today = Utc::now().date_naive();
    let modified = pos.customers().list_modified_since(today).await?;
    step("modified since today", count(modified.len(), "customer"));
    let patched = pos
        .customers()
        .patch_many(
            ids.iter()
                .map(|id| (id.clone(), CustomerPatch::new().active(false)))
                .collect(),
        )
        .await?;
    let inactive = patched.iter().filter(|c| c.active == Some(false)).count();
    step(
        "patched many",
        format!("{} now inactive", count(inactive, "customer")),
    );

    println!("commercetools");
    let groups = ct.customer_groups();
    let key = format!("quickstart-{}", Utc::now().timestamp_millis());
    let created = groups
        .create(CustomerGroupDraft::new(format!("Quickstart {key}")).key(&key))
        .await?;
    step(
        "group created",
        format!("{:?} version {}", created.name, created.version),
    );
    // Someone else renames the group between our read and our write: the
    // helper meets the 409, reads the group again and asks again.
    let other = ct.customer_groups();
    let interfered = AtomicBool::new(false);
    let new_name = format!("Quickstart gold {key}");
    let renamed = groups
        .update_with_retry_async(&created.id, 3, |current| {
            let other = other.clone();
            let first_time = !interfered.swap(true, Ordering::SeqCst);
            let new_name = &new_name;
            async move {
                if first_time {
                    let elsewhere = format!("{} (renamed elsewhere)", current.name);
                    let change = CustomerGroupUpdate::for_group(&current)
                        .action(UpdateAction::change_name(elsewhere));
                    let _ = other.update(&current.id, change).await;
                }
                vec![UpdateAction::change_name(new_name)]
            }
        })
        .await?;
    step(
        "renamed",
        format!(
            "{:?} version {} (a concurrent change was retried)",
            renamed.name, renamed.version
        ),
    );
    let found = groups.query().key_is(&key).send().await?;
    step(
        "queried back",
        format!("key={key}: {}", count(found.results.len(), "group")),
    );
    groups.delete(&renamed.id, renamed.version).await?;
    step("deleted", format!("at version {}", renamed.version));

    println!("Flow Retail");
    let flow_groups = flow.customer_groups();
    let uid = format!("quickstart-{}", Utc::now().timestamp_millis());
    let group = flow_groups
        .create(CreateCustomerGroup::new("Quickstart VIP").uid(&uid))
        .await?;
    step(
        "group created",
        format!("{} {:?}", group.customer_group_uid, group.name),
    );
    if !customers.is_empty() {
        flow_groups
            .update_customers(
                &uid,
                GroupMembershipChange::new().add_customers(customers.clone()),
            )
            .await?;
    }
    step("customers added", count(customers.len(), "customer"));
    let streamed: Vec<_> = flow_groups
        .customers(&uid)
        .page_size(50)
        .items()
        .try_collect()
        .await?;
    step(
        "streamed",
        format!("{} in pages of 50", count(streamed.len(), "customer")),
    );
    flow_groups.delete(&uid).await?;
    step("deleted", &uid);

    println!("done in {:.1?}", started.elapsed());
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
