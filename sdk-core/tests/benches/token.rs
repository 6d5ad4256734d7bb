//! Token single flight: 1,000 concurrent calls on a cold client make one
//! token request, and take about as long as on a warm client.

use criterion::{Criterion, criterion_group, criterion_main};
use sdk_core::oauth::ClientCredentials;
use sdk_core::vendor::{sandbox::StaticAnswer, sandbox::StaticServer};

use sdk_core::{Client, Request};

const CALLS: usize = 1_000;

/// A client with a cold token cache. The connection pool is shared and
/// warm, so that cold and warm differ only in the token.
fn client(server: &StaticServer, pool: &reqwest::Client) -> Client {
    let auth = ClientCredentials::builder(format!("{}/oauth/token", server.url()), "id", "secret")
        .http_client(pool.clone())
        .build()
        .unwrap();
    Client::builder(server.url())
        .http_client(pool.clone())
        .auth(auth)
        .build()
        .unwrap()
}

async fn thousand_calls(client: &Client) {
    let calls: Vec<_> = (0..CALLS)
        .map(|_| tokio::spawn(client.send(Request::get("get_thing").segment("thing"))))
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
}

fn token(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = StaticServer::start(|path, _| {
        if path == "/oauth/token" {
            StaticAnswer::ok(r#"{"access_token":"t","token_type":"Bearer","expires_in":172800}"#)
        } else {
            StaticAnswer::ok(r#"{"ok":true}"#)
        }
    })
    .unwrap();

    let pool = sdk_core::client::http_client_builder().build().unwrap();
    // The single-flight claim itself, checked before timing anything.
    let cold = client(&server, &pool);
    server.reset_counts();
    runtime.block_on(thousand_calls(&cold));
    assert_eq!(
        server.requests(),
        CALLS as u64 + 1,
        "exactly one token request"
    );
    println!(
        "cold start: {} requests for {CALLS} calls (one token request)",
        server.requests()
    );

    let mut group = c.benchmark_group("token_1000_concurrent_calls");
    group.sample_size(20);
    let warm = client(&server, &pool);
    runtime.block_on(thousand_calls(&warm));
    group.bench_function("warm_client", |b| {
        b.to_async(&runtime).iter(|| thousand_calls(&warm))
    });
    group.bench_function("cold_client", |b| {
        b.to_async(&runtime).iter_batched(
            || client(&server, &pool),
            |cold| async move { thousand_calls(&cold).await },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, token);
criterion_main!(benches);
