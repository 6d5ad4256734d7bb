//! Customer groups.

use serde::{Deserialize, Serialize};

use crate::ids::{CustomerGroupId, DiscountId};

/// A customer group as the server answers it.
///
/// Every answer of the document carries the group's `id`, so it is not
/// optional: an answer without one is a decode error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomerGroup {
    /// The group's id.
    pub id: CustomerGroupId,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The discount its customers get.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<GroupDiscount>,
}

/// The discount of a group, as the server answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupDiscount {
    /// The discount's id.
    pub id: DiscountId,
    /// The discount's name (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `{"id": ..}` as the discount reference of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct DiscountRef {
    id: DiscountId,
}

/// A group to create, or to replace one with.
///
/// ```
/// use pos_customer_sdk::CustomerGroupDraft;
///
/// let draft = CustomerGroupDraft::new("Regulars").discount(13);
/// // Sent as {"name":"Regulars","discount":{"id":13}}
/// # assert_eq!(serde_json::to_string(&draft).unwrap(), r#"{"name":"Regulars","discount":{"id":13}}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CustomerGroupDraft {
    /// The name.
    pub name: String,
    /// The discount its customers get, by id.
    #[serde(skip_serializing_if = "Option::is_none")]
    discount: Option<DiscountRef>,
}

impl CustomerGroupDraft {
    /// A group named `name`, with no discount.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            discount: None,
        }
    }

    /// Gives the group's customers the discount `id`.
    pub fn discount(mut self, id: impl Into<DiscountId>) -> Self {
        self.discount = Some(DiscountRef { id: id.into() });
        self
    }

    /// The discount's id, if one is set.
    pub fn discount_id(&self) -> Option<&DiscountId> {
        self.discount.as_ref().map(|d| &d.id)
    }
}

/// Changes to a group: only the fields set are sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct CustomerGroupPatch {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discount: Option<DiscountRef>,
}

impl CustomerGroupPatch {
    /// A patch that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Gives the group's customers the discount `id`.
    pub fn discount(mut self, id: impl Into<DiscountId>) -> Self {
        self.discount = Some(DiscountRef { id: id.into() });
        self
    }

    /// The discount's id, if one is set.
    pub fn discount_id(&self) -> Option<&DiscountId> {
        self.discount.as_ref().map(|d| &d.id)
    }
}

/// `{"customerGroup": {..}}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupEnvelope {
    pub(crate) customer_group: CustomerGroup,
}

/// `{"customerGroups": [..]}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupList {
    #[serde(default, deserialize_with = "sdk_core::vendor::json::list")]
    pub(crate) customer_groups: Vec<CustomerGroup>,
}
