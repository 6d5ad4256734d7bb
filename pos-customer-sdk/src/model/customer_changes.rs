//! What the client sends of a customer: a whole customer to create or
//! replace one with, and a patch of only the fields that change.

use chrono::NaiveDate;
use serde::Serialize;

use super::customer::{Address, Customer};
use super::text_setters;
use super::values::{Gender, lenient_date};
use crate::ids::CustomerGroupId;

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
/// // Only what is set is sent: `active`, and the two addresses.
/// # let json = serde_json::to_value(&patch).unwrap();
/// # assert_eq!(json["active"], false);
/// # assert!(json.get("number").is_none(), "unset fields are not sent");
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
