//! Keyset against offset: every one of 10,000 groups in the sandbox, by
//! `query_all` (id > last, no totals) and by offset paging (which stops at
//! the API's offset limit of 10,000). Both must see each group exactly once.

use std::collections::HashSet;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ct_customer_groups_sdk::CtClient;
use ct_customer_groups_sdk::sandbox::CtSandbox;
use futures::TryStreamExt;

const GROUPS: usize = 10_000;

async fn keyset(ct: &CtClient) -> Vec<String> {
    ct.customer_groups()
        .query_all()
        .items()
        .map_ok(|g| g.id)
        .try_collect()
        .await
        .unwrap()
}

async fn offset(ct: &CtClient) -> Vec<String> {
    ct.customer_groups()
        .query()
        .sort("id asc")
        .limit(500)
        .with_total(true)
        .pages()
        .items()
        .map_ok(|g| g.id)
        .try_collect()
        .await
        .unwrap()
}

fn query_all(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = CtSandbox::start().unwrap();
    sandbox.seed_generated(GROUPS).unwrap();
    let ct = sandbox.client().unwrap();

    let by_keyset = runtime.block_on(keyset(&ct));
    let by_offset = runtime.block_on(offset(&ct));
    assert_eq!(by_keyset.len(), GROUPS);
    assert_eq!(
        by_keyset.iter().collect::<HashSet<_>>().len(),
        GROUPS,
        "each once"
    );
    assert_eq!(by_keyset, by_offset, "the same items in the same order");
    println!("keyset and offset: the same {GROUPS} groups, each exactly once");

    let mut group = c.benchmark_group("all_10000_groups");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("query_all_keyset", |b| {
        b.to_async(&runtime).iter(|| keyset(&ct))
    });
    group.bench_function("offset_paging", |b| {
        b.to_async(&runtime).iter(|| offset(&ct))
    });
    group.finish();
}

criterion_group!(benches, query_all);
criterion_main!(benches);
