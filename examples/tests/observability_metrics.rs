//! The SDK's metrics (feature `opentelemetry`), read back through
//! `opentelemetry_sdk`'s in-memory exporter installed as the global meter
//! provider: names, units, attribute keys, and counts that match the
//! requests the sandboxes saw.
//!
//! One test function in a binary of its own: the meter provider is global.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use flowretail_sdk::prelude::*;
use flowretail_sdk::sandbox::FlowRetailSandbox;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use pos_customer_sdk::sandbox::{Fault, PosSandbox};
use pos_customer_sdk::{CustomerDraft, CustomerGroupDraft};
use sdk_core::{Backoff, RetryPolicy};

/// One data point: its attributes and its count (histograms) or value (sums).
#[derive(Debug, Clone)]
struct Point {
    attributes: BTreeMap<String, String>,
    count: u64,
}

fn attributes<'a>(values: impl Iterator<Item = &'a KeyValue>) -> BTreeMap<String, String> {
    values
        .map(|kv| {
            let value = match &kv.value {
                Value::I64(number) => number.to_string(),
                other => other.as_str().into_owned(),
            };
            (kv.key.as_str().to_owned(), value)
        })
        .collect()
}

fn points(metric: &Metric) -> Vec<Point> {
    let histogram_points = |points: Vec<(BTreeMap<String, String>, u64)>| {
        points
            .into_iter()
            .map(|(attributes, count)| Point { attributes, count })
            .collect()
    };
    match metric.data() {
        AggregatedMetrics::F64(MetricData::Histogram(h)) => histogram_points(
            h.data_points()
                .map(|p| (attributes(p.attributes()), p.count()))
                .collect(),
        ),
        AggregatedMetrics::U64(MetricData::Histogram(h)) => histogram_points(
            h.data_points()
                .map(|p| (attributes(p.attributes()), p.sum()))
                .collect(),
        ),
        AggregatedMetrics::U64(MetricData::Sum(s)) => histogram_points(
            s.data_points()
                .map(|p| (attributes(p.attributes()), p.value()))
                .collect(),
        ),
        AggregatedMetrics::I64(MetricData::Sum(s)) => histogram_points(
            s.data_points()
                .map(|p| {
                    (
                        attributes(p.attributes()),
                        u64::try_from(p.value()).unwrap_or(u64::MAX),
                    )
                })
                .collect(),
        ),
        // The governor's gauges: the last value recorded.
        AggregatedMetrics::U64(MetricData::Gauge(g)) => histogram_points(
            g.data_points()
                .map(|p| (attributes(p.attributes()), p.value()))
                .collect(),
        ),
        AggregatedMetrics::F64(MetricData::Gauge(g)) => histogram_points(
            g.data_points()
                .map(|p| (attributes(p.attributes()), p.value().round() as u64))
                .collect(),
        ),
        other => panic!("unexpected data for {}: {other:?}", metric.name()),
    }
}

/// The SDK's metrics of the last export, by name, with their units.
fn sdk_metrics(exported: &[ResourceMetrics]) -> BTreeMap<String, (String, Vec<Point>)> {
    let last = exported.last().expect("an export");
    let mut found = BTreeMap::new();
    for scope in last.scope_metrics() {
        if scope.scope().name() != "customer-sdk-core" {
            continue;
        }
        assert_eq!(
            scope.scope().version(),
            Some(env!("CARGO_PKG_VERSION")),
            "the scope carries the crate's version"
        );
        for metric in scope.metrics() {
            found.insert(
                metric.name().to_owned(),
                (metric.unit().to_owned(), points(metric)),
            );
        }
    }
    found
}

fn with<'a>(points: &'a [Point], pairs: &[(&str, &str)]) -> Vec<&'a Point> {
    points
        .iter()
        .filter(|point| {
            pairs
                .iter()
                .all(|(key, value)| point.attributes.get(*key).map(String::as_str) == Some(*value))
        })
        .collect()
}

fn durations_of(metrics: &BTreeMap<String, (String, Vec<Point>)>) -> &[Point] {
    &metrics["http.client.request.duration"].1
}

fn total(points: &[&Point]) -> u64 {
    points.iter().map(|point| point.count).sum()
}

#[test]
fn metrics_name_unit_attributes_and_counts_match_what_the_servers_saw() {
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    opentelemetry::global::set_meter_provider(provider.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fast = RetryPolicy::default().with_backoff(Backoff::new(
        Duration::from_millis(1),
        Duration::from_millis(2),
    ));

    let (pos_port, pos_requests, flow_port, flow_requests) = runtime.block_on(async {
        let pos_sandbox = PosSandbox::start().unwrap();
        let pos = pos_sandbox
            .client_builder()
            .retry_policy(fast.clone())
            .build()
            .unwrap();
        let group = pos
            .customer_groups()
            .create(CustomerGroupDraft::new("Regulars"))
            .await
            .unwrap();
        let created = pos
            .customers()
            .create(CustomerDraft::new("1001", group.id).last_name("Dyson"))
            .await
            .unwrap();
        pos_sandbox.faults().inject(Fault::status(503), 1);
        pos.customers().get(created.id.clone()).await.unwrap();
        pos_sandbox.faults().inject(Fault::status(404), 1);
        pos.customers().get(created.id).await.unwrap_err();

        let flow_sandbox = FlowRetailSandbox::start().unwrap();
        let flow = support::flow_with_vip_group_of_three(&flow_sandbox).await;
        let walked: Vec<_> = flow
            .customer_groups()
            .customers("vip")
            .page_size(1)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(walked.len(), 3);

        let ct_sandbox = ct_customer_groups_sdk::sandbox::CtSandbox::start().unwrap();
        let ct = ct_sandbox.client().unwrap();
        let draft = ct_customer_groups_sdk::CustomerGroupDraft::new("Gold").key("gold");
        ct.customer_groups().create(draft).await.unwrap();
        ct.customer_groups().query().send().await.unwrap();
        assert_eq!(
            ct_sandbox.faults().requests_received(),
            3,
            "a token, a create, a query"
        );
        // A budget of one request at a time, told in the headers: the
        // second query waits for the first's reset instead of meeting a 429.
        ct_sandbox.faults().rate_limit(
            ct_customer_groups_sdk::sandbox::RateLimit::per_second(5.0)
                .burst(1)
                .with_headers(),
        );
        ct.customer_groups().query().send().await.unwrap();
        ct.customer_groups().query().send().await.unwrap();
        assert_eq!(ct_sandbox.faults().rate_limited(), 0);
        ct_sandbox.faults().rate_limit(None);

        let port = |url: String| {
            url.trim_start_matches("http://127.0.0.1:")
                .split('/')
                .next()
                .unwrap()
                .to_owned()
        };
        (
            port(pos_sandbox.url()),
            pos_sandbox.faults().requests_received(),
            port(flow_sandbox.url()),
            flow_sandbox.faults().requests_received(),
        )
    });
    provider.force_flush().unwrap();
    let metrics = sdk_metrics(&exporter.get_finished_metrics().unwrap());

    // http.client.request.duration: one count per attempt the servers saw.
    let (unit, durations) = &metrics["http.client.request.duration"];
    assert_eq!(unit, "s");
    let pos_points = with(durations, &[("server.port", &pos_port)]);
    assert_eq!(
        total(&pos_points),
        pos_requests,
        "one duration per POS request: {pos_points:#?}"
    );
    assert_eq!(pos_requests, 5, "a group, a customer, 503 + 200, 404");
    let flow_points = with(durations, &[("server.port", &flow_port)]);
    assert_eq!(total(&flow_points), flow_requests);
    for point in pos_points.iter().chain(&flow_points) {
        for key in [
            "http.request.method",
            "server.address",
            "server.port",
            "url.template",
        ] {
            assert!(point.attributes.contains_key(key), "{key} in {point:?}");
        }
        assert!(
            point.attributes.contains_key("http.response.status_code")
                || point.attributes.contains_key("error.type"),
            "{point:?}"
        );
        assert_eq!(point.attributes["server.address"], "127.0.0.1");
    }
    let template = "/api/customer/v3.0/customers/{id}";
    let failed = with(
        durations,
        &[
            ("url.template", template),
            ("http.response.status_code", "503"),
        ],
    );
    assert_eq!(total(&failed), 1);
    assert_eq!(failed[0].attributes["error.type"], "503");
    assert_eq!(
        total(&with(
            durations,
            &[
                ("url.template", template),
                ("http.response.status_code", "200")
            ]
        )),
        1
    );
    assert_eq!(
        total(&with(
            durations,
            &[("url.template", template), ("error.type", "404")]
        )),
        1
    );
    assert_eq!(
        total(&with(
            durations,
            &[
                (
                    "url.template",
                    "/v2/tenants/{tenant}/customer-groups/{id}/customers"
                ),
                ("http.request.method", "GET")
            ]
        )),
        3,
        "three pages"
    );

    // Nothing left in flight.
    let (unit, active) = &metrics["http.client.active_requests"];
    assert_eq!(unit, "{request}");
    assert!(active.iter().all(|point| point.count == 0), "{active:?}");

    // Per operation.
    let (unit, durations) = &metrics["customer_sdk.operation.duration"];
    assert_eq!(unit, "s");
    let gets = with(
        durations,
        &[
            ("customer_sdk.vendor", "pos"),
            ("customer_sdk.operation", "get_customer"),
        ],
    );
    assert_eq!(total(&gets), 2, "two reads: {gets:?}");
    assert_eq!(
        with(
            durations,
            &[
                ("customer_sdk.operation", "get_customer"),
                ("error.type", "404")
            ]
        )
        .len(),
        1
    );
    let (unit, attempts) = &metrics["customer_sdk.operation.attempts"];
    assert_eq!(unit, "{attempt}");
    // The attempts histogram's sum: 2 for the read that met a 503, 1 for the 404.
    assert_eq!(
        total(&with(
            attempts,
            &[("customer_sdk.operation", "get_customer")]
        )),
        3
    );
    let (_, retries) = &metrics["customer_sdk.retries"];
    assert_eq!(
        total(&with(
            retries,
            &[
                ("customer_sdk.vendor", "pos"),
                ("customer_sdk.retry.reason", "503")
            ]
        )),
        1
    );
    // The 503 took the POS governor's concurrency limit from 16 to 70% of it.
    let (unit, limit) = &metrics["customer_sdk.governor.concurrency_limit"];
    assert_eq!(unit, "{request}");
    assert_eq!(total(&with(limit, &[("customer_sdk.vendor", "pos")])), 11);
    // The commercetools query that waited for its budget's reset.
    let (unit, avoided) = &metrics["customer_sdk.governor.throttles_avoided"];
    assert_eq!(unit, "{request}");
    assert_eq!(
        total(&with(avoided, &[("customer_sdk.vendor", "commercetools")])),
        1,
        "{avoided:?}"
    );
    let (_, waits) = &metrics["customer_sdk.governor.waits"];
    assert_eq!(
        total(&with(waits, &[("customer_sdk.vendor", "commercetools")])),
        1
    );
    let (unit, tokens) = &metrics["customer_sdk.token.requests"];
    assert_eq!(unit, "{request}");
    let ct_tokens = with(
        tokens,
        &[
            ("customer_sdk.vendor", "commercetools"),
            ("customer_sdk.operation", "fetch_oauth_token"),
        ],
    );
    assert_eq!(total(&ct_tokens), 1, "{tokens:?}");
    assert_eq!(
        total(&with(
            durations_of(&metrics),
            &[
                ("url.template", "/oauth/token"),
                ("http.response.status_code", "200")
            ]
        )),
        1
    );
    let (unit, pages) = &metrics["customer_sdk.listing.pages"];
    assert_eq!(unit, "{page}");
    assert_eq!(
        total(&with(pages, &[("customer_sdk.vendor", "flowretail")])),
        3
    );
    assert!(
        !metrics.contains_key("customer_sdk.listing.incomplete")
            || metrics["customer_sdk.listing.incomplete"]
                .1
                .iter()
                .all(|point| point.count == 0)
    );
}
