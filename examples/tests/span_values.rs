//! What spans hold of a call's values: every operation of the three vendors
//! has a `url.template` of fixed names and `{placeholders}` only (a value in
//! a template is a new metric series per value); a client built with
//! `ids_in_spans(false)` keeps ids and keys out of its spans; and a call's
//! correlation id is on its span for every vendor.
//!
//! One test function in a binary of its own: the subscriber it installs for
//! its thread must not race other tests for the callsites' interest cache.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use ct_customer_groups_sdk::prelude::*;
use ct_customer_groups_sdk::sandbox::CtSandbox;
use ct_customer_groups_sdk::{
    CustomerGroupDraft as CtGroupDraft, CustomerGroupUpdate, UpdateAction,
};
use flowretail_sdk::sandbox::FlowRetailSandbox;
use flowretail_sdk::{CreateCustomerGroup, GroupMembershipChange, UpdateCustomerGroup};
use pos_customer_sdk::sandbox::PosSandbox;
use pos_customer_sdk::{
    CustomerDraft, CustomerGroupDraft, CustomerGroupPatch, CustomerId, CustomerPatch,
    DiscountDraft, DiscountPatch, NaiveDate,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};

/// One span's id and its fields, name and value, in the order recorded.
type SpanFields = (u64, Vec<(String, String)>);

/// The fields of every span, as the layer saw them.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<SpanFields>>>);

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = Vec::new();
        attrs.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push((id.into_u64(), fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some((_, fields)) = spans
            .iter_mut()
            .rev()
            .find(|(span, _)| *span == id.into_u64())
        {
            values.record(&mut Fields(fields));
        }
    }
}

impl Recorder {
    /// Every value recorded under `name` since the last call, and a fresh start.
    fn take(&self, name: &str) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
            .into_iter()
            .flat_map(|(_, fields)| fields)
            .filter(|(field, _)| field == name)
            .map(|(_, value)| value)
            .collect()
    }
}

/// The fixed names the three vendors' paths are made of.
const PATH_NAMES: &[&str] = &[
    "api",
    "customer",
    "v3.0",
    "customers",
    "modified",
    "list",
    "discounts",
    "groups",
    "customer-groups",
    "tenants",
    "v2",
    "oauth",
    "token",
];

fn assert_template_holds_no_value(template: &str, values: &[String]) {
    for segment in template.trim_start_matches('/').split('/') {
        let placeholder = |text: &str| text.starts_with('{') && text.ends_with('}');
        let fixed = PATH_NAMES.contains(&segment)
            || placeholder(segment)
            || segment.strip_prefix("key=").is_some_and(placeholder);
        assert!(
            fixed,
            "`{segment}` of {template} is neither a name nor a placeholder"
        );
    }
    // Short values (POS group ids are small numbers) are found in any text.
    for value in values.iter().filter(|value| value.len() >= 4) {
        assert!(
            !template.contains(value.as_str()),
            "{template} holds {value}"
        );
    }
}

#[test]
fn spans_hold_templates_and_keep_ids_out_when_asked() {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut values: Vec<String> = Vec::new();

        // POS Cloud: all 20 endpoints.
        let pos_sandbox = PosSandbox::start().unwrap();
        let pos = pos_sandbox.client().unwrap();
        let group = pos
            .customer_groups()
            .create(CustomerGroupDraft::new("Regulars"))
            .await
            .unwrap();
        pos.customer_groups().get(group.id.clone()).await.unwrap();
        pos.customer_groups().list().await.unwrap();
        pos.customer_groups()
            .replace(group.id.clone(), CustomerGroupDraft::new("Regulars"))
            .await
            .unwrap();
        pos.customer_groups()
            .patch(
                group.id.clone(),
                CustomerGroupPatch::new().name("Stammkunden"),
            )
            .await
            .unwrap();
        let customer = pos
            .customers()
            .create(CustomerDraft::new("1001", group.id.clone()))
            .await
            .unwrap();
        pos.customers().get(customer.id.clone()).await.unwrap();
        pos.customers().list().await.unwrap();
        let since = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        pos.customers().list_modified_since(since).await.unwrap();
        let chosen = CustomerId::new_uuid();
        let _created = pos
            .customers()
            .replace(chosen.clone(), CustomerDraft::new("1002", group.id.clone()))
            .await
            .unwrap();
        pos.customers()
            .patch(customer.id.clone(), CustomerPatch::new().active(false))
            .await
            .unwrap();
        let _replaced = pos
            .customers()
            .replace_many(vec![(
                chosen.clone(),
                CustomerDraft::new("1002", group.id.clone()),
            )])
            .await
            .unwrap();
        pos.customers()
            .patch_many(vec![(chosen.clone(), CustomerPatch::new().active(true))])
            .await
            .unwrap();
        let discount = pos
            .discounts()
            .create(DiscountDraft::new("Summer", 10))
            .await
            .unwrap();
        pos.discounts().get(discount.id.clone()).await.unwrap();
        pos.discounts().list().await.unwrap();
        pos.discounts()
            .replace(discount.id.clone(), DiscountDraft::new("Summer", 15))
            .await
            .unwrap();
        pos.discounts()
            .patch(discount.id.clone(), DiscountPatch::new().name("Winter"))
            .await
            .unwrap();
        pos.discounts().delete(discount.id.clone()).await.unwrap();
        let other = pos
            .customer_groups()
            .create(CustomerGroupDraft::new("Once"))
            .await
            .unwrap();
        pos.customer_groups()
            .delete(other.id.clone())
            .await
            .unwrap();
        values.extend([
            group.id.to_string(),
            customer.id.to_string(),
            chosen.to_string(),
            discount.id.to_string(),
            "2024-01-01".to_owned(),
        ]);

        // commercetools: every endpoint, by id and by key, and queries.
        let ct_sandbox = CtSandbox::start().unwrap();
        let ct = ct_sandbox.client().unwrap();
        let groups = ct.customer_groups();
        let gold = groups
            .create(CtGroupDraft::new("Gold").key("gold-key"))
            .await
            .unwrap();
        groups.get(&gold.id).await.unwrap();
        groups.get_by_key("gold-key").await.unwrap();
        groups.exists(&gold.id).await.unwrap();
        groups.exists_by_key("gold-key").await.unwrap();
        let renamed = groups
            .update(
                &gold.id,
                CustomerGroupUpdate::for_group(&gold).action(UpdateAction::change_name("Gold 2")),
            )
            .await
            .unwrap();
        let renamed = groups
            .update_by_key(
                "gold-key",
                CustomerGroupUpdate::for_group(&renamed)
                    .action(UpdateAction::change_name("Gold 3")),
            )
            .await
            .unwrap();
        groups.query().key_is("gold-key").send().await.unwrap();
        groups.query().key_is("gold-key").exists().await.unwrap();
        let _: Vec<_> = groups.query_all().items().try_collect().await.unwrap();
        groups
            .delete_by_key("gold-key", renamed.version)
            .await
            .unwrap();
        let silver = groups.create(CtGroupDraft::new("Silver")).await.unwrap();
        groups.delete(&silver.id, silver.version).await.unwrap();
        values.extend([gold.id.clone(), silver.id.clone(), "gold-key".to_owned()]);
        values.push(ct_sandbox.project_key().to_owned());

        // Flow Retail: every endpoint.
        let flow_sandbox = FlowRetailSandbox::start().unwrap();
        let flow = flow_sandbox.client().unwrap();
        let flow_groups = flow.customer_groups();
        flow_groups
            .create(CreateCustomerGroup::new("VIP").uid("vip-uid"))
            .await
            .unwrap();
        flow_groups.get("vip-uid").await.unwrap();
        flow_groups
            .update("vip-uid", UpdateCustomerGroup::name("VIP 2"))
            .await
            .unwrap();
        let members = flow_sandbox.seed_customers(2);
        flow_groups
            .update_customers(
                "vip-uid",
                GroupMembershipChange::new().add_customers(members.clone()),
            )
            .await
            .unwrap();
        let _: Vec<_> = flow_groups
            .customers("vip-uid")
            .items()
            .try_collect()
            .await
            .unwrap();
        let _: Vec<_> = flow_groups.list().items().try_collect().await.unwrap();
        flow_groups.delete("vip-uid").await.unwrap();
        values.push("vip-uid".to_owned());
        values.extend(members);
        values.extend(
            flow_sandbox
                .env_vars()
                .into_iter()
                .filter(|(name, _)| *name == "FLOWRETAIL_TENANT")
                .map(|(_, tenant)| tenant),
        );

        let templates: BTreeSet<String> = recorder.take("url.template").into_iter().collect();
        // 20 POS endpoints on 8 paths, the token, 3 commercetools paths, 3 Flow paths.
        assert_eq!(
            templates.len(),
            15,
            "every operation's template: {templates:#?}"
        );
        for template in &templates {
            assert_template_holds_no_value(template, &values);
        }
        assert!(
            templates.contains("/api/customer/v3.0/customers/{startDate}/modified"),
            "{templates:#?}"
        );

        // Ids and keys kept out of spans: url.full as the template, the
        // resource id as a placeholder.
        let private = ct_sandbox
            .client_builder()
            .ids_in_spans(false)
            .build()
            .unwrap();
        let key = "ada@example.com".replace(['@', '.'], "-");
        private
            .customer_groups()
            .create(CtGroupDraft::new("Private").key(&key))
            .await
            .unwrap();
        recorder.take("");
        private.customer_groups().get_by_key(&key).await.unwrap();
        let urls = recorder.take("url.full");
        assert_eq!(urls.len(), 1);
        assert!(
            urls[0].ends_with("/{projectKey}/customer-groups/key={key}"),
            "{urls:?}"
        );
        private.customer_groups().get_by_key(&key).await.unwrap();
        assert_eq!(recorder.take("customer_sdk.resource_id"), ["{id}"]);
        ct.customer_groups().get_by_key(&key).await.unwrap();
        assert_eq!(
            recorder.take("customer_sdk.resource_id"),
            [key.as_str()],
            "shown by default"
        );

        // A correlation id set on a call is on its span for every vendor.
        pos.customer_groups()
            .list()
            .correlation_id("run-42")
            .await
            .unwrap();
        assert_eq!(recorder.take("customer_sdk.correlation_id"), ["run-42"]);
        flow_groups
            .get("no-such")
            .correlation_id("run-42")
            .await
            .unwrap_err();
        assert_eq!(recorder.take("customer_sdk.correlation_id"), ["run-42"]);
        groups
            .get(&gold.id)
            .correlation_id("run-42")
            .await
            .unwrap_err();
        assert_eq!(recorder.take("customer_sdk.correlation_id"), ["run-42"]);
        // Without one, POS and Flow calls have none (they send none).
        pos.customer_groups().list().await.unwrap();
        assert!(recorder.take("customer_sdk.correlation_id").is_empty());
    });
}
