//! What one answer costs in memory once decoded, for each vendor: a
//! realistic answer and a hostile one, measured with a counting allocator
//! around the SDK's own decoding (`decode_json` under the page's item
//! limit, as the clients run it). The figures printed here are the ones in
//! README.md and BENCHMARKS.md (`cargo test -p examples --test
//! memory_per_answer -- --nocapture`).

use ct_customer_groups_sdk::{CustomerGroup, PagedQueryResult};
use flowretail_sdk::{Customer as FlowCustomer, ListResponse};
use pos_customer_sdk::Customer as PosCustomer;
use sdk_core::http::StatusCode;
use sdk_core::vendor::decode_json;
use sdk_core::vendor::json::with_item_limit;
use serde::de::DeserializeOwned;
use serde_json::json;

mod counting;

use counting::Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What decoding one answer cost.
struct Cost {
    body: usize,
    /// The most memory in use at once while decoding, above what was in use before.
    peak: usize,
    /// What the decoded value holds once decoding is done.
    kept: usize,
}

impl Cost {
    fn peak_ratio(&self) -> f64 {
        self.peak as f64 / self.body as f64
    }

    fn report(&self, what: &str) {
        println!(
            "{what}: body {:.2} MiB, peak while decoding {:.2} MiB ({:.1}x), kept {:.2} MiB ({:.1}x)",
            mib(self.body),
            mib(self.peak),
            self.peak_ratio(),
            mib(self.kept),
            self.kept as f64 / self.body as f64,
        );
    }
}

/// `example` with an id of its own: a UUID-shaped text made from `n`.
fn example_with_id(example: &serde_json::Value, n: usize) -> serde_json::Value {
    let mut customer = example.clone();
    customer["id"] = json!(format!("00000000-0000-4000-8000-{n:012}"));
    customer
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Decodes `body` as the SDK does for a page of at most `limit` items,
/// measuring what it costs; the outcome is handed to `check`.
fn measure<T: DeserializeOwned>(
    body: &[u8],
    limit: usize,
    check: impl FnOnce(&sdk_core::Result<T>),
) -> Cost {
    let counting::Measured {
        value: decoded,
        peak,
        kept,
    } = counting::measure(|| -> sdk_core::Result<T> {
        with_item_limit(limit, || decode_json("measure", StatusCode::OK, body))
    });
    check(&decoded);
    drop(decoded);
    Cost {
        body: body.len(),
        peak,
        kept,
    }
}

fn ok<T>(decoded: &sdk_core::Result<T>) {
    if let Err(error) = decoded {
        panic!("{error}");
    }
}

/// The answer was refused for what its lists would cost.
fn refused<T>(decoded: &sdk_core::Result<T>) {
    let error = decoded.as_ref().err().expect("refused");
    assert!(
        error.to_string().contains("times its size once decoded"),
        "{error}"
    );
}

fn ct_group(i: usize, custom: serde_json::Value) -> serde_json::Value {
    json!({
        "id": format!("{:08x}-1c1b-4c44-9a1e-5f4a8e0b2d{:02x}", i, i % 256),
        "version": 3,
        "key": format!("group-{i}"),
        "name": format!("Customer group number {i}"),
        "createdAt": "2026-01-15T10:21:33.123Z",
        "createdBy": {"clientId": "sync-client", "isPlatformClient": false},
        "lastModifiedAt": "2026-11-02T08:00:00.000Z",
        "lastModifiedBy": {"clientId": "sync-client", "isPlatformClient": false},
        "custom": {"type": {"typeId": "type", "id": "5a3e8a2c-2f3c-4d2e-9e2f-0c3b1a2d4e5f"}, "fields": custom}
    })
}

fn ct_page(results: Vec<serde_json::Value>) -> Vec<u8> {
    let count = results.len();
    serde_json::to_vec(&json!({
        "limit": 500, "offset": 0, "count": count, "total": count, "results": results
    }))
    .unwrap()
}

fn flow_customer(i: usize) -> serde_json::Value {
    json!({
        "customerUid": format!("c-{i:06}"),
        "customerType": "PERSON",
        "firstname": "Ada",
        "lastname": format!("Lovelace {i}"),
        "displayName": format!("Ada Lovelace {i}"),
        "email": format!("ada{i}@example.com"),
        "mobile": "+47 555 01234",
        "address": "Storgata 1",
        "postalCode": "0155",
        "city": "Oslo",
        "countryCode": "NO",
        "customerGroupUids": ["vip", "newsletter"],
        "addresses": [{"customerAddressUid": format!("a-{i}"), "type": "DELIVERY_ADDRESS", "address": "Storgata 1", "postalCode": "0155", "city": "Oslo", "countryCode": "NO"}],
        "paymentTerms": 14,
        "credit": {"limit": 10000, "balance": 0},
        "accountManager": {"tenantUserUid": "u-1", "displayName": "Kari", "userCode": "KN"},
        "ehf": {"enabled": false, "address": ""},
        "relevance": 1.0,
        "createdAt": "2026-01-15T10:21:33Z",
        "lastModifiedAt": "2026-11-02T08:00:00Z"
    })
}

fn flow_page(items: Vec<serde_json::Value>, size: usize) -> Vec<u8> {
    let count = items.len();
    serde_json::to_vec(&json!({
        "items": items,
        "paging": {"pageNumber": 1, "pageSize": size, "totalCount": count}
    }))
    .unwrap()
}

/// The POS list answer, `{"customers": [...]}`, read as the client's own
/// (crate-private) list type reads it.
#[derive(serde::Deserialize)]
struct PosList {
    #[serde(default, deserialize_with = "sdk_core::vendor::json::list")]
    #[allow(dead_code)]
    customers: Vec<PosCustomer>,
}

fn pos_list(customers: &str) -> Vec<u8> {
    format!(r#"{{"customers": {customers}}}"#).into_bytes()
}

fn pos_customer(i: usize) -> serde_json::Value {
    json!({
        "id": format!("8a6b2c1d-0000-4000-8000-{i:012}"),
        "number": format!("{i}"),
        "gender": "W",
        "firstName": "Ada",
        "lastName": format!("Lovelace {i}"),
        "companyName": "Analytical Engines Ltd",
        "birthday": "1980-05-28",
        "customerGroupId": 3,
        "active": true,
        "balance": "12.50",
        "currency": "EUR",
        "addresses": [{"id": format!("a-{i}"), "street": "Berliner Str.", "building": "33", "zip": "16321", "city": "Bernau", "country": "DE"}],
        "emails": [format!("ada{i}@example.com")],
        "phones": ["555-1234"]
    })
}

/// `[{"a":0},{"a":0},...]` of about `bytes` bytes: the hostile custom field.
fn nested_objects(bytes: usize) -> serde_json::Value {
    serde_json::Value::Array(vec![json!({"a": 0}); bytes / 8])
}

#[test]
fn one_answer_costs_a_bounded_and_stated_amount_of_memory() {
    const EIGHT_MIB: usize = 8 * 1024 * 1024;

    // commercetools, realistic: a full page of 500 groups with custom fields.
    let realistic: Vec<_> = (0..500)
        .map(|i| {
            ct_group(
                i,
                json!({"tier": i % 3, "since": "2024-01-01", "region": "EU"}),
            )
        })
        .collect();
    let cost = measure::<PagedQueryResult<CustomerGroup>>(&ct_page(realistic), 500, ok);
    cost.report("commercetools, 500 groups with custom fields");
    assert!(cost.peak_ratio() < 10.0);

    // commercetools, hostile: 8 MiB of nested objects in one custom field.
    let hostile = ct_page(vec![ct_group(
        0,
        json!({"blob": nested_objects(EIGHT_MIB)}),
    )]);
    let cost = measure::<PagedQueryResult<CustomerGroup>>(&hostile, 500, |decoded| {
        ok(decoded);
        let page = decoded.as_ref().unwrap();
        let custom = page.results[0].custom.as_ref().unwrap();
        assert_eq!(
            custom
                .field_as::<Vec<serde_json::Value>>("blob")
                .unwrap()
                .unwrap()
                .len(),
            EIGHT_MIB / 8
        );
    });
    cost.report("commercetools, 8 MiB of [{\"a\":0},...] in a custom field");
    assert!(cost.peak_ratio() <= 10.0, "at most 10x its size");

    // commercetools, hostile: more results than the limit asked for.
    let minimal: Vec<_> = (0..200_000)
        .map(|i| json!({"id": format!("{i:x}"), "version": 1, "name": "g", "createdAt": "2026-01-01T00:00:00Z", "lastModifiedAt": "2026-01-01T00:00:00Z"}))
        .collect();
    let cost = measure::<PagedQueryResult<CustomerGroup>>(&ct_page(minimal), 500, |decoded| {
        let Err(error) = decoded else {
            panic!("expected the page to be refused");
        };
        assert!(
            error
                .to_string()
                .contains("more items than the 500 asked for"),
            "{error}"
        );
    });
    cost.report("commercetools, 200,000 minimal groups on a page of 500 (refused)");
    assert!(cost.peak_ratio() < 1.0, "the extra groups are never built");

    // Flow Retail, realistic: a page of 100 customers.
    let page = flow_page((0..100).map(flow_customer).collect(), 100);
    let cost = measure::<ListResponse<FlowCustomer>>(&page, 100, ok);
    cost.report("Flow Retail, 100 customers");
    assert!(cost.peak_ratio() < 10.0);

    // Flow Retail, hostile: a page of 100 customers, one with 8 MiB of the
    // smallest addresses the document allows (`type` is required).
    let mut items: Vec<_> = (0..100).map(flow_customer).collect();
    items[0]["addresses"] = serde_json::Value::Array(vec![json!({"type": "X"}); EIGHT_MIB / 13]);
    let cost = measure::<ListResponse<FlowCustomer>>(&flow_page(items, 100), 100, refused);
    cost.report(
        "Flow Retail, a customer with 8 MiB of minimal addresses `{\"type\":\"X\"}` (refused)",
    );
    assert!(cost.peak_ratio() <= 10.0);

    // POS, realistic: 10,000 customers (the list is not paged).
    let customers = serde_json::to_string(&(0..10_000).map(pos_customer).collect::<Vec<_>>());
    let cost = measure::<PosList>(&pos_list(&customers.unwrap()), usize::MAX, ok);
    cost.report("POS, 10,000 customers");
    assert!(cost.peak_ratio() < 10.0);

    // POS, hostile: a customer with 8 MiB of empty e-mail addresses.
    let mut customer = pos_customer(0);
    customer["emails"] = serde_json::Value::Array(vec![json!(""); EIGHT_MIB / 3]);
    let customers = serde_json::to_string(&vec![customer]).unwrap();
    let cost = measure::<PosList>(&pos_list(&customers), usize::MAX, refused);
    cost.report("POS, a customer with 8 MiB of empty e-mails `\"\"` (refused)");
    assert!(cost.peak_ratio() <= 10.0);

    // POS, hostile: customers holding lists of two-letter strings (5 bytes
    // of text, a 24-byte slot and a 32-byte block decoded).
    let mut customers: Vec<_> = (0..1_000).map(pos_customer).collect();
    for customer in &mut customers {
        customer["phones"] = serde_json::Value::Array(vec![json!("ab"); EIGHT_MIB / 5 / 1_000]);
    }
    let customers = serde_json::to_string(&customers).unwrap();
    let cost = measure::<PosList>(&pos_list(&customers), usize::MAX, refused);
    cost.report("POS, customers holding lists of two-letter strings `\"ab\"` (refused)");
    assert!(cost.peak_ratio() <= 10.0);

    // POS, realistic: the document's example customer, repeated to 8 MiB.
    // The budget is a multiple of the answer's size, so what passes at
    // 8 MiB passes at the 128 MiB cap.
    let example = json!({"id": "231b949c-332b-4194-aba5-8f00e828a49b", "number": "1",
        "active": true, "gender": "U", "salutation": "Mr", "birthday": "2000-01-30",
        "title": "Herr", "firstName": "Dima", "lastName": "Hede", "companyName": "Winterfell",
        "companyPosition": "manager", "language": "EN", "description": "string",
        "balance": "100.00", "currency": "EUR",
        "customerGroup": {"id": "9168aa78-e0a3-42ec-a43c-87f0ad666f69", "name": "Stammkunden"},
        "addresses": [{"street": "Greifswalder Str. 206", "zip": "10405", "city": "Berlin",
            "building": "10", "country": "Germany"}],
        "emails": ["a@b.com", "4@4.com"], "socials": ["facebook1"],
        "phones": ["44443333222", "7778855"], "urls": ["url3", "url1", "url2"]});
    let count = EIGHT_MIB / example.to_string().len();
    let customers = serde_json::to_string(&vec![example.clone(); count]).unwrap();
    let cost = measure::<PosList>(&pos_list(&customers), usize::MAX, ok);
    cost.report("POS, 8 MiB of the document's example customer");
    assert!(cost.peak_ratio() < 10.0);

    // POS, hostile: customers whose every string field holds one letter.
    let short = json!({"id": "a", "number": "1", "gender": "U", "salutation": "b",
        "title": "c", "firstName": "d", "lastName": "e", "companyName": "f",
        "companyPosition": "g", "language": "h", "description": "i", "emails": ["j"],
        "socials": ["k"], "phones": ["l"], "urls": ["m"],
        "addresses": [{"street": "n", "zip": "o", "city": "p", "building": "q", "country": "r"}]});
    let count = EIGHT_MIB / short.to_string().len();
    let customers = serde_json::to_string(&vec![short; count]).unwrap();
    let cost = measure::<PosList>(&pos_list(&customers), usize::MAX, refused);
    cost.report("POS, 8 MiB of customers whose strings hold one letter each (refused)");
    assert!(cost.peak_ratio() <= 10.0);

    // POS, hostile: a list of 8 MiB of the smallest customers there are
    // (the id is required).
    let customers = format!("[{}{{\"id\":1}}]", "{\"id\":1},".repeat(EIGHT_MIB / 9));
    let cost = measure::<PosList>(&pos_list(&customers), usize::MAX, refused);
    cost.report("POS, 8 MiB of minimal customers `{\"id\":1}` (refused)");
    assert!(cost.peak_ratio() <= 10.0);

    // POS, the change feed's delete pass: `GET /customers` at the 128 MiB
    // body cap, the document's example customer repeated with distinct
    // ids, decoded to the ids alone (`CustomerIdList`).
    let body_cap = 128 * 1024 * 1024;
    let one = example_with_id(&example, 0).to_string().len() + 1;
    let count = body_cap / one;
    let mut body = String::with_capacity(body_cap + 64);
    body.push_str("{\"customers\":[");
    for n in 0..count {
        if n > 0 {
            body.push(',');
        }
        body.push_str(&example_with_id(&example, n).to_string());
    }
    body.push_str("]}");
    let cost = measure::<pos_customer_sdk::CustomerIdList>(body.as_bytes(), usize::MAX, ok);
    cost.report(&format!(
        "POS, the delete pass's ids of {count} customers at the 128 MiB cap"
    ));
    assert!(cost.body <= body_cap);
    assert!(
        cost.peak * 6 < cost.body,
        "ids only: {:.2}x",
        cost.peak as f64 / cost.body as f64
    );
    drop(body);

    // Measured here, not in a test of its own: the counter is global, and
    // tests of one binary run at once.
    errors_hold_about_their_body();
}

/// 50 API errors whose bodies are 62.5 KiB of `[{"a":0},...]` (just under
/// the 64 KiB an error body is read up to): each holds its JSON as text,
/// about its own size, where a parsed tree held 83 times it.
fn errors_hold_about_their_body() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let body = format!("[{}{{\"a\":0}}]", "{\"a\":0},".repeat(7_999));
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0_u8; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        let client = sdk_core::Client::builder(url)
            .retry_policy(sdk_core::RetryPolicy::never())
            .build()
            .unwrap();
        let call = || client.send(sdk_core::Request::get("get_thing").segment("things"));
        // The first call sets up what every later one reuses.
        drop(call().await.unwrap_err());
        let before = counting::in_use();
        let mut held = Vec::new();
        for _ in 0..50 {
            let error = call().await.unwrap_err();
            assert!(error.api().unwrap().details.is_some(), "the body is JSON");
            held.push(error);
        }
        let per_error = counting::in_use().saturating_sub(before) / held.len();
        println!(
            "an API error with a {:.1} KiB body of [{{\"a\":0}},...] holds {:.1} KiB ({:.1}x)",
            body.len() as f64 / 1024.0,
            per_error as f64 / 1024.0,
            per_error as f64 / body.len() as f64,
        );
        assert!(per_error <= 3 * body.len(), "{per_error} bytes an error");
        assert_eq!(
            held[0]
                .api()
                .unwrap()
                .details_value()
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            8_000
        );
    });
}
