//! The customer change feed against the sandbox, on its virtual clock:
//! a bare-date query read again from the day before the checkpoint's,
//! unchanged customers dropped by their content, deletes (made outside the
//! API) by the delete pass, across midnight with the server 2 s behind.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use pos_customer_sdk::sandbox::PosSandbox;
use pos_customer_sdk::{
    Change, ChangeFeed, Customer, CustomerDraft, CustomerId, CustomerPatch, MemoryCheckpoints,
};

const GROUP: &str = "9168aa78-e0a3-42ec-a43c-87f0ad666f69";

async fn poll(feed: &mut ChangeFeed<Customer>) -> Vec<Change<Customer>> {
    let mut changes = Vec::new();
    while let Some(batch) = feed.next_batch().await.unwrap() {
        changes.extend(batch.into_changes());
        feed.commit().await.unwrap();
    }
    changes
}

fn at(text: &str) -> SystemTime {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_across_midnight_are_each_handed_out_once_and_deletes_by_the_next_pass() {
    let sandbox = PosSandbox::start().unwrap();
    sandbox.seed_documented_examples();
    // The server's clock: 2 s before midnight, frozen; the client's runs on.
    sandbox.clock().set(at("2026-03-01T23:59:58Z"));
    let pos = sandbox.client().unwrap();
    for chunk in 0..20 {
        let customers: Vec<_> = (0..100)
            .map(|n| {
                let number = chunk * 100 + n;
                (
                    CustomerId::text(format!("c{number:05}")),
                    CustomerDraft::new(number.to_string(), GROUP).last_name(format!("N{number}")),
                )
            })
            .collect();
        let saved = pos.customers().replace_many(customers).await.unwrap();
        assert!(saved.was_created());
    }
    let store = MemoryCheckpoints::new();
    let feed = || {
        pos.customers()
            .changes(store.clone())
            .page_size(250)
            .reconcile_every(Duration::ZERO)
    };
    let first = poll(&mut feed()).await;
    let expected = sandbox.customer_count();
    assert_eq!(first.len(), expected);

    let mut handed: HashSet<(String, String)> = HashSet::new();
    let mut alive: Vec<String> = (0..2_000).map(|n| format!("c{n:05}")).collect();
    for round in 0..6 {
        // Each round a little later: the third crosses midnight.
        sandbox.clock().advance(Duration::from_secs(1));
        let mut patched = HashSet::new();
        for n in 0..30 {
            let id = alive[(round * 211 + n * 37) % alive.len()].clone();
            let patch = CustomerPatch::new().first_name(format!("R{round}N{n}"));
            pos.customers().patch(id.as_str(), patch).await.unwrap();
            patched.insert(id);
        }
        let mut gone = HashSet::new();
        for n in 0..5 {
            let id = alive.remove((round * 13 + n * 401) % alive.len());
            assert!(sandbox.remove_customer_outside_the_api(&id));
            patched.remove(&id);
            gone.insert(id);
        }
        let changes = poll(&mut feed()).await;
        let upserted: HashSet<String> = changes
            .iter()
            .filter_map(Change::upserted)
            .map(|customer| customer.id.to_string())
            .collect();
        assert_eq!(upserted, patched, "round {round}: exactly what changed");
        for customer in changes.iter().filter_map(Change::upserted) {
            let key = (
                customer.id.to_string(),
                customer.first_name.clone().unwrap_or_default(),
            );
            assert!(handed.insert(key), "round {round}: handed out twice");
        }
        let deletes: HashSet<String> = changes
            .iter()
            .filter_map(Change::deleted_id)
            .map(str::to_owned)
            .collect();
        assert_eq!(deletes, gone, "round {round}");
    }
    assert!(poll(&mut feed()).await.is_empty());
}
