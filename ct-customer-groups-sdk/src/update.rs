//! Update actions, and the request that sends several of them with the expected version.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::diff::same_settable_state;
use crate::model::{
    CustomFields, CustomerGroup, Reference, ResourceIdentifier, check_field_name,
    check_field_names, check_key,
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

impl UpdateAction {
    /// Applies the action to `group` in memory, as the API applies it:
    /// what the group holds afterwards, without its version and stamps
    /// (which only the server sets).
    ///
    /// Customer group actions set absolute values, so applying one to a
    /// group that already reflects it changes nothing: that is how the SDK
    /// tells its own landed write from another writer's change. Where the
    /// outcome depends on what only the server knows (a custom type named
    /// by key, which a group names by id; a field set on a group without a
    /// custom type, which the API refuses), it fails and leaves `group` as
    /// it was. Removing a field that is not set leaves it unset.
    ///
    /// ```
    /// use ct_customer_groups_sdk::{CustomerGroup, UpdateAction};
    ///
    /// let mut group: CustomerGroup = ct_customer_groups_sdk::serde_json::from_str(
    ///     r#"{"id": "g-1", "version": 3, "name": "Gold", "createdAt": "2024-01-01T00:00:00Z",
    ///         "lastModifiedAt": "2024-01-01T00:00:00Z"}"#,
    /// )?;
    /// UpdateAction::change_name("Platinum").apply(&mut group)?;
    /// assert_eq!(group.name, "Platinum");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&self, group: &mut CustomerGroup) -> Result<(), NotLocallyApplicable> {
        match self {
            UpdateAction::ChangeName { name } => group.name.clone_from(name),
            UpdateAction::SetKey { key } => group.key.clone_from(key),
            UpdateAction::SetCustomType { type_: None, .. } => group.custom = None,
            UpdateAction::SetCustomType {
                type_: Some(type_),
                fields,
            } => {
                // A type named by key is known only when it is the group's
                // own type, read with `expand=custom.type`.
                let expanded = group
                    .custom
                    .as_ref()
                    .map(|custom| &custom.type_)
                    .filter(|current| crate::diff::names_type(type_, current) == Some(true));
                let type_ = match (type_.id(), expanded) {
                    (_, Some(current)) => current.clone(),
                    (Some(id), None) => Reference {
                        type_id: "type".to_owned(),
                        id: id.to_owned(),
                        obj: None,
                    },
                    (None, None) => {
                        return Err(NotLocallyApplicable::new(
                            "setCustomType",
                            "the type is named by key, and a group names its type by id \
                             (read the group with `expand=custom.type` to resolve its own)",
                        ));
                    }
                };
                let fields = Value::Object(fields.clone().unwrap_or_default());
                group.custom = Some(CustomFields {
                    type_,
                    fields: fields.into(),
                });
            }
            UpdateAction::SetCustomField { name, value } => {
                let Some(custom) = group.custom.as_mut() else {
                    return Err(NotLocallyApplicable::new(
                        "setCustomField",
                        "the group has no custom type, and the API refuses the action",
                    ));
                };
                let mut fields: Map<String, Value> = custom.fields.decode().map_err(|_| {
                    NotLocallyApplicable::new(
                        "setCustomField",
                        "the group's fields are not an object",
                    )
                })?;
                match value {
                    Some(value) => fields.insert(name.clone(), value.clone()),
                    None => fields.remove(name),
                };
                custom.fields = Value::Object(fields).into();
            }
        }
        Ok(())
    }
}

/// An update action whose outcome the SDK cannot work out without the
/// server: see [`UpdateAction::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotLocallyApplicable {
    /// The action, as the API names it (`setCustomType`).
    pub action: &'static str,
    /// Why its outcome cannot be known here.
    pub reason: &'static str,
}

impl NotLocallyApplicable {
    fn new(action: &'static str, reason: &'static str) -> Self {
        Self { action, reason }
    }
}

impl std::fmt::Display for NotLocallyApplicable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} cannot be applied locally: {}",
            self.action, self.reason
        )
    }
}

impl std::error::Error for NotLocallyApplicable {}

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

    /// Whether `group` already holds everything the actions set: applying
    /// them to it, in order, changes nothing. An error when an action's
    /// outcome cannot be known without the server
    /// ([`UpdateAction::apply`]).
    pub fn is_reflected_in(&self, group: &CustomerGroup) -> Result<bool, NotLocallyApplicable> {
        let mut applied = group.clone();
        for action in &self.actions {
            action.apply(&mut applied)?;
        }
        Ok(same_settable_state(group, &applied))
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
