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

impl CustomerPatch {
    /// The patch that makes `current` what `desired` describes, with only
    /// the fields that differ; empty when nothing does.
    ///
    /// A PATCH cannot clear a field, and a customer holds what the till
    /// entered as well as what a sync sends, so:
    /// - a field `desired` leaves out (`None`, an empty list) is left as it is;
    /// - lists (`emails`, `phones`, `urls`, `socials`) compare as sets and
    ///   are sent whole when they differ;
    /// - each of `desired`'s addresses that the customer lacks (compared
    ///   without the server-made id) is added, and none is removed;
    /// - read-only `balance` and `currency` are never compared.
    ///
    /// ```
    /// use pos_customer_sdk::{Address, Customer, CustomerDraft, CustomerPatch};
    ///
    /// let current: Customer = serde_json::from_value(serde_json::json!({
    ///     "id": "c-1", "number": "1", "firstName": "Sarah", "balance": "10.00",
    ///     "customerGroup": {"id": "g-1"},
    ///     "emails": ["a@example.com", "b@example.com"],
    ///     "addresses": [{"id": "a-1", "city": "Bernau"}],
    /// }))?;
    /// let desired = CustomerDraft::new("1", "g-1")
    ///     .first_name("Sarah")
    ///     .last_name("Connor")
    ///     .email("b@example.com")
    ///     .email("a@example.com")
    ///     .address(Address::new().city("Bernau"));
    /// // Only the last name differs: the e-mails are the same set, the address is there.
    /// assert_eq!(CustomerPatch::diff(&current, &desired), CustomerPatch::new().last_name("Connor"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn diff(current: &Customer, desired: &CustomerDraft) -> CustomerPatch {
        fn wanted<T: PartialEq + Clone>(now: &Option<T>, want: &Option<T>) -> Option<T> {
            want.as_ref()
                .filter(|want| now.as_ref() != Some(*want))
                .cloned()
        }
        fn wanted_set(now: &[String], want: &[String]) -> Option<Vec<String>> {
            let as_set = |list: &[String]| {
                list.iter()
                    .cloned()
                    .collect::<std::collections::BTreeSet<_>>()
            };
            (!want.is_empty() && as_set(now) != as_set(want)).then(|| want.to_vec())
        }
        let missing_addresses: Vec<Address> = desired
            .addresses
            .iter()
            .filter(|address| {
                !current
                    .addresses
                    .iter()
                    .any(|held| same_address(held, address))
            })
            .map(|address| Address {
                id: None,
                ..address.clone()
            })
            .collect();
        CustomerPatch {
            number: wanted(&current.number, &Some(desired.number.clone())),
            active: wanted(&current.active, &desired.active),
            gender: wanted(&current.gender, &desired.gender),
            title: wanted(&current.title, &desired.title),
            salutation: wanted(&current.salutation, &desired.salutation),
            birthday: wanted(&current.birthday, &desired.birthday),
            first_name: wanted(&current.first_name, &desired.first_name),
            last_name: wanted(&current.last_name, &desired.last_name),
            company_name: wanted(&current.company_name, &desired.company_name),
            company_position: wanted(&current.company_position, &desired.company_position),
            customer_group: wanted(
                &current
                    .customer_group
                    .as_ref()
                    .map(|group| group.id.clone()),
                &Some(desired.customer_group.clone()),
            ),
            addresses: (!missing_addresses.is_empty()).then_some(missing_addresses),
            emails: wanted_set(&current.emails, &desired.emails),
            socials: wanted_set(&current.socials, &desired.socials),
            phones: wanted_set(&current.phones, &desired.phones),
            urls: wanted_set(&current.urls, &desired.urls),
            language: wanted(&current.language, &desired.language),
            description: wanted(&current.description, &desired.description),
        }
    }

    /// How many changes the patch makes: one per field, one per address.
    pub fn change_count(&self) -> usize {
        let fields = serde_json::to_value(self)
            .ok()
            .and_then(|value| value.as_object().map(serde_json::Map::len))
            .unwrap_or(0);
        let addresses = self.addresses.as_ref().map_or(0, Vec::len);
        // `addresses` is one field of the object, counted by its addresses instead.
        fields
            .saturating_sub(usize::from(addresses > 0))
            .saturating_add(addresses)
    }
}

/// Whether two addresses hold the same place, whatever their server-made ids.
fn same_address(a: &Address, b: &Address) -> bool {
    (&a.street, &a.building, &a.zip, &a.city, &a.country)
        == (&b.street, &b.building, &b.zip, &b.city, &b.country)
}
