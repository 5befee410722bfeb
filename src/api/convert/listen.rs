//! `listen` sessions and attempt updates: their messages ↔ domain values.

use super::deliveries::{error_kind_from_pb, error_kind_to_pb, status_to_pb};
use super::subscriptions::event_types;
use super::{duration, event_type_to_pb, timestamp};
use crate::delivery::listen_sessions::{Forward, LocalAnswer};
use crate::delivery::watch::AttemptUpdate;
use crate::domain::subscription::{EventTypes, check_description};
use crate::domain::validation::Violations;
use crate::pb;

/// Shown for a session's subscription when the client gives no description.
const DEFAULT_DESCRIPTION: &str = "listen session";

/// What a session's `start` asks for: its event types and description.
pub fn parse_start(
    start: &pb::ListenStart,
    mut v: Violations,
) -> Result<(EventTypes, String), Violations> {
    let types = event_types(&start.event_types, "start.event_types", &mut v);
    check_description(&start.description, "start.description", &mut v);
    let description = if start.description.is_empty() {
        DEFAULT_DESCRIPTION.to_owned()
    } else {
        start.description.clone()
    };
    match types {
        Some(types) => v.finish(|| (types, description)),
        None => Err(v),
    }
}

/// A client's `result` as (the forward it answers, the local answer).
pub fn parse_result(result: pb::ListenResult) -> Result<(u64, LocalAnswer), Violations> {
    let mut v = Violations::new();
    let status_code = match result.status_code {
        0 => None,
        code @ 100..=599 => u16::try_from(code).ok(),
        code => {
            v.add(
                "result.status_code",
                format!("must be 0 (no answer) or an HTTP status, 100 to 599, not {code}"),
            );
            None
        }
    };
    let answer = LocalAnswer {
        status_code,
        error: Some(result.error).filter(|e| !e.is_empty()),
        error_kind: error_kind_from_pb(result.error_kind),
        excerpt: result.response_body_excerpt,
    };
    v.finish(|| (result.forward_id, answer))
}

/// An attempt for the client, named `forward_id`.
pub fn delivery_to_pb(forward_id: u64, forward: &Forward) -> pb::ListenDelivery {
    pb::ListenDelivery {
        forward_id,
        delivery_id: forward.delivery_id.to_string(),
        event_type: event_type_to_pb(forward.event_type) as i32,
        headers: forward
            .request
            .headers
            .iter()
            .map(|(name, value)| pb::HttpHeader {
                name: name.as_str().to_owned(),
                value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
            })
            .collect(),
        body: forward.request.body.clone().into_bytes(),
        test: forward.test,
    }
}

pub fn update_to_pb(u: &AttemptUpdate) -> pb::AttemptUpdate {
    pb::AttemptUpdate {
        delivery_id: u.delivery_id.to_string(),
        event_id: u.event_id.to_string(),
        subscription_id: u.subscription_id.to_string(),
        event_type: event_type_to_pb(u.event_type) as i32,
        attempt_number: u.attempt_number,
        status: status_to_pb(u.status) as i32,
        status_code: u.status_code.map(u32::from).unwrap_or(0),
        duration: Some(duration(u.duration)),
        error: u.error.clone().unwrap_or_default(),
        error_kind: error_kind_to_pb(u.error_kind) as i32,
        test: u.test,
        start_time: Some(timestamp(u.started_at)),
        next_attempt_time: u.next_attempt_at.map(timestamp),
        subscription_disabled: u.subscription_disabled,
    }
}
