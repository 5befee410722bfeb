//! The exact bytes a receiver gets. The customer page verifies signatures over
//! `JSON.stringify(JSON.parse(body))`, so the body must already be in the form
//! JavaScript prints: compact, keys in contract order, integers without `.0`,
//! non-ASCII raw, control characters escaped as `\n` or `\u001f`. serde_json's
//! compact writer escapes strings exactly as `JSON.stringify` does, and the
//! payloads hold only strings, integers and nulls, so both sides agree.

use chrono::{DateTime, Utc};

use super::event::EventType;
use super::ids::{DeliveryId, OrganizationId};
use super::time::envelope_timestamp;

/// What the envelope needs besides the stored `data` JSON.
#[derive(Clone, Debug)]
pub struct Envelope<'a> {
    pub event_type: EventType,
    pub occurred_at: DateTime<Utc>,
    pub organization_id: &'a OrganizationId,
    pub delivery_id: DeliveryId,
}

/// Renders `{"event":…,"timestamp":…,"organization_id":…,"delivery_id":…,"data":…}`.
/// `data_json` is [`super::event::EventData::to_json`]'s output, stored with the
/// event, so every attempt of a delivery sends identical bytes.
pub fn render(envelope: &Envelope<'_>, data_json: &str) -> String {
    let mut out = String::with_capacity(data_json.len() + 160);
    out.push_str("{\"event\":");
    push_json_string(&mut out, envelope.event_type.as_str());
    out.push_str(",\"timestamp\":");
    push_json_string(&mut out, &envelope_timestamp(envelope.occurred_at));
    out.push_str(",\"organization_id\":");
    push_json_string(&mut out, envelope.organization_id.as_str());
    out.push_str(",\"delivery_id\":");
    push_json_string(&mut out, &envelope.delivery_id.to_string());
    out.push_str(",\"data\":");
    out.push_str(data_json);
    out.push('}');
    out
}

fn push_json_string(out: &mut String, value: &str) {
    // Serializing a &str cannot fail.
    if let Ok(quoted) = serde_json::to_string(value) {
        out.push_str(&quoted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{CallTransferred, EventData};
    use crate::domain::validation::Violations;
    use chrono::TimeZone;

    #[test]
    fn strings_are_escaped_the_way_json_stringify_does() {
        let summary =
            "José Ñúñez 🚗 \"quoted\" back\\slash\nnew\ttab\u{1f}unit\u{7f}del\u{2028}ls</script>";
        let data = EventData::CallTransferred(CallTransferred {
            call_id: "c".into(),
            caller_phone: None,
            caller_name: None,
            duration_seconds: Some(47),
            summary: Some(summary.into()),
            transferred_to_label: None,
            transferred_to_number: None,
            urgency: None,
            reason: None,
        });
        let org = OrganizationId::parse("org_1", "organization_id", &mut Violations::new());
        let org = org.expect("valid organization id");
        let delivery_id = DeliveryId(uuid::Uuid::nil());
        let body = render(
            &Envelope {
                event_type: EventType::CallTransferred,
                occurred_at: Utc.with_ymd_and_hms(2026, 2, 24, 21, 0, 0).unwrap(),
                organization_id: &org,
                delivery_id,
            },
            &data.to_json(),
        );
        assert_eq!(
            body,
            "{\"event\":\"call.transferred\",\"timestamp\":\"2026-02-24T21:00:00.000Z\",\
             \"organization_id\":\"org_1\",\"delivery_id\":\"00000000-0000-0000-0000-000000000000\",\
             \"data\":{\"call_id\":\"c\",\"caller_phone\":null,\"caller_name\":null,\"duration_seconds\":47,\
             \"summary\":\"José Ñúñez 🚗 \\\"quoted\\\" back\\\\slash\\nnew\\ttab\\u001funit\u{7f}del\u{2028}ls</script>\",\
             \"transferred_to_label\":null,\"transferred_to_number\":null,\"urgency\":null,\"reason\":null}}"
        );
    }
}

#[cfg(test)]
#[path = "body_proptests.rs"]
mod proptests;
