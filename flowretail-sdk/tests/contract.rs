//! The Flow Retail OpenAPI document is the contract: every request the
//! client sends and every answer the sandbox gives in this scenario (every
//! endpoint, successes and errors) is held against the document's schemas
//! with a JSON Schema validator.

use flowretail_sdk::sandbox::{Exchange, FlowRetailSandbox};
use flowretail_sdk::{
    CreateCustomerGroup, FlowRetailClient, GroupMembershipChange, SortOrder, UpdateCustomerGroup,
};
use futures::TryStreamExt;
use serde_json::{Value, json};

/// The document, with OpenAPI 3.0's `nullable: true` written as JSON
/// Schema's `"type": [T, "null"]`.
fn document() -> Value {
    // A copy of shared/api-docs/flowretail-openapi.json, so that the test
    // runs wherever the repository is cloned; `the_copy_is_the_document`
    // checks it against the original where that is at hand.
    let mut document = sdk_core::fixture!("flowretail-openapi.json");
    nullable_as_type(&mut document);
    document
}

#[test]
fn the_copy_is_the_document() {
    let original = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/api-docs/flowretail-openapi.json"
    );
    if let Ok(text) = std::fs::read_to_string(original) {
        let original: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(original, sdk_core::fixture!("flowretail-openapi.json"));
    }
}

fn nullable_as_type(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.remove("nullable") == Some(Value::Bool(true))
                && let Some(Value::String(kind)) = map.get("type").cloned()
            {
                map.insert("type".into(), json!([kind, "null"]));
            }
            map.values_mut().for_each(nullable_as_type);
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_as_type),
        _ => {}
    }
}

/// Follows a `$ref` inside the document.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => document.pointer(pointer.trim_start_matches('#')).unwrap(),
        None => value,
    }
}

/// The document's path template matching `path` (after `/v2`), such as
/// `/tenants/{tenantUid}/customer-groups/{customerGroupUid}`.
fn template<'a>(document: &'a Value, path: &str) -> &'a str {
    let path = path.trim_start_matches("/v2");
    let segments: Vec<&str> = path.split('/').collect();
    document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .find(|candidate| {
            let pattern: Vec<&str> = candidate.split('/').collect();
            pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| p.starts_with('{') || p == s)
        })
        .unwrap_or_else(|| panic!("no path of the document matches {path}"))
}

/// What `instance` breaks of `schema` (resolved inside `document`).
fn violations(document: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    let mut root = document.clone();
    root.as_object_mut()
        .unwrap()
        .insert("$ref".into(), json!("#/x-checked"));
    root.as_object_mut()
        .unwrap()
        .insert("x-checked".into(), schema.clone());
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|error| panic!("the schema does not build: {error}"));
    validator
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

/// Checks `instance` against `schema`, naming `what` on a failure.
fn check(document: &Value, schema: &Value, instance: &Value, what: &str) {
    let errors = violations(document, schema, instance);
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{instance}");
}

#[test]
fn the_validator_catches_what_the_document_forbids() {
    let document = document();
    let group = json!({"$ref": "#/components/schemas/CustomerGroupResponseSchema"});
    let valid = sdk_core::fixture!("customer_group.json");
    assert_eq!(violations(&document, &group, &valid), Vec::<String>::new());
    let mut missing_name = valid.clone();
    missing_name.as_object_mut().unwrap().remove("name");
    assert!(!violations(&document, &group, &missing_name).is_empty());
    let mut bad_time = valid;
    bad_time["createdAt"] = json!("yesterday");
    assert!(
        !violations(&document, &group, &bad_time).is_empty(),
        "date-time is checked"
    );
}

/// Holds one exchange against the document; returns whether its status
/// is one the document describes (errors are not described).
fn check_exchange(document: &Value, exchange: &Exchange) -> bool {
    let path = template(document, &exchange.path);
    let operation = &document["paths"][path][exchange.method.to_lowercase()];
    assert!(
        operation.is_object(),
        "{} {path} is not in the document",
        exchange.method
    );
    let what = format!("{} {path} {}", exchange.method, exchange.status);
    if let Some(body) = operation.get("requestBody") {
        let schema = &resolve(document, body)["content"]["application/json"]["schema"];
        let sent: Value = serde_json::from_slice(&exchange.request_body).unwrap();
        check(document, schema, &sent, &format!("request of {what}"));
    }
    let Some(answer) = operation["responses"].get(exchange.status.to_string()) else {
        // The document describes no error answers: they must still be JSON.
        assert!(
            exchange.status >= 400,
            "{what}: a success the document does not describe"
        );
        let body: Result<Value, _> = serde_json::from_slice(&exchange.response_body);
        assert!(
            body.is_ok_and(|body| body.is_object()),
            "{what}: an error that is not a JSON object"
        );
        return false;
    };
    match resolve(document, answer).get("content") {
        Some(content) => {
            let received: Value = serde_json::from_slice(&exchange.response_body).unwrap();
            check(
                document,
                &content["application/json"]["schema"],
                &received,
                &what,
            );
        }
        None => assert!(
            exchange.response_body.is_empty(),
            "{what}: a body the document does not give"
        ),
    }
    true
}

#[tokio::test]
async fn every_request_and_answer_of_every_endpoint_fits_the_document() {
    let document = document();
    let sandbox = FlowRetailSandbox::start().unwrap();
    let uids = sandbox.seed_customers(30);
    sandbox.exchanges().record();
    let flow = sandbox.client().unwrap();
    let groups = flow.customer_groups();

    // Every endpoint, succeeding.
    groups
        .create(CreateCustomerGroup::new("VIP").uid("vip"))
        .await
        .unwrap();
    let generated = groups
        .create(CreateCustomerGroup::new("Walk-ins"))
        .await
        .unwrap();
    groups.get("vip").await.unwrap();
    groups
        .update("vip", UpdateCustomerGroup::name("Very important"))
        .await
        .unwrap();
    let listed: Vec<_> = groups
        .list()
        .page_size(1)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    groups
        .update_customers(
            "vip",
            GroupMembershipChange::new().add_customers(uids[..12].to_vec()),
        )
        .await
        .unwrap();
    groups
        .update_customers(
            "vip",
            GroupMembershipChange::new().remove_customers(uids[..2].to_vec()),
        )
        .await
        .unwrap();
    let members: Vec<_> = groups
        .customers("vip")
        .page_size(4)
        .sort_by("lastname", SortOrder::Desc)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members.len(), 10);
    groups.delete(&generated.customer_group_uid).await.unwrap();

    // And failing.
    assert!(groups.get("no-such-group").await.is_err());
    assert!(
        groups
            .create(CreateCustomerGroup::new("Again").uid("vip"))
            .await
            .is_err()
    );
    let unknown_customer = GroupMembershipChange::new().add_customers(["no-such-customer"]);
    assert!(
        groups
            .update_customers("vip", unknown_customer)
            .await
            .is_err()
    );
    let wrong_token = FlowRetailClient::builder("wrong-token", "sandbox-tenant")
        .base_url(sandbox.url())
        .build()
        .unwrap();
    assert!(wrong_token.customer_groups().get("vip").await.is_err());

    let exchanges = sandbox.exchanges().take();
    let described = exchanges
        .iter()
        .filter(|exchange| check_exchange(&document, exchange))
        .count();
    let methods: std::collections::BTreeSet<(String, &str)> = exchanges
        .iter()
        .map(|e| (e.method.clone(), template(&document, &e.path)))
        .collect();
    assert_eq!(
        methods.len(),
        7,
        "every operation of the document: {methods:?}"
    );
    assert!(described >= 11, "{described} described answers");
    assert_eq!(exchanges.len() - described, 4, "the four errors");
}
