//! Prometheus metrics, on their own listener (`--metrics-listen`, off by
//! default; [`serve`]). One set per process, registered once: the service
//! runs one server per process. Labels are closed sets (event types,
//! outcomes, error kinds, store operations): never a URL, an organization or
//! anything a caller controls. Names and labels are listed in README.

mod serve;

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::domain::delivery::{AttemptReport, NextStep};

pub use serve::{serve, stats_loop};

/// Label sets of one and two labels: fixed arrays, so counting an attempt
/// allocates nothing.
type Label = (&'static str, &'static str);
type Labels1 = [Label; 1];
type Labels2 = [Label; 2];

pub struct Metrics {
    registry: Registry,
    pub emits: Family<Labels2, Counter>,
    pub attempts: Family<Labels2, Counter>,
    pub attempt_seconds: Family<Labels1, Histogram>,
    pub deliveries_finished: Family<Labels1, Counter>,
    pub retries_scheduled: Counter,
    pub automatic_disables: Family<Labels1, Counter>,
    pub deliveries_waiting: Gauge,
    pub oldest_due_seconds: Gauge<f64, std::sync::atomic::AtomicU64>,
    pub subscriptions_disabled: Gauge,
    pub emit_queue_depth: Gauge,
    pub emit_group_events: Histogram,
    pub store_seconds: Family<Labels1, Histogram>,
}

fn seconds_buckets() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("inboundflow");
        let emits = Family::<Labels2, Counter>::default();
        registry.register(
            "emits",
            "Events emitted, by event_type and outcome (accepted, duplicate, refused)",
            emits.clone(),
        );
        let attempts = Family::<Labels2, Counter>::default();
        registry.register(
            "attempts",
            "Delivery attempts, by result (succeeded, failed) and error_kind",
            attempts.clone(),
        );
        let attempt_seconds = Family::<Labels1, Histogram>::new_with_constructor(
            seconds_buckets as fn() -> Histogram,
        );
        registry.register(
            "attempt_duration_seconds",
            "How long attempts took, by result",
            attempt_seconds.clone(),
        );
        let deliveries_finished = Family::<Labels1, Counter>::default();
        registry.register(
            "deliveries_finished",
            "Deliveries that reached an end, by status (succeeded, failed: retries spent)",
            deliveries_finished.clone(),
        );
        let retries_scheduled = Counter::default();
        registry.register(
            "retries_scheduled",
            "Failed attempts followed by a scheduled retry",
            retries_scheduled.clone(),
        );
        let automatic_disables = Family::<Labels1, Counter>::default();
        registry.register(
            "subscriptions_automatically_disabled",
            "Subscriptions the service disabled, by reason (too_many_failures, endpoint_gone)",
            automatic_disables.clone(),
        );
        let deliveries_waiting = Gauge::default();
        registry.register(
            "deliveries_waiting",
            "Deliveries pending (due or scheduled), as last counted",
            deliveries_waiting.clone(),
        );
        let oldest_due_seconds = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "oldest_due_delivery_age_seconds",
            "How long the oldest due delivery of an enabled subscription has been due",
            oldest_due_seconds.clone(),
        );
        let subscriptions_disabled = Gauge::default();
        registry.register(
            "subscriptions_disabled",
            "Subscriptions disabled now, for any reason",
            subscriptions_disabled.clone(),
        );
        let emit_queue_depth = Gauge::default();
        registry.register(
            "emit_queue_depth",
            "Emit requests waiting for the group commit",
            emit_queue_depth.clone(),
        );
        let emit_group_events = Histogram::new(exponential_buckets(1.0, 2.0, 13));
        registry.register(
            "emit_group_events",
            "Events per group commit",
            emit_group_events.clone(),
        );
        let store_seconds = Family::<Labels1, Histogram>::new_with_constructor(
            seconds_buckets as fn() -> Histogram,
        );
        registry.register(
            "store_operation_duration_seconds",
            "How long store operations (each one transaction or query) took, by operation",
            store_seconds.clone(),
        );
        Self {
            registry,
            emits,
            attempts,
            attempt_seconds,
            deliveries_finished,
            retries_scheduled,
            automatic_disables,
            deliveries_waiting,
            oldest_due_seconds,
            subscriptions_disabled,
            emit_queue_depth,
            emit_group_events,
            store_seconds,
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// One attempt, recorded: its result and kind, its duration, and what
    /// became of its delivery.
    pub fn attempt(&self, report: &AttemptReport, next: &NextStep) {
        let result = if report.succeeded() {
            "succeeded"
        } else {
            "failed"
        };
        let kind = report.error_kind.map_or("none", |kind| kind.as_str());
        self.attempts
            .get_or_create(&[("result", result), ("error_kind", kind)])
            .inc();
        self.attempt_seconds
            .get_or_create(&[("result", result)])
            .observe(report.duration.as_secs_f64());
        match next {
            NextStep::RetryAt(_) => {
                self.retries_scheduled.inc();
            }
            NextStep::Succeeded => {
                self.deliveries_finished
                    .get_or_create(&[("status", "succeeded")])
                    .inc();
            }
            NextStep::Failed => {
                self.deliveries_finished
                    .get_or_create(&[("status", "failed")])
                    .inc();
            }
        }
    }

    /// The service disabled a subscription on its own.
    pub fn automatically_disabled(&self, reason: &'static str) {
        self.automatic_disables
            .get_or_create(&[("reason", reason)])
            .inc();
    }

    pub fn store_operation(&self, operation: &'static str, took: Duration) {
        self.store_seconds
            .get_or_create(&[("operation", operation)])
            .observe(took.as_secs_f64());
    }
}

/// The process's metrics.
pub fn get() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}
