//! The public surface of the crate family as a user meets it, run against
//! the vendors' sandboxes: re-exports, preludes, per-call options,
//! `builder_from_env`, error predicates, names shared across vendors, ids
//! from `&str` and `String`, and updates whose closures borrow or await.

use std::time::Duration;

use ct_customer_groups_sdk::sandbox::CtSandbox;
use flowretail_sdk::sandbox::FlowRetailSandbox;
use pos_customer_sdk::sandbox::{Fault, PosSandbox};

#[tokio::test]
async fn pos_with_its_own_re_exports() -> pos_customer_sdk::Result<()> {
    use pos_customer_sdk::prelude::*;
    use pos_customer_sdk::{
        Customer, CustomerDraft, CustomerGroup, CustomerGroupDraft, CustomerId, DiscountDraft,
        NaiveDate, RetryPolicy,
    };

    let sandbox = PosSandbox::start().expect("the POS sandbox starts");
    let pos: PosClient = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().with_max_attempts(3))
        .build()?;

    // One name for group accessors in every crate; ids from &str and String.
    let discount = pos
        .discounts()
        .create(DiscountDraft::new("5 proz", 5))
        .await?;
    let group: CustomerGroup = pos
        .customer_groups()
        .create(CustomerGroupDraft::new("Regulars").discount(discount.id.clone()))
        .await?;
    let customer = pos
        .customers()
        .create(CustomerDraft::new("1001", group.id.clone()).last_name("Dyson"))
        .await?;
    let id: CustomerId = customer.id.clone();
    let by_string: Customer = pos.customers().get(id.to_string()).await?;
    let by_str = pos.customers().get(id.to_string().as_str()).await?;
    assert_eq!(by_string, by_str);
    pos.customer_groups()
        .get(group.id.to_string().as_str())
        .await?;

    // Per-call options before the await.
    let listed = pos
        .customers()
        .list()
        .attempt_timeout(Duration::from_secs(5))
        .deadline(Duration::from_secs(20))
        .max_attempts(2)
        .await?;
    assert_eq!(listed.len(), 1);
    let since = NaiveDate::from_ymd_opt(2020, 1, 1).expect("a valid date");
    pos.customers().list_modified_since(since).await?;

    // The sandbox's faults, reached through the vendor crate; one attempt
    // for this call meets the injected 503 and says so.
    sandbox.faults().inject(Fault::status(503), 1);
    let error: pos_customer_sdk::Error =
        pos.customers().get(&id).max_attempts(1).await.unwrap_err();
    assert!(error.is_retryable(), "{error}");
    assert_eq!(
        error.pos_kind(),
        Some(pos_customer_sdk::PosErrorKind::Other)
    );

    // Predicates users can match on.
    let missing = pos.customers().get("no-such-customer").await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    sandbox.faults().inject(Fault::status(429), 1);
    let limited = pos.discounts().list().max_attempts(1).await.unwrap_err();
    assert!(limited.is_rate_limited(), "{limited}");
    sandbox
        .faults()
        .inject(Fault::delay(Duration::from_secs(30)), 1);
    let slow = pos
        .discounts()
        .list()
        .attempt_timeout(Duration::from_millis(50))
        .max_attempts(1)
        .await
        .unwrap_err();
    assert!(
        slow.is_timeout() && slow.request_may_have_been_sent(),
        "{slow}"
    );
    let wrong_token = PosClient::builder(sandbox.url(), "not-the-token", "operator")
        .allow_insecure(true)
        .build()?;
    let refused = wrong_token.customers().list().await.unwrap_err();
    assert!(refused.is_auth(), "{refused}");
    let invalid = pos.customers().get("").await.unwrap_err();
    assert!(
        invalid
            .to_string()
            .contains("customer id: must not be empty"),
        "{invalid}"
    );
    Ok(())
}

#[tokio::test]
async fn ct_with_its_own_re_exports() -> ct_customer_groups_sdk::Result<()> {
    use ct_customer_groups_sdk::prelude::*;
    use ct_customer_groups_sdk::{
        CustomerGroup, CustomerGroupDraft, CustomerGroupUpdate, DateTime, ItemStream, UpdateAction,
        Utc,
    };

    let sandbox = CtSandbox::start().expect("the commercetools sandbox starts");
    let ct: CtClient = sandbox.client()?;
    let groups = ct.customer_groups();
    let gold = groups
        .create(CustomerGroupDraft::new("Gold").key("gold"))
        .await?;
    // Required by the specification, so never an Option.
    let created_at: DateTime<Utc> = gold.created_at;
    assert!(created_at <= gold.last_modified_at);

    // A closure that borrows its surroundings.
    let wanted = String::from("Gold members");
    let renamed = groups
        .update_with_retry(&gold.id, 3, |current| {
            if current.name == wanted {
                vec![]
            } else {
                vec![UpdateAction::change_name(&wanted)]
            }
        })
        .deadline(Duration::from_secs(20))
        .await?;
    assert_eq!(renamed.name, "Gold members");

    // A decision that awaits something else first, without block_in_place.
    let renamed = groups
        .update_with_retry_async(gold.id.clone(), 3, |current| async move {
            let elsewhere = tokio::task::yield_now();
            elsewhere.await;
            if current.name.ends_with('!') {
                vec![]
            } else {
                vec![UpdateAction::change_name(format!("{}!", current.name))]
            }
        })
        .await?;
    assert_eq!(renamed.name, "Gold members!");

    // Streams through the prelude's traits; the shared SortOrder.
    groups.create(CustomerGroupDraft::new("Silver")).await?;
    let mut items: ItemStream<CustomerGroup> = groups.query_all().items();
    let mut seen = 0;
    while let Some(group) = items.next().await {
        group?;
        seen += 1;
    }
    assert_eq!(seen, 2);
    let sorted: Vec<CustomerGroup> = groups
        .query()
        .sort_by("name", SortOrder::Desc)
        .pages()
        .items()
        .try_collect()
        .await?;
    assert_eq!(sorted[0].name, "Silver");

    let conflict = groups
        .update(
            &gold.id,
            CustomerGroupUpdate::new(1).action(UpdateAction::change_name("x")),
        )
        .await
        .unwrap_err();
    assert!(conflict.is_conflict(), "{conflict}");
    Ok(())
}

#[tokio::test]
async fn flow_with_its_own_re_exports() -> flowretail_sdk::Result<()> {
    use flowretail_sdk::prelude::*;
    use flowretail_sdk::{CreateCustomerGroup, Customer, CustomerGroup, GroupMembershipChange};

    let sandbox = FlowRetailSandbox::start().expect("the Flow Retail sandbox starts");
    let flow: FlowRetailClient = sandbox.client()?;
    let uids = sandbox.seed_customers(3);
    let groups = flow.customer_groups();
    groups
        .create(CreateCustomerGroup::new("VIP").uid("vip"))
        .await?;
    groups
        .update_customers(
            String::from("vip"),
            GroupMembershipChange::new().add_customers(uids),
        )
        .await?;
    let members: Vec<Customer> = groups
        .customers("vip")
        .sort_by("lastname", SortOrder::Asc)
        .items()
        .try_collect()
        .await?;
    assert_eq!(members.len(), 3);
    let group: CustomerGroup = groups.get("vip").deadline(Duration::from_secs(5)).await?;
    assert_eq!(group.name, "VIP");
    let spawned = tokio::spawn(groups.get("vip").into_future());
    spawned.await.expect("the task runs")?;
    let missing: flowretail_sdk::Error = groups.get("missing").await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    Ok(())
}

#[test]
fn builders_from_the_environment_can_take_more_settings() {
    // Only the shape: the variables are not set here (the workspace's
    // examples test reads them in a child process).
    let pos: pos_customer_sdk::Result<pos_customer_sdk::PosClientBuilder> =
        pos_customer_sdk::PosClient::builder_from_env();
    let ct = ct_customer_groups_sdk::CtClient::builder_from_env()
        .map(|builder| builder.max_response_bytes(1 << 20));
    let flow = flowretail_sdk::FlowRetailClient::builder_from_env()
        .map(|builder| builder.attempt_timeout(Some(Duration::from_secs(5))));
    let _ = (pos.map(|_| ()), ct.map(|_| ()), flow.map(|_| ()));
}

/// Compiles only when every call is a `Send + 'static` future and every
/// listing a `Send + 'static` stream, so that both can be spawned.
#[test]
fn calls_and_listings_are_send_and_static() {
    // The per-call setters are one trait, the same through every vendor crate.
    use pos_customer_sdk::CallOptionsBuilder;
    fn spawnable<T: std::future::IntoFuture + Send + 'static>(_: T)
    where
        T::IntoFuture: Send + 'static,
    {
    }
    fn stream<T: Send + 'static + Unpin>(_: T) {}

    let pos = pos_customer_sdk::PosClient::builder("https://pos.example", "t", "o")
        .build()
        .expect("a valid configuration");
    spawnable(pos.customers().get("1"));
    spawnable(
        pos.customer_groups()
            .list()
            .deadline(Duration::from_secs(1)),
    );
    spawnable(pos.discounts().delete(7));

    let ct = ct_customer_groups_sdk::CtClient::builder("project", "id", "secret")
        .build()
        .expect("a valid configuration");
    spawnable(ct.customer_groups().get("id"));
    spawnable(
        ct.customer_groups()
            .update_with_retry("id", 3, |_| Vec::new()),
    );
    stream(ct.customer_groups().query_all().concurrency(2).items());
    stream(ct.customer_groups().query().max_attempts(2).pages().pages());

    let flow = flowretail_sdk::FlowRetailClient::builder("token", "tenant")
        .build()
        .expect("a valid configuration");
    spawnable(flow.customer_groups().delete("vip"));
    stream(
        flow.customer_groups()
            .customers("vip")
            .deadline(Duration::from_secs(5))
            .items(),
    );
}

/// A token source of the user's own, written with Flow Retail's re-exports only.
#[derive(Debug)]
struct TokenFromVault;

#[flowretail_sdk::async_trait]
impl flowretail_sdk::AuthProvider for TokenFromVault {
    async fn authenticate(
        &self,
        headers: &mut flowretail_sdk::HeaderMap,
    ) -> flowretail_sdk::Result<()> {
        let value = "Bearer sandbox-token".parse().expect("a header value");
        headers.insert("authorization", value);
        Ok(())
    }
}

#[tokio::test]
async fn signatures_need_nothing_but_the_vendor_crate() -> Result<(), Box<dyn std::error::Error>> {
    // Flow Retail: a token provider of one's own, and an HTTP client with TLS ready.
    let sandbox = FlowRetailSandbox::start()?;
    let http = flowretail_sdk::http_client_builder().build()?;
    let flow = sandbox
        .client_builder()
        .token_provider(TokenFromVault)
        .http_client(http)
        .build()?;
    let groups: Vec<flowretail_sdk::CustomerGroup> = {
        use flowretail_sdk::prelude::*;
        flow.customer_groups().list().items().try_collect().await?
    };
    assert!(groups.is_empty());

    // commercetools: custom field values as the crate's own `Map` and `Value`.
    let mut fields = ct_customer_groups_sdk::Map::new();
    fields.insert("tier".into(), ct_customer_groups_sdk::Value::from("gold"));
    let action = ct_customer_groups_sdk::UpdateAction::set_custom_type(
        Some(ct_customer_groups_sdk::ResourceIdentifier::type_by_key(
            "customer-group-fields",
        )),
        Some(fields),
    );
    let ct = CtSandbox::start()?.client()?;
    let group = ct
        .customer_groups()
        .create(ct_customer_groups_sdk::CustomerGroupDraft::new("Gold"))
        .await?;
    let updated = ct
        .customer_groups()
        .update(
            &group.id,
            ct_customer_groups_sdk::CustomerGroupUpdate::for_group(&group).action(action),
        )
        .await?;
    let raw: &ct_customer_groups_sdk::RawJson = &updated.custom.as_ref().expect("custom").fields;
    assert_eq!(raw.field_as::<String>("tier")?.as_deref(), Some("gold"));
    Ok(())
}

#[test]
fn the_three_preludes_import_together() {
    use ct_customer_groups_sdk::prelude::*;
    use flowretail_sdk::prelude::*;
    use pos_customer_sdk::prelude::*;

    // One name each for the clients, and the shared error, result and sort order.
    fn clients(_: &PosClient, _: &CtClient, _: &FlowRetailClient, _: SortOrder) -> Result<()> {
        Err(Error::incomplete_listing("none", "a type check only"))
    }
    let _ = clients;
}

/// The README's shape: `main() -> vendor::Result<()>`, a sandbox started
/// with `?` (its error is the vendor crate's), and a client from a sandbox
/// value that is dropped at once, which keeps the sandbox running.
#[tokio::test]
async fn a_sandbox_starts_with_the_vendor_result_and_lives_with_its_client()
-> pos_customer_sdk::Result<()> {
    let pos = PosSandbox::start()?.client()?;
    let ct = CtSandbox::start()?.client()?;
    let flow = FlowRetailSandbox::start()?.client()?;
    pos.customer_groups().list().await?;
    ct.customer_groups().query().send().await?;
    flow.customer_groups()
        .create(flowretail_sdk::CreateCustomerGroup::new("VIP"))
        .await?;
    Ok(())
}

/// Every per-call setter on every kind of call and listing, with nothing
/// but the vendor's prelude imported; a query is awaited like a call.
#[tokio::test]
async fn every_setter_on_every_kind_of_call_with_the_prelude_alone()
-> Result<(), Box<dyn std::error::Error>> {
    let seconds = Duration::from_secs(20);
    {
        use pos_customer_sdk::prelude::*;
        let pos = PosSandbox::start()?.client()?;
        pos.customers()
            .list()
            .attempt_timeout(seconds)
            .attempt_timeout(None)
            .deadline(seconds)
            .deadline(None)
            .max_attempts(2)
            .correlation_id("run-42")
            .header("X-Run", "42")
            .await?;
    }
    {
        use ct_customer_groups_sdk::prelude::*;
        let ct = CtSandbox::start()?.client()?;
        let groups = ct.customer_groups();
        groups.get("no-such").deadline(seconds).await.unwrap_err();
        let page = groups
            .query()
            .attempt_timeout(seconds)
            .deadline(None)
            .max_attempts(2)
            .correlation_id("run-42")
            .header("X-Run", "42")
            .external_user_id("nightly")
            .await?;
        assert!(page.results.is_empty());
        let all: Vec<_> = groups
            .query_all()
            .attempt_timeout(seconds)
            .deadline(seconds)
            .max_attempts(2)
            .correlation_id("run-42")
            .header("X-Run", "42")
            .external_user_id("nightly")
            .items()
            .try_collect()
            .await?;
        assert!(all.is_empty());
    }
    {
        use flowretail_sdk::prelude::*;
        let flow = FlowRetailSandbox::start()?.client()?;
        let listed: Vec<_> = flow
            .customer_groups()
            .list()
            .attempt_timeout(None)
            .deadline(seconds)
            .max_attempts(2)
            .correlation_id("run-42")
            .header("X-Run", "42")
            .items()
            .try_collect()
            .await?;
        assert!(listed.is_empty());
    }
    Ok(())
}

/// One credential used by two clients: one `Governor` between them, named
/// through a vendor crate's re-exports; and a listing that widens.
#[tokio::test]
async fn one_governor_for_two_clients_and_listings_that_widen() -> flowretail_sdk::Result<()> {
    use flowretail_sdk::prelude::*;
    use flowretail_sdk::{CreateCustomerGroup, Governor, GovernorState, GroupMembershipChange};

    let sandbox = FlowRetailSandbox::start().expect("the Flow Retail sandbox starts");
    let governor = Governor::adaptive().max_concurrency(4);
    let first = sandbox
        .client_builder()
        .governor(governor.clone())
        .build()?;
    let second = sandbox
        .client_builder()
        .governor(governor.clone())
        .build()?;
    first
        .customer_groups()
        .create(CreateCustomerGroup::new("VIP").uid("vip"))
        .await?;
    let members = GroupMembershipChange::new().add_customers(sandbox.seed_customers(30));
    second
        .customer_groups()
        .update_customers("vip", members)
        .await?;
    // Both clients' requests went through the one governor.
    let state: GovernorState = first.http().governor().state();
    assert_eq!(state.concurrency_limit, 4);
    assert_eq!(state.in_flight, 0);
    assert_eq!(second.http().governor().state(), state);

    let walked: Vec<_> = second
        .customer_groups()
        .customers("vip")
        .page_size(5)
        .paginator()
        .widening(1, 3)
        .items()
        .try_collect()
        .await?;
    assert_eq!(walked.len(), 30);
    Ok(())
}
