//! The whole client against the stateful sandbox: versions, conflicts,
//! queries, query_all over more than 10,000 groups, scopes, token expiry
//! and faults.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use ct_customer_groups_sdk::sandbox::{CtSandbox, FieldType, SEEDED_TYPE_ID, SEEDED_TYPE_KEY};
use ct_customer_groups_sdk::{
    CtClient, CtErrorCode, CtErrorExt, CustomFieldsDraft, CustomerGroup, CustomerGroupDraft,
    CustomerGroupUpdate, ResourceIdentifier, SortOrder, UpdateAction,
};
use futures::{StreamExt, TryStreamExt};
use sdk_core::sandbox::{Fault, FaultBody};
use sdk_core::{CallOptionsBuilder, Error, RetryPolicy};
use serde_json::json;

fn client(sandbox: &CtSandbox) -> CtClient {
    common::fast_retrying_client(sandbox)
}

fn first_code(error: &Error) -> CtErrorCode {
    error
        .ct_errors()
        .into_iter()
        .next()
        .expect("a typed error")
        .code
}

#[tokio::test]
async fn versions_come_from_the_server_and_stale_ones_conflict() {
    let sandbox = CtSandbox::start().unwrap();
    sandbox.add_type(
        "fields",
        [("tier", FieldType::Number), ("note", FieldType::String)],
    );
    let groups = client(&sandbox).customer_groups();
    let created = groups
        .create(CustomerGroupDraft::new("Gold").key("gold").custom(
            CustomFieldsDraft::new(ResourceIdentifier::type_by_key("fields")).field("tier", 1),
        ))
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(
        created.custom.as_ref().unwrap().field_value("tier"),
        Some(json!(1))
    );
    assert_eq!(groups.get(&created.id).await.unwrap(), created);
    assert_eq!(groups.get_by_key("gold").await.unwrap().id, created.id);

    let updated = groups
        .update(
            &created.id,
            CustomerGroupUpdate::for_group(&created)
                .action(UpdateAction::change_name("Gold+"))
                .action(UpdateAction::set_custom_field("tier", Some(json!(2))))
                .action(UpdateAction::set_custom_field("note", Some(json!("vip")))),
        )
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.name, "Gold+");
    assert_eq!(
        updated.custom.as_ref().unwrap().field_value("tier"),
        Some(json!(2))
    );

    // The version read first is stale now.
    let error = groups
        .update(
            &created.id,
            CustomerGroupUpdate::for_group(&created).action(UpdateAction::change_name("x")),
        )
        .await
        .unwrap_err();
    assert!(error.is_conflict() && error.is_concurrent_modification());
    assert_eq!(error.current_version(), Some(2));

    let updated = groups
        .update_by_key(
            "gold",
            CustomerGroupUpdate::for_group(&updated)
                .action(UpdateAction::set_custom_field("note", None))
                .action(UpdateAction::set_key(Some("platinum"))),
        )
        .await
        .unwrap();
    assert_eq!(updated.version, 3);
    assert_eq!(updated.key.as_deref(), Some("platinum"));

    // Removing a field that does not exist is an invalid operation.
    let error = groups
        .update(
            &updated.id,
            CustomerGroupUpdate::for_group(&updated)
                .action(UpdateAction::set_custom_field("nope", None)),
        )
        .await
        .unwrap_err();
    assert_eq!(first_code(&error), CtErrorCode::InvalidOperation);

    let updated = groups
        .update(
            &updated.id,
            CustomerGroupUpdate::for_group(&updated)
                .action(UpdateAction::set_custom_type(None, None))
                .action(UpdateAction::set_key(None::<String>)),
        )
        .await
        .unwrap();
    assert!(updated.custom.is_none() && updated.key.is_none());

    let error = groups.delete(&updated.id, 1).await.unwrap_err();
    assert_eq!(error.current_version(), Some(updated.version));
    let deleted = groups.delete(&updated.id, updated.version).await.unwrap();
    assert_eq!(deleted.group().map(|group| &group.id), Some(&updated.id));
    let error = groups.get(&updated.id).await.unwrap_err();
    assert!(error.is_not_found());
    assert_eq!(first_code(&error), CtErrorCode::ResourceNotFound);
}

#[tokio::test]
async fn names_and_keys_are_unique() {
    let sandbox = CtSandbox::start().unwrap();
    let groups = client(&sandbox).customer_groups();
    let gold = groups
        .create(CustomerGroupDraft::new("Gold").key("gold"))
        .await
        .unwrap();
    let error = groups
        .create(CustomerGroupDraft::new("Gold"))
        .await
        .unwrap_err();
    assert_eq!(
        first_code(&error),
        CtErrorCode::DuplicateField {
            field: Some("name".into()),
            duplicate_value: Some(json!("Gold"))
        }
    );
    let error = groups
        .create(CustomerGroupDraft::new("Other").key("gold"))
        .await
        .unwrap_err();
    assert!(
        matches!(first_code(&error), CtErrorCode::DuplicateField { field: Some(f), .. } if f == "key")
    );
    let silver = groups
        .create(CustomerGroupDraft::new("Silver"))
        .await
        .unwrap();
    let error = groups
        .update(
            &silver.id,
            CustomerGroupUpdate::for_group(&silver).action(UpdateAction::change_name("Gold")),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        first_code(&error),
        CtErrorCode::DuplicateField { .. }
    ));
    // A delete by key that names the group.
    groups.delete_by_key("gold", gold.version).await.unwrap();
}

#[tokio::test]
async fn the_project_limit_is_enforced() {
    let sandbox = CtSandbox::builder().max_customer_groups(2).start().unwrap();
    let groups = client(&sandbox).customer_groups();
    groups.create(CustomerGroupDraft::new("a")).await.unwrap();
    groups.create(CustomerGroupDraft::new("b")).await.unwrap();
    let error = groups
        .create(CustomerGroupDraft::new("c"))
        .await
        .unwrap_err();
    assert_eq!(
        first_code(&error),
        CtErrorCode::MaxResourceLimitExceeded {
            exceeded_resource: Some("customer-group".into())
        }
    );
}

#[tokio::test]
async fn queries_filter_sort_and_page() {
    let sandbox = CtSandbox::start().unwrap();
    sandbox.seed_generated(45).unwrap();
    let groups = client(&sandbox).customer_groups();

    let page = groups.query().name_is("Group 000007").send().await.unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(page.results[0].key.as_deref(), Some("group-000007"));

    let page = groups
        .query()
        .key_in(["group-000001", "group-000002", "nope"])
        .send()
        .await
        .unwrap();
    assert_eq!(page.count, 2);

    let page = groups
        .query()
        .predicate("name > :from and name < :to")
        .var("from", "Group 000010")
        .var("to", "Group 000020")
        .predicate("key != :skip")
        .var("skip", "group-000015")
        .sort_by("name", SortOrder::Desc)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = page.results.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names.len(), 8);
    assert_eq!(names[0], "Group 000019");
    assert!(!names.contains(&"Group 000015"));

    let page = groups
        .query()
        .sort("key asc")
        .limit(10)
        .offset(40)
        .with_total(false)
        .send()
        .await
        .unwrap();
    assert_eq!((page.count, page.total, page.offset), (5, None, 40));

    let page = groups
        .query()
        .sort_by("createdAt", SortOrder::Asc)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.results.len(), 1);

    // A value that tries to break out of its predicate is only ever a value.
    let page = groups
        .query()
        .name_is("x\" or name is defined or name = \"")
        .send()
        .await
        .unwrap();
    assert_eq!(page.total, Some(0));

    // Offset paging walks every group once, in order.
    let all: Vec<CustomerGroup> = groups
        .query()
        .sort("name asc")
        .limit(20)
        .pages()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 45);
    assert!(all.windows(2).all(|w| w[0].name < w[1].name));

    // A predicate the server cannot read is InvalidInput.
    let error = groups
        .query()
        .predicate("color = \"red\"")
        .send()
        .await
        .unwrap_err();
    assert_eq!(first_code(&error), CtErrorCode::InvalidInput);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_all_sees_every_one_of_more_than_10000_groups_once() {
    let sandbox = CtSandbox::builder()
        .max_customer_groups(20_000)
        .start()
        .unwrap();
    sandbox.seed_generated(10_050).unwrap();
    let groups = client(&sandbox).customer_groups();

    let all: Vec<CustomerGroup> = groups.query_all().items().try_collect().await.unwrap();
    assert_eq!(all.len(), 10_050);
    let unique: HashSet<&str> = all.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(unique.len(), 10_050);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "in id order");

    // Combined with the caller's own predicate.
    let some: Vec<CustomerGroup> = groups
        .query()
        .predicate("name > :from")
        .var("from", "Group 005000")
        .query_all()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(some.len(), 5_050);
    assert!(some.iter().all(|g| g.name.as_str() > "Group 005000"));

    // Offset paging stops at the API's offset limit: deeper sets need query_all.
    let error = groups.query().offset(10_001).send().await.unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offset_pages_past_the_offset_limit_end_in_an_error_that_points_to_query_all() {
    let sandbox = CtSandbox::builder()
        .max_customer_groups(20_000)
        .start()
        .unwrap();
    sandbox.seed_generated(10_600).unwrap();
    let groups = client(&sandbox).customer_groups();
    for concurrency in [1, 8] {
        let results: Vec<_> = groups
            .query()
            .limit(500)
            .pages()
            .concurrency(concurrency)
            .items()
            .collect()
            .await;
        let (last, items) = results.split_last().unwrap();
        assert_eq!(items.len(), 10_500, "concurrency {concurrency}");
        assert!(items.iter().all(Result::is_ok));
        let error = last.as_ref().unwrap_err();
        let Error::IncompleteListing(incomplete) = error else {
            panic!("expected an incomplete listing, got {error:?}");
        };
        assert!(incomplete.reason.contains("use query_all()"), "{error}");
        assert_eq!(incomplete.items, 10_500);
    }
    // Under the limit, the same walk ends Ok.
    let some: Vec<CustomerGroup> = groups
        .query()
        .predicate("name < :to")
        .var("to", "Group 003000")
        .limit(500)
        .pages()
        .concurrency(8)
        .items()
        .try_collect()
        .await
        .unwrap();
    let by_keyset: Vec<CustomerGroup> = groups
        .query()
        .predicate("name < :to")
        .var("to", "Group 003000")
        .query_all()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(some.len() > 2_900);
    assert_eq!(some.len(), by_keyset.len());
}

/// Renames the group through a second client, on a thread of its own: the
/// "someone else" of a conflict, run between our read and our write.
fn change_behind_our_back(sandbox_client: CtClient, id: String, name: String) {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let groups = sandbox_client.customer_groups();
            let current = groups.get(id.clone()).await.unwrap();
            groups
                .update(
                    id,
                    CustomerGroupUpdate::for_group(&current)
                        .action(UpdateAction::change_name(name)),
                )
                .await
                .unwrap();
        });
    })
    .join()
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conflict_helper_reads_again_and_retries() {
    let sandbox = CtSandbox::start().unwrap();
    let ours = client(&sandbox);
    let theirs = client(&sandbox);
    let group = ours
        .customer_groups()
        .create(CustomerGroupDraft::new("Start"))
        .await
        .unwrap();

    let calls = Arc::new(AtomicU32::new(0));
    let seen = calls.clone();
    let id = group.id.clone();
    let updated = ours
        .customer_groups()
        .update_with_retry(group.id.clone(), 3, move |current| {
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                // Someone else changes the group after we read it.
                change_behind_our_back(theirs.clone(), id.clone(), "Theirs".into());
            }
            vec![UpdateAction::change_name(format!(
                "{} + ours",
                current.name
            ))]
        })
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(updated.name, "Theirs + ours", "the retry saw their change");
    assert_eq!(updated.version, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conflict_helper_gives_up_after_its_attempts() {
    let sandbox = CtSandbox::start().unwrap();
    let ours = client(&sandbox);
    let theirs = client(&sandbox);
    let group = ours
        .customer_groups()
        .create(CustomerGroupDraft::new("Start"))
        .await
        .unwrap();
    let id = group.id.clone();
    let counter = Arc::new(AtomicU32::new(0));
    let count = counter.clone();
    let error = ours
        .customer_groups()
        .update_with_retry(group.id.clone(), 2, move |_| {
            let n = count.fetch_add(1, Ordering::SeqCst);
            change_behind_our_back(theirs.clone(), id.clone(), format!("Theirs {n}"));
            vec![UpdateAction::change_name("Ours")]
        })
        .await
        .unwrap_err();
    assert!(error.is_concurrent_modification());
    // Two updates, each met by a conflict; after the last one the group is
    // read again and the closure asked once more (its change might be in),
    // and it still wants one: the conflict stands.
    assert_eq!(counter.load(Ordering::SeqCst), 3);

    // Nothing to change: no update at all.
    let unchanged = ours
        .customer_groups()
        .update_with_retry(group.id.clone(), 2, |_| vec![])
        .await
        .unwrap();
    assert_eq!(unchanged.name, "Theirs 2");
}

#[tokio::test]
async fn the_conflict_helper_takes_borrowing_and_async_closures() {
    let sandbox = CtSandbox::start().unwrap();
    let ours = client(&sandbox);
    let groups = ours.customer_groups();
    let group = groups
        .create(CustomerGroupDraft::new("Start"))
        .await
        .unwrap();

    // The closure borrows `wanted`; the call lives no longer than it.
    let wanted = String::from("Borrowed");
    let renamed = groups
        .update_with_retry(&group.id, 3, |current| {
            if current.name == wanted {
                vec![]
            } else {
                vec![UpdateAction::change_name(&wanted)]
            }
        })
        .deadline(Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(renamed.name, "Borrowed");

    // The async variant awaits another call (here: someone else's rename,
    // made from inside the decision) before it answers; the 409 that
    // follows is retried with the group as it is then.
    let theirs = client(&sandbox).customer_groups();
    let asked = AtomicU32::new(0);
    let asked_ref = &asked;
    let updated = groups
        .update_with_retry_async(group.id.clone(), 3, |current| {
            let theirs = theirs.clone();
            async move {
                if asked_ref.fetch_add(1, Ordering::SeqCst) == 0 {
                    let change = CustomerGroupUpdate::for_group(&current)
                        .action(UpdateAction::change_name("Theirs"));
                    theirs.update(&current.id, change).await.unwrap();
                }
                vec![UpdateAction::change_name(format!(
                    "{} + ours",
                    current.name
                ))]
            }
        })
        .max_attempts(2)
        .await
        .unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    assert_eq!(updated.name, "Theirs + ours");
    assert_eq!(updated.version, 4);
}

#[tokio::test]
async fn scopes_are_enforced() {
    let sandbox = CtSandbox::builder()
        .allowed_scopes([
            "view_customer_groups:sandbox-project",
            "manage_customer_groups:sandbox-project",
        ])
        .start()
        .unwrap();
    let manager = client(&sandbox);
    let viewer_only = CtClient::builder(sandbox.project_key(), "sandbox-client", "sandbox-secret")
        .urls(sandbox.url(), sandbox.url())
        .scope("view_customer_groups:sandbox-project")
        .build()
        .unwrap();
    manager
        .customer_groups()
        .create(CustomerGroupDraft::new("by a manager"))
        .await
        .unwrap();
    viewer_only.customer_groups().query().send().await.unwrap();
    let error = viewer_only
        .customer_groups()
        .create(CustomerGroupDraft::new("x"))
        .await
        .unwrap_err();
    assert_eq!(first_code(&error), CtErrorCode::InsufficientScope);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));

    let greedy = CtClient::builder(sandbox.project_key(), "sandbox-client", "sandbox-secret")
        .urls(sandbox.url(), sandbox.url())
        .scope("manage_project:sandbox-project")
        .build()
        .unwrap();
    let error = greedy.customer_groups().query().send().await.unwrap_err();
    assert!(matches!(error, Error::Auth(_)));
    assert_eq!(error.code(), Some("invalid_scope"));

    let wrong_secret = CtClient::builder(sandbox.project_key(), "sandbox-client", "nope")
        .urls(sandbox.url(), sandbox.url())
        .build()
        .unwrap();
    let error = wrong_secret
        .customer_groups()
        .query()
        .send()
        .await
        .unwrap_err();
    assert_eq!(first_code(&error), CtErrorCode::InvalidClient);
}

#[tokio::test]
async fn an_expired_token_is_replaced_transparently() {
    let sandbox = CtSandbox::start().unwrap();
    let groups = client(&sandbox).customer_groups();
    groups.query().send().await.unwrap();
    assert_eq!(sandbox.tokens_issued(), 1);
    sandbox.expire_tokens();
    groups.query().send().await.unwrap();
    assert_eq!(sandbox.tokens_issued(), 2);
    groups.query().send().await.unwrap();
    assert_eq!(sandbox.tokens_issued(), 2, "the new token is cached");
}

#[tokio::test]
async fn injected_faults_follow_the_retry_rules() {
    let sandbox = CtSandbox::start().unwrap();
    let groups = client(&sandbox).customer_groups();
    groups.query().send().await.unwrap();
    let before = sandbox.faults().requests_received();

    sandbox.faults().inject(Fault::status(503), 2);
    groups.query().send().await.unwrap();
    assert_eq!(sandbox.faults().requests_received() - before, 3);

    sandbox.faults().inject(Fault::status(503), 1);
    let error = groups
        .create(CustomerGroupDraft::new("once"))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(sandbox.group_count(), 0);

    sandbox
        .faults()
        .inject(Fault::status(200).with_body(FaultBody::Malformed), 1);
    let error = groups.query().send().await.unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_walk_sees_every_stored_id_once_in_order() {
    for count in [10_050, 20_000] {
        let sandbox = CtSandbox::builder()
            .max_customer_groups(20_000)
            .start()
            .unwrap();
        sandbox.seed_generated(count).unwrap();
        let groups = client(&sandbox).customer_groups();
        let stored = sandbox.group_ids();
        assert_eq!(stored.len(), count);
        for concurrency in [2, 8, 13] {
            let walked: Vec<String> = groups
                .query_all()
                .concurrency(concurrency)
                .items()
                .map_ok(|group| group.id)
                .try_collect()
                .await
                .unwrap();
            assert_eq!(walked, stored, "{count} groups, concurrency {concurrency}");
        }
        let mut unordered: Vec<String> = groups
            .query_all()
            .concurrency(8)
            .unordered()
            .items()
            .map_ok(|group| group.id)
            .try_collect()
            .await
            .unwrap();
        unordered.sort();
        assert_eq!(unordered, stored, "unordered: the same ids, each once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_walk_keeps_the_callers_predicate_and_covers_ids_of_any_shape() {
    let sandbox = CtSandbox::builder()
        .max_customer_groups(20_000)
        .start()
        .unwrap();
    sandbox.seed_generated(3_000).unwrap();
    let groups = client(&sandbox).customer_groups();
    let expected: Vec<String> = groups
        .query()
        .predicate("name > :from")
        .var("from", "Group 001500")
        .query_all()
        .items()
        .map_ok(|g| g.id)
        .try_collect()
        .await
        .unwrap();
    let walked: Vec<String> = groups
        .query()
        .predicate("name > :from")
        .var("from", "Group 001500")
        .query_all()
        .concurrency(8)
        .items()
        .map_ok(|g| g.id)
        .try_collect()
        .await
        .unwrap();
    assert!(expected.len() > 1_000);
    assert_eq!(walked, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_that_fails_ends_the_walk_with_its_error() {
    let sandbox = CtSandbox::builder()
        .max_customer_groups(20_000)
        .start()
        .unwrap();
    sandbox.seed_generated(5_000).unwrap();
    let ct = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    // Some request of the walk meets a 400: the walk must not end Ok.
    let groups = ct.customer_groups();
    groups.query().limit(1).send().await.unwrap(); // the token, fetched before the faults
    let walk = groups.query_all().concurrency(4).items();
    sandbox
        .faults()
        .inject(Fault::delay(Duration::from_millis(1)), 5);
    sandbox.faults().inject(Fault::status(400), 1);
    let outcome: Vec<_> = walk.collect().await;
    assert!(
        outcome.last().is_some_and(Result::is_err),
        "the walk ends in an error"
    );
    assert!(outcome.len() < 5_000);
}

#[tokio::test]
async fn a_listing_takes_per_page_limits() {
    let sandbox = CtSandbox::start().unwrap();
    let ct = client(&sandbox);
    let groups = ct.customer_groups();
    // The token is fetched here, so the fault below meets a page request.
    groups.create(CustomerGroupDraft::new("One")).await.unwrap();

    sandbox.faults().inject(Fault::status(503), 1);
    let error = groups
        .query()
        .max_attempts(1)
        .deadline(Duration::from_secs(30))
        .pages()
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(error.api().map(|api| api.status.as_u16()), Some(503));

    sandbox.faults().inject(Fault::status(503), 1);
    let all: Vec<_> = groups.query_all().items().try_collect().await.unwrap();
    assert_eq!(all.len(), 1, "the client's retries take the 503");
}

#[test]
fn a_partitioned_walk_read_on_a_runtime_per_item_is_complete() {
    let sandbox = CtSandbox::start().unwrap();
    sandbox.seed_generated(1_200).unwrap();
    let groups = client(&sandbox).customer_groups();
    let mut walk = groups.query_all().concurrency(3).items();
    let mut walked = Vec::new();
    // Each runtime is dropped with the page fetches it started.
    loop {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        match runtime.block_on(walk.try_next()).unwrap() {
            Some(group) => walked.push(group.id),
            None => break,
        }
    }
    assert_eq!(walked, sandbox.group_ids());
}

#[tokio::test]
async fn a_predicate_nested_too_deep_is_a_400_not_a_crash() {
    let sandbox = CtSandbox::start().unwrap();
    let groups = client(&sandbox).customer_groups();
    for depth in [200, 1_000, 8_000] {
        let predicate = format!("{}name = \"x\"{}", "(".repeat(depth), ")".repeat(depth));
        let error = groups
            .query()
            .predicate(predicate)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            error.status().map(|s| s.as_u16()),
            Some(400),
            "{depth}: {error}"
        );
        assert_eq!(first_code(&error), CtErrorCode::InvalidInput, "{error}");
        assert!(error.to_string().contains("nests deeper"), "{error}");
    }
    // Still serving.
    assert_eq!(groups.query().send().await.unwrap().results.len(), 0);
}

#[tokio::test]
async fn custom_types_must_exist_and_values_fit_their_fields() {
    let sandbox = CtSandbox::start().unwrap();
    let groups = client(&sandbox).customer_groups();
    let with = |identifier: ResourceIdentifier, name: &str, value: serde_json::Value| {
        CustomerGroupDraft::new(format!("Group {}", sdk_core::random::uuid_v4()))
            .custom(CustomFieldsDraft::new(identifier).field(name, value))
    };
    // The seeded type, by key and by id.
    let seeded = groups
        .create(with(
            ResourceIdentifier::type_by_key(SEEDED_TYPE_KEY),
            "tier",
            json!("gold"),
        ))
        .await
        .unwrap();
    let custom = seeded.custom.as_ref().unwrap();
    assert_eq!(custom.type_.id, SEEDED_TYPE_ID);
    assert_eq!(
        custom.field_as::<String>("tier").unwrap().as_deref(),
        Some("gold")
    );
    groups
        .create(with(
            ResourceIdentifier::type_by_id(SEEDED_TYPE_ID),
            "flags",
            json!(["a"]),
        ))
        .await
        .unwrap();

    // An unknown type, by key or id.
    let error = groups
        .create(with(
            ResourceIdentifier::type_by_key("no-such-type"),
            "tier",
            json!("x"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        first_code(&error),
        CtErrorCode::ReferencedResourceNotFound {
            type_id: Some("type".into()),
            id: None,
            key: Some("no-such-type".into())
        }
    );
    let error = groups
        .create(with(
            ResourceIdentifier::type_by_id("no-such-id"),
            "tier",
            json!("x"),
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        first_code(&error),
        CtErrorCode::ReferencedResourceNotFound { .. }
    ));

    // A field the type does not define, and a value of the wrong type.
    for (name, value) in [
        ("nope", json!(1)),
        ("discountPercent", json!("ten")),
        ("since", json!("yesterday")),
    ] {
        let error = groups
            .create(with(
                ResourceIdentifier::type_by_key(SEEDED_TYPE_KEY),
                name,
                value,
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(first_code(&error), CtErrorCode::InvalidField { field: Some(ref f), .. } if f == name),
            "{name}: {error}"
        );
    }

    // setCustomType and setCustomField are checked the same way.
    let update = CustomerGroupUpdate::for_group(&seeded).action(UpdateAction::set_custom_field(
        "discountPercent",
        Some(json!(true)),
    ));
    let error = groups.update(&seeded.id, update).await.unwrap_err();
    assert!(
        matches!(first_code(&error), CtErrorCode::InvalidField { .. }),
        "{error}"
    );
    let update = CustomerGroupUpdate::for_group(&seeded).action(UpdateAction::set_custom_type(
        Some(ResourceIdentifier::type_by_key("missing-type")),
        None,
    ));
    let error = groups.update(&seeded.id, update).await.unwrap_err();
    assert!(matches!(
        first_code(&error),
        CtErrorCode::ReferencedResourceNotFound { .. }
    ));
}

#[tokio::test]
async fn bodies_missing_required_fields_are_invalid_json_input_as_live() {
    let sandbox = CtSandbox::start().unwrap();
    let ct = client(&sandbox);
    let group = ct
        .customer_groups()
        .create(CustomerGroupDraft::new("Gold"))
        .await
        .unwrap();
    // Sent through the core client, since the SDK never builds such bodies.
    let raw = |body: serde_json::Value, path: String| {
        sdk_core::Request::post("raw")
            .segment(ct.project_key())
            .segment("customer-groups")
            .segments(
                path.split('/')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
            )
            .json(&body)
    };
    for (body, path) in [
        (json!({"key": "no-name"}), String::new()),
        (json!({"actions": []}), group.id.clone()),
        (json!({"version": group.version}), group.id.clone()),
        (
            json!({"version": group.version, "actions": [{"action": "teleport"}]}),
            group.id.clone(),
        ),
    ] {
        let error = ct.http().send(raw(body.clone(), path)).await.unwrap_err();
        assert!(
            matches!(first_code(&error), CtErrorCode::InvalidJsonInput { .. }),
            "{body}: {error}"
        );
    }
}

#[tokio::test]
async fn head_checks_and_a_capped_total_as_live() {
    let sandbox = CtSandbox::builder()
        .max_customer_groups(10_100)
        .start()
        .unwrap();
    sandbox.seed_generated(10_050).unwrap();
    let groups = client(&sandbox).customer_groups();
    let first = sandbox.group_ids()[0].clone();
    assert!(groups.exists(&first).await.unwrap());
    assert!(!groups.exists("no-such-id").await.unwrap());
    assert!(groups.exists_by_key("group-000001").await.unwrap());
    assert!(!groups.exists_by_key("group-999999").await.unwrap());
    assert!(
        groups
            .query()
            .name_is("Group 000002")
            .exists()
            .await
            .unwrap()
    );
    assert!(!groups.query().name_is("Nobody").exists().await.unwrap());

    let unfiltered = groups.query().limit(1).send().await.unwrap();
    assert_eq!(unfiltered.total, Some(10_050));
    let filtered = groups
        .query()
        .predicate("name is defined")
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.total, Some(10_000), "counted up to the cap");
}

#[tokio::test]
async fn a_client_keeps_its_sandbox_running() {
    let ct = CtSandbox::start().unwrap().client().unwrap();
    let group = ct
        .customer_groups()
        .create(CustomerGroupDraft::new("Gold"))
        .await
        .unwrap();
    assert!(ct.customer_groups().exists(&group.id).await.unwrap());
}

#[tokio::test]
async fn a_token_request_repeating_a_scope_is_granted_it_once() {
    let sandbox = CtSandbox::start().unwrap();
    let scope = format!("manage_customer_groups:{}", sandbox.project_key());
    let repeated = vec![scope.as_str(); 45_000].join(" ");
    let http = sdk_core::client::http_client_builder().build().unwrap();
    for _ in 0..3 {
        let form = format!(
            "grant_type=client_credentials&scope={}",
            repeated.replace(':', "%3A").replace(' ', "+")
        );
        let answer = http
            .post(format!("{}/oauth/token", sandbox.url()))
            .basic_auth("sandbox-client", Some("sandbox-secret"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(answer["scope"], json!(scope), "once, however often asked");
    }
    assert_eq!(sandbox.tokens_held(), 3);
    assert_eq!(sandbox.tokens_dropped(), 0);
}
