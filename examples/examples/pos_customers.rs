//! Every POS Cloud operation once, in the order an integration uses them,
//! cleaning up what it created:
//!
//! ```sh
//! cargo run -p examples --example pos_customers
//! ```

use std::process::ExitCode;

use pos_customer_sdk::sandbox::PosSandbox;
use pos_customer_sdk::{
    Address, CustomerDraft, CustomerGroupDraft, CustomerGroupPatch, CustomerId, CustomerPatch,
    DiscountDraft, DiscountPatch, Gender, PosClient, PosErrorExt, PosErrorKind, Utc,
};

/// Any error, with its message.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match pos_customers().await {
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

async fn pos_customers() -> Result<(), BoxError> {
    let (pos, place) = connect_pos()?;
    println!("POS Cloud customers on the {}", place);
    let pos = &pos;

    println!("discounts");
    let discount = pos
        .discounts()
        .create(DiscountDraft::new("Example 5%", 5))
        .await?;
    let discount_id = discount.id.clone();
    step("created", format!("#{discount_id}"));
    let discount = pos
        .discounts()
        .replace(
            discount_id.clone(),
            DiscountDraft::new("Example 7%", 7).check_discountable(true),
        )
        .await?;
    step(
        "replaced",
        format!("{:?}", discount.name.unwrap_or_default()),
    );
    pos.discounts()
        .patch(discount_id.clone(), DiscountPatch::new().absolute(false))
        .await?;
    step("patched", "absolute = false");
    let fetched = pos.discounts().get(discount_id.clone()).await?;
    step(
        "read",
        format!(
            "value {}",
            fetched.value.map(|v| v.to_string()).unwrap_or_default()
        ),
    );
    step(
        "listed",
        count(pos.discounts().list().await?.len(), "discount"),
    );

    println!("customer groups");
    let group = pos
        .customer_groups()
        .create(CustomerGroupDraft::new("Example members").discount(discount_id.clone()))
        .await?;
    let group_id = group.id.clone();
    step("created", format!("#{group_id}"));
    pos.customer_groups()
        .replace(
            group_id.clone(),
            CustomerGroupDraft::new("Example members+").discount(discount_id.clone()),
        )
        .await?;
    step("replaced", "with the same discount");
    pos.customer_groups()
        .patch(
            group_id.clone(),
            CustomerGroupPatch::new().name("Example regulars"),
        )
        .await?;
    step("patched", "renamed");
    let group = pos.customer_groups().get(group_id.clone()).await?;
    step("read", format!("{:?}", group.name.unwrap_or_default()));
    step(
        "listed",
        count(pos.customer_groups().list().await?.len(), "group"),
    );

    println!("customers");
    let created = pos
        .customers()
        .create(
            CustomerDraft::new("EX-1", group_id.clone())
                .first_name("Miles")
                .last_name("Dyson")
                .gender(Gender::Male)
                .email("miles@cyberdyne.example")
                .address(
                    Address::new()
                        .street("Berliner Str.")
                        .building("33")
                        .zip("16321")
                        .city("Bernau"),
                ),
        )
        .await?;
    let created_id = created.id.clone();
    step("created (POST)", &created_id);
    // Creating under an id we choose is safe to retry: PUT is idempotent.
    let chosen = CustomerId::new_uuid();
    let upserted = pos
        .customers()
        .replace(
            chosen.clone(),
            CustomerDraft::new("EX-2", group_id.clone()).last_name("Reese"),
        )
        .await?;
    step(
        "created (PUT)",
        format!("{chosen}: created = {}", upserted.was_created()),
    );
    let address_id = created.addresses.first().and_then(|a| a.id.clone());
    let mut patch = CustomerPatch::new().phones(["555-1234"]);
    if let Some(address_id) = address_id {
        patch = patch.address(Address::existing(address_id).zip("16322"));
    }
    let patched = pos
        .customers()
        .patch(
            created_id.clone(),
            patch.address(Address::new().city("Berlin")),
        )
        .await?;
    step(
        "patched",
        format!("{} now", count(patched.addresses.len(), "address")),
    );
    let read = pos.customers().get(created_id.clone()).await?;
    step(
        "read",
        format!(
            "{} {}",
            read.first_name.unwrap_or_default(),
            read.last_name.unwrap_or_default()
        ),
    );
    step(
        "listed",
        count(pos.customers().list().await?.len(), "customer"),
    );
    let today = Utc::now().date_naive();
    step(
        "modified since today",
        count(
            pos.customers().list_modified_since(today).await?.len(),
            "customer",
        ),
    );
    let replaced = pos
        .customers()
        .replace_many(vec![
            (
                created_id.clone(),
                CustomerDraft::new("EX-1", group_id.clone()).last_name("Dyson"),
            ),
            (
                chosen.clone(),
                CustomerDraft::new("EX-2", group_id.clone()).last_name("Reese"),
            ),
        ])
        .await?;
    step(
        "replaced many",
        format!("any created: {}", replaced.was_created()),
    );
    let patched = pos
        .customers()
        .patch_many(vec![
            (created_id.clone(), CustomerPatch::new().active(false)),
            (chosen.clone(), CustomerPatch::new().active(false)),
        ])
        .await?;
    step("patched many", count(patched.len(), "customer"));

    println!("clean-up");
    // The API has no customer delete: customers are deactivated above. The
    // group stays while it has customers, as the API refuses to delete it.
    match pos.customer_groups().delete(group_id.clone()).await {
        Ok(_) => step("group deleted", format!("#{group_id}")),
        Err(error) if error.pos_kind() == Some(PosErrorKind::BrokenReference) => {
            step("group kept", "it still has customers (422)")
        }
        Err(error) => return Err(error.into()),
    }
    match pos.discounts().delete(discount_id.clone()).await {
        Ok(deleted) => step("discount deleted", deleted.details.unwrap_or_default()),
        Err(error) if error.pos_kind() == Some(PosErrorKind::BrokenReference) => {
            step("discount kept", "a group still uses it (422)")
        }
        Err(error) => return Err(error.into()),
    }
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
