//! The four event types and their payloads, in the exact key order of the
//! receiver contract. Serializing a payload with serde_json gives the `data`
//! object customers receive: every key present, unset values as `null`.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::validation::Violations;

/// A kind of event, with its wire name (`call.completed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    CallCompleted,
    CallTransferred,
    AppointmentBooked,
    LeadCreated,
}

impl EventType {
    pub const ALL: [EventType; 4] = [
        EventType::CallCompleted,
        EventType::CallTransferred,
        EventType::AppointmentBooked,
        EventType::LeadCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CallCompleted => "call.completed",
            EventType::CallTransferred => "call.transferred",
            EventType::AppointmentBooked => "appointment.booked",
            EventType::LeadCreated => "lead.created",
        }
    }

    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// One bit per type, so a subscription's selection is one integer the
    /// store can match with `mask & bit != 0` in any SQL dialect.
    pub fn bit(self) -> i64 {
        match self {
            EventType::CallCompleted => 1,
            EventType::CallTransferred => 2,
            EventType::AppointmentBooked => 4,
            EventType::LeadCreated => 8,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent the caller's need is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    Low,
    Medium,
    High,
}

/// Instants inside `data` as the contract writes them.
mod data_time {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&crate::domain::time::data_timestamp(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<DateTime<Utc>>::deserialize(d)
    }
}

/// `call.completed` data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallCompleted {
    pub call_id: String,
    pub caller_phone: Option<String>,
    pub caller_name: Option<String>,
    pub caller_email: Option<String>,
    pub duration_seconds: Option<u32>,
    pub summary: Option<String>,
    pub intent: Option<String>,
    pub urgency: Option<Urgency>,
    pub recording_url: Option<String>,
    #[serde(with = "data_time")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(with = "data_time")]
    pub ended_at: Option<DateTime<Utc>>,
}

/// `call.transferred` data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallTransferred {
    pub call_id: String,
    pub caller_phone: Option<String>,
    pub caller_name: Option<String>,
    pub duration_seconds: Option<u32>,
    pub summary: Option<String>,
    pub transferred_to_label: Option<String>,
    pub transferred_to_number: Option<String>,
    pub urgency: Option<Urgency>,
    pub reason: Option<String>,
}

/// `appointment.booked` data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppointmentBooked {
    pub call_id: String,
    pub caller_phone: Option<String>,
    pub caller_name: Option<String>,
    pub appointment_date: Option<NaiveDate>,
    #[serde(with = "data_time")]
    pub appointment_time_start: Option<DateTime<Utc>>,
    #[serde(with = "data_time")]
    pub appointment_time_end: Option<DateTime<Utc>>,
    pub service_type: Option<String>,
    pub calendar_event_id: Option<String>,
    pub calendar_event_link: Option<String>,
}

/// `lead.created` data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeadCreated {
    pub call_id: String,
    pub caller_phone: Option<String>,
    pub caller_name: Option<String>,
    pub caller_email: Option<String>,
    pub intent: Option<String>,
    pub urgency: Option<Urgency>,
    pub interest: Option<String>,
    pub call_summary: Option<String>,
}

/// An event's data: exactly one of the four payloads.
#[derive(Clone, Debug, PartialEq)]
pub enum EventData {
    CallCompleted(CallCompleted),
    CallTransferred(CallTransferred),
    AppointmentBooked(AppointmentBooked),
    LeadCreated(LeadCreated),
}

/// Longest accepted text field, in bytes. Summaries are the long ones.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;
/// Longest accepted identifier-like field (call id, calendar event id), in bytes.
pub const MAX_ID_BYTES: usize = 256;

impl EventData {
    pub fn event_type(&self) -> EventType {
        match self {
            EventData::CallCompleted(_) => EventType::CallCompleted,
            EventData::CallTransferred(_) => EventType::CallTransferred,
            EventData::AppointmentBooked(_) => EventType::AppointmentBooked,
            EventData::LeadCreated(_) => EventType::LeadCreated,
        }
    }

    /// The `data` object as the contract's compact JSON.
    pub fn to_json(&self) -> String {
        let result = match self {
            EventData::CallCompleted(d) => serde_json::to_string(d),
            EventData::CallTransferred(d) => serde_json::to_string(d),
            EventData::AppointmentBooked(d) => serde_json::to_string(d),
            EventData::LeadCreated(d) => serde_json::to_string(d),
        };
        // Plain structs of strings, numbers and dates: serializing cannot fail.
        result.unwrap_or_else(|_| "null".to_owned())
    }

    /// Reads back data stored by [`EventData::to_json`].
    pub fn from_json(event_type: EventType, json: &str) -> Result<Self, serde_json::Error> {
        Ok(match event_type {
            EventType::CallCompleted => EventData::CallCompleted(serde_json::from_str(json)?),
            EventType::CallTransferred => EventData::CallTransferred(serde_json::from_str(json)?),
            EventType::AppointmentBooked => {
                EventData::AppointmentBooked(serde_json::from_str(json)?)
            }
            EventType::LeadCreated => EventData::LeadCreated(serde_json::from_str(json)?),
        })
    }

    /// Checks every field; `prefix` is the payload's path in the request
    /// (`call_completed`, `requests[3].lead_created`).
    pub fn validate(&self, prefix: &str, v: &mut Violations) {
        let f = |name: &str| format!("{prefix}.{name}");
        match self {
            EventData::CallCompleted(d) => {
                check_call_id(&d.call_id, &f("call_id"), v);
                check_phone(&d.caller_phone, &f("caller_phone"), v);
                check_text(&d.caller_name, &f("caller_name"), v);
                check_email(&d.caller_email, &f("caller_email"), v);
                check_text(&d.summary, &f("summary"), v);
                check_text(&d.intent, &f("intent"), v);
                check_link(&d.recording_url, &f("recording_url"), v);
                check_order(d.started_at, d.ended_at, &f("ended_at"), "started_at", v);
            }
            EventData::CallTransferred(d) => {
                check_call_id(&d.call_id, &f("call_id"), v);
                check_phone(&d.caller_phone, &f("caller_phone"), v);
                check_text(&d.caller_name, &f("caller_name"), v);
                check_text(&d.summary, &f("summary"), v);
                check_text(&d.transferred_to_label, &f("transferred_to_label"), v);
                check_phone(&d.transferred_to_number, &f("transferred_to_number"), v);
                check_text(&d.reason, &f("reason"), v);
            }
            EventData::AppointmentBooked(d) => {
                check_call_id(&d.call_id, &f("call_id"), v);
                check_phone(&d.caller_phone, &f("caller_phone"), v);
                check_text(&d.caller_name, &f("caller_name"), v);
                check_order(
                    d.appointment_time_start,
                    d.appointment_time_end,
                    &f("appointment_time_end"),
                    "appointment_time_start",
                    v,
                );
                check_text(&d.service_type, &f("service_type"), v);
                check_id(&d.calendar_event_id, &f("calendar_event_id"), v);
                check_link(&d.calendar_event_link, &f("calendar_event_link"), v);
            }
            EventData::LeadCreated(d) => {
                check_call_id(&d.call_id, &f("call_id"), v);
                check_phone(&d.caller_phone, &f("caller_phone"), v);
                check_text(&d.caller_name, &f("caller_name"), v);
                check_email(&d.caller_email, &f("caller_email"), v);
                check_text(&d.intent, &f("intent"), v);
                check_text(&d.interest, &f("interest"), v);
                check_text(&d.call_summary, &f("call_summary"), v);
            }
        }
    }
}

fn check_call_id(value: &str, field: &str, v: &mut Violations) {
    if value.trim().is_empty() {
        v.add(field, "is required");
    } else if value.len() > MAX_ID_BYTES {
        v.add(field, format!("must be at most {MAX_ID_BYTES} bytes"));
    }
}

fn check_id(value: &Option<String>, field: &str, v: &mut Violations) {
    if let Some(value) = value
        && value.len() > MAX_ID_BYTES
    {
        v.add(field, format!("must be at most {MAX_ID_BYTES} bytes"));
    }
}

fn check_text(value: &Option<String>, field: &str, v: &mut Violations) {
    if let Some(value) = value
        && value.len() > MAX_TEXT_BYTES
    {
        v.add(field, format!("must be at most {MAX_TEXT_BYTES} bytes"));
    }
}

/// E.164: a `+`, a non-zero country digit, at most 15 digits in all.
pub fn is_e164(value: &str) -> bool {
    let Some(digits) = value.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn check_phone(value: &Option<String>, field: &str, v: &mut Violations) {
    if let Some(value) = value
        && !is_e164(value)
    {
        v.add(field, "must be an E.164 phone number such as +1234567890");
    }
}

fn check_email(value: &Option<String>, field: &str, v: &mut Violations) {
    let Some(value) = value else { return };
    let valid = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(value.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if !valid {
        v.add(field, "must be an email address such as dave@example.com");
    }
}

fn check_link(value: &Option<String>, field: &str, v: &mut Violations) {
    let Some(value) = value else { return };
    let valid = value.len() <= 2048
        && url::Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    if !valid {
        v.add(field, "must be an absolute http(s) URL");
    }
}

fn check_order(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    end_field: &str,
    start_name: &str,
    v: &mut Violations,
) {
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        v.add(end_field, format!("must not be before {start_name}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_accepts_plus_and_digits_only() {
        assert!(is_e164("+1234567890"));
        assert!(is_e164("+18154264329"));
        assert!(!is_e164("1234567890"));
        assert!(!is_e164("+0123"));
        assert!(!is_e164("+1 234"));
        assert!(!is_e164("+1234567890123456"));
    }

    #[test]
    fn unset_values_are_null_and_keys_keep_contract_order() {
        let data = EventData::LeadCreated(LeadCreated {
            call_id: "c1".into(),
            caller_phone: None,
            caller_name: Some("José".into()),
            caller_email: None,
            intent: None,
            urgency: Some(Urgency::High),
            interest: None,
            call_summary: None,
        });
        assert_eq!(
            data.to_json(),
            r#"{"call_id":"c1","caller_phone":null,"caller_name":"José","caller_email":null,"intent":null,"urgency":"high","interest":null,"call_summary":null}"#
        );
        assert_eq!(
            EventData::from_json(EventType::LeadCreated, &data.to_json()).ok(),
            Some(data)
        );
    }
}
