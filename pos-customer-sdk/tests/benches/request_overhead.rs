//! Request overhead: get-one-customer through the SDK against the same GET
//! with a bare `reqwest::Client` and `serde_json` into the same struct, 32
//! concurrent tasks, from a server that answers at once. Last, the SDK again
//! with a `tracing` subscriber that formats every span it is given (to a
//! sink): what observing each call costs.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pos_customer_sdk::{Customer, PosClient};
use sdk_core::vendor::{sandbox::StaticAnswer, sandbox::StaticServer};

const TASKS: usize = 32;

const CUSTOMER: &str = r#"{"customer": {"id": "231b949c-332b-4194-aba5-8f00e828a49b", "number": "1",
  "active": true, "gender": "U", "salutation": "Mr", "birthday": "2000-01-30", "title": "Herr",
  "firstName": "Dima", "lastName": "Hede", "companyName": "Winterfell", "companyPosition": "manager",
  "language": "EN", "description": "string", "balance": "100.00", "currency": "EUR",
  "customerGroup": {"id": "9168aa78-e0a3-42ec-a43c-87f0ad666f69", "name": "Stammkunden"},
  "addresses": [{"street": "Greifswalder Str. 206", "zip": "10405", "city": "Berlin", "building": "10", "country": "Germany"}],
  "emails": ["3@3.com", "4@4.com"], "socials": ["facebook1"], "phones": ["44443333222", "7778855"],
  "urls": ["url3", "url1", "url2"]}}"#;

async fn raw(client: &reqwest::Client, url: &str) {
    let calls: Vec<_> = (0..TASKS)
        .map(|_| {
            let client = client.clone();
            let url = url.to_owned();
            tokio::spawn(async move {
                let body = client
                    .get(url)
                    .header("X-Token", "token")
                    .header("X-Operator", "operator")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                serde_json::from_slice::<Customer>(&body).unwrap()
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap();
    }
}

async fn sdk(pos: &PosClient) {
    let calls: Vec<_> = (0..TASKS)
        .map(|_| {
            tokio::spawn(
                pos.customers()
                    .get("231b949c-332b-4194-aba5-8f00e828a49b")
                    .into_future(),
            )
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
}

fn request_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = StaticServer::start(|_, _| StaticAnswer::ok(CUSTOMER)).unwrap();
    let url = format!(
        "{}/api/customer/v3.0/customers/231b949c-332b-4194-aba5-8f00e828a49b",
        server.url()
    );
    let bare = sdk_core::client::http_client_builder().build().unwrap();
    let pos = PosClient::builder(server.url(), "token", "operator")
        .build()
        .unwrap();

    let mut group = c.benchmark_group("get_customer_32_tasks");
    group.throughput(Throughput::Elements(TASKS as u64));
    group.bench_function("raw_reqwest", |b| {
        b.to_async(&runtime).iter(|| raw(&bare, &url))
    });
    group.bench_function("sdk", |b| b.to_async(&runtime).iter(|| sdk(&pos)));
    // From here on every span is built and formatted: the first two ran without a subscriber.
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::sink)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    group.bench_function("sdk_with_subscriber", |b| {
        b.to_async(&runtime).iter(|| sdk(&pos))
    });
    group.finish();
}

criterion_group!(benches, request_overhead);
criterion_main!(benches);
