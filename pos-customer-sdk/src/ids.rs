//! Typed ids.
//!
//! The API document is inconsistent about id types: customer ids and
//! `customerGroup.id` appear as UUID strings, while the `/groups` and
//! `/discounts` endpoints show integers. Every id type here accepts a JSON
//! string or number and writes back the form it was read in, so an id that
//! came from the server goes back exactly as the server sent it.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An id as the server wrote it: text or an integer.
#[derive(Clone, PartialEq, Eq)]
enum Repr {
    Text(String),
    Integer(i64),
}

macro_rules! flexible_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Compares by its text, so `"1"` and `1` name the same resource.
        #[derive(Clone, Eq)]
        pub struct $name(Repr);

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                // By text, like equality: `1` and `"1"` are the same id.
                self.to_string().cmp(&other.to_string())
            }
        }

        impl $name {
            /// An id written as a JSON string.
            pub fn text(id: impl Into<String>) -> Self {
                Self(Repr::Text(id.into()))
            }

            /// An id written as a JSON number.
            pub fn integer(id: i64) -> Self {
                Self(Repr::Integer(id))
            }

            /// A new random UUID, as a string id: the API creates a customer
            /// under an id the client chose when it is sent with `replace`.
            pub fn new_uuid() -> Self {
                Self::text(sdk_core::random::uuid_v4().to_string())
            }

            /// The id as an integer, when it is one (written as a number or as digits).
            pub fn as_integer(&self) -> Option<i64> {
                match &self.0 {
                    Repr::Integer(n) => Some(*n),
                    Repr::Text(text) => text.parse().ok(),
                }
            }

            /// Whether the id is written as a JSON number.
            pub fn is_integer(&self) -> bool {
                matches!(self.0, Repr::Integer(_))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                match (&self.0, &other.0) {
                    (Repr::Text(a), Repr::Text(b)) => a == b,
                    (Repr::Integer(a), Repr::Integer(b)) => a == b,
                    _ => self.to_string() == other.to_string(),
                }
            }
        }

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.to_string().hash(state);
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match &self.0 {
                    Repr::Text(text) => f.write_str(text),
                    Repr::Integer(n) => write!(f, "{n}"),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match &self.0 {
                    Repr::Text(text) => write!(f, "{}({text:?})", stringify!($name)),
                    Repr::Integer(n) => write!(f, "{}({n})", stringify!($name)),
                }
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self::text(id)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self::text(id)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self::integer(id)
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(id: uuid::Uuid) -> Self {
                Self::text(id.to_string())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match &self.0 {
                    Repr::Text(text) => serializer.serialize_str(text),
                    Repr::Integer(n) => serializer.serialize_i64(*n),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(ReprVisitor).map(Self)
            }
        }
    };
}

struct ReprVisitor;

impl Visitor<'_> for ReprVisitor {
    type Value = Repr;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id as a string or an integer")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Repr, E> {
        Ok(Repr::Text(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Repr, E> {
        Ok(Repr::Text(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Repr, E> {
        Ok(Repr::Integer(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Repr, E> {
        Ok(i64::try_from(value).map_or_else(|_| Repr::Text(value.to_string()), Repr::Integer))
    }
}

flexible_id!(
    /// The id of a customer (a UUID string in the document).
    CustomerId
);
/// The empty id: what [`Customer::default()`](crate::Customer) holds until
/// you set one (for building customers in tests). No customer the API
/// answers has it: an answer without an id is a decode error, except the
/// answer to a PATCH, which the SDK gives the id it patched.
impl Default for CustomerId {
    fn default() -> Self {
        Self::text("")
    }
}

impl CustomerId {
    /// Whether this is the empty id of [`CustomerId::default`].
    pub(crate) fn is_missing(&self) -> bool {
        matches!(&self.0, Repr::Text(text) if text.is_empty())
    }
}

flexible_id!(
    /// The id of a customer group (a UUID string inside customers, an
    /// integer on the `/groups` endpoints).
    CustomerGroupId
);
flexible_id!(
    /// The id of a customer discount (an integer in the document).
    DiscountId
);
flexible_id!(
    /// The id of one of a customer's addresses (a UUID string in the document).
    AddressId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_in_the_form_they_were_read() {
        let text: CustomerGroupId =
            serde_json::from_str(r#""9168aa78-e0a3-42ec-a43c-87f0ad666f69""#).unwrap();
        assert_eq!(
            serde_json::to_string(&text).unwrap(),
            r#""9168aa78-e0a3-42ec-a43c-87f0ad666f69""#
        );
        let number: CustomerGroupId = serde_json::from_str("13").unwrap();
        assert!(number.is_integer());
        assert_eq!(serde_json::to_string(&number).unwrap(), "13");
        assert_eq!(number.to_string(), "13");
        assert_eq!(number, CustomerGroupId::text("13"));
        assert!(serde_json::from_str::<DiscountId>("1.5").is_err());
        assert!(serde_json::from_str::<DiscountId>("null").is_err());
    }
}
