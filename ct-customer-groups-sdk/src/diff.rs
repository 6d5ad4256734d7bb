//! What differs between a group and the state wanted of it: the update
//! actions that make one into the other, and value comparison as custom
//! fields mean it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::model::{
    CustomFields, CustomFieldsDraft, CustomerGroup, CustomerGroupDraft, Reference,
    ResourceIdentifier,
};
use crate::update::UpdateAction;

impl UpdateAction {
    /// The fewest update actions that make `current` into what `desired`
    /// describes, in a fixed order: `changeName`, `setKey`, then the custom
    /// fields (`setCustomType` when the type changes, otherwise one
    /// `setCustomField` per changed field, in field name order, and one
    /// that removes each field `desired` leaves out). Equal states give no
    /// actions.
    ///
    /// Field values compare as values: numbers by value (`1` equals
    /// `1.0`), arrays as the sets custom fields hold, in any order, Money
    /// by currency and amount (the server adds `type` and
    /// `fractionDigits`), and, where `current` was read with
    /// `expand=custom.type` so its field definitions are known, DateTime
    /// and Time fields as instants. A draft that names its type by key is
    /// compared with the key of the expanded type; without the expansion
    /// the type cannot be compared, so the custom fields are set whole
    /// (`setCustomType`), which is right but not the fewest.
    ///
    /// A request carries at most [`MAX_ACTIONS`](crate::update::MAX_ACTIONS):
    /// [`CustomerGroups::ensure`](crate::customer_groups::CustomerGroups::ensure)
    /// splits longer lists into several requests.
    ///
    /// ```
    /// use ct_customer_groups_sdk::{
    ///     CustomFieldsDraft, CustomerGroup, CustomerGroupDraft, ResourceIdentifier, UpdateAction,
    /// };
    ///
    /// let current: CustomerGroup = ct_customer_groups_sdk::serde_json::from_str(
    ///     r#"{"id": "g-1", "version": 3, "name": "Gold", "key": "gold",
    ///         "createdAt": "2024-01-01T00:00:00Z", "lastModifiedAt": "2024-01-01T00:00:00Z",
    ///         "custom": {"type": {"typeId": "type", "id": "t-1"},
    ///                    "fields": {"tier": 2, "perks": ["lounge", "desk"], "old": true}}}"#,
    /// )?;
    /// let desired = CustomerGroupDraft::new("Gold").key("gold").custom(
    ///     CustomFieldsDraft::new(ResourceIdentifier::type_by_id("t-1"))
    ///         .field("tier", 2.0)
    ///         .field("perks", ["desk", "lounge"]),
    /// );
    /// // Only the dropped field changes: 2.0 is 2, and a set has no order.
    /// assert_eq!(
    ///     UpdateAction::diff(&current, &desired),
    ///     vec![UpdateAction::set_custom_field("old", None)]
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn diff(current: &CustomerGroup, desired: &CustomerGroupDraft) -> Vec<UpdateAction> {
        let mut actions = Vec::new();
        if current.name != desired.group_name {
            actions.push(UpdateAction::change_name(&desired.group_name));
        }
        if current.key != desired.key {
            actions.push(UpdateAction::set_key(desired.key.clone()));
        }
        custom_actions(
            current.custom.as_ref(),
            desired.custom.as_ref(),
            &mut actions,
        );
        actions
    }
}

/// The actions that make `current`'s custom fields into `desired`'s.
fn custom_actions(
    current: Option<&CustomFields>,
    desired: Option<&CustomFieldsDraft>,
    actions: &mut Vec<UpdateAction>,
) {
    match (current, desired) {
        (None, None) => {}
        (Some(_), None) => actions.push(UpdateAction::set_custom_type(None, None)),
        (current, Some(desired)) => {
            let same_type = current
                .and_then(|current| names_type(&desired.type_, &current.type_))
                .unwrap_or(false);
            match current {
                Some(current) if same_type => field_actions(current, desired, actions),
                _ => actions.push(UpdateAction::set_custom_type(
                    Some(desired.type_.clone()),
                    present_fields(desired.fields.as_ref()).filter(|fields| !fields.is_empty()),
                )),
            }
        }
    }
}

/// One `setCustomField` per field whose value differs, in name order.
fn field_actions(
    current: &CustomFields,
    desired: &CustomFieldsDraft,
    actions: &mut Vec<UpdateAction>,
) {
    let types = field_types(&current.type_);
    let now: Map<String, Value> = current.fields.decode().unwrap_or_default();
    let wanted = present_fields(desired.fields.as_ref()).unwrap_or_default();
    let names: BTreeSet<&String> = now.keys().chain(wanted.keys()).collect();
    for name in names {
        let field_type = types.get(name.as_str());
        match (present(now.get(name)), wanted.get(name)) {
            (Some(was), Some(value)) if same_field(field_type, was, value) => {}
            (_, Some(value)) => {
                actions.push(UpdateAction::set_custom_field(name, Some(value.clone())));
            }
            (Some(_), None) => actions.push(UpdateAction::set_custom_field(name, None)),
            (None, None) => {}
        }
    }
}

/// A field value, where `null` means no value.
fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|value| !value.is_null())
}

/// The draft's fields without those set to `null` (which means unset).
fn present_fields(fields: Option<&Map<String, Value>>) -> Option<Map<String, Value>> {
    fields.map(|fields| {
        fields
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    })
}

/// Whether `identifier` names the type `current` refers to: by id always
/// known; by key only when `current` was expanded (`None` otherwise).
pub(crate) fn names_type(identifier: &ResourceIdentifier, current: &Reference) -> Option<bool> {
    if let Some(id) = identifier.id() {
        return Some(id == current.id);
    }
    let key = identifier.key()?;
    let expanded: Option<String> = current.obj.as_ref()?.field_as("key").ok().flatten();
    expanded.map(|expanded| expanded == key)
}

/// The field types of an expanded type (`obj.fieldDefinitions`), by name;
/// empty when the reference was not expanded.
fn field_types(reference: &Reference) -> BTreeMap<String, Value> {
    let definitions: Vec<Value> = reference
        .obj
        .as_ref()
        .and_then(|obj| obj.field_as("fieldDefinitions").ok().flatten())
        .unwrap_or_default();
    definitions
        .into_iter()
        .filter_map(|mut definition| {
            let name = definition.get("name")?.as_str()?.to_owned();
            Some((name, definition.get_mut("type")?.take()))
        })
        .collect()
}

/// Whether two groups hold the same state that update actions set: name,
/// key, custom type and custom field values (compared as [`UpdateAction::diff`]
/// compares them).
pub(crate) fn same_settable_state(a: &CustomerGroup, b: &CustomerGroup) -> bool {
    a.name == b.name
        && a.key == b.key
        && match (&a.custom, &b.custom) {
            (None, None) => true,
            (Some(a), Some(b)) => a.type_.id == b.type_.id && same_fields(a, b),
            _ => false,
        }
}

/// Whether two sets of custom fields hold the same values (a `null` is no value).
fn same_fields(a: &CustomFields, b: &CustomFields) -> bool {
    let mut types = field_types(&a.type_);
    if types.is_empty() {
        types = field_types(&b.type_);
    }
    let (a, b): (Map<String, Value>, Map<String, Value>) = (
        a.fields.decode().unwrap_or_default(),
        b.fields.decode().unwrap_or_default(),
    );
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    names
        .into_iter()
        .all(|name| match (present(a.get(name)), present(b.get(name))) {
            (Some(x), Some(y)) => same_field(types.get(name.as_str()), x, y),
            (None, None) => true,
            _ => false,
        })
}

/// Whether two values of a field (of `field_type`, when known) are equal.
fn same_field(field_type: Option<&Value>, a: &Value, b: &Value) -> bool {
    canonical_field(field_type, a) == canonical_field(field_type, b)
}

/// A field value as text that is the same for equal values.
fn canonical_field(field_type: Option<&Value>, value: &Value) -> String {
    let name = field_type
        .and_then(|t| t.get("name"))
        .and_then(Value::as_str);
    match (name, value) {
        (Some("Set"), Value::Array(items)) => {
            let element = field_type.and_then(|t| t.get("elementType"));
            let mut items: Vec<String> = items
                .iter()
                .map(|item| canonical_field(element, item))
                .collect();
            items.sort_unstable();
            items.dedup();
            format!("[{}]", items.join(","))
        }
        (Some("DateTime"), Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|time| {
                time.with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
            })
            .unwrap_or_else(|_| canonical_json(value)),
        (Some("Time"), Value::String(text)) => {
            chrono::NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
                .map(|time| time.format("%H:%M:%S%.9f").to_string())
                .unwrap_or_else(|_| canonical_json(value))
        }
        _ => canonical_json(value),
    }
}

/// `value` as text with numbers written by value, object members in name
/// order, array elements sorted (through a canonical text, a large set
/// costs a sort, not a square), and Money without what the server adds.
fn canonical_json(value: &Value) -> String {
    match value {
        Value::Number(number) => canonical_number(number),
        Value::Array(items) => {
            let mut items: Vec<String> = items.iter().map(canonical_json).collect();
            items.sort_unstable();
            items.dedup();
            format!("[{}]", items.join(","))
        }
        Value::Object(members) => {
            let money = is_money(members);
            let mut members: Vec<String> = members
                .iter()
                .filter(|(name, _)| !(money && added_to_money(members, name)))
                .map(|(name, value)| {
                    format!("{}:{}", Value::from(name.as_str()), canonical_json(value))
                })
                .collect();
            members.sort_unstable();
            format!("{{{}}}", members.join(","))
        }
        other => other.to_string(),
    }
}

/// A Money value: a currency and an amount in cents.
fn is_money(members: &Map<String, Value>) -> bool {
    members.contains_key("currencyCode") && members.contains_key("centAmount")
}

/// What the server adds to a Money a draft sets: its `type`, and the
/// currency's `fractionDigits` (which a high-precision amount keeps).
fn added_to_money(members: &Map<String, Value>, name: &str) -> bool {
    name == "type" || (name == "fractionDigits" && !members.contains_key("preciseAmount"))
}

/// A number as the same text whichever way it was written (`1`, `1.0`, `1e0`).
fn canonical_number(number: &serde_json::Number) -> String {
    if let Some(integer) = number.as_i64() {
        return integer.to_string();
    }
    if let Some(integer) = number.as_u64() {
        return integer.to_string();
    }
    let float = number.as_f64().unwrap_or(f64::NAN);
    // Integral floats within i64 read as the integer they are.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    if float.fract() == 0.0 && float.abs() < 9.0e15 {
        return (float as i64).to_string();
    }
    format!("{float:e}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn group(custom: Value) -> CustomerGroup {
        serde_json::from_value(json!({
            "id": "g", "version": 1, "name": "Gold", "key": "gold",
            "createdAt": "2024-01-01T00:00:00Z", "lastModifiedAt": "2024-01-01T00:00:00Z",
            "custom": custom,
        }))
        .unwrap()
    }

    #[test]
    fn money_compares_by_currency_and_amount_and_typed_times_as_instants() {
        let current = group(json!({
            "type": {"typeId": "type", "id": "t", "obj": {"key": "k", "fieldDefinitions": [
                {"name": "at", "type": {"name": "DateTime"}},
                {"name": "when", "type": {"name": "Set", "elementType": {"name": "Time"}}}]}},
            "fields": {
                "price": {"type": "centPrecision", "currencyCode": "EUR", "centAmount": 1250, "fractionDigits": 2},
                "at": "2024-05-01T10:00:00.000Z",
                "when": ["10:00:00.000", "09:30:00.000"],
            },
        }));
        let desired = CustomerGroupDraft::new("Gold").key("gold").custom(
            CustomFieldsDraft::new(ResourceIdentifier::type_by_key("k"))
                .field("price", json!({"currencyCode": "EUR", "centAmount": 1250}))
                .field("at", "2024-05-01T12:00:00+02:00")
                .field("when", json!(["09:30:00", "10:00:00"])),
        );
        assert_eq!(UpdateAction::diff(&current, &desired), vec![]);
        let dearer = desired.clone().custom(
            CustomFieldsDraft::new(ResourceIdentifier::type_by_key("k"))
                .field("price", json!({"currencyCode": "EUR", "centAmount": 1300}))
                .field("at", "2024-05-01T10:00:00Z")
                .field("when", json!(["09:30:00", "10:00:00"])),
        );
        assert_eq!(
            UpdateAction::diff(&current, &dearer),
            vec![UpdateAction::set_custom_field(
                "price",
                Some(json!({"currencyCode": "EUR", "centAmount": 1300}))
            )]
        );
    }

    #[test]
    fn a_type_named_by_key_without_the_expansion_is_set_whole() {
        let current = group(json!({"type": {"typeId": "type", "id": "t"}, "fields": {"a": 1}}));
        let desired = CustomerGroupDraft::new("Gold")
            .key("gold")
            .custom(CustomFieldsDraft::new(ResourceIdentifier::type_by_key("k")).field("a", 1));
        let actions = UpdateAction::diff(&current, &desired);
        assert!(matches!(
            actions.as_slice(),
            [UpdateAction::SetCustomType {
                type_: Some(_),
                fields: Some(_)
            }]
        ));
    }

    #[test]
    fn a_null_field_is_no_value() {
        let current = group(json!({"type": {"typeId": "type", "id": "t"}, "fields": {"a": null}}));
        let desired = CustomerGroupDraft::new("Gold").key("gold").custom(
            CustomFieldsDraft::new(ResourceIdentifier::type_by_id("t")).field("b", Value::Null),
        );
        assert_eq!(UpdateAction::diff(&current, &desired), vec![]);
    }
}
