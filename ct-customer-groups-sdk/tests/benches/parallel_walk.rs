//! The partitioned keyset walk (with nothing set, and `.concurrency(8)`)
//! against the sequential one (`.concurrency(1)`): every one of
//! 20,000 groups in the sandbox, with 20 ms of server latency per request
//! and pages of 500. Both walks must see each stored id exactly once, in
//! order, before anything is timed. Then the same for offset paging
//! (`query().pages()`) over 9,500 groups, within the API's offset limit.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ct_customer_groups_sdk::CtClient;
use ct_customer_groups_sdk::sandbox::CtSandbox;
use futures::TryStreamExt;

const GROUPS: usize = 20_000;
const LATENCY: Duration = Duration::from_millis(20);

/// `concurrency` 0: `query_all()` with nothing set (it widens from 2 to 8).
async fn walk(ct: &CtClient, concurrency: usize) -> Vec<String> {
    let all = ct.customer_groups().query_all();
    let all = if concurrency == 0 {
        all
    } else {
        all.concurrency(concurrency)
    };
    all.items().map_ok(|g| g.id).try_collect().await.unwrap()
}

fn parallel_walk(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = CtSandbox::builder()
        .max_customer_groups(GROUPS)
        .start()
        .unwrap();
    sandbox.seed_generated(GROUPS).unwrap();
    let ct = sandbox.client().unwrap();
    let stored = sandbox.group_ids();
    sandbox.faults().set_latency(Some(LATENCY));

    for concurrency in [1, 8, 0] {
        sandbox.faults().reset_peak_in_flight();
        let walked = runtime.block_on(walk(&ct, concurrency));
        assert_eq!(
            walked, stored,
            "concurrency {concurrency}: every id once, in order"
        );
        let peak = sandbox.faults().peak_in_flight();
        let most = if concurrency == 0 {
            8
        } else {
            concurrency as u64
        };
        assert!(peak <= most, "{peak} requests at once");
        println!(
            "query_all concurrency {concurrency}: {} groups, each once, in order; peak requests in flight {peak}",
            walked.len()
        );
    }

    let mut group = c.benchmark_group("all_20000_groups_20ms_latency");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("query_all_concurrency_1", |b| {
        b.to_async(&runtime).iter(|| walk(&ct, 1))
    });
    group.bench_function("query_all_concurrency_8", |b| {
        b.to_async(&runtime).iter(|| walk(&ct, 8))
    });
    group.bench_function("query_all_default", |b| {
        b.to_async(&runtime).iter(|| walk(&ct, 0))
    });
    group.finish();
}

const OFFSET_GROUPS: usize = 9_500;

/// `concurrency` 0: `pages()` with nothing set (it widens from 2 to 8 once
/// the first page has told the total).
async fn offset_walk(ct: &CtClient, concurrency: usize) -> Vec<String> {
    let pages = ct
        .customer_groups()
        .query()
        .sort("id asc")
        .limit(500)
        .pages();
    let pages = if concurrency == 0 {
        pages
    } else {
        pages.concurrency(concurrency)
    };
    pages.items().map_ok(|g| g.id).try_collect().await.unwrap()
}

fn offset_pages(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = CtSandbox::start().unwrap();
    sandbox.seed_generated(OFFSET_GROUPS).unwrap();
    let ct = sandbox.client().unwrap();
    let stored = sandbox.group_ids();
    sandbox.faults().set_latency(Some(LATENCY));
    for concurrency in [1, 8, 0] {
        sandbox.faults().reset_peak_in_flight();
        let walked = runtime.block_on(offset_walk(&ct, concurrency));
        assert_eq!(
            walked, stored,
            "pages {concurrency}: every id once, in order"
        );
        println!(
            "pages concurrency {concurrency}: {} groups; peak requests in flight {}",
            walked.len(),
            sandbox.faults().peak_in_flight()
        );
    }
    let mut group = c.benchmark_group("pages_9500_groups_20ms_latency");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for (name, concurrency) in [("concurrency_1", 1), ("concurrency_8", 8), ("default", 0)] {
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| offset_walk(&ct, concurrency))
        });
    }
    group.finish();
}

criterion_group!(benches, parallel_walk, offset_pages);
criterion_main!(benches);
