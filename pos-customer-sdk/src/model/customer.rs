//! Customers: what the server answers and what the client sends.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use super::text_setters;
use super::values::{Decimal, Gender, lenient_date};
use crate::ids::{AddressId, CustomerGroupId, CustomerId};

/// A customer as the server answers it.
///
/// Every field but the lists is optional: the document's examples leave out
/// different fields in different answers (a PATCH answer has no `id`), and
/// an answer missing a field still decodes.
///
/// Decoding accepts every shape the document shows: the customer's fields
/// inside `{"customer": {..}}` or plain, with `addresses`, `emails`,
/// `socials`, `phones` and `urls` inside the customer or beside it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Customer {
    /// The customer's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<CustomerId>,
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
    #[serde(deserialize_with = "null_as_empty")]
    pub addresses: Vec<Address>,
    /// E-mail addresses.
    #[serde(deserialize_with = "null_as_empty")]
    pub emails: Vec<String>,
    /// Social network accounts.
    #[serde(deserialize_with = "null_as_empty")]
    pub socials: Vec<String>,
    /// Phone numbers.
    #[serde(deserialize_with = "null_as_empty")]
    pub phones: Vec<String>,
    /// Web addresses.
    #[serde(deserialize_with = "null_as_empty")]
    pub urls: Vec<String>,
    /// The customer of the nested answer shape, `{"customer": {..}}`: moved
    /// out while decoding, so always `None` in a decoded customer.
    #[serde(rename = "customer", skip_serializing)]
    nested: Option<Box<Customer>>,
}

/// A JSON `null` list as an empty one.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
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
        Customer::deserialize(deserializer).map(Customer::unwrapped)
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
    #[serde(default)]
    pub(crate) customers: Vec<Customer>,
}

/// `{"id": .., ...fields}`: one entry of a list request.
#[derive(Serialize)]
pub(crate) struct WithId<'a, T> {
    pub(crate) id: &'a CustomerId,
    #[serde(flatten)]
    pub(crate) fields: &'a T,
}

/// `{"id": ..}` as the group reference of a request.
#[derive(Serialize)]
struct GroupIdOnly<'a> {
    id: &'a CustomerGroupId,
}

fn serialize_group_id<S: serde::Serializer>(
    id: &CustomerGroupId,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    GroupIdOnly { id }.serialize(serializer)
}

fn serialize_optional_group_id<S: serde::Serializer>(
    id: &Option<CustomerGroupId>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => serialize_group_id(id, serializer),
        None => serializer.serialize_none(),
    }
}

/// A whole customer to create, or to replace one with.
///
/// `number` and the group are required; everything else is optional.
/// Read-only fields (`balance`, `currency`, the group's name) have no place here.
///
/// ```
/// use pos_customer_sdk::{Address, CustomerDraft, Gender};
///
/// let draft = CustomerDraft::new("1001", "9168aa78-e0a3-42ec-a43c-87f0ad666f69")
///     .first_name("Miles")
///     .last_name("Dyson")
///     .gender(Gender::Male)
///     .email("miles@cyberdyne.example")
///     .address(Address::new().street("Berliner Str.").city("Bernau"));
/// assert_eq!(draft.emails.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerDraft {
    /// Customer number (not blank, at most 255 characters).
    pub number: String,
    /// Whether the POS finds the customer (server default: true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Gender (server default: `U`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Title (at most 50 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Salutation (at most 50 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salutation: Option<String>,
    /// Date of birth.
    #[serde(with = "lenient_date", skip_serializing_if = "Option::is_none")]
    pub birthday: Option<NaiveDate>,
    /// First name (at most 100 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name (at most 100 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Company name (at most 255 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Position in the company (at most 255 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_position: Option<String>,
    /// The group the customer belongs to (required).
    #[serde(serialize_with = "serialize_group_id")]
    pub customer_group: CustomerGroupId,
    /// Addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// E-mail addresses (each at most 100 characters).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// Social network accounts (each at most 255 characters).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub socials: Vec<String>,
    /// Phone numbers (each at most 50 characters).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// Web addresses (each at most 255 characters).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Preferred language code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl CustomerDraft {
    /// A customer with `number` in `group`.
    pub fn new(number: impl Into<String>, group: impl Into<CustomerGroupId>) -> Self {
        Self {
            number: number.into(),
            active: None,
            gender: None,
            title: None,
            salutation: None,
            birthday: None,
            first_name: None,
            last_name: None,
            company_name: None,
            company_position: None,
            customer_group: group.into(),
            addresses: Vec::new(),
            emails: Vec::new(),
            socials: Vec::new(),
            phones: Vec::new(),
            urls: Vec::new(),
            language: None,
            description: None,
        }
    }

    /// Starts a draft from a customer read from the server (to change and
    /// `replace` it); `None` when the customer has no number or group.
    pub fn from_customer(customer: &Customer) -> Option<Self> {
        let mut draft = Self::new(
            customer.number.clone()?,
            customer.customer_group.as_ref()?.id.clone(),
        );
        draft.active = customer.active;
        draft.gender = customer.gender.clone();
        draft.title = customer.title.clone();
        draft.salutation = customer.salutation.clone();
        draft.birthday = customer.birthday;
        draft.first_name = customer.first_name.clone();
        draft.last_name = customer.last_name.clone();
        draft.company_name = customer.company_name.clone();
        draft.company_position = customer.company_position.clone();
        draft.addresses = customer.addresses.clone();
        draft.emails = customer.emails.clone();
        draft.socials = customer.socials.clone();
        draft.phones = customer.phones.clone();
        draft.urls = customer.urls.clone();
        draft.language = customer.language.clone();
        draft.description = customer.description.clone();
        Some(draft)
    }

    /// Sets whether the POS finds the customer.
    pub fn active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Sets the gender.
    pub fn gender(mut self, gender: Gender) -> Self {
        self.gender = Some(gender);
        self
    }

    /// Sets the date of birth.
    pub fn birthday(mut self, birthday: NaiveDate) -> Self {
        self.birthday = Some(birthday);
        self
    }

    /// Adds an address.
    pub fn address(mut self, address: Address) -> Self {
        self.addresses.push(address);
        self
    }

    /// Adds an e-mail address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.emails.push(email.into());
        self
    }

    /// Adds a phone number.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phones.push(phone.into());
        self
    }

    /// Adds a web address.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.urls.push(url.into());
        self
    }

    /// Adds a social network account.
    pub fn social(mut self, social: impl Into<String>) -> Self {
        self.socials.push(social.into());
        self
    }

    text_setters!(
        /// Sets the title.
        title,
        /// Sets the salutation.
        salutation,
        /// Sets the first name.
        first_name,
        /// Sets the last name.
        last_name,
        /// Sets the company name.
        company_name,
        /// Sets the position in the company.
        company_position,
        /// Sets the preferred language code.
        language,
        /// Sets the free text.
        description,
    );
}

/// Changes to a customer: only the fields set are sent.
///
/// Lists that are set replace the customer's list, except addresses: an
/// address with an id updates that address, one without is added.
///
/// ```
/// use pos_customer_sdk::{Address, CustomerPatch};
///
/// let patch = CustomerPatch::new()
///     .active(false)
///     .address(Address::existing("9a17ff45-e41b-43b1-98e4-1ec74ae0681f").zip("20000"))
///     .address(Address::new().city("London").street("Baker").building("221b"));
/// let json = serde_json::to_value(&patch).unwrap();
/// assert_eq!(json["active"], false);
/// assert!(json.get("number").is_none(), "unset fields are not sent");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerPatch {
    /// New customer number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// New active flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// New gender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// New title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// New salutation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salutation: Option<String>,
    /// New date of birth.
    #[serde(with = "lenient_date", skip_serializing_if = "Option::is_none")]
    pub birthday: Option<NaiveDate>,
    /// New first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// New last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// New company name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// New position in the company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_position: Option<String>,
    /// Moves the customer to another group.
    #[serde(
        serialize_with = "serialize_optional_group_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub customer_group: Option<CustomerGroupId>,
    /// Addresses to update (with id) or add (without).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<Address>>,
    /// New e-mail addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    /// New social network accounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub socials: Option<Vec<String>>,
    /// New phone numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<String>>,
    /// New web addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
    /// New language code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// New free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl CustomerPatch {
    /// A patch that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Sets the active flag.
    pub fn active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Sets the gender.
    pub fn gender(mut self, gender: Gender) -> Self {
        self.gender = Some(gender);
        self
    }

    /// Sets the date of birth.
    pub fn birthday(mut self, birthday: NaiveDate) -> Self {
        self.birthday = Some(birthday);
        self
    }

    /// Moves the customer to `group`.
    pub fn customer_group(mut self, group: impl Into<CustomerGroupId>) -> Self {
        self.customer_group = Some(group.into());
        self
    }

    /// Adds an address to update (with id) or add (without).
    pub fn address(mut self, address: Address) -> Self {
        self.addresses.get_or_insert_with(Vec::new).push(address);
        self
    }

    /// Sets the e-mail addresses.
    pub fn emails<I: IntoIterator<Item = S>, S: Into<String>>(mut self, emails: I) -> Self {
        self.emails = Some(emails.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the phone numbers.
    pub fn phones<I: IntoIterator<Item = S>, S: Into<String>>(mut self, phones: I) -> Self {
        self.phones = Some(phones.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the web addresses.
    pub fn urls<I: IntoIterator<Item = S>, S: Into<String>>(mut self, urls: I) -> Self {
        self.urls = Some(urls.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the social network accounts.
    pub fn socials<I: IntoIterator<Item = S>, S: Into<String>>(mut self, socials: I) -> Self {
        self.socials = Some(socials.into_iter().map(Into::into).collect());
        self
    }

    text_setters!(
        /// Sets the customer number.
        number,
        /// Sets the title.
        title,
        /// Sets the salutation.
        salutation,
        /// Sets the first name.
        first_name,
        /// Sets the last name.
        last_name,
        /// Sets the company name.
        company_name,
        /// Sets the position in the company.
        company_position,
        /// Sets the language code.
        language,
        /// Sets the free text.
        description,
    );
}
