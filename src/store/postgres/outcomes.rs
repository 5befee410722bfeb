//! Recording a group of attempt outcomes in one transaction, as
//! [`Store::record_attempts`](crate::store::Store::record_attempts) lays out:
//! lock and read the subscriptions and deliveries involved, let the domain
//! rules fold the outcomes in ([`outcome::advance`], [`health::fold`]), write
//! back with statements over arrays, a handful per group whatever its size.
//!
//! Subscriptions are locked first, then deliveries, each in id order: the
//! order every transaction that touches both takes, so none deadlocks, and
//! the failure count read here cannot change before it is written back, so
//! automatic disabling comes at exactly the threshold even when instances
//! record attempts of one subscription at once.

use std::collections::{HashMap, HashSet};

use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::rows::{self, HEALTH_COLUMNS, opt_text, text, ts};
use crate::domain::delivery::{AttemptReport, DeliveryStatus};
use crate::domain::health::{self, AfterAttempt, Health, HealthPolicy};
use crate::domain::ids::{DeliveryId, SubscriptionId};
use crate::domain::outcome::{self, AttemptOutcome, DeliveryProgress, DeliveryUpdate};
use crate::store::{StoreError, StoreResult};

pub async fn record_attempts(
    pool: &PgPool,
    outcomes: &[AttemptOutcome],
    policy: HealthPolicy,
) -> StoreResult<Vec<AfterAttempt>> {
    let mut tx = super::begin(pool, super::Sync::Relaxed).await?;
    let after = record_in(&mut tx, outcomes, policy).await?;
    tx.commit().await?;
    Ok(after)
}

/// Records the attempts inside the caller's transaction.
pub async fn record_in(
    tx: &mut PgConnection,
    outcomes: &[AttemptOutcome],
    policy: HealthPolicy,
) -> StoreResult<Vec<AfterAttempt>> {
    let subscriptions: Vec<Uuid> = distinct(outcomes.iter().map(|o| o.subscription_id.0));
    let health = read_health(tx, &subscriptions).await?;
    let deliveries: Vec<Uuid> = distinct(outcomes.iter().map(|o| o.delivery_id.0));
    let progress = read_progress(tx, &deliveries).await?;
    let advanced = outcome::advance(outcomes, progress);
    update_deliveries(tx, &advanced.updates).await?;
    let rows: Vec<(Uuid, i32, &AttemptReport)> = advanced
        .attempts
        .iter()
        .map(|a| {
            let number = i32::try_from(a.number).unwrap_or(i32::MAX);
            (a.delivery_id.0, number, a.report)
        })
        .collect();
    insert_attempts(tx, &rows).await?;
    let attempts = outcomes.iter().map(|o| (o.subscription_id, &o.report));
    let folded = health::fold(health, attempts, policy);
    write_health(tx, &folded.changed).await?;
    Ok(folded.after)
}

/// The distinct ids, in id order: the order rows are locked in.
fn distinct(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.collect::<HashSet<Uuid>>().into_iter().collect();
    ids.sort();
    ids
}

async fn read_health(
    tx: &mut PgConnection,
    ids: &[Uuid],
) -> StoreResult<HashMap<SubscriptionId, Health>> {
    let sql = format!(
        "SELECT id, {HEALTH_COLUMNS} FROM subscriptions WHERE id = ANY($1) ORDER BY id FOR UPDATE"
    );
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ids)
        .fetch_all(&mut *tx)
        .await?;
    found
        .iter()
        .map(|row| Ok((SubscriptionId(row.try_get("id")?), rows::health(row)?)))
        .collect()
}

async fn read_progress(
    tx: &mut PgConnection,
    ids: &[Uuid],
) -> StoreResult<HashMap<DeliveryId, DeliveryProgress>> {
    let found = sqlx::query(
        "SELECT id, status, attempt_count FROM deliveries WHERE id = ANY($1) ORDER BY id FOR UPDATE",
    )
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?;
    found
        .iter()
        .map(|row| {
            let status: String = row.try_get("status")?;
            Ok((
                DeliveryId(row.try_get("id")?),
                DeliveryProgress {
                    status: DeliveryStatus::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("delivery status: {status}")))?,
                    attempt_count: rows::count(row, "attempt_count")?,
                },
            ))
        })
        .collect()
}

/// Writes what [`outcome::advance`] decided; a delivery that moved on during
/// its attempt keeps its status, schedule, round and lease.
async fn update_deliveries(tx: &mut PgConnection, updates: &[DeliveryUpdate]) -> StoreResult<()> {
    if updates.is_empty() {
        return Ok(());
    }
    let settled = |u: &DeliveryUpdate| u.settled;
    sqlx::query(
        "UPDATE deliveries d SET attempt_count = v.attempt_count, \
         status = CASE WHEN v.settled THEN v.status ELSE d.status END, \
         next_attempt_at = CASE WHEN v.settled THEN v.next_at ELSE d.next_attempt_at END, \
         round_failures = CASE WHEN v.settled THEN v.round_failures ELSE d.round_failures END, \
         lease_owner = CASE WHEN v.settled THEN NULL ELSE d.lease_owner END, \
         lease_expires_at = CASE WHEN v.settled THEN NULL ELSE d.lease_expires_at END, \
         lease_instance = CASE WHEN v.settled THEN NULL ELSE d.lease_instance END, \
         last_status_code = v.status_code, last_error = v.error, \
         last_error_kind = v.error_kind, updated_at = v.updated_at \
         FROM unnest($1::uuid[], $2::int[], $3::bool[], $4::text[], $5::timestamptz[], \
                     $6::int[], $7::int[], $8::text[], $9::timestamptz[], $10::text[]) \
           AS v (id, attempt_count, settled, status, next_at, round_failures, status_code, \
                 error, updated_at, error_kind) \
         WHERE d.id = v.id",
    )
    .bind(updates.iter().map(|u| u.id.0).collect::<Vec<_>>())
    .bind(
        updates
            .iter()
            .map(|u| i32::try_from(u.attempt_count).unwrap_or(i32::MAX))
            .collect::<Vec<_>>(),
    )
    .bind(
        updates
            .iter()
            .map(|u| settled(u).is_some())
            .collect::<Vec<_>>(),
    )
    .bind(
        updates
            .iter()
            .map(|u| settled(u).map(|s| s.status.as_str()))
            .collect::<Vec<_>>(),
    )
    .bind(
        updates
            .iter()
            .map(|u| settled(u).and_then(|s| s.next_attempt_at).map(ts))
            .collect::<Vec<_>>(),
    )
    .bind(
        updates
            .iter()
            .map(|u| settled(u).map(|s| i32::try_from(s.round_failures).unwrap_or(i32::MAX)))
            .collect::<Vec<_>>(),
    )
    .bind(
        updates
            .iter()
            .map(|u| u.last_status_code.map(i32::from))
            .collect::<Vec<_>>(),
    )
    .bind(
        updates
            .iter()
            .map(|u| opt_text(u.last_error.clone()))
            .collect::<Vec<_>>(),
    )
    .bind(updates.iter().map(|u| ts(u.updated_at)).collect::<Vec<_>>())
    .bind(
        updates
            .iter()
            .map(|u| u.last_error_kind.map(|k| k.as_str()))
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Inserts attempt rows: (delivery, attempt number, what happened).
pub(super) async fn insert_attempts(
    tx: &mut PgConnection,
    rows: &[(Uuid, i32, &AttemptReport)],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO attempts (delivery_id, number, started_at, duration_us, status_code, error, \
         response_excerpt, error_kind) \
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::bigint[], $5::int[], \
                              $6::text[], $7::text[], $8::text[])",
    )
    .bind(rows.iter().map(|(id, ..)| *id).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, n, _)| *n).collect::<Vec<_>>())
    .bind(
        rows.iter()
            .map(|(.., r)| ts(r.started_at))
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(.., r)| i64::try_from(r.duration.as_micros()).unwrap_or(i64::MAX))
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(.., r)| r.status_code.map(i32::from))
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(.., r)| opt_text(r.kept_error()))
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(.., r)| text(&r.response_excerpt))
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(.., r)| r.error_kind.map(|k| k.as_str()))
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Writes health as [`health::fold`] left it. `updated_at` moves to the
/// latest success or failure it records, never back.
async fn write_health(
    tx: &mut PgConnection,
    changed: &[(SubscriptionId, Health)],
) -> StoreResult<()> {
    if changed.is_empty() {
        return Ok(());
    }
    let columns: Vec<(&str, Option<&str>)> = changed
        .iter()
        .map(|(_, h)| super::subscriptions::state_columns(h.state))
        .collect();
    sqlx::query(
        "UPDATE subscriptions s SET status = v.status, disabled_reason = v.reason, \
         consecutive_failures = v.failures, last_success_at = v.success, \
         last_failure_at = v.failure, last_error = v.error, last_error_kind = v.error_kind, \
         updated_at = GREATEST(s.updated_at, v.success, v.failure) \
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], \
                     $6::timestamptz[], $7::text[], $8::text[]) \
           AS v (id, status, reason, failures, success, failure, error, error_kind) \
         WHERE s.id = v.id",
    )
    .bind(changed.iter().map(|(id, _)| id.0).collect::<Vec<_>>())
    .bind(columns.iter().map(|(s, _)| *s).collect::<Vec<_>>())
    .bind(columns.iter().map(|(_, r)| *r).collect::<Vec<_>>())
    .bind(
        changed
            .iter()
            .map(|(_, h)| i32::try_from(h.consecutive_failures).unwrap_or(i32::MAX))
            .collect::<Vec<_>>(),
    )
    .bind(
        changed
            .iter()
            .map(|(_, h)| h.last_success_at.map(ts))
            .collect::<Vec<_>>(),
    )
    .bind(
        changed
            .iter()
            .map(|(_, h)| h.last_failure_at.map(ts))
            .collect::<Vec<_>>(),
    )
    .bind(
        changed
            .iter()
            .map(|(_, h)| opt_text(h.last_error.clone()))
            .collect::<Vec<_>>(),
    )
    .bind(
        changed
            .iter()
            .map(|(_, h)| h.last_error_kind.map(|k| k.as_str()))
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}
