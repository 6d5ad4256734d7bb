//! Each of the 20 endpoints against the documented examples: the method,
//! path, headers and body the SDK sends, and the value it decodes.

mod common;

use chrono::NaiveDate;
use common::{client, endpoint, fixture, without_read_only};
use pos_customer_sdk::{
    Address, Customer, CustomerDraft, CustomerGroupDraft, CustomerGroupPatch, CustomerId,
    CustomerPatch, Decimal, DiscountDraft, DiscountPatch, Gender, Upserted,
};
use wiremock::matchers::{body_json, header};
use wiremock::{MockServer, ResponseTemplate};

fn answer(status: u16, fixture_name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(fixture(fixture_name))
}

/// The draft the create example describes.
fn documented_draft() -> CustomerDraft {
    // A request body has no id; a Customer always has one (the draft leaves it out).
    let mut body = fixture("create_customer_request.json");
    body["id"] = serde_json::json!("not-sent");
    let documented: Customer = serde_json::from_value(body).unwrap();
    CustomerDraft::from_customer(&documented).unwrap()
}

#[tokio::test]
async fn get_customer() {
    let server = MockServer::start().await;
    endpoint("GET", "/customers/231b949c-332b-4194-aba5-8f00e828a49b")
        .respond_with(answer(200, "get_customer_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let customer = client(&server)
        .customers()
        .get("231b949c-332b-4194-aba5-8f00e828a49b")
        .await
        .unwrap();
    assert_eq!(
        customer.id,
        CustomerId::text("231b949c-332b-4194-aba5-8f00e828a49b")
    );
    assert_eq!(
        customer.balance.as_ref().map(Decimal::as_str),
        Some("100.00")
    );
    assert_eq!(customer.currency.as_deref(), Some("EUR"));
    assert_eq!(customer.birthday, NaiveDate::from_ymd_opt(2000, 1, 30));
    assert_eq!(customer.gender, Some(Gender::Unspecified));
    let group = customer.customer_group.unwrap();
    assert_eq!(group.id.to_string(), "9168aa78-e0a3-42ec-a43c-87f0ad666f69");
    assert_eq!(group.name.as_deref(), Some("Stammkunden"));
    // The lists stand beside "customer" in this example.
    assert_eq!(customer.addresses.len(), 1);
    assert_eq!(customer.addresses[0].city.as_deref(), Some("Berlin"));
    assert_eq!(customer.emails, ["3@3.com", "4@4.com"]);
    assert_eq!(customer.socials, ["facebook1"]);
    assert_eq!(customer.phones, ["44443333222", "7778855"]);
    assert_eq!(customer.urls, ["ur13", "ur11", "ur12"]);
}

#[tokio::test]
async fn create_customer() {
    let server = MockServer::start().await;
    endpoint("POST", "/customers")
        .and(header("content-type", "application/json"))
        .and(body_json(without_read_only(fixture(
            "create_customer_request.json",
        ))))
        .respond_with(answer(201, "create_customer_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let created = client(&server)
        .customers()
        .create(documented_draft())
        .await
        .unwrap();
    assert_eq!(
        created.id.to_string(),
        "231b949c-332b-4194-aba5-8f00e828a49b"
    );
    assert_eq!(
        created.addresses[0].id.as_ref().unwrap().to_string(),
        "9a17ff45-e41b-43b1-98e4-1ec74ae0681f"
    );
    assert_eq!(created.addresses[0].country.as_deref(), Some("DE"));
}

#[tokio::test]
async fn replace_customer_says_created_or_replaced() {
    for (status, created) in [(201u16, true), (200, false)] {
        let server = MockServer::start().await;
        endpoint("PUT", "/customers/231b949c-332b-4194-aba5-8f00e828a49b")
            .and(body_json(fixture("replace_customer_request.json")))
            .respond_with(answer(status, "replace_customer_response.json"))
            .expect(1)
            .mount(&server)
            .await;
        let mut draft = documented_draft();
        draft.addresses[0].country = Some("DE".into());
        let upserted = client(&server)
            .customers()
            .replace("231b949c-332b-4194-aba5-8f00e828a49b", draft)
            .await
            .unwrap();
        assert_eq!(upserted.was_created(), created);
        assert_eq!(upserted.get().number.as_deref(), Some("1"));
    }
}

#[tokio::test]
async fn patch_customer_sends_only_the_fields_set() {
    let server = MockServer::start().await;
    endpoint("PATCH", "/customers/231b949c-332b-4194-aba5-8f00e828a49b")
        .and(body_json(fixture("patch_customer_request.json")))
        .respond_with(answer(200, "patch_customer_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let patch = CustomerPatch::new()
        .number("5")
        .active(false)
        .address(
            Address::existing("9a17ff45-e41b-43b1-98e4-1ec74ae0681f")
                .street("Greifswalder Str. 206")
                .zip("20000")
                .building("20"),
        )
        .address(
            Address::new()
                .city("London")
                .zip("1412")
                .street("Baker")
                .building("221b")
                .country("GB"),
        )
        .emails(["1@1.com", "4@4.com"])
        .socials(["facebook1"])
        .phones(["44443333222"])
        .urls(["ur13", "ur11", "ur12"]);
    let customer = client(&server)
        .customers()
        .patch("231b949c-332b-4194-aba5-8f00e828a49b", patch)
        .await
        .unwrap();
    // The documented answer has no id: the customer has the one patched.
    assert_eq!(
        customer.id,
        CustomerId::text("231b949c-332b-4194-aba5-8f00e828a49b")
    );
    assert_eq!(customer.number.as_deref(), Some("5"));
    assert_eq!(customer.addresses.len(), 2);
    assert_eq!(customer.addresses[1].city.as_deref(), Some("London"));
}

#[tokio::test]
async fn list_customers() {
    let server = MockServer::start().await;
    endpoint("GET", "/customers")
        .respond_with(answer(200, "list_customers_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let customers = client(&server).customers().list().await.unwrap();
    assert_eq!(customers.len(), 2);
    assert_eq!(customers[1].currency.as_deref(), Some("USD"));
    assert_eq!(customers[1].urls, ["http://who.is", "https://test.org"]);
    assert_eq!(customers[0].emails, ["3@3.com", "4@4.com"]);
}

#[tokio::test]
async fn list_customers_modified_since() {
    let server = MockServer::start().await;
    endpoint("GET", "/customers/2024-02-29/modified")
        .respond_with(answer(200, "list_modified_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let customers = client(&server)
        .customers()
        .list_modified_since(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        .await
        .unwrap();
    assert_eq!(customers.len(), 2);
    assert_eq!(customers[0].emails, ["202.com", "a@b.com", "4@4.com"]);
    assert_eq!(customers[1].birthday, NaiveDate::from_ymd_opt(1990, 12, 31));
}

#[tokio::test]
async fn replace_many_customers_says_created_or_replaced() {
    for (status, created) in [(201u16, true), (200, false)] {
        let server = MockServer::start().await;
        endpoint("PUT", "/customers/list")
            .and(body_json(without_read_only(fixture(
                "replace_customers_request.json",
            ))))
            .respond_with(answer(status, "replace_customers_response.json"))
            .expect(1)
            .mount(&server)
            .await;
        let documented: Vec<Customer> =
            serde_json::from_value(fixture("replace_customers_request.json")).unwrap();
        let entries: Vec<(CustomerId, CustomerDraft)> = documented
            .iter()
            .map(|c| (c.id.clone(), CustomerDraft::from_customer(c).unwrap()))
            .collect();
        let upserted = client(&server)
            .customers()
            .replace_many(entries)
            .await
            .unwrap();
        assert_eq!(matches!(upserted, Upserted::Created(_)), created);
        assert_eq!(upserted.into_inner().len(), 2);
    }
}

#[tokio::test]
async fn patch_many_customers() {
    let server = MockServer::start().await;
    endpoint("PATCH", "/customers/list")
        .and(body_json(without_read_only(fixture(
            "patch_customers_request.json",
        ))))
        .respond_with(answer(200, "patch_customers_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let first = CustomerPatch::new()
        .number("1")
        .active(true)
        .gender(Gender::Unspecified)
        .salutation("Mr")
        .birthday(NaiveDate::from_ymd_opt(2000, 1, 30).unwrap())
        .title("Herr")
        .first_name("Dima")
        .last_name("Hede")
        .company_name("Winerfell")
        .company_position("manager")
        .language("EN")
        .description("string")
        .customer_group("9168aa78-e0a3-42ec-a43c-87f0ad666f69")
        .address(
            Address::new()
                .street("Greifswalder Str. 206")
                .zip("10405")
                .city("Berlin")
                .building("10")
                .country("Germany"),
        )
        .emails(["3@3.com", "4@4.com"])
        .socials(["facebook1"])
        .phones(["44443333222", "7778855"])
        .urls(["url3", "url1", "url2"]);
    let second = CustomerPatch::new()
        .gender(Gender::Unspecified)
        .birthday(NaiveDate::from_ymd_opt(1990, 10, 13).unwrap());
    let customers = client(&server)
        .customers()
        .patch_many(vec![
            ("231b949c-332b-4194-aba5-8f00e828a49b".into(), first),
            ("6713f6f3-610f-4038-9014-217e021dddc0".into(), second),
        ])
        .await
        .unwrap();
    assert_eq!(customers.len(), 2);
    assert_eq!(customers[1].birthday, NaiveDate::from_ymd_opt(1990, 10, 13));
    assert_eq!(customers[1].emails, ["3@3.com", "a@a.com", "b@b.com"]);
}

#[tokio::test]
async fn create_discount() {
    let server = MockServer::start().await;
    endpoint("POST", "/discounts")
        .and(body_json(fixture("create_discount_request.json")))
        .respond_with(answer(201, "create_discount_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let discount = client(&server)
        .discounts()
        .create(
            DiscountDraft::new("5 proz", 5)
                .absolute(false)
                .check_discountable(false),
        )
        .await
        .unwrap();
    assert_eq!(discount.id.as_integer(), Some(1));
    assert_eq!(discount.value.unwrap().as_str(), "5");
}

#[tokio::test]
async fn replace_discount() {
    let server = MockServer::start().await;
    endpoint("PUT", "/discounts/1")
        .and(body_json(fixture("replace_discount_request.json")))
        .respond_with(answer(200, "replace_discount_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let discount = client(&server)
        .discounts()
        .replace(
            1,
            DiscountDraft::new("7 proz", 7)
                .absolute(false)
                .check_discountable(false),
        )
        .await
        .unwrap();
    assert_eq!(discount.name.as_deref(), Some("7 proz"));
}

#[tokio::test]
async fn patch_discount() {
    let server = MockServer::start().await;
    endpoint("PATCH", "/discounts/1")
        .and(body_json(fixture("patch_discount_request.json")))
        .respond_with(answer(200, "patch_discount_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let discount = client(&server)
        .discounts()
        .patch(1, DiscountPatch::new().absolute(true))
        .await
        .unwrap();
    assert_eq!(discount.absolute, Some(true));
}

#[tokio::test]
async fn list_discounts() {
    let server = MockServer::start().await;
    endpoint("GET", "/discounts")
        .respond_with(answer(200, "list_discounts_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let discounts = client(&server).discounts().list().await.unwrap();
    assert_eq!(discounts.len(), 1);
    assert_eq!(discounts[0].check_discountable, Some(false));
}

#[tokio::test]
async fn get_discount() {
    let server = MockServer::start().await;
    endpoint("GET", "/discounts/1")
        .respond_with(answer(200, "get_discount_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let discount = client(&server).discounts().get(1).await.unwrap();
    assert_eq!(discount.value.unwrap().as_str(), "7");
}

#[tokio::test]
async fn delete_discount() {
    let server = MockServer::start().await;
    endpoint("DELETE", "/discounts/1")
        .respond_with(answer(200, "delete_discount_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let deleted = client(&server).discounts().delete(1).await.unwrap();
    assert_eq!(
        deleted.details.as_deref(),
        Some("Customer discount 1 was deleted")
    );
}

#[tokio::test]
async fn create_group() {
    let server = MockServer::start().await;
    endpoint("POST", "/groups")
        .and(body_json(fixture("create_group_request.json")))
        .respond_with(answer(201, "create_group_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let group = client(&server)
        .customer_groups()
        .create(CustomerGroupDraft::new("customer group name").discount(13))
        .await
        .unwrap();
    let discount = group.discount.unwrap();
    assert_eq!(discount.id.as_integer(), Some(13));
    assert_eq!(
        discount.name.as_deref(),
        Some("name of discount with id 13")
    );
}

#[tokio::test]
async fn replace_group() {
    let server = MockServer::start().await;
    endpoint("PUT", "/groups/1")
        .and(body_json(fixture("replace_group_request.json")))
        .respond_with(answer(200, "replace_group_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let group = client(&server)
        .customer_groups()
        .replace(
            1,
            CustomerGroupDraft::new("customer group name").discount(14),
        )
        .await
        .unwrap();
    assert_eq!(group.discount.unwrap().id.as_integer(), Some(14));
}

#[tokio::test]
async fn patch_group() {
    let server = MockServer::start().await;
    endpoint("PATCH", "/groups/1")
        .and(body_json(fixture("patch_group_request.json")))
        .respond_with(answer(200, "patch_group_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let group = client(&server)
        .customer_groups()
        .patch(
            1,
            CustomerGroupPatch::new().name("Edited customer group name"),
        )
        .await
        .unwrap();
    assert_eq!(group.name.as_deref(), Some("Edited customer group name"));
}

#[tokio::test]
async fn list_groups() {
    let server = MockServer::start().await;
    endpoint("GET", "/groups")
        .respond_with(answer(200, "list_groups_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups().list().await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].id.as_integer(), Some(1));
}

#[tokio::test]
async fn get_group() {
    let server = MockServer::start().await;
    endpoint("GET", "/groups/1")
        .respond_with(answer(200, "get_group_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let group = client(&server).customer_groups().get(1).await.unwrap();
    assert_eq!(group.name.as_deref(), Some("Edited customer group name"));
}

#[tokio::test]
async fn delete_group() {
    let server = MockServer::start().await;
    endpoint("DELETE", "/groups/1")
        .respond_with(answer(200, "delete_group_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let deleted = client(&server).customer_groups().delete(1).await.unwrap();
    assert_eq!(
        deleted.details.as_deref(),
        Some("Customer group 1 was deleted")
    );
}

#[tokio::test]
async fn ids_are_sent_as_one_encoded_segment() {
    let server = MockServer::start().await;
    endpoint("GET", "/customers/a%2Fb%3Fc%23d%25e%20..")
        .respond_with(answer(200, "get_customer_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .customers()
        .get("a/b?c#d%e ..")
        .await
        .unwrap();
}

#[tokio::test]
async fn the_base_url_may_already_hold_the_api_path() {
    let server = MockServer::start().await;
    endpoint("GET", "/groups")
        .respond_with(answer(200, "list_groups_response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let pos = pos_customer_sdk::PosClient::builder(
        format!("{}/api/customer/v3.0/", server.uri()),
        common::TOKEN,
        common::OPERATOR,
    )
    .build()
    .unwrap();
    pos.customer_groups().list().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests[0].headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("pos-customer-sdk/")
    );
}

#[tokio::test]
async fn a_correlation_id_is_sent_only_in_a_header_the_builder_names() {
    use pos_customer_sdk::prelude::*;

    let server = MockServer::start().await;
    endpoint("GET", "/groups")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"customerGroups": []})),
        )
        .mount(&server)
        .await;
    // The document names no correlation header: by default none is sent.
    client(&server)
        .customer_groups()
        .list()
        .correlation_id("run-42")
        .await
        .unwrap();
    let named = PosClient::builder(server.uri(), common::TOKEN, common::OPERATOR)
        .settings(sdk_core::test_util::test_settings())
        .correlation_id_header("X-Run-Id")
        .build()
        .unwrap();
    named
        .customer_groups()
        .list()
        .correlation_id("run-42")
        .await
        .unwrap();
    let sent: Vec<Option<String>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| {
            request
                .headers
                .get("x-run-id")
                .map(|value| value.to_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(sent, [None, Some("run-42".to_owned())]);
    // A header that frames a request cannot be named.
    let refused = PosClient::builder(server.uri(), common::TOKEN, common::OPERATOR)
        .correlation_id_header("Content-Length")
        .build();
    assert!(matches!(refused, Err(sdk_core::Error::InvalidInput(_))));
}
