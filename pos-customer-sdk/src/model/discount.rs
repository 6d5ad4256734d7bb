//! Customer discounts.

use serde::{Deserialize, Serialize};

use super::values::Decimal;
use crate::ids::DiscountId;

/// A customer discount as the server answers it.
///
/// Every answer of the document carries the discount's `id`, so it is not
/// optional: an answer without one is a decode error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Discount {
    /// The discount's id.
    pub id: DiscountId,
    /// Its name, such as `5 proz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The amount: a percentage, or an absolute amount when `absolute` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Decimal>,
    /// Whether `value` is an absolute amount rather than a percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absolute: Option<bool>,
    /// Whether the POS checks that an item is discountable before applying it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_discountable: Option<bool>,
}

/// A discount to create, or to replace one with.
///
/// ```
/// use pos_customer_sdk::DiscountDraft;
///
/// let draft = DiscountDraft::new("5 proz", 5).absolute(false).check_discountable(false);
/// // Sent as {"name":"5 proz","value":5,"absolute":false,"checkDiscountable":false}
/// # assert_eq!(serde_json::to_string(&draft).unwrap(), r#"{"name":"5 proz","value":5,"absolute":false,"checkDiscountable":false}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscountDraft {
    /// The name.
    pub name: String,
    /// The amount.
    pub value: Decimal,
    /// Whether `value` is absolute rather than a percentage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absolute: Option<bool>,
    /// Whether the POS checks that an item is discountable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_discountable: Option<bool>,
}

impl DiscountDraft {
    /// A discount named `name` of `value`.
    pub fn new(name: impl Into<String>, value: impl Into<Decimal>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            absolute: None,
            check_discountable: None,
        }
    }

    /// Sets whether the value is absolute.
    pub fn absolute(mut self, absolute: bool) -> Self {
        self.absolute = Some(absolute);
        self
    }

    /// Sets whether the POS checks that an item is discountable.
    pub fn check_discountable(mut self, check: bool) -> Self {
        self.check_discountable = Some(check);
        self
    }
}

/// Changes to a discount: only the fields set are sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscountPatch {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Decimal>,
    /// New absolute flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absolute: Option<bool>,
    /// New check-discountable flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_discountable: Option<bool>,
}

impl DiscountPatch {
    /// A patch that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the amount.
    pub fn value(mut self, value: impl Into<Decimal>) -> Self {
        self.value = Some(value.into());
        self
    }

    /// Sets whether the value is absolute.
    pub fn absolute(mut self, absolute: bool) -> Self {
        self.absolute = Some(absolute);
        self
    }

    /// Sets whether the POS checks that an item is discountable.
    pub fn check_discountable(mut self, check: bool) -> Self {
        self.check_discountable = Some(check);
        self
    }
}

/// `{"customerDiscount": {..}}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DiscountEnvelope {
    pub(crate) customer_discount: Discount,
}

/// `{"customerDiscounts": [..]}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DiscountList {
    #[serde(default, deserialize_with = "sdk_core::vendor::json::list")]
    pub(crate) customer_discounts: Vec<Discount>,
}
