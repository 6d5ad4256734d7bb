//! Reconciling POS customers against the sandbox: a PATCH of the changed
//! fields only, nothing on a second run, and each write once when its
//! answer is lost after the sandbox applied it.

use pos_customer_sdk::sandbox::{PosSandbox, RecordedRequest};
use pos_customer_sdk::{
    Address, CustomerDraft, CustomerId, CustomerPatch, Ensured, PosClient, Tally,
};
use sdk_core::sandbox::Fault;

/// The group the document's examples name (seeded).
const GROUP: &str = "9168aa78-e0a3-42ec-a43c-87f0ad666f69";
const CUSTOMER: &str = "/api/customer/v3.0/customers/{id}";

fn client(sandbox: &PosSandbox) -> PosClient {
    sandbox
        .client_builder()
        .retry_policy(sdk_core::test_util::fast_retries())
        .build()
        .unwrap()
}

fn writes(requests: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    requests.iter().filter(|r| r.method != "GET").collect()
}

fn wanted(n: usize) -> (CustomerId, CustomerDraft) {
    (
        CustomerId::text(format!("crm-{n:05}")),
        CustomerDraft::new(n.to_string(), GROUP)
            .last_name(format!("Customer {n}"))
            .email(format!("c{n}@example.com"))
            .address(Address::new().city("Bernau").zip(format!("{:05}", n % 100))),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ensure_all_over_1000_customers_sends_no_write_and_one_read() {
    let sandbox = PosSandbox::start().unwrap();
    sandbox.seed_documented_examples();
    let pos = client(&sandbox);
    let customers: Vec<_> = (0..1_000).map(wanted).collect();
    let first = pos.customers().ensure_all(customers.clone()).await.unwrap();
    assert_eq!(Tally::of(&first).created, 1_000);

    sandbox.requests().clear();
    let second = pos.customers().ensure_all(customers.clone()).await.unwrap();
    assert_eq!(Tally::of(&second).unchanged, 1_000);
    let sent = sandbox.requests().all();
    assert!(writes(&sent).is_empty());
    assert_eq!(sent.len(), 1, "one GET /customers");

    // A first name for ten of them: ten PATCHes of that field alone.
    let mut changed = customers;
    for (_, draft) in changed.iter_mut().step_by(100) {
        draft.first_name = Some("Sarah".into());
    }
    sandbox.requests().clear();
    let third = pos.customers().ensure_all(changed).await.unwrap();
    let tally = Tally::of(&third);
    assert_eq!(
        (tally.updated, tally.changes, tally.unchanged),
        (10, 10, 990)
    );
    let sent = sandbox.requests().all();
    let patches = writes(&sent);
    assert_eq!(patches.len(), 10);
    assert!(patches.iter().all(|patch| patch.method == "PATCH"
        && patch.json().unwrap() == serde_json::json!({"firstName": "Sarah"})));
}

#[tokio::test]
async fn what_the_till_entered_is_kept_and_read_only_fields_are_not_compared() {
    let sandbox = PosSandbox::start().unwrap();
    sandbox.seed_documented_examples();
    let pos = client(&sandbox);
    let (id, draft) = wanted(1);
    let created = pos
        .customers()
        .ensure(id.clone(), draft.clone())
        .await
        .unwrap();
    assert!(matches!(created, Ensured::Created(_)));
    // The till adds an address and a phone number.
    pos.customers()
        .patch(
            id.clone(),
            CustomerPatch::new()
                .address(Address::new().city("London").street("Baker"))
                .phones(["555-1234"]),
        )
        .await
        .unwrap();
    sandbox.requests().clear();
    let again = pos
        .customers()
        .ensure(id.clone(), draft.clone())
        .await
        .unwrap();
    assert!(matches!(again, Ensured::Unchanged(_)), "{again:?}");
    assert!(writes(&sandbox.requests().all()).is_empty());
    let customer = again.into_resource();
    assert_eq!(customer.addresses.len(), 2, "the till's address is kept");
    assert_eq!(customer.phones, ["555-1234"]);

    // The document's customer has a balance and currency: a draft of it
    // (which cannot hold them) changes nothing.
    let documented = pos
        .customers()
        .get("231b949c-332b-4194-aba5-8f00e828a49b")
        .await
        .unwrap();
    assert!(documented.balance.is_some() && documented.currency.is_some());
    let same = CustomerDraft::from_customer(&documented).unwrap();
    let kept = pos
        .customers()
        .ensure(documented.id.clone(), same)
        .await
        .unwrap();
    assert!(matches!(kept, Ensured::Unchanged(_)), "{kept:?}");

    // A new address in the draft is added, the others left alone.
    let more = draft.address(Address::new().city("Paris"));
    let outcome = pos.customers().ensure(id, more).await.unwrap();
    assert!(
        matches!(outcome, Ensured::Updated { changes: 1, .. }),
        "{outcome:?}"
    );
    assert_eq!(outcome.resource().addresses.len(), 3);
}

#[tokio::test]
async fn lost_answers_of_creates_and_patches_never_make_a_double_change_or_an_error() {
    let sandbox = PosSandbox::start().unwrap();
    sandbox.seed_documented_examples();
    let pos = client(&sandbox);
    let seeded = sandbox.customer_count();
    let faults = [
        Fault::applied_then(503),
        Fault::applied_then(502),
        Fault::applied_then_dropped(),
    ];
    for run in 0..30 {
        let fault = faults[run % 3].clone();
        let (id, draft) = wanted(run);
        // Every attempt of the create loses its answer after applying.
        sandbox
            .faults()
            .on("PUT", CUSTOMER)
            .inject(fault.clone(), 5);
        let created = pos
            .customers()
            .ensure(id.clone(), draft.clone())
            .await
            .unwrap();
        assert!(matches!(created, Ensured::Created(_)), "{created:?}");
        sandbox.faults().clear();

        // A patch that adds an address: lost after applying, read back, not sent again.
        sandbox.faults().on("PATCH", CUSTOMER).inject(fault, 1);
        let moved = draft
            .first_name("Sarah")
            .address(Address::new().city("Paris"));
        let patched = pos
            .customers()
            .ensure(id.clone(), moved.clone())
            .await
            .unwrap();
        assert!(
            matches!(patched, Ensured::Updated { changes: 2, .. }),
            "{patched:?}"
        );
        let customer = pos.customers().get(id.clone()).await.unwrap();
        assert_eq!(customer.addresses.len(), 2, "the address was added once");
        let again = pos.customers().ensure(id, moved).await.unwrap();
        assert!(!again.wrote());
    }
    assert_eq!(sandbox.customer_count(), seeded + 30, "no twin");
}
