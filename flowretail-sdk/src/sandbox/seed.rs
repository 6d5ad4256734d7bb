//! Generated seed data: customers with plausible names and times.

use super::*;

pub(super) const FIRST_NAMES: &[&str] = &[
    "Ada", "Bjørn", "Chen", "Dana", "Emil", "Frida", "Goran", "Hana", "Ivo", "Jun",
];
pub(super) const LAST_NAMES: &[&str] = &[
    "Berg", "Olsen", "Nakamura", "Silva", "Haugen", "Kowalski", "Dahl", "Moreau",
];

/// What a generated customer's parts share: its names and contact details.
struct Person {
    index: usize,
    uid: String,
    first: &'static str,
    last: String,
    email: String,
    address: String,
    postal_code: String,
    created: DateTime<Utc>,
}

impl Person {
    fn new(index: usize) -> Self {
        let first = FIRST_NAMES[index % FIRST_NAMES.len()];
        Self {
            index,
            uid: format!("cust-{index:06}"),
            first,
            last: format!("{} {index:06}", LAST_NAMES[(index / 7) % LAST_NAMES.len()]),
            email: format!("{}.{index}@example.com", first.to_lowercase()),
            address: format!("Storgata {}", index % 200 + 1),
            postal_code: format!("{:04}", index % 9000 + 1000),
            created: base_time() + ChronoDuration::seconds(index as i64),
        }
    }

    fn display_name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }

    fn is_company(&self) -> bool {
        self.index.is_multiple_of(5)
    }

    fn address(&self) -> CustomerAddress {
        CustomerAddress {
            customer_address_uid: format!("{}-addr", self.uid),
            address_type: CustomerAddressType::DeliveryAddress,
            display_name: self.display_name(),
            firstname: self.first.to_owned(),
            lastname: self.last.clone(),
            address: self.address.clone(),
            postal_code: self.postal_code.clone(),
            city: "Oslo".into(),
            country_code: "NO".into(),
            email: self.email.clone(),
            ..CustomerAddress::default()
        }
    }

    fn contact(&self) -> CustomerContact {
        CustomerContact {
            customer_contact_uid: format!("{}-contact", self.uid),
            firstname: self.first.to_owned(),
            lastname: self.last.clone(),
            display_name: self.display_name(),
            email: self.email.clone(),
            role: CustomerContactRole::Purchaser,
            created_at: self.created,
            last_modified_at: self.created,
            ..CustomerContact::default()
        }
    }

    fn consent(&self) -> CustomerConsent {
        CustomerConsent {
            consent_uid: "newsletter".into(),
            name: "Newsletter".into(),
            status: self.index.is_multiple_of(2),
            source: "sandbox".into(),
            created_at: self.created,
        }
    }
}

/// A complete customer, every field filled, from its index.
pub(super) fn generated_customer(index: usize) -> Customer {
    let person = Person::new(index);
    Customer {
        customer_uid: person.uid.clone(),
        customer_type: if person.is_company() {
            CustomerType::Company
        } else {
            CustomerType::Person
        },
        firstname: person.first.to_owned(),
        lastname: person.last.clone(),
        display_name: person.display_name(),
        company_name: if person.is_company() {
            format!("Company {index}")
        } else {
            String::new()
        },
        email: person.email.clone(),
        mobile: format!("+47 4{index:07}"),
        address: person.address.clone(),
        postal_code: person.postal_code.clone(),
        city: "Oslo".into(),
        country_code: "NO".into(),
        external_id: format!("ext-{index}"),
        origin: "sandbox".into(),
        loyalty_id: format!("L{index:08}"),
        payment_terms: 14,
        addresses: vec![person.address()],
        contacts: vec![person.contact()],
        consents: vec![person.consent()],
        credit: CustomerCredit {
            limit: 10_000,
            balance: (index % 100) as i64,
        },
        account_manager: AccountManager {
            tenant_user_uid: "manager-1".into(),
            display_name: "Account Manager".into(),
            user_code: "AM1".into(),
        },
        ehf: CustomerEhf {
            enabled: false,
            address: String::new(),
        },
        default_store: index.is_multiple_of(3).then(|| CustomerStore {
            store_uid: "store-oslo".into(),
            name: "Oslo City".into(),
        }),
        relevance: 1.0,
        created_at: person.created,
        last_modified_at: person.created,
        ..Customer::default()
    }
}

pub(super) fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}
