//! The customer group change feed against the sandbox, on the sandbox's
//! virtual clock: every change handed out, none twice, every delete by
//! the next delete pass, and a restart repeating at most the batch that
//! was not committed.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use ct_customer_groups_sdk::sandbox::CtSandbox;
use ct_customer_groups_sdk::{
    Change, ChangeFeed, CtClient, CustomerGroup, CustomerGroupUpdate, FileCheckpoints,
    MemoryCheckpoints, UpdateAction, serde_json::json,
};
use sdk_core::sandbox::{Fault, FaultBody};

/// Runs one poll to its end, committing each batch: what it handed out.
async fn poll(feed: &mut ChangeFeed<CustomerGroup>) -> Vec<Change<CustomerGroup>> {
    let mut changes = Vec::new();
    while let Some(batch) = feed.next_batch().await.unwrap() {
        changes.extend(batch.into_changes());
        feed.commit().await.unwrap();
    }
    changes
}

fn ids_and_versions(changes: &[Change<CustomerGroup>]) -> Vec<(String, u64)> {
    changes
        .iter()
        .filter_map(Change::upserted)
        .map(|group| (group.id.clone(), group.version))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_groups_updates_and_deletes_between_polls_each_handed_out_once() {
    let sandbox = CtSandbox::start().unwrap();
    // The server's clock is 2 s behind the client's, and frozen: it moves only when the test says.
    sandbox
        .clock()
        .set(SystemTime::now() - Duration::from_secs(2));
    sandbox.seed_generated(10_000).unwrap();
    let ct: CtClient = sandbox.client().unwrap();
    let store = MemoryCheckpoints::new();
    let feed = || {
        ct.customer_groups()
            .changes(store.clone())
            .reconcile_every(Duration::ZERO)
    };

    let first = poll(&mut feed()).await;
    assert_eq!(first.len(), 10_000);
    // A minute on, past the overlap: later polls read only what changes.
    sandbox.clock().advance(Duration::from_secs(60));
    let mut emitted: HashSet<(String, u64)> = ids_and_versions(&first).into_iter().collect();
    assert_eq!(emitted.len(), 10_000, "each group once");

    let mut alive: Vec<CustomerGroup> = first
        .into_iter()
        .filter_map(|c| match c {
            Change::Upserted(group) => Some(group),
            _ => None,
        })
        .collect();
    alive.sort_by(|a, b| a.id.cmp(&b.id));
    let mut latest: HashMap<String, u64> =
        alive.iter().map(|g| (g.id.clone(), g.version)).collect();
    let mut deleted_total = 0;
    for round in 0..10 {
        // 100 updates: from the second round on, the first 50 in the very
        // instant of the checkpoint (the clock has not moved since the last
        // update the previous poll handed out), the rest a second later.
        let mut changed = Vec::new();
        for n in 0..100 {
            if n == 50 {
                sandbox.clock().advance(Duration::from_secs(1));
            }
            let index = (round * 997 + n * 89) % alive.len();
            let group = ct.customer_groups().get(&alive[index].id).await.unwrap();
            let update = CustomerGroupUpdate::for_group(&group).action(UpdateAction::change_name(
                format!("{} r{round}", group.name),
            ));
            let updated = ct
                .customer_groups()
                .update(&group.id, update)
                .await
                .unwrap();
            latest.insert(updated.id.clone(), updated.version);
            changed.push(updated.id);
        }
        // 10 deletes.
        let mut gone = Vec::new();
        for n in 0..10 {
            let index = (round * 31 + n * 613 + 7) % alive.len();
            let group = alive.remove(index);
            let current = ct.customer_groups().get(&group.id).await.unwrap();
            let deleted = ct
                .customer_groups()
                .delete(&current.id, current.version)
                .await
                .unwrap();
            assert!(deleted.group().is_some());
            latest.remove(&group.id);
            gone.push(group.id);
        }
        deleted_total += gone.len();

        let changes = poll(&mut feed()).await;
        // Every updated group that still exists comes with its latest version.
        let handed: HashMap<String, u64> = ids_and_versions(&changes).into_iter().collect();
        for id in &changed {
            if let Some(version) = latest.get(id) {
                assert_eq!(handed.get(id), Some(version), "round {round}: {id}");
            }
        }
        // None twice, across every poll.
        for key in ids_and_versions(&changes) {
            assert!(
                emitted.insert(key.clone()),
                "round {round}: {key:?} handed out twice"
            );
        }
        // Every delete, by this poll's delete pass.
        let deletes: HashSet<&str> = changes.iter().filter_map(Change::deleted_id).collect();
        let expected: HashSet<&str> = gone.iter().map(String::as_str).collect();
        assert_eq!(deletes, expected, "round {round}");
    }
    assert_eq!(deleted_total, 100);
    // Nothing changed: an empty poll.
    assert!(poll(&mut feed()).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_over_ten_thousand_groups_in_pages_of_20_reaches_every_one() {
    let sandbox = CtSandbox::start().unwrap();
    sandbox.seed_generated(10_000).unwrap();
    let ct = sandbox.client().unwrap();
    let mut feed = ct
        .customer_groups()
        .changes(MemoryCheckpoints::new())
        .page_size(20);
    sandbox.requests().clear();
    let changes = poll(&mut feed).await;
    let ids: HashSet<String> = changes
        .iter()
        .filter_map(Change::upserted)
        .map(|group| group.id.clone())
        .collect();
    assert_eq!((changes.len(), ids.len()), (10_000, 10_000));
    // 500 pages and the short one after them; offsets would stop at 10,000 / 20 + ... never reached.
    let reads = sandbox
        .requests()
        .matching("GET", "/{projectKey}/customer-groups");
    assert_eq!(reads.len(), 501);
    assert!(
        reads
            .iter()
            .all(|r| !r.query.as_deref().unwrap_or("").contains("offset"))
    );
}

#[tokio::test]
async fn a_restart_after_a_batch_handled_but_not_committed_repeats_that_batch_only() {
    let sandbox = CtSandbox::start().unwrap();
    sandbox.seed_generated(100).unwrap();
    let ct = sandbox.client().unwrap();
    let folder = std::env::temp_dir().join(format!("ct-feed-{}", sdk_core::random::uuid_v4()));
    let feed = || {
        ct.customer_groups()
            .changes(FileCheckpoints::new(&folder))
            .page_size(10)
    };
    let mut handled: Vec<String> = Vec::new();
    let mut first = feed();
    for _ in 0..3 {
        let batch = first.next_batch().await.unwrap().unwrap();
        handled.extend(
            batch
                .changes()
                .iter()
                .filter_map(|c| c.upserted().map(|g| g.id.clone())),
        );
        first.commit().await.unwrap();
    }
    // The fourth batch is handled, and the process dies before its commit.
    let lost = first.next_batch().await.unwrap().unwrap();
    let in_hand: Vec<String> = lost
        .changes()
        .iter()
        .filter_map(|c| c.upserted().map(|g| g.id.clone()))
        .collect();
    handled.extend(in_hand.clone());
    drop(first);

    let mut restarted = feed();
    let again = restarted.next_batch().await.unwrap().unwrap();
    let repeated: Vec<String> = again
        .changes()
        .iter()
        .filter_map(|c| c.upserted().map(|g| g.id.clone()))
        .collect();
    assert_eq!(
        repeated, in_hand,
        "the batch in hand comes again, nothing before it"
    );
    handled.extend(repeated);
    restarted.commit().await.unwrap();
    for change in poll(&mut restarted).await {
        handled.extend(change.upserted().map(|g| g.id.clone()));
    }
    let distinct: HashSet<&String> = handled.iter().collect();
    assert_eq!(distinct.len(), 100, "no change lost");
    assert_eq!(handled.len(), 100 + in_hand.len(), "only that batch twice");
    std::fs::remove_dir_all(folder).unwrap();
}

#[tokio::test]
async fn a_page_out_of_order_is_an_error_not_a_skip() {
    let sandbox = CtSandbox::start().unwrap();
    let ct = sandbox.client().unwrap();
    ct.customer_groups().query().exists().await.unwrap(); // the token, before the fault
    // A server that ignores `sort`: the newer group first.
    let group = |id: &str, at: &str| json!({"id": id, "version": 1, "name": id, "createdAt": at, "lastModifiedAt": at});
    let page = json!({"limit": 500, "offset": 0, "count": 2, "results": [
        group("b", "2024-05-01T10:00:01.000Z"), group("a", "2024-05-01T10:00:00.000Z"),
    ]});
    sandbox
        .faults()
        .on("GET", "/{projectKey}/customer-groups")
        .inject(Fault::status(200).with_body(FaultBody::Json(page)), 1);
    let mut feed = ct.customer_groups().changes(MemoryCheckpoints::new());
    let error = feed.next_batch().await.unwrap_err();
    assert!(
        matches!(error, sdk_core::Error::IncompleteListing(_)),
        "{error:?}"
    );
    assert!(error.to_string().contains("sort"), "{error}");
}
