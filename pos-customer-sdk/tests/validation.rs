//! Each rule of the document's field tables is checked before sending, the
//! refusal names the field and the rule, and validation can be turned off.

mod common;

use common::{client, endpoint, fixture};
use pos_customer_sdk::validation::{validate_draft, validate_patch};
use pos_customer_sdk::{
    Address, CustomerDraft, CustomerGroupDraft, CustomerPatch, DiscountDraft, Gender, PosClient,
};
use sdk_core::Error;
use wiremock::{MockServer, ResponseTemplate};

fn draft() -> CustomerDraft {
    CustomerDraft::new("1", "9168aa78-e0a3-42ec-a43c-87f0ad666f69")
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

/// `(field, draft at the limit, draft one over the limit)` for every length rule.
fn length_rules() -> Vec<(&'static str, CustomerDraft, CustomerDraft)> {
    let text = |n: usize| long(n);
    vec![
        (
            "number",
            CustomerDraft::new(text(255), "g"),
            CustomerDraft::new(text(256), "g"),
        ),
        ("title", draft().title(text(50)), draft().title(text(51))),
        (
            "salutation",
            draft().salutation(text(50)),
            draft().salutation(text(51)),
        ),
        (
            "firstName",
            draft().first_name(text(100)),
            draft().first_name(text(101)),
        ),
        (
            "lastName",
            draft().last_name(text(100)),
            draft().last_name(text(101)),
        ),
        (
            "companyName",
            draft().company_name(text(255)),
            draft().company_name(text(256)),
        ),
        (
            "companyPosition",
            draft().company_position(text(255)),
            draft().company_position(text(256)),
        ),
        (
            "addresses[0].street",
            draft().address(Address::new().street(text(255))),
            draft().address(Address::new().street(text(256))),
        ),
        (
            "addresses[0].building",
            draft().address(Address::new().building(text(100))),
            draft().address(Address::new().building(text(101))),
        ),
        (
            "addresses[1].zip",
            draft()
                .address(Address::new())
                .address(Address::new().zip(text(50))),
            draft()
                .address(Address::new())
                .address(Address::new().zip(text(51))),
        ),
        (
            "addresses[0].city",
            draft().address(Address::new().city(text(255))),
            draft().address(Address::new().city(text(256))),
        ),
        (
            "emails[1]",
            draft().email("a").email(text(100)),
            draft().email("a").email(text(101)),
        ),
        (
            "phones[0]",
            draft().phone(text(50)),
            draft().phone(text(51)),
        ),
        ("urls[0]", draft().url(text(255)), draft().url(text(256))),
        (
            "socials[0]",
            draft().social(text(255)),
            draft().social(text(256)),
        ),
        (
            "gender",
            draft().gender(Gender::Other(text(5))),
            draft().gender(Gender::Other(text(6))),
        ),
    ]
}

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
        pos.groups()
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
