//! Properties of the rendered body over arbitrary valid events: it is JSON
//! that a receiver's `JSON.stringify(JSON.parse(body))` gives back byte for
//! byte (so the customer page's signature check holds), with the keys in the
//! order of the contract's golden bodies, and stored data reads back to the
//! same bytes.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use super::{Envelope, render};
use crate::domain::event::{
    AppointmentBooked, CallCompleted, CallTransferred, EventData, EventType, LeadCreated,
    MAX_ID_BYTES, Urgency,
};
use crate::domain::ids::{DeliveryId, OrganizationId};
use crate::domain::validation::Violations;

/// The keys of a JSON object, in the order they are written.
#[derive(Debug, PartialEq)]
struct KeyOrder(Vec<String>);

impl<'de> Deserialize<'de> for KeyOrder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = KeyOrder;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyOrder, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(key);
                }
                Ok(KeyOrder(keys))
            }
        }
        d.deserialize_map(Keys)
    }
}

/// The key order of a body: the envelope's, then its `data` object's.
fn key_order(body: &str) -> (KeyOrder, KeyOrder) {
    #[derive(Deserialize)]
    struct Data {
        data: KeyOrder,
    }
    let envelope: KeyOrder = serde_json::from_str(body).expect("an object");
    let data: Data = serde_json::from_str(body).expect("an object with data");
    (envelope, data.data)
}

fn golden(event_type: EventType) -> &'static str {
    match event_type {
        EventType::CallCompleted => include_str!("../../tests/golden/call.completed.json"),
        EventType::CallTransferred => include_str!("../../tests/golden/call.transferred.json"),
        EventType::AppointmentBooked => include_str!("../../tests/golden/appointment.booked.json"),
        EventType::LeadCreated => include_str!("../../tests/golden/lead.created.json"),
    }
}

/// What a JavaScript receiver prints after parsing: the same values, keys in
/// the order read, compact. serde_json escapes strings as `JSON.stringify`
/// does, and transcoding keeps the order that a `Value` would sort.
fn reserialized(body: &str) -> String {
    let mut out = Vec::new();
    let mut from = serde_json::Deserializer::from_str(body);
    let mut to = serde_json::Serializer::new(&mut out);
    serde_transcode::transcode(&mut from, &mut to).expect("valid JSON");
    String::from_utf8(out).expect("UTF-8")
}

/// Characters, with the ones JSON escaping is about made common.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        1 => select(vec![
            '"', '\\', '/', '\n', '\r', '\t', '\u{0}', '\u{8}', '\u{c}', '\u{1f}', '\u{7f}',
            '\u{2028}', '\u{2029}', '\u{feff}', '<', 'é', 'Ñ', '🚗',
        ]),
    ]
}

fn text(max_chars: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any_char(), 0..=max_chars).prop_map(String::from_iter)
}

fn call_id() -> impl Strategy<Value = String> {
    text(40).prop_filter("a call id is not blank", |s| {
        !s.trim().is_empty() && s.len() <= MAX_ID_BYTES
    })
}

fn phone() -> impl Strategy<Value = Option<String>> {
    option::of("\\+[1-9][0-9]{1,14}")
}

fn email() -> impl Strategy<Value = Option<String>> {
    option::of("[a-zA-Z0-9._%+'-]{1,20}@[a-z0-9.-]{1,20}")
}

fn link() -> impl Strategy<Value = Option<String>> {
    option::of("https?://[a-z0-9]{1,10}\\.example(:[0-9]{2,4})?/[a-zA-Z0-9/?=&%._~-]{0,20}")
}

fn urgency() -> impl Strategy<Value = Option<Urgency>> {
    option::of(select(vec![Urgency::Low, Urgency::Medium, Urgency::High]))
}

/// Any instant of the years 1 to 9999, with nanoseconds.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (-62_135_596_800_i64..=253_402_300_799, 0..1_000_000_000_u32)
        .prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).expect("in range"))
}

/// Two optional instants, the second never before the first.
fn ordered_instants() -> impl Strategy<Value = (Option<DateTime<Utc>>, Option<DateTime<Utc>>)> {
    (option::of(instant()), option::of(instant())).prop_map(|pair| match pair {
        (Some(a), Some(b)) if b < a => (Some(b), Some(a)),
        other => other,
    })
}

fn date() -> impl Strategy<Value = Option<NaiveDate>> {
    option::of(
        (1..=3_652_059_i32)
            .prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).expect("years 1 to 9999")),
    )
}

fn call_completed() -> BoxedStrategy<EventData> {
    (
        call_id(),
        (phone(), option::of(text(30)), email()),
        option::of(any::<u32>()),
        (option::of(text(200)), option::of(text(30))),
        urgency(),
        link(),
        ordered_instants(),
    )
        .prop_map(
            |(
                call_id,
                (caller_phone, caller_name, caller_email),
                duration_seconds,
                (summary, intent),
                urgency,
                recording_url,
                (started_at, ended_at),
            )| {
                EventData::CallCompleted(CallCompleted {
                    call_id,
                    caller_phone,
                    caller_name,
                    caller_email,
                    duration_seconds,
                    summary,
                    intent,
                    urgency,
                    recording_url,
                    started_at,
                    ended_at,
                })
            },
        )
        .boxed()
}

fn call_transferred() -> BoxedStrategy<EventData> {
    (
        call_id(),
        (phone(), option::of(text(30))),
        option::of(any::<u32>()),
        option::of(text(200)),
        (option::of(text(30)), phone()),
        urgency(),
        option::of(text(60)),
    )
        .prop_map(
            |(
                call_id,
                (caller_phone, caller_name),
                duration_seconds,
                summary,
                (label, number),
                urgency,
                reason,
            )| {
                EventData::CallTransferred(CallTransferred {
                    call_id,
                    caller_phone,
                    caller_name,
                    duration_seconds,
                    summary,
                    transferred_to_label: label,
                    transferred_to_number: number,
                    urgency,
                    reason,
                })
            },
        )
        .boxed()
}

fn appointment_booked() -> BoxedStrategy<EventData> {
    (
        call_id(),
        (phone(), option::of(text(30))),
        date(),
        ordered_instants(),
        option::of(text(40)),
        option::of(text(40)),
        link(),
    )
        .prop_map(
            |(
                call_id,
                (caller_phone, caller_name),
                appointment_date,
                (start, end),
                service_type,
                calendar_event_id,
                calendar_event_link,
            )| {
                EventData::AppointmentBooked(AppointmentBooked {
                    call_id,
                    caller_phone,
                    caller_name,
                    appointment_date,
                    appointment_time_start: start,
                    appointment_time_end: end,
                    service_type,
                    calendar_event_id,
                    calendar_event_link,
                })
            },
        )
        .boxed()
}

fn lead_created() -> BoxedStrategy<EventData> {
    (
        call_id(),
        (phone(), option::of(text(30)), email()),
        option::of(text(30)),
        urgency(),
        option::of(text(60)),
        option::of(text(200)),
    )
        .prop_map(
            |(
                call_id,
                (caller_phone, caller_name, caller_email),
                intent,
                urgency,
                interest,
                call_summary,
            )| {
                EventData::LeadCreated(LeadCreated {
                    call_id,
                    caller_phone,
                    caller_name,
                    caller_email,
                    intent,
                    urgency,
                    interest,
                    call_summary,
                })
            },
        )
        .boxed()
}

fn event_data() -> impl Strategy<Value = EventData> {
    prop_oneof![
        call_completed(),
        call_transferred(),
        appointment_booked(),
        lead_created()
    ]
}

fn organization_id() -> impl Strategy<Value = OrganizationId> {
    "[A-Za-z0-9_-]{1,64}".prop_map(|raw| {
        OrganizationId::parse(&raw, "organization_id", &mut Violations::new()).expect("valid")
    })
}

proptest! {
    #[test]
    fn a_rendered_body_is_what_a_javascript_receiver_prints_back(
        data in event_data(),
        organization_id in organization_id(),
        occurred_at in instant(),
        delivery_id in any::<u128>(),
    ) {
        let mut v = Violations::new();
        data.validate("data", &mut v);
        prop_assert!(v.is_empty(), "the generator makes valid data: {v}");

        let event_type = data.event_type();
        let body = render(
            &Envelope {
                event_type,
                occurred_at,
                organization_id: &organization_id,
                delivery_id: DeliveryId(uuid::Uuid::from_u128(delivery_id)),
            },
            &data.to_json(),
        );

        prop_assert!(serde_json::from_str::<serde_json::Value>(&body).is_ok());
        prop_assert_eq!(reserialized(&body), body.clone());
        prop_assert_eq!(key_order(&body), key_order(golden(event_type)));
    }

    #[test]
    fn stored_data_reads_back_to_the_same_bytes(data in event_data()) {
        let json = data.to_json();
        let read = EventData::from_json(data.event_type(), &json);
        prop_assert!(read.is_ok(), "{:?}", read);
        prop_assert_eq!(read.map(|d| d.to_json()).ok(), Some(json));
    }
}
