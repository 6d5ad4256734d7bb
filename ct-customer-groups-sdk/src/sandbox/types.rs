//! Custom types, as live: a draft or `setCustomType` must name a type that
//! exists (by id or key), and field values must fit its field definitions.

use super::*;

/// The type of a custom field, as a sandbox type defines it: every type
/// the Types API specifies for custom fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldType {
    /// `true` or `false`.
    Boolean,
    /// Text.
    String,
    /// Text by locale: `{"en": "Gold", "de": "Gold"}`.
    LocalizedString,
    /// A number.
    Number,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A time, `HH:MM:SS.sss` (answered with milliseconds).
    Time,
    /// A date and time, RFC 3339 (answered in UTC with milliseconds).
    DateTime,
    /// One of these keys.
    Enum(Vec<String>),
    /// One of these keys (each with a label by locale, live).
    LocalizedEnum(Vec<String>),
    /// An amount of money, `{"currencyCode": "EUR", "centAmount": 1250}`
    /// (answered with its `type` and `fractionDigits`, as live).
    Money,
    /// A reference to a resource of this type id (`customer`, `channel`, ...),
    /// `{"typeId": "customer", "id": "..."}`.
    Reference(String),
    /// A set (JSON array) of values of one type.
    Set(Box<FieldType>),
}

impl FieldType {
    /// Whether `value` is a value of this type.
    fn accepts(&self, value: &Value) -> bool {
        match (self, value) {
            (FieldType::Boolean, Value::Bool(_))
            | (FieldType::String, Value::String(_))
            | (FieldType::Number, Value::Number(_)) => true,
            (FieldType::LocalizedString, Value::Object(texts)) => {
                texts.values().all(Value::is_string)
            }
            (FieldType::Date, Value::String(text)) => {
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
            }
            (FieldType::Time, Value::String(text)) => {
                chrono::NaiveTime::parse_from_str(text, "%H:%M:%S%.f").is_ok()
            }
            (FieldType::DateTime, Value::String(text)) => {
                chrono::DateTime::parse_from_rfc3339(text).is_ok()
            }
            (FieldType::Enum(keys) | FieldType::LocalizedEnum(keys), Value::String(key)) => {
                keys.contains(key)
            }
            (FieldType::Money, Value::Object(money)) => {
                money
                    .get("currencyCode")
                    .and_then(Value::as_str)
                    .is_some_and(|code| {
                        code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
                    })
                    && money
                        .get("centAmount")
                        .is_some_and(|amount| amount.is_i64())
            }
            (FieldType::Reference(type_id), Value::Object(reference)) => {
                reference.get("typeId").and_then(Value::as_str) == Some(type_id)
                    && reference.get("id").is_some_and(Value::is_string)
            }
            (FieldType::Set(element), Value::Array(values)) => {
                values.iter().all(|value| element.accepts(value))
            }
            _ => false,
        }
    }

    /// `value` (accepted) as the live API stores and answers it.
    fn stored(&self, value: &Value) -> Value {
        match (self, value) {
            (FieldType::Time, Value::String(text)) => {
                chrono::NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
                    .map(|time| json!(time.format("%H:%M:%S%.3f").to_string()))
                    .unwrap_or_else(|_| value.clone())
            }
            (FieldType::DateTime, Value::String(text)) => {
                chrono::DateTime::parse_from_rfc3339(text)
                    .map(|time| {
                        json!(
                            time.with_timezone(&Utc)
                                .to_rfc3339_opts(SecondsFormat::Millis, true)
                        )
                    })
                    .unwrap_or_else(|_| value.clone())
            }
            (FieldType::Money, Value::Object(money)) => {
                let code = money
                    .get("currencyCode")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                json!({
                    "type": "centPrecision",
                    "currencyCode": code,
                    "centAmount": money.get("centAmount").cloned().unwrap_or(Value::Null),
                    "fractionDigits": fraction_digits(code),
                })
            }
            (FieldType::Reference(type_id), Value::Object(reference)) => {
                json!({"typeId": type_id, "id": reference.get("id").cloned().unwrap_or(Value::Null)})
            }
            (FieldType::Set(element), Value::Array(values)) => {
                Value::Array(values.iter().map(|value| element.stored(value)).collect())
            }
            _ => value.clone(),
        }
    }

    fn name(&self) -> String {
        match self {
            FieldType::Set(element) => format!("Set of {}", element.name()),
            other => other.definition()["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }
    }

    /// The type as a type's field definition writes it.
    fn definition(&self) -> Value {
        let values = |keys: &[String], localized: bool| -> Vec<Value> {
            keys.iter()
                .map(|key| {
                    let label = if localized {
                        json!({"en": key})
                    } else {
                        json!(key)
                    };
                    json!({"key": key, "label": label})
                })
                .collect()
        };
        match self {
            FieldType::Boolean => json!({"name": "Boolean"}),
            FieldType::String => json!({"name": "String"}),
            FieldType::LocalizedString => json!({"name": "LocalizedString"}),
            FieldType::Number => json!({"name": "Number"}),
            FieldType::Date => json!({"name": "Date"}),
            FieldType::Time => json!({"name": "Time"}),
            FieldType::DateTime => json!({"name": "DateTime"}),
            FieldType::Enum(keys) => json!({"name": "Enum", "values": values(keys, false)}),
            FieldType::LocalizedEnum(keys) => {
                json!({"name": "LocalizedEnum", "values": values(keys, true)})
            }
            FieldType::Money => json!({"name": "Money"}),
            FieldType::Reference(type_id) => {
                json!({"name": "Reference", "referenceTypeId": type_id})
            }
            FieldType::Set(element) => json!({"name": "Set", "elementType": element.definition()}),
        }
    }
}

/// The digits after the decimal point of a currency's cent amounts.
fn fraction_digits(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "ISK" | "CLP" | "VND" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

/// A field of a custom type: its name, type, and whether every group of
/// the type must set it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldDefinition {
    /// The field's name.
    pub name: String,
    /// Its type.
    pub field_type: FieldType,
    /// Whether a value is required: a draft or `setCustomType` without it,
    /// or a `setCustomField` that removes it, is 400 `RequiredField`.
    pub required: bool,
}

impl FieldDefinition {
    /// An optional field.
    pub fn new(name: impl Into<String>, field_type: FieldType) -> Self {
        Self {
            name: name.into(),
            field_type,
            required: false,
        }
    }

    /// Makes the field required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// A custom type the sandbox holds.
#[derive(Debug, Clone)]
pub(super) struct CustomType {
    pub(super) key: String,
    pub(super) fields: Vec<FieldDefinition>,
}

impl CustomType {
    fn field(&self, name: &str) -> Option<&FieldDefinition> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// The type as the Types API answers it (an expanded reference's `obj`).
    pub(super) fn resource(&self, id: &str) -> Value {
        let definitions: Vec<Value> = self
            .fields
            .iter()
            .map(|field| {
                json!({
                    "name": field.name,
                    "type": field.field_type.definition(),
                    "required": field.required,
                    "label": {"en": field.name},
                    "inputHint": "SingleLine",
                })
            })
            .collect();
        json!({
            "id": id,
            "version": 1,
            "key": self.key,
            "name": {"en": self.key},
            "resourceTypeIds": ["customer-group"],
            "fieldDefinitions": definitions,
            "createdAt": "2024-01-01T00:00:00.000Z",
            "lastModifiedAt": "2024-01-01T00:00:00.000Z",
        })
    }
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
            .map(|(name, kind)| FieldDefinition::new(name, kind))
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

fn required_field(field: &str) -> Refusal {
    refuse(
        StatusCode::BAD_REQUEST,
        "RequiredField",
        format!("A value is required for field '{field}'."),
        json!({"field": field}),
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
        let Some(definition) = custom.field(name) else {
            return Err(invalid_field(
                name,
                value.unwrap_or(&Value::Null),
                format!("The type '{}' has no field '{name}'.", custom.key),
            ));
        };
        match value {
            Some(value) if !definition.field_type.accepts(value) => Err(invalid_field(
                name,
                value,
                format!(
                    "The value of field '{name}' must be a {}.",
                    definition.field_type.name()
                ),
            )),
            None if definition.required => Err(required_field(name)),
            _ => Ok(()),
        }
    }

    /// Whether the type defines field `name`.
    pub(super) fn defines(&self, type_id: &str, name: &str) -> bool {
        self.types
            .get(type_id)
            .is_some_and(|custom| custom.field(name).is_some())
    }

    /// `value` of field `name` of the type as the API stores it.
    pub(super) fn stored_value(&self, type_id: &str, name: &str, value: &Value) -> Value {
        self.types
            .get(type_id)
            .and_then(|custom| custom.field(name))
            .map_or_else(|| value.clone(), |field| field.field_type.stored(value))
    }

    /// The group with its custom type expanded (`obj`) when `expand` asks for it.
    pub(super) fn expanded(&self, group: &Value, expand: &[String]) -> Value {
        let mut group = group.clone();
        if expand.iter().any(|path| path == "custom.type")
            && let Some(type_id) = group["custom"]["type"]["id"].as_str().map(str::to_owned)
            && let Some(custom) = self.types.get(&type_id)
        {
            group["custom"]["type"]["obj"] = custom.resource(&type_id);
        }
        group
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
        let fields: Map<String, Value> = fields
            .into_iter()
            .filter(|(_, value)| !value.is_null())
            .collect();
        for (name, value) in &fields {
            self.check_field(&type_id, name, Some(value))?;
        }
        if let Some(missing) = self.types.get(&type_id).and_then(|custom| {
            custom
                .fields
                .iter()
                .find(|field| field.required && !fields.contains_key(&field.name))
        }) {
            return Err(required_field(&missing.name));
        }
        let fields: Map<String, Value> = fields
            .into_iter()
            .map(|(name, value)| {
                let stored = self.stored_value(&type_id, &name, &value);
                (name, stored)
            })
            .collect();
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
