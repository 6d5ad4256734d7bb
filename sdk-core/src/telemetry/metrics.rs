//! The SDK's instruments: real ones with the feature `opentelemetry`,
//! nothing at all without it (every method is an empty inline function).

#![warn(clippy::arithmetic_side_effects, clippy::unchecked_time_subtraction)]

use std::time::Duration;

use super::{Endpoint, Operation};

#[cfg(feature = "opentelemetry")]
pub(crate) use with_otel::{Metrics, Timer};
#[cfg(not(feature = "opentelemetry"))]
pub(crate) use without::{Metrics, Timer};

/// How one HTTP attempt ended, for its duration's attributes.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
pub(crate) enum AttemptEnd<'a> {
    /// Answered with this status.
    Answered(u16),
    /// Failed before an answer, with this `error.type`.
    Failed(&'a str),
}

#[cfg(not(feature = "opentelemetry"))]
mod without {
    use super::*;

    /// No instruments: the feature `opentelemetry` is off.
    #[derive(Debug, Clone, Default)]
    pub(crate) struct Metrics;

    /// Nothing to count down.
    pub(crate) struct ActiveRequest;

    /// No clock read: nothing would record the time.
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Timer;

    impl Timer {
        #[inline]
        pub(crate) fn start() -> Self {
            Self
        }
        #[inline]
        pub(crate) fn elapsed(self) -> Duration {
            Duration::ZERO
        }
    }

    #[allow(clippy::unused_self)]
    impl Metrics {
        #[inline]
        pub(crate) fn new() -> Self {
            Self
        }
        #[inline]
        pub(crate) fn request_started(&self, _: &Endpoint<'_>) -> ActiveRequest {
            ActiveRequest
        }
        #[inline]
        pub(crate) fn request_ended(&self, _: &Endpoint<'_>, _: Duration, _: AttemptEnd<'_>) {}
        #[inline]
        pub(crate) fn operation_ended(&self, _: Operation, _: Duration, _: u32, _: Option<&str>) {}
        #[inline]
        pub(crate) fn retried(&self, _: Operation, _: &str) {}
        #[inline]
        pub(crate) fn token_requested(&self, _: Operation) {}
        #[inline]
        pub(crate) fn listing_page(&self, _: Operation) {}
        #[inline]
        pub(crate) fn listing_incomplete(&self, _: Operation) {}

        pub(crate) fn governor_waited(&self, _: &'static str) {}

        pub(crate) fn governor_avoided_throttle(&self, _: &'static str) {}

        pub(crate) fn governor_changed(&self, _: &'static str, _: usize, _: Option<f64>) {}
    }
}

#[cfg(feature = "opentelemetry")]
mod with_otel {
    use std::sync::Arc;

    use opentelemetry::metrics::{Counter, Gauge, Histogram, Meter, UpDownCounter};
    use opentelemetry::{InstrumentationScope, KeyValue, global};

    use super::*;

    /// The boundaries the HTTP semantic conventions advise for
    /// `http.client.request.duration`, in seconds.
    const DURATION_BUCKETS: [f64; 14] = [
        0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    ];

    /// The instruments of one client, made from the global meter provider
    /// when the client was built.
    #[derive(Clone)]
    pub(crate) struct Metrics(Arc<Instruments>);

    struct Instruments {
        request_duration: Histogram<f64>,
        active_requests: UpDownCounter<i64>,
        operation_duration: Histogram<f64>,
        operation_attempts: Histogram<u64>,
        retries: Counter<u64>,
        token_requests: Counter<u64>,
        listing_pages: Counter<u64>,
        listing_incomplete: Counter<u64>,
        governor_waits: Counter<u64>,
        governor_throttles_avoided: Counter<u64>,
        governor_limit: Gauge<u64>,
        governor_rate: Gauge<f64>,
    }

    impl std::fmt::Debug for Metrics {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Metrics")
        }
    }

    impl Default for Metrics {
        fn default() -> Self {
            Self::new()
        }
    }

    /// Times a request or an operation for its duration histogram.
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Timer(tokio::time::Instant);

    impl Timer {
        pub(crate) fn start() -> Self {
            Self(tokio::time::Instant::now())
        }
        pub(crate) fn elapsed(self) -> Duration {
            self.0.elapsed()
        }
    }

    /// One request in flight: counted down when dropped, however the
    /// attempt ends (an answer, an error, a cancelled call).
    pub(crate) struct ActiveRequest {
        counter: UpDownCounter<i64>,
        attributes: Vec<KeyValue>,
    }

    impl Drop for ActiveRequest {
        fn drop(&mut self) {
            self.counter.add(-1, &self.attributes);
        }
    }

    fn meter() -> Meter {
        let scope = InstrumentationScope::builder(env!("CARGO_PKG_NAME"))
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        global::meter_with_scope(scope)
    }

    fn counter(
        meter: &Meter,
        name: &'static str,
        unit: &'static str,
        what: &'static str,
    ) -> Counter<u64> {
        meter
            .u64_counter(name)
            .with_unit(unit)
            .with_description(what)
            .build()
    }

    fn endpoint_attributes(endpoint: &Endpoint<'_>) -> Vec<KeyValue> {
        vec![
            KeyValue::new("http.request.method", endpoint.method.as_str().to_owned()),
            KeyValue::new("server.address", endpoint.host().to_owned()),
            KeyValue::new("server.port", i64::from(endpoint.port())),
            KeyValue::new("url.template", endpoint.template.to_string()),
        ]
    }

    fn operation_attributes(operation: Operation) -> [KeyValue; 2] {
        [
            KeyValue::new("customer_sdk.vendor", operation.vendor),
            KeyValue::new("customer_sdk.operation", operation.name),
        ]
    }

    impl Metrics {
        /// The instruments, from the global meter provider as it is now.
        pub(crate) fn new() -> Self {
            let meter = meter();
            let seconds = |name: &'static str, what: &'static str| {
                meter
                    .f64_histogram(name)
                    .with_unit("s")
                    .with_description(what)
                    .with_boundaries(DURATION_BUCKETS.to_vec())
                    .build()
            };
            Self(Arc::new(Instruments {
                request_duration: seconds(
                    "http.client.request.duration",
                    "Duration of HTTP client requests.",
                ),
                active_requests: meter
                    .i64_up_down_counter("http.client.active_requests")
                    .with_unit("{request}")
                    .with_description("Number of active HTTP requests.")
                    .build(),
                operation_duration: seconds(
                    "customer_sdk.operation.duration",
                    "Duration of SDK operations, retries and waits included.",
                ),
                operation_attempts: meter
                    .u64_histogram("customer_sdk.operation.attempts")
                    .with_unit("{attempt}")
                    .with_description("HTTP requests sent for one SDK operation.")
                    .with_boundaries(vec![1.0, 2.0, 3.0, 4.0, 5.0, 8.0, 13.0])
                    .build(),
                retries: counter(
                    &meter,
                    "customer_sdk.retries",
                    "{retry}",
                    "Retried attempts, by reason.",
                ),
                token_requests: counter(
                    &meter,
                    "customer_sdk.token.requests",
                    "{request}",
                    "OAuth2 token requests.",
                ),
                listing_pages: counter(
                    &meter,
                    "customer_sdk.listing.pages",
                    "{page}",
                    "Pages read by listings.",
                ),
                listing_incomplete: counter(
                    &meter,
                    "customer_sdk.listing.incomplete",
                    "{listing}",
                    "Listings that ended with an IncompleteListing error.",
                ),
                governor_waits: counter(
                    &meter,
                    "customer_sdk.governor.waits",
                    "{request}",
                    "Requests held back by the governor before they were sent.",
                ),
                governor_throttles_avoided: counter(
                    &meter,
                    "customer_sdk.governor.throttles_avoided",
                    "{request}",
                    "Requests held back while the server's headers said it would refuse them (each a 429 avoided).",
                ),
                governor_limit: meter
                    .u64_gauge("customer_sdk.governor.concurrency_limit")
                    .with_unit("{request}")
                    .with_description("How many requests the governor lets be in flight at once.")
                    .build(),
                governor_rate: meter
                    .f64_gauge("customer_sdk.governor.rate")
                    .with_unit("{request}/s")
                    .with_description("The pace the governor keeps, when it keeps one.")
                    .build(),
            }))
        }

        pub(crate) fn request_started(&self, endpoint: &Endpoint<'_>) -> ActiveRequest {
            let attributes = endpoint_attributes(endpoint);
            self.0.active_requests.add(1, &attributes);
            ActiveRequest {
                counter: self.0.active_requests.clone(),
                attributes,
            }
        }

        pub(crate) fn request_ended(
            &self,
            endpoint: &Endpoint<'_>,
            took: Duration,
            end: AttemptEnd<'_>,
        ) {
            let mut attributes = endpoint_attributes(endpoint);
            attributes.push(match end {
                AttemptEnd::Answered(status) => {
                    KeyValue::new("http.response.status_code", i64::from(status))
                }
                AttemptEnd::Failed(error_type) => {
                    KeyValue::new("error.type", error_type.to_owned())
                }
            });
            if let AttemptEnd::Answered(status) = end
                && status >= 400
            {
                attributes.push(KeyValue::new("error.type", status.to_string()));
            }
            self.0
                .request_duration
                .record(took.as_secs_f64(), &attributes);
        }

        pub(crate) fn operation_ended(
            &self,
            operation: Operation,
            took: Duration,
            attempts: u32,
            failure: Option<&str>,
        ) {
            let base = operation_attributes(operation);
            self.0.operation_attempts.record(u64::from(attempts), &base);
            match failure {
                None => self.0.operation_duration.record(took.as_secs_f64(), &base),
                Some(error_type) => {
                    let [vendor, name] = base;
                    let attributes = [
                        vendor,
                        name,
                        KeyValue::new("error.type", error_type.to_owned()),
                    ];
                    self.0
                        .operation_duration
                        .record(took.as_secs_f64(), &attributes);
                }
            }
        }

        pub(crate) fn retried(&self, operation: Operation, reason: &str) {
            let [vendor, name] = operation_attributes(operation);
            let attributes = [
                vendor,
                name,
                KeyValue::new("customer_sdk.retry.reason", reason.to_owned()),
            ];
            self.0.retries.add(1, &attributes);
        }

        pub(crate) fn token_requested(&self, operation: Operation) {
            self.0
                .token_requests
                .add(1, &operation_attributes(operation));
        }

        pub(crate) fn listing_page(&self, operation: Operation) {
            self.0
                .listing_pages
                .add(1, &operation_attributes(operation));
        }

        pub(crate) fn listing_incomplete(&self, operation: Operation) {
            self.0
                .listing_incomplete
                .add(1, &operation_attributes(operation));
        }

        pub(crate) fn governor_waited(&self, vendor: &'static str) {
            self.0
                .governor_waits
                .add(1, &[KeyValue::new("customer_sdk.vendor", vendor)]);
        }

        pub(crate) fn governor_avoided_throttle(&self, vendor: &'static str) {
            self.0
                .governor_throttles_avoided
                .add(1, &[KeyValue::new("customer_sdk.vendor", vendor)]);
        }

        pub(crate) fn governor_changed(
            &self,
            vendor: &'static str,
            limit: usize,
            rate: Option<f64>,
        ) {
            let attributes = [KeyValue::new("customer_sdk.vendor", vendor)];
            self.0
                .governor_limit
                .record(u64::try_from(limit).unwrap_or(u64::MAX), &attributes);
            if let Some(rate) = rate {
                self.0.governor_rate.record(rate, &attributes);
            }
        }
    }
}
