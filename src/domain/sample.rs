//! Realistic sample events for the "Test webhook" button, mirroring the
//! examples on the customer page so a receiver's field mapping can be built
//! from a test delivery.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::event::{
    AppointmentBooked, CallCompleted, CallTransferred, EventData, EventType, LeadCreated, Urgency,
};

fn at(h: u32, m: u32) -> Option<DateTime<Utc>> {
    Utc.with_ymd_and_hms(2026, 2, 24, h, m, 0).single()
}

/// The sample payload of one event type.
pub fn sample(event_type: EventType) -> EventData {
    let call_id = "00000000-0000-4000-8000-000000000001".to_owned();
    let phone = Some("+1234567890".to_owned());
    match event_type {
        EventType::CallCompleted => EventData::CallCompleted(CallCompleted {
            call_id,
            caller_phone: phone,
            caller_name: Some("Dave".into()),
            caller_email: Some("dave@example.com".into()),
            duration_seconds: Some(55),
            summary: Some("Called about auto repair appointment. Customer wants to bring in a 2019 Honda Civic for brake inspection.".into()),
            intent: Some("book appointment".into()),
            urgency: Some(Urgency::Medium),
            recording_url: Some("https://example.com/recordings/sample.mp3".into()),
            started_at: at(20, 59),
            ended_at: at(21, 0),
        }),
        EventType::CallTransferred => EventData::CallTransferred(CallTransferred {
            call_id,
            caller_phone: phone,
            caller_name: Some("Dave".into()),
            duration_seconds: Some(47),
            summary: Some("Caller requested to speak with manager about pricing.".into()),
            transferred_to_label: Some("Manager".into()),
            transferred_to_number: Some("+18154264329".into()),
            urgency: Some(Urgency::Medium),
            reason: Some("Wants to discuss pricing for full body repair".into()),
        }),
        EventType::AppointmentBooked => EventData::AppointmentBooked(AppointmentBooked {
            call_id,
            caller_phone: phone,
            caller_name: Some("Sarah".into()),
            appointment_date: NaiveDate::from_ymd_opt(2026, 2, 25),
            appointment_time_start: Utc.with_ymd_and_hms(2026, 2, 25, 11, 0, 0).single(),
            appointment_time_end: Utc.with_ymd_and_hms(2026, 2, 25, 12, 0, 0).single(),
            service_type: Some("Auto Repair Appointment".into()),
            calendar_event_id: Some("sample_event_id".into()),
            calendar_event_link: Some("https://calendar.google.com/calendar/event?eid=sample".into()),
        }),
        EventType::LeadCreated => EventData::LeadCreated(LeadCreated {
            call_id,
            caller_phone: phone,
            caller_name: Some("Dave".into()),
            caller_email: Some("dave@example.com".into()),
            intent: Some("pricing inquiry".into()),
            urgency: Some(Urgency::High),
            interest: Some("auto body work".into()),
            call_summary: Some("Called about getting a quote for front bumper repair on a 2019 Honda Civic.".into()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validation::Violations;

    #[test]
    fn every_sample_is_valid() {
        for t in EventType::ALL {
            let mut v = Violations::new();
            let data = sample(t);
            data.validate("sample", &mut v);
            assert!(v.is_empty(), "{t}: {v}");
            assert_eq!(data.event_type(), t);
        }
    }
}
