//! Writes whose answer is lost after the sandbox applied them (a gateway's
//! 503, a dropped connection), against versions that skip numbers: each is
//! applied once, and the SDK reports its own landed write as a success.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};

use ct_customer_groups_sdk::sandbox::{CtSandbox, SEEDED_TYPE_KEY, Versioning};
use ct_customer_groups_sdk::{
    CtClient, CtErrorExt, CustomerGroup, CustomerGroupDraft, CustomerGroupUpdate, Deleted,
    ResourceIdentifier, UpdateAction,
};
use sdk_core::sandbox::Fault;

/// A group's path: its update is a POST to it.
const GROUP: &str = "/{projectKey}/customer-groups/{id}";
const UPDATE: &str = GROUP;

fn client(sandbox: &CtSandbox) -> CtClient {
    common::fast_retrying_client(sandbox)
}

/// The ways an answer is lost after the write was applied.
fn lost_answers() -> [(&'static str, Fault); 2] {
    [
        ("503 after applying", Fault::applied_then(503)),
        (
            "connection dropped after applying",
            Fault::applied_then_dropped(),
        ),
    ]
}

/// How the sandbox counts versions: as ours does, and as live may.
fn versionings() -> [Versioning; 2] {
    [
        Versioning::default(),
        Versioning::default().step(7).no_op_keeps_version(true),
    ]
}

/// A sandbox holding one group named `name`, and a client that already
/// holds its token (so that an injected fault meets the API request).
async fn one_group(name: &str, versioning: Versioning) -> (CtSandbox, CtClient, CustomerGroup) {
    let sandbox = CtSandbox::start().unwrap();
    sandbox.set_versioning(versioning);
    let ct = client(&sandbox);
    let group = ct
        .customer_groups()
        .create(CustomerGroupDraft::new(name).key("lost-answers"))
        .await
        .unwrap();
    (sandbox, ct, group)
}

#[tokio::test]
async fn an_appending_closure_runs_once_when_its_answer_is_lost() {
    for versioning in versionings() {
        for (how, fault) in lost_answers() {
            let (sandbox, ct, group) = one_group("n", versioning).await;
            let runs = AtomicU32::new(0);
            sandbox.faults().on("POST", UPDATE).inject(fault, 1);
            sandbox.requests().clear();
            let updated = ct
                .customer_groups()
                .update_with_retry(&group.id, 5, |current| {
                    runs.fetch_add(1, Ordering::SeqCst);
                    vec![UpdateAction::change_name(format!("{}+", current.name))]
                })
                .await
                .unwrap_or_else(|error| panic!("{how}, {versioning:?}: {error}"));
            assert_eq!(updated.name, "n+", "{how}, {versioning:?}");
            assert!(updated.version > group.version);
            assert_eq!(
                runs.load(Ordering::SeqCst),
                1,
                "{how}: the closure ran once"
            );
            let stored = ct.customer_groups().get(&group.id).await.unwrap();
            assert_eq!(stored.name, "n+", "{how}");
            // A read, the update, its replay (409) and the read that settles it.
            let sent: Vec<_> = sandbox
                .requests()
                .all()
                .into_iter()
                .map(|request| (request.method, request.status))
                .collect();
            let lost = if how.contains("dropped") {
                None
            } else {
                Some(503)
            };
            let expected = [
                ("GET".to_owned(), Some(200)),
                ("POST".to_owned(), lost),
                ("POST".to_owned(), Some(409)),
                ("GET".to_owned(), Some(200)),
                ("GET".to_owned(), Some(200)),
            ];
            assert_eq!(sent, expected, "{how}: then the test's own read");
        }
    }
}

#[tokio::test]
async fn update_by_id_and_by_key_report_their_own_landed_change() {
    for versioning in versionings() {
        for (how, fault) in lost_answers() {
            let (sandbox, ct, group) = one_group("Silver", versioning).await;
            let groups = ct.customer_groups();
            sandbox.faults().on("POST", UPDATE).inject(fault.clone(), 1);
            let update = CustomerGroupUpdate::for_group(&group)
                .action(UpdateAction::change_name("Gold"))
                .action(UpdateAction::set_key(Some("gold")));
            let updated = groups
                .update(&group.id, update)
                .await
                .unwrap_or_else(|error| panic!("{how}, {versioning:?}: {error}"));
            assert_eq!(
                (updated.name.as_str(), updated.key.as_deref()),
                ("Gold", Some("gold"))
            );
            assert!(updated.version > group.version);

            sandbox.faults().on("POST", UPDATE).inject(fault, 1);
            let update = CustomerGroupUpdate::for_group(&updated)
                .action(UpdateAction::change_name("Platinum"));
            let by_key = groups.update_by_key("gold", update).await.unwrap();
            assert_eq!(by_key.name, "Platinum", "{how}");
            assert!(by_key.version > updated.version);
        }
    }
}

#[tokio::test]
async fn a_change_that_cannot_be_checked_locally_may_have_been_applied() {
    for (how, fault) in lost_answers() {
        let (sandbox, ct, group) = one_group("Typed", Versioning::default()).await;
        sandbox.faults().on("POST", UPDATE).inject(fault, 1);
        // A type named by key: the group names its type by id.
        let update = CustomerGroupUpdate::for_group(&group).action(UpdateAction::set_custom_type(
            Some(ResourceIdentifier::type_by_key(SEEDED_TYPE_KEY)),
            None,
        ));
        let error = ct
            .customer_groups()
            .update(&group.id, update)
            .await
            .unwrap_err();
        assert!(
            error.conflict_may_be_own_earlier_attempt(),
            "{how}: {error}"
        );
        assert!(
            error
                .to_string()
                .contains("an earlier attempt may have been applied"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn a_delete_by_id_or_key_whose_answer_is_lost_has_done_what_it_was_asked() {
    for (how, fault) in lost_answers() {
        let (sandbox, ct, group) = one_group("Doomed", Versioning::default()).await;
        sandbox
            .faults()
            .on("DELETE", GROUP)
            .inject(fault.clone(), 1);
        let deleted = ct
            .customer_groups()
            .delete(&group.id, group.version)
            .await
            .unwrap_or_else(|error| panic!("{how}: {error}"));
        assert_eq!(deleted, Deleted::AnswerLost, "{how}");
        assert_eq!(sandbox.group_count(), 0);

        let (sandbox, ct, group) = one_group("Doomed", Versioning::default()).await;
        sandbox.faults().on("DELETE", GROUP).inject(fault, 1);
        let deleted = ct
            .customer_groups()
            .delete_by_key("lost-answers", group.version)
            .await
            .unwrap_or_else(|error| panic!("{how}: {error}"));
        assert!(deleted.group().is_none(), "{how}");
        assert_eq!(sandbox.group_count(), 0);
    }
    // A delete whose first attempt meets 404 is still an error.
    let sandbox = CtSandbox::start().unwrap();
    let error = client(&sandbox)
        .customer_groups()
        .delete("no-such-group", 1)
        .await
        .unwrap_err();
    assert!(error.is_not_found());
}
