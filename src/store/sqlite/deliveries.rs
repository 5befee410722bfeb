//! Reading one delivery with its attempts, and changing the delivery log:
//! redelivering, replaying, recording tests. Lists are in
//! [`delivery_log`](super::delivery_log).

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::{SqliteConnection, SqlitePool};

use super::events::{insert_events, insert_pending_deliveries, minted_at, stored};
use super::outcomes::insert_attempts;
use super::rows::{self, DELIVERY_COLUMNS};
use crate::domain::delivery::{DeliveryStatus, may_redeliver, test_delivery_status};
use crate::domain::ids::{DeliveryId, OrganizationId, SubscriptionId};
use crate::domain::time::to_micros;
use crate::store::{
    Attempt, Delivery, RedeliverOutcome, ReplayCounts, StoreError, StoreResult, StoredEvent,
    TestDeliveryRecord,
};

/// The delivery as this connection (or transaction) sees it.
async fn get_one(
    conn: &mut SqliteConnection,
    org: &OrganizationId,
    id: DeliveryId,
) -> StoreResult<Option<Delivery>> {
    let sql =
        format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = ? AND organization_id = ?");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .bind(org.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::delivery).transpose()
}

pub async fn get(
    pool: &SqlitePool,
    org: &OrganizationId,
    id: DeliveryId,
) -> StoreResult<Option<(Delivery, Vec<Attempt>)>> {
    // One read transaction: the delivery and its attempts as of one commit,
    // never a recorded attempt beside the delivery as it was before.
    let mut conn = pool.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let Some(delivery) = get_one(&mut tx, org, id).await? else {
        return Ok(None);
    };
    let found = sqlx::query(
        "SELECT number, started_at, duration_us, status_code, error, error_kind, response_excerpt \
         FROM attempts WHERE delivery_id = ? ORDER BY number",
    )
    .bind(id.0)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let attempts = found
        .iter()
        .map(rows::attempt)
        .collect::<StoreResult<_>>()?;
    Ok(Some((delivery, attempts)))
}

pub async fn redeliver(
    pool: &SqlitePool,
    org: &OrganizationId,
    id: DeliveryId,
    now: DateTime<Utc>,
) -> StoreResult<RedeliverOutcome> {
    let now_us = to_micros(now);
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    let found = sqlx::query(
        "SELECT d.status, d.test, s.deleted_at IS NOT NULL AS deleted \
         FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id \
         WHERE d.id = ? AND d.organization_id = ?",
    )
    .bind(id.0)
    .bind(org.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(found) = found else {
        return Ok(RedeliverOutcome::NotFound);
    };
    let status: String = found.try_get("status")?;
    let status = DeliveryStatus::parse(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("delivery status: {status}")))?;
    let test = found.try_get::<i64, _>("test")? != 0;
    let deleted = found.try_get::<i64, _>("deleted")? != 0;
    if let Err(refusal) = may_redeliver(status, test, deleted) {
        return Ok(refusal.into());
    }
    sqlx::query(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, round_failures = 0, \
         lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?",
    )
    .bind(now_us)
    .bind(now_us)
    .bind(id.0)
    .execute(&mut *tx)
    .await?;
    let scheduled = get_one(&mut tx, org, id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("redelivered delivery vanished".into()))?;
    tx.commit().await?;
    drop(conn);
    Ok(RedeliverOutcome::Scheduled(scheduled))
}

pub async fn replay(
    pool: &SqlitePool,
    org: &OrganizationId,
    id: SubscriptionId,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<Option<ReplayCounts>> {
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    let mask: Option<i64> = sqlx::query_scalar(
        "SELECT event_types FROM subscriptions WHERE id = ? AND organization_id = ? AND deleted_at IS NULL",
    )
    .bind(id.0)
    .bind(org.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(mask) = mask else {
        return Ok(None);
    };
    let since_us = to_micros(since);
    let now_us = to_micros(now);
    let rescheduled = sqlx::query(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, round_failures = 0, \
         updated_at = ? WHERE subscription_id = ? AND status = 'failed' AND test = 0 \
         AND event_id IN (SELECT id FROM events WHERE organization_id = ? AND occurred_at >= ?)",
    )
    .bind(now_us)
    .bind(now_us)
    .bind(id.0)
    .bind(org.as_str())
    .bind(since_us)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let missing = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM events e WHERE e.organization_id = ? AND e.occurred_at >= ? AND e.test = 0 \
         AND (? & CASE e.event_type {} END) != 0 \
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.subscription_id = ?) \
         ORDER BY e.id",
        prefixed_event_columns(),
        event_type_bits_case(),
    )))
    .bind(org.as_str())
    .bind(since_us)
    .bind(mask)
    .bind(id.0)
    .fetch_all(&mut *tx)
    .await?;
    let events: Vec<StoredEvent> = missing
        .iter()
        .map(rows::event)
        .collect::<StoreResult<_>>()?;
    let new: Vec<_> = events
        .iter()
        .map(|e| {
            let delivery = DeliveryId::new();
            (delivery, e, id.0, minted_at(delivery))
        })
        .collect();
    insert_pending_deliveries(&mut tx, &new).await?;
    tx.commit().await?;
    drop(conn);
    Ok(Some(ReplayCounts {
        created: missing.len() as u64,
        rescheduled,
    }))
}

fn prefixed_event_columns() -> String {
    rows::EVENT_COLUMNS
        .split(", ")
        .map(|c| format!("e.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `WHEN 'call.completed' THEN 1 …`: maps a stored type name to its bit.
fn event_type_bits_case() -> String {
    crate::domain::event::EventType::ALL
        .iter()
        .map(|t| format!("WHEN '{}' THEN {}", t.as_str(), t.bit()))
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn record_test(pool: &SqlitePool, test: TestDeliveryRecord) -> StoreResult<()> {
    let event = stored(&test.event);
    let report = &test.report;
    let status = test_delivery_status(report);
    let now_us = to_micros(test.event.now);
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    insert_events(&mut tx, std::slice::from_ref(&event), true).await?;
    sqlx::query(
        "INSERT INTO deliveries (id, organization_id, event_id, subscription_id, event_type, \
         status, attempt_count, last_status_code, last_error, last_error_kind, test, created_at, \
         updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 1, ?, ?)",
    )
    .bind(test.delivery_id.0)
    .bind(event.organization_id.as_str())
    .bind(event.id.0)
    .bind(test.subscription_id.0)
    .bind(event.event_type.as_str())
    .bind(status.as_str())
    .bind(report.status_code.map(i64::from))
    .bind(report.kept_error())
    .bind(report.error_kind.map(|k| k.as_str()))
    .bind(now_us)
    .bind(now_us)
    .execute(&mut *tx)
    .await?;
    insert_attempts(&mut tx, &[(test.delivery_id.0, 1, report)]).await?;
    tx.commit().await?;
    drop(conn);
    Ok(())
}
