//! Customer groups, customers and paging, as the API's schemas describe them.
//!
//! How strictly responses decode, field by field, against the document's
//! `required` lists:
//!
//! - a required number, date, enum or object the server left out is a
//!   decode error naming the field: no empty value could pass for it (a
//!   customer without `createdAt`, `customerType`, `credit` or `relevance`
//!   is refused, and so is the fixture `customer_minimal.json`);
//! - a required text or list field that is missing or `null` reads as its
//!   empty value (`""`, `[]`): the document types them as plain strings
//!   and lists, and servers leave empty ones out;
//! - a nullable field reads `null` as `None`; unknown fields are ignored,
//!   and enums keep values this SDK does not know yet.
//!
//! ```
//! use flowretail_sdk::CustomerGroup;
//!
//! // `createdAt` is required: a group without it is refused, naming the field.
//! let missing = serde_json::from_str::<CustomerGroup>(
//!     r#"{"customerGroupUid": "vip", "name": "VIP", "createdBy": "u1",
//!         "lastModifiedBy": "u1", "lastModifiedAt": "2024-01-01T00:00:00Z"}"#,
//! );
//! assert!(missing.unwrap_err().to_string().contains("createdAt"));
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// Reads `null` as the field's empty value: the schema types these fields
/// as plain strings and lists, and servers send `null` for "none".
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

sdk_core::vendor::open_enum! {
    /// `CustomerTypeENUM`.
    pub enum CustomerType {
        /// A company.
        Company = "COMPANY",
        /// A private person.
        Person = "PERSON",
        /// A business customer.
        B2b = "B2B",
    }
}

sdk_core::vendor::open_enum! {
    /// `CustomerAddressTypeENUM`.
    pub enum CustomerAddressType {
        /// Where goods are delivered.
        DeliveryAddress = "DELIVERY_ADDRESS",
        /// Where invoices go.
        InvoiceAddress = "INVOICE_ADDRESS",
    }
}

sdk_core::vendor::open_enum! {
    /// `CustomerContactRoleENUM`.
    pub enum CustomerContactRole {
        /// Administers the customer account.
        Admin = "ADMIN",
        /// Buys.
        Purchaser = "PURCHASER",
        /// Handles accounting.
        Accounting = "ACCOUNTING",
        /// No particular role.
        None = "NONE",
    }
}

sdk_core::vendor::open_enum! {
    /// `CustomerExtensionCodeENUM`.
    pub enum CustomerExtensionCode {
        /// The Two Invoice extension.
        TwoInvoice = "TWO_INVOICE",
    }
}

// The values `Customer::default()` and its parts hold, for building
// customers in tests (`FlowRetailSandbox::add_customer`): every answer
// carries its own, since the document marks these fields required.

// open_enum! writes the enum, so there is no variant to mark #[default].
#[allow(clippy::derivable_impls)]
impl Default for CustomerType {
    fn default() -> Self {
        CustomerType::Person
    }
}

// open_enum! writes the enum, so there is no variant to mark #[default].
#[allow(clippy::derivable_impls)]
impl Default for CustomerAddressType {
    fn default() -> Self {
        CustomerAddressType::DeliveryAddress
    }
}

// open_enum! writes the enum, so there is no variant to mark #[default].
#[allow(clippy::derivable_impls)]
impl Default for CustomerContactRole {
    fn default() -> Self {
        CustomerContactRole::None
    }
}

// open_enum! writes the enum, so there is no variant to mark #[default].
#[allow(clippy::derivable_impls)]
impl Default for CustomerExtensionCode {
    fn default() -> Self {
        CustomerExtensionCode::TwoInvoice
    }
}

/// `CustomerGroupResponseSchema`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerGroup {
    /// The group's UID.
    #[serde(default, deserialize_with = "null_as_default")]
    pub customer_group_uid: String,
    /// Its name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Who created it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub created_by: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Who last changed it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub last_modified_by: String,
    /// When it was last changed.
    pub last_modified_at: DateTime<Utc>,
}

/// `Paging`: where a page stands in its result set. The document requires
/// all three numbers: a page without one is a decode error naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Paging {
    /// The page's number (the document does not say whether the first is 0
    /// or 1: the listing learns it from the first answer).
    pub page_number: u64,
    /// Items per page.
    pub page_size: u64,
    /// Items in the whole result set.
    pub total_count: u64,
}

/// A page of a listing: `{items, paging}`, both required by the document
/// (`items` may be null, read as empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListResponse<T> {
    /// The items of this page.
    #[serde(
        deserialize_with = "sdk_core::vendor::json::at_most_or_null",
        bound(deserialize = "T: Deserialize<'de>")
    )]
    pub items: Vec<T>,
    /// Where the page stands.
    pub paging: Paging,
}

impl<T> Default for ListResponse<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            paging: Paging::default(),
        }
    }
}

/// `CustomerResponseSchema`: a customer with everything the API tells about it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Customer {
    /// The customer's UID.
    #[serde(default, deserialize_with = "null_as_default")]
    pub customer_uid: String,
    /// The main customer this one is a department of (companies only; may be empty).
    #[serde(default, deserialize_with = "null_as_default")]
    pub customer_parent_uid: String,
    /// Company, person or B2B.
    pub customer_type: CustomerType,
    /// First name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub firstname: String,
    /// Last name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub lastname: String,
    /// Display name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub display_name: String,
    /// Company name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub company_name: String,
    /// E-mail address.
    #[serde(default, deserialize_with = "null_as_default")]
    pub email: String,
    /// Mobile number.
    #[serde(default, deserialize_with = "null_as_default")]
    pub mobile: String,
    /// Street address.
    #[serde(default, deserialize_with = "null_as_default")]
    pub address: String,
    /// Postal code.
    #[serde(default, deserialize_with = "null_as_default")]
    pub postal_code: String,
    /// City.
    #[serde(default, deserialize_with = "null_as_default")]
    pub city: String,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default, deserialize_with = "null_as_default")]
    pub country_code: String,
    /// VAT identification number.
    #[serde(default, deserialize_with = "null_as_default")]
    pub vat_number: String,
    /// An id in another system.
    #[serde(default, deserialize_with = "null_as_default")]
    pub external_id: String,
    /// The customer's price list (may be empty).
    #[serde(default, deserialize_with = "null_as_default")]
    pub pricelist_uid: String,
    /// Where the customer came from.
    #[serde(default, deserialize_with = "null_as_default")]
    pub origin: String,
    /// Loyalty program id.
    #[serde(default, deserialize_with = "null_as_default")]
    pub loyalty_id: String,
    /// Payment terms in days.
    pub payment_terms: i64,
    /// An internal note.
    #[serde(default, deserialize_with = "null_as_default")]
    pub internal_note: String,
    /// Deprecated: use the ledger number of the accounting configuration.
    #[deprecated(note = "use ledgerNumber in accountingConfigs instead")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_number: Option<String>,
    /// Deprecated: use `ehf.enabled`.
    #[deprecated(note = "use ehf.enabled instead")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ehf_enabled: Option<bool>,
    /// Addresses.
    #[serde(default, deserialize_with = "sdk_core::vendor::json::list_or_null")]
    pub addresses: Vec<CustomerAddress>,
    /// Contact persons.
    #[serde(default, deserialize_with = "sdk_core::vendor::json::list_or_null")]
    pub contacts: Vec<CustomerContact>,
    /// Enabled extensions.
    #[serde(default, deserialize_with = "sdk_core::vendor::json::list_or_null")]
    pub extensions: Vec<CustomerExtension>,
    /// Consents given or refused.
    #[serde(default, deserialize_with = "sdk_core::vendor::json::list_or_null")]
    pub consents: Vec<CustomerConsent>,
    /// Credit limit and balance.
    pub credit: CustomerCredit,
    /// The customer's account manager.
    pub account_manager: AccountManager,
    /// Electronic invoicing (EHF).
    pub ehf: CustomerEhf,
    /// The groups the customer belongs to.
    #[serde(default, deserialize_with = "sdk_core::vendor::json::list_or_null")]
    pub customer_group_uids: Vec<String>,
    /// The customer's default store (may be null).
    #[serde(default)]
    pub default_store: Option<CustomerStore>,
    /// Search relevance.
    pub relevance: f64,
    /// When the customer was created.
    pub created_at: DateTime<Utc>,
    /// When the customer was last changed.
    pub last_modified_at: DateTime<Utc>,
}

/// `CustomerAddressResponseSchema`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerAddress {
    /// The address's UID.
    #[serde(default, deserialize_with = "null_as_default")]
    pub customer_address_uid: String,
    /// Delivery or invoice address.
    #[serde(rename = "type")]
    pub address_type: CustomerAddressType,
    /// Display name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub display_name: String,
    /// First name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub firstname: String,
    /// Last name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub lastname: String,
    /// Company name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub company_name: String,
    /// Street address.
    #[serde(default, deserialize_with = "null_as_default")]
    pub address: String,
    /// Postal code.
    #[serde(default, deserialize_with = "null_as_default")]
    pub postal_code: String,
    /// City.
    #[serde(default, deserialize_with = "null_as_default")]
    pub city: String,
    /// Country code.
    #[serde(default, deserialize_with = "null_as_default")]
    pub country_code: String,
    /// E-mail address.
    #[serde(default, deserialize_with = "null_as_default")]
    pub email: String,
    /// Phone number.
    #[serde(default, deserialize_with = "null_as_default")]
    pub phone: String,
}

/// `CustomerContactResponseSchema`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerContact {
    /// The contact's UID.
    #[serde(default, deserialize_with = "null_as_default")]
    pub customer_contact_uid: String,
    /// First name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub firstname: String,
    /// Last name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub lastname: String,
    /// Display name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub display_name: String,
    /// E-mail address.
    #[serde(default, deserialize_with = "null_as_default")]
    pub email: String,
    /// Mobile number.
    #[serde(default, deserialize_with = "null_as_default")]
    pub mobile: String,
    /// The contact's role.
    pub role: CustomerContactRole,
    /// Extensions enabled for the contact.
    #[serde(default, deserialize_with = "sdk_core::vendor::json::list_or_null")]
    pub extensions: Vec<CustomerExtension>,
    /// When the contact was created.
    pub created_at: DateTime<Utc>,
    /// When the contact was last changed.
    pub last_modified_at: DateTime<Utc>,
}

/// `CustomerExtensionResponseSchema` (also used for contacts).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerExtension {
    /// Which extension.
    pub extension_code: CustomerExtensionCode,
    /// The organization it is enabled for.
    #[serde(default, deserialize_with = "null_as_default")]
    pub organization_uid: String,
}

/// `CustomerConsentStatusSchema`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerConsent {
    /// The consent's UID.
    #[serde(default, deserialize_with = "null_as_default")]
    pub consent_uid: String,
    /// Its name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Whether it is given.
    #[serde(default)]
    pub status: bool,
    /// Where it was given.
    #[serde(default, deserialize_with = "null_as_default")]
    pub source: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// `CustomerCreditResponseSchema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CustomerCredit {
    /// The credit limit.
    pub limit: i64,
    /// The balance.
    pub balance: i64,
}

/// `AccountManagerResponseSchema`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct AccountManager {
    /// The manager's tenant user UID (may be empty).
    #[serde(deserialize_with = "null_as_default")]
    pub tenant_user_uid: String,
    /// Display name.
    #[serde(deserialize_with = "null_as_default")]
    pub display_name: String,
    /// User code.
    #[serde(deserialize_with = "null_as_default")]
    pub user_code: String,
}

/// `CustomerEhfResponseSchema`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CustomerEhf {
    /// Whether EHF is enabled.
    pub enabled: bool,
    /// The EHF address.
    #[serde(deserialize_with = "null_as_default")]
    pub address: String,
}

/// `CustomerStoreResponseSchema`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct CustomerStore {
    /// The store's UID.
    #[serde(deserialize_with = "null_as_default")]
    pub store_uid: String,
    /// Its name.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
}

/// `CustomerGroupCreateRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateCustomerGroup {
    /// The name.
    pub name: String,
    /// A UID of your choosing (the server makes one when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_group_uid: Option<String>,
}

impl CreateCustomerGroup {
    /// A group named `name`, UID chosen by the server.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            customer_group_uid: None,
        }
    }

    /// Chooses the group's UID (`[A-Za-z0-9-_]+`): creating it again then
    /// fails instead of making a second group.
    pub fn uid(mut self, uid: impl Into<String>) -> Self {
        self.customer_group_uid = Some(uid.into());
        self
    }
}

/// `CustomerGroupUpdateRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdateCustomerGroup {
    /// The new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl UpdateCustomerGroup {
    /// Renames the group.
    pub fn name(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
        }
    }
}

/// `CustomerGroupCustomersUpdateRequest`: customers to add to and remove from a group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GroupMembershipChange {
    /// Customers to add.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_customer_uids: Vec<String>,
    /// Customers to remove.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_customer_uids: Vec<String>,
}

impl GroupMembershipChange {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds customers.
    pub fn add_customers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, uids: I) -> Self {
        self.add_customer_uids
            .extend(uids.into_iter().map(Into::into));
        self
    }

    /// Removes customers.
    pub fn remove_customers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, uids: I) -> Self {
        self.remove_customer_uids
            .extend(uids.into_iter().map(Into::into));
        self
    }
}
