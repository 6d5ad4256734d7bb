//! Helpers shared by the pos-customer-sdk tests.
#![allow(dead_code)]

use pos_customer_sdk::{Address, CustomerDraft, PosClient};
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{MockBuilder, MockServer};

pub const TOKEN: &str = "test-token-secret";
pub const OPERATOR: &str = "op-4711";

/// A documented example from `tests/fixtures`.
pub fn fixture(name: &str) -> Value {
    sdk_core::fixture!(name)
}

/// The same example with the read-only fields (`balance`, `currency`,
/// `customerGroup.name`) taken out, as the SDK sends it.
pub fn without_read_only(mut value: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(object) => {
                object.remove("balance");
                object.remove("currency");
                if let Some(Value::Object(group)) = object.get_mut("customerGroup") {
                    group.remove("name");
                }
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

/// A client for `server` without timers (see sdk-core's paused-clock note).
pub fn client(server: &MockServer) -> PosClient {
    PosClient::builder(server.uri(), TOKEN, OPERATOR)
        .settings(sdk_core::test_util::test_settings())
        .build()
        .unwrap()
}

/// A mock for `verb` on the API path `api_path`, requiring both credential headers.
pub fn endpoint(verb: &str, api_path: &str) -> MockBuilder {
    wiremock::Mock::given(method(verb))
        .and(path(format!("/api/customer/v3.0{api_path}")))
        .and(header("x-token", TOKEN))
        .and(header("x-operator", OPERATOR))
        .and(header("accept", "application/json"))
}

pub fn draft() -> CustomerDraft {
    CustomerDraft::new("1", "9168aa78-e0a3-42ec-a43c-87f0ad666f69")
}

pub fn long(n: usize) -> String {
    "x".repeat(n)
}

/// `(field, draft at the limit, draft one over the limit)` for every length
/// rule of the document's customer field table.
pub fn length_rules() -> Vec<(&'static str, CustomerDraft, CustomerDraft)> {
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
    ]
}
