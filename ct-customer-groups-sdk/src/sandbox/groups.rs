//! `/{projectKey}/customer-groups`: create, get, update and delete, with
//! versions and update actions.

use super::*;

pub(super) fn parse_body(body: &Bytes) -> Result<Map<String, Value>, Refusal> {
    parse_object(body).map_err(|problem| {
        let detail = match problem {
            BodyProblem::Malformed(e) => e.to_string(),
            _ => "the body must be a JSON object".to_owned(),
        };
        refuse(
            StatusCode::BAD_REQUEST,
            "InvalidJsonInput",
            "Request body does not contain valid JSON.",
            json!({ "detailedErrorMessage": detail }),
        )
    })
}

pub(super) fn duplicate(field: &str, value: &str) -> Refusal {
    refuse(
        StatusCode::BAD_REQUEST,
        "DuplicateField",
        format!("A duplicate value '\"{value}\"' exists for field '{field}'."),
        json!({"field": field, "duplicateValue": value}),
    )
}

pub(super) fn check_key(key: &Value) -> Result<Option<String>, Refusal> {
    match key {
        Value::Null => Ok(None),
        Value::String(key)
            if (2..=256).contains(&key.len())
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(key.clone()))
        }
        other => Err(refuse(
            StatusCode::BAD_REQUEST,
            "InvalidField",
            "The value of key is not valid: 2 to 256 of A-Z a-z 0-9 - _",
            json!({"field": "key", "invalidValue": other, "allowedValues": []}),
        )),
    }
}

/// The reference paths a request asks to expand (`expand=custom.type`).
pub(super) fn expansions(query: Option<&str>) -> Vec<String> {
    form_pairs(query.unwrap_or_default())
        .into_iter()
        .filter(|(name, _)| name == "expand")
        .map(|(_, path)| path)
        .collect()
}

pub(super) async fn create_group(
    State(state): State<Shared>,
    Path(project): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut store = state.lock();
    authorize(&store, &headers, &Method::POST, &project)?;
    let draft = parse_body(&body)?;
    let Some(name) = draft
        .get("groupName")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Err(json_input("groupName: Missing required value"));
    };
    if store.taken("name", &name, None) {
        return Err(duplicate("name", &name));
    }
    if let Some(key) = check_key(draft.get("key").unwrap_or(&Value::Null))?
        && store.taken("key", &key, None)
    {
        return Err(duplicate("key", &key));
    }
    if store.groups.len() >= store.max_groups {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "MaxResourceLimitExceeded",
            format!(
                "You have exceeded the limit of {} customer groups.",
                store.max_groups
            ),
            json!({"exceededResource": "customer-group"}),
        ));
    }
    let custom = draft
        .get("custom")
        .filter(|custom| !custom.is_null())
        .map(|custom| store.custom_fields(custom))
        .transpose()?;
    let group = store.insert_group(&draft, custom);
    ok(
        StatusCode::CREATED,
        &store.expanded(&group, &expansions(query.as_deref())),
    )
}

pub(super) async fn get_group(
    State(state): State<Shared>,
    Path((project, target)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let store = state.lock();
    authorize(&store, &headers, &Method::GET, &project)?;
    let id = store.find(&target).ok_or_else(|| not_found(&target))?;
    ok(
        StatusCode::OK,
        &store.expanded(&store.groups[&id], &expansions(query.as_deref())),
    )
}

pub(super) fn conflict(current: u64, expected: u64) -> Refusal {
    refuse(
        StatusCode::CONFLICT,
        "ConcurrentModification",
        format!(
            "Object has a different version than expected. Expected: {expected} - Actual: {current}."
        ),
        json!({"currentVersion": current}),
    )
}

/// The `version` the request expects, checked against the group's.
pub(super) fn expect_version(group: &Value, version: Option<u64>) -> Result<u64, Refusal> {
    let Some(expected) = version else {
        return Err(json_input("version: Missing required value"));
    };
    let current = group["version"].as_u64().unwrap_or(0);
    if current != expected {
        return Err(conflict(current, expected));
    }
    Ok(current)
}

/// Applies one action to `group` (a copy: nothing is stored unless every action succeeds).
pub(super) fn apply(store: &Store, group: &mut Value, action: &Value) -> Result<(), Refusal> {
    let id = group["id"].as_str().unwrap_or_default().to_owned();
    match action.get("action").and_then(Value::as_str) {
        Some("changeName") => {
            let Some(name) = action.get("name").and_then(Value::as_str) else {
                return Err(json_input("name: Missing required value"));
            };
            if store.taken("name", name, Some(&id)) {
                return Err(duplicate("name", name));
            }
            group["name"] = json!(name);
        }
        Some("setKey") => match check_key(action.get("key").unwrap_or(&Value::Null))? {
            Some(key) if store.taken("key", &key, Some(&id)) => return Err(duplicate("key", &key)),
            Some(key) => group["key"] = json!(key),
            None => {
                if let Value::Object(fields) = group {
                    fields.remove("key");
                }
            }
        },
        Some("setCustomType") => match action.get("type").filter(|t| !t.is_null()) {
            Some(_) => group["custom"] = store.custom_fields(action)?,
            None => {
                if let Value::Object(fields) = group {
                    fields.remove("custom");
                }
            }
        },
        Some("setCustomField") => {
            let Some(name) = action.get("name").and_then(Value::as_str) else {
                return Err(json_input("name: Missing required value"));
            };
            let type_id = group["custom"]["type"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let value = action.get("value").filter(|v| !v.is_null());
            // A removal of a field that is not set is refused below; one
            // of a required field here.
            if !type_id.is_empty() && (value.is_some() || store.defines(&type_id, name)) {
                store.check_field(&type_id, name, value)?;
            }
            let Some(fields) = group
                .get_mut("custom")
                .and_then(|c| c.get_mut("fields"))
                .and_then(Value::as_object_mut)
            else {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "InvalidOperation",
                    "The customer group has no custom type.",
                    json!({}),
                ));
            };
            match value {
                Some(value) => {
                    fields.insert(name.to_owned(), store.stored_value(&type_id, name, value));
                }
                None => {
                    if fields.remove(name).is_none() {
                        return Err(refuse(
                            StatusCode::BAD_REQUEST,
                            "InvalidOperation",
                            format!("Cannot remove custom field '{name}': it does not exist."),
                            json!({}),
                        ));
                    }
                }
            }
        }
        Some(other) => {
            return Err(json_input(format!(
                "actions: Unknown action type '{other}'"
            )));
        }
        None => return Err(json_input("actions: Missing required value 'action'")),
    }
    Ok(())
}

pub(super) async fn update_group(
    State(state): State<Shared>,
    Path((project, target)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut store = state.lock();
    authorize(&store, &headers, &Method::POST, &project)?;
    let request = parse_body(&body)?;
    let id = store.find(&target).ok_or_else(|| not_found(&target))?;
    let mut group = store.groups[&id].clone();
    let current = expect_version(&group, request.get("version").and_then(Value::as_u64))?;
    let Some(actions) = request.get("actions").and_then(Value::as_array) else {
        return Err(json_input("actions: Missing required value"));
    };
    let before = group.clone();
    for action in actions {
        apply(&store, &mut group, action)?;
    }
    let versioning = store.versioning;
    let changes_nothing = versioning.no_op_keeps_version && group == before;
    let counts = !actions.is_empty() && !changes_nothing;
    if counts {
        group["version"] = json!(current.saturating_add(versioning.step.max(1)));
        group["lastModifiedAt"] = json!(now_text(&store.clock));
    }
    store.put_group(id, group.clone());
    ok(
        StatusCode::OK,
        &store.expanded(&group, &expansions(query.as_deref())),
    )
}

pub(super) async fn delete_group(
    State(state): State<Shared>,
    Path((project, target)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let mut store = state.lock();
    authorize(&store, &headers, &Method::DELETE, &project)?;
    let id = store.find(&target).ok_or_else(|| not_found(&target))?;
    let version = form_pairs(query.as_deref().unwrap_or_default())
        .into_iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok());
    expect_version(&store.groups[&id], version)?;
    let group = store.remove_group(&id).unwrap_or_default();
    ok(
        StatusCode::OK,
        &store.expanded(&group, &expansions(query.as_deref())),
    )
}
