//! OpenTelemetry traces, exported over OTLP (HTTP, protobuf) when
//! `--otlp-endpoint` is set. The service's `tracing` spans become
//! OpenTelemetry spans; an emit RPC continues the caller's trace (W3C
//! `traceparent` in its metadata), and each delivery attempt of that event
//! continues the emit's trace ([`TraceLinks`]), so one trace runs from the
//! caller through the HTTP attempt.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::domain::ids::EventId;

/// The tracer provider; dropping it exports what is left.
pub struct Traces(SdkTracerProvider);

impl Drop for Traces {
    fn drop(&mut self) {
        if let Err(e) = self.0.shutdown() {
            eprintln!("exporting the last traces failed: {e}");
        }
    }
}

/// Builds the exporter to `endpoint` (e.g. `http://collector:4318`; spans
/// go to its `/v1/traces`) and the layer that feeds it.
pub fn pipeline<S>(
    endpoint: &str,
) -> Result<(Traces, impl tracing_subscriber::Layer<S>), opentelemetry_otlp::ExporterBuildError>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    use opentelemetry_otlp::WithExportConfig;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .build()?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name("inboundflow-webhooks")
                .build(),
        )
        .build();
    let tracer = provider.tracer("inboundflow-webhooks");
    Ok((
        Traces(provider),
        tracing_opentelemetry::layer().with_tracer(tracer),
    ))
}

struct Metadata<'a>(&'a tonic::metadata::MetadataMap);

impl Extractor for Metadata<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0
            .keys()
            .filter_map(|k| match k {
                tonic::metadata::KeyRef::Ascii(k) => Some(k.as_str()),
                tonic::metadata::KeyRef::Binary(_) => None,
            })
            .collect()
    }
}

/// Makes `span` (an RPC's, not yet entered) continue the caller's trace,
/// when its metadata carries a `traceparent`.
pub fn continue_callers_trace(span: &tracing::Span, metadata: &tonic::metadata::MetadataMap) {
    let parent = TraceContextPropagator::new().extract(&Metadata(metadata));
    if parent.span().span_context().is_valid() {
        // Without the OpenTelemetry layer (no endpoint) there is nothing to join.
        let _ = span.set_parent(parent);
    }
}

/// How long an event's trace is kept for its attempts: retries later than
/// this start traces of their own (they still carry the event's id).
const KEEP: Duration = Duration::from_secs(600);
/// Most events remembered at once; past it the oldest are dropped.
const MAX_EVENTS: usize = 100_000;

/// Each recent event's trace, so its attempts continue it. Empty when
/// traces are not exported (the emit's span has no valid context).
#[derive(Default)]
pub struct TraceLinks {
    links: Mutex<HashMap<EventId, (Context, Instant)>>,
    /// Set once a trace was remembered: until then attempts skip the lock.
    used: AtomicBool,
}

impl TraceLinks {
    /// Notes the current span's trace (the emit's) for these events.
    pub fn remember(&self, events: impl IntoIterator<Item = EventId>) {
        let cx = tracing::Span::current().context();
        if !cx.span().span_context().is_valid() {
            return;
        }
        self.used.store(true, Ordering::Relaxed);
        let now = Instant::now();
        let mut links = self.links.lock().unwrap_or_else(PoisonError::into_inner);
        if links.len() >= MAX_EVENTS {
            links.retain(|_, (_, at)| now.duration_since(*at) < KEEP);
            if links.len() >= MAX_EVENTS {
                links.clear();
            }
        }
        for event in events {
            links.insert(event, (cx.clone(), now));
        }
    }

    /// Makes `span` continue the trace of `event`'s emit, if it is known.
    pub fn continue_in(&self, event: EventId, span: &tracing::Span) {
        if !self.used.load(Ordering::Relaxed) {
            return;
        }
        let links = self.links.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((cx, at)) = links.get(&event)
            && at.elapsed() < KEEP
        {
            let _ = span.set_parent(cx.clone());
        }
    }
}
