//! The job a backend actually has: mirror the POS Cloud customer groups into
//! commercetools (by key) and Flow Retail (by UID). Each target is one
//! `ensure_all` call: it reads what the target holds, writes only what
//! differs, and settles lost answers, so a second run writes nothing and a
//! lost answer never leaves a duplicate.
//!
//! ```sh
//! cargo run -p examples --example sync_groups
//! ```
//!
//! Against sandboxes (nothing in the environment), the POS sandbox is seeded
//! with groups and the sync runs twice, to show the second run changing
//! nothing. Against live services it runs once: run it again to see that.

//!
//! The sync itself (`sync_groups`) is the part to copy into a service; the
//! workspace's tests run it against the sandboxes (`tests/sync_groups.rs`
//! includes this file).

use std::collections::HashMap;
use std::process::ExitCode;

use ct_customer_groups_sdk::Tally;
use ct_customer_groups_sdk::sandbox::CtSandbox;
use ct_customer_groups_sdk::{CtClient, CustomerGroupDraft, Ensured};
use flowretail_sdk::sandbox::FlowRetailSandbox;
use flowretail_sdk::{CreateCustomerGroup, FlowRetailClient};
use pos_customer_sdk::sandbox::PosSandbox;
use pos_customer_sdk::{
    CustomerGroup, CustomerGroupDraft as PosGroupDraft, DiscountDraft, PosClient,
};

/// A client connected to an in-process sandbox.
const SANDBOX: &str = "in-process sandbox";
/// A client connected to a live service.
const LIVE: &str = "live service";

/// How many groups the sandbox is seeded with.
const SANDBOX_GROUPS: usize = 60;

/// Any error, with its message.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match sync().await {
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
        return Ok((PosClient::from_env()?, LIVE));
    }
    let sandbox = PosSandbox::start()?;
    // The groups of the API document's examples, to mirror.
    sandbox.seed_documented_examples();
    Ok((sandbox.client()?, SANDBOX))
}

/// The live commercetools project when its variables are set, the in-process sandbox
/// otherwise (the client keeps it running), and which of the two it is.
fn connect_ct() -> Result<(CtClient, &'static str), BoxError> {
    if ["CTP_PROJECT_KEY", "CTP_CLIENT_ID", "CTP_CLIENT_SECRET"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        return Ok((CtClient::from_env()?, LIVE));
    }
    let sandbox = CtSandbox::start()?;
    Ok((sandbox.client()?, SANDBOX))
}

/// The live Flow Retail tenant when its variables are set, the in-process sandbox
/// otherwise (the client keeps it running), and which of the two it is.
fn connect_flow() -> Result<(FlowRetailClient, &'static str), BoxError> {
    if ["FLOWRETAIL_TOKEN", "FLOWRETAIL_TENANT"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        return Ok((FlowRetailClient::from_env()?, LIVE));
    }
    let sandbox = FlowRetailSandbox::start()?;
    Ok((sandbox.client()?, SANDBOX))
}

async fn sync() -> Result<(), BoxError> {
    let (pos, pos_place) = connect_pos()?;
    let (ct, ct_place) = connect_ct()?;
    let (flow, flow_place) = connect_flow()?;
    println!(
        "sync POS Cloud groups ({pos_place}) to commercetools ({ct_place}) and Flow Retail ({flow_place})"
    );
    if pos_place == SANDBOX {
        let discount = pos
            .discounts()
            .create(DiscountDraft::new("Sync 3%", 3))
            .await?;
        for n in 1..=SANDBOX_GROUPS {
            let draft =
                PosGroupDraft::new(format!("Store {n:03} regulars")).discount(discount.id.clone());
            pos.customer_groups().create(draft).await?;
        }
    }
    let runs = if [pos_place, ct_place, flow_place] == [SANDBOX; 3] {
        2
    } else {
        1
    };
    for run in 1..=runs {
        let report = sync_groups(&pos, &ct, &flow).await?;
        println!("run {run}: {} POS groups", report.source_groups);
        println!("  {:<16}{}", "commercetools", report.commercetools);
        println!("  {:<16}{}", "Flow Retail", report.flowretail);
        for failure in &report.failures {
            println!("  {:<16}{failure}", "failed");
        }
        let wrote = report.commercetools.wrote_anything() || report.flowretail.wrote_anything();
        println!(
            "  {:<16}{}",
            "result",
            if wrote {
                "changes made"
            } else {
                "nothing to change: already in sync"
            }
        );
        if !report.failures.is_empty() {
            return Err(format!("{} group(s) could not be synced", report.failures.len()).into());
        }
    }
    Ok(())
}

/// What a sync did in both targets.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    /// POS groups read.
    pub source_groups: usize,
    /// What `ensure_all` did in commercetools.
    pub commercetools: Tally,
    /// What `ensure_all` did in Flow Retail.
    pub flowretail: Tally,
    /// Each group that could not be synced, with why.
    pub failures: Vec<String>,
}

/// One POS group as it should look in the targets.
#[derive(Debug, Clone)]
pub struct Mirror {
    /// commercetools key and Flow Retail UID.
    pub key: String,
    /// The name; POS names need not be unique, commercetools names must.
    pub name: String,
}

/// The key and UID a POS group is mirrored under: `pos-group-<id>`, with
/// every character outside `[A-Za-z0-9_-]` replaced by `-`.
pub fn mirror_key(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("pos-group-{safe}")
}

/// The mirror of each POS group: its key, and a name unique among them
/// (a name two POS groups share, or none, gets the group's id).
pub fn mirrors(groups: &[CustomerGroup]) -> Vec<Mirror> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for group in groups {
        *seen
            .entry(group.name.as_deref().unwrap_or("").trim())
            .or_default() += 1;
    }
    groups
        .iter()
        .map(|group| {
            let id = group.id.to_string();
            let name = group.name.as_deref().unwrap_or("").trim();
            let name = match (name, seen[name]) {
                ("", _) => format!("POS group ({id})"),
                (name, 1) => name.to_owned(),
                (name, _) => format!("{name} ({id})"),
            };
            Mirror {
                key: mirror_key(&id),
                name,
            }
        })
        .collect()
}

/// Reads the POS groups and makes both targets mirror them.
pub async fn sync_groups(
    pos: &PosClient,
    ct: &CtClient,
    flow: &FlowRetailClient,
) -> Result<SyncReport, BoxError> {
    let groups = pos.customer_groups().list().await?;
    let wanted = mirrors(&groups);
    let mut report = SyncReport {
        source_groups: groups.len(),
        ..SyncReport::default()
    };

    let drafts = wanted
        .iter()
        .map(|m| CustomerGroupDraft::new(&m.name).key(&m.key));
    let outcomes = ct.customer_groups().ensure_all(drafts).await;
    report.commercetools = record("commercetools", &wanted, outcomes, &mut report.failures);

    let groups = wanted
        .iter()
        .map(|m| CreateCustomerGroup::new(&m.name).uid(&m.key));
    let outcomes = flow.customer_groups().ensure_all(groups).await;
    report.flowretail = record("Flow Retail", &wanted, outcomes, &mut report.failures);
    Ok(report)
}

/// Counts what `ensure_all` did in one target, and notes each failure
/// (all of them when the target could not be read).
fn record<T>(
    target: &str,
    wanted: &[Mirror],
    outcomes: ct_customer_groups_sdk::Result<Vec<ct_customer_groups_sdk::Result<Ensured<T>>>>,
    failures: &mut Vec<String>,
) -> Tally {
    match outcomes {
        Ok(outcomes) => {
            for (mirror, outcome) in wanted.iter().zip(&outcomes) {
                if let Err(error) = outcome {
                    failures.push(format!("{target} {}: {error}", mirror.key));
                }
            }
            Tally::of(&outcomes)
        }
        Err(error) => {
            failures.push(format!("{target}: {error}"));
            let mut tally = Tally::default();
            tally.failed = wanted.len();
            tally
        }
    }
}
