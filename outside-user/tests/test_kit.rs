//! A user's own tests of a sync job, written with the vendor crates' test
//! kit and nothing else: what was sent, faults aimed at one operation (a
//! status, a lost answer, a dropped connection, a predicate), a rate limit,
//! the sandbox clock, and a test double for what the API cannot do.

use std::time::Duration;

use ct_customer_groups_sdk::prelude::*;
use ct_customer_groups_sdk::sandbox::{CtSandbox, Fault, RateLimit};
use ct_customer_groups_sdk::{CustomerGroupDraft, DateTime, Utc};
use pos_customer_sdk::sandbox::PosSandbox;

#[tokio::test]
async fn what_was_sent_faults_rate_limits_and_the_clock() -> ct_customer_groups_sdk::Result<()> {
    let sandbox = CtSandbox::start()?;
    let ct = sandbox.client()?;
    let groups = ct.customer_groups();

    // The clock stamps what the sandbox stores.
    let new_year: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().expect("a date");
    sandbox.clock().set(new_year);
    let gold = groups
        .create(CustomerGroupDraft::new("Gold").key("gold"))
        .correlation_id("nightly-1")
        .await?;
    assert_eq!(gold.created_at, new_year);
    sandbox.clock().advance(Duration::from_secs(60));

    // What was sent: the create carried the run's correlation id, once.
    let creates = sandbox
        .requests()
        .matching("POST", "/{projectKey}/customer-groups");
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].header("x-correlation-id"), Some("nightly-1"));
    assert_eq!(creates[0].json().expect("JSON")["key"], "gold");

    // A status aimed at one operation, with its headers: a 429 retried after its wait.
    let by_key = "/{projectKey}/customer-groups/key={key}";
    sandbox
        .faults()
        .on("GET", by_key)
        .inject(Fault::status(429).with_retry_after("0"), 1);
    groups.get_by_key("gold").await?;
    assert_eq!(sandbox.requests().matching("GET", by_key).len(), 2);

    // A 429 whose Retry-After is an HTTP date: measured against the
    // answer's Date, which the sandbox's clock sets (2026-01-01T00:01:00Z).
    sandbox.faults().on("GET", by_key).inject(
        Fault::status(429).with_retry_after("Thu, 01 Jan 2026 00:01:01 GMT"),
        1,
    );
    let asked = std::time::Instant::now();
    groups.get_by_key("gold").await?;
    assert!(
        asked.elapsed() >= Duration::from_millis(900),
        "waited the second asked for"
    );

    // A predicate's choice: every read of `gold` by key fails, twice over the retries.
    sandbox
        .faults()
        .when(|method, path| method == "GET" && path.ends_with("key=gold"))
        .inject(Fault::status(500), 3);
    let error = groups.get_by_key("gold").await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));

    // Lost answers: dropped before the server acted, and after.
    sandbox.requests().clear();
    sandbox
        .faults()
        .on("POST", "/{projectKey}/customer-groups")
        .inject(Fault::dropped(), 1);
    let before = groups
        .create(CustomerGroupDraft::new("Silver"))
        .await
        .unwrap_err();
    assert!(before.request_may_have_been_sent());
    assert!(!groups.exists_by_key("silver").await?);
    sandbox
        .faults()
        .on("POST", "/{projectKey}/customer-groups")
        .inject(Fault::applied_then_dropped(), 1);
    let after = groups
        .create(CustomerGroupDraft::new("Silver").key("silver"))
        .await
        .unwrap_err();
    assert!(after.request_may_have_been_sent());
    assert!(groups.exists_by_key("silver").await?, "it landed");

    // A rate limit: past it, 429s that the client waits out. Its bucket
    // refills on the sandbox's clock, which follows the real time again.
    sandbox.clock().follow_real_time();
    sandbox
        .faults()
        .rate_limit(RateLimit::per_second(4.0).burst(1));
    let all: Vec<_> = groups
        .query()
        .limit(1)
        .pages()
        .items()
        .try_collect()
        .await?;
    assert_eq!(all.len(), 2);
    assert!(sandbox.faults().rate_limited() >= 1);
    Ok(())
}

#[tokio::test]
async fn a_customer_removed_in_the_pos_itself_is_gone() -> pos_customer_sdk::Result<()> {
    let sandbox = PosSandbox::start()?;
    sandbox.seed_documented_examples();
    let id = "231b949c-332b-4194-aba5-8f00e828a49b";
    let pos = sandbox.client()?;
    assert!(pos.customers().get(id).await.is_ok());
    assert!(sandbox.remove_customer_outside_the_api(id));
    assert!(pos.customers().get(id).await.unwrap_err().is_not_found());
    Ok(())
}
