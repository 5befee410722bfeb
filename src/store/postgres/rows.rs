//! Reading PostgreSQL rows back into records, and the one form instants are
//! written in. The store only holds values that were validated on the way in;
//! anything else is reported as corrupt, not panicked on.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::domain::attempt_error::AttemptErrorKind;
use crate::domain::delivery::DeliveryStatus;
use crate::domain::event::EventType;
use crate::domain::health::Health;
use crate::domain::ids::{DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::domain::limits::DeliveryLimits;
use crate::domain::secret_box::SecretKeys;
use crate::domain::signing::{PreviousSecret, SignatureScheme};
use crate::domain::subscription::{
    DisabledReason, EventTypes, Integration, SigningSecret, SubscriptionState, TargetUrl,
};
use crate::domain::time::{from_micros, to_micros};
use crate::store::{
    Attempt, Delivery, SendTarget, StoreError, StoreResult, StoredEvent, Subscription,
};

pub const SUBSCRIPTION_COLUMNS: &str = "id, organization_id, url, integration, event_types, \
    description, signing_secret, signature_scheme, previous_signing_secret, \
    previous_secret_until, max_in_flight, max_per_second, status, disabled_reason, \
    consecutive_failures, \
    last_success_at, last_failure_at, last_error, last_error_kind, created_at, updated_at";

/// The columns [`health`] reads.
pub const HEALTH_COLUMNS: &str = "status, disabled_reason, consecutive_failures, last_success_at, last_failure_at, last_error, \
     last_error_kind";

pub const EVENT_COLUMNS: &str =
    "id, organization_id, event_type, occurred_at, created_at, idempotency_key, data";

pub const DELIVERY_COLUMNS: &str = "id, organization_id, event_id, subscription_id, event_type, \
    status, attempt_count, next_attempt_at, last_status_code, last_error, last_error_kind, test, \
    created_at, updated_at";

/// An instant as stored: cut to whole microseconds the way SQLite's integers
/// are (towards the past), so both backends give back the same value.
pub fn ts(t: DateTime<Utc>) -> DateTime<Utc> {
    from_micros(to_micros(t))
}

/// Text as PostgreSQL can hold it: its `text` cannot contain NUL, which
/// receivers' answers and clients' free text may, so each NUL is stored as
/// U+FFFD (the replacement character) instead of failing the write.
pub fn text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') {
        s.replace('\0', "\u{FFFD}").into()
    } else {
        s.into()
    }
}

/// [`text`] of an optional value, owned.
pub fn opt_text(s: Option<String>) -> Option<String> {
    s.map(|s| text(&s).into_owned())
}

pub fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value}"))
}

pub fn event_type(name: &str) -> StoreResult<EventType> {
    EventType::from_wire(name).ok_or_else(|| corrupt("event type", name))
}

pub fn count(row: &PgRow, col: &str) -> StoreResult<u32> {
    let n: i32 = row.try_get(col)?;
    u32::try_from(n).map_err(|_| corrupt(col, n))
}

fn status_code(row: &PgRow, col: &str) -> StoreResult<Option<u16>> {
    row.try_get::<Option<i32>, _>(col)?
        .map(|c| u16::try_from(c).map_err(|_| corrupt(col, c)))
        .transpose()
}

/// An error kind column; NULL on success and on rows from before kinds.
pub fn error_kind(row: &PgRow, col: &str) -> StoreResult<Option<AttemptErrorKind>> {
    row.try_get::<Option<&str>, _>(col)?
        .map(|k| AttemptErrorKind::parse(k).ok_or_else(|| corrupt(col, k)))
        .transpose()
}

/// The row's `signing_secret` column, opened with `keys`.
pub fn signing_secret(
    row: &PgRow,
    keys: &SecretKeys,
    subscription: SubscriptionId,
) -> StoreResult<Option<SigningSecret>> {
    row.try_get::<Option<&str>, _>("signing_secret")?
        .map(|stored| {
            keys.open(stored, subscription)
                .map_err(|source| StoreError::SigningSecret {
                    subscription,
                    source,
                })
        })
        .transpose()
}

/// What sending to the row's subscription takes: its `url`, secrets,
/// signature scheme and limits (the columns [`SEND_COLUMNS`] names).
pub fn send_target(
    row: &PgRow,
    keys: &SecretKeys,
    subscription: SubscriptionId,
) -> StoreResult<SendTarget> {
    let url: &str = row.try_get("url")?;
    Ok(SendTarget {
        url: TargetUrl::from_stored(url).ok_or_else(|| corrupt("url", url))?,
        signing_secret: signing_secret(row, keys, subscription)?,
        signature_scheme: signature_scheme(row)?,
        previous_secret: previous_secret(row, keys, subscription)?,
        limits: limits(row)?,
    })
}

/// The subscription columns [`send_target`] reads, from a table aliased `s`.
pub const SEND_COLUMNS: &str = "s.url, s.signing_secret, s.signature_scheme, \
    s.previous_signing_secret, s.previous_secret_until, s.max_in_flight, s.max_per_second";

/// The `max_in_flight` and `max_per_second` columns.
pub fn limits(row: &PgRow) -> StoreResult<DeliveryLimits> {
    let max_in_flight: i32 = row.try_get("max_in_flight")?;
    let max_per_second: i32 = row.try_get("max_per_second")?;
    let max_in_flight =
        u32::try_from(max_in_flight).map_err(|_| corrupt("max_in_flight", max_in_flight))?;
    let max_per_second =
        u32::try_from(max_per_second).map_err(|_| corrupt("max_per_second", max_per_second))?;
    Ok(DeliveryLimits::from_stored(max_in_flight, max_per_second))
}

/// The `signature_scheme` column.
pub fn signature_scheme(row: &PgRow) -> StoreResult<SignatureScheme> {
    let scheme: &str = row.try_get("signature_scheme")?;
    SignatureScheme::parse(scheme).ok_or_else(|| corrupt("signature scheme", scheme))
}

/// The secret a rotation is replacing (`previous_signing_secret` and
/// `previous_secret_until`), while its grace lasts.
pub fn previous_secret(
    row: &PgRow,
    keys: &SecretKeys,
    subscription: SubscriptionId,
) -> StoreResult<Option<PreviousSecret>> {
    let until: Option<DateTime<Utc>> = row.try_get("previous_secret_until")?;
    let Some(until) = until.filter(|u| *u > crate::domain::time::now()) else {
        return Ok(None);
    };
    let Some(stored) = row.try_get::<Option<&str>, _>("previous_signing_secret")? else {
        return Ok(None);
    };
    let secret = keys
        .open(stored, subscription)
        .map_err(|source| StoreError::SigningSecret {
            subscription,
            source,
        })?;
    Ok(Some(PreviousSecret { secret, until }))
}

/// Enabled, or disabled with a known reason; anything else is corrupt.
pub fn state(row: &PgRow) -> StoreResult<SubscriptionState> {
    let status: String = row.try_get("status")?;
    let reason: Option<String> = row.try_get("disabled_reason")?;
    match (status.as_str(), reason.as_deref()) {
        ("enabled", None) => Ok(SubscriptionState::Enabled),
        ("disabled", Some(reason)) => DisabledReason::parse(reason)
            .map(SubscriptionState::Disabled)
            .ok_or_else(|| corrupt("disabled reason", reason)),
        _ => Err(corrupt("subscription status", status)),
    }
}

/// The columns [`HEALTH_COLUMNS`] names.
pub fn health(row: &PgRow) -> StoreResult<Health> {
    Ok(Health {
        state: state(row)?,
        consecutive_failures: count(row, "consecutive_failures")?,
        last_success_at: row.try_get("last_success_at")?,
        last_failure_at: row.try_get("last_failure_at")?,
        last_error: row.try_get("last_error")?,
        last_error_kind: error_kind(row, "last_error_kind")?,
    })
}

pub fn subscription(row: &PgRow, keys: &SecretKeys) -> StoreResult<Subscription> {
    let id = SubscriptionId(row.try_get::<Uuid, _>("id")?);
    let url: String = row.try_get("url")?;
    let integration: String = row.try_get("integration")?;
    let state = state(row)?;
    Ok(Subscription {
        id,
        organization_id: OrganizationId::from_stored(row.try_get("organization_id")?),
        url: TargetUrl::from_stored(&url).ok_or_else(|| corrupt("url", &url))?,
        integration: Integration::parse(&integration)
            .ok_or_else(|| corrupt("integration", &integration))?,
        event_types: EventTypes::from_mask(row.try_get("event_types")?),
        description: row.try_get("description")?,
        signing_secret: signing_secret(row, keys, id)?,
        signature_scheme: signature_scheme(row)?,
        previous_secret: previous_secret(row, keys, id)?,
        limits: limits(row)?,
        state,
        consecutive_failures: count(row, "consecutive_failures")?,
        last_success_at: row.try_get("last_success_at")?,
        last_failure_at: row.try_get("last_failure_at")?,
        last_error: row.try_get("last_error")?,
        last_error_kind: error_kind(row, "last_error_kind")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub fn event(row: &PgRow) -> StoreResult<StoredEvent> {
    Ok(StoredEvent {
        id: EventId(row.try_get::<Uuid, _>("id")?),
        organization_id: OrganizationId::from_stored(row.try_get("organization_id")?),
        event_type: event_type(row.try_get("event_type")?)?,
        occurred_at: row.try_get("occurred_at")?,
        created_at: row.try_get("created_at")?,
        idempotency_key: row.try_get("idempotency_key")?,
        data_json: row.try_get("data")?,
    })
}

pub fn delivery(row: &PgRow) -> StoreResult<Delivery> {
    let status: String = row.try_get("status")?;
    Ok(Delivery {
        id: DeliveryId(row.try_get::<Uuid, _>("id")?),
        organization_id: OrganizationId::from_stored(row.try_get("organization_id")?),
        event_id: EventId(row.try_get::<Uuid, _>("event_id")?),
        subscription_id: SubscriptionId(row.try_get::<Uuid, _>("subscription_id")?),
        event_type: event_type(row.try_get("event_type")?)?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| corrupt("delivery status", &status))?,
        attempt_count: count(row, "attempt_count")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_status_code: status_code(row, "last_status_code")?,
        last_error: row.try_get("last_error")?,
        last_error_kind: error_kind(row, "last_error_kind")?,
        test: row.try_get("test")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub fn attempt(row: &PgRow) -> StoreResult<Attempt> {
    let duration_us: i64 = row.try_get("duration_us")?;
    Ok(Attempt {
        number: count(row, "number")?,
        started_at: row.try_get("started_at")?,
        duration: Duration::from_micros(u64::try_from(duration_us).unwrap_or(0)),
        status_code: status_code(row, "status_code")?,
        error: row.try_get("error")?,
        error_kind: error_kind(row, "error_kind")?,
        response_excerpt: row.try_get("response_excerpt")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_the_only_character_replaced() {
        assert_eq!(text("ok\0\0done"), "ok\u{FFFD}\u{FFFD}done");
        assert!(matches!(
            text("José ✓"),
            std::borrow::Cow::Borrowed("José ✓")
        ));
    }
}
