//! Vendor enums that keep values they do not know yet.
//!
//! Vendors add enum values without notice; an SDK that fails to decode a
//! whole listing because of one new value is worse than useless. Enums made
//! with [`open_enum!`](macro@crate::open_enum) read unknown values into an
//! `Other(String)` variant and write them back unchanged.

/// Defines a string enum whose unknown values are kept in `Other(String)`.
///
/// ```
/// sdk_core::vendor::open_enum! {
///     /// How a customer is billed.
///     pub enum Billing {
///         /// Monthly invoice.
///         Invoice = "INVOICE",
///         /// Paid at the till.
///         Cash = "CASH",
///     }
/// }
///
/// let known: Billing = serde_json::from_str(r#""CASH""#).unwrap();
/// assert_eq!(known, Billing::Cash);
/// let new: Billing = serde_json::from_str(r#""CRYPTO""#).unwrap();
/// assert_eq!(new, Billing::Other("CRYPTO".into()));
/// assert_eq!(serde_json::to_string(&new).unwrap(), r#""CRYPTO""#);
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A value this SDK does not know yet, kept as the server sent it.
            Other(String),
        }

        impl $name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(other) => other,
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok($name::from(text.as_ref()))
            }
        }
    };
}
