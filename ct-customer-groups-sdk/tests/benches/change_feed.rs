//! One poll of the customer group change feed over 10,000 groups in the
//! sandbox: with nothing changed, and with 1,000 groups changed since the
//! checkpoint. Prints the requests each poll sends (from the sandbox's
//! request log), the checkpoint's size, the heap's peak during the poll (a
//! counting allocator; the sandbox runs in this process, so its answers
//! count too) and the median time of 10 polls.

use std::time::{Duration, Instant};

use ct_customer_groups_sdk::sandbox::CtSandbox;
use ct_customer_groups_sdk::{
    CheckpointStore, CtClient, CustomerGroupUpdate, MemoryCheckpoints, UpdateAction,
};

// The counting allocator the memory figures of README.md come from.
#[path = "../../../examples/tests/counting/mod.rs"]
mod counting;

use counting::Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const GROUPS: usize = 10_000;
const RUNS: usize = 10;

/// One poll to its end: the changes it handed out.
async fn poll(ct: &CtClient, store: &MemoryCheckpoints) -> usize {
    let mut feed = ct.customer_groups().changes(store.clone());
    let mut changes = 0;
    while let Some(batch) = feed.next_batch().await.unwrap() {
        changes += batch.len();
        feed.commit().await.unwrap();
    }
    changes
}

async fn change(ct: &CtClient, ids: &[String], round: usize) {
    for id in ids {
        let group = ct.customer_groups().get(id).await.unwrap();
        let update = CustomerGroupUpdate::for_group(&group)
            .action(UpdateAction::change_name(format!("{} {round}", group.name)));
        ct.customer_groups().update(id, update).await.unwrap();
    }
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = CtSandbox::start().unwrap();
    sandbox.seed_generated(GROUPS).unwrap();
    let ct = sandbox.client().unwrap();
    let store = MemoryCheckpoints::new();
    assert_eq!(runtime.block_on(poll(&ct, &store)), GROUPS);
    // Past the overlap: later polls read only what changed.
    sandbox.clock().advance(Duration::from_secs(60));
    let ids: Vec<String> = sandbox.group_ids().into_iter().take(1_000).collect();

    for (label, changed) in [("nothing changed", false), ("1,000 groups changed", true)] {
        let mut times = Vec::new();
        let (mut requests, mut peak, mut handed) = (0, 0, 0);
        for round in 0..RUNS {
            if changed {
                runtime.block_on(change(&ct, &ids, round));
                // The next round's changes come past this poll's overlap.
                sandbox.clock().advance(Duration::from_secs(60));
            }
            sandbox.requests().clear();
            let start = Instant::now();
            let polled = counting::measure(|| runtime.block_on(poll(&ct, &store)));
            times.push(start.elapsed());
            handed = polled.value;
            peak = peak.max(polled.peak);
            requests = sandbox.requests().all().len();
            sandbox.clock().advance(Duration::from_secs(60));
        }
        times.sort();
        let checkpoint = runtime
            .block_on(store.load("commercetools/sandbox-project/customer-groups"))
            .unwrap()
            .map_or(0, |bytes| bytes.len());
        println!(
            "{label}: {handed} changes, {requests} requests, checkpoint {checkpoint} bytes, \
             peak heap {:.2} MiB, median {:.2?} of {RUNS} polls",
            peak as f64 / (1024.0 * 1024.0),
            times[RUNS / 2],
        );
    }
}
