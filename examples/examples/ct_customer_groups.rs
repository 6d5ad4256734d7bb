//! Every commercetools Customer Groups operation once, cleaning up what it
//! created:
//!
//! ```sh
//! cargo run -p examples --example ct_customer_groups
//! ```

use std::process::ExitCode;

use ct_customer_groups_sdk::prelude::*;
use ct_customer_groups_sdk::sandbox::{CtSandbox, FieldType};
use ct_customer_groups_sdk::{
    CustomFieldsDraft, CustomerGroupDraft, CustomerGroupUpdate, ResourceIdentifier, UpdateAction,
    Utc,
};

/// Any error, with its message.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match ct_customer_groups().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
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
    // The custom type the example writes, as a project would define it.
    sandbox.add_type("example-fields", [("tier", FieldType::Number)]);
    Ok((sandbox.client()?, "in-process sandbox"))
}

async fn ct_customer_groups() -> Result<(), BoxError> {
    let (ct, place) = connect_ct()?;
    println!("commercetools customer groups on the {}", place);
    let groups = ct.customer_groups();
    let run = Utc::now().timestamp_millis();

    println!("create and read");
    let gold_key = format!("example-gold-{run}");
    let gold = groups
        .create(CustomerGroupDraft::new(format!("Example gold {run}")).key(&gold_key))
        .await?;
    step("created", format!("{} version {}", gold.id, gold.version));
    let silver = groups
        .create(
            CustomerGroupDraft::new(format!("Example silver {run}"))
                .key(format!("example-silver-{run}"))
                .custom(
                    CustomFieldsDraft::new(ResourceIdentifier::type_by_key("example-fields"))
                        .field("tier", 2),
                ),
        )
        .await;
    // A live project may not have the custom type: that is reported, not fatal.
    let silver = match silver {
        Ok(group) => Some(group),
        Err(error) => {
            step("custom type refused", error);
            None
        }
    };
    if let Some(custom) = silver.as_ref().and_then(|group| group.custom.as_ref()) {
        step("custom field tier", maybe(custom.field_as::<u32>("tier")?));
    }
    step("read by id", groups.get(&gold.id).await?.name);
    step("read by key", groups.get_by_key(&gold_key).await?.id);

    println!("existence checks (HEAD)");
    step("exists by id", groups.exists(&gold.id).await?);
    step("exists by key", groups.exists_by_key(&gold_key).await?);
    let named = groups.query().name_is(format!("Example gold {run}"));
    step("exists by name", named.exists().await?);

    println!("update");
    let gold = groups
        .update(
            &gold.id,
            CustomerGroupUpdate::for_group(&gold)
                .action(UpdateAction::change_name(format!("Example platinum {run}")))
                .action(UpdateAction::set_key(Some(format!(
                    "example-platinum-{run}"
                )))),
        )
        .await?;
    step("renamed and re-keyed", format!("version {}", gold.version));
    let stale = groups
        .update(
            &gold.id,
            CustomerGroupUpdate::new(1).action(UpdateAction::change_name("stale")),
        )
        .await;
    match stale {
        Err(error) if error.is_concurrent_modification() => step(
            "stale version refused",
            format!("current version is {}", maybe(error.current_version())),
        ),
        other => return Err(format!("expected a version conflict, got {other:?}").into()),
    }
    let gold = groups
        .update_by_key(
            format!("example-platinum-{run}"),
            CustomerGroupUpdate::for_group(&gold)
                .action(UpdateAction::set_key(Some(gold_key.clone()))),
        )
        .await?;
    step("updated by key", format!("version {}", gold.version));

    println!("query");
    let page = groups
        .query()
        .key_in([gold_key.clone(), format!("example-silver-{run}")])
        .sort_by("name", SortOrder::Asc)
        .limit(10)
        .with_total(true)
        .send()
        .await?;
    step(
        "by keys",
        format!(
            "{} of {}",
            count(page.results.len(), "group"),
            maybe(page.total)
        ),
    );
    let everything: Vec<_> = groups.query_all().items().try_collect().await?;
    step("query_all", count(everything.len(), "group"));

    println!("clean-up");
    // A delete whose answer was lost and whose replay found the group gone
    // still succeeds, without the group's last state.
    let deleted = groups.delete(&gold.id, gold.version).await?;
    step(
        "deleted",
        deleted.group().map_or(&gold.id, |group| &group.id),
    );
    step("exists after the delete", groups.exists(&gold.id).await?);
    if let Some(silver) = silver {
        groups
            .delete_by_key(silver.key.clone().unwrap_or_default(), silver.version)
            .await?;
        step("deleted by key", silver.key.unwrap_or_default());
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

/// A number the server may not have given.
fn maybe(n: Option<impl std::fmt::Display>) -> String {
    n.map_or_else(|| "?".to_owned(), |n| n.to_string())
}
