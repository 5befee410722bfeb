//! Events: `EmitEventRequest` → [`NewEvent`], stored events → `pb::Event`.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::{event_type_to_pb, instant, opt_instant, timestamp};
use crate::domain::event::{
    AppointmentBooked, CallCompleted, CallTransferred, EventData, LeadCreated, Urgency,
};
use crate::domain::ids::OrganizationId;
use crate::domain::validation::Violations;
use crate::pb;
use crate::pb::emit_event_request::Payload as In;
use crate::pb::event::Payload as Out;
use crate::store::{NewEvent, StoredEvent};

/// Longest accepted idempotency key, in bytes.
const MAX_IDEMPOTENCY_KEY_BYTES: usize = 255;
/// Largest `data` object, as JSON. Receivers built on Express parse bodies up
/// to 100 kB by default; this keeps every delivery well below that.
const MAX_DATA_BYTES: usize = 64 * 1024;

/// Parses one emit request for `org` (already resolved from the request and
/// its caller; `None` when that failed and was recorded); `prefix` is its
/// path in a batch (`requests[3].`) or empty.
pub fn parse_emit(
    req: pb::EmitEventRequest,
    org: Option<OrganizationId>,
    prefix: &str,
    now: DateTime<Utc>,
    v: &mut Violations,
) -> Option<NewEvent> {
    let f = |name: &str| format!("{prefix}{name}");
    let key = req.idempotency_key;
    if key.len() > MAX_IDEMPOTENCY_KEY_BYTES || key.chars().any(char::is_control) {
        v.add(
            f("idempotency_key"),
            format!("must be at most {MAX_IDEMPOTENCY_KEY_BYTES} bytes without control characters"),
        );
    }
    let occurred_at = opt_instant(req.occurred_at.as_ref(), &f("occurred_at"), v);
    let data = match req.payload {
        None => {
            v.add(
                f("payload"),
                "one of call_completed, call_transferred, appointment_booked, lead_created is required",
            );
            None
        }
        Some(payload) => Some(parse_payload(payload, prefix, v)),
    };
    if let Some(data) = &data {
        let name = match data {
            EventData::CallCompleted(_) => "call_completed",
            EventData::CallTransferred(_) => "call_transferred",
            EventData::AppointmentBooked(_) => "appointment_booked",
            EventData::LeadCreated(_) => "lead_created",
        };
        data.validate(&f(name), v);
    }
    let event = NewEvent::new(
        org?,
        &data?,
        occurred_at.unwrap_or(now),
        (!key.is_empty()).then_some(key),
        now,
    );
    if event.data_json.len() > MAX_DATA_BYTES {
        v.add(
            f("payload"),
            format!("the event's data must be at most {MAX_DATA_BYTES} bytes as JSON"),
        );
    }
    Some(event)
}

/// Optional text: an empty string counts as not supplied (`null`).
fn text(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.is_empty())
}

fn urgency(raw: i32, field: &str, v: &mut Violations) -> Option<Urgency> {
    match pb::Urgency::try_from(raw) {
        Ok(pb::Urgency::Unspecified) => None,
        Ok(pb::Urgency::Low) => Some(Urgency::Low),
        Ok(pb::Urgency::Medium) => Some(Urgency::Medium),
        Ok(pb::Urgency::High) => Some(Urgency::High),
        Err(_) => {
            v.add(field, format!("unknown urgency {raw}"));
            None
        }
    }
}

fn date(d: Option<pb::google::r#type::Date>, field: &str, v: &mut Violations) -> Option<NaiveDate> {
    let d = d?;
    let parsed = match (u32::try_from(d.month), u32::try_from(d.day)) {
        (Ok(m), Ok(day)) if (1..=9999).contains(&d.year) => NaiveDate::from_ymd_opt(d.year, m, day),
        _ => None,
    };
    if parsed.is_none() {
        v.add(field, "must be a full calendar date (year, month and day)");
    }
    parsed
}

fn parse_payload(payload: In, prefix: &str, v: &mut Violations) -> EventData {
    match payload {
        In::CallCompleted(p) => {
            let f = |n: &str| format!("{prefix}call_completed.{n}");
            EventData::CallCompleted(CallCompleted {
                call_id: p.call_id,
                caller_phone: text(p.caller_phone),
                caller_name: text(p.caller_name),
                caller_email: text(p.caller_email),
                duration_seconds: p.duration_seconds,
                summary: text(p.summary),
                intent: text(p.intent),
                urgency: urgency(p.urgency, &f("urgency"), v),
                recording_url: text(p.recording_url),
                started_at: p.started_at.and_then(|t| instant(&t, &f("started_at"), v)),
                ended_at: p.ended_at.and_then(|t| instant(&t, &f("ended_at"), v)),
            })
        }
        In::CallTransferred(p) => {
            let f = |n: &str| format!("{prefix}call_transferred.{n}");
            EventData::CallTransferred(CallTransferred {
                call_id: p.call_id,
                caller_phone: text(p.caller_phone),
                caller_name: text(p.caller_name),
                duration_seconds: p.duration_seconds,
                summary: text(p.summary),
                transferred_to_label: text(p.transferred_to_label),
                transferred_to_number: text(p.transferred_to_number),
                urgency: urgency(p.urgency, &f("urgency"), v),
                reason: text(p.reason),
            })
        }
        In::AppointmentBooked(p) => {
            let f = |n: &str| format!("{prefix}appointment_booked.{n}");
            EventData::AppointmentBooked(AppointmentBooked {
                call_id: p.call_id,
                caller_phone: text(p.caller_phone),
                caller_name: text(p.caller_name),
                appointment_date: date(p.appointment_date, &f("appointment_date"), v),
                appointment_time_start: p
                    .appointment_time_start
                    .and_then(|t| instant(&t, &f("appointment_time_start"), v)),
                appointment_time_end: p
                    .appointment_time_end
                    .and_then(|t| instant(&t, &f("appointment_time_end"), v)),
                service_type: text(p.service_type),
                calendar_event_id: text(p.calendar_event_id),
                calendar_event_link: text(p.calendar_event_link),
            })
        }
        In::LeadCreated(p) => {
            let f = |n: &str| format!("{prefix}lead_created.{n}");
            EventData::LeadCreated(LeadCreated {
                call_id: p.call_id,
                caller_phone: text(p.caller_phone),
                caller_name: text(p.caller_name),
                caller_email: text(p.caller_email),
                intent: text(p.intent),
                urgency: urgency(p.urgency, &f("urgency"), v),
                interest: text(p.interest),
                call_summary: text(p.call_summary),
            })
        }
    }
}

fn urgency_to_pb(u: Option<Urgency>) -> i32 {
    (match u {
        None => pb::Urgency::Unspecified,
        Some(Urgency::Low) => pb::Urgency::Low,
        Some(Urgency::Medium) => pb::Urgency::Medium,
        Some(Urgency::High) => pb::Urgency::High,
    }) as i32
}

fn date_to_pb(d: NaiveDate) -> pb::google::r#type::Date {
    pb::google::r#type::Date {
        year: d.year(),
        month: i32::try_from(d.month()).unwrap_or(0),
        day: i32::try_from(d.day()).unwrap_or(0),
    }
}

fn payload_to_pb(data: EventData) -> Out {
    match data {
        EventData::CallCompleted(d) => Out::CallCompleted(pb::CallCompleted {
            call_id: d.call_id,
            caller_phone: d.caller_phone,
            caller_name: d.caller_name,
            caller_email: d.caller_email,
            duration_seconds: d.duration_seconds,
            summary: d.summary,
            intent: d.intent,
            urgency: urgency_to_pb(d.urgency),
            recording_url: d.recording_url,
            started_at: d.started_at.map(timestamp),
            ended_at: d.ended_at.map(timestamp),
        }),
        EventData::CallTransferred(d) => Out::CallTransferred(pb::CallTransferred {
            call_id: d.call_id,
            caller_phone: d.caller_phone,
            caller_name: d.caller_name,
            duration_seconds: d.duration_seconds,
            summary: d.summary,
            transferred_to_label: d.transferred_to_label,
            transferred_to_number: d.transferred_to_number,
            urgency: urgency_to_pb(d.urgency),
            reason: d.reason,
        }),
        EventData::AppointmentBooked(d) => Out::AppointmentBooked(pb::AppointmentBooked {
            call_id: d.call_id,
            caller_phone: d.caller_phone,
            caller_name: d.caller_name,
            appointment_date: d.appointment_date.map(date_to_pb),
            appointment_time_start: d.appointment_time_start.map(timestamp),
            appointment_time_end: d.appointment_time_end.map(timestamp),
            service_type: d.service_type,
            calendar_event_id: d.calendar_event_id,
            calendar_event_link: d.calendar_event_link,
        }),
        EventData::LeadCreated(d) => Out::LeadCreated(pb::LeadCreated {
            call_id: d.call_id,
            caller_phone: d.caller_phone,
            caller_name: d.caller_name,
            caller_email: d.caller_email,
            intent: d.intent,
            urgency: urgency_to_pb(d.urgency),
            interest: d.interest,
            call_summary: d.call_summary,
        }),
    }
}

/// A stored event for clients. Its data was validated before it was stored;
/// if it no longer reads back, the error is reported rather than hidden.
pub fn event_to_pb(event: StoredEvent) -> Result<pb::Event, crate::store::StoreError> {
    let data = EventData::from_json(event.event_type, &event.data_json)
        .map_err(|e| crate::store::StoreError::Corrupt(format!("event {} data: {e}", event.id)))?;
    Ok(pb::Event {
        id: event.id.to_string(),
        organization_id: event.organization_id.to_string(),
        r#type: event_type_to_pb(event.event_type) as i32,
        occurred_at: Some(timestamp(event.occurred_at)),
        create_time: Some(timestamp(event.created_at)),
        idempotency_key: event.idempotency_key.unwrap_or_default(),
        payload: Some(payload_to_pb(data)),
    })
}

/// The "Test webhook" sample of `event_type` as an emit payload, for callers
/// that emit it as a real event (`emit-sample`).
pub fn sample_payload(event_type: crate::domain::event::EventType) -> In {
    match payload_to_pb(crate::domain::sample::sample(event_type)) {
        Out::CallCompleted(p) => In::CallCompleted(p),
        Out::CallTransferred(p) => In::CallTransferred(p),
        Out::AppointmentBooked(p) => In::AppointmentBooked(p),
        Out::LeadCreated(p) => In::LeadCreated(p),
    }
}
