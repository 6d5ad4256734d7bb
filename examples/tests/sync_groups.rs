//! The group sync against the three sandboxes: changes on the first run,
//! none on the second, renames carried over, failures counted.

// The sync is the example's own code: the test runs that very file.
#[allow(dead_code)]
#[path = "../examples/sync_groups.rs"]
mod sync_example;

use ct_customer_groups_sdk::sandbox::CtSandbox;
use flowretail_sdk::sandbox::FlowRetailSandbox;
use pos_customer_sdk::sandbox::PosSandbox;
use pos_customer_sdk::{CustomerGroupDraft, CustomerGroupPatch};
use sdk_core::sandbox::Fault;
use sync_example::{mirror_key, sync_groups};

/// The three sandboxes and a client of each.
struct Targets {
    pos_sandbox: PosSandbox,
    ct_sandbox: CtSandbox,
    flow_sandbox: FlowRetailSandbox,
    pos: pos_customer_sdk::PosClient,
    ct: ct_customer_groups_sdk::CtClient,
    flow: flowretail_sdk::FlowRetailClient,
}

impl Targets {
    fn start() -> Self {
        let (pos_sandbox, ct_sandbox, flow_sandbox) = (
            PosSandbox::start().unwrap(),
            CtSandbox::start().unwrap(),
            FlowRetailSandbox::start().unwrap(),
        );
        Self {
            pos: pos_sandbox.client().unwrap(),
            ct: ct_sandbox.client().unwrap(),
            flow: flow_sandbox.client().unwrap(),
            pos_sandbox,
            ct_sandbox,
            flow_sandbox,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_run_changes_nothing_and_renames_carry_over() {
    let Targets {
        pos_sandbox,
        ct_sandbox,
        flow_sandbox,
        pos,
        ct,
        flow,
    } = Targets::start();
    pos_sandbox.seed_documented_examples();
    let extra = pos
        .customer_groups()
        .create(CustomerGroupDraft::new("Walk-ins"))
        .await
        .unwrap();

    let first = sync_groups(&pos, &ct, &flow).await.unwrap();
    assert_eq!(first.source_groups, 4);
    assert_eq!(
        (first.commercetools.created, first.flowretail.created),
        (4, 4)
    );
    assert!(first.failures.is_empty(), "{:?}", first.failures);

    ct_sandbox.requests().clear();
    flow_sandbox.requests().clear();
    let second = sync_groups(&pos, &ct, &flow).await.unwrap();
    assert!(!second.commercetools.wrote_anything() && !second.flowretail.wrote_anything());
    // Counted from what the targets received: reads only.
    for sent in [ct_sandbox.requests().all(), flow_sandbox.requests().all()] {
        assert!(
            sent.iter()
                .all(|r| r.method == "GET" || r.path == "/oauth/token"),
            "{sent:?}"
        );
    }
    assert_eq!(
        (second.commercetools.unchanged, second.flowretail.unchanged),
        (4, 4)
    );

    let id = extra.id;
    pos.customer_groups()
        .patch(
            id.clone(),
            CustomerGroupPatch::new().name("Walk-ins (renamed)"),
        )
        .await
        .unwrap();
    let third = sync_groups(&pos, &ct, &flow).await.unwrap();
    assert_eq!(
        (third.commercetools.updated, third.flowretail.updated),
        (1, 1)
    );
    let key = mirror_key(&id.to_string());
    assert_eq!(
        ct.customer_groups().get_by_key(&key).await.unwrap().name,
        "Walk-ins (renamed)"
    );
    assert_eq!(
        flow.customer_groups().get(&key).await.unwrap().name,
        "Walk-ins (renamed)"
    );
    // The two documented groups share the name "Stammkunden": their mirrors get their ids.
    let shared = ct
        .customer_groups()
        .get_by_key(mirror_key("9168aa78-e0a3-42ec-a43c-87f0ad666f69"))
        .await
        .unwrap();
    assert_eq!(
        shared.name,
        "Stammkunden (9168aa78-e0a3-42ec-a43c-87f0ad666f69)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_counted_not_fatal() {
    let pos_sandbox = PosSandbox::start().unwrap();
    let ct_sandbox = CtSandbox::start().unwrap();
    let flow_sandbox = FlowRetailSandbox::start().unwrap();
    let pos = pos_sandbox.client().unwrap();
    let ct = ct_sandbox.client().unwrap();
    let flow = flow_sandbox.client().unwrap();
    pos.customer_groups()
        .create(CustomerGroupDraft::new("Only one"))
        .await
        .unwrap();
    // Every Flow Retail answer is a 400 for a while.
    flow_sandbox.faults().inject(Fault::status(400), 5);
    let report = sync_groups(&pos, &ct, &flow).await.unwrap();
    assert_eq!(report.commercetools.created, 1);
    assert_eq!(report.flowretail.failed, 1);
    assert!(
        report.failures.len() == 1 && report.failures[0].contains("400"),
        "{:?}",
        report.failures
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_lost_in_the_middle_leave_no_duplicate_and_no_failure() {
    let Targets {
        pos_sandbox: _,
        ct_sandbox,
        flow_sandbox,
        pos,
        ct,
        flow,
    } = Targets::start();
    for n in 0..20 {
        pos.customer_groups()
            .create(CustomerGroupDraft::new(format!("Group {n}")))
            .await
            .unwrap();
    }
    // Creates whose answers are lost after the targets applied them.
    ct_sandbox
        .faults()
        .on("POST", "/{projectKey}/customer-groups")
        .inject(Fault::applied_then_dropped(), 5);
    flow_sandbox
        .faults()
        .on("POST", "/v2/tenants/{tenant}/customer-groups")
        .inject(Fault::applied_then(503), 5);
    let first = sync_groups(&pos, &ct, &flow).await.unwrap();
    assert!(first.failures.is_empty(), "{:?}", first.failures);
    assert_eq!(
        (first.commercetools.created, first.flowretail.created),
        (20, 20)
    );
    assert_eq!(
        (ct_sandbox.group_count(), flow_sandbox.group_count()),
        (20, 20)
    );
    let second = sync_groups(&pos, &ct, &flow).await.unwrap();
    assert_eq!(
        (second.commercetools.unchanged, second.flowretail.unchanged),
        (20, 20)
    );
}

#[test]
fn keys_are_safe_and_shared_names_become_unique() {
    assert_eq!(mirror_key("9168aa78-e0a3"), "pos-group-9168aa78-e0a3");
    assert_eq!(mirror_key("a/b c"), "pos-group-a-b-c");
    let groups: Vec<pos_customer_sdk::CustomerGroup> = serde_json::from_value(serde_json::json!([
        {"id": 1, "name": "Gold"},
        {"id": "x", "name": "Stammkunden"},
        {"id": "y", "name": "Stammkunden"},
        {"id": 2}
    ]))
    .unwrap();
    let names: Vec<String> = sync_example::mirrors(&groups)
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(
        names,
        [
            "Gold",
            "Stammkunden (x)",
            "Stammkunden (y)",
            "POS group (2)"
        ]
    );
}
