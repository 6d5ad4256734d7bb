//! `ensure` and `ensure_all` against commercetools-mock, the third-party
//! emulator users test with (it ignores `sort`, answers `"scope": "todo"`,
//! keeps neither names nor keys unique, and reads at most 20 values of a
//! repeated query parameter): nothing here leans on our own sandbox.
//!
//! Skipped unless `CT_MOCK_URL` names a running mock; the README says how
//! to start one (`npx` of the npm package `@labdigital/commercetools-mock`).

use ct_customer_groups_sdk::{
    CtClient, CustomFieldsDraft, CustomerGroupDraft, Ensured, ResourceIdentifier, Tally,
    UpdateAction, serde_json::json,
};

/// The mock's URL, or `None` (the test is skipped) when it is not set.
fn mock_url() -> Option<String> {
    let url = std::env::var("CT_MOCK_URL")
        .ok()
        .filter(|url| !url.is_empty());
    if url.is_none() {
        eprintln!("CT_MOCK_URL is not set: skipping the commercetools-mock test");
    }
    url
}

/// Creates the custom type `key` in `project` through the mock's Types API.
async fn create_type(url: &str, project: &str, key: &str) {
    let http = ct_customer_groups_sdk::http_client_builder()
        .build()
        .unwrap();
    let token = http
        .post(format!("{url}/oauth/token?grant_type=client_credentials"))
        .basic_auth("mock-client", Some("mock-secret"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token: serde_json::Value = serde_json::from_str(&token).unwrap();
    let definition = |name: &str, kind: &str| {
        json!({"name": name, "type": {"name": kind}, "required": false,
               "label": {"en": name}, "inputHint": "SingleLine"})
    };
    let status = http
        .post(format!("{url}/{project}/types"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .header("content-type", "application/json")
        .body(
            json!({
                "key": key,
                "name": {"en": key},
                "resourceTypeIds": ["customer-group"],
                "fieldDefinitions": [definition("points", "Number"), definition("enrolledAt", "DateTime")],
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "creating the type: {status}");
}

#[tokio::test]
async fn ensure_all_reaches_the_desired_state_and_then_writes_nothing_on_commercetools_mock() {
    let Some(url) = mock_url() else { return };
    let url = url.trim_end_matches('/').to_owned();
    // A project of its own: the mock keeps every project it is asked for.
    let project = format!("sdk-{}", sdk_core::random::uuid_v4().simple());
    create_type(&url, &project, "loyalty").await;
    let ct = CtClient::builder(&project, "mock-client", "mock-secret")
        .urls(&url, &url)
        .build()
        .unwrap();
    let draft = |n: usize| {
        let draft = CustomerGroupDraft::new(format!("Store {n:04}")).key(format!("store-{n:04}"));
        if n.is_multiple_of(2) {
            return draft;
        }
        draft.custom(
            CustomFieldsDraft::new(ResourceIdentifier::type_by_key("loyalty"))
                .field("points", n)
                .field("enrolledAt", "2024-05-01T12:00:00+02:00"),
        )
    };
    let drafts: Vec<_> = (0..600).map(draft).collect();

    let first = ct
        .customer_groups()
        .ensure_all(drafts.clone())
        .await
        .unwrap();
    let tally = Tally::of(&first);
    assert_eq!(
        (tally.created, tally.failed),
        (600, 0),
        "{tally}: {:?}",
        first.first()
    );
    for (outcome, draft) in first.iter().zip(&drafts) {
        let group = outcome.as_ref().unwrap().resource();
        assert_eq!(UpdateAction::diff(group, draft), vec![], "{group:?}");
    }

    let second = ct
        .customer_groups()
        .ensure_all(drafts.clone())
        .await
        .unwrap();
    let tally = Tally::of(&second);
    let failure = second.iter().find_map(|outcome| outcome.as_ref().err());
    assert_eq!(tally.unchanged, 600, "{tally}: {failure:?}");

    let mut renamed = drafts;
    for draft in renamed.iter_mut().step_by(10) {
        draft.group_name.push_str(" (renamed)");
    }
    let third = ct
        .customer_groups()
        .ensure_all(renamed.clone())
        .await
        .unwrap();
    let tally = Tally::of(&third);
    assert_eq!(
        (tally.updated, tally.changes, tally.unchanged),
        (60, 60, 540),
        "{tally}"
    );

    let one = ct
        .customer_groups()
        .ensure(renamed[1].clone())
        .await
        .unwrap();
    assert!(matches!(one, Ensured::Unchanged(_)), "{one:?}");
}
