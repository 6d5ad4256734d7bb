//! Every shape the document shows decodes, one test per shape.

use pos_customer_sdk::{Customer, CustomerGroupId, CustomerId, Decimal, DiscountId, Gender};
use serde_json::json;

/// Decodes `value`, given an id when it has none: every answer but a
/// PATCH's carries one, and these tests are about the other fields.
fn customer(mut value: serde_json::Value) -> Customer {
    if let Some(fields) = value.as_object_mut() {
        let inner = fields.get_mut("customer").and_then(|c| c.as_object_mut());
        match inner {
            Some(inner) => inner.entry("id").or_insert(json!("c0")),
            None => fields.entry("id").or_insert(json!("c0")),
        };
    }
    serde_json::from_value(value).unwrap()
}

#[test]
fn a_plain_customer_with_lists_inside() {
    let c = customer(
        json!({"id": "c1", "number": "7", "emails": ["a@b.c"], "addresses": [{"city": "Bernau"}]}),
    );
    assert_eq!(c.id, CustomerId::text("c1"));
    assert_eq!(c.emails, ["a@b.c"]);
    assert_eq!(c.addresses[0].city.as_deref(), Some("Bernau"));
}

#[test]
fn a_wrapped_customer_with_lists_inside() {
    let c = customer(json!({"customer": {"id": "c1", "phones": ["1"], "urls": ["u"]}}));
    assert_eq!(c.id, CustomerId::text("c1"));
    assert_eq!(c.phones, ["1"]);
    assert_eq!(c.urls, ["u"]);
}

#[test]
fn a_wrapped_customer_with_lists_beside_it() {
    let c = customer(json!({
        "customer": {"id": "c1", "number": "1"},
        "addresses": [{"street": "Baker"}],
        "emails": ["e"], "socials": ["s"], "phones": ["p"], "urls": ["u"]
    }));
    assert_eq!(c.number.as_deref(), Some("1"));
    assert_eq!(c.addresses[0].street.as_deref(), Some("Baker"));
    assert_eq!(
        (
            c.emails.len(),
            c.socials.len(),
            c.phones.len(),
            c.urls.len()
        ),
        (1, 1, 1, 1)
    );
}

#[test]
fn lists_inside_win_over_lists_beside() {
    let c = customer(json!({"customer": {"id": "c1", "emails": ["inside"]}, "emails": ["beside"]}));
    assert_eq!(c.emails, ["inside"]);
}

#[test]
fn list_items_plain_and_wrapped_mix_in_one_list() {
    #[derive(serde::Deserialize)]
    struct List {
        customers: Vec<Customer>,
    }
    let list: List = serde_json::from_value(json!({"customers": [
        {"id": "plain", "emails": ["p@x"]},
        {"customer": {"id": "wrapped"}, "emails": ["w@x"]}
    ]}))
    .unwrap();
    assert_eq!(list.customers[0].emails, ["p@x"]);
    assert_eq!(list.customers[1].id, CustomerId::text("wrapped"));
    assert_eq!(list.customers[1].emails, ["w@x"]);
}

#[test]
fn missing_optional_fields_decode_and_a_missing_id_is_named() {
    let c = customer(json!({"id": "c1"}));
    let mut expected = Customer::default();
    expected.id = CustomerId::text("c1");
    assert_eq!(c, expected);
    let c = customer(json!({"customer": {"id": "c1"}}));
    assert!(c.addresses.is_empty() && c.id == CustomerId::text("c1"));
    let c = customer(
        json!({"id": 1, "emails": null, "birthday": null, "gender": null, "birthday2": 1}),
    );
    assert!(c.emails.is_empty() && c.birthday.is_none());
    // Every answer but a PATCH's carries the id (that one is filled from the path).
    for no_id in [json!({}), json!({"customer": {}}), json!({"id": ""})] {
        let error = serde_json::from_value::<Customer>(no_id).unwrap_err();
        assert!(error.to_string().contains("missing field `id`"), "{error}");
    }
}

#[test]
fn unknown_fields_are_ignored() {
    let c = customer(
        json!({"id": "c1", "loyaltyTier": "gold", "customerGroup": {"id": "g", "color": "red"},
                            "addresses": [{"city": "X", "geo": {"lat": 1}}]}),
    );
    assert_eq!(c.customer_group.unwrap().id, CustomerGroupId::text("g"));
    assert_eq!(c.addresses[0].city.as_deref(), Some("X"));
}

#[test]
fn ids_may_be_strings_or_numbers() {
    let c = customer(json!({"id": 42, "customerGroup": {"id": 7}}));
    assert_eq!(c.id.as_integer(), Some(42));
    let group = c.customer_group.unwrap();
    assert!(group.id.is_integer());
    assert_eq!(serde_json::to_value(&group.id).unwrap(), json!(7));
    let discount: DiscountId = serde_json::from_value(json!("13")).unwrap();
    assert_eq!(discount, DiscountId::integer(13));
    assert_eq!(serde_json::to_value(&discount).unwrap(), json!("13"));
}

#[test]
fn balance_keeps_its_exact_text_and_a_number_is_accepted() {
    let c = customer(json!({"balance": "0.10"}));
    assert_eq!(c.balance.as_ref().map(Decimal::as_str), Some("0.10"));
    let c = customer(json!({"balance": 13}));
    assert_eq!(c.balance.as_ref().map(Decimal::as_str), Some("13"));
}

#[test]
fn a_balance_sent_as_a_json_number_keeps_every_digit() {
    // Decoded from the bytes, as the client does: never through an f64.
    let body = br#"{"id": "c1", "balance": 12345678901234567890.12, "currency": "EUR"}"#;
    let c: Customer = serde_json::from_slice(body).unwrap();
    assert_eq!(
        c.balance.as_ref().map(Decimal::as_str),
        Some("12345678901234567890.12")
    );
    let body = br#"{"customer": {"id": 2, "balance": 0.10}}"#;
    let c: Customer = serde_json::from_slice(body).unwrap();
    assert_eq!(c.balance.as_ref().map(Decimal::as_str), Some("0.10"));
    let body = br#"{"id": 3, "balance": -1.5e3}"#;
    let c: Customer = serde_json::from_slice(body).unwrap();
    assert_eq!(c.balance.as_ref().map(Decimal::as_str), Some("-1.5e3"));
}

#[test]
fn an_empty_birthday_is_no_birthday_and_a_bad_one_names_its_path() {
    let c = customer(json!({"birthday": ""}));
    assert!(c.birthday.is_none());
    for bad in [
        "30.01.2000",
        "2023-02-29",
        "2024-13-01",
        "2024-1-01",
        "20x4-01-01",
        "2024-01-01T00",
    ] {
        let error =
            serde_json::from_value::<Customer>(json!({"id": 1, "birthday": bad})).expect_err(bad);
        assert!(error.to_string().contains("YYYY-MM-DD"), "{bad}: {error}");
    }
    let leap = customer(json!({"birthday": "2024-02-29"}));
    assert_eq!(leap.birthday, chrono::NaiveDate::from_ymd_opt(2024, 2, 29));
}

#[test]
fn unknown_genders_are_kept() {
    let c = customer(json!({"gender": "D"}));
    assert_eq!(c.gender, Some(Gender::Other("D".into())));
}

#[test]
fn a_decode_error_through_the_client_names_the_json_path() {
    let body = br#"{"customers": [{"id": "a"}, {"id": "b", "addresses": [{"city": 5}]}]}"#;
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct List {
        customers: Vec<Customer>,
    }
    let error = sdk_core::vendor::decode_json::<List>(
        "list_customers",
        sdk_core::http::StatusCode::OK,
        body,
    )
    .unwrap_err();
    let sdk_core::Error::Decode(decode) = error else {
        panic!("expected a decode error");
    };
    assert_eq!(decode.path, "customers[1].addresses[0].city");
}
