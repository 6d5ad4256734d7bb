//! Customers: what the server answers and what the client sends.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use super::text_setters;
use super::values::{Decimal, Gender, lenient_date};
use crate::ids::{AddressId, CustomerGroupId, CustomerId};

/// A customer as the server answers it.
///
/// The id is always there: every answer of the document carries it but the
/// PATCH answer, which [`Customers::patch`](crate::customers::Customers::patch)
/// fills from the id it patched; an answer without one is a decode error.
/// Every other field but the lists is optional: the document's examples
/// leave out different fields in different answers, and an answer missing
/// one still decodes.
///
/// Decoding accepts every shape the document shows: the customer's fields
/// inside `{"customer": {..}}` or plain, with `addresses`, `emails`,
/// `socials`, `phones` and `urls` inside the customer or beside it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Customer {
    /// The customer's id.
    #[serde(skip_serializing_if = "CustomerId::is_missing")]
    pub id: CustomerId,
    /// The customer number used in the POS (not unique).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Whether the POS finds the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Gender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Salutation, such as `Mr`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salutation: Option<String>,
    /// Date of birth.
    #[serde(with = "lenient_date", skip_serializing_if = "Option::is_none")]
    pub birthday: Option<NaiveDate>,
    /// Title, such as `Doctor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The company the customer works in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// The customer's position in that company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_position: Option<String>,
    /// Preferred language code, such as `EN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Credit balance, exact (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<Decimal>,
    /// Currency of the balance, such as `EUR` (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The group the customer belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_group: Option<CustomerGroupRef>,
    /// Addresses.
    #[serde(deserialize_with = "sdk_core::vendor::json::list_or_null")]
    pub addresses: Vec<Address>,
    /// E-mail addresses.
    #[serde(deserialize_with = "sdk_core::vendor::json::list_or_null")]
    pub emails: Vec<String>,
    /// Social network accounts.
    #[serde(deserialize_with = "sdk_core::vendor::json::list_or_null")]
    pub socials: Vec<String>,
    /// Phone numbers.
    #[serde(deserialize_with = "sdk_core::vendor::json::list_or_null")]
    pub phones: Vec<String>,
    /// Web addresses.
    #[serde(deserialize_with = "sdk_core::vendor::json::list_or_null")]
    pub urls: Vec<String>,
    /// The customer of the nested answer shape, `{"customer": {..}}`: moved
    /// out while decoding, so always `None` in a decoded customer.
    #[serde(
        rename = "customer",
        skip_serializing,
        deserialize_with = "nested_customer"
    )]
    nested: Option<Box<Customer>>,
}

/// The group a customer belongs to, as the server answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomerGroupRef {
    /// The group's id.
    pub id: CustomerGroupId,
    /// The group's name (read-only: change it through the group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One of a customer's addresses.
///
/// In a patch, an address with an `id` updates that address and one without
/// is added.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Address {
    /// The address's id (given by the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<AddressId>,
    /// Street (at most 255 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// Building number (at most 100 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    /// Zip code (at most 50 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// City (at most 255 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Address {
    /// A new address (no id: in a patch it is added).
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes to the existing address `id` (in a patch, only the fields set change).
    pub fn existing(id: impl Into<AddressId>) -> Self {
        Self {
            id: Some(id.into()),
            ..Self::default()
        }
    }

    text_setters!(
        /// Sets the street.
        street,
        /// Sets the building number.
        building,
        /// Sets the zip code.
        zip,
        /// Sets the city.
        city,
        /// Sets the country.
        country,
    );
}

// Decoding: `Customer` derives its field list once (`remote = "Self"`
// makes the derive an inherent `Customer::deserialize`), and the trait impl
// below unwraps the nested shape around it, so no second list of the
// customer's fields is needed for the wire.
impl<'de> Deserialize<'de> for Customer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let CustomerWithoutId(customer) = CustomerWithoutId::deserialize(deserializer)?;
        if customer.id.is_missing() {
            return Err(serde::de::Error::missing_field("id"));
        }
        Ok(customer)
    }
}

/// A customer that may lack its id: the one inside `{"customer": {..}}`
/// (the outer customer is checked once it is unwrapped), and the answer to
/// `PATCH /customers/{id}`, which the document shows without one:
/// [`Customers::patch`](crate::customers::Customers::patch) gives it the id
/// it patched.
pub(crate) struct CustomerWithoutId(pub(crate) Customer);

fn nested_customer<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Box<Customer>>, D::Error> {
    Option::<CustomerWithoutId>::deserialize(deserializer)
        .map(|nested| nested.map(|CustomerWithoutId(customer)| Box::new(customer)))
}

impl<'de> Deserialize<'de> for CustomerWithoutId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Customer::deserialize(deserializer)
            .map(Customer::unwrapped)
            .map(CustomerWithoutId)
    }
}

impl CustomerWithoutId {
    /// The customer, with `id` when the answer carried none.
    pub(crate) fn with_id(self, id: CustomerId) -> Customer {
        let mut customer = self.0;
        if customer.id.is_missing() {
            customer.id = id;
        }
        customer
    }
}

impl Serialize for Customer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Customer::serialize(self, serializer)
    }
}

impl Customer {
    /// The customer inside `{"customer": {..}}`, with the lists given
    /// beside it where it has none of its own.
    fn unwrapped(mut self) -> Self {
        let Some(inner) = self.nested.take() else {
            return self;
        };
        let mut inner = Customer::unwrapped(*inner);
        for (own, beside) in [
            (&mut inner.emails, &mut self.emails),
            (&mut inner.socials, &mut self.socials),
            (&mut inner.phones, &mut self.phones),
            (&mut inner.urls, &mut self.urls),
        ] {
            if own.is_empty() {
                *own = std::mem::take(beside);
            }
        }
        if inner.addresses.is_empty() {
            inner.addresses = std::mem::take(&mut self.addresses);
        }
        inner
    }
}

/// `{"customers": [..]}`.
#[derive(Deserialize)]
pub(crate) struct CustomerList {
    #[serde(default, deserialize_with = "sdk_core::vendor::json::list")]
    pub(crate) customers: Vec<Customer>,
}

/// `{"id": .., ...fields}`: one entry of a list request.
#[derive(Serialize)]
pub(crate) struct WithId<'a, T> {
    pub(crate) id: &'a CustomerId,
    #[serde(flatten)]
    pub(crate) fields: &'a T,
}

/// `GET /customers` decoded to the customers' ids alone: every other field
/// is skipped unread, so a list costs its ids in memory, not its customers
/// (see [`Customers::list_ids`](crate::customers::Customers::list_ids)).
/// Both shapes the document shows decode (`{"id": ..}` and
/// `{"customer": {"id": ..}}`); a customer without an id fails.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CustomerIdList {
    /// The ids, in the list's order.
    #[serde(default, deserialize_with = "sdk_core::vendor::json::list")]
    pub customers: Vec<IdOnly>,
}

impl CustomerIdList {
    /// The ids.
    pub fn into_ids(self) -> Vec<CustomerId> {
        self.customers.into_iter().map(|IdOnly(id)| id).collect()
    }
}

/// One customer of a [`CustomerIdList`]: its id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "IdShape")]
pub struct IdOnly(pub CustomerId);

/// A customer in either shape, read for its id alone.
#[derive(Deserialize)]
struct IdShape {
    #[serde(default)]
    id: Option<CustomerId>,
    #[serde(default)]
    customer: Option<Box<IdShape>>,
}

impl IdShape {
    fn id(self) -> Option<CustomerId> {
        self.id
            .or_else(|| self.customer.and_then(|inner| inner.id()))
    }
}

impl TryFrom<IdShape> for IdOnly {
    type Error = &'static str;

    fn try_from(shape: IdShape) -> std::result::Result<Self, Self::Error> {
        shape
            .id()
            .map(IdOnly)
            .ok_or("a customer of the list has no id")
    }
}
