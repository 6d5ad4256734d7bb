//! Update actions, and the request that sends several of them with the expected version.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::{
    CustomerGroup, ResourceIdentifier, check_field_name, check_field_names, check_key,
};

/// The most update actions one request may carry (the API's limit).
pub const MAX_ACTIONS: usize = 500;

/// One change to a customer group, tagged by `"action"` on the wire.
///
/// ```
/// use ct_customer_groups_sdk::UpdateAction;
///
/// let action = UpdateAction::change_name("Platinum");
/// assert_eq!(
///     ct_customer_groups_sdk::serde_json::to_string(&action).unwrap(),
///     r#"{"action":"changeName","name":"Platinum"}"#
/// );
/// // An absent key removes the key.
/// assert_eq!(
///     ct_customer_groups_sdk::serde_json::to_string(&UpdateAction::set_key(None::<String>)).unwrap(),
///     r#"{"action":"setKey"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "camelCase")]
#[non_exhaustive]
pub enum UpdateAction {
    /// Renames the group (the name must stay unique).
    ChangeName {
        /// The new name.
        name: String,
    },
    /// Sets the key; `None` removes it.
    SetKey {
        /// The new key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// Sets the custom type and its fields, replacing any existing ones;
    /// no type removes the custom fields.
    SetCustomType {
        /// The type, by id or key.
        #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
        type_: Option<ResourceIdentifier>,
        /// The values, by field name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fields: Option<Map<String, Value>>,
    },
    /// Sets one custom field; `None` removes it (removing a field that does
    /// not exist fails with `InvalidOperation`).
    SetCustomField {
        /// The field's name.
        name: String,
        /// The value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Value>,
    },
}

impl UpdateAction {
    /// `changeName`.
    pub fn change_name(name: impl Into<String>) -> Self {
        UpdateAction::ChangeName { name: name.into() }
    }

    /// `setKey`; `None` removes the key.
    pub fn set_key(key: Option<impl Into<String>>) -> Self {
        UpdateAction::SetKey {
            key: key.map(Into::into),
        }
    }

    /// `setCustomType`; `None` removes the custom fields.
    pub fn set_custom_type(
        type_: Option<ResourceIdentifier>,
        fields: Option<Map<String, Value>>,
    ) -> Self {
        UpdateAction::SetCustomType { type_, fields }
    }

    /// `setCustomField`; `None` removes the field.
    pub fn set_custom_field(name: impl Into<String>, value: Option<Value>) -> Self {
        UpdateAction::SetCustomField {
            name: name.into(),
            value,
        }
    }
}

/// Several actions sent in one request, applied to the expected version.
///
/// The version is always one the server sent: take it from the group you
/// read ([`CustomerGroupUpdate::for_group`]); the SDK never guesses it.
///
/// ```
/// use ct_customer_groups_sdk::{CustomerGroupUpdate, UpdateAction};
///
/// let update = CustomerGroupUpdate::new(7)
///     .action(UpdateAction::change_name("Platinum"))
///     .action(UpdateAction::set_key(Some("platinum")));
/// assert_eq!(update.actions().len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[must_use = "an update does nothing until it is sent"]
pub struct CustomerGroupUpdate {
    version: u64,
    actions: Vec<UpdateAction>,
}

impl CustomerGroupUpdate {
    /// An update expecting `version`, as the server last reported it.
    pub fn new(version: u64) -> Self {
        Self {
            version,
            actions: Vec::new(),
        }
    }

    /// An update of `group` at the version it was read at.
    pub fn for_group(group: &CustomerGroup) -> Self {
        Self::new(group.version)
    }

    /// Adds an action.
    pub fn action(mut self, action: UpdateAction) -> Self {
        self.actions.push(action);
        self
    }

    /// Adds several actions.
    pub fn actions_from(mut self, actions: impl IntoIterator<Item = UpdateAction>) -> Self {
        self.actions.extend(actions);
        self
    }

    /// The expected version.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The actions, in order.
    pub fn actions(&self) -> &[UpdateAction] {
        &self.actions
    }

    /// Checks what the API would refuse before anything is sent: more than
    /// [`MAX_ACTIONS`] actions, keys outside the key pattern, custom field
    /// names outside theirs, a malformed type key.
    pub(crate) fn check(&self) -> Result<(), sdk_core::error::InvalidInput> {
        if self.actions.len() > MAX_ACTIONS {
            return Err(sdk_core::error::InvalidInput::new(
                "actions",
                format!(
                    "at most {MAX_ACTIONS} update actions in one request (has {}): split the update",
                    self.actions.len()
                ),
            ));
        }
        self.actions.iter().try_for_each(|action| match action {
            UpdateAction::SetKey { key: Some(key) } => check_key("actions[].key", key),
            UpdateAction::SetCustomField { name, .. } => check_field_name(name),
            UpdateAction::SetCustomType { type_, fields } => {
                type_
                    .as_ref()
                    .map_or(Ok(()), |type_| type_.check("actions[].type"))?;
                fields
                    .as_ref()
                    .map_or(Ok(()), |fields| check_field_names(fields.keys()))
            }
            _ => Ok(()),
        })
    }
}
