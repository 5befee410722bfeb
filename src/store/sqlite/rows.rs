//! Reading rows back into records. The store only holds values that were
//! validated on the way in; anything else (an unknown status, reason, type
//! or event type bit, a negative count or duration) is reported as corrupt,
//! neither panicked on nor coerced into something valid.

use std::time::Duration;

use sqlx::Row;
use sqlx::sqlite::SqliteRow;
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
use crate::domain::time::{self, from_micros};
use crate::store::{
    Attempt, Delivery, SendTarget, StoreError, StoreResult, StoredEvent, Subscription,
};

pub const SUBSCRIPTION_COLUMNS: &str = "id, organization_id, url, integration, event_types, \
    description, signing_secret, signature_scheme, previous_signing_secret, \
    previous_secret_until, max_in_flight, max_per_second, status, disabled_reason, \
    consecutive_failures, \
    last_success_at, last_failure_at, last_error, last_error_kind, created_at, updated_at";

/// What [`health`] reads.
pub const HEALTH_COLUMNS: &str = "status, disabled_reason, consecutive_failures, last_success_at, last_failure_at, last_error, \
     last_error_kind";

pub const EVENT_COLUMNS: &str =
    "id, organization_id, event_type, occurred_at, created_at, idempotency_key, data";

pub const DELIVERY_COLUMNS: &str = "id, organization_id, event_id, subscription_id, event_type, \
    status, attempt_count, next_attempt_at, last_status_code, last_error, last_error_kind, test, \
    created_at, updated_at";

fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value}"))
}

pub fn event_type(name: &str) -> StoreResult<EventType> {
    EventType::from_wire(name).ok_or_else(|| corrupt("event type", name))
}

fn opt_time(row: &SqliteRow, col: &str) -> StoreResult<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(from_micros))
}

pub fn count(row: &SqliteRow, col: &str) -> StoreResult<u32> {
    let n: i64 = row.try_get(col)?;
    u32::try_from(n).map_err(|_| corrupt(col, n))
}

fn status_code(row: &SqliteRow, col: &str) -> StoreResult<Option<u16>> {
    row.try_get::<Option<i64>, _>(col)?
        .map(|c| u16::try_from(c).map_err(|_| corrupt(col, c)))
        .transpose()
}

/// An error kind column; NULL on success and on rows from before kinds.
pub fn error_kind(row: &SqliteRow, col: &str) -> StoreResult<Option<AttemptErrorKind>> {
    row.try_get::<Option<&str>, _>(col)?
        .map(|k| AttemptErrorKind::parse(k).ok_or_else(|| corrupt(col, k)))
        .transpose()
}

/// The row's `signing_secret` column, opened with `keys`.
pub fn signing_secret(
    row: &SqliteRow,
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
    row: &SqliteRow,
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
pub fn limits(row: &SqliteRow) -> StoreResult<DeliveryLimits> {
    let max_in_flight: i64 = row.try_get("max_in_flight")?;
    let max_per_second: i64 = row.try_get("max_per_second")?;
    let max_in_flight =
        u32::try_from(max_in_flight).map_err(|_| corrupt("max_in_flight", max_in_flight))?;
    let max_per_second =
        u32::try_from(max_per_second).map_err(|_| corrupt("max_per_second", max_per_second))?;
    Ok(DeliveryLimits::from_stored(max_in_flight, max_per_second))
}

/// The `signature_scheme` column.
pub fn signature_scheme(row: &SqliteRow) -> StoreResult<SignatureScheme> {
    let scheme: &str = row.try_get("signature_scheme")?;
    SignatureScheme::parse(scheme).ok_or_else(|| corrupt("signature scheme", scheme))
}

/// The secret a rotation is replacing (`previous_signing_secret` and
/// `previous_secret_until`), while its grace lasts.
pub fn previous_secret(
    row: &SqliteRow,
    keys: &SecretKeys,
    subscription: SubscriptionId,
) -> StoreResult<Option<PreviousSecret>> {
    let Some(until) = opt_time(row, "previous_secret_until")?.filter(|u| *u > time::now()) else {
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

/// The `status` and `disabled_reason` columns.
pub fn state(row: &SqliteRow) -> StoreResult<SubscriptionState> {
    let status: String = row.try_get("status")?;
    let reason: Option<String> = row.try_get("disabled_reason")?;
    match (status.as_str(), reason.as_deref()) {
        ("enabled", None) => Ok(SubscriptionState::Enabled),
        ("disabled", Some(reason)) => DisabledReason::parse(reason)
            .map(SubscriptionState::Disabled)
            .ok_or_else(|| corrupt("disabled reason", reason)),
        (status, reason) => Err(corrupt(
            "subscription status",
            format!("{status} ({})", reason.unwrap_or("no reason")),
        )),
    }
}

/// The columns [`HEALTH_COLUMNS`] names.
pub fn health(row: &SqliteRow) -> StoreResult<Health> {
    Ok(Health {
        state: state(row)?,
        consecutive_failures: count(row, "consecutive_failures")?,
        last_success_at: opt_time(row, "last_success_at")?,
        last_failure_at: opt_time(row, "last_failure_at")?,
        last_error: row.try_get("last_error")?,
        last_error_kind: error_kind(row, "last_error_kind")?,
    })
}

pub fn subscription(row: &SqliteRow, keys: &SecretKeys) -> StoreResult<Subscription> {
    let id = SubscriptionId(row.try_get::<Uuid, _>("id")?);
    let url: String = row.try_get("url")?;
    let integration: String = row.try_get("integration")?;
    let mask: i64 = row.try_get("event_types")?;
    let event_types = EventTypes::from_mask(mask);
    if event_types.mask() != mask {
        return Err(corrupt("event types", mask));
    }
    let health = health(row)?;
    Ok(Subscription {
        id,
        organization_id: OrganizationId::from_stored(row.try_get("organization_id")?),
        url: TargetUrl::from_stored(&url).ok_or_else(|| corrupt("url", &url))?,
        integration: Integration::parse(&integration)
            .ok_or_else(|| corrupt("integration", &integration))?,
        event_types,
        description: row.try_get("description")?,
        signing_secret: signing_secret(row, keys, id)?,
        signature_scheme: signature_scheme(row)?,
        previous_secret: previous_secret(row, keys, id)?,
        limits: limits(row)?,
        state: health.state,
        consecutive_failures: health.consecutive_failures,
        last_success_at: health.last_success_at,
        last_failure_at: health.last_failure_at,
        last_error: health.last_error,
        last_error_kind: health.last_error_kind,
        created_at: from_micros(row.try_get("created_at")?),
        updated_at: from_micros(row.try_get("updated_at")?),
    })
}

pub fn event(row: &SqliteRow) -> StoreResult<StoredEvent> {
    Ok(StoredEvent {
        id: EventId(row.try_get::<Uuid, _>("id")?),
        organization_id: OrganizationId::from_stored(row.try_get("organization_id")?),
        event_type: event_type(row.try_get("event_type")?)?,
        occurred_at: from_micros(row.try_get("occurred_at")?),
        created_at: from_micros(row.try_get("created_at")?),
        idempotency_key: row.try_get("idempotency_key")?,
        data_json: row.try_get("data")?,
    })
}

pub fn delivery(row: &SqliteRow) -> StoreResult<Delivery> {
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
        next_attempt_at: opt_time(row, "next_attempt_at")?,
        last_status_code: status_code(row, "last_status_code")?,
        last_error: row.try_get("last_error")?,
        last_error_kind: error_kind(row, "last_error_kind")?,
        test: row.try_get::<i64, _>("test")? != 0,
        created_at: from_micros(row.try_get("created_at")?),
        updated_at: from_micros(row.try_get("updated_at")?),
    })
}

pub fn attempt(row: &SqliteRow) -> StoreResult<Attempt> {
    let duration_us: i64 = row.try_get("duration_us")?;
    let duration_us =
        u64::try_from(duration_us).map_err(|_| corrupt("duration_us", duration_us))?;
    Ok(Attempt {
        number: count(row, "number")?,
        started_at: from_micros(row.try_get("started_at")?),
        duration: Duration::from_micros(duration_us),
        status_code: status_code(row, "status_code")?,
        error: row.try_get("error")?,
        error_kind: error_kind(row, "error_kind")?,
        response_excerpt: row.try_get("response_excerpt")?,
    })
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;

    use super::*;

    /// A subscription row as a hand-edited database might hold it.
    async fn read(status: &str, reason: Option<&str>, mask: i64) -> StoreResult<Subscription> {
        let (keys, _) = SecretKeys::generate("k").expect("a key");
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await?;
        let row = sqlx::query(
            "SELECT randomblob(16) AS id, 'org_a' AS organization_id, \
             'https://example.com/hook' AS url, 'custom' AS integration, ? AS event_types, \
             '' AS description, NULL AS signing_secret, 'inboundflow' AS signature_scheme, \
             NULL AS previous_signing_secret, NULL AS previous_secret_until, \
             0 AS max_in_flight, 0 AS max_per_second, ? AS status, ? AS disabled_reason, \
             3 AS consecutive_failures, NULL AS last_success_at, NULL AS last_failure_at, \
             NULL AS last_error, NULL AS last_error_kind, 0 AS created_at, 0 AS updated_at",
        )
        .bind(mask)
        .bind(status)
        .bind(reason)
        .fetch_one(&mut conn)
        .await?;
        subscription(&row, &keys)
    }

    #[tokio::test]
    async fn rows_outside_what_was_validated_are_corrupt_not_coerced() {
        let calls = EventType::CallCompleted.bit();
        let good = read("disabled", Some("too_many_failures"), calls)
            .await
            .expect("a valid row");
        assert_eq!(
            good.state,
            SubscriptionState::Disabled(DisabledReason::TooManyFailures)
        );
        assert_eq!(good.consecutive_failures, 3);
        for (status, reason, mask) in [
            ("disabled", Some("bored"), calls),
            ("disabled", None, calls),
            ("enabled", Some("manual"), calls),
            ("paused", None, calls),
            ("enabled", None, calls | 1 << 40),
        ] {
            let read = read(status, reason, mask).await;
            assert!(
                matches!(read, Err(StoreError::Corrupt(_))),
                "{status} {reason:?} {mask:#x}: {read:?}"
            );
        }
    }
}
