//! Each rule of the document's field tables is checked before sending, the
//! refusal names the field and the rule, and validation can be turned off.

mod common;

use common::{client, draft, endpoint, fixture, length_rules, long};
use pos_customer_sdk::validation::{validate_draft, validate_patch};
use pos_customer_sdk::{
    Address, CustomerDraft, CustomerGroupDraft, CustomerPatch, DiscountDraft, Gender, PosClient,
};
use sdk_core::Error;
use wiremock::{MockServer, ResponseTemplate};

#[test]
fn every_length_rule_allows_its_limit_and_refuses_one_more() {
    for (field, at_limit, over) in length_rules() {
        assert!(validate_draft(&at_limit).is_ok(), "{field} at its limit");
        let refused = validate_draft(&over).unwrap_err();
        assert_eq!(refused.field, field);
        assert!(
            refused.rule.starts_with("at most"),
            "{field}: {}",
            refused.rule
        );
    }
}

#[test]
fn lengths_count_characters_not_bytes() {
    assert!(validate_draft(&draft().title("ü".repeat(50))).is_ok());
}

#[test]
fn number_must_not_be_blank() {
    for blank in ["", "   "] {
        let refused = validate_draft(&CustomerDraft::new(blank, "g")).unwrap_err();
        assert_eq!(refused.field, "number");
        assert_eq!(refused.rule, "must not be blank");
    }
}

#[test]
fn patches_check_only_the_fields_they_set() {
    assert!(validate_patch(&CustomerPatch::new()).is_ok());
    assert!(validate_patch(&CustomerPatch::new().active(false)).is_ok());
    assert_eq!(
        validate_patch(&CustomerPatch::new().number(" "))
            .unwrap_err()
            .field,
        "number"
    );
    assert_eq!(
        validate_patch(&CustomerPatch::new().phones(["1", &long(51)]))
            .unwrap_err()
            .field,
        "phones[1]"
    );
    assert_eq!(
        validate_patch(&CustomerPatch::new().address(Address::existing("a1").zip(long(51))))
            .unwrap_err()
            .field,
        "addresses[0].zip"
    );
}

#[tokio::test]
async fn a_refused_request_is_never_sent() {
    let server = MockServer::start().await;
    let pos = client(&server);
    let error = pos
        .customers()
        .create(draft().first_name(long(101)))
        .await
        .unwrap_err();
    let Error::InvalidInput(invalid) = &error else {
        panic!("expected invalid input, got {error:?}");
    };
    assert_eq!(invalid.field, "firstName");
    assert!(
        error
            .to_string()
            .contains("firstName: at most 100 characters")
    );
    assert!(!error.request_may_have_been_sent());

    let error = pos
        .customers()
        .patch_many(vec![
            ("a".into(), CustomerPatch::new()),
            ("b".into(), CustomerPatch::new().title(long(51))),
        ])
        .await
        .unwrap_err();
    assert!(error.to_string().contains("[1].title"), "{error}");
    assert!(
        pos.discounts()
            .create(DiscountDraft::new(" ", 1))
            .await
            .is_err()
    );
    assert!(
        pos.customer_groups()
            .create(CustomerGroupDraft::new(""))
            .await
            .is_err()
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn validation_can_be_turned_off() {
    let server = MockServer::start().await;
    endpoint("POST", "/customers")
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("error_response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let pos = PosClient::builder(server.uri(), common::TOKEN, common::OPERATOR)
        .validation(false)
        .build()
        .unwrap();
    assert!(!pos.validates());
    let error = pos
        .customers()
        .create(draft().first_name(long(101)))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
}

#[test]
fn gender_goes_out_only_as_m_w_or_u() {
    for known in [Gender::Male, Gender::Female, Gender::Unspecified] {
        assert!(validate_draft(&draft().gender(known)).is_ok());
    }
    for unknown in ["D", "X", "m", ""] {
        let refused = validate_draft(&draft().gender(Gender::Other(unknown.into()))).unwrap_err();
        assert_eq!(refused.field, "gender");
        assert!(
            refused.rule.starts_with("must be M, W or U"),
            "{}",
            refused.rule
        );
        let refused = validate_patch(&CustomerPatch::new().gender(Gender::Other(unknown.into())))
            .unwrap_err();
        assert_eq!(refused.field, "gender");
    }
}

#[tokio::test]
async fn birthdays_go_out_as_exactly_yyyy_mm_dd_and_years_past_9999_are_refused() {
    use chrono::NaiveDate;
    let server = MockServer::start().await;
    endpoint("POST", "/customers")
        .and(wiremock::matchers::body_partial_json(
            serde_json::json!({"birthday": "0999-01-05"}),
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(fixture("create_customer_response.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let pos = client(&server);
    let early = NaiveDate::from_ymd_opt(999, 1, 5).unwrap();
    pos.customers()
        .create(draft().birthday(early))
        .await
        .unwrap();
    for year in [10_000, -1] {
        let date = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        let refused = pos
            .customers()
            .create(draft().birthday(date))
            .await
            .unwrap_err();
        let Error::InvalidInput(invalid) = &refused else {
            panic!("{year}: {refused:?}");
        };
        assert_eq!(invalid.field, "birthday");
        let refused = pos
            .customers()
            .patch("c-1", CustomerPatch::new().birthday(date))
            .await
            .unwrap_err();
        assert!(matches!(refused, Error::InvalidInput(_)), "{year}");
    }
    // With validation off, the body still cannot carry a malformed date.
    let unchecked = PosClient::builder(server.uri(), common::TOKEN, common::OPERATOR)
        .validation(false)
        .build()
        .unwrap();
    let date = NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap();
    assert!(
        unchecked
            .customers()
            .create(draft().birthday(date))
            .await
            .is_err()
    );
    // Only the one valid create reached the server (checked by `expect(1)`).
}

#[tokio::test]
async fn headers_that_frame_or_route_a_request_are_refused_before_sending() {
    use pos_customer_sdk::prelude::*;
    use pos_customer_sdk::sandbox::PosSandbox;

    let sandbox = PosSandbox::start().unwrap();
    let pos = sandbox.client().unwrap();
    let group = pos
        .customer_groups()
        .create(CustomerGroupDraft::new("Regulars"))
        .await
        .unwrap();
    let before = sandbox.faults().requests_received();
    for name in [
        "Content-Length",
        "Transfer-Encoding",
        "Host",
        "Connection",
        "Upgrade",
        "Expect",
        "TE",
        "Trailer",
        "Keep-Alive",
        "Proxy-Authorization",
    ] {
        let error = pos
            .customers()
            .create(CustomerDraft::new("1001", group.id.clone()))
            .header(name, "10")
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidInput(_)), "{name}: {error:?}");
        assert!(
            error.to_string().contains(&name.to_ascii_lowercase()),
            "{name}: {error}"
        );
    }
    assert_eq!(
        sandbox.faults().requests_received(),
        before,
        "nothing was sent"
    );
    assert_eq!(pos.customers().list().await.unwrap().len(), 0);

    // Nor as static auth headers or a client's default headers.
    let refused = sdk_core::auth::StaticHeaders::new().with("Host", "elsewhere.example");
    assert!(matches!(refused, Err(Error::InvalidInput(_))));
    let refused = sdk_core::Client::builder(sandbox.url())
        .default_header(
            sdk_core::http::HeaderName::from_static("transfer-encoding"),
            sdk_core::http::HeaderValue::from_static("chunked"),
        )
        .build();
    assert!(matches!(refused, Err(Error::InvalidInput(_))));
    // Other headers still go out.
    pos.customers()
        .create(CustomerDraft::new("1001", group.id.clone()))
        .header("X-Request-Source", "nightly-sync")
        .await
        .unwrap();
}
