//! The whole client against the stateful sandbox.

use std::time::Duration;

use flowretail_sdk::sandbox::FlowRetailSandbox;
use flowretail_sdk::{
    CreateCustomerGroup, Customer, CustomerGroup, FlowRetailClient, GroupMembershipChange,
    SortOrder, UpdateCustomerGroup,
};
use futures::TryStreamExt;
use sdk_core::sandbox::{Fault, FaultBody};
use sdk_core::{Backoff, CallOptionsBuilder, Error, RetryPolicy};

fn client(sandbox: &FlowRetailSandbox) -> FlowRetailClient {
    sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().with_backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(5),
        )))
        .build()
        .unwrap()
}

fn status(error: &Error) -> Option<u16> {
    error.status().map(|s| s.as_u16())
}

#[tokio::test]
async fn groups_and_memberships_round_trip() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let customers = sandbox.seed_customers(30);
    let groups = client(&sandbox).customer_groups();

    let vip = groups
        .create(CreateCustomerGroup::new("VIP").uid("vip"))
        .await
        .unwrap();
    assert_eq!(vip.customer_group_uid, "vip");
    let generated = groups
        .create(CreateCustomerGroup::new("Walk-ins"))
        .await
        .unwrap();
    assert!(!generated.customer_group_uid.is_empty());
    let error = groups
        .create(CreateCustomerGroup::new("VIP again").uid("vip"))
        .await
        .unwrap_err();
    assert_eq!(status(&error), Some(409));

    let renamed = groups
        .update("vip", UpdateCustomerGroup::name("Very Important"))
        .await
        .unwrap();
    assert_eq!(renamed.name, "Very Important");
    assert!(renamed.last_modified_at > vip.last_modified_at);
    assert_eq!(groups.get("vip").await.unwrap(), renamed);

    groups
        .update_customers(
            "vip",
            GroupMembershipChange::new().add_customers(customers[..12].to_vec()),
        )
        .await
        .unwrap();
    groups
        .update_customers(
            "vip",
            GroupMembershipChange::new()
                .remove_customers(customers[..2].to_vec())
                .add_customers([customers[20].clone()]),
        )
        .await
        .unwrap();
    let members: Vec<Customer> = groups
        .customers("vip")
        .page_size(4)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members.len(), 11);
    assert!(
        members
            .iter()
            .all(|c| c.customer_group_uids.contains(&"vip".to_owned()))
    );
    assert!(
        members
            .iter()
            .all(|c| c.credit.limit > 0 && !c.addresses.is_empty())
    );

    let error = groups
        .update_customers(
            "vip",
            GroupMembershipChange::new().add_customers(["nobody"]),
        )
        .await
        .unwrap_err();
    assert_eq!(status(&error), Some(422));

    groups.delete("vip").await.unwrap();
    let error = groups.get("vip").await.unwrap_err();
    assert!(error.is_not_found());
    assert_eq!(
        error.api().unwrap().message.as_deref(),
        Some("Customer group vip not found")
    );
    let error = groups.customers("vip").page(None).await.unwrap_err();
    assert!(error.is_not_found());
    assert_eq!(sandbox.group_count(), 1);
}

#[tokio::test]
async fn tokens_and_tenants_are_checked() {
    let sandbox = FlowRetailSandbox::builder()
        .tenants(["north", "south"])
        .start()
        .unwrap();
    let north = client(&sandbox);
    let south = north.for_tenant("south").unwrap();
    north
        .customer_groups()
        .create(CreateCustomerGroup::new("North only").uid("n1"))
        .await
        .unwrap();
    assert!(
        south
            .customer_groups()
            .get("n1")
            .await
            .unwrap_err()
            .is_not_found()
    );
    let elsewhere = north.for_tenant("west").unwrap();
    let error = elsewhere
        .customer_groups()
        .list()
        .page(None)
        .await
        .unwrap_err();
    assert!(
        error
            .api()
            .unwrap()
            .message
            .as_deref()
            .unwrap()
            .contains("Tenant west")
    );

    let stranger = FlowRetailClient::builder("wrong-token", "north")
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let error = stranger.customer_groups().get("n1").await.unwrap_err();
    assert_eq!(status(&error), Some(401));
}

#[tokio::test]
async fn invalid_bodies_are_refused() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let flow = client(&sandbox);
    let raw = |body: &'static str| {
        flow.http().send(
            sdk_core::Request::post("raw_create")
                .segments(["tenants", "sandbox-tenant", "customer-groups"])
                .body(
                    body,
                    sdk_core::http::header::HeaderValue::from_static("application/json"),
                ),
        )
    };
    assert_eq!(status(&raw("{not json").await.unwrap_err()), Some(400));
    assert_eq!(status(&raw("{}").await.unwrap_err()), Some(422));
    assert_eq!(status(&raw(r#"{"name": 5}"#).await.unwrap_err()), Some(422));
    assert_eq!(
        status(
            &raw(r#"{"name": "x", "customerGroupUid": "a b"}"#)
                .await
                .unwrap_err()
        ),
        Some(422)
    );
}

#[tokio::test]
async fn listings_sort_and_page_from_one_or_zero() {
    for from_zero in [false, true] {
        let builder = FlowRetailSandbox::builder();
        let sandbox = if from_zero {
            builder.pages_from_zero()
        } else {
            builder
        }
        .start()
        .unwrap();
        let groups = client(&sandbox).customer_groups();
        for name in ["delta", "alpha", "echo", "charlie", "bravo"] {
            groups.create(CreateCustomerGroup::new(name)).await.unwrap();
        }
        let first = groups.list().page_size(2).page(None).await.unwrap();
        assert_eq!(first.paging.page_number, u64::from(!from_zero));
        assert_eq!(first.paging.total_count, 5);

        let names: Vec<String> = groups
            .list()
            .page_size(2)
            .sort_by("name", SortOrder::Desc)
            .items()
            .map_ok(|g: CustomerGroup| g.name)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(names, ["echo", "delta", "charlie", "bravo", "alpha"]);

        let by_creation: Vec<String> = groups
            .list()
            .page_size(3)
            .sort_by("createdAt", SortOrder::Asc)
            .items()
            .map_ok(|g| g.name)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(by_creation, ["delta", "alpha", "echo", "charlie", "bravo"]);

        let error = groups
            .list()
            .sort_by("color", SortOrder::Asc)
            .page(None)
            .await
            .unwrap_err();
        assert_eq!(status(&error), Some(400));
    }
}

/// `count` new customers, all in the group `everyone`.
async fn everyone(
    sandbox: &FlowRetailSandbox,
    count: usize,
) -> (flowretail_sdk::CustomerGroups, Vec<String>) {
    let uids = sandbox.seed_customers(count);
    let groups = client(sandbox).customer_groups();
    groups
        .create(CreateCustomerGroup::new("Everyone").uid("everyone"))
        .await
        .unwrap();
    groups
        .update_customers(
            "everyone",
            GroupMembershipChange::new().add_customers(uids.clone()),
        )
        .await
        .unwrap();
    (groups, uids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_thousand_customers_stream_in_order_with_concurrency() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let (groups, uids) = everyone(&sandbox, 50_000).await;
    let streamed: Vec<String> = groups
        .customers("everyone")
        .page_size(500)
        .sort_by("createdAt", SortOrder::Asc)
        .paginator()
        .prefetch(2)
        .concurrency(8)
        .items()
        .map_ok(|c| c.customer_uid)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, uids);
}

#[tokio::test]
async fn injected_faults_follow_the_retry_rules() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let groups = client(&sandbox).customer_groups();
    sandbox
        .faults()
        .inject(Fault::status(429).with_retry_after("0"), 2);
    groups.list().page(None).await.unwrap();
    assert_eq!(sandbox.faults().requests_received(), 3);

    sandbox
        .faults()
        .inject(Fault::status(502).with_body(FaultBody::Html), 1);
    let error = groups
        .create(CreateCustomerGroup::new("x"))
        .await
        .unwrap_err();
    assert_eq!(status(&error), Some(502));
    assert_eq!(sandbox.group_count(), 0);

    sandbox
        .faults()
        .inject(Fault::status(200).with_body(FaultBody::Malformed), 1);
    let error = groups.list().page(None).await.unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
}

#[tokio::test]
async fn a_listing_takes_per_page_limits() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let flow = client(&sandbox);
    let groups = flow.customer_groups();
    groups
        .create(CreateCustomerGroup::new("VIP").uid("vip"))
        .await
        .unwrap();

    sandbox.faults().inject(Fault::status(503), 1);
    let error = groups
        .list()
        .max_attempts(1)
        .attempt_timeout(Duration::from_secs(10))
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(status(&error), Some(503));

    sandbox.faults().inject(Fault::status(503), 1);
    let listed: Vec<_> = groups.list().items().try_collect().await.unwrap();
    assert_eq!(listed.len(), 1, "the client's retries take the 503");
}

#[test]
fn a_listing_outlives_the_runtime_that_prefetched_its_pages() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let uids = sandbox.seed_customers(250);
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let groups = client(&sandbox).customer_groups();
    let mut members = runtime().block_on(async {
        groups
            .create(CreateCustomerGroup::new("Everyone").uid("everyone"))
            .await
            .unwrap();
        groups
            .update_customers(
                "everyone",
                GroupMembershipChange::new().add_customers(uids.clone()),
            )
            .await
            .unwrap();
        groups
            .customers("everyone")
            .page_size(50)
            .sort_by("createdAt", SortOrder::Asc)
            .items()
    });
    // The first page on one runtime, which then shuts down with the
    // prefetches it started; the rest on another.
    let first = runtime().block_on(members.try_next()).unwrap().unwrap();
    let rest: Vec<Customer> = runtime().block_on(members.try_collect()).unwrap();
    let mut read = vec![first.customer_uid];
    read.extend(rest.into_iter().map(|customer| customer.customer_uid));
    assert_eq!(read, uids);
}

#[tokio::test]
async fn a_client_keeps_its_sandbox_running() {
    let flow = FlowRetailSandbox::start().unwrap().client().unwrap();
    let created = flow
        .customer_groups()
        .create(CreateCustomerGroup::new("VIP").uid("vip"))
        .await
        .unwrap();
    assert_eq!(created.customer_group_uid, "vip");
}

#[test]
fn a_base_url_without_its_version_is_refused_when_the_client_is_built() {
    let error = FlowRetailClient::builder("token", "tenant")
        .base_url("https://api.flowretail.com")
        .build()
        .unwrap_err();
    let shown = error.to_string();
    assert!(
        shown.contains("base_url") && shown.contains("add /v2"),
        "{shown}"
    );
    let error = FlowRetailClient::builder("token", "tenant")
        .base_url("api.flowretail.com/v2")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("https://"), "{error}");
    assert!(
        FlowRetailClient::builder("token", "tenant")
            .base_url("https://api.flowretail.com/v2/")
            .build()
            .is_ok()
    );
}

#[tokio::test]
async fn a_listing_under_a_rate_limit_waits_as_told_and_completes() {
    use flowretail_sdk::sandbox::RateLimit;
    use flowretail_sdk::{CreateCustomerGroup, GroupMembershipChange};

    let sandbox = FlowRetailSandbox::start().unwrap();
    let flow = client(&sandbox);
    let members = GroupMembershipChange::new().add_customers(sandbox.seed_customers(3));
    flow.customer_groups()
        .create(CreateCustomerGroup::new("VIP").uid("vip"))
        .await
        .unwrap();
    flow.customer_groups()
        .update_customers("vip", members)
        .await
        .unwrap();
    // Four requests a second, one at a time: the pages after the first
    // meet 429 with Retry-After: 1, and are asked for again.
    sandbox
        .faults()
        .rate_limit(RateLimit::per_second(4.0).burst(1));
    let walked: Vec<_> = flow
        .customer_groups()
        .customers("vip")
        .page_size(1)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(walked.len(), 3);
    assert!(sandbox.faults().rate_limited() >= 1);
    let refused = sandbox
        .requests()
        .all()
        .iter()
        .filter(|request| request.status == Some(429))
        .count();
    assert_eq!(refused as u64, sandbox.faults().rate_limited());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_reads_pages_at_once_by_default_widening_as_they_come_back() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let (groups, uids) = everyone(&sandbox, 2_000).await;
    sandbox
        .faults()
        .set_latency(Some(Duration::from_millis(20)));
    sandbox.faults().reset_peak_in_flight();
    // Nothing set: 40 pages of 50, from two at once up to eight.
    let streamed: Vec<String> = groups
        .customers("everyone")
        .page_size(50)
        .sort_by("createdAt", SortOrder::Asc)
        .items()
        .map_ok(|c| c.customer_uid)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, uids, "every member once, in order");
    let peak = sandbox.faults().peak_in_flight();
    println!("peak pages in flight: {peak}");
    assert!((4..=8).contains(&peak), "{peak} pages in flight at most");
    let pages = sandbox
        .requests()
        .matching("GET", "/v2/tenants/{tenant}/customer-groups/{id}/customers")
        .len();
    assert_eq!(pages, 40, "no page past the total");
}
