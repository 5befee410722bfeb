//! Reading one delivery with its attempts, and changing the delivery log:
//! redelivering, replaying, recording tests. Lists are in
//! [`delivery_log`](super::delivery_log).

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};

use super::events::{insert_events, insert_pending_deliveries, stored};
use super::outcomes::insert_attempts;
use super::rows::{self, DELIVERY_COLUMNS, opt_text, ts};
use crate::domain::delivery::{DeliveryStatus, may_redeliver};
use crate::domain::ids::{DeliveryId, OrganizationId, SubscriptionId};
use crate::domain::subscription::EventTypes;
use crate::store::sqlite::minted_at;
use crate::store::{
    Attempt, Delivery, RedeliverOutcome, ReplayCounts, StoreResult, StoredEvent, TestDeliveryRecord,
};

pub async fn get(
    pool: &PgPool,
    org: &OrganizationId,
    id: DeliveryId,
) -> StoreResult<Option<(Delivery, Vec<Attempt>)>> {
    // One snapshot: the delivery and its attempts as of one commit, never a
    // recorded attempt beside the delivery as it was before.
    let mut conn = pool.acquire().await?;
    let mut tx = sqlx::Connection::begin_with(
        &mut *conn,
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    )
    .await?;
    let sql =
        format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1 AND organization_id = $2");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .bind(org.as_str())
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let delivery = rows::delivery(&row)?;
    let found = sqlx::query(
        "SELECT number, started_at, duration_us, status_code, error, error_kind, response_excerpt \
         FROM attempts WHERE delivery_id = $1 ORDER BY number",
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

/// Schedules the delivery again now, unless it is a test, in flight, or its
/// subscription was deleted: decided on the locked row, in the transaction
/// that changes it.
pub async fn redeliver(
    pool: &PgPool,
    instance: &str,
    org: &OrganizationId,
    id: DeliveryId,
    now: DateTime<Utc>,
) -> StoreResult<RedeliverOutcome> {
    let now = ts(now);
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    let found = sqlx::query(
        "SELECT d.status, d.test, s.deleted_at IS NULL AS live FROM deliveries d \
         JOIN subscriptions s ON s.id = d.subscription_id \
         WHERE d.id = $1 AND d.organization_id = $2 FOR UPDATE OF d",
    )
    .bind(id.0)
    .bind(org.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(found) = found else {
        return Ok(RedeliverOutcome::NotFound);
    };
    let status: String = found.try_get("status")?;
    let status =
        DeliveryStatus::parse(&status).ok_or_else(|| rows::corrupt("delivery status", &status))?;
    let test = found.try_get::<bool, _>("test")?;
    let deleted = !found.try_get::<bool, _>("live")?;
    if let Err(refusal) = may_redeliver(status, test, deleted) {
        return Ok(refusal.into());
    }
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = $1, round_failures = 0, \
         lease_owner = NULL, lease_expires_at = NULL, lease_instance = NULL, updated_at = $1 \
         WHERE id = $2 RETURNING {DELIVERY_COLUMNS}"
    )))
    .bind(now)
    .bind(id.0)
    .fetch_one(&mut *tx)
    .await?;
    let delivery = rows::delivery(&row)?;
    super::notify::due(&mut tx, instance, [delivery.subscription_id.0]).await?;
    tx.commit().await?;
    Ok(RedeliverOutcome::Scheduled(delivery))
}

pub async fn replay(
    pool: &PgPool,
    instance: &str,
    org: &OrganizationId,
    id: SubscriptionId,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<Option<ReplayCounts>> {
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    let mask: Option<i64> = sqlx::query_scalar(
        "SELECT event_types FROM subscriptions \
         WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL",
    )
    .bind(id.0)
    .bind(org.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(mask) = mask else {
        return Ok(None);
    };
    let types: Vec<&str> = EventTypes::from_mask(mask)
        .as_slice()
        .iter()
        .map(|t| t.as_str())
        .collect();
    let since = ts(since);
    let now = ts(now);
    let rescheduled = sqlx::query(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = $1, round_failures = 0, \
         updated_at = $1 WHERE subscription_id = $2 AND status = 'failed' AND NOT test \
         AND event_id IN (SELECT id FROM events WHERE organization_id = $3 AND occurred_at >= $4)",
    )
    .bind(now)
    .bind(id.0)
    .bind(org.as_str())
    .bind(since)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // FOR KEY SHARE: an event being purged (retention) is skipped rather
    // than given a delivery that would then point nowhere.
    let prefixed = rows::EVENT_COLUMNS
        .split(", ")
        .map(|c| format!("e.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let missing = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {prefixed} FROM events e WHERE e.organization_id = $1 AND e.occurred_at >= $2 \
         AND NOT e.test AND e.event_type = ANY($3) \
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.subscription_id = $4) \
         ORDER BY e.id FOR KEY SHARE OF e"
    )))
    .bind(org.as_str())
    .bind(since)
    .bind(&types)
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
    let created = insert_pending_deliveries(&mut tx, &new).await?;
    if created + rescheduled > 0 {
        super::notify::due(&mut tx, instance, [id.0]).await?;
    }
    tx.commit().await?;
    Ok(Some(ReplayCounts {
        created,
        rescheduled,
    }))
}

pub async fn record_test(pool: &PgPool, test: TestDeliveryRecord) -> StoreResult<()> {
    let event = stored(&test.event);
    let report = &test.report;
    let status = if report.succeeded() {
        DeliveryStatus::Succeeded
    } else {
        DeliveryStatus::Failed
    };
    let now = ts(test.event.now);
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    insert_events(&mut tx, std::slice::from_ref(&event), true).await?;
    sqlx::query(
        "INSERT INTO deliveries (id, organization_id, event_id, subscription_id, event_type, \
         status, attempt_count, last_status_code, last_error, last_error_kind, test, created_at, \
         updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $10, true, $9, $9)",
    )
    .bind(test.delivery_id.0)
    .bind(event.organization_id.as_str())
    .bind(event.id.0)
    .bind(test.subscription_id.0)
    .bind(event.event_type.as_str())
    .bind(status.as_str())
    .bind(report.status_code.map(i32::from))
    .bind(opt_text(report.kept_error()))
    .bind(now)
    .bind(report.error_kind.map(|k| k.as_str()))
    .execute(&mut *tx)
    .await?;
    insert_attempts(&mut tx, &[(test.delivery_id.0, 1, report)]).await?;
    tx.commit().await?;
    Ok(())
}
