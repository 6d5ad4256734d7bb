//! `ensure_all` over 1,000 groups that are already as asked: the requests
//! it sends (target: no write, at most one read per 500 groups) and the
//! time it takes against the sandbox, beside one `ensure` per group.
//! Keys are `store-0000` style (10 characters); `ensure_all` reads 500 of
//! those a request, as long as the URL stays within 14 KiB of keys.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ct_customer_groups_sdk::sandbox::CtSandbox;
use ct_customer_groups_sdk::{CtClient, CustomerGroupDraft, Tally};

const GROUPS: usize = 1_000;

fn drafts() -> Vec<CustomerGroupDraft> {
    (0..GROUPS)
        .map(|n| CustomerGroupDraft::new(format!("Store {n:04}")).key(format!("store-{n:04}")))
        .collect()
}

async fn ensure_all(ct: &CtClient, drafts: &[CustomerGroupDraft]) -> Tally {
    let outcomes = ct
        .customer_groups()
        .ensure_all(drafts.to_vec())
        .await
        .unwrap();
    Tally::of(&outcomes)
}

async fn ensure_each(ct: &CtClient, drafts: &[CustomerGroupDraft]) {
    for draft in drafts {
        let outcome = ct.customer_groups().ensure(draft.clone()).await.unwrap();
        assert!(!outcome.wrote());
    }
}

fn unchanged_groups(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = CtSandbox::start().unwrap();
    let ct = sandbox.client().unwrap();
    let drafts = drafts();
    assert_eq!(runtime.block_on(ensure_all(&ct, &drafts)).created, GROUPS);

    sandbox.requests().clear();
    let tally = runtime.block_on(ensure_all(&ct, &drafts));
    assert_eq!(tally.unchanged, GROUPS);
    let sent = sandbox.requests().all();
    let reads = sent.iter().filter(|r| r.method == "GET").count();
    let writes = sent
        .iter()
        .filter(|r| r.method != "GET" && r.path != "/oauth/token")
        .count();
    println!("ensure_all over {GROUPS} unchanged groups: {reads} reads, {writes} writes");
    sandbox.requests().clear();
    runtime.block_on(ensure_each(&ct, &drafts));
    let each = sandbox.requests().all().len();
    println!("ensure per group over {GROUPS} unchanged groups: {each} requests");

    let mut group = c.benchmark_group("ensure_1000_unchanged_groups");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("ensure_all", |b| {
        b.to_async(&runtime).iter(|| ensure_all(&ct, &drafts))
    });
    group.bench_function("ensure_each", |b| {
        b.to_async(&runtime).iter(|| ensure_each(&ct, &drafts))
    });
    group.finish();
}

criterion_group!(benches, unchanged_groups);
criterion_main!(benches);
