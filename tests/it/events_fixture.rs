//! One fully populated emit request per event type, as the customer page's
//! examples show them, so golden bodies can be compared byte for byte.

use inboundflow_webhooks::pb;
use inboundflow_webhooks::pb::emit_event_request::Payload;

fn ts(seconds: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp { seconds, nanos: 0 })
}

/// 2026-02-24T21:00:00Z.
pub const OCCURRED_AT: i64 = 1_771_966_800;

/// The four payloads, with the wire name of each.
pub fn all_payloads() -> Vec<(&'static str, Payload)> {
    vec![
        (
            "call.completed",
            Payload::CallCompleted(pb::CallCompleted {
                call_id: "7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b".into(),
                caller_phone: Some("+1234567890".into()),
                caller_name: Some("Dave".into()),
                caller_email: Some("dave@example.com".into()),
                duration_seconds: Some(55),
                summary: Some("Called about auto repair appointment. Customer wants to bring in a 2019 Honda Civic for brake inspection.".into()),
                intent: Some("book appointment".into()),
                urgency: pb::Urgency::Medium as i32,
                recording_url: Some("https://recordings.example.com/7f1c2a9e.mp3".into()),
                started_at: ts(OCCURRED_AT - 60),
                ended_at: ts(OCCURRED_AT),
            }),
        ),
        (
            "call.transferred",
            Payload::CallTransferred(pb::CallTransferred {
                call_id: "7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b".into(),
                caller_phone: Some("+1234567890".into()),
                caller_name: Some("Dave".into()),
                duration_seconds: Some(47),
                summary: Some("Caller requested to speak with manager about pricing.".into()),
                transferred_to_label: Some("Manager".into()),
                transferred_to_number: Some("+18154264329".into()),
                urgency: pb::Urgency::Medium as i32,
                reason: Some("Wants to discuss pricing for full body repair".into()),
            }),
        ),
        (
            "appointment.booked",
            Payload::AppointmentBooked(pb::AppointmentBooked {
                call_id: "7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b".into(),
                caller_phone: Some("+1234567890".into()),
                caller_name: Some("Sarah".into()),
                appointment_date: Some(pb::google::r#type::Date { year: 2026, month: 2, day: 25 }),
                appointment_time_start: ts(1_772_017_200),
                appointment_time_end: ts(1_772_020_800),
                service_type: Some("Auto Repair Appointment".into()),
                calendar_event_id: Some("google_event_id".into()),
                calendar_event_link: Some("https://calendar.google.com/calendar/event?eid=abc".into()),
            }),
        ),
        (
            "lead.created",
            Payload::LeadCreated(pb::LeadCreated {
                call_id: "7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b".into(),
                caller_phone: Some("+1234567890".into()),
                caller_name: Some("Dave".into()),
                caller_email: None,
                intent: Some("pricing inquiry".into()),
                urgency: pb::Urgency::High as i32,
                interest: Some("auto body work".into()),
                call_summary: Some("Called about getting a quote for front bumper repair on a 2019 Honda Civic.".into()),
            }),
        ),
    ]
}

pub fn emit(org: &str, payload: Payload) -> pb::EmitEventRequest {
    pb::EmitEventRequest {
        organization_id: org.into(),
        idempotency_key: String::new(),
        occurred_at: ts(OCCURRED_AT),
        payload: Some(payload),
    }
}
