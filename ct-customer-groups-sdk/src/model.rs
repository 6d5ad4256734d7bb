//! Customer groups, their drafts, custom fields and paged query results.

use chrono::{DateTime, Utc};
use sdk_core::json::RawJson;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A customer group as the API answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerGroup {
    /// The group's id.
    pub id: String,
    /// The user-defined key, unique in the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The current version: send it with the next update or delete.
    pub version: u64,
    /// The name, unique in the project.
    pub name: String,
    /// When it was created (required by the specification).
    #[serde(deserialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Who created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<ClientLogging>,
    /// When it was last changed (required by the specification).
    #[serde(deserialize_with = "rfc3339")]
    pub last_modified_at: DateTime<Utc>,
    /// Who last changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_by: Option<ClientLogging>,
    /// Custom fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<CustomFields>,
}

/// Reads an RFC 3339 timestamp (`2024-05-02T10:15:30.123Z`) with chrono's
/// dedicated RFC 3339 parser, several times faster than its general one:
/// every group of a listing has two.
fn rfc3339<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| serde::de::Error::custom(format!("`{text}`: {error}")))
}

/// Who made a change (`createdBy`, `lastModifiedBy`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ClientLogging {
    /// The API client's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// An external user id given by the API client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_user_id: Option<String>,
    /// The customer who made the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<Reference>,
    /// The anonymous session that made the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymous_id: Option<String>,
    /// The associate who made the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub associate: Option<Reference>,
    /// Whether the change came from the Merchant Center or another platform client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_platform_client: Option<bool>,
    /// The import or export that made the change, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributed_to: Option<Attribution>,
}

sdk_core::vendor::open_enum! {
    /// Where an attributed change came from.
    pub enum AttributionSource {
        /// An export.
        Export = "Export",
        /// An import.
        Import = "Import",
    }
}

/// The import or export a change is attributed to (`attributedTo`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Attribution {
    /// The API client that ran it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Whether it was an import or an export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<AttributionSource>,
}

/// A reference to another resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Reference {
    /// The resource type, such as `type` or `customer`.
    pub type_id: String,
    /// The resource's id.
    pub id: String,
    /// The referenced resource itself, when the query asked to `expand`
    /// this reference: kept as the JSON text the server sent (it can be
    /// any resource, of any size), decoded on demand with
    /// [`RawJson::decode`] or [`RawJson::field_as`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obj: Option<RawJson>,
}

/// Names a resource by id or by key, as drafts do: always exactly one of
/// the two (the API refuses both and neither), so there is no way to build
/// one without it; decoding one that names both or neither fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "IdentifierOnTheWire", try_from = "IdentifierOnTheWire")]
pub struct ResourceIdentifier {
    type_id: Option<String>,
    by: IdOrKey,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum IdOrKey {
    Id(String),
    Key(String),
}

/// A `ResourceIdentifier` as JSON has it.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdentifierOnTheWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    type_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
}

impl From<ResourceIdentifier> for IdentifierOnTheWire {
    fn from(identifier: ResourceIdentifier) -> Self {
        let (id, key) = match identifier.by {
            IdOrKey::Id(id) => (Some(id), None),
            IdOrKey::Key(key) => (None, Some(key)),
        };
        Self {
            type_id: identifier.type_id,
            id,
            key,
        }
    }
}

impl TryFrom<IdentifierOnTheWire> for ResourceIdentifier {
    type Error = String;

    fn try_from(wire: IdentifierOnTheWire) -> Result<Self, String> {
        let by = match (wire.id, wire.key) {
            (Some(id), None) => IdOrKey::Id(id),
            (None, Some(key)) => IdOrKey::Key(key),
            (Some(_), Some(_)) => {
                return Err("a resource identifier names an id or a key, not both".into());
            }
            (None, None) => return Err("a resource identifier names an id or a key".into()),
        };
        Ok(Self {
            type_id: wire.type_id,
            by,
        })
    }
}

impl ResourceIdentifier {
    /// The custom field type with `id`.
    pub fn type_by_id(id: impl Into<String>) -> Self {
        Self {
            type_id: Some("type".into()),
            by: IdOrKey::Id(id.into()),
        }
    }

    /// The custom field type with `key`. A key outside the API's pattern
    /// (2 to 256 of `A-Z a-z 0-9 _ -`) fails the request it is sent in,
    /// before anything is sent.
    pub fn type_by_key(key: impl Into<String>) -> Self {
        Self {
            type_id: Some("type".into()),
            by: IdOrKey::Key(key.into()),
        }
    }

    /// The resource type (`type` for custom field types).
    pub fn type_id(&self) -> Option<&str> {
        self.type_id.as_deref()
    }

    /// The id, when it names the resource by id.
    pub fn id(&self) -> Option<&str> {
        match &self.by {
            IdOrKey::Id(id) => Some(id),
            IdOrKey::Key(_) => None,
        }
    }

    /// The key, when it names the resource by key.
    pub fn key(&self) -> Option<&str> {
        match &self.by {
            IdOrKey::Key(key) => Some(key),
            IdOrKey::Id(_) => None,
        }
    }

    /// Checks what the API would refuse: a key outside its pattern, an empty id.
    pub(crate) fn check(&self, field: &str) -> Result<(), sdk_core::error::InvalidInput> {
        match &self.by {
            IdOrKey::Key(key) => check_key(&format!("{field}.key"), key),
            IdOrKey::Id(id) if id.is_empty() => Err(sdk_core::error::InvalidInput::new(
                format!("{field}.id"),
                "must not be empty",
            )),
            IdOrKey::Id(_) => Ok(()),
        }
    }
}

/// The shortest and longest custom field name.
const FIELD_NAME_LENGTH: std::ops::RangeInclusive<usize> = 2..=36;

/// Checks a custom field name against the API's pattern `^[a-zA-Z0-9_-]{2,36}$`.
pub(crate) fn check_field_name(name: &str) -> Result<(), sdk_core::error::InvalidInput> {
    let shape_ok = FIELD_NAME_LENGTH.contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if shape_ok {
        return Ok(());
    }
    Err(sdk_core::error::InvalidInput::new(
        format!("custom field `{name}`"),
        "a custom field name is 2 to 36 of A-Z a-z 0-9 _ -",
    ))
}

/// Checks every name of a custom field map.
pub(crate) fn check_field_names<'a>(
    mut names: impl Iterator<Item = &'a String>,
) -> Result<(), sdk_core::error::InvalidInput> {
    names.try_for_each(|name| check_field_name(name))
}

/// Custom fields as the API answers them.
///
/// The values are kept as the JSON object the server sent: a field can
/// hold any JSON (a set of nested objects, say), and text costs its own size
/// in memory where a `serde_json::Value` tree costs many times it. Read a
/// field with [`field_as`](Self::field_as):
///
/// ```
/// use ct_customer_groups_sdk::CustomFields;
///
/// let custom: CustomFields = ct_customer_groups_sdk::serde_json::from_str(
///     r#"{"type": {"typeId": "type", "id": "t-1"}, "fields": {"tier": 2, "perks": ["lounge"]}}"#,
/// )?;
/// assert_eq!(custom.field_as::<u32>("tier")?, Some(2));
/// assert_eq!(custom.field_as::<Vec<String>>("perks")?, Some(vec!["lounge".to_owned()]));
/// assert_eq!(custom.field_as::<u32>("absent")?, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomFields {
    /// The custom field type.
    #[serde(rename = "type")]
    pub type_: Reference,
    /// The values, by field name: a JSON object kept as text.
    #[serde(default = "RawJson::empty_object")]
    pub fields: RawJson,
}

impl CustomFields {
    /// The value of field `name` decoded into `T` (`None` when the group
    /// has no such field; an error when it is not a `T`).
    pub fn field_as<T: DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<T>, serde_json::Error> {
        self.fields.field_as(name)
    }

    /// The value of field `name` as a `serde_json::Value`.
    pub fn field_value(&self, name: &str) -> Option<Value> {
        self.field_as(name).ok().flatten()
    }
}

/// Custom fields to set on a new group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomFieldsDraft {
    /// The custom field type, by id or key.
    #[serde(rename = "type")]
    pub type_: ResourceIdentifier,
    /// The values, by field name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Map<String, Value>>,
}

impl CustomFieldsDraft {
    /// Checks what the API would refuse: the type's key, the field names.
    pub(crate) fn check(&self) -> Result<(), sdk_core::error::InvalidInput> {
        self.type_.check("custom.type")?;
        self.fields
            .as_ref()
            .map_or(Ok(()), |fields| check_field_names(fields.keys()))
    }

    /// Custom fields of type `type_`, no values yet.
    pub fn new(type_: ResourceIdentifier) -> Self {
        Self {
            type_,
            fields: None,
        }
    }

    /// Sets the value of field `name`.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields
            .get_or_insert_with(Map::new)
            .insert(name.into(), value.into());
        self
    }
}

/// The shortest key the API accepts.
pub const MIN_KEY_LENGTH: usize = 2;

/// The longest key the API accepts.
pub const MAX_KEY_LENGTH: usize = 256;

/// Checks a key against the API's pattern: 2 to 256 characters of
/// `A-Z a-z 0-9 _ -`. Keys outside it are refused before anything is sent.
///
/// ```
/// use ct_customer_groups_sdk::model::check_key;
///
/// assert!(check_key("key", "gold-members_2").is_ok());
/// assert!(check_key("key", "g").is_err());
/// assert!(check_key("key", "gold members").is_err());
/// ```
pub fn check_key(field: &str, key: &str) -> Result<(), sdk_core::error::InvalidInput> {
    let length = key.chars().count();
    if !(MIN_KEY_LENGTH..=MAX_KEY_LENGTH).contains(&length) {
        return Err(sdk_core::error::InvalidInput::new(
            field,
            format!("a key is {MIN_KEY_LENGTH} to {MAX_KEY_LENGTH} characters (is {length})"),
        ));
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(sdk_core::error::InvalidInput::new(
            field,
            "a key is made of A-Z a-z 0-9 _ -",
        ));
    }
    Ok(())
}

/// A customer group to create. A key outside the API's pattern
/// ([`check_key`]) is refused before sending.
///
/// ```
/// use ct_customer_groups_sdk::CustomerGroupDraft;
///
/// let draft = CustomerGroupDraft::new("Gold members").key("gold");
/// assert_eq!(
///     ct_customer_groups_sdk::serde_json::to_string(&draft).unwrap(),
///     r#"{"key":"gold","groupName":"Gold members"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerGroupDraft {
    /// The key, unique in the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The name, unique in the project.
    pub group_name: String,
    /// Custom fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<CustomFieldsDraft>,
}

impl CustomerGroupDraft {
    /// A group named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            key: None,
            group_name: name.into(),
            custom: None,
        }
    }

    /// Sets the key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the custom fields.
    pub fn custom(mut self, custom: CustomFieldsDraft) -> Self {
        self.custom = Some(custom);
        self
    }
}

/// One page of a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PagedQueryResult<T> {
    /// The limit the page was asked with.
    #[serde(default)]
    pub limit: u64,
    /// The offset the page was asked with.
    #[serde(default)]
    pub offset: u64,
    /// How many results this page holds.
    #[serde(default)]
    pub count: u64,
    /// How many match in all, when `withTotal` was on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// The results. Required: an answer without them is a decode error,
    /// never an empty page that would end a listing early. More results
    /// than the limit asked for is a decode error too.
    #[serde(
        deserialize_with = "sdk_core::vendor::json::at_most",
        bound(deserialize = "T: Deserialize<'de>")
    )]
    pub results: Vec<T>,
}
