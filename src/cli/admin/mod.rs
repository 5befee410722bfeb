//! Admin commands: the calls an operator makes every day (`subscriptions`,
//! `deliveries`, `emit-sample`), made over gRPC to a running service like any
//! other client, with the same API keys and the same answers. Each prints a
//! readable table, or with `--json` the answer in protobuf's JSON mapping.
//! grpcurl does all of this too; these only save typing.
//!
//! Every command has one shape: connect ([`connection`]), make the call,
//! print it ([`table`] or [`json`]); a refused call is reported by
//! [`status`] and ends the process with a non-zero code.

pub mod connection;
pub mod deliveries;
pub mod emit;
pub mod json;
pub mod pages;
pub mod status;
pub mod subscriptions;
pub mod table;
pub mod when;

use inboundflow_webhooks::domain::event::EventType;

/// `--event-type call.completed`: the names receivers see.
pub fn event_type(name: &str) -> Result<EventType, String> {
    EventType::from_wire(name).ok_or_else(|| {
        let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        format!("must be one of {}", names.join(", "))
    })
}

/// An event type as the API's enum value.
pub fn event_type_to_pb(event_type: EventType) -> i32 {
    inboundflow_webhooks::api::event_type_to_pb(event_type) as i32
}
