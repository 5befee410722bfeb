//! Traces exported over OTLP, received by a collector in the test: one
//! trace runs from the caller's `traceparent`, through the emit RPC, to the
//! delivery and its HTTP attempt, carrying their ids.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use inboundflow_webhooks::pb;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

use super::helpers::*;
use super::receiver::TestReceiver;

const ORG: &str = "org_traces";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// An OTLP/HTTP collector: every span it was sent.
async fn collector() -> (String, Arc<Mutex<Vec<Span>>>) {
    let spans: Arc<Mutex<Vec<Span>>> = Arc::default();
    let kept = Arc::clone(&spans);
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: Bytes| {
            let kept = Arc::clone(&kept);
            async move {
                let request =
                    ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf export");
                let mut kept = kept.lock().expect("lock");
                for resource in request.resource_spans {
                    for scope in resource.scope_spans {
                        kept.extend(scope.spans);
                    }
                }
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}"), spans)
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| a.value.as_ref())
        .and_then(|v| match &v.value {
            Some(Value::StringValue(s)) => Some(s.clone()),
            _ => None,
        })
}

#[tokio::test]
async fn one_trace_runs_from_the_caller_through_the_emit_to_the_http_attempt() {
    let (endpoint, spans) = collector().await;
    let database = TestDatabase::new().await;
    let (_child, mut app) = start_binary_logging(
        database.url(),
        &["--otlp-endpoint", &endpoint],
        std::process::Stdio::null(),
        &[("OTEL_BSP_SCHEDULE_DELAY", "100")],
    )
    .await;
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let mut request = tonic::Request::new(call_completed(ORG, "traced"));
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{TRACE_ID}-{CALLER_SPAN}-01")
            .parse()
            .expect("metadata value"),
    );
    let emitted = app
        .events
        .emit_event(request)
        .await
        .expect("emit")
        .into_inner();
    let event_id = emitted.event.expect("event").id;
    let delivery_id = emitted.delivery_ids[0].clone();
    app.delivery_reaches(ORG, &delivery_id, pb::DeliveryStatus::Succeeded)
        .await;

    let ours = eventually(Duration::from_secs(15), || {
        let spans = Arc::clone(&spans);
        async move {
            let spans = spans.lock().expect("lock");
            let ours: Vec<Span> = spans
                .iter()
                .filter(|s| hex::encode(&s.trace_id) == TRACE_ID)
                .cloned()
                .collect();
            let names: Vec<&str> = ours.iter().map(|s| s.name.as_str()).collect();
            ["EmitEvent", "delivery", "attempt"]
                .iter()
                .all(|n| names.contains(n))
                .then_some(ours)
        }
    })
    .await;
    let by_name: HashMap<&str, &Span> = ours.iter().map(|s| (s.name.as_str(), s)).collect();
    let emit = by_name["EmitEvent"];
    let delivery = by_name["delivery"];
    let attempt = by_name["attempt"];
    assert_eq!(
        hex::encode(&emit.parent_span_id),
        CALLER_SPAN,
        "the caller's span is the emit's parent"
    );
    assert_eq!(
        delivery.parent_span_id, emit.span_id,
        "the delivery continues the emit"
    );
    assert_eq!(
        attempt.parent_span_id, delivery.span_id,
        "the HTTP attempt is the delivery's"
    );
    assert_eq!(
        attribute(delivery, "delivery_id").as_deref(),
        Some(delivery_id.as_str())
    );
    assert_eq!(
        attribute(delivery, "event_id").as_deref(),
        Some(event_id.as_str())
    );
    assert_eq!(
        attribute(delivery, "subscription_id").as_deref(),
        Some(sub.id.as_str())
    );
}
