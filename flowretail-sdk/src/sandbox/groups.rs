//! The customer group handlers and their members.

use super::*;

pub(super) async fn list_groups(
    State(state): State<Shared>,
    Path(tenant_uid): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let mut store = state.lock();
    let first_page = store.first_page;
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    let params = list_params(query)?;
    let groups: Vec<&CustomerGroup> = tenant.groups.values().collect();
    let page = page_of(groups, &params, first_page, |g, field| match field {
        "name" => Some(SortKey::Text(g.name.clone())),
        "createdAt" => Some(time_key(g.created_at)),
        "lastModifiedAt" => Some(time_key(g.last_modified_at)),
        _ => None,
    })?;
    ok(StatusCode::OK, &page)
}

pub(super) async fn create_group(
    State(state): State<Shared>,
    Path(tenant_uid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut store = state.lock();
    let now = store.now();
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    let body = parse_body(&body)?;
    let Some(name) = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return Err(refuse(StatusCode::UNPROCESSABLE_ENTITY, "name is required"));
    };
    let uid = match body.get("customerGroupUid") {
        None | Some(Value::Null) => sdk_core::random::uuid_v4().to_string(),
        Some(Value::String(uid)) if uid.is_empty() => sdk_core::random::uuid_v4().to_string(),
        Some(Value::String(uid)) => {
            if !is_uid(uid) {
                return Err(refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "customerGroupUid must match ^[A-Za-z0-9-_]+",
                ));
            }
            uid.clone()
        }
        Some(_) => {
            return Err(refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "customerGroupUid must be a string",
            ));
        }
    };
    if tenant.groups.contains_key(&uid) {
        return Err(refuse(
            StatusCode::CONFLICT,
            format!("Customer group {uid} already exists"),
        ));
    }
    if let Some(why) = over_capacity("customer groups", tenant.groups.len(), 1) {
        return Err(refuse(StatusCode::UNPROCESSABLE_ENTITY, why));
    }
    let group = CustomerGroup {
        customer_group_uid: uid.clone(),
        name: name.to_owned(),
        created_by: "sandbox".into(),
        created_at: now,
        last_modified_by: "sandbox".into(),
        last_modified_at: now,
    };
    tenant.groups.insert(uid, group.clone());
    ok(StatusCode::CREATED, &group)
}

pub(super) async fn get_group(
    State(state): State<Shared>,
    Path((tenant_uid, uid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let mut store = state.lock();
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    let group = tenant
        .groups
        .get(&uid)
        .ok_or_else(|| group_not_found(&uid))?;
    ok(StatusCode::OK, group)
}

pub(super) async fn update_group(
    State(state): State<Shared>,
    Path((tenant_uid, uid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut store = state.lock();
    let now = store.now();
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    let body = parse_body(&body)?;
    let group = tenant
        .groups
        .get_mut(&uid)
        .ok_or_else(|| group_not_found(&uid))?;
    match body.get("name") {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) if !name.trim().is_empty() => {
            group.name = name.clone();
            group.last_modified_at = now;
        }
        Some(_) => {
            return Err(refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "name must be a non-empty string",
            ));
        }
    }
    ok(StatusCode::OK, group)
}

pub(super) async fn delete_group(
    State(state): State<Shared>,
    Path((tenant_uid, uid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let mut store = state.lock();
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    tenant
        .groups
        .remove(&uid)
        .ok_or_else(|| group_not_found(&uid))?;
    for customer in tenant.customers.values_mut() {
        customer.customer_group_uids.retain(|g| g != &uid);
    }
    no_content()
}

pub(super) async fn list_customers(
    State(state): State<Shared>,
    Path((tenant_uid, uid)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let mut store = state.lock();
    let first_page = store.first_page;
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    if !tenant.groups.contains_key(&uid) {
        return Err(group_not_found(&uid));
    }
    let params = list_params(query)?;
    let members: Vec<&Customer> = tenant
        .customers
        .values()
        .filter(|c| c.customer_group_uids.contains(&uid))
        .collect();
    let page = page_of(members, &params, first_page, |c, field| match field {
        "lastname" => Some(SortKey::Text(c.lastname.clone())),
        "createdAt" => Some(time_key(c.created_at)),
        _ => None,
    })?;
    ok(StatusCode::OK, &page)
}

/// The schema's `UID` pattern, `^[A-Za-z0-9-_]+`, as the server checks it
/// (written from the document, apart from the client's own check).
pub(super) fn is_uid(uid: &str) -> bool {
    !uid.is_empty()
        && uid
            .bytes()
            .all(|b| matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'))
}

pub(super) fn uid_list(
    body: &serde_json::Map<String, Value>,
    field: &str,
) -> Result<Vec<String>, Refusal> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item.as_str() {
                Some(uid) if is_uid(uid) => Ok(uid.to_owned()),
                _ => Err(refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{field} holds an invalid UID"),
                )),
            })
            .collect(),
        Some(_) => Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{field} must be an array"),
        )),
    }
}

pub(super) async fn update_members(
    State(state): State<Shared>,
    Path((tenant_uid, uid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut store = state.lock();
    let tenant = tenant(&mut store, &headers, &tenant_uid)?;
    if !tenant.groups.contains_key(&uid) {
        return Err(group_not_found(&uid));
    }
    let body = parse_body(&body)?;
    let add = uid_list(&body, "addCustomerUids")?;
    let remove = uid_list(&body, "removeCustomerUids")?;
    if let Some(unknown) = add
        .iter()
        .chain(&remove)
        .find(|c| !tenant.customers.contains_key(*c))
    {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Customer {unknown} not found"),
        ));
    }
    for customer_uid in &add {
        if let Some(customer) = tenant.customers.get_mut(customer_uid)
            && !customer.customer_group_uids.contains(&uid)
        {
            customer.customer_group_uids.push(uid.clone());
        }
    }
    for customer_uid in &remove {
        if let Some(customer) = tenant.customers.get_mut(customer_uid) {
            customer.customer_group_uids.retain(|g| g != &uid);
        }
    }
    no_content()
}
