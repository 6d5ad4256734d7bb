//! Custom types, as live: a draft or `setCustomType` must name a type that
//! exists (by id or key), and field values must fit its field definitions.

use super::*;

/// The type of a custom field, as a sandbox type defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldType {
    /// `true` or `false`.
    Boolean,
    /// Text.
    String,
    /// A number.
    Number,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A date and time, RFC 3339.
    DateTime,
    /// A set (JSON array) of values of one type.
    Set(Box<FieldType>),
}

impl FieldType {
    /// Whether `value` is a value of this type.
    fn accepts(&self, value: &Value) -> bool {
        match (self, value) {
            (FieldType::Boolean, Value::Bool(_)) => true,
            (FieldType::String, Value::String(_)) => true,
            (FieldType::Number, Value::Number(_)) => true,
            (FieldType::Date, Value::String(text)) => {
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
            }
            (FieldType::DateTime, Value::String(text)) => {
                chrono::DateTime::parse_from_rfc3339(text).is_ok()
            }
            (FieldType::Set(element), Value::Array(values)) => {
                values.iter().all(|value| element.accepts(value))
            }
            _ => false,
        }
    }

    fn name(&self) -> String {
        match self {
            FieldType::Boolean => "Boolean".into(),
            FieldType::String => "String".into(),
            FieldType::Number => "Number".into(),
            FieldType::Date => "Date".into(),
            FieldType::DateTime => "DateTime".into(),
            FieldType::Set(element) => format!("Set of {}", element.name()),
        }
    }
}

/// A custom type the sandbox holds.
#[derive(Debug, Clone)]
pub(super) struct CustomType {
    pub(super) key: String,
    pub(super) fields: Vec<(String, FieldType)>,
}

/// The types every sandbox starts with:
/// - key [`SEEDED_TYPE_KEY`], id [`SEEDED_TYPE_ID`]: `tier` (String),
///   `discountPercent` (Number), `flags` (Set of String), `since` (Date),
///   `newsletter` (Boolean);
/// - key `loyalty`, id `c0ffee00-0000-4000-8000-000000000002`: `points`
///   (Number), `level` (String), `enrolledAt` (DateTime);
/// - key `marketing`, id `c0ffee00-0000-4000-8000-000000000003`: `optIn`
///   (Boolean), `channels` (Set of String).
pub(super) fn seeded_types() -> BTreeMap<String, CustomType> {
    let seeded = |key: &str, fields: Vec<(&str, FieldType)>| CustomType {
        key: key.to_owned(),
        fields: fields
            .into_iter()
            .map(|(name, kind)| (name.to_owned(), kind))
            .collect(),
    };
    let strings = || FieldType::Set(Box::new(FieldType::String));
    BTreeMap::from([
        (
            SEEDED_TYPE_ID.to_owned(),
            seeded(
                SEEDED_TYPE_KEY,
                vec![
                    ("tier", FieldType::String),
                    ("discountPercent", FieldType::Number),
                    ("flags", strings()),
                    ("since", FieldType::Date),
                    ("newsletter", FieldType::Boolean),
                ],
            ),
        ),
        (
            "c0ffee00-0000-4000-8000-000000000002".to_owned(),
            seeded(
                "loyalty",
                vec![
                    ("points", FieldType::Number),
                    ("level", FieldType::String),
                    ("enrolledAt", FieldType::DateTime),
                ],
            ),
        ),
        (
            "c0ffee00-0000-4000-8000-000000000003".to_owned(),
            seeded(
                "marketing",
                vec![("optIn", FieldType::Boolean), ("channels", strings())],
            ),
        ),
    ])
}

/// The key of the custom type every sandbox starts with.
pub const SEEDED_TYPE_KEY: &str = "customer-group-fields";
/// The id of the custom type every sandbox starts with.
pub const SEEDED_TYPE_ID: &str = "c0ffee00-0000-4000-8000-000000000001";

fn referenced_type_not_found(by: &str, value: &str) -> Refusal {
    let mut extra = json!({"typeId": "type"});
    extra[by] = json!(value);
    refuse(
        StatusCode::BAD_REQUEST,
        "ReferencedResourceNotFound",
        format!(
            "The referenced object of type 'type' with '{by}' '{value}' was not found. It either doesn't exist, or it can't be accessed from this endpoint."
        ),
        extra,
    )
}

fn invalid_field(field: &str, value: &Value, message: String) -> Refusal {
    refuse(
        StatusCode::BAD_REQUEST,
        "InvalidField",
        message,
        json!({"field": field, "invalidValue": value}),
    )
}

impl Store {
    /// The id of the type a `ResourceIdentifier` names, or the live API's refusal.
    fn resolve_type(&self, identifier: &Value) -> Result<String, Refusal> {
        if let Some(id) = identifier.get("id").and_then(Value::as_str) {
            return self
                .types
                .contains_key(id)
                .then(|| id.to_owned())
                .ok_or_else(|| referenced_type_not_found("id", id));
        }
        if let Some(key) = identifier.get("key").and_then(Value::as_str) {
            return self
                .types
                .iter()
                .find(|(_, custom)| custom.key == key)
                .map(|(id, _)| id.clone())
                .ok_or_else(|| referenced_type_not_found("key", key));
        }
        Err(json_input("A type needs an id or a key."))
    }

    /// Checks one field value against the type's definition (`None`: a removal).
    pub(super) fn check_field(
        &self,
        type_id: &str,
        name: &str,
        value: Option<&Value>,
    ) -> Result<(), Refusal> {
        let custom = self
            .types
            .get(type_id)
            .ok_or_else(|| referenced_type_not_found("id", type_id))?;
        let Some((_, field_type)) = custom.fields.iter().find(|(field, _)| field == name) else {
            return Err(invalid_field(
                name,
                value.unwrap_or(&Value::Null),
                format!("The type '{}' has no field '{name}'.", custom.key),
            ));
        };
        match value {
            Some(value) if !field_type.accepts(value) => Err(invalid_field(
                name,
                value,
                format!(
                    "The value of field '{name}' must be a {}.",
                    field_type.name()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Custom fields as stored, from a draft's (or `setCustomType`'s) type
    /// and fields: the type must exist and every field fit it.
    pub(super) fn custom_fields(&self, draft: &Value) -> Result<Value, Refusal> {
        let type_id = self.resolve_type(&draft["type"])?;
        let fields = match draft.get("fields") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(fields)) => fields.clone(),
            Some(_) => return Err(json_input("fields must be an object.")),
        };
        for (name, value) in &fields {
            self.check_field(&type_id, name, Some(value))?;
        }
        Ok(json!({
            "type": {"typeId": "type", "id": type_id},
            "fields": fields,
        }))
    }
}

/// 400 `InvalidJsonInput`: what the live API answers for a body that does
/// not fit the endpoint (a missing required field, an unknown action).
pub(super) fn json_input(detail: impl Into<String>) -> Refusal {
    let detail = detail.into();
    refuse(
        StatusCode::BAD_REQUEST,
        "InvalidJsonInput",
        "Request body does not contain valid JSON.",
        json!({ "detailedErrorMessage": detail }),
    )
}
