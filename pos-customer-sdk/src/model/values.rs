//! Small value types shared by the resources.

use std::fmt;
use std::str::FromStr;

use serde::de;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

sdk_core::vendor::open_enum! {
    /// A customer's gender: `M`, `W`, `U`, or a value this SDK does not know yet, kept as text.
    pub enum Gender {
        /// `M`.
        Male = "M",
        /// `W`.
        Female = "W",
        /// `U`: not specified (the server's default).
        Unspecified = "U",
    }
}

/// A decimal amount kept as its exact text (never a float), such as a
/// balance of `"100.00"`.
///
/// Read from a JSON string or number and written back in the same form,
/// keeping its exact text either way (`12.50` stays `12.50`, and
/// `12345678901234567890.12` every one of its digits).
///
/// ```
/// use pos_customer_sdk::Decimal;
///
/// let value: Decimal = "12.50".parse()?;
/// assert_eq!(value.as_str(), "12.50");
/// // Sent as the JSON number 12.50, digits as they are.
/// # assert_eq!(serde_json::to_string(&value).unwrap(), "12.50");
/// assert!("12,50".parse::<Decimal>().is_err());
/// # Ok::<(), pos_customer_sdk::InvalidDecimal>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal {
    text: String,
    quoted: bool,
}

/// Text that is not a plain decimal number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDecimal(String);

impl fmt::Display for InvalidDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a decimal number such as 12.50", self.0)
    }
}

impl std::error::Error for InvalidDecimal {}

impl Decimal {
    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// This amount, written as a JSON string instead of a number.
    pub fn quoted(mut self) -> Self {
        self.quoted = true;
        self
    }
}

fn is_plain_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

impl FromStr for Decimal {
    type Err = InvalidDecimal;

    /// Parses a plain decimal (`12`, `-3.5`), written as a JSON number.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if is_plain_decimal(text) {
            Ok(Self {
                text: text.to_owned(),
                quoted: false,
            })
        } else {
            Err(InvalidDecimal(text.to_owned()))
        }
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Self {
        Self {
            text: value.to_string(),
            quoted: false,
        }
    }
}

impl From<i32> for Decimal {
    fn from(value: i32) -> Self {
        Self::from(i64::from(value))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.quoted {
            return serializer.serialize_str(&self.text);
        }
        // Written as raw JSON so that `12.50` goes out as `12.50`, not as a float's `12.5`.
        match serde_json::value::RawValue::from_string(self.text.clone()) {
            Ok(raw) => raw.serialize(serializer),
            Err(_) => serializer.serialize_str(&self.text),
        }
    }
}

impl<'de> Deserialize<'de> for Decimal {
    /// Reads the value's raw JSON text, so a number keeps every digit
    /// (`12345678901234567890.12` is that text, never an `f64`'s rounding).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let text = raw.get().trim();
        if text.starts_with('"') {
            let text: String = serde_json::from_str(text).map_err(de::Error::custom)?;
            return Ok(Decimal { text, quoted: true });
        }
        if is_json_number(text) {
            return Ok(Decimal {
                text: text.to_owned(),
                quoted: false,
            });
        }
        Err(de::Error::invalid_type(
            de::Unexpected::Other(text),
            &"a decimal as a string or a number",
        ))
    }
}

/// A JSON number's text: a plain decimal, optionally with an exponent.
fn is_json_number(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    is_plain_decimal(mantissa)
        && exponent.is_none_or(|exponent| {
            let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        })
}

/// The answer of a PUT that creates or replaces: which of the two happened.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Upserted<T> {
    /// Nothing existed under that id (or, for a list, at least one was new): `201 Created`.
    Created(T),
    /// Everything existed and was overwritten: `200 OK`.
    Replaced(T),
}

impl<T> Upserted<T> {
    /// Whether anything was created.
    pub fn was_created(&self) -> bool {
        matches!(self, Upserted::Created(_))
    }

    /// The value, whichever happened.
    pub fn into_inner(self) -> T {
        match self {
            Upserted::Created(value) | Upserted::Replaced(value) => value,
        }
    }

    /// The value, whichever happened.
    pub fn get(&self) -> &T {
        match self {
            Upserted::Created(value) | Upserted::Replaced(value) => value,
        }
    }
}

/// The answer of a delete: the server's confirmation text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Deleted {
    /// Such as `Customer discount 1 was deleted`.
    pub details: Option<String>,
}

/// `{"result": {"details": ".."}}`.
#[derive(Deserialize)]
pub(crate) struct DeleteEnvelope {
    #[serde(default)]
    result: Option<DeleteResult>,
}

#[derive(Deserialize)]
struct DeleteResult {
    #[serde(default)]
    details: Option<String>,
}

impl From<DeleteEnvelope> for Deleted {
    fn from(envelope: DeleteEnvelope) -> Self {
        Deleted {
            details: envelope.result.and_then(|result| result.details),
        }
    }
}

/// Dates as `YYYY-MM-DD`; an empty string reads as no date.
pub(crate) mod lenient_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        let text = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        match text.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => parse(text).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("`{text}` is not a YYYY-MM-DD date"))
            }),
        }
    }

    /// `YYYY-MM-DD`, exactly 10 characters, read by hand: a format-string
    /// parser is slower and also takes one-digit months and days.
    fn parse(text: &str) -> Option<NaiveDate> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            bytes[range].iter().try_fold(0u32, |n, b| {
                b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
            })
        };
        let year = i32::try_from(number(0..4)?).ok()?;
        NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)
    }

    /// Exactly `YYYY-MM-DD`: a year that does not fit four digits is an
    /// error here too, should validation be turned off.
    pub(crate) fn serialize<S: Serializer>(
        date: &Option<NaiveDate>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        use chrono::Datelike;
        match date {
            Some(date) if (0..=9999).contains(&date.year()) => serializer.collect_str(
                &format_args!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day()),
            ),
            Some(date) => Err(serde::ser::Error::custom(format!(
                "birthday {date} does not fit YYYY-MM-DD"
            ))),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gender_keeps_unknown_values() {
        let genders: Vec<Gender> = serde_json::from_str(r#"["M","W","U","D"]"#).unwrap();
        assert_eq!(
            genders,
            [
                Gender::Male,
                Gender::Female,
                Gender::Unspecified,
                Gender::Other("D".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&genders).unwrap(),
            r#"["M","W","U","D"]"#
        );
    }

    #[test]
    fn decimals_keep_their_text_and_form() {
        let balance: Decimal = serde_json::from_str(r#""100.00""#).unwrap();
        assert_eq!(balance.as_str(), "100.00");
        assert_eq!(serde_json::to_string(&balance).unwrap(), r#""100.00""#);
        let value: Decimal = serde_json::from_str("5").unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), "5");
        let exact: Decimal = serde_json::from_str("12345678901234567890.12").unwrap();
        assert_eq!(exact.as_str(), "12345678901234567890.12");
        assert_eq!(
            serde_json::to_string(&exact).unwrap(),
            "12345678901234567890.12"
        );
        let trailing: Decimal = serde_json::from_str("12.50").unwrap();
        assert_eq!(trailing.as_str(), "12.50");
        let escaped: Decimal = serde_json::from_str(r#""1\u0030""#).unwrap();
        assert_eq!(escaped.as_str(), "10");
        for bad in ["true", "null", "[1]", "{}"] {
            assert!(serde_json::from_str::<Decimal>(bad).is_err(), "{bad}");
        }
        for bad in ["", "1.", ".5", "1e5", "abc", "--1"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad}");
        }
    }
}
