//! Properties of request parsing over arbitrary requests, well-formed or not:
//! it never panics, and it yields either a domain value or at least one
//! violation, each naming a field of the request.

use crate::domain::ids::OrganizationId;
use chrono::{DateTime, Utc};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::events::parse_emit;
use super::subscriptions::{parse_create, parse_update};
use crate::domain::event::EventData;
use crate::domain::subscription::TargetUrl;
use crate::domain::validation::{FieldViolation, Violations};
use crate::pb;
use crate::pb::emit_event_request::Payload;

/// Mostly what a client would plausibly send (matching `plausible`), else
/// any string at all, or none.
fn string(plausible: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![3 => plausible, 1 => any::<String>(), 1 => Just(String::new())]
}

fn opt_string(plausible: &'static str) -> impl Strategy<Value = Option<String>> {
    option::of(string(plausible))
}

fn phone() -> impl Strategy<Value = Option<String>> {
    opt_string("\\+[0-9]{1,16}")
}

fn email() -> impl Strategy<Value = Option<String>> {
    opt_string("[a-z@. ]{0,12}")
}

fn link() -> impl Strategy<Value = Option<String>> {
    opt_string("(https?|ftp)://[a-z]{1,8}\\.example/[a-z]{0,5}")
}

/// An enum value: mostly a defined one, else any number at all.
fn enum_value() -> impl Strategy<Value = i32> {
    prop_oneof![4 => 0..6_i32, 1 => any::<i32>()]
}

/// Event types: mostly a set of defined ones, else any list of numbers.
fn event_types() -> impl Strategy<Value = Vec<i32>> {
    prop_oneof![
        2 => proptest::sample::subsequence(vec![1, 2, 3, 4], 1..=4),
        1 => vec(enum_value(), 0..6),
    ]
}

fn timestamp() -> impl Strategy<Value = prost_types::Timestamp> {
    let plausible = (0..4_000_000_000_i64, 0..1_000_000_000_i32);
    prop_oneof![(any::<i64>(), any::<i32>()), plausible]
        .prop_map(|(seconds, nanos)| prost_types::Timestamp { seconds, nanos })
}

fn date() -> impl Strategy<Value = pb::google::r#type::Date> {
    let plausible = (1..10_000_i32, 1..13_i32, 1..32_i32);
    prop_oneof![(any::<i32>(), any::<i32>(), any::<i32>()), plausible]
        .prop_map(|(year, month, day)| pb::google::r#type::Date { year, month, day })
}

fn call_completed() -> BoxedStrategy<Payload> {
    (
        string("[a-z0-9-]{1,20}"),
        (phone(), opt_string("[A-Za-z ]{0,10}"), email()),
        option::of(any::<u32>()),
        (opt_string(".{0,40}"), opt_string("[a-z ]{0,10}")),
        enum_value(),
        link(),
        (option::of(timestamp()), option::of(timestamp())),
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
                Payload::CallCompleted(pb::CallCompleted {
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

fn call_transferred() -> BoxedStrategy<Payload> {
    (
        string("[a-z0-9-]{1,20}"),
        (phone(), opt_string("[A-Za-z ]{0,10}")),
        option::of(any::<u32>()),
        opt_string(".{0,40}"),
        (opt_string("[A-Za-z ]{0,10}"), phone()),
        enum_value(),
        opt_string("[a-z ]{0,20}"),
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
                Payload::CallTransferred(pb::CallTransferred {
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

fn appointment_booked() -> BoxedStrategy<Payload> {
    (
        string("[a-z0-9-]{1,20}"),
        (phone(), opt_string("[A-Za-z ]{0,10}")),
        option::of(date()),
        (option::of(timestamp()), option::of(timestamp())),
        opt_string("[A-Za-z ]{0,20}"),
        opt_string("[a-z0-9_]{0,300}"),
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
                Payload::AppointmentBooked(pb::AppointmentBooked {
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

fn lead_created() -> BoxedStrategy<Payload> {
    (
        string("[a-z0-9-]{1,20}"),
        (phone(), opt_string("[A-Za-z ]{0,10}"), email()),
        opt_string("[a-z ]{0,10}"),
        enum_value(),
        opt_string("[a-z ]{0,10}"),
        opt_string(".{0,40}"),
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
                Payload::LeadCreated(pb::LeadCreated {
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

fn emit_request() -> impl Strategy<Value = pb::EmitEventRequest> {
    (
        string("[A-Za-z0-9_-]{1,70}"),
        string("[a-z0-9:-]{0,20}"),
        option::of(timestamp()),
        option::of(prop_oneof![
            call_completed(),
            call_transferred(),
            appointment_booked(),
            lead_created()
        ]),
    )
        .prop_map(|(organization_id, idempotency_key, occurred_at, payload)| {
            pb::EmitEventRequest {
                organization_id,
                idempotency_key,
                occurred_at,
                payload,
            }
        })
}

/// URL-shaped text: any scheme of three, user info, IP literals, ports, fragments.
const URL_LIKE: &str =
    "(https?|ftp)://([a-z:]{0,6}@)?[a-z0-9.\\[\\]:-]{0,20}(:[0-9]{1,6})?/[a-z#?]{0,6}";

fn subscription() -> impl Strategy<Value = pb::Subscription> {
    (
        string("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        prop_oneof![
            2 => "https://[a-z]{1,10}\\.example\\.com(:[0-9]{1,4})?/[a-z/]{0,10}",
            1 => string(URL_LIKE),
        ],
        enum_value(),
        event_types(),
        string(".{0,20}"),
        enum_value(),
    )
        .prop_map(|(id, url, integration, event_types, description, status)| {
            pb::Subscription {
                id,
                url,
                integration,
                event_types,
                description,
                status,
                ..Default::default()
            }
        })
}

fn create_request() -> impl Strategy<Value = pb::CreateSubscriptionRequest> {
    (
        string("[A-Za-z0-9_-]{1,70}"),
        option::of(subscription()),
        string("[ -~]{16,40}"),
        any::<bool>(),
    )
        .prop_map(
            |(organization_id, subscription, signing_secret, generate_signing_secret)| {
                pb::CreateSubscriptionRequest {
                    organization_id,
                    subscription,
                    signing_secret,
                    generate_signing_secret,
                }
            },
        )
}

fn mask_path() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(vec![
            "url",
            "integration",
            "event_types",
            "description",
            "status",
            "signing_secret",
            "id",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
        1 => "[a-z_.]{100,300}",
    ]
}

fn update_request() -> impl Strategy<Value = pb::UpdateSubscriptionRequest> {
    (
        string("[A-Za-z0-9_-]{1,70}"),
        option::of(subscription()),
        option::of(vec(mask_path(), 0..4)),
        string("[ -~]{16,40}"),
        any::<bool>(),
    )
        .prop_map(
            |(organization_id, subscription, paths, signing_secret, generate_signing_secret)| {
                pb::UpdateSubscriptionRequest {
                    organization_id,
                    subscription,
                    update_mask: paths.map(|paths| prost_types::FieldMask { paths }),
                    signing_secret,
                    generate_signing_secret,
                }
            },
        )
}

fn now() -> DateTime<Utc> {
    crate::domain::time::now()
}

/// Every violation names a field, inside `prefix` when there is one.
fn all_name_a_field(violations: &[FieldViolation], prefix: &str) -> bool {
    violations
        .iter()
        .all(|v| v.field.len() > prefix.len() && v.field.starts_with(prefix))
}

proptest! {
    #[test]
    fn an_emit_request_parses_to_an_event_or_violations(
        req in emit_request(),
        prefix in prop_oneof![Just(""), Just("requests[7].")],
    ) {
        let mut v = Violations::new();
        // As for an operator's key, which names the organization in the request.
        let field = format!("{prefix}organization_id");
        let org = OrganizationId::parse(&req.organization_id, &field, &mut v);
        let event = parse_emit(req, org, prefix, now(), &mut v);
        let violations = v.into_vec();
        prop_assert!(all_name_a_field(&violations, prefix), "{violations:?}");
        if violations.is_empty() {
            let event = event.expect("no violation, so an event");
            let data = EventData::from_json(event.event_type, &event.data_json);
            prop_assert!(data.is_ok(), "stored data reads back: {}", event.data_json);
        }
    }

    #[test]
    fn a_create_request_parses_to_a_subscription_or_violations(
        req in create_request(),
        allow_private in any::<bool>(),
    ) {
        let mut v = Violations::new();
        let org = OrganizationId::parse(&req.organization_id, "organization_id", &mut v);
        match parse_create(req, org, allow_private, now(), v) {
            Ok(new) => {
                let mut v = Violations::new();
                let again = TargetUrl::parse(new.url.as_str(), allow_private, "url", &mut v);
                prop_assert_eq!(again.as_ref(), Some(&new.url), "{}", v);
            }
            Err(v) => {
                let violations = v.into_vec();
                prop_assert!(!violations.is_empty());
                prop_assert!(all_name_a_field(&violations, ""), "{violations:?}");
            }
        }
    }

    #[test]
    fn an_update_request_parses_to_a_patch_or_violations(
        req in update_request(),
        allow_private in any::<bool>(),
    ) {
        let paths = req.update_mask.clone().map(|m| m.paths).unwrap_or_default();
        let mut v = Violations::new();
        let org = OrganizationId::parse(&req.organization_id, "organization_id", &mut v);
        match parse_update(req, org, allow_private, v) {
            Ok(_) => prop_assert!(!paths.is_empty(), "a patch names what it changes"),
            Err(v) => {
                let violations = v.into_vec();
                prop_assert!(!violations.is_empty());
                prop_assert!(all_name_a_field(&violations, ""), "{violations:?}");
                // Paths of any length are echoed only in part.
                prop_assert!(
                    violations.iter().all(|v| v.description.chars().count() <= 256),
                    "{violations:?}"
                );
            }
        }
    }
}
