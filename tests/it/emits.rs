//! The events tests emit: one with every field set, and batches from many
//! callers at once.

use inboundflow_webhooks::pb;

use crate::helpers::TestApp;

/// A `call.completed` emit with every field set.
pub fn call_completed(org: &str, summary: &str) -> pb::EmitEventRequest {
    pb::EmitEventRequest {
        organization_id: org.into(),
        idempotency_key: String::new(),
        occurred_at: None,
        payload: Some(pb::emit_event_request::Payload::CallCompleted(
            pb::CallCompleted {
                call_id: "call-1".into(),
                caller_phone: Some("+1234567890".into()),
                caller_name: Some("Dave".into()),
                caller_email: Some("dave@example.com".into()),
                duration_seconds: Some(55),
                summary: Some(summary.into()),
                intent: Some("book appointment".into()),
                urgency: pb::Urgency::Medium as i32,
                recording_url: Some("https://example.com/r.mp3".into()),
                started_at: Some(prost_types::Timestamp {
                    seconds: 1_771_966_740,
                    nanos: 0,
                }),
                ended_at: Some(prost_types::Timestamp {
                    seconds: 1_771_966_800,
                    nanos: 0,
                }),
            },
        )),
    }
}

/// Emits `callers × rounds` batches of `per_batch` events at once, each
/// event's summary padded with `padding` bytes; panics unless every batch is
/// stored.
pub async fn emit_batches_concurrently(
    app: &TestApp,
    org: &str,
    callers: usize,
    rounds: usize,
    per_batch: usize,
    padding: usize,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for caller in 0..callers {
        let mut events = app.events.clone();
        let org = org.to_owned();
        tasks.spawn(async move {
            for round in 0..rounds {
                let requests = (0..per_batch)
                    .map(|i| {
                        call_completed(
                            &org,
                            &format!("{caller} {round} {i} {}", "x".repeat(padding)),
                        )
                    })
                    .collect();
                events
                    .batch_emit_events(pb::BatchEmitEventsRequest { requests })
                    .await
                    .map_err(|status| format!("caller {caller}, round {round}: {status:?}"))?;
            }
            Ok::<(), String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("caller task").expect("every batch is stored");
    }
}
