//! Paged listing: 50,000 customers in pages of 500, 20 ms of server latency
//! per page. The naive loop (fetch, process, fetch) against prefetch, and
//! against bounded concurrency.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::StreamExt;

use sdk_core::vendor::{
    paging::{self, PageNumberCursor},
    sandbox::StaticAnswer,
    sandbox::StaticServer,
};
use sdk_core::{Client, Page, Paginator, Request};
use serde::{Deserialize, Serialize};

const CUSTOMERS: usize = 50_000;
const PAGE_SIZE: usize = 500;
const LATENCY: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Customer {
    customer_uid: String,
    firstname: String,
    lastname: String,
    email: String,
    city: String,
    customer_group_uids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Listing {
    items: Vec<Customer>,
    paging: Paging,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Paging {
    page_number: u64,
    total_count: u64,
}

/// Pages numbered from 1, serialized once up front.
fn server() -> StaticServer {
    let pages: Vec<bytes::Bytes> = (0..CUSTOMERS)
        .map(|i| Customer {
            customer_uid: format!("cust-{i:06}"),
            firstname: "Kari".into(),
            lastname: format!("Nordmann {i}"),
            email: format!("kari.{i}@example.com"),
            city: "Oslo".into(),
            customer_group_uids: vec!["vip".into()],
        })
        .collect::<Vec<_>>()
        .chunks(PAGE_SIZE)
        .enumerate()
        .map(|(index, items)| {
            serde_json::to_vec(&serde_json::json!({
                "items": items,
                "paging": {"pageNumber": index + 1, "pageSize": PAGE_SIZE, "totalCount": CUSTOMERS}
            }))
            .unwrap()
            .into()
        })
        .collect();
    StaticServer::start(move |_, query| {
        let number: usize = query
            .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("pageNumber=")))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let body = pages
            .get(number - 1)
            .cloned()
            .unwrap_or_else(|| pages[0].clone());
        StaticAnswer::ok(body).after(LATENCY)
    })
    .unwrap()
}

fn paginator(client: &Client) -> Paginator<Customer> {
    let client = client.clone();
    paging::page_number(PAGE_SIZE as u64, move |page: PageNumberCursor| {
        let client = client.clone();
        async move {
            let PageNumberCursor { number, size, .. } = page;
            let listing: Listing = client
                .send_json(
                    Request::get("list_customers")
                        .segment("customers")
                        .query_opt("pageNumber", number.map(|n| n.to_string()))
                        .query("pageSize", size.to_string()),
                )
                .await?;
            Ok(Page::new(listing.items)
                .with_total(Some(listing.paging.total_count))
                .with_page_number(Some(listing.paging.page_number)))
        }
    })
}

/// Walks every page, spending `work` on each one as a caller would.
async fn walk(paginator: Paginator<Customer>, work: Duration) -> usize {
    let mut pages = paginator.pages();
    let mut items = 0;
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        items += black_box(page.items.len());
        if !work.is_zero() {
            tokio::time::sleep(work).await;
        }
    }
    assert_eq!(items, CUSTOMERS);
    items
}

fn paging(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = server();
    let client = Client::builder(server.url()).build().unwrap();

    let mut group = c.benchmark_group("paging_50k_customers_20ms_pages");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("naive_loop_caller_works_20ms", |b| {
        b.to_async(&runtime)
            .iter(|| walk(paginator(&client).prefetch(0), LATENCY))
    });
    group.bench_function("prefetch_1_caller_works_20ms", |b| {
        b.to_async(&runtime)
            .iter(|| walk(paginator(&client).prefetch(1), LATENCY))
    });
    group.bench_function("naive_loop", |b| {
        b.to_async(&runtime)
            .iter(|| walk(paginator(&client).prefetch(0), Duration::ZERO))
    });
    group.bench_function("concurrency_8", |b| {
        b.to_async(&runtime).iter(|| {
            walk(
                paginator(&client).prefetch(1).concurrency(8),
                Duration::ZERO,
            )
        })
    });
    group.finish();

    // Pages held at once: at most the in-flight window, which the server sees.
    for (name, prefetch, concurrency) in
        [("prefetch 1", 1, 1), ("prefetch 1 + concurrency 8", 1, 8)]
    {
        server.reset_counts();
        runtime.block_on(walk(
            paginator(&client)
                .prefetch(prefetch)
                .concurrency(concurrency),
            Duration::ZERO,
        ));
        println!(
            "{name}: peak pages in flight {} (bound: prefetch + concurrency = {})",
            server.peak_in_flight(),
            prefetch + concurrency
        );
    }
}

criterion_group!(benches, paging);
criterion_main!(benches);
