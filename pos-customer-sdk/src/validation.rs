//! The restrictions of the document's field tables, checked before anything
//! is sent. Lengths count characters, not bytes.
//!
//! A `birthday` is a [`chrono::NaiveDate`], so it is always a real date.

use sdk_core::error::InvalidInput;

use crate::model::{Address, CustomerDraft, CustomerPatch, Gender};

/// Field limits from the document's field tables.
pub mod limits {
    /// `number`: not blank, at most 255.
    pub const NUMBER: usize = 255;
    /// `title`.
    pub const TITLE: usize = 50;
    /// `salutation`.
    pub const SALUTATION: usize = 50;
    /// `firstName`.
    pub const FIRST_NAME: usize = 100;
    /// `lastName`.
    pub const LAST_NAME: usize = 100;
    /// `companyName`.
    pub const COMPANY_NAME: usize = 255;
    /// `companyPosition`.
    pub const COMPANY_POSITION: usize = 255;
    /// `gender`.
    pub const GENDER: usize = 5;
    /// `addresses.street`.
    pub const STREET: usize = 255;
    /// `addresses.building`.
    pub const BUILDING: usize = 100;
    /// `addresses.zip`.
    pub const ZIP: usize = 50;
    /// `addresses.city`.
    pub const CITY: usize = 255;
    /// Each of `emails`.
    pub const EMAIL: usize = 100;
    /// Each of `phones`.
    pub const PHONE: usize = 50;
    /// Each of `urls`.
    pub const URL: usize = 255;
    /// Each of `socials`.
    pub const SOCIAL: usize = 255;
}

fn max_length(field: &str, value: &str, max: usize) -> Result<(), InvalidInput> {
    let length = value.chars().count();
    if length > max {
        return Err(InvalidInput::new(
            field,
            format!("at most {max} characters (has {length})"),
        ));
    }
    Ok(())
}

fn optional(field: &str, value: Option<&String>, max: usize) -> Result<(), InvalidInput> {
    value.map_or(Ok(()), |value| max_length(field, value, max))
}

fn each(field: &str, values: &[String], max: usize) -> Result<(), InvalidInput> {
    values
        .iter()
        .enumerate()
        .try_for_each(|(i, value)| max_length(&format!("{field}[{i}]"), value, max))
}

/// Refuses a blank required text field.
pub(crate) fn not_blank(field: &str, value: &str) -> Result<(), InvalidInput> {
    if value.trim().is_empty() {
        return Err(InvalidInput::new(field, "must not be blank"));
    }
    Ok(())
}

fn number(value: &str) -> Result<(), InvalidInput> {
    if value.trim().is_empty() {
        return Err(InvalidInput::new("number", "must not be blank"));
    }
    max_length("number", value, limits::NUMBER)
}

/// `M`, `W` or `U`, the values the document lists: a value this SDK read
/// but does not know is kept when decoding, never sent.
fn gender(value: Option<&Gender>) -> Result<(), InvalidInput> {
    match value {
        None | Some(Gender::Male | Gender::Female | Gender::Unspecified) => Ok(()),
        Some(other) => Err(InvalidInput::new(
            "gender",
            format!("must be M, W or U (is `{}`)", other.as_str()),
        )),
    }
}

/// `YYYY-MM-DD`, exactly 10 characters: a year past 9999 (or before 0)
/// cannot be written so.
fn birthday(value: Option<&chrono::NaiveDate>) -> Result<(), InvalidInput> {
    use chrono::Datelike;
    match value {
        Some(date) if !(0..=9999).contains(&date.year()) => Err(InvalidInput::new(
            "birthday",
            format!(
                "the year must be 0 to 9999 to fit YYYY-MM-DD (is {})",
                date.year()
            ),
        )),
        _ => Ok(()),
    }
}

fn addresses(addresses: &[Address]) -> Result<(), InvalidInput> {
    addresses.iter().enumerate().try_for_each(|(i, address)| {
        let field = |name: &str| format!("addresses[{i}].{name}");
        optional(&field("street"), address.street.as_ref(), limits::STREET)?;
        optional(
            &field("building"),
            address.building.as_ref(),
            limits::BUILDING,
        )?;
        optional(&field("zip"), address.zip.as_ref(), limits::ZIP)?;
        optional(&field("city"), address.city.as_ref(), limits::CITY)
    })
}

/// Checks a whole customer.
pub fn validate_draft(draft: &CustomerDraft) -> Result<(), InvalidInput> {
    number(&draft.number)?;
    gender(draft.gender.as_ref())?;
    birthday(draft.birthday.as_ref())?;
    optional("title", draft.title.as_ref(), limits::TITLE)?;
    optional("salutation", draft.salutation.as_ref(), limits::SALUTATION)?;
    optional("firstName", draft.first_name.as_ref(), limits::FIRST_NAME)?;
    optional("lastName", draft.last_name.as_ref(), limits::LAST_NAME)?;
    optional(
        "companyName",
        draft.company_name.as_ref(),
        limits::COMPANY_NAME,
    )?;
    optional(
        "companyPosition",
        draft.company_position.as_ref(),
        limits::COMPANY_POSITION,
    )?;
    addresses(&draft.addresses)?;
    each("emails", &draft.emails, limits::EMAIL)?;
    each("phones", &draft.phones, limits::PHONE)?;
    each("urls", &draft.urls, limits::URL)?;
    each("socials", &draft.socials, limits::SOCIAL)
}

/// Checks the fields a patch sets.
pub fn validate_patch(patch: &CustomerPatch) -> Result<(), InvalidInput> {
    if let Some(value) = &patch.number {
        number(value)?;
    }
    gender(patch.gender.as_ref())?;
    birthday(patch.birthday.as_ref())?;
    optional("title", patch.title.as_ref(), limits::TITLE)?;
    optional("salutation", patch.salutation.as_ref(), limits::SALUTATION)?;
    optional("firstName", patch.first_name.as_ref(), limits::FIRST_NAME)?;
    optional("lastName", patch.last_name.as_ref(), limits::LAST_NAME)?;
    optional(
        "companyName",
        patch.company_name.as_ref(),
        limits::COMPANY_NAME,
    )?;
    optional(
        "companyPosition",
        patch.company_position.as_ref(),
        limits::COMPANY_POSITION,
    )?;
    addresses(patch.addresses.as_deref().unwrap_or_default())?;
    each(
        "emails",
        patch.emails.as_deref().unwrap_or_default(),
        limits::EMAIL,
    )?;
    each(
        "phones",
        patch.phones.as_deref().unwrap_or_default(),
        limits::PHONE,
    )?;
    each(
        "urls",
        patch.urls.as_deref().unwrap_or_default(),
        limits::URL,
    )?;
    each(
        "socials",
        patch.socials.as_deref().unwrap_or_default(),
        limits::SOCIAL,
    )
}

/// Prefixes the field of a refusal with the index of the list entry it is in.
pub(crate) fn in_entry(index: usize, invalid: InvalidInput) -> InvalidInput {
    InvalidInput::new(format!("[{index}].{}", invalid.field), invalid.rule)
}
