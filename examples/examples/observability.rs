//! What the SDK tells a service's tracing and metrics, printed by
//! OpenTelemetry's stdout exporters: a POS create, a read that meets a 503
//! and is retried, and a commercetools create with its token request, all
//! against the in-process sandboxes.
//!
//! ```sh
//! cargo run -p examples --example observability
//! ```
//!
//! Spans go through `tracing` and `tracing-opentelemetry` to an OpenTelemetry
//! tracer; metrics (the vendor crates' feature `opentelemetry`) through the
//! global meter provider, which is installed before the clients are built.

use std::process::ExitCode;
use std::time::Duration;

use ct_customer_groups_sdk::CustomerGroupDraft as CtGroupDraft;
use ct_customer_groups_sdk::sandbox::CtSandbox;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;
use pos_customer_sdk::sandbox::{Fault, PosSandbox};
use pos_customer_sdk::{Backoff, CustomerDraft, CustomerGroupDraft, RetryPolicy};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;

/// Any error, with its message.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match observability().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn observability() -> Result<(), BoxError> {
    // Spans: tracing -> tracing-opentelemetry -> a tracer that prints each span as it ends.
    let tracers = SdkTracerProvider::builder()
        .with_simple_exporter(opentelemetry_stdout::SpanExporter::default())
        .build();
    // INFO and above: the SDK's spans, without the HTTP stack's own debug events.
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracers.tracer("observability-example"))
        .with_filter(LevelFilter::INFO);
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))?;
    // Metrics: the global meter provider, installed before any client is built.
    let meters = SdkMeterProvider::builder()
        .with_reader(
            PeriodicReader::builder(opentelemetry_stdout::MetricExporter::default()).build(),
        )
        .build();
    opentelemetry::global::set_meter_provider(meters.clone());

    println!("== spans, as each ends");
    let pos_sandbox = PosSandbox::start()?;
    let quick_retries = RetryPolicy::default().with_backoff(Backoff::new(
        Duration::from_millis(10),
        Duration::from_millis(50),
    ));
    let pos = pos_sandbox
        .client_builder()
        .retry_policy(quick_retries)
        .build()?;
    let group = pos
        .customer_groups()
        .create(CustomerGroupDraft::new("Regulars"))
        .await?;
    let customer = pos
        .customers()
        .create(CustomerDraft::new("1001", group.id).last_name("Dyson"))
        .await?;
    // The next request is answered 503 once: two attempt spans, and a retry in the metrics.
    pos_sandbox.faults().inject(Fault::status(503), 1);
    pos.customers().get(customer.id).await?;

    let ct = CtSandbox::start()?.client()?;
    ct.customer_groups()
        .create(CtGroupDraft::new("Gold").key("gold"))
        .await?;

    tracers.force_flush()?;
    println!("== metrics");
    meters.force_flush()?;
    meters.shutdown()?;
    tracers.shutdown()?;
    println!("== done");
    Ok(())
}
