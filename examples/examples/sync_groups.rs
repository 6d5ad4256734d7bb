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

//!
//! The sync itself (`sync_groups`) is the part to copy into a service; the
//! workspace's tests run it against the sandboxes (`tests/sync_groups.rs`
//! includes this file).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use ct_customer_groups_sdk::prelude::*;
use ct_customer_groups_sdk::sandbox::CtSandbox;
use ct_customer_groups_sdk::{CtClient, CustomerGroupDraft, UpdateAction};
use flowretail_sdk::sandbox::FlowRetailSandbox;
use flowretail_sdk::{CreateCustomerGroup, FlowRetailClient, UpdateCustomerGroup};
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
        "sync POS Cloud groups ({}) to commercetools ({}) and Flow Retail ({})",
        pos_place, ct_place, flow_place
    );
    let all_sandboxes = [pos_place, ct_place, flow_place] == [SANDBOX; 3];
    if pos_place == SANDBOX {
        let discount = pos
            .discounts()
            .create(DiscountDraft::new("Sync 3%", 3))
            .await?;
        let discount_id = discount.id;
        for n in 1..=SANDBOX_GROUPS {
            pos.customer_groups()
                .create(
                    PosGroupDraft::new(format!("Store {n:03} regulars"))
                        .discount(discount_id.clone()),
                )
                .await?;
        }
    }

    let runs = if all_sandboxes { 2 } else { 1 };
    for run in 1..=runs {
        let report = sync_groups(&pos, &ct, &flow, |done, total| {
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
    println!(
        "{}",
        &format!("run {run}: {} POS groups", report.source_groups)
    );
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

/// How many mirror writes run at once.
const CONCURRENCY: usize = 8;

/// What one target's sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Groups created in the target.
    pub created: usize,
    /// Groups renamed in the target.
    pub updated: usize,
    /// Groups already right.
    pub unchanged: usize,
    /// Groups that could not be synced, with why.
    pub failed: Vec<String>,
}

impl Summary {
    /// Whether the run changed anything.
    pub fn changed_anything(&self) -> bool {
        self.created + self.updated > 0
    }

    fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Failed(why) => self.failed.push(why),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged, {} failed",
            self.created,
            self.updated,
            self.unchanged,
            self.failed.len()
        )
    }
}

/// What a sync did in both targets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// POS groups read.
    pub source_groups: usize,
    /// commercetools.
    pub commercetools: Summary,
    /// Flow Retail.
    pub flowretail: Summary,
}

enum Outcome {
    Created,
    Updated,
    Unchanged,
    Failed(String),
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

/// The mirror of each POS group: its key, and a name unique among them.
pub fn mirrors(groups: &[CustomerGroup]) -> Vec<Mirror> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for group in groups {
        *seen.entry(group.name.as_deref().unwrap_or("")).or_default() += 1;
    }
    groups
        .iter()
        .map(|group| {
            let id = group.id.to_string();
            let name = group.name.as_deref().unwrap_or("").trim();
            // A name two POS groups share gets the id, so that it stays unique.
            let name = if name.is_empty() || seen[group.name.as_deref().unwrap_or("")] > 1 {
                format!(
                    "{} ({id})",
                    if name.is_empty() { "POS group" } else { name }
                )
            } else {
                name.to_owned()
            };
            Mirror {
                key: mirror_key(&id),
                name,
            }
        })
        .collect()
}

/// Reads the POS groups and mirrors them; `progress(done, total)` is called as groups finish.
pub async fn sync_groups(
    pos: &PosClient,
    ct: &CtClient,
    flow: &FlowRetailClient,
    progress: impl Fn(usize, usize),
) -> Result<SyncReport, BoxError> {
    let groups = pos.customer_groups().list().await?;
    let wanted = mirrors(&groups);
    let total = wanted.len() * 2;
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = || {
        progress(
            done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
            total,
        )
    };

    let mut report = SyncReport {
        source_groups: groups.len(),
        ..SyncReport::default()
    };
    let existing = commercetools_groups(ct, &wanted).await?;
    let mut writes = tokio::task::JoinSet::new();
    for mirror in wanted.iter().cloned() {
        let (ct, existing) = (ct.clone(), existing.get(&mirror.key).cloned());
        let (flow, for_flow) = (flow.clone(), mirror.clone());
        writes.spawn(async move {
            let outcome = sync_commercetools(&ct, mirror, existing).await;
            (Target::Commercetools, outcome)
        });
        writes.spawn(async move { (Target::FlowRetail, sync_flowretail(&flow, for_flow).await) });
        // At most CONCURRENCY writes in flight.
        while writes.len() >= CONCURRENCY {
            finish_one(&mut writes, &mut report, &tick).await?;
        }
    }
    while !writes.is_empty() {
        finish_one(&mut writes, &mut report, &tick).await?;
    }
    Ok(report)
}

/// Which mirror a write was for.
enum Target {
    Commercetools,
    FlowRetail,
}

/// Waits for one write and records what it did.
async fn finish_one(
    writes: &mut tokio::task::JoinSet<(Target, Outcome)>,
    report: &mut SyncReport,
    tick: &impl Fn(),
) -> Result<(), BoxError> {
    if let Some(finished) = writes.join_next().await {
        match finished? {
            (Target::Commercetools, outcome) => report.commercetools.record(outcome),
            (Target::FlowRetail, outcome) => report.flowretail.record(outcome),
        }
        tick();
    }
    Ok(())
}

/// The commercetools groups that already carry one of the mirror keys, by key.
async fn commercetools_groups(
    ct: &CtClient,
    wanted: &[Mirror],
) -> Result<HashMap<String, ct_customer_groups_sdk::CustomerGroup>, BoxError> {
    let keys: Vec<String> = wanted
        .iter()
        .map(|m| m.key.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut found = HashMap::new();
    for chunk in keys.chunks(100) {
        let groups: Vec<_> = ct
            .customer_groups()
            .query()
            .key_in(chunk.iter().cloned())
            .query_all()
            .items()
            .try_collect()
            .await?;
        for group in groups {
            if let Some(key) = group.key.clone() {
                found.insert(key, group);
            }
        }
    }
    Ok(found)
}

async fn sync_commercetools(
    ct: &CtClient,
    mirror: Mirror,
    existing: Option<ct_customer_groups_sdk::CustomerGroup>,
) -> Outcome {
    let groups = ct.customer_groups();
    let result = match existing {
        None => groups
            .create(CustomerGroupDraft::new(&mirror.name).key(&mirror.key))
            .await
            .map(|_| Outcome::Created),
        Some(group) if group.name == mirror.name => Ok(Outcome::Unchanged),
        Some(group) => {
            let name = mirror.name.clone();
            groups
                .update_with_retry(group.id, 3, move |current| {
                    if current.name == name {
                        vec![]
                    } else {
                        vec![UpdateAction::change_name(name.clone())]
                    }
                })
                .await
                .map(|_| Outcome::Updated)
        }
    };
    result.unwrap_or_else(|error| Outcome::Failed(format!("commercetools {}: {error}", mirror.key)))
}

async fn sync_flowretail(flow: &FlowRetailClient, mirror: Mirror) -> Outcome {
    let groups = flow.customer_groups();
    let result = match groups.get(&mirror.key).await {
        Ok(group) if group.name == mirror.name => Ok(Outcome::Unchanged),
        Ok(_) => groups
            .update(&mirror.key, UpdateCustomerGroup::name(&mirror.name))
            .await
            .map(|_| Outcome::Updated),
        Err(error) if error.is_not_found() => groups
            .create(CreateCustomerGroup::new(&mirror.name).uid(&mirror.key))
            .await
            .map(|_| Outcome::Created),
        Err(error) => Err(error),
    };
    result.unwrap_or_else(|error| Outcome::Failed(format!("Flow Retail {}: {error}", mirror.key)))
}

// Printing: an aligned line per step.

/// Prints one step of the run: what happened, and its detail.
fn step(what: &str, detail: impl std::fmt::Display) {
    println!("  {what:<24}{detail}");
}
