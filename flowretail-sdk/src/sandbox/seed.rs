//! Generated seed data: customers with plausible names and times.

use super::*;

pub(super) const FIRST_NAMES: &[&str] = &[
    "Ada", "Bjørn", "Chen", "Dana", "Emil", "Frida", "Goran", "Hana", "Ivo", "Jun",
];
pub(super) const LAST_NAMES: &[&str] = &[
    "Berg", "Olsen", "Nakamura", "Silva", "Haugen", "Kowalski", "Dahl", "Moreau",
];

/// A complete customer, every field filled, from its index.
pub(super) fn generated_customer(index: usize) -> Customer {
    let first = FIRST_NAMES[index % FIRST_NAMES.len()];
    let last = format!("{} {index:06}", LAST_NAMES[(index / 7) % LAST_NAMES.len()]);
    let created = base_time() + ChronoDuration::seconds(index as i64);
    let uid = format!("cust-{index:06}");
    let email = format!("{}.{index}@example.com", first.to_lowercase());
    let address = format!("Storgata {}", index % 200 + 1);
    let postal_code = format!("{:04}", index % 9000 + 1000);
    Customer {
        customer_uid: uid.clone(),
        customer_type: if index.is_multiple_of(5) {
            CustomerType::Company
        } else {
            CustomerType::Person
        },
        firstname: first.to_owned(),
        lastname: last.clone(),
        display_name: format!("{first} {last}"),
        company_name: if index.is_multiple_of(5) {
            format!("Company {index}")
        } else {
            String::new()
        },
        email: email.clone(),
        mobile: format!("+47 4{index:07}"),
        address: address.clone(),
        postal_code: postal_code.clone(),
        city: "Oslo".into(),
        country_code: "NO".into(),
        external_id: format!("ext-{index}"),
        origin: "sandbox".into(),
        loyalty_id: format!("L{index:08}"),
        payment_terms: 14,
        addresses: vec![CustomerAddress {
            customer_address_uid: format!("{uid}-addr"),
            address_type: CustomerAddressType::DeliveryAddress,
            display_name: format!("{first} {last}"),
            firstname: first.to_owned(),
            lastname: last.clone(),
            address: address.clone(),
            postal_code: postal_code.clone(),
            city: "Oslo".into(),
            country_code: "NO".into(),
            email: email.clone(),
            ..CustomerAddress::default()
        }],
        contacts: vec![CustomerContact {
            customer_contact_uid: format!("{uid}-contact"),
            firstname: first.to_owned(),
            lastname: last.clone(),
            display_name: format!("{first} {last}"),
            email,
            role: CustomerContactRole::Purchaser,
            created_at: created,
            last_modified_at: created,
            ..CustomerContact::default()
        }],
        consents: vec![CustomerConsent {
            consent_uid: "newsletter".into(),
            name: "Newsletter".into(),
            status: index.is_multiple_of(2),
            source: "sandbox".into(),
            created_at: created,
        }],
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
        created_at: created,
        last_modified_at: created,
        ..Customer::default()
    }
}

pub(super) fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}
