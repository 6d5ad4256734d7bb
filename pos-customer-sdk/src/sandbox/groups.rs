//! `/groups`: the customer group handlers.

use super::*;

pub(super) fn validate_group(
    store: &Store,
    fields: &Map<String, Value>,
    whole: bool,
) -> Result<(), Refusal> {
    if whole || fields.contains_key("name") {
        match fields.get("name") {
            Some(Value::String(name)) if !name.trim().is_empty() => {}
            _ => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "Missing required field: name",
                ));
            }
        }
    }
    match fields.get("discount") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(discount)) => {
            let id = discount.get("id").map(id_text).unwrap_or_default();
            if store.discounts.contains_key(&id) {
                Ok(())
            } else {
                Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Customer discount {id} does not exist"),
                ))
            }
        }
        Some(_) => Err(error(
            StatusCode::BAD_REQUEST,
            "Field discount must be an object",
        )),
    }
}

/// Keeps only the discount's id: its name is read from the discount.
pub(super) fn group_fields(mut fields: Map<String, Value>) -> Map<String, Value> {
    fields.remove("id");
    if let Some(discount) = fields.get_mut("discount").and_then(Value::as_object_mut) {
        discount.retain(|k, _| k == "id");
    }
    fields
}

pub(super) fn group_not_found(id: &str) -> Refusal {
    error(
        StatusCode::NOT_FOUND,
        format!("Customer group {id} not found"),
    )
}

pub(super) async fn list_groups(State(state): State<Shared>) -> Answer {
    let store = state.lock();
    let groups: Vec<Value> = store
        .groups
        .values()
        .map(|g| store.render_group(g))
        .collect();
    ok(StatusCode::OK, &json!({"customerGroups": groups}))
}

pub(super) async fn get_group(State(state): State<Shared>, Path(id): Path<String>) -> Answer {
    let store = state.lock();
    let group = store.groups.get(&id).ok_or_else(|| group_not_found(&id))?;
    ok(
        StatusCode::OK,
        &json!({"customerGroup": store.render_group(group)}),
    )
}

pub(super) async fn create_group(State(state): State<Shared>, body: Bytes) -> Answer {
    let fields = object_body(&body)?;
    let mut store = state.lock();
    validate_group(&store, &fields, true)?;
    let group = store.insert_new(Table::Groups, |id| {
        let mut group = Map::new();
        group.insert("id".into(), json!(id));
        group.extend(group_fields(fields));
        Value::Object(group)
    })?;
    ok(
        StatusCode::CREATED,
        &json!({"customerGroup": store.render_group(&group)}),
    )
}

pub(super) async fn replace_group(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let fields = object_body(&body)?;
    let mut store = state.lock();
    validate_group(&store, &fields, true)?;
    let existing = store.groups.get(&id).ok_or_else(|| group_not_found(&id))?;
    let mut group = Map::new();
    group.insert("id".into(), existing["id"].clone());
    group.extend(group_fields(fields));
    let group = Value::Object(group);
    store.groups.insert(id, group.clone());
    ok(
        StatusCode::OK,
        &json!({"customerGroup": store.render_group(&group)}),
    )
}

pub(super) async fn patch_group(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let fields = object_body(&body)?;
    let mut store = state.lock();
    validate_group(&store, &fields, false)?;
    let group = store
        .groups
        .get_mut(&id)
        .ok_or_else(|| group_not_found(&id))?;
    if let Value::Object(existing) = group {
        existing.extend(group_fields(fields));
    }
    let group = group.clone();
    ok(
        StatusCode::OK,
        &json!({"customerGroup": store.render_group(&group)}),
    )
}

pub(super) async fn delete_group(State(state): State<Shared>, Path(id): Path<String>) -> Answer {
    let has_customers = |store: &Store| {
        let used = store.customers.values().any(|c| {
            c.fields
                .get("customerGroup")
                .and_then(|g| g.get("id"))
                .is_some_and(|g| id_text(g) == id)
        });
        used.then(|| format!("Customer group {id} still has customers"))
    };
    state.lock().delete_unless_referenced(
        Table::Groups,
        &id,
        "Customer group",
        || group_not_found(&id),
        has_customers,
    )
}
