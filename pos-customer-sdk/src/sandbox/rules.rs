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
        match fields.get("number") {
            Some(Value::String(number)) if !number.trim().is_empty() => {}
            _ => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "Missing required field: number",
                ));
            }
        }
    }
    for (name, max) in TEXT_LIMITS {
        check_text(fields, name, *max)?;
    }
    if let Some(birthday) = fields.get("birthday").filter(|b| !b.is_null()) {
        let valid = birthday
            .as_str()
            .is_some_and(|b| b.len() == 10 && NaiveDate::parse_from_str(b, "%Y-%m-%d").is_ok());
        if !valid {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Field birthday must be a date YYYY-MM-DD",
            ));
        }
    }
    if let Some(active) = fields.get("active")
        && !active.is_boolean()
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Field active must be a boolean",
        ));
    }
    for (name, max) in LIST_LIMITS {
        match fields.get(*name) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    match item.as_str() {
                        Some(text) if text.chars().count() <= *max => {}
                        Some(_) => return Err(too_long(name, *max)),
                        None => {
                            return Err(error(
                                StatusCode::BAD_REQUEST,
                                format!("Field {name} must hold strings"),
                            ));
                        }
                    }
                }
            }
            Some(_) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    format!("Field {name} must be an array"),
                ));
            }
        }
    }
    match fields.get("addresses") {
        None | Some(Value::Null) => {}
        Some(Value::Array(addresses)) => {
            for address in addresses {
                let Value::Object(address) = address else {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        "Each address must be an object",
                    ));
                };
                for (name, max) in ADDRESS_LIMITS {
                    check_text(address, name, *max)?;
                }
            }
        }
        Some(_) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Field addresses must be an array",
            ));
        }
    }
    match fields.get("customerGroup") {
        None | Some(Value::Null) if !whole => {}
        Some(Value::Object(group)) if group.get("id").is_some_and(|id| !id.is_null()) => {
            if !store.groups.contains_key(&id_text(&group["id"])) {
                return Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Customer group {} does not exist", id_text(&group["id"])),
                ));
            }
        }
        _ => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Missing required field: customerGroup.id",
            ));
        }
    }
    Ok(())
}
