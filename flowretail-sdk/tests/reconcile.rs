//! Reconciling Flow Retail groups and their members against the sandbox:
//! only the difference is written, nothing on a second run, and each
//! write once when its answer is lost after the sandbox applied it.

use flowretail_sdk::sandbox::{FlowRetailSandbox, RecordedRequest};
use flowretail_sdk::{CreateCustomerGroup, Ensured, Error, FlowRetailClient, Tally};
use sdk_core::sandbox::Fault;

const GROUPS: &str = "/v2/tenants/{tenant}/customer-groups";
const GROUP: &str = "/v2/tenants/{tenant}/customer-groups/{id}";
const MEMBERS: &str = "/v2/tenants/{tenant}/customer-groups/{id}/customers";

fn client(sandbox: &FlowRetailSandbox) -> FlowRetailClient {
    sandbox
        .client_builder()
        .retry_policy(sdk_core::test_util::fast_retries())
        .build()
        .unwrap()
}

fn writes(requests: &[RecordedRequest]) -> usize {
    requests.iter().filter(|r| r.method != "GET").count()
}

fn group(n: usize) -> CreateCustomerGroup {
    CreateCustomerGroup::new(format!("Store {n:04}")).uid(format!("store-{n:04}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_over_1000_groups_with_members_sends_no_write() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let customers = sandbox.seed_customers(50);
    let flow = client(&sandbox);
    let groups: Vec<_> = (0..1_000).map(group).collect();
    // Each group gets five customers, picked by its number.
    let members_of = |n: usize| -> Vec<String> {
        (0..5)
            .map(|i| customers[(n + i * 7) % customers.len()].clone())
            .collect()
    };
    let run = || async {
        let outcomes = flow
            .customer_groups()
            .ensure_all(groups.clone())
            .await
            .unwrap();
        let mut members = Vec::new();
        for (n, outcome) in outcomes.iter().enumerate() {
            let uid = &outcome.as_ref().unwrap().resource().customer_group_uid;
            members.push(
                flow.customer_groups()
                    .ensure_members(uid, members_of(n))
                    .await,
            );
        }
        (Tally::of(&outcomes), Tally::of(&members))
    };
    let (first_groups, first_members) = run().await;
    assert_eq!((first_groups.created, first_groups.failed), (1_000, 0));
    assert_eq!(
        (first_members.updated, first_members.changes),
        (1_000, 5_000)
    );
    assert_eq!(sandbox.group_count(), 1_000);

    sandbox.requests().clear();
    let (second_groups, second_members) = run().await;
    assert_eq!(second_groups.unchanged, 1_000);
    assert_eq!(second_members.unchanged, 1_000);
    assert_eq!(writes(&sandbox.requests().all()), 0);
}

#[tokio::test]
async fn ensure_writes_only_what_differs() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let customers = sandbox.seed_customers(4);
    let flow = client(&sandbox);
    let groups = flow.customer_groups();
    assert!(matches!(
        groups.ensure(group(1)).await.unwrap(),
        Ensured::Created(_)
    ));
    sandbox.requests().clear();
    let renamed = CreateCustomerGroup::new("Store one").uid("store-0001");
    let outcome = groups.ensure(renamed).await.unwrap();
    assert!(
        matches!(outcome, Ensured::Updated { changes: 1, .. }),
        "{outcome:?}"
    );
    let sent = sandbox.requests().all();
    assert_eq!(writes(&sent), 1);
    assert_eq!(
        sent.iter()
            .find(|r| r.method == "PUT")
            .unwrap()
            .json()
            .unwrap(),
        serde_json::json!({"name": "Store one"})
    );

    let three = groups
        .ensure_members("store-0001", &customers[..3])
        .await
        .unwrap();
    assert!(matches!(three, Ensured::Updated { changes: 3, .. }));
    sandbox.requests().clear();
    let swapped = groups
        .ensure_members("store-0001", &customers[1..])
        .await
        .unwrap();
    assert!(
        matches!(swapped, Ensured::Updated { changes: 2, .. }),
        "{swapped:?}"
    );
    let body = sandbox.requests().matching("PUT", MEMBERS)[0]
        .json()
        .unwrap();
    assert_eq!(body["addCustomerUids"], serde_json::json!([customers[3]]));
    assert_eq!(
        body["removeCustomerUids"],
        serde_json::json!([customers[0]])
    );

    let no_uid = groups.ensure(CreateCustomerGroup::new("No UID")).await;
    assert!(matches!(no_uid, Err(Error::InvalidInput(_))), "{no_uid:?}");
}

#[tokio::test]
async fn lost_answers_of_every_write_never_make_a_twin_a_double_change_or_an_error() {
    let sandbox = FlowRetailSandbox::start().unwrap();
    let customers = sandbox.seed_customers(10);
    let flow = client(&sandbox);
    let groups = flow.customer_groups();
    let faults = [
        Fault::applied_then(503),
        Fault::applied_then(504),
        Fault::applied_then_dropped(),
    ];
    for run in 0..30 {
        let fault = faults[run % 3].clone();
        let uid = format!("lost-{run}");
        sandbox.faults().on("POST", GROUPS).inject(fault.clone(), 1);
        let created = groups
            .ensure(CreateCustomerGroup::new(format!("Lost {run}")).uid(&uid))
            .await
            .unwrap();
        assert!(matches!(created, Ensured::Created(_)), "{created:?}");

        // A rename is retried by the SDK; every attempt's answer lost too.
        sandbox.faults().on("PUT", GROUP).inject(fault.clone(), 5);
        let renamed = groups
            .ensure(CreateCustomerGroup::new(format!("Renamed {run}")).uid(&uid))
            .await
            .unwrap();
        assert_eq!(renamed.resource().name, format!("Renamed {run}"));
        sandbox.faults().clear();

        sandbox.faults().on("PUT", MEMBERS).inject(fault, 5);
        let members = groups
            .ensure_members(&uid, &customers[run % 5..run % 5 + 4])
            .await
            .unwrap();
        assert!(
            matches!(members, Ensured::Updated { changes: 4, .. }),
            "{members:?}"
        );
        sandbox.faults().clear();
        sandbox.requests().clear();
        let again = groups
            .ensure_members(&uid, &customers[run % 5..run % 5 + 4])
            .await
            .unwrap();
        assert!(!again.wrote());
        assert_eq!(writes(&sandbox.requests().all()), 0);
    }
    assert_eq!(sandbox.group_count(), 30, "no twin");
}
