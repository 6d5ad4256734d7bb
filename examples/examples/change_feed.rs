//! Polls the change feeds of three vendors into one local JSON lines file,
//! with a checkpoint folder: run it again and it goes on where it stopped,
//! writing only what changed since (and deletes, found by a delete pass).
//!
//! ```sh
//! cargo run -p examples --example change_feed
//! ```
//!
//! Each change is written and flushed to disk before its batch is
//! committed, so a crash between the two repeats that batch, and loses
//! nothing: the file is at least once, with each line's `id` and `marker`
//! (version, modification time) to drop a repeat by.
//!
//! Against live services (their variables set), the file and checkpoints
//! go to `CHANGE_FEED_DIR` (default `./change-feed`). Against the
//! in-process sandboxes (nothing set), a fresh folder is used, the
//! sandboxes are seeded, and the feeds are polled twice, with a few
//! changes and a delete in between, to show the second poll writing only those.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use ct_customer_groups_sdk::sandbox::CtSandbox;
use ct_customer_groups_sdk::serde_json::{Value, json};
use ct_customer_groups_sdk::{
    Change, ChangeFeed, CtClient, CustomerGroupDraft, CustomerGroupUpdate, FileCheckpoints,
    UpdateAction,
};
use flowretail_sdk::sandbox::FlowRetailSandbox;
use flowretail_sdk::{CreateCustomerGroup, FlowRetailClient, UpdateCustomerGroup};
use pos_customer_sdk::sandbox::PosSandbox;
use pos_customer_sdk::{CustomerPatch, PosClient};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How often a delete pass runs (each reads every id; the first poll runs one).
const RECONCILE_EVERY: Duration = Duration::from_secs(60 * 60);

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The three clients, live when any vendor's variables are set.
struct Clients {
    pos: PosClient,
    ct: CtClient,
    flow: FlowRetailClient,
    /// Against the sandboxes: the seeding and the second poll are this example's.
    sandboxes: Option<(PosSandbox, CtSandbox, FlowRetailSandbox)>,
}

fn connect() -> Result<Clients, BoxError> {
    let live = [
        "POS_BASE_URL",
        "POS_TOKEN",
        "CTP_PROJECT_KEY",
        "CTP_CLIENT_ID",
        "FLOWRETAIL_TOKEN",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some());
    if live {
        return Ok(Clients {
            pos: PosClient::from_env()?,
            ct: CtClient::from_env()?,
            flow: FlowRetailClient::from_env()?,
            sandboxes: None,
        });
    }
    let (pos, ct, flow) = (
        PosSandbox::start()?,
        CtSandbox::start()?,
        FlowRetailSandbox::start()?,
    );
    pos.seed_documented_examples();
    Ok(Clients {
        pos: pos.client()?,
        ct: ct.client()?,
        flow: flow.client()?,
        sandboxes: Some((pos, ct, flow)),
    })
}

async fn run() -> Result<(), BoxError> {
    let clients = connect()?;
    let folder = match (&clients.sandboxes, std::env::var_os("CHANGE_FEED_DIR")) {
        (_, Some(folder)) => PathBuf::from(folder),
        (Some(_), None) => std::env::temp_dir().join(format!(
            "change-feed-{}",
            pos_customer_sdk::CustomerId::new_uuid()
        )),
        (None, None) => PathBuf::from("change-feed"),
    };
    std::fs::create_dir_all(&folder)?;
    if clients.sandboxes.is_some() {
        seed(&clients).await?;
    }
    let written = poll_all(&clients, &folder, false).await?;
    println!(
        "poll 1: {written} changes written to {}",
        folder.join("changes.jsonl").display()
    );
    if clients.sandboxes.is_some() {
        change_a_few(&clients).await?;
        let written = poll_all(&clients, &folder, true).await?;
        println!("poll 2: {written} changes written (3 changed, 1 deleted)");
        std::fs::remove_dir_all(&folder)?;
    }
    Ok(())
}

/// Polls each feed once, appending its changes to `changes.jsonl`; with
/// `reconcile_now`, each poll ends with a delete pass whatever the schedule.
async fn poll_all(
    clients: &Clients,
    folder: &Path,
    reconcile_now: bool,
) -> Result<usize, BoxError> {
    let store = FileCheckpoints::new(folder.join("checkpoints"));
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(folder.join("changes.jsonl"))?;
    let mut ct = clients.ct.customer_groups().changes(store.clone());
    let mut flow = clients.flow.customer_groups().changes(store.clone());
    let mut pos = clients.pos.customers().changes(store);
    if reconcile_now {
        ct.reconcile_now();
        flow.reconcile_now();
        pos.reconcile_now();
    }
    let mut written = drain("commercetools", ct, &mut file, |group| {
        (
            group.id.clone(),
            json!({"marker": group.version, "resource": group}),
        )
    })
    .await?;
    written += drain("flowretail", flow, &mut file, |group| {
        (
            group.customer_group_uid.clone(),
            json!({"marker": group.last_modified_at, "resource": group}),
        )
    })
    .await?;
    written += drain("pos", pos, &mut file, |customer| {
        (customer.id.to_string(), json!({"resource": customer}))
    })
    .await?;
    Ok(written)
}

/// Writes every batch of one poll, flushed to disk, then commits it.
async fn drain<T: Send + 'static>(
    vendor: &str,
    feed: ChangeFeed<T>,
    file: &mut std::fs::File,
    line_of: impl Fn(&T) -> (String, Value),
) -> Result<usize, BoxError> {
    let mut feed = feed.reconcile_every(RECONCILE_EVERY);
    let mut written = 0;
    while let Some(batch) = feed.next_batch().await? {
        for change in batch.changes() {
            let line = match change {
                Change::Upserted(item) => {
                    let (id, mut line) = line_of(item);
                    line["vendor"] = json!(vendor);
                    line["change"] = json!("upserted");
                    line["id"] = json!(id);
                    line
                }
                Change::Deleted(id) => json!({"vendor": vendor, "change": "deleted", "id": id}),
                _ => continue,
            };
            writeln!(file, "{line}")?;
            written += 1;
        }
        // On disk before the checkpoint moves past it: at least once.
        file.sync_data()?;
        feed.commit().await?;
    }
    Ok(written)
}

/// Against the sandboxes: groups in commercetools and Flow Retail (the POS
/// sandbox holds the document's customers already).
async fn seed(clients: &Clients) -> Result<(), BoxError> {
    for n in 1..=5 {
        let draft = CustomerGroupDraft::new(format!("Store {n}")).key(format!("store-{n}"));
        clients.ct.customer_groups().create(draft).await?;
        let group = CreateCustomerGroup::new(format!("Store {n}")).uid(format!("store-{n}"));
        clients.flow.customer_groups().create(group).await?;
    }
    Ok(())
}

/// Against the sandboxes: a change in each vendor, and a delete.
async fn change_a_few(clients: &Clients) -> Result<(), BoxError> {
    let group = clients.ct.customer_groups().get_by_key("store-1").await?;
    let update =
        CustomerGroupUpdate::for_group(&group).action(UpdateAction::change_name("Store one"));
    clients
        .ct
        .customer_groups()
        .update(&group.id, update)
        .await?;
    let gone = clients.ct.customer_groups().get_by_key("store-2").await?;
    clients
        .ct
        .customer_groups()
        .delete(&gone.id, gone.version)
        .await?;
    clients
        .flow
        .customer_groups()
        .update("store-1", UpdateCustomerGroup::name("Store one"))
        .await?;
    let patch = CustomerPatch::new().first_name("Dima (changed)");
    clients
        .pos
        .customers()
        .patch("231b949c-332b-4194-aba5-8f00e828a49b", patch)
        .await?;
    Ok(())
}
