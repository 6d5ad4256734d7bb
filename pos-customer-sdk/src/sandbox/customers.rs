//! `/customers`: the customer handlers.

use super::*;

pub(super) const READ_ONLY_CUSTOMER_FIELDS: &[&str] = &["id", "balance", "currency"];

/// A whole customer as stored: read-only fields kept from `previous`,
/// defaults filled in, every address with an id.
pub(super) fn build_customer(
    id: &str,
    mut fields: Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    for name in READ_ONLY_CUSTOMER_FIELDS {
        fields.remove(*name);
    }
    if let Some(group) = fields
        .get_mut("customerGroup")
        .and_then(Value::as_object_mut)
    {
        group.remove("name");
    }
    let mut customer = Map::new();
    customer.insert("id".into(), Value::String(id.to_owned()));
    customer.insert("active".into(), Value::Bool(true));
    customer.insert("gender".into(), Value::String("U".into()));
    let kept = |name: &str, default: &str| {
        previous
            .and_then(|p| p.get(name).cloned())
            .unwrap_or_else(|| Value::String(default.into()))
    };
    customer.insert("balance".into(), kept("balance", "0.00"));
    customer.insert("currency".into(), kept("currency", "EUR"));
    customer.extend(fields);
    for list in ["addresses", "emails", "socials", "phones", "urls"] {
        if customer.get(list).is_none_or(Value::is_null) {
            customer.insert(list.into(), Value::Array(Vec::new()));
        }
    }
    if let Some(Value::Array(addresses)) = customer.get_mut("addresses") {
        for address in addresses.iter_mut().filter_map(Value::as_object_mut) {
            if address.get("id").is_none_or(Value::is_null) {
                address.insert(
                    "id".into(),
                    Value::String(sdk_core::random::uuid_v4().to_string()),
                );
            }
        }
    }
    customer
}

/// Applies a patch: fields set replace, addresses merge by id.
pub(super) fn apply_patch(
    customer: &mut Map<String, Value>,
    mut patch: Map<String, Value>,
) -> Result<(), Refusal> {
    for name in READ_ONLY_CUSTOMER_FIELDS {
        patch.remove(*name);
    }
    if let Some(Value::Array(changes)) = patch.remove("addresses") {
        let mut addresses = match customer.remove("addresses") {
            Some(Value::Array(addresses)) => addresses,
            _ => Vec::new(),
        };
        for change in changes {
            let Value::Object(mut change) = change else {
                continue;
            };
            match change.get("id").filter(|id| !id.is_null()).map(id_text) {
                Some(id) => {
                    let existing = addresses
                        .iter_mut()
                        .filter_map(Value::as_object_mut)
                        .find(|a| a.get("id").map(id_text).as_deref() == Some(id.as_str()));
                    let Some(existing) = existing else {
                        return Err(error(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            format!("Address {id} does not exist"),
                        ));
                    };
                    change.remove("id");
                    existing.extend(change);
                }
                None => {
                    change.insert(
                        "id".into(),
                        Value::String(sdk_core::random::uuid_v4().to_string()),
                    );
                    addresses.push(Value::Object(change));
                }
            }
        }
        customer.insert("addresses".into(), Value::Array(addresses));
    }
    if let Some(group) = patch
        .get_mut("customerGroup")
        .and_then(Value::as_object_mut)
    {
        group.remove("name");
    }
    customer.extend(patch);
    Ok(())
}

pub(super) fn customer_answer(store: &Store, id: &str, status: StatusCode) -> Answer {
    let stored = &store.customers[id];
    ok(status, &json!({"customer": store.render_customer(stored)}))
}

pub(super) async fn list_customers(State(state): State<Shared>) -> Answer {
    let store = state.lock();
    ok(
        StatusCode::OK,
        &json!({"customers": store.customers_in_order(None)}),
    )
}

pub(super) async fn list_modified(State(state): State<Shared>, Path(date): Path<String>) -> Answer {
    let since = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "startDate must be a date YYYY-MM-DD",
        )
    })?;
    let store = state.lock();
    ok(
        StatusCode::OK,
        &json!({"customers": store.customers_in_order(Some(since))}),
    )
}

pub(super) async fn get_customer(State(state): State<Shared>, Path(id): Path<String>) -> Answer {
    let store = state.lock();
    if !store.customers.contains_key(&id) {
        return Err(error(
            StatusCode::NOT_FOUND,
            format!("Customer {id} not found"),
        ));
    }
    customer_answer(&store, &id, StatusCode::OK)
}

/// Refuses `adding` customers more than the sandbox holds.
fn room_for_customers(store: &Store, adding: usize) -> Result<(), Refusal> {
    match over_capacity("customers", store.customers.len(), adding) {
        Some(why) => Err(error(StatusCode::BAD_REQUEST, why)),
        None => Ok(()),
    }
}

/// Creates or replaces `id`; `true` when it was created.
pub(super) fn upsert(store: &mut Store, id: String, fields: Map<String, Value>) -> bool {
    let today = store.today();
    let previous = store.customers.get(&id);
    let created = previous.is_none();
    let sequence = match previous {
        Some(previous) => previous.sequence,
        None => {
            store.sequence += 1;
            store.sequence
        }
    };
    let fields = build_customer(&id, fields, previous.map(|p| &p.fields));
    store.customers.insert(
        id,
        StoredCustomer {
            sequence,
            modified: today,
            fields,
        },
    );
    created
}

pub(super) async fn create_customer(State(state): State<Shared>, body: Bytes) -> Answer {
    let fields = object_body(&body)?;
    let mut store = state.lock();
    validate_customer(&store, &fields, true)?;
    room_for_customers(&store, 1)?;
    let id = sdk_core::random::uuid_v4().to_string();
    upsert(&mut store, id.clone(), fields);
    customer_answer(&store, &id, StatusCode::CREATED)
}

pub(super) async fn replace_customer(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let fields = object_body(&body)?;
    let mut store = state.lock();
    validate_customer(&store, &fields, true)?;
    room_for_customers(&store, usize::from(!store.customers.contains_key(&id)))?;
    let created = upsert(&mut store, id.clone(), fields);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    customer_answer(&store, &id, status)
}

pub(super) fn patch_one(
    store: &mut Store,
    id: &str,
    patch: Map<String, Value>,
) -> Result<(), Refusal> {
    validate_customer(store, &patch, false)?;
    let today = store.today();
    let Some(stored) = store.customers.get_mut(id) else {
        return Err(error(
            StatusCode::NOT_FOUND,
            format!("Customer {id} not found"),
        ));
    };
    let mut fields = stored.fields.clone();
    apply_patch(&mut fields, patch)?;
    stored.fields = fields;
    stored.modified = today;
    Ok(())
}

pub(super) async fn patch_customer(
    State(state): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let patch = object_body(&body)?;
    let mut store = state.lock();
    patch_one(&mut store, &id, patch)?;
    customer_answer(&store, &id, StatusCode::OK)
}

/// Splits list entries into their ids and the rest; every entry needs an id.
pub(super) fn entries_with_ids(
    entries: Vec<Map<String, Value>>,
) -> Result<Vec<(String, Fields)>, Refusal> {
    entries
        .into_iter()
        .enumerate()
        .map(
            |(i, mut entry)| match entry.remove("id").filter(|id| !id.is_null()) {
                Some(id) => Ok((id_text(&id), entry)),
                None => Err(error(
                    StatusCode::BAD_REQUEST,
                    format!("Missing required field: id (entry {i})"),
                )),
            },
        )
        .collect()
}

pub(super) async fn replace_customers(State(state): State<Shared>, body: Bytes) -> Answer {
    let entries = entries_with_ids(parse_array(&body)?)?;
    let mut store = state.lock();
    for (_, fields) in &entries {
        validate_customer(&store, fields, true)?;
    }
    let new: std::collections::HashSet<&String> = entries
        .iter()
        .map(|(id, _)| id)
        .filter(|id| !store.customers.contains_key(*id))
        .collect();
    room_for_customers(&store, new.len())?;
    let mut any_created = false;
    let mut ids = Vec::with_capacity(entries.len());
    for (id, fields) in entries {
        any_created |= upsert(&mut store, id.clone(), fields);
        ids.push(id);
    }
    let customers: Vec<Value> = ids
        .iter()
        .map(|id| store.render_customer(&store.customers[id]))
        .collect();
    let status = if any_created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    ok(status, &json!({"customers": customers}))
}

pub(super) async fn patch_customers(State(state): State<Shared>, body: Bytes) -> Answer {
    let entries = entries_with_ids(parse_array(&body)?)?;
    let mut store = state.lock();
    for (id, patch) in &entries {
        if !store.customers.contains_key(id) {
            return Err(error(
                StatusCode::NOT_FOUND,
                format!("Customer {id} not found"),
            ));
        }
        validate_customer(&store, patch, false)?;
    }
    let mut ids = Vec::with_capacity(entries.len());
    for (id, patch) in entries {
        patch_one(&mut store, &id, patch)?;
        ids.push(id);
    }
    let customers: Vec<Value> = ids
        .iter()
        .map(|id| store.render_customer(&store.customers[id]))
        .collect();
    ok(StatusCode::OK, &json!({"customers": customers}))
}
