//! `/discounts`: the discount handlers.

use super::*;

pub(super) fn validate_discount(fields: &Map<String, Value>, whole: bool) -> Result<(), Refusal> {
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
    if whole
        && !fields
            .get("value")
            .is_some_and(|v| v.is_number() || v.is_string())
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Missing required field: value",
        ));
    }
    for flag in ["absolute", "checkDiscountable"] {
        if fields.get(flag).is_some_and(|v| !v.is_boolean()) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("Field {flag} must be a boolean"),
            ));
        }
    }
    Ok(())
}

pub(super) fn discount_defaults(id: Value, fields: Map<String, Value>) -> Value {
    let mut discount = Map::new();
    discount.insert("id".into(), id);
    discount.insert("absolute".into(), Value::Bool(false));
    discount.insert("checkDiscountable".into(), Value::Bool(false));
    discount.extend(fields.into_iter().filter(|(k, _)| k != "id"));
    Value::Object(discount)
}

pub(super) fn discount_not_found(id: &str) -> Refusal {
    error(
        StatusCode::NOT_FOUND,
        format!("Customer discount {id} not found"),
    )
}

pub(super) async fn list_discounts(State(state): State<Shared>) -> Answer {
    let store = state.lock();
    let discounts: Vec<&Value> = store.discounts.values().collect();
    ok(StatusCode::OK, &json!({"customerDiscounts": discounts}))
}

pub(super) async fn get_discount(State(state): State<Shared>, Path(id): Path<String>) -> Answer {
    let store = state.lock();
    let discount = store
        .discounts
        .get(&id)
        .ok_or_else(|| discount_not_found(&id))?;
    ok(StatusCode::OK, &json!({"customerDiscount": discount}))
}

pub(super) async fn create_discount(State(state): State<Shared>, body: Bytes) -> Answer {
    let fields = object_body(&body)?;
    validate_discount(&fields, true)?;
    let discount = state
        .lock()
        .insert_new(Table::Discounts, |id| discount_defaults(json!(id), fields))?;
    ok(StatusCode::CREATED, &json!({"customerDiscount": discount}))
}

pub(super) async fn replace_discount(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let fields = object_body(&body)?;
    validate_discount(&fields, true)?;
    let mut store = state.lock();
    let existing = store
        .discounts
        .get(&id)
        .ok_or_else(|| discount_not_found(&id))?;
    let discount = discount_defaults(existing["id"].clone(), fields);
    store.discounts.insert(id, discount.clone());
    ok(StatusCode::OK, &json!({"customerDiscount": discount}))
}

pub(super) async fn patch_discount(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let fields = object_body(&body)?;
    validate_discount(&fields, false)?;
    let mut store = state.lock();
    let discount = store
        .discounts
        .get_mut(&id)
        .ok_or_else(|| discount_not_found(&id))?;
    if let Value::Object(existing) = discount {
        existing.extend(fields.into_iter().filter(|(k, _)| k != "id"));
    }
    ok(StatusCode::OK, &json!({"customerDiscount": discount}))
}

pub(super) async fn delete_discount(State(state): State<Shared>, Path(id): Path<String>) -> Answer {
    let used_by_a_group = |store: &Store| {
        let used = store.groups.values().any(|g| {
            g.get("discount")
                .and_then(|d| d.get("id"))
                .is_some_and(|d| id_text(d) == id)
        });
        used.then(|| format!("Customer discount {id} is used by a customer group"))
    };
    state.lock().delete_unless_referenced(
        Table::Discounts,
        &id,
        "Customer discount",
        || discount_not_found(&id),
        used_by_a_group,
    )
}
