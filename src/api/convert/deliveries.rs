//! Deliveries and attempts → `pb`, and the delivery-status filter.

use super::{duration, event_type_to_pb, timestamp};
use crate::domain::attempt_error::AttemptErrorKind;
use crate::domain::delivery::DeliveryStatus;
use crate::domain::validation::Violations;
use crate::pb;
use crate::store::{Attempt, Delivery};

pub fn status_to_pb(s: DeliveryStatus) -> pb::DeliveryStatus {
    match s {
        DeliveryStatus::Pending => pb::DeliveryStatus::Pending,
        DeliveryStatus::InFlight => pb::DeliveryStatus::InFlight,
        DeliveryStatus::Succeeded => pb::DeliveryStatus::Succeeded,
        DeliveryStatus::Failed => pb::DeliveryStatus::Failed,
        DeliveryStatus::Cancelled => pb::DeliveryStatus::Cancelled,
    }
}

/// A status filter: unspecified means any.
pub fn status_filter(raw: i32, field: &str, v: &mut Violations) -> Option<DeliveryStatus> {
    match pb::DeliveryStatus::try_from(raw) {
        Ok(pb::DeliveryStatus::Unspecified) => None,
        Ok(pb::DeliveryStatus::Pending) => Some(DeliveryStatus::Pending),
        Ok(pb::DeliveryStatus::InFlight) => Some(DeliveryStatus::InFlight),
        Ok(pb::DeliveryStatus::Succeeded) => Some(DeliveryStatus::Succeeded),
        Ok(pb::DeliveryStatus::Failed) => Some(DeliveryStatus::Failed),
        Ok(pb::DeliveryStatus::Cancelled) => Some(DeliveryStatus::Cancelled),
        Err(_) => {
            v.add(field, format!("unknown delivery status {raw}"));
            None
        }
    }
}

/// An attempt's error kind; unspecified on success and for attempts
/// recorded before kinds existed.
pub fn error_kind_to_pb(kind: Option<AttemptErrorKind>) -> pb::AttemptErrorKind {
    match kind {
        None => pb::AttemptErrorKind::Unspecified,
        Some(AttemptErrorKind::BlockedTarget) => pb::AttemptErrorKind::BlockedTarget,
        Some(AttemptErrorKind::Dns) => pb::AttemptErrorKind::Dns,
        Some(AttemptErrorKind::Connect) => pb::AttemptErrorKind::Connect,
        Some(AttemptErrorKind::Tls) => pb::AttemptErrorKind::Tls,
        Some(AttemptErrorKind::Timeout) => pb::AttemptErrorKind::Timeout,
        Some(AttemptErrorKind::HttpStatus) => pb::AttemptErrorKind::HttpStatus,
        Some(AttemptErrorKind::ResponseRead) => pb::AttemptErrorKind::ResponseRead,
        Some(AttemptErrorKind::Service) => pb::AttemptErrorKind::Service,
    }
}

/// A client's error kind; `None` when unspecified or unknown.
pub fn error_kind_from_pb(raw: i32) -> Option<AttemptErrorKind> {
    match pb::AttemptErrorKind::try_from(raw).ok()? {
        pb::AttemptErrorKind::Unspecified => None,
        pb::AttemptErrorKind::BlockedTarget => Some(AttemptErrorKind::BlockedTarget),
        pb::AttemptErrorKind::Dns => Some(AttemptErrorKind::Dns),
        pb::AttemptErrorKind::Connect => Some(AttemptErrorKind::Connect),
        pb::AttemptErrorKind::Tls => Some(AttemptErrorKind::Tls),
        pb::AttemptErrorKind::Timeout => Some(AttemptErrorKind::Timeout),
        pb::AttemptErrorKind::HttpStatus => Some(AttemptErrorKind::HttpStatus),
        pb::AttemptErrorKind::ResponseRead => Some(AttemptErrorKind::ResponseRead),
        pb::AttemptErrorKind::Service => Some(AttemptErrorKind::Service),
    }
}

pub fn attempt_to_pb(a: Attempt) -> pb::Attempt {
    pb::Attempt {
        number: a.number,
        start_time: Some(timestamp(a.started_at)),
        duration: Some(duration(a.duration)),
        status_code: a.status_code.map(u32::from).unwrap_or(0),
        error: a.error.unwrap_or_default(),
        response_body_excerpt: a.response_excerpt,
        error_kind: error_kind_to_pb(a.error_kind) as i32,
    }
}

pub fn delivery_to_pb(d: Delivery, attempts: Vec<Attempt>) -> pb::Delivery {
    let waiting = matches!(d.status, DeliveryStatus::Pending);
    pb::Delivery {
        id: d.id.to_string(),
        organization_id: d.organization_id.to_string(),
        event_id: d.event_id.to_string(),
        subscription_id: d.subscription_id.to_string(),
        event_type: event_type_to_pb(d.event_type) as i32,
        status: status_to_pb(d.status) as i32,
        attempt_count: d.attempt_count,
        next_attempt_time: d.next_attempt_at.filter(|_| waiting).map(timestamp),
        last_status_code: d.last_status_code.map(u32::from).unwrap_or(0),
        last_error: d.last_error.unwrap_or_default(),
        test: d.test,
        create_time: Some(timestamp(d.created_at)),
        update_time: Some(timestamp(d.updated_at)),
        attempts: attempts.into_iter().map(attempt_to_pb).collect(),
        last_error_kind: error_kind_to_pb(d.last_error_kind) as i32,
    }
}
