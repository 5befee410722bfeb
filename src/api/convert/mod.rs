//! Conversions between the generated API types and domain values, all in one
//! place: parsing (`pb` → domain, recording every problem with its field
//! path) and presenting (domain → `pb`).

pub mod api_keys;
pub mod deliveries;
pub mod events;
pub mod listen;
pub mod subscriptions;

#[cfg(test)]
mod proptests;

use chrono::{DateTime, Utc};

use crate::domain::event::EventType;
use crate::domain::validation::Violations;
use crate::pb;

/// A protobuf timestamp as a UTC instant, or a violation on `field`.
pub fn instant(
    ts: &prost_types::Timestamp,
    field: &str,
    v: &mut Violations,
) -> Option<DateTime<Utc>> {
    let parsed = u32::try_from(ts.nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000)
        .and_then(|nanos| DateTime::from_timestamp(ts.seconds, nanos))
        .filter(|t| (1..=9999).contains(&chrono::Datelike::year(t)));
    if parsed.is_none() {
        v.add(field, "must be a valid timestamp between years 1 and 9999");
    }
    parsed
}

pub fn opt_instant(
    ts: Option<&prost_types::Timestamp>,
    field: &str,
    v: &mut Violations,
) -> Option<DateTime<Utc>> {
    ts.and_then(|ts| instant(ts, field, v))
}

pub fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn duration(d: std::time::Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
    }
}

pub fn event_type_to_pb(t: EventType) -> pb::EventType {
    match t {
        EventType::CallCompleted => pb::EventType::CallCompleted,
        EventType::CallTransferred => pb::EventType::CallTransferred,
        EventType::AppointmentBooked => pb::EventType::AppointmentBooked,
        EventType::LeadCreated => pb::EventType::LeadCreated,
    }
}

/// An event type from the wire; unspecified or unknown values are violations.
pub fn event_type(raw: i32, field: &str, v: &mut Violations) -> Option<EventType> {
    match pb::EventType::try_from(raw) {
        Ok(pb::EventType::CallCompleted) => Some(EventType::CallCompleted),
        Ok(pb::EventType::CallTransferred) => Some(EventType::CallTransferred),
        Ok(pb::EventType::AppointmentBooked) => Some(EventType::AppointmentBooked),
        Ok(pb::EventType::LeadCreated) => Some(EventType::LeadCreated),
        Ok(pb::EventType::Unspecified) => {
            v.add(field, "must be a specific event type");
            None
        }
        Err(_) => {
            v.add(field, format!("unknown event type {raw}"));
            None
        }
    }
}
