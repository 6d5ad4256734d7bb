//! JSON that the SDK keeps as text: open-ended values (custom fields,
//! expanded references) and the bound on how many items a page may hold.
//!
//! Decoding JSON into `serde_json::Value` costs far more memory than the
//! text: every number, string, array and object becomes a node of its own
//! (an 8 MiB array of `{"a":0}` grows to about 700 MiB). [`RawJson`] keeps
//! such values as the text the server sent (one allocation, its own size)
//! and decodes on demand, so a hostile answer costs what typed fields cost.

use std::borrow::Cow;
use std::collections::BTreeMap;

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

mod charged;
pub(crate) mod lists;

pub use lists::{MAX_LIST_AMPLIFICATION, MIN_LIST_BUDGET};

/// A JSON value kept as the text the server sent, with typed accessors.
///
/// ```
/// use sdk_core::json::RawJson;
///
/// let fields: RawJson = serde_json::from_str(r#"{"tier": 2, "since": "2024-01-01"}"#)?;
/// assert_eq!(fields.field_as::<u32>("tier")?, Some(2));
/// assert_eq!(fields.field_as::<String>("since")?.as_deref(), Some("2024-01-01"));
/// assert_eq!(fields.field_as::<u32>("missing")?, None);
/// assert_eq!(fields.to_value()["tier"], 2);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// Wraps JSON text; fails when it is not one valid JSON value.
    pub fn from_text(text: impl Into<String>) -> Result<Self, serde_json::Error> {
        RawValue::from_string(text.into()).map(Self)
    }

    /// Serializes `value` into JSON text.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(Self)
    }

    /// An empty JSON object, `{}`.
    pub fn empty_object() -> Self {
        Self::from_text("{}").unwrap_or_else(|_| unreachable!("`{{}}` is valid JSON"))
    }

    /// The JSON text, as the server sent it.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// Decodes the whole value into `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// The whole value as a `serde_json::Value` (built on each call).
    pub fn to_value(&self) -> serde_json::Value {
        // The text was valid JSON when it was stored.
        self.decode().unwrap_or(serde_json::Value::Null)
    }

    /// The members of an object, in key order, each kept as text; an error
    /// when the value is not an object.
    pub fn fields(&self) -> Result<BTreeMap<Cow<'_, str>, &RawValue>, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// The text of member `name` of an object (`None` when it has none).
    pub fn field(&self, name: &str) -> Result<Option<&RawValue>, serde_json::Error> {
        Ok(self.fields()?.remove(name))
    }

    /// Member `name` of an object decoded into `T` (`None` when it has none).
    pub fn field_as<T: DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<T>, serde_json::Error> {
        self.field(name)?
            .map(|raw| serde_json::from_str(raw.get()))
            .transpose()
    }

    /// Whether the value is a JSON object.
    pub fn is_object(&self) -> bool {
        self.0.get().trim_start().starts_with('{')
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RawJson").field(&self.0.get()).finish()
    }
}

impl fmt::Display for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.get())
    }
}

impl PartialEq for RawJson {
    /// Equal when the values are (`{"a":1}` equals `{ "a": 1 }`).
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get() || self.to_value() == other.to_value()
    }
}

// serde_json's values are `Eq` (their numbers are never NaN).
impl Eq for RawJson {}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Self)
    }
}

impl From<serde_json::Value> for RawJson {
    fn from(value: serde_json::Value) -> Self {
        // A `Value` always serializes.
        Self::from_serialize(&value).unwrap_or_else(|_| Self::empty_object())
    }
}
