//! The customer group change feed against the sandbox, on its virtual
//! clock: newest first, stopping past the checkpoint, each change once,
//! deletes by the delete pass, and an error for a server that ignores the sort.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use flowretail_sdk::sandbox::FlowRetailSandbox;
use flowretail_sdk::{
    Change, ChangeFeed, CreateCustomerGroup, CustomerGroup, MemoryCheckpoints, UpdateCustomerGroup,
};
use sdk_core::sandbox::{Fault, FaultBody};

async fn poll(feed: &mut ChangeFeed<CustomerGroup>) -> Vec<Change<CustomerGroup>> {
    let mut changes = Vec::new();
    while let Some(batch) = feed.next_batch().await.unwrap() {
        changes.extend(batch.into_changes());
        feed.commit().await.unwrap();
    }
    changes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_and_deletes_between_polls_are_each_handed_out_once() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    sandbox
        .clock()
        .set(SystemTime::now() - Duration::from_secs(2));
    let flow = sandbox.client().unwrap();
    let groups = flow.customer_groups();
    for n in 0..1_000 {
        groups
            .create(CreateCustomerGroup::new(format!("G{n}")).uid(format!("g{n:04}")))
            .await
            .unwrap();
        if n % 100 == 0 {
            sandbox.clock().advance(Duration::from_secs(1));
        }
    }
    let store = MemoryCheckpoints::new();
    let feed = || {
        groups
            .changes(store.clone())
            .page_size(50)
            .reconcile_every(Duration::ZERO)
    };
    let first = poll(&mut feed()).await;
    assert_eq!(first.len(), 1_000);
    sandbox.clock().advance(Duration::from_secs(60));

    let mut handed: HashSet<(String, String)> = HashSet::new();
    let mut alive: Vec<String> = (0..1_000).map(|n| format!("g{n:04}")).collect();
    for round in 0..5 {
        let mut renamed: HashMap<String, String> = HashMap::new();
        for n in 0..40 {
            if n == 20 {
                sandbox.clock().advance(Duration::from_secs(1));
            }
            let uid = alive[(round * 131 + n * 17) % alive.len()].clone();
            let name = format!("{uid} r{round} n{n}");
            groups
                .update(&uid, UpdateCustomerGroup::name(&name))
                .await
                .unwrap();
            renamed.insert(uid, name);
        }
        let gone: Vec<String> = (0..5)
            .map(|n| alive.remove((round * 7 + n * 101) % alive.len()))
            .collect();
        for uid in &gone {
            groups.delete(uid).await.unwrap();
            renamed.remove(uid);
        }
        let changes = poll(&mut feed()).await;
        let upserted: HashMap<String, String> = changes
            .iter()
            .filter_map(Change::upserted)
            .map(|group| (group.customer_group_uid.clone(), group.name.clone()))
            .collect();
        for (uid, name) in &renamed {
            assert_eq!(upserted.get(uid), Some(name), "round {round}: {uid}");
        }
        for group in changes.iter().filter_map(Change::upserted) {
            let key = (
                group.customer_group_uid.clone(),
                group.last_modified_at.to_rfc3339(),
            );
            assert!(handed.insert(key), "round {round}: handed out twice");
        }
        let deletes: HashSet<&str> = changes.iter().filter_map(Change::deleted_id).collect();
        assert_eq!(
            deletes,
            gone.iter().map(String::as_str).collect(),
            "round {round}"
        );
    }
    assert!(poll(&mut feed()).await.is_empty());
}

#[tokio::test]
async fn the_walk_stops_at_the_first_page_past_the_checkpoint() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let flow = sandbox.client().unwrap();
    // One group a second, on the sandbox's frozen clock.
    sandbox.clock().set(SystemTime::now());
    for n in 0..200 {
        flow.customer_groups()
            .create(CreateCustomerGroup::new(format!("G{n}")).uid(format!("g{n:03}")))
            .await
            .unwrap();
        sandbox.clock().advance(Duration::from_secs(1));
    }
    let store = MemoryCheckpoints::new();
    let changes = poll(&mut flow.customer_groups().changes(store.clone()).page_size(20)).await;
    assert_eq!(changes.len(), 200);
    sandbox.clock().advance(Duration::from_secs(120));
    flow.customer_groups()
        .update("g007", UpdateCustomerGroup::name("Seven"))
        .await
        .unwrap();
    sandbox.requests().clear();
    let changes = poll(&mut flow.customer_groups().changes(store).page_size(20)).await;
    assert_eq!(changes.len(), 1);
    // The change and the 30 s overlap (30 groups) fill the first page and
    // part of the second, which reaches back past it: two reads of ten.
    let reads = sandbox.requests().all();
    assert_eq!(reads.len(), 2, "{reads:?}");
    let query = reads[0].query.as_deref().unwrap_or_default();
    assert!(
        query.contains("sortBy=lastModifiedAt") && query.contains("sortDirection=DESC"),
        "{query}"
    );
}

#[tokio::test]
async fn a_server_that_ignores_the_sort_is_an_error_not_a_skip() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let flow = sandbox.client().unwrap();
    let group = |uid: &str, at: &str| {
        serde_json::json!({
            "customerGroupUid": uid, "name": uid, "createdBy": "x", "createdAt": at,
            "lastModifiedBy": "x", "lastModifiedAt": at,
        })
    };
    // Oldest first, as a server that ignores `sortBy` may answer.
    let page = serde_json::json!({
        "items": [group("a", "2024-05-01T10:00:00Z"), group("b", "2024-05-01T11:00:00Z")],
        "paging": {"pageNumber": 1, "pageSize": 20, "totalCount": 2},
    });
    sandbox
        .faults()
        .on("GET", "/v2/tenants/{tenant}/customer-groups")
        .inject(Fault::status(200).with_body(FaultBody::Json(page)), 1);
    let error = flow
        .customer_groups()
        .changes(MemoryCheckpoints::new())
        .next_batch()
        .await
        .unwrap_err();
    assert!(
        matches!(error, sdk_core::Error::IncompleteListing(_)),
        "{error:?}"
    );
    assert!(error.to_string().contains("sortBy"), "{error}");
}
