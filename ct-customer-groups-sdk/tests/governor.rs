//! Four tasks walking and writing through one client against a sandbox
//! limited to 10 requests a second in bursts of 1: the governor paces them
//! below the limit instead of meeting it with 429s.

use std::time::Duration;

use ct_customer_groups_sdk::sandbox::{CtSandbox, RateLimit};
use ct_customer_groups_sdk::{CtClient, CustomerGroupDraft, CustomerGroupUpdate, UpdateAction};

/// What the sandbox saw after the warm-up: requests received, refused (429).
struct Seen {
    received: u64,
    refused: u64,
    seconds: f64,
    /// The governor's own count of the whole run.
    governor: sdk_core::governor::GovernorState,
}

async fn four_tasks(limit: RateLimit, run_for: Duration, warm_up: Duration) -> Seen {
    let sandbox = CtSandbox::start().unwrap();
    sandbox.seed_generated(200).unwrap();
    let governor = sdk_core::governor::Governor::adaptive();
    let ct: CtClient = sandbox
        .client_builder()
        .governor(governor.clone())
        .build()
        .unwrap();
    // The token first: its request is not paced, and not counted.
    let group = ct
        .customer_groups()
        .create(CustomerGroupDraft::new("Written").key("written"))
        .await
        .unwrap();
    let keys: Vec<String> = (0..4).map(|n| format!("w{n}")).collect();
    for key in &keys {
        ct.customer_groups()
            .create(CustomerGroupDraft::new(format!("Task {key}")).key(key))
            .await
            .unwrap();
    }
    let _ = group;
    sandbox.faults().rate_limit(limit);
    let ends = tokio::time::Instant::now() + run_for;
    let mut tasks = Vec::new();
    for (n, key) in keys.into_iter().enumerate() {
        let ct = ct.clone();
        tasks.push(tokio::spawn(async move {
            let mut round = 0u64;
            while tokio::time::Instant::now() < ends {
                round += 1;
                if n % 2 == 0 {
                    // Walking: every group, 20 a page, several pages at
                    // once as the default walk widens.
                    use futures::TryStreamExt;
                    let walk = ct.customer_groups().query().limit(20).pages().items();
                    walk.try_collect::<Vec<_>>().await.ok();
                } else {
                    // Writing: a rename, read first for its version.
                    if let Ok(group) = ct.customer_groups().get_by_key(&key).await {
                        let update = CustomerGroupUpdate::for_group(&group)
                            .action(UpdateAction::change_name(format!("Task {key} {round}")));
                        ct.customer_groups().update(&group.id, update).await.ok();
                    }
                }
            }
        }));
    }
    tokio::time::sleep(warm_up).await;
    let counted_from = tokio::time::Instant::now();
    let (received_before, refused_before) = (
        sandbox.faults().requests_received(),
        sandbox.faults().rate_limited(),
    );
    for task in tasks {
        task.await.unwrap();
    }
    Seen {
        received: sandbox.faults().requests_received() - received_before,
        refused: sandbox.faults().rate_limited() - refused_before,
        // Until the last task ended: a walk under way at the end finishes.
        seconds: counted_from.elapsed().as_secs_f64(),
        governor: governor.state(),
    }
}

fn check(seen: &Seen, most_refused: f64, least_rate: f64, what: &str) {
    let answered = (seen.received - seen.refused) as f64 / seen.seconds;
    let refused = seen.refused as f64 / seen.received as f64;
    println!(
        "{what}: {} requests, {} refused ({:.2}%), {answered:.2} answered a second; \
         governor: {} waits, {} throttles avoided, {} throttled",
        seen.received,
        seen.refused,
        refused * 100.0,
        seen.governor.waits,
        seen.governor.throttles_avoided,
        seen.governor.throttled,
    );
    assert!(
        refused <= most_refused,
        "{what}: {:.2}% refused",
        refused * 100.0
    );
    assert!(
        answered >= least_rate,
        "{what}: {answered:.2} answered a second"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paced_below_the_limit_with_its_headers_and_with_retry_after_alone() {
    let run_for = Duration::from_secs(
        std::env::var("GOVERNOR_TEST_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    let warm_up = Duration::from_secs(5);
    let limit = RateLimit::per_second(10.0).burst(1);
    let (with_headers, retry_after_only) = tokio::join!(
        four_tasks(limit.with_headers(), run_for, warm_up),
        four_tasks(limit, run_for, warm_up),
    );
    check(&with_headers, 0.01, 9.0, "X-RateLimit-* headers");
    // With the budget in the headers, the holds are the server's word.
    assert!(with_headers.governor.throttles_avoided > 0);
    check(&retry_after_only, 0.03, 8.0, "Retry-After alone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_date_retry_after_holds_every_client_of_the_credential() {
    use sdk_core::governor::Governor;
    use sdk_core::sandbox::Fault;

    let sandbox = CtSandbox::start().unwrap();
    // Two clients of one credential, one governor between them.
    let governor = Governor::adaptive();
    let first = sandbox
        .client_builder()
        .governor(governor.clone())
        .build()
        .unwrap();
    let second = sandbox
        .client_builder()
        .governor(governor.clone())
        .build()
        .unwrap();
    first.customer_groups().query().send().await.unwrap();
    second.customer_groups().query().send().await.unwrap();
    let until = std::time::SystemTime::now() + Duration::from_secs(3);
    sandbox
        .faults()
        .on("GET", "/{projectKey}/customer-groups")
        .inject(
            Fault::status(429).with_retry_after(httpdate::fmt_http_date(until)),
            1,
        );
    let held = tokio::spawn(async move { first.customer_groups().query().send().await });
    // The 429 is back well within this; the pause holds until the date.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        governor.state().paused_for.is_some(),
        "{:?}",
        governor.state()
    );
    let start = std::time::Instant::now();
    second.customer_groups().query().send().await.unwrap();
    let waited = start.elapsed();
    // The date is to the second: the other client waited out most of the 3 s.
    assert!(waited >= Duration::from_millis(1_400), "{waited:?}");
    held.await.unwrap().unwrap();
    assert_eq!(governor.state().throttled, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_a_permit_counts_against_the_calls_deadline() {
    use sdk_core::CallOptionsBuilder;
    use sdk_core::sandbox::Fault;

    let sandbox = CtSandbox::start().unwrap();
    let ct = sandbox.client().unwrap();
    ct.customer_groups().query().send().await.unwrap();
    // A 429 asking for 30 s holds the governor; a call with a 1 s deadline
    // started meanwhile fails at its deadline instead of waiting it out.
    sandbox
        .faults()
        .on("GET", "/{projectKey}/customer-groups")
        .inject(Fault::status(429).with_retry_after("30"), 1);
    let held = ct.customer_groups().query().max_attempts(1).send().await;
    assert!(held.is_err());
    let start = std::time::Instant::now();
    let error = ct
        .customer_groups()
        .query()
        .deadline(Duration::from_secs(1))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}
