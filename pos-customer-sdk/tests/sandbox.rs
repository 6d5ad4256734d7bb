//! The whole client against the stateful sandbox, faults included.

mod common;

use std::time::Duration;

use chrono::NaiveDate;
use pos_customer_sdk::sandbox::PosSandbox;
use pos_customer_sdk::{
    Address, CustomerDraft, CustomerGroupDraft, CustomerGroupPatch, CustomerId, CustomerPatch,
    DiscountDraft, DiscountPatch, PosClient, PosErrorExt, PosErrorKind, Upserted,
};
use sdk_core::sandbox::{Fault, FaultBody};
use sdk_core::{Backoff, Error, RetryPolicy};

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::new(
        Duration::from_millis(1),
        Duration::from_millis(5),
    ))
}

fn client(sandbox: &PosSandbox) -> PosClient {
    sandbox
        .client_builder()
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

#[tokio::test]
async fn customers_groups_and_discounts_round_trip() {
    let sandbox = PosSandbox::start().unwrap();
    let pos = client(&sandbox);

    // A group with an unknown discount is a broken reference.
    let error = pos
        .customer_groups()
        .create(CustomerGroupDraft::new("Gold").discount(999))
        .await
        .unwrap_err();
    assert_eq!(error.pos_kind(), Some(PosErrorKind::BrokenReference));

    let discount = pos
        .discounts()
        .create(DiscountDraft::new("5 proz", 5))
        .await
        .unwrap();
    let discount_id = discount.id.clone();
    assert!(discount_id.is_integer());
    let group = pos
        .customer_groups()
        .create(CustomerGroupDraft::new("Gold").discount(discount_id.clone()))
        .await
        .unwrap();
    let group_id = group.id.clone();
    assert_eq!(group.discount.unwrap().name.as_deref(), Some("5 proz"));

    // A customer in an unknown group is a broken reference.
    let error = pos
        .customers()
        .create(CustomerDraft::new("1", "no-such-group"))
        .await
        .unwrap_err();
    assert_eq!(error.pos_kind(), Some(PosErrorKind::BrokenReference));

    let created = pos
        .customers()
        .create(
            CustomerDraft::new("1001", group_id.clone())
                .first_name("Sarah")
                .last_name("Connor")
                .email("sarah@example.com")
                .address(Address::new().street("Main St").city("LA")),
        )
        .await
        .unwrap();
    let id = created.id.clone();
    assert_eq!(created.balance.as_ref().unwrap().as_str(), "0.00");
    assert_eq!(
        created.customer_group.as_ref().unwrap().name.as_deref(),
        Some("Gold")
    );
    let address_id = created.addresses[0].id.clone().unwrap();

    let fetched = pos.customers().get(id.clone()).await.unwrap();
    assert_eq!(fetched, created);

    // PATCH: an address with an id is updated, one without is added.
    let patched = pos
        .customers()
        .patch(
            id.clone(),
            CustomerPatch::new()
                .active(false)
                .address(Address::existing(address_id.clone()).zip("90001"))
                .address(Address::new().city("San Diego")),
        )
        .await
        .unwrap();
    assert_eq!(patched.active, Some(false));
    assert_eq!(
        patched.first_name.as_deref(),
        Some("Sarah"),
        "untouched fields stay"
    );
    assert_eq!(patched.addresses.len(), 2);
    assert_eq!(patched.addresses[0].id.as_ref(), Some(&address_id));
    assert_eq!(patched.addresses[0].zip.as_deref(), Some("90001"));
    assert_eq!(patched.addresses[0].street.as_deref(), Some("Main St"));
    assert_eq!(patched.addresses[1].city.as_deref(), Some("San Diego"));

    // PUT under a client-chosen id: created first, replaced after.
    let chosen = CustomerId::new_uuid();
    let draft = CustomerDraft::new("1002", group_id.clone()).last_name("Reese");
    let first = pos
        .customers()
        .replace(chosen.clone(), draft.clone())
        .await
        .unwrap();
    assert!(first.was_created());
    let again = pos
        .customers()
        .replace(chosen.clone(), draft)
        .await
        .unwrap();
    assert!(matches!(again, Upserted::Replaced(_)));
    assert_eq!(again.get().id, chosen);

    let all = pos.customers().list().await.unwrap();
    assert_eq!(all.len(), 2);

    // Lists: 201 when one is new, 200 when all existed.
    let third = CustomerId::new_uuid();
    let many = vec![
        (chosen.clone(), CustomerDraft::new("1002", group_id.clone())),
        (third.clone(), CustomerDraft::new("1003", group_id.clone())),
    ];
    assert!(
        pos.customers()
            .replace_many(many.clone())
            .await
            .unwrap()
            .was_created()
    );
    assert!(
        !pos.customers()
            .replace_many(many)
            .await
            .unwrap()
            .was_created()
    );
    let patched = pos
        .customers()
        .patch_many(vec![
            (chosen.clone(), CustomerPatch::new().first_name("Kyle")),
            (third.clone(), CustomerPatch::new().first_name("John")),
        ])
        .await
        .unwrap();
    assert_eq!(patched[1].first_name.as_deref(), Some("John"));
    assert_eq!(sandbox.customer_count(), 3);

    // Discounts and groups.
    let renamed = pos
        .discounts()
        .patch(
            discount_id.clone(),
            DiscountPatch::new().name("7 proz").value(7),
        )
        .await
        .unwrap();
    assert_eq!(renamed.value.unwrap().as_str(), "7");
    let replaced = pos
        .discounts()
        .replace(
            discount_id.clone(),
            DiscountDraft::new("8 proz", 8).absolute(true),
        )
        .await
        .unwrap();
    assert_eq!(replaced.absolute, Some(true));
    assert_eq!(pos.discounts().list().await.unwrap().len(), 1);
    assert_eq!(
        pos.discounts()
            .get(discount_id.clone())
            .await
            .unwrap()
            .name
            .as_deref(),
        Some("8 proz")
    );
    let group = pos
        .customer_groups()
        .patch(group_id.clone(), CustomerGroupPatch::new().name("Platinum"))
        .await
        .unwrap();
    assert_eq!(group.name.as_deref(), Some("Platinum"));
    let group = pos
        .customer_groups()
        .replace(group_id.clone(), CustomerGroupDraft::new("Gold again"))
        .await
        .unwrap();
    assert!(group.discount.is_none());
    assert_eq!(pos.customer_groups().list().await.unwrap().len(), 1);
    assert_eq!(
        pos.customer_groups()
            .get(group_id.clone())
            .await
            .unwrap()
            .name
            .as_deref(),
        Some("Gold again")
    );

    // A group with customers cannot go; an unused discount can.
    let error = pos
        .customer_groups()
        .delete(group_id.clone())
        .await
        .unwrap_err();
    assert_eq!(error.pos_kind(), Some(PosErrorKind::BrokenReference));
    let deleted = pos.discounts().delete(discount_id.clone()).await.unwrap();
    assert!(deleted.details.unwrap().contains("was deleted"));
    assert!(
        pos.discounts()
            .get(discount_id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        pos.customers()
            .get("nobody")
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn modified_since_filters_by_the_day_of_the_last_change() {
    let sandbox = PosSandbox::start().unwrap();
    let day = |d| NaiveDate::from_ymd_opt(2024, 3, d).unwrap();
    sandbox.set_date(day(1));
    sandbox.seed_documented_examples();
    let pos = client(&sandbox);
    let old = pos
        .customers()
        .create(CustomerDraft::new("old", 1))
        .await
        .unwrap();
    sandbox.set_date(day(10));
    let new = pos
        .customers()
        .create(CustomerDraft::new("new", 1))
        .await
        .unwrap();

    let since = pos.customers().list_modified_since(day(5)).await.unwrap();
    let numbers: Vec<_> = since.iter().filter_map(|c| c.number.as_deref()).collect();
    assert!(
        numbers.contains(&"new") && !numbers.contains(&"old"),
        "{numbers:?}"
    );

    sandbox.set_date(day(20));
    pos.customers()
        .patch(old.id, CustomerPatch::new().description("touched"))
        .await
        .unwrap();
    let since = pos.customers().list_modified_since(day(15)).await.unwrap();
    assert_eq!(since.len(), 1);
    assert_eq!(since[0].number.as_deref(), Some("old"));
    assert!(since.iter().all(|c| c.id != new.id));
}

#[tokio::test]
async fn documented_examples_can_be_seeded() {
    let sandbox = PosSandbox::start().unwrap();
    sandbox.seed_documented_examples();
    let pos = client(&sandbox);
    let customer = pos
        .customers()
        .get("231b949c-332b-4194-aba5-8f00e828a49b")
        .await
        .unwrap();
    assert_eq!(customer.balance.unwrap().as_str(), "100.00");
    assert_eq!(
        customer.customer_group.unwrap().name.as_deref(),
        Some("Stammkunden")
    );
    assert_eq!(pos.customers().list().await.unwrap().len(), 2);
    assert_eq!(pos.customer_groups().list().await.unwrap().len(), 3);
    assert_eq!(pos.discounts().list().await.unwrap().len(), 3);
    let group = pos.customer_groups().get(1).await.unwrap();
    assert_eq!(
        group.discount.unwrap().name.as_deref(),
        Some("name of discount with id 14")
    );
}

#[tokio::test]
async fn wrong_credentials_are_refused_with_403() {
    let sandbox = PosSandbox::start().unwrap();
    let pos = PosClient::builder(sandbox.url(), "wrong", "sandbox-operator")
        .build()
        .unwrap();
    let error = pos.customers().list().await.unwrap_err();
    assert_eq!(error.pos_kind(), Some(PosErrorKind::BadCredentials));
    assert!(
        error
            .api()
            .unwrap()
            .message
            .as_deref()
            .unwrap()
            .contains("token")
    );
}

#[tokio::test]
async fn an_unknown_operator_is_not_found_as_the_document_says() {
    let sandbox = PosSandbox::start().unwrap();
    let token = sandbox
        .env_vars()
        .into_iter()
        .find(|(name, _)| *name == "POS_TOKEN")
        .map(|(_, token)| token)
        .unwrap();
    let pos = PosClient::builder(sandbox.url(), token, "another-operator")
        .build()
        .unwrap();
    let error = pos.customers().list().await.unwrap_err();
    assert_eq!(error.pos_kind(), Some(PosErrorKind::NotFound));
}

#[tokio::test]
async fn the_sandbox_validates_like_the_document() {
    let sandbox = PosSandbox::start().unwrap();
    sandbox.seed_documented_examples();
    let pos = sandbox.client_builder().validation(false).build().unwrap();
    let cases = [
        CustomerDraft::new(" ", 1),
        CustomerDraft::new("1", 1).title("t".repeat(51)),
        CustomerDraft::new("1", 1).address(Address::new().zip("z".repeat(51))),
        CustomerDraft::new("1", 1).email("e".repeat(101)),
    ];
    for draft in cases {
        let error = pos.customers().create(draft).await.unwrap_err();
        assert_eq!(
            error.pos_kind(),
            Some(PosErrorKind::InvalidRequest),
            "{error}"
        );
        assert_eq!(error.api().unwrap().code.as_deref(), Some("400"));
    }
    let error = pos
        .customers()
        .patch(
            "231b949c-332b-4194-aba5-8f00e828a49b",
            CustomerPatch::new().address(Address::existing("nope")),
        )
        .await
        .unwrap_err();
    assert_eq!(error.pos_kind(), Some(PosErrorKind::BrokenReference));
}

#[tokio::test]
async fn injected_server_errors_are_retried_for_reads() {
    let sandbox = PosSandbox::start().unwrap();
    let pos = client(&sandbox);
    sandbox
        .faults()
        .inject(Fault::status(503).with_retry_after("0"), 2);
    assert!(pos.customers().list().await.unwrap().is_empty());
    assert_eq!(sandbox.faults().requests_received(), 3);
}

#[tokio::test]
async fn an_injected_503_on_create_is_not_retried() {
    let sandbox = PosSandbox::start().unwrap();
    sandbox.seed_documented_examples();
    let pos = client(&sandbox);
    sandbox.faults().inject(Fault::status(503), 1);
    let error = pos
        .customers()
        .create(CustomerDraft::new("1", 1))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(sandbox.faults().requests_received(), 1);
    assert_eq!(sandbox.customer_count(), 2, "nothing was created");
}

#[tokio::test]
async fn injected_bad_bodies_become_typed_errors() {
    let sandbox = PosSandbox::start().unwrap();
    let pos = client(&sandbox);

    sandbox
        .faults()
        .inject(Fault::status(200).with_body(FaultBody::Malformed), 1);
    let error = pos.customers().list().await.unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");

    sandbox
        .faults()
        .inject(Fault::status(502).with_body(FaultBody::Html), 3);
    let error = pos.customer_groups().list().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert!(error.api().unwrap().body.contains("<html>"));

    sandbox
        .faults()
        .inject(Fault::status(429).with_retry_after("3600"), 1);
    let error = pos.discounts().list().await.unwrap_err();
    let Error::RateLimited(limited) = &error else {
        panic!("expected rate limited, got {error:?}");
    };
    assert_eq!(limited.retry_after, Duration::from_secs(3600));
}

#[tokio::test]
async fn an_injected_delay_meets_the_attempt_timeout() {
    let sandbox = PosSandbox::start().unwrap();
    let pos = sandbox
        .client_builder()
        .attempt_timeout(Some(Duration::from_millis(100)))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    sandbox
        .faults()
        .inject(Fault::delay(Duration::from_secs(5)), 1);
    let error = pos.customers().list().await.unwrap_err();
    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
    // The fault is spent: the next call is answered.
    assert!(pos.customers().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_sandbox_holds_every_length_rule_of_the_document_on_its_own() {
    // With the client's validation off, only the sandbox's own rules (written
    // from the document's table) stand between a draft and the store.
    let sandbox = PosSandbox::start().unwrap();
    let pos = sandbox
        .client_builder()
        .validation(false)
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let group = pos
        .customer_groups()
        .create(CustomerGroupDraft::new("Rules"))
        .await
        .unwrap()
        .id;
    for (field, at_limit, over) in common::length_rules() {
        let mut at_limit = at_limit;
        let mut over = over;
        at_limit.customer_group = group.clone();
        over.customer_group = group.clone();
        pos.customers()
            .create(at_limit)
            .await
            .unwrap_or_else(|error| panic!("{field} at its limit: {error}"));
        let refused = pos.customers().create(over).await.unwrap_err();
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(400), "{field}");
    }
    // `gender`: the document's restriction is a length of at most 5.
    let too_long = common::draft().gender(pos_customer_sdk::Gender::Other("x".repeat(6)));
    let mut too_long = too_long;
    too_long.customer_group = group.clone();
    let refused = pos.customers().create(too_long).await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(400));
}

#[tokio::test]
async fn a_request_body_over_the_sandbox_limit_is_refused_unread() {
    use pos_customer_sdk::sandbox::{SANDBOX_OPERATOR, SANDBOX_TOKEN};
    let sandbox = PosSandbox::start().unwrap();
    let raw = sdk_core::Client::builder(format!("{}/api/customer/v3.0", sandbox.url()))
        .auth(
            sdk_core::auth::StaticHeaders::new()
                .with("X-Token", SANDBOX_TOKEN)
                .unwrap()
                .with("X-Operator", SANDBOX_OPERATOR)
                .unwrap(),
        )
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let too_large = format!(
        r#"{{"lastName": "{}"}}"#,
        "x".repeat(sdk_core::sandbox::MAX_REQUEST_BODY_BYTES)
    );
    let error = raw
        .send(
            sdk_core::Request::post("create_customer")
                .segment("customers")
                .body(
                    too_large.into_bytes(),
                    sdk_core::http::header::HeaderValue::from_static("application/json"),
                ),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(413), "{error}");
    // The sandbox goes on serving.
    assert!(
        client(&sandbox)
            .customers()
            .list()
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_client_keeps_its_sandbox_running() {
    let pos = PosSandbox::start().unwrap().client().unwrap();
    assert!(pos.customers().list().await.unwrap().is_empty());
    let clone = pos.clone();
    drop(pos);
    assert!(clone.customer_groups().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_sandbox_clock_stamps_changes_and_dates_answers() {
    use chrono::{DateTime, Utc};
    use pos_customer_sdk::{CustomerDraft, CustomerGroupDraft};

    let sandbox = PosSandbox::start().unwrap();
    let pos = sandbox.client().unwrap();
    let start: DateTime<Utc> = "2026-03-01T12:00:00Z".parse().unwrap();
    sandbox.clock().set(start);
    let group = pos
        .customer_groups()
        .create(CustomerGroupDraft::new("Regulars"))
        .await
        .unwrap();
    pos.customers()
        .create(CustomerDraft::new("1", group.id.clone()))
        .await
        .unwrap();
    sandbox.clock().advance(Duration::from_secs(2 * 86_400));
    pos.customers()
        .create(CustomerDraft::new("2", group.id.clone()))
        .await
        .unwrap();
    let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    assert_eq!(
        pos.customers()
            .list_modified_since(day(1))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        pos.customers()
            .list_modified_since(day(2))
            .await
            .unwrap()
            .len(),
        1
    );
    // Every answer is dated by the clock.
    let last = sandbox.requests().all().pop().unwrap();
    let date = last
        .response_headers
        .iter()
        .find(|(name, _)| name == "date")
        .map(|(_, value)| value.clone());
    assert_eq!(date.as_deref(), Some("Tue, 03 Mar 2026 12:00:00 GMT"));
}
