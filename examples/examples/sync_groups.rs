//! The job a backend actually has: mirror the POS Cloud customer groups into
//! commercetools (by key) and Flow Retail (by UID). Idempotent: a second run
//! finds everything unchanged and says so.
//!
//! ```sh
//! cargo run -p examples --example sync_groups
//! ```
//!
//! Against sandboxes (nothing in the environment), the POS sandbox is seeded
//! with groups and the sync runs twice, to show the second run changing
//! nothing. Against live services it runs once: run it again to see that.

use std::io::Write;
use std::process::ExitCode;

use examples::report::{heading, step};
use examples::sync::{SyncReport, sync_groups};
use examples::{BoxError, connect};
use pos_customer_sdk::{CustomerGroupDraft, DiscountDraft};

/// How many groups the sandbox is seeded with.
const SANDBOX_GROUPS: usize = 60;

fn main() -> ExitCode {
    examples::run(sync())
}

async fn sync() -> Result<(), BoxError> {
    let pos = connect::pos()?;
    let ct = connect::commercetools()?;
    let flow = connect::flowretail()?;
    println!(
        "sync POS Cloud groups ({}) to commercetools ({}) and Flow Retail ({})",
        pos.describe(),
        ct.describe(),
        flow.describe()
    );
    let all_sandboxes = pos.sandbox.is_some() && ct.sandbox.is_some() && flow.sandbox.is_some();
    if let Some(sandbox) = &pos.sandbox {
        sandbox.seed_documented_examples();
        let discount = pos
            .client
            .discounts()
            .create(DiscountDraft::new("Sync 3%", 3))
            .await?;
        let discount_id = discount.id;
        for n in 1..=SANDBOX_GROUPS {
            pos.client
                .customer_groups()
                .create(
                    CustomerGroupDraft::new(format!("Store {n:03} regulars"))
                        .discount(discount_id.clone()),
                )
                .await?;
        }
    }

    let runs = if all_sandboxes { 2 } else { 1 };
    for run in 1..=runs {
        let report = sync_groups(&pos.client, &ct.client, &flow.client, |done, total| {
            if done % 25 == 0 || done == total {
                eprint!("\r  progress: {done}/{total}");
                let _ = std::io::stderr().flush();
                if done == total {
                    eprintln!();
                }
            }
        })
        .await?;
        print_report(run, &report);
        let failed = report.commercetools.failed.len() + report.flowretail.failed.len();
        if failed > 0 {
            return Err(format!("{failed} group(s) could not be synced").into());
        }
    }
    Ok(())
}

fn print_report(run: usize, report: &SyncReport) {
    heading(&format!("run {run}: {} POS groups", report.source_groups));
    step("commercetools", &report.commercetools);
    step("Flow Retail", &report.flowretail);
    for failure in report
        .commercetools
        .failed
        .iter()
        .chain(&report.flowretail.failed)
    {
        step("failed", failure);
    }
    let changed = report.commercetools.changed_anything() || report.flowretail.changed_anything();
    step(
        "result",
        if changed {
            "changes made"
        } else {
            "nothing to change: already in sync"
        },
    );
}
