//! Reconciling customer groups against the sandbox: `ensure` and
//! `ensure_all` write only the difference, nothing on a second run, and
//! each write once when its answer is lost after the sandbox applied it.

mod common;

use std::collections::HashSet;

use ct_customer_groups_sdk::sandbox::{CtSandbox, FieldDefinition, FieldType, Versioning};
use ct_customer_groups_sdk::{
    CustomFieldsDraft, CustomerGroupDraft, Ensured, Error, ResourceIdentifier, Tally, UpdateAction,
    serde_json::json,
};
use sdk_core::sandbox::{Fault, FaultBody, RecordedRequest};

const COLLECTION: &str = "/{projectKey}/customer-groups";
const GROUP: &str = "/{projectKey}/customer-groups/{id}";

/// The requests that write: every one but reads and token requests.
fn writes(requests: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    requests
        .iter()
        .filter(|request| request.method != "GET" && request.method != "HEAD")
        .filter(|request| request.path != "/oauth/token")
        .collect()
}

fn reads(requests: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    requests
        .iter()
        .filter(|request| request.method == "GET")
        .collect()
}

fn draft(n: usize) -> CustomerGroupDraft {
    CustomerGroupDraft::new(format!("Store {n:04}")).key(format!("store-{n:04}"))
}

#[tokio::test]
async fn ensure_creates_then_changes_nothing_then_writes_only_the_difference() {
    let sandbox = CtSandbox::start().unwrap();
    let ct = sandbox.client().unwrap();
    let groups = ct.customer_groups();
    let desired = CustomerGroupDraft::new("Gold").key("gold").custom(
        CustomFieldsDraft::new(ResourceIdentifier::type_by_key("loyalty"))
            .field("points", 10)
            .field("level", "high"),
    );
    let created = groups.ensure(desired.clone()).await.unwrap();
    assert!(matches!(created, Ensured::Created(_)), "{created:?}");

    sandbox.requests().clear();
    let again = groups.ensure(desired.clone()).await.unwrap();
    assert!(matches!(again, Ensured::Unchanged(_)), "{again:?}");
    let sent = sandbox.requests().all();
    assert!(writes(&sent).is_empty(), "{sent:?}");
    // Read with the type expanded, so that a type named by key compares by key.
    assert_eq!(reads(&sent)[0].query.as_deref(), Some("expand=custom.type"));

    sandbox.requests().clear();
    let changed = desired.clone().custom(
        CustomFieldsDraft::new(ResourceIdentifier::type_by_key("loyalty"))
            .field("points", 10.0)
            .field("enrolledAt", "2024-05-01T12:00:00+02:00"),
    );
    let updated = groups.ensure(changed.clone()).await.unwrap();
    let Ensured::Updated { resource, changes } = &updated else {
        panic!("{updated:?}");
    };
    // `points` 10.0 is 10: only `enrolledAt` is set and `level` removed.
    assert_eq!(*changes, 2);
    assert_eq!(resource.version, 2);
    let sent = sandbox.requests().all();
    let update = writes(&sent)[0].json().unwrap();
    assert_eq!(
        update["actions"],
        json!([
            {"action": "setCustomField", "name": "enrolledAt", "value": "2024-05-01T12:00:00+02:00"},
            {"action": "setCustomField", "name": "level"},
        ])
    );
    // The sandbox answers the instant in UTC with milliseconds: still the same.
    let unchanged = groups.ensure(changed).await.unwrap();
    assert!(matches!(unchanged, Ensured::Unchanged(_)), "{unchanged:?}");
}

#[tokio::test]
async fn ensure_never_adopts_or_renames_a_group_that_holds_the_name() {
    let sandbox = CtSandbox::start().unwrap();
    let ct = sandbox.client().unwrap();
    let groups = ct.customer_groups();
    let holder = groups
        .create(CustomerGroupDraft::new("Gold").key("gold-old"))
        .await
        .unwrap();
    for error in [
        groups
            .ensure(CustomerGroupDraft::new("Gold").key("gold"))
            .await
            .unwrap_err(),
        {
            let silver = groups
                .ensure(CustomerGroupDraft::new("Silver").key("silver"))
                .await
                .unwrap();
            assert!(silver.wrote());
            groups
                .ensure(CustomerGroupDraft::new("Gold").key("silver"))
                .await
                .unwrap_err()
        },
    ] {
        let Error::Taken(taken) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(taken.holder_id, holder.id);
        assert_eq!(taken.holder_key.as_deref(), Some("gold-old"));
        assert!(error.to_string().contains("gold-old"), "{error}");
    }
    let holder_now = groups.get(&holder.id).await.unwrap();
    assert_eq!((holder_now.name.as_str(), holder_now.version), ("Gold", 1));
    assert!(!groups.exists_by_key("gold").await.unwrap());

    let no_key = groups.ensure(CustomerGroupDraft::new("Keyless")).await;
    assert!(matches!(no_key, Err(Error::InvalidInput(_))), "{no_key:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ensure_all_over_1000_groups_sends_no_write_and_two_reads() {
    let sandbox = CtSandbox::start().unwrap();
    let ct = sandbox.client().unwrap();
    let drafts: Vec<_> = (0..1_000).map(draft).collect();
    let first = ct
        .customer_groups()
        .ensure_all(drafts.clone())
        .await
        .unwrap();
    let tally = Tally::of(&first);
    assert_eq!((tally.created, tally.failed), (1_000, 0), "{tally}");
    assert_eq!(sandbox.group_count(), 1_000);

    sandbox.requests().clear();
    let second = ct
        .customer_groups()
        .ensure_all(drafts.clone())
        .await
        .unwrap();
    assert_eq!(Tally::of(&second).unchanged, 1_000);
    let sent = sandbox.requests().all();
    assert!(writes(&sent).is_empty());
    assert_eq!(reads(&sent).len(), 2, "one read per 500 groups");

    // Ten renamed: ten writes, one action each; the rest untouched.
    let mut renamed = drafts;
    for draft in renamed.iter_mut().step_by(100) {
        draft.group_name.push_str(" (renamed)");
    }
    sandbox.requests().clear();
    let third = ct.customer_groups().ensure_all(renamed).await.unwrap();
    let tally = Tally::of(&third);
    assert_eq!(
        (tally.updated, tally.changes, tally.unchanged),
        (10, 10, 990)
    );
    assert_eq!(writes(&sandbox.requests().all()).len(), 10);
}

#[tokio::test]
async fn ensure_all_reports_each_draft_in_order_and_one_failure_stops_nothing() {
    let sandbox = CtSandbox::start().unwrap();
    let ct = sandbox.client().unwrap();
    let outcomes = ct
        .customer_groups()
        .ensure_all([
            draft(1),
            CustomerGroupDraft::new("No key"),
            draft(1).key("store-0001"),
            draft(2),
        ])
        .await
        .unwrap();
    assert!(matches!(outcomes[0], Ok(Ensured::Created(_))));
    assert!(matches!(outcomes[1], Err(Error::InvalidInput(_))));
    // The same key twice: the second is refused, not written twice.
    assert!(matches!(outcomes[2], Err(Error::InvalidInput(_))));
    assert_eq!(
        outcomes[3].as_ref().unwrap().resource().key.as_deref(),
        Some("store-0002")
    );
}

/// The ways an answer is lost after the write was applied.
fn lost_answers() -> [Fault; 3] {
    [
        Fault::applied_then(503),
        Fault::applied_then(502),
        Fault::applied_then_dropped(),
    ]
}

#[tokio::test]
async fn lost_answers_of_creates_and_updates_never_make_a_twin_a_double_change_or_an_error() {
    for versioning in [
        Versioning::default(),
        Versioning::default().step(5).no_op_keeps_version(true),
    ] {
        let sandbox = CtSandbox::start().unwrap();
        sandbox.set_versioning(versioning);
        let ct = common::fast_retrying_client(&sandbox);
        let groups = ct.customer_groups();
        for run in 0..30 {
            let fault = lost_answers()[run % 3].clone();
            let key = format!("lost-{run}");
            let desired = CustomerGroupDraft::new(format!("Lost {run}")).key(&key);
            sandbox
                .faults()
                .on("POST", COLLECTION)
                .inject(fault.clone(), 1);
            let created = groups.ensure(desired.clone()).await.unwrap();
            assert!(matches!(created, Ensured::Created(_)), "{created:?}");
            assert_eq!(sandbox.faults().pending(), 0);

            sandbox.faults().on("POST", GROUP).inject(fault, 1);
            let renamed = desired.clone().custom(
                CustomFieldsDraft::new(ResourceIdentifier::type_by_key("marketing"))
                    .field("optIn", true)
                    .field("channels", json!(["sms", "mail"])),
            );
            let updated = groups.ensure(renamed.clone()).await.unwrap();
            let Ensured::Updated { resource, changes } = updated else {
                panic!("{updated:?}");
            };
            assert_eq!(changes, 1, "one setCustomType");
            assert_eq!(resource.version, 1 + versioning.step, "applied once");
            let again = groups.ensure(renamed).await.unwrap();
            assert!(matches!(again, Ensured::Unchanged(_)));
        }
        assert_eq!(sandbox.group_count(), 30, "no twin");
    }
}

/// `fault` on the first of every `n` group writes (the 1st, the (n+1)th, ...),
/// `times` times at most.
fn lose_every_nth_write(sandbox: &CtSandbox, n: usize, fault: Fault, times: usize) {
    let writes = std::sync::atomic::AtomicUsize::new(0);
    sandbox
        .faults()
        .when(move |method, path| {
            method == "POST"
                && path.contains("/customer-groups")
                && writes
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                    .is_multiple_of(n)
        })
        .inject(fault, times);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ensure_all_under_lost_answers_writes_each_group_once() {
    let sandbox = CtSandbox::start().unwrap();
    let ct = common::fast_retrying_client(&sandbox);
    // Every fifth write in the first run loses its answer after applying.
    let drafts: Vec<_> = (0..200).map(draft).collect();
    lose_every_nth_write(&sandbox, 5, Fault::applied_then_dropped(), 40);
    let first = ct
        .customer_groups()
        .ensure_all(drafts.clone())
        .await
        .unwrap();
    let tally = Tally::of(&first);
    assert_eq!((tally.created, tally.failed), (200, 0), "{tally}");
    assert_eq!(sandbox.group_count(), 200);
    sandbox.faults().clear();

    let renamed: Vec<_> = drafts
        .iter()
        .map(|draft| {
            draft.clone().custom(
                CustomFieldsDraft::new(ResourceIdentifier::type_by_key("loyalty"))
                    .field("points", 1),
            )
        })
        .collect();
    lose_every_nth_write(&sandbox, 3, Fault::applied_then(503), 70);
    let second = ct
        .customer_groups()
        .ensure_all(renamed.clone())
        .await
        .unwrap();
    let tally = Tally::of(&second);
    let failures: Vec<String> = second
        .iter()
        .filter_map(|outcome| outcome.as_ref().err().map(ToString::to_string))
        .collect();
    assert_eq!(
        (tally.updated, tally.failed),
        (200, 0),
        "{tally}: {failures:#?}"
    );
    sandbox.faults().clear();
    // Each group was changed once: version 2.
    let versions: HashSet<u64> = second
        .iter()
        .map(|outcome| outcome.as_ref().unwrap().resource().version)
        .collect();
    assert_eq!(versions, HashSet::from([2]));
    sandbox.requests().clear();
    let third = ct.customer_groups().ensure_all(renamed).await.unwrap();
    assert!(!Tally::of(&third).wrote_anything());
    assert!(writes(&sandbox.requests().all()).is_empty());
}

#[tokio::test]
async fn more_than_500_changes_go_in_several_requests_each_at_the_version_answered() {
    let sandbox = CtSandbox::start().unwrap();
    let fields: Vec<FieldDefinition> = (0..700)
        .map(|n| FieldDefinition::new(format!("f{n:03}"), FieldType::Number))
        .collect();
    let type_id = sandbox.add_type_with("wide", fields);
    let ct = sandbox.client().unwrap();
    let base = CustomFieldsDraft::new(ResourceIdentifier::type_by_id(&type_id));
    let desired = |value: i64| {
        let custom = (0..700).fold(base.clone(), |custom, n| {
            custom.field(format!("f{n:03}"), value)
        });
        CustomerGroupDraft::new("Wide").key("wide").custom(custom)
    };
    let created = ct.customer_groups().ensure(desired(1)).await.unwrap();
    assert!(created.wrote());
    sandbox.requests().clear();
    let updated = ct.customer_groups().ensure(desired(2)).await.unwrap();
    let Ensured::Updated { resource, changes } = updated else {
        panic!("{updated:?}");
    };
    assert_eq!((changes, resource.version), (700, 3));
    let sent = sandbox.requests().all();
    let bodies: Vec<_> = writes(&sent).iter().map(|r| r.json().unwrap()).collect();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["actions"].as_array().unwrap().len(), 500);
    assert_eq!(
        (bodies[0]["version"].as_u64(), bodies[1]["version"].as_u64()),
        (Some(1), Some(2))
    );
    assert!(UpdateAction::diff(&resource, &desired(2)).is_empty());
}

#[tokio::test]
async fn another_writers_change_in_between_is_read_and_diffed_again() {
    let sandbox = CtSandbox::start().unwrap();
    let ct = sandbox.client().unwrap();
    let groups = ct.customer_groups();
    groups.create(draft(1)).await.unwrap();
    // The first update meets another writer's change (a 409, not applied).
    let conflict = json!({
        "statusCode": 409, "message": "changed",
        "errors": [{"code": "ConcurrentModification", "message": "changed", "currentVersion": 1}],
    });
    sandbox
        .faults()
        .on("POST", GROUP)
        .inject(Fault::status(409).with_body(FaultBody::Json(conflict)), 1);
    sandbox.requests().clear();
    let outcome = groups
        .ensure(CustomerGroupDraft::new("Store one").key("store-0001"))
        .await
        .unwrap();
    let Ensured::Updated { resource, changes } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        (resource.name.as_str(), changes, resource.version),
        ("Store one", 1, 2)
    );
    let sent = sandbox.requests().all();
    assert_eq!(
        writes(&sent).len(),
        2,
        "the refused update, then the one sent after reading again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ensure_all_writes_as_many_at_once_as_the_governor_allows() {
    use sdk_core::governor::{DEFAULT_CONCURRENCY, Governor};

    for (governor, most) in [
        (Governor::adaptive(), DEFAULT_CONCURRENCY),
        (Governor::adaptive().max_concurrency(3), 3),
    ] {
        let sandbox = CtSandbox::start().unwrap();
        let ct = sandbox.client_builder().governor(governor).build().unwrap();
        assert_eq!(sdk_core::reconcile::ensure_concurrency(ct.http()), most);
        // The token first, so that the writes are what runs at once.
        ct.customer_groups().query().send().await.unwrap();
        sandbox
            .faults()
            .set_latency(Some(std::time::Duration::from_millis(20)));
        sandbox.faults().reset_peak_in_flight();
        let outcomes = ct
            .customer_groups()
            .ensure_all((0..60).map(draft))
            .await
            .unwrap();
        assert_eq!(Tally::of(&outcomes).created, 60);
        let peak = sandbox.faults().peak_in_flight();
        assert_eq!(peak, most as u64, "{most} writes at once");
    }
}
