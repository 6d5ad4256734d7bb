//! The document's field rules, as the server applies them.

use super::*;

// The server's rules, copied from the "Restrictions" column of the
// document's customer field table on their own, not taken from the client's
// validation: a wrong limit in the client then shows up as a sandbox refusal.

pub(super) const TEXT_LIMITS: &[(&str, usize)] = &[
    ("number", 255),
    ("gender", 5),
    ("title", 50),
    ("salutation", 50),
    ("firstName", 100),
    ("lastName", 100),
    ("companyName", 255),
    ("companyPosition", 255),
];

pub(super) const ADDRESS_LIMITS: &[(&str, usize)] = &[
    ("street", 255),
    ("building", 100),
    ("zip", 50),
    ("city", 255),
];

pub(super) const LIST_LIMITS: &[(&str, usize)] = &[
    ("emails", 100),
    ("phones", 50),
    ("urls", 255),
    ("socials", 255),
];

pub(super) fn too_long(field: &str, max: usize) -> Refusal {
    error(
        StatusCode::BAD_REQUEST,
        format!("Field {field} is too long: max length is {max}"),
    )
}

pub(super) fn check_text(
    fields: &Map<String, Value>,
    name: &str,
    max: usize,
) -> Result<(), Refusal> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(text)) if text.chars().count() <= max => Ok(()),
        Some(Value::String(_)) => Err(too_long(name, max)),
        Some(_) => Err(error(
            StatusCode::BAD_REQUEST,
            format!("Field {name} must be a string"),
        )),
    }
}

/// Checks a customer body; `whole` for create and replace, where `number`
/// and `customerGroup.id` are required.
pub(super) fn validate_customer(
    store: &Store,
    fields: &Map<String, Value>,
    whole: bool,
) -> Result<(), Refusal> {
    if whole || fields.contains_key("number") {
        check_number(fields)?;
    }
    for (name, max) in TEXT_LIMITS {
        check_text(fields, name, *max)?;
    }
    check_birthday(fields)?;
    if let Some(active) = fields.get("active")
        && !active.is_boolean()
    {
        return Err(bad_request("Field active must be a boolean"));
    }
    for (name, max) in LIST_LIMITS {
        check_text_list(fields, name, *max)?;
    }
    check_addresses(fields)?;
    check_group(store, fields, whole)
}

fn bad_request(message: impl Into<String>) -> Refusal {
    error(StatusCode::BAD_REQUEST, message)
}

/// `number`: a string that is not blank.
fn check_number(fields: &Map<String, Value>) -> Result<(), Refusal> {
    match fields.get("number") {
        Some(Value::String(number)) if !number.trim().is_empty() => Ok(()),
        _ => Err(bad_request("Missing required field: number")),
    }
}

/// `birthday`: absent, null, or a real date `YYYY-MM-DD`.
fn check_birthday(fields: &Map<String, Value>) -> Result<(), Refusal> {
    let Some(birthday) = fields.get("birthday").filter(|b| !b.is_null()) else {
        return Ok(());
    };
    let valid = birthday
        .as_str()
        .is_some_and(|b| b.len() == 10 && NaiveDate::parse_from_str(b, "%Y-%m-%d").is_ok());
    if valid {
        Ok(())
    } else {
        Err(bad_request("Field birthday must be a date YYYY-MM-DD"))
    }
}

/// A list of strings of at most `max` characters each (`emails`, `phones`, ...).
fn check_text_list(fields: &Map<String, Value>, name: &str, max: usize) -> Result<(), Refusal> {
    let items = match fields.get(name) {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(bad_request(format!("Field {name} must be an array"))),
    };
    for item in items {
        match item.as_str() {
            Some(text) if text.chars().count() <= max => {}
            Some(_) => return Err(too_long(name, max)),
            None => return Err(bad_request(format!("Field {name} must hold strings"))),
        }
    }
    Ok(())
}

/// `addresses`: objects whose fields keep their limits.
fn check_addresses(fields: &Map<String, Value>) -> Result<(), Refusal> {
    let addresses = match fields.get("addresses") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(addresses)) => addresses,
        Some(_) => return Err(bad_request("Field addresses must be an array")),
    };
    for address in addresses {
        let Value::Object(address) = address else {
            return Err(bad_request("Each address must be an object"));
        };
        for (name, max) in ADDRESS_LIMITS {
            check_text(address, name, *max)?;
        }
    }
    Ok(())
}

/// `customerGroup.id`: required for a whole customer, and the group must exist.
fn check_group(store: &Store, fields: &Map<String, Value>, whole: bool) -> Result<(), Refusal> {
    match fields.get("customerGroup") {
        None | Some(Value::Null) if !whole => Ok(()),
        Some(Value::Object(group)) if group.get("id").is_some_and(|id| !id.is_null()) => {
            let id = id_text(&group["id"]);
            if store.groups.contains_key(&id) {
                Ok(())
            } else {
                Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Customer group {id} does not exist"),
                ))
            }
        }
        _ => Err(bad_request("Missing required field: customerGroup.id")),
    }
}
