//! Decoding a 10,000-customer list in the documented shape (entries as
//! `{"customer": {..}, "addresses": [..], ...}`): the SDK's tolerant decoder
//! (with its JSON-path error reporting) against `serde_json::from_slice`
//! into plain structs of the same shape.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pos_customer_sdk::Customer;
use sdk_core::http::StatusCode;
use sdk_core::vendor::decode_json;
use serde::Deserialize;

const CUSTOMERS: usize = 10_000;

#[derive(Deserialize)]
struct SdkList {
    #[allow(dead_code)]
    customers: Vec<Customer>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainList {
    customers: Vec<PlainEntry>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainEntry {
    customer: PlainCustomer,
    addresses: Vec<PlainAddress>,
    emails: Vec<String>,
    socials: Vec<String>,
    phones: Vec<String>,
    urls: Vec<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct PlainCustomer {
    id: String,
    number: String,
    active: bool,
    gender: String,
    salutation: String,
    birthday: String,
    title: String,
    first_name: String,
    last_name: String,
    company_name: String,
    company_position: String,
    language: String,
    description: String,
    balance: String,
    currency: String,
    customer_group: PlainGroup,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainGroup {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainAddress {
    street: String,
    zip: String,
    city: String,
    building: String,
    country: String,
}

fn documented_list() -> Vec<u8> {
    let entries: Vec<serde_json::Value> = (0..CUSTOMERS)
        .map(|i| {
            serde_json::json!({
                "customer": {
                    "id": format!("231b949c-332b-4194-aba5-{i:012}"), "number": i.to_string(),
                    "active": true, "gender": "U", "salutation": "Mr", "birthday": "2000-01-30",
                    "title": "Herr", "firstName": "Dima", "lastName": "Hede", "companyName": "Winterfell",
                    "companyPosition": "manager", "language": "EN", "description": "string",
                    "balance": "100.00", "currency": "EUR",
                    "customerGroup": {"id": "9168aa78-e0a3-42ec-a43c-87f0ad666f69", "name": "Stammkunden"}
                },
                "addresses": [{"street": "Greifswalder Str. 206", "zip": "10405", "city": "Berlin",
                               "building": "10", "country": "Germany"}],
                "emails": ["3@3.com", "4@4.com"], "socials": ["facebook1"],
                "phones": ["44443333222", "7778855"], "urls": ["url3", "url1", "url2"]
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "customers": entries })).unwrap()
}

fn decode(c: &mut Criterion) {
    let body = documented_list();
    let mut group = c.benchmark_group("decode_10000_customers");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("plain_serde_json", |b| {
        b.iter(|| serde_json::from_slice::<PlainList>(&body).unwrap())
    });
    group.bench_function("sdk_tolerant", |b| {
        b.iter(|| decode_json::<SdkList>("list_customers", StatusCode::OK, &body).unwrap())
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
