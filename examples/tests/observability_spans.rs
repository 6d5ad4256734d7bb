//! The spans of the SDK, as a `tracing` layer of our own records them: one
//! per operation, a client span per HTTP attempt with the OpenTelemetry HTTP
//! client fields, token requests and listing pages included, and no secret,
//! token, header or body in any field.
//!
//! One test function in a binary of its own: the subscriber it installs for
//! its thread must not race other tests for the callsites' interest cache.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ct_customer_groups_sdk::sandbox::CtSandbox;
use ct_customer_groups_sdk::{CustomerGroupDraft, UpdateAction};
use flowretail_sdk::prelude::*;
use flowretail_sdk::sandbox::FlowRetailSandbox;
use pos_customer_sdk::sandbox::{Fault, PosSandbox};
use pos_customer_sdk::{CustomerDraft, CustomerGroupDraft as PosGroupDraft};
use sdk_core::{Backoff, RetryPolicy};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One span as the layer saw it: its name, its parent's id and every
/// field recorded on it, at creation or later.
#[derive(Debug, Clone, Default)]
struct SpanRecord {
    id: u64,
    parent: Option<u64>,
    name: &'static str,
    fields: BTreeMap<String, String>,
}

impl SpanRecord {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    fn otel_name(&self) -> &str {
        self.field("otel.name").unwrap_or_default()
    }
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<SpanRecord>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut record = SpanRecord {
            id: id.into_u64(),
            parent: ctx
                .span(id)
                .and_then(|span| span.parent())
                .map(|parent| parent.id().into_u64()),
            name: attrs.metadata().name(),
            fields: BTreeMap::new(),
        };
        attrs.record(&mut Fields(&mut record.fields));
        self.0.lock().unwrap().push(record);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some(record) = spans
            .iter_mut()
            .rev()
            .find(|record| record.id == id.into_u64())
        {
            values.record(&mut Fields(&mut record.fields));
        }
    }
}

impl Recorder {
    /// The spans recorded since the last call, and a fresh start.
    fn take(&self) -> Vec<SpanRecord> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn named<'a>(spans: &'a [SpanRecord], name: &str) -> Vec<&'a SpanRecord> {
    spans
        .iter()
        .filter(|span| span.otel_name() == name)
        .collect()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::new(
        Duration::from_millis(1),
        Duration::from_millis(2),
    ))
}

/// Every field an attempt span must carry, with the values that do not
/// depend on the server's port.
fn assert_attempt_span(span: &SpanRecord, method: &str, template: &str, port: u16) {
    let expected = [
        ("otel.name", format!("{method} {template}")),
        ("otel.kind", "client".to_owned()),
        ("http.request.method", method.to_owned()),
        ("server.address", "127.0.0.1".to_owned()),
        ("server.port", port.to_string()),
        ("url.template", template.to_owned()),
    ];
    for (field, value) in expected {
        assert_eq!(
            span.field(field),
            Some(value.as_str()),
            "{field} of {span:#?}"
        );
    }
    assert!(
        span.field("url.full")
            .is_some_and(|url| url.starts_with(&format!("http://127.0.0.1:{port}"))),
        "{span:#?}"
    );
    assert!(
        span.field("user_agent.original")
            .is_some_and(|ua| ua.contains("/0.")),
        "{span:#?}"
    );
    assert!(
        span.field("http.response.status_code").is_some(),
        "{span:#?}"
    );
    for old in [
        "http.method",
        "http.status_code",
        "http.url",
        "net.peer.name",
    ] {
        assert!(span.field(old).is_none(), "old name {old} in {span:#?}");
    }
}

/// The port of a sandbox's `http://127.0.0.1:<port>/...` URL.
fn port_of(url: &str) -> u16 {
    let after_host = url.trim_start_matches("http://127.0.0.1:");
    after_host.split('/').next().unwrap().parse().unwrap()
}

#[test]
fn spans_follow_the_http_client_conventions_and_hold_no_secret() {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut secrets: Vec<String> = Vec::new();
    let mut all = Vec::new();

    runtime.block_on(async {
        // POS: a create, and a read answered 503 once, then 200.
        let pos_sandbox = PosSandbox::start().unwrap();
        let pos_port = port_of(&pos_sandbox.url());
        for (name, value) in pos_sandbox.env_vars() {
            if name != "POS_BASE_URL" {
                secrets.push(value);
            }
        }
        let pos = pos_sandbox
            .client_builder()
            .retry_policy(fast_retries())
            .build()
            .unwrap();
        let group = pos
            .customer_groups()
            .create(PosGroupDraft::new("Regulars"))
            .await
            .unwrap();
        recorder.take();
        let created = pos
            .customers()
            .create(CustomerDraft::new("1001", group.id).last_name("Dyson"))
            .await
            .unwrap();
        let spans = recorder.take();
        let operation = named(&spans, "pos.create_customer");
        assert_eq!(operation.len(), 1, "{spans:#?}");
        let operation = operation[0];
        assert_eq!(operation.name, "customer_sdk.operation");
        assert_eq!(operation.field("customer_sdk.vendor"), Some("pos"));
        assert_eq!(
            operation.field("customer_sdk.operation"),
            Some("create_customer")
        );
        assert_eq!(operation.field("customer_sdk.attempts"), Some("1"));
        assert_eq!(operation.field("customer_sdk.outcome"), Some("ok"));
        assert_eq!(operation.field("otel.status_code"), None);
        let attempt = named(&spans, "POST /api/customer/v3.0/customers");
        assert_eq!(attempt.len(), 1, "{spans:#?}");
        assert_attempt_span(attempt[0], "POST", "/api/customer/v3.0/customers", pos_port);
        assert_eq!(
            attempt[0].parent,
            Some(operation.id),
            "the attempt is the operation's child"
        );
        assert_eq!(attempt[0].field("http.response.status_code"), Some("201"));
        assert_eq!(attempt[0].field("http.request.resend_count"), None);
        all.extend(spans);

        pos_sandbox.faults().inject(Fault::status(503), 1);
        pos.customers().get(created.id.clone()).await.unwrap();
        let spans = recorder.take();
        let operation = named(&spans, "pos.get_customer")[0];
        assert_eq!(
            operation.field("customer_sdk.resource_id"),
            Some(created.id.to_string().as_str())
        );
        assert_eq!(operation.field("customer_sdk.attempts"), Some("2"));
        assert_eq!(operation.field("customer_sdk.outcome"), Some("ok"));
        let attempts = named(&spans, "GET /api/customer/v3.0/customers/{id}");
        assert_eq!(attempts.len(), 2, "{spans:#?}");
        assert_attempt_span(
            attempts[0],
            "GET",
            "/api/customer/v3.0/customers/{id}",
            pos_port,
        );
        assert_eq!(attempts[0].field("http.response.status_code"), Some("503"));
        assert_eq!(attempts[0].field("error.type"), Some("503"));
        assert_eq!(attempts[0].field("otel.status_code"), Some("ERROR"));
        assert_eq!(attempts[1].field("http.response.status_code"), Some("200"));
        assert_eq!(attempts[1].field("http.request.resend_count"), Some("1"));
        assert_eq!(attempts[1].field("otel.status_code"), None);
        assert!(
            attempts[0]
                .field("url.full")
                .unwrap()
                .ends_with(&format!("/customers/{}", created.id))
        );
        all.extend(spans);

        // commercetools: the token request, and an update that meets a 409 and retries.
        let ct_sandbox = CtSandbox::start().unwrap();
        let ct_port = port_of(&ct_sandbox.url());
        for (name, value) in ct_sandbox.env_vars() {
            if name.ends_with("SECRET") || name.ends_with("CLIENT_ID") {
                secrets.push(value);
            }
        }
        let ct = ct_sandbox
            .client_builder()
            .retry_policy(fast_retries())
            .build()
            .unwrap();
        let gold = ct
            .customer_groups()
            .create(CustomerGroupDraft::new("Gold").key("gold"))
            .await
            .unwrap();
        let spans = recorder.take();
        let token = named(&spans, "POST /oauth/token");
        assert_eq!(token.len(), 1, "one token request: {spans:#?}");
        assert_attempt_span(token[0], "POST", "/oauth/token", ct_port);
        let create = named(&spans, "commercetools.create_customer_group")[0];
        assert_eq!(
            token[0].parent,
            Some(create.id),
            "the token request runs inside the call that needed it"
        );
        let correlation = create
            .field("customer_sdk.correlation_id")
            .expect("commercetools calls carry a correlation id");
        assert_eq!(correlation.len(), 36, "a UUID: {correlation}");
        let created = named(&spans, "POST /{projectKey}/customer-groups");
        assert_eq!(created.len(), 1, "{spans:#?}");
        assert_attempt_span(created[0], "POST", "/{projectKey}/customer-groups", ct_port);
        assert_eq!(created[0].field("http.response.status_code"), Some("201"));
        all.extend(spans);

        let rival = ct.clone();
        let id = gold.id.clone();
        let mut first = true;
        let updated = ct
            .customer_groups()
            .update_with_retry_async(&gold.id, 3, move |_group| {
                let rival = rival.clone();
                let id = id.clone();
                let bump = std::mem::replace(&mut first, false);
                async move {
                    if bump {
                        // Another writer moves the version on between the read and the update.
                        rival
                            .customer_groups()
                            .update_with_retry(&id, 1, |_| {
                                vec![UpdateAction::set_key(Some("gold-2"))]
                            })
                            .await
                            .unwrap();
                    }
                    vec![UpdateAction::change_name("Gold members")]
                }
            })
            .await
            .unwrap();
        assert_eq!(updated.name, "Gold members");
        let spans = recorder.take();
        let operation = named(&spans, "commercetools.update_customer_group_with_retry");
        let outer = operation
            .iter()
            .find(|span| span.parent.is_none())
            .copied()
            .expect("the caller's operation");
        assert_eq!(
            outer.field("customer_sdk.resource_id"),
            Some(gold.id.as_str())
        );
        assert_eq!(outer.field("customer_sdk.outcome"), Some("ok"));
        let template = "/{projectKey}/customer-groups/{id}";
        let updates: Vec<_> = named(&spans, &format!("POST {template}"))
            .into_iter()
            .filter(|span| span.parent == Some(outer.id))
            .collect();
        assert_eq!(
            updates.len(),
            2,
            "a 409, then the update that passed: {spans:#?}"
        );
        assert_attempt_span(updates[0], "POST", template, ct_port);
        assert_eq!(updates[0].field("http.response.status_code"), Some("409"));
        assert_eq!(updates[0].field("error.type"), Some("409"));
        assert_eq!(updates[0].field("otel.status_code"), Some("ERROR"));
        assert_eq!(updates[1].field("http.response.status_code"), Some("200"));
        let reads = named(&spans, &format!("GET {template}"))
            .into_iter()
            .filter(|span| span.parent == Some(outer.id))
            .count();
        assert_eq!(reads, 2, "the first read and the read after the conflict");
        assert_eq!(outer.field("customer_sdk.attempts"), Some("4"));
        all.extend(spans);

        // An existence check's expected 404 is no error; a failed get is,
        // with a status description.
        assert!(!ct.customer_groups().exists("no-such-id").await.unwrap());
        let spans = recorder.take();
        let head = named(&spans, &format!("HEAD {template}"));
        assert_eq!(head.len(), 1, "{spans:#?}");
        assert_eq!(head[0].field("http.response.status_code"), Some("404"));
        assert_eq!(head[0].field("otel.status_code"), None, "{head:#?}");
        assert_eq!(head[0].field("error.type"), None);
        all.extend(spans);
        ct.customer_groups().get("no-such-id").await.unwrap_err();
        let spans = recorder.take();
        let failed = named(&spans, "commercetools.get_customer_group")[0];
        assert_eq!(failed.field("otel.status_code"), Some("ERROR"));
        let description = failed.field("otel.status_description").unwrap_or_default();
        assert!(description.contains("404 Not Found"), "{failed:#?}");
        let attempt = named(&spans, &format!("GET {template}"))[0];
        assert_eq!(
            attempt.field("otel.status_description"),
            Some("answered 404 Not Found")
        );
        all.extend(spans);

        // Flow Retail: a page walk inside the caller's span, a span per page.
        let flow_sandbox = FlowRetailSandbox::start().unwrap();
        let flow_port = port_of(&flow_sandbox.url());
        for (name, value) in flow_sandbox.env_vars() {
            if name == "FLOWRETAIL_TOKEN" {
                secrets.push(value);
            }
        }
        let flow = support::flow_with_vip_group_of_three(&flow_sandbox).await;
        recorder.take();
        let caller = tracing::info_span!("caller");
        let walked: Vec<_> = {
            use tracing::Instrument;
            flow.customer_groups()
                .customers("vip")
                .page_size(1)
                .items()
                .try_collect()
                .instrument(caller.clone())
                .await
                .unwrap()
        };
        assert_eq!(walked.len(), 3);
        let spans = recorder.take();
        let caller_id = spans
            .iter()
            .find(|span| span.name == "caller")
            .map(|span| span.id);
        let pages: Vec<_> = spans
            .iter()
            .filter(|span| span.name == "customer_sdk.operation")
            .collect();
        assert_eq!(pages.len(), 3, "three pages of one: {spans:#?}");
        for page in &pages {
            assert_eq!(page.parent, caller_id, "each page in the caller's span");
            assert_eq!(page.field("customer_sdk.vendor"), Some("flowretail"));
        }
        let template = "/v2/tenants/{tenant}/customer-groups/{id}/customers";
        let attempts = named(&spans, &format!("GET {template}"));
        assert_eq!(attempts.len(), 3, "{spans:#?}");
        for attempt in &attempts {
            assert_attempt_span(attempt, "GET", template, flow_port);
            assert!(
                attempt.field("url.full").unwrap().contains("pageSize=1"),
                "paging values stay: {attempt:#?}"
            );
        }
        all.extend(spans);
    });

    // No secret, token, header or body in any recorded value.
    let issued_token = "Bearer ";
    secrets.retain(|secret| secret.len() >= 6);
    assert!(
        secrets.len() >= 3,
        "the test knows the secrets: {secrets:?}"
    );
    for span in &all {
        for (field, value) in &span.fields {
            for secret in &secrets {
                assert!(
                    !value.contains(secret.as_str()),
                    "secret in {field}: {value}"
                );
            }
            assert!(!value.contains(issued_token), "a token in {field}: {value}");
            assert!(!value.contains("Dyson"), "a body in {field}: {value}");
            assert!(
                !value.to_ascii_lowercase().contains("authorization"),
                "a header in {field}: {value}"
            );
        }
    }
}
