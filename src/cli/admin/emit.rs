//! `emit-sample`: emits the realistic sample event "Test webhook" sends, as
//! a real event of the organization, through `EmitEvent`: every enabled
//! subscription of its type gets a delivery, as with an event from a call.

use clap::Args;

use inboundflow_webhooks::domain::event::EventType;
use inboundflow_webhooks::pb;

use super::connection::Connection;
use super::status::Answer;
use super::table::{self, time};
use super::{event_type, json};

#[derive(Args)]
pub struct EmitSampleCommand {
    #[command(flatten)]
    pub connection: Connection,

    /// Kind of event.
    #[arg(long, value_parser = event_type, default_value = "call.completed")]
    pub event_type: EventType,

    /// Emitting again with the same key returns the first event instead of
    /// making a second one.
    #[arg(long, default_value = "")]
    pub idempotency_key: String,
}

pub async fn run(command: EmitSampleCommand) -> anyhow::Result<()> {
    let connection = &command.connection;
    let mut api = connection.connect().await?;
    let answer = api
        .events
        .emit_event(pb::EmitEventRequest {
            organization_id: connection.organization(),
            idempotency_key: command.idempotency_key,
            occurred_at: None,
            payload: Some(inboundflow_webhooks::api::sample_payload(
                command.event_type,
            )),
        })
        .await
        .answer()?;
    if connection.json {
        return json::print(&answer);
    }
    let event = answer.event.as_ref();
    let mut fields = vec![
        ("event", event.map(|e| e.id.clone()).unwrap_or_default()),
        ("type", command.event_type.as_str().to_owned()),
        ("occurred", time(event.and_then(|e| e.occurred_at.as_ref()))),
        (
            "duplicate",
            if answer.duplicate { "yes" } else { "no" }.into(),
        ),
        ("deliveries", answer.delivery_count.to_string()),
    ];
    for id in &answer.delivery_ids {
        fields.push(("delivery", id.clone()));
    }
    table::print(&table::record(fields))
}
