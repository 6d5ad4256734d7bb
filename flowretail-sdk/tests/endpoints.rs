//! Every operation's method, path, query, headers and body against
//! wiremock; the schema fixtures; paging with both numbering bases.

use flowretail_sdk::{
    CreateCustomerGroup, Customer, CustomerAddressType, CustomerContactRole, CustomerExtensionCode,
    CustomerType, FlowRetailClient, GroupMembershipChange, SortOrder, UpdateCustomerGroup,
};
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "integration-token-secret";

fn fixture(name: &str) -> Value {
    sdk_core::fixture!(name)
}

fn client(server: &MockServer) -> FlowRetailClient {
    FlowRetailClient::builder(TOKEN, "tenant-1")
        .base_url(format!("{}/v2", server.uri()))
        .settings(sdk_core::test_util::test_settings())
        .build()
        .unwrap()
}

fn api(verb: &str, api_path: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb))
        .and(path(format!(
            "/v2/tenants/tenant-1/customer-groups{api_path}"
        )))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

#[test]
#[allow(deprecated)]
fn the_full_customer_schema_decodes() {
    let customer: Customer = serde_json::from_value(fixture("customer_full.json")).unwrap();
    assert_eq!(customer.customer_type, CustomerType::Company);
    assert_eq!(customer.addresses.len(), 2);
    assert_eq!(
        customer.addresses[0].address_type,
        CustomerAddressType::InvoiceAddress
    );
    assert_eq!(customer.contacts[0].role, CustomerContactRole::Purchaser);
    assert_eq!(
        customer.contacts[0].extensions[0].extension_code,
        CustomerExtensionCode::TwoInvoice
    );
    assert_eq!(customer.extensions[0].organization_uid, "org-1");
    assert!(customer.consents[0].status);
    assert_eq!(customer.credit.balance, 1250);
    assert_eq!(customer.account_manager.user_code, "PS");
    assert!(customer.ehf.enabled);
    assert_eq!(customer.customer_group_uids, ["vip", "b2b"]);
    assert_eq!(
        customer.default_store.as_ref().unwrap().store_uid,
        "store-oslo"
    );
    assert_eq!(customer.relevance, 0.87);
    assert_eq!(customer.payment_terms, 30);
    assert_eq!(customer.ledger_number.as_deref(), Some("1500"));
    assert_eq!(customer.ehf_enabled, Some(true));
    assert_eq!(customer.vat_number, "NO999999999MVA");
    // Written back, it is the same document.
    assert_eq!(
        serde_json::to_value(&customer).unwrap(),
        fixture("customer_full.json")
    );
}

#[test]
fn null_text_reads_as_empty_and_a_missing_required_field_is_named() {
    // The document marks every field of a customer required; text a server
    // sends as null still reads as empty, a nullable store as none.
    let mut full = fixture("customer_full.json");
    full["email"] = Value::Null;
    full["defaultStore"] = Value::Null;
    let customer: Customer = serde_json::from_value(full.clone()).unwrap();
    assert!(customer.email.is_empty() && customer.default_store.is_none());
    // A required field that is missing is a decode error naming it.
    for required in ["createdAt", "customerType", "credit", "relevance"] {
        let mut partial = full.clone();
        partial.as_object_mut().unwrap().remove(required);
        let error = serde_json::from_value::<Customer>(partial).unwrap_err();
        assert!(error.to_string().contains(required), "{required}: {error}");
    }
    // Required text and lists that are missing read as empty, as when null.
    let mut partial = full.clone();
    for text in ["email", "vatNumber", "contacts"] {
        partial.as_object_mut().unwrap().remove(text);
    }
    let customer: Customer = serde_json::from_value(partial).unwrap();
    assert!(customer.email.is_empty() && customer.contacts.is_empty());
    // The minimal fixture lacks required numbers, dates and objects: refused.
    let minimal = serde_json::from_value::<Customer>(fixture("customer_minimal.json"));
    assert!(minimal.is_err(), "a customer without its required fields");
}

#[test]
fn unknown_enum_values_and_fields_are_kept_or_ignored() {
    let mut full = fixture("customer_full.json");
    full["customerType"] = json!("GOVERNMENT");
    full["addresses"][0]["type"] = json!("PICKUP_POINT");
    full["contacts"][0]["role"] = json!("OWNER");
    full["extensions"][0]["extensionCode"] = json!("KLARNA");
    full["brandNewField"] = json!({"x": 1});
    let customer: Customer = serde_json::from_value(full).unwrap();
    assert_eq!(
        customer.customer_type,
        CustomerType::Other("GOVERNMENT".into())
    );
    assert_eq!(
        customer.addresses[0].address_type,
        CustomerAddressType::Other("PICKUP_POINT".into())
    );
    assert_eq!(
        customer.contacts[0].role,
        CustomerContactRole::Other("OWNER".into())
    );
    assert_eq!(customer.extensions[0].extension_code.as_str(), "KLARNA");
}

#[tokio::test]
async fn list_groups_sends_paging_and_sort() {
    let server = MockServer::start().await;
    api("GET", "")
        .and(query_param("pageNumber", "3"))
        .and(query_param("pageSize", "2"))
        .and(query_param("sortBy", "name"))
        .and(query_param("sortDirection", "DESC"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("customer_group_list_page.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .customer_groups()
        .list()
        .page_size(2)
        .sort_by("name", SortOrder::Desc)
        .page(Some(3))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.paging.total_count, 2);
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests[0].headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("flowretail-sdk/")
    );
}

#[tokio::test]
async fn create_get_update_delete() {
    let server = MockServer::start().await;
    let group = || ResponseTemplate::new(200).set_body_json(fixture("customer_group.json"));
    api("POST", "")
        .and(header("content-type", "application/json"))
        .and(body_json(fixture("create_request.json")))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("customer_group.json")))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/vip")
        .respond_with(group())
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/vip")
        .and(body_json(fixture("update_request.json")))
        .respond_with(group())
        .expect(1)
        .mount(&server)
        .await;
    api("DELETE", "/vip")
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    let created = groups
        .create(CreateCustomerGroup::new("VIP").uid("vip"))
        .await
        .unwrap();
    assert_eq!(created.customer_group_uid, "vip");
    assert_eq!(created.created_by, "user-7");
    assert_eq!(created.created_at.to_rfc3339(), "2024-01-05T08:00:00+00:00");
    assert_eq!(groups.get("vip").await.unwrap().name, "VIP");
    groups
        .update("vip", UpdateCustomerGroup::name("Very Important"))
        .await
        .unwrap();
    groups.delete("vip").await.unwrap();
}

#[tokio::test]
async fn group_customers_and_membership_changes() {
    let server = MockServer::start().await;
    api("GET", "/vip/customers")
        .and(query_param("pageSize", "50"))
        .and(query_param("sortBy", "lastname"))
        .and(query_param("sortDirection", "ASC"))
        .and(query_param_is_missing("pageNumber"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer_list_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/vip/customers")
        .and(body_json(fixture("update_customers_request.json")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    let customers: Vec<Customer> = groups
        .customers("vip")
        .page_size(50)
        .sort_by("lastname", SortOrder::Asc)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(customers.len(), 2, "a short first page ends the listing");
    groups
        .update_customers(
            "vip",
            GroupMembershipChange::new()
                .add_customers(["cust-0001", "cust-0002"])
                .remove_customers(["cust-0009"]),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn uids_outside_the_pattern_are_refused_before_sending() {
    let server = MockServer::start().await;
    let flow = client(&server);
    let groups = flow.customer_groups();
    assert!(groups.get("a/b").await.is_err());
    assert!(groups.get("").await.is_err());
    assert!(groups.delete("x y").await.is_err());
    assert!(
        groups
            .update("ü", UpdateCustomerGroup::name("n"))
            .await
            .is_err()
    );
    assert!(
        groups
            .create(CreateCustomerGroup::new("n").uid("no/slash"))
            .await
            .is_err()
    );
    let error = groups
        .update_customers(
            "vip",
            GroupMembershipChange::new().add_customers(["ok", "not ok"]),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("addCustomerUids"), "{error}");
    assert!(groups.customers("../x").page(None).await.is_err());
    assert!(flow.for_tenant("t/1").is_err());
    assert!(
        FlowRetailClient::builder("t", "bad tenant")
            .build()
            .is_err()
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// Serves `total` groups in pages whose numbering starts at `first`.
async fn paged_server(first: u64, total: usize, size: usize) -> MockServer {
    let server = MockServer::start().await;
    let pages = total.div_ceil(size).max(1);
    for page in 0..pages + 1 {
        let items: Vec<Value> = (page * size..((page + 1) * size).min(total))
            .map(|i| group_json(&format!("g{i:04}"), json!(format!("G{i}"))))
            .collect();
        let number = first + page as u64;
        let body = json!({"items": items, "paging": {"pageNumber": number, "pageSize": size, "totalCount": total}});
        let mock = api("GET", "").and(query_param("pageSize", size.to_string()));
        let mock = if page == 0 {
            mock.and(query_param_is_missing("pageNumber"))
        } else {
            mock.and(query_param("pageNumber", number.to_string()))
        };
        mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    server
}

#[tokio::test]
async fn paging_learns_either_numbering_base() {
    for first in [0u64, 1] {
        let server = paged_server(first, 25, 10).await;
        let uids: Vec<String> = client(&server)
            .customer_groups()
            .list()
            .page_size(10)
            .items()
            .map_ok(|g| g.customer_group_uid)
            .try_collect()
            .await
            .unwrap();
        let expected: Vec<String> = (0..25).map(|i| format!("g{i:04}")).collect();
        assert_eq!(uids, expected, "numbering from {first}");
        let numbers: Vec<Option<String>> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| {
                r.url
                    .query_pairs()
                    .find(|(k, _)| k == "pageNumber")
                    .map(|(_, v)| v.into_owned())
            })
            .collect();
        assert_eq!(
            numbers,
            [
                None,
                Some((first + 1).to_string()),
                Some((first + 2).to_string())
            ]
        );
    }
}

#[tokio::test]
async fn an_empty_result_is_one_request() {
    let server = paged_server(1, 0, 10).await;
    let groups: Vec<_> = client(&server)
        .customer_groups()
        .list()
        .page_size(10)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(groups.is_empty());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_pages_keep_their_order() {
    let server = paged_server(1, 95, 10).await;
    let uids: Vec<String> = client(&server)
        .customer_groups()
        .list()
        .page_size(10)
        .paginator()
        .concurrency(4)
        .items()
        .map_ok(|g| g.customer_group_uid)
        .try_collect()
        .await
        .unwrap();
    let expected: Vec<String> = (0..95).map(|i| format!("g{i:04}")).collect();
    assert_eq!(uids, expected);
    assert_eq!(server.received_requests().await.unwrap().len(), 10);
}

#[tokio::test]
async fn errors_take_their_message_from_common_shapes() {
    let server = MockServer::start().await;
    api("GET", "/a")
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"message": "Customer group a not found"})),
        )
        .mount(&server)
        .await;
    api("GET", "/b")
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "invalid_token", "error_description": "expired"})),
        )
        .mount(&server)
        .await;
    api("GET", "/c")
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(json!({"errors": [{"message": "name is required"}]})),
        )
        .mount(&server)
        .await;
    api("GET", "/d")
        .respond_with(ResponseTemplate::new(400).set_body_string("plain text"))
        .mount(&server)
        .await;
    let groups = client(&server).customer_groups();
    let message = |e: sdk_core::Error| e.api().unwrap().message.clone();
    assert_eq!(
        message(groups.get("a").await.unwrap_err()).as_deref(),
        Some("Customer group a not found")
    );
    assert_eq!(
        message(groups.get("b").await.unwrap_err()).as_deref(),
        Some("expired")
    );
    assert_eq!(
        message(groups.get("c").await.unwrap_err()).as_deref(),
        Some("name is required")
    );
    let error = groups.get("d").await.unwrap_err();
    assert_eq!(error.api().unwrap().body, "plain text");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
}

#[test]
fn servers_and_secrets() {
    let production = FlowRetailClient::builder("t0k3n-secret", "t1")
        .build()
        .unwrap();
    assert_eq!(
        production.http().base_url().as_str(),
        "https://api.flowretail.com/v2"
    );
    let stage = FlowRetailClient::builder("t", "t1")
        .stage()
        .build()
        .unwrap();
    assert_eq!(
        stage.http().base_url().as_str(),
        "https://api.stage.flowretail.com/v2"
    );
    let other = production.for_tenant("t2").unwrap();
    assert_eq!(other.tenant(), "t2");
    let builder = FlowRetailClient::builder("t0k3n-secret", "t1");
    let shown = format!("{production:?} {other:?} {builder:?}");
    assert!(!shown.contains("t0k3n-secret"), "{shown}");
}

/// A token source of the caller's own: asked for every attempt, and told about a 401.
#[derive(Debug, Default)]
struct RotatingToken {
    issued: std::sync::atomic::AtomicUsize,
}

#[tokio::test]
async fn a_custom_token_provider_is_used_and_refreshed_on_401() {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    #[derive(Debug, Clone, Default)]
    struct Provider(Arc<RotatingToken>);

    #[async_trait::async_trait]
    impl sdk_core::auth::AuthProvider for Provider {
        async fn authenticate(
            &self,
            headers: &mut sdk_core::http::header::HeaderMap,
        ) -> sdk_core::Result<()> {
            let n = self.0.issued.load(Ordering::SeqCst);
            let token = sdk_core::SecretString::from(format!("auth-token-{n}"));
            headers.insert(
                sdk_core::http::header::AUTHORIZATION,
                sdk_core::auth::bearer_header(&token)?,
            );
            Ok(())
        }

        async fn on_unauthorized(&self, _sent: &sdk_core::http::header::HeaderMap) -> bool {
            self.0.issued.fetch_add(1, Ordering::SeqCst);
            true
        }
    }

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer auth-token-0"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer auth-token-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer_group.json")))
        .mount(&server)
        .await;
    let provider = Provider::default();
    let flow = FlowRetailClient::builder("unused", "tenant-1")
        .base_url(format!("{}/v2", server.uri()))
        .token_provider(provider.clone())
        .build()
        .unwrap();
    let group = flow.customer_groups().get("vip").await.unwrap();
    assert_eq!(group.customer_group_uid, "vip");
    assert_eq!(provider.0.issued.load(Ordering::SeqCst), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// A group as the document has it: every required field, dates included.
fn group_json(uid: &str, name: Value) -> Value {
    json!({
        "customerGroupUid": uid, "name": name,
        "createdBy": null, "createdAt": "2024-01-05T08:00:00Z",
        "lastModifiedBy": "user-7", "lastModifiedAt": "2024-01-05T08:00:00Z"
    })
}

fn incomplete_reason(error: &sdk_core::Error) -> String {
    match error {
        sdk_core::Error::IncompleteListing(incomplete) => incomplete.reason.clone(),
        other => panic!("expected an incomplete listing, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_that_caps_the_page_size_is_walked_to_its_total_count() {
    // Asked for 100 a page; the server serves 50 and says `pageSize: 50`.
    let server = MockServer::start().await;
    for (number, range) in [(None, 0..50), (Some(2), 50..100), (Some(3), 100..120)] {
        let items: Vec<Value> = range
            .map(|i| group_json(&format!("g{i:04}"), json!(format!("G{i}"))))
            .collect();
        let body = json!({"items": items, "paging": {"pageNumber": number.unwrap_or(1), "pageSize": 50, "totalCount": 120}});
        let mock = api("GET", "").and(query_param("pageSize", "100"));
        let mock = match number {
            None => mock.and(query_param_is_missing("pageNumber")),
            Some(n) => mock.and(query_param("pageNumber", n.to_string())),
        };
        mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    let uids: Vec<String> = client(&server)
        .customer_groups()
        .list()
        .page_size(100)
        .items()
        .map_ok(|g| g.customer_group_uid)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(uids.len(), 120);
    assert_eq!(uids.last().map(String::as_str), Some("g0119"));
}

#[tokio::test]
async fn a_server_that_always_answers_page_one_is_an_error() {
    let server = MockServer::start().await;
    let items: Vec<Value> = (0..10)
        .map(|i| group_json(&format!("g{i}"), json!("G")))
        .collect();
    api("GET", "")
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"items": items, "paging": {"pageNumber": 1, "pageSize": 10, "totalCount": 40}}),
        ))
        .mount(&server)
        .await;
    let error = client(&server)
        .customer_groups()
        .list()
        .page_size(10)
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(
        incomplete_reason(&error),
        "asked for page 2, the server answered page 1"
    );
    assert!(error.to_string().starts_with("list_customer_groups: "));
    assert!(server.received_requests().await.unwrap().len() <= 3);
}

#[tokio::test]
async fn a_page_without_its_paging_numbers_is_an_error_naming_them() {
    let server = MockServer::start().await;
    let items: Vec<Value> = (0..10)
        .map(|i| {
            let mut customer = fixture("customer_full.json");
            customer["customerUid"] = json!(format!("c{i}"));
            customer
        })
        .collect();
    api("GET", "/vip/customers")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": items, "paging": {}})),
        )
        .mount(&server)
        .await;
    let error = client(&server)
        .customer_groups()
        .customers("vip")
        .page_size(10)
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    // The document requires all three numbers; without them a listing
    // could not tell a last page from a server that ignores paging.
    assert!(matches!(error, sdk_core::Error::Decode(_)), "{error:?}");
    assert!(
        error.to_string().contains("missing field `pageNumber`"),
        "{error}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_empty_optional_uid_on_create_is_sent_for_the_server_to_assign() {
    let server = MockServer::start().await;
    api("POST", "")
        .and(body_json(json!({"name": "VIP", "customerGroupUid": ""})))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(group_json("assigned-1", json!("VIP"))),
        )
        .mount(&server)
        .await;
    let group = client(&server)
        .customer_groups()
        .create(CreateCustomerGroup::new("VIP").uid(""))
        .await
        .unwrap();
    assert_eq!(group.customer_group_uid, "assigned-1");
    // Characters outside the pattern are still refused.
    let refused = client(&server)
        .customer_groups()
        .create(CreateCustomerGroup::new("VIP").uid("a b"))
        .await
        .unwrap_err();
    assert!(matches!(refused, sdk_core::Error::InvalidInput(_)));
}

#[test]
fn string_and_list_fields_sent_as_null_decode_as_absent() {
    let mut sent = fixture("customer_full.json");
    for field in [
        "firstname",
        "email",
        "addresses",
        "customerGroupUids",
        "internalNote",
    ] {
        sent[field] = Value::Null;
    }
    sent["customerUid"] = json!("c-1");
    sent["contacts"][0]["firstname"] = Value::Null;
    let customer: Customer = serde_json::from_value(sent).unwrap();
    assert_eq!(customer.customer_uid, "c-1");
    assert_eq!(customer.firstname, "");
    assert!(customer.addresses.is_empty());
    assert!(customer.customer_group_uids.is_empty());
    assert_eq!(customer.contacts[0].firstname, "");
    let group: flowretail_sdk::CustomerGroup =
        serde_json::from_value(group_json("g", Value::Null)).unwrap();
    assert_eq!(group.name, "");
}

#[tokio::test]
async fn a_mock_that_serves_the_document_paths_at_its_root_is_reachable() {
    // A Prism mock of the OpenAPI document serves `/tenants/...` at the
    // host's root: the document's server URL holds `/v2`, its paths do not.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/tenants/tenant-1/customer-groups/vip"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("customer_group.json")))
        .expect(1)
        .mount(&server)
        .await;
    let flow = FlowRetailClient::builder(TOKEN, "tenant-1")
        .base_url(server.uri())
        .settings(sdk_core::test_util::test_settings())
        .build()
        .unwrap();
    flow.customer_groups().get("vip").await.unwrap();
    // Flow Retail's own hosts without /v2 are still refused.
    for host in [
        "https://api.flowretail.com",
        "https://api.stage.flowretail.com/",
    ] {
        let refused = FlowRetailClient::builder(TOKEN, "tenant-1")
            .base_url(host)
            .build();
        assert!(refused.is_err(), "{host}");
    }
}
