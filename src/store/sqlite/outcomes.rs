//! Recording a group of attempt outcomes in one transaction, as
//! [`Store::record_attempts`](crate::store::Store::record_attempts) lays out:
//! read the deliveries and subscriptions involved, let the domain rules fold
//! the outcomes in ([`outcome::advance`], [`health::fold`]), write back. A
//! handful of multi-row statements per group instead of several per attempt,
//! since every statement is a round trip to SQLite's worker thread.

use std::collections::{HashMap, HashSet};

use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::rows::{self, HEALTH_COLUMNS};
use crate::domain::delivery::DeliveryStatus;
use crate::domain::health::{self, AfterAttempt, Health, HealthPolicy};
use crate::domain::ids::{DeliveryId, SubscriptionId};
use crate::domain::outcome::{self, AttemptOutcome, AttemptRow, DeliveryProgress, DeliveryUpdate};
use crate::domain::time::to_micros;
use crate::store::{StoreError, StoreResult};

/// Rows per multi-row statement (at most 10 parameters each).
const ROWS: usize = 300;

pub async fn record_attempts(
    pool: &SqlitePool,
    outcomes: &[AttemptOutcome],
    policy: HealthPolicy,
) -> StoreResult<Vec<AfterAttempt>> {
    let mut conn = super::writer(pool, super::Sync::Relaxed).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    let after = record_in(&mut tx, outcomes, policy).await?;
    tx.commit().await?;
    drop(conn);
    Ok(after)
}

/// Records the attempts inside the caller's write transaction.
pub async fn record_in(
    tx: &mut SqliteConnection,
    outcomes: &[AttemptOutcome],
    policy: HealthPolicy,
) -> StoreResult<Vec<AfterAttempt>> {
    let deliveries: Vec<DeliveryId> = distinct(outcomes.iter().map(|o| o.delivery_id));
    let progress = read_progress(tx, &deliveries).await?;
    let advanced = outcome::advance(outcomes, progress);
    for chunk in advanced.updates.chunks(ROWS) {
        update_deliveries(tx, chunk).await?;
    }
    for chunk in advanced.attempts.chunks(ROWS) {
        let rows: Vec<(Uuid, i64, &_)> = chunk
            .iter()
            .map(|a: &AttemptRow<'_>| (a.delivery_id.0, i64::from(a.number), a.report))
            .collect();
        insert_attempts(tx, &rows).await?;
    }
    let subscriptions: Vec<SubscriptionId> = distinct(outcomes.iter().map(|o| o.subscription_id));
    let health = read_health(tx, &subscriptions).await?;
    let attempts = outcomes.iter().map(|o| (o.subscription_id, &o.report));
    let folded = health::fold(health, attempts, policy);
    for chunk in folded.changed.chunks(ROWS) {
        write_health(tx, chunk).await?;
    }
    Ok(folded.after)
}

/// The distinct ids, in id order: the order rows are read and locked in.
fn distinct<T: Ord + Copy + std::hash::Hash>(ids: impl Iterator<Item = T>) -> Vec<T> {
    let mut ids: Vec<T> = ids.collect::<HashSet<T>>().into_iter().collect();
    ids.sort();
    ids
}

async fn read_progress(
    tx: &mut SqliteConnection,
    ids: &[DeliveryId],
) -> StoreResult<HashMap<DeliveryId, DeliveryProgress>> {
    let mut progress = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS) {
        let mut sql: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT id, status, attempt_count FROM deliveries WHERE id IN (");
        let mut list = sql.separated(", ");
        for id in chunk {
            list.push_bind(id.0);
        }
        sql.push(") ORDER BY id");
        for row in sql.build().fetch_all(&mut *tx).await? {
            let status: String = row.try_get("status")?;
            progress.insert(
                DeliveryId(row.try_get("id")?),
                DeliveryProgress {
                    status: DeliveryStatus::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("delivery status: {status}")))?,
                    attempt_count: rows::count(&row, "attempt_count")?,
                },
            );
        }
    }
    Ok(progress)
}

/// Writes what [`outcome::advance`] decided; a delivery that moved on during
/// its attempt keeps its status, schedule, round and lease.
async fn update_deliveries(tx: &mut SqliteConnection, chunk: &[DeliveryUpdate]) -> StoreResult<()> {
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
        "UPDATE deliveries SET attempt_count = v.column2, \
         status = CASE WHEN v.column3 THEN v.column4 ELSE status END, \
         next_attempt_at = CASE WHEN v.column3 THEN v.column5 ELSE next_attempt_at END, \
         round_failures = CASE WHEN v.column3 THEN v.column6 ELSE round_failures END, \
         lease_owner = CASE WHEN v.column3 THEN NULL ELSE lease_owner END, \
         lease_expires_at = CASE WHEN v.column3 THEN NULL ELSE lease_expires_at END, \
         last_status_code = v.column7, last_error = v.column8, updated_at = v.column9, \
         last_error_kind = v.column10 FROM (",
    );
    sql.push_values(chunk, |mut row, update| {
        let settled = update.settled;
        row.push_bind(update.id.0)
            .push_bind(i64::from(update.attempt_count))
            .push_bind(settled.is_some())
            .push_bind(settled.map(|s| s.status.as_str()))
            .push_bind(settled.and_then(|s| s.next_attempt_at).map(to_micros))
            .push_bind(settled.map(|s| i64::from(s.round_failures)))
            .push_bind(update.last_status_code.map(i64::from))
            .push_bind(update.last_error.clone())
            .push_bind(to_micros(update.updated_at))
            .push_bind(update.last_error_kind.map(|k| k.as_str()));
    });
    sql.push(") AS v WHERE deliveries.id = v.column1");
    sql.build().execute(&mut *tx).await?;
    Ok(())
}

/// Inserts attempt rows: (delivery, attempt number, what happened).
pub(super) async fn insert_attempts(
    tx: &mut SqliteConnection,
    rows: &[(Uuid, i64, &crate::domain::delivery::AttemptReport)],
) -> StoreResult<()> {
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO attempts (delivery_id, number, started_at, duration_us, status_code, error, \
         response_excerpt, error_kind) ",
    );
    sql.push_values(rows, |mut row, (delivery_id, number, report)| {
        row.push_bind(*delivery_id)
            .push_bind(*number)
            .push_bind(to_micros(report.started_at))
            .push_bind(i64::try_from(report.duration.as_micros()).unwrap_or(i64::MAX))
            .push_bind(report.status_code.map(i64::from))
            .push_bind(report.kept_error())
            .push_bind(report.response_excerpt.clone())
            .push_bind(report.error_kind.map(|k| k.as_str()));
    });
    sql.build().execute(&mut *tx).await?;
    Ok(())
}

async fn read_health(
    tx: &mut SqliteConnection,
    ids: &[SubscriptionId],
) -> StoreResult<HashMap<SubscriptionId, Health>> {
    let mut health = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS) {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT id, {HEALTH_COLUMNS} FROM subscriptions WHERE id IN ("
        ));
        let mut list = sql.separated(", ");
        for id in chunk {
            list.push_bind(id.0);
        }
        sql.push(") ORDER BY id");
        for row in sql.build().fetch_all(&mut *tx).await? {
            health.insert(SubscriptionId(row.try_get("id")?), rows::health(&row)?);
        }
    }
    Ok(health)
}

/// Writes health as [`health::fold`] left it. `updated_at` moves to the
/// latest success or failure it records, never back.
async fn write_health(
    tx: &mut SqliteConnection,
    chunk: &[(SubscriptionId, Health)],
) -> StoreResult<()> {
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
        "UPDATE subscriptions SET status = v.column2, disabled_reason = v.column3, \
         consecutive_failures = v.column4, last_success_at = v.column5, \
         last_failure_at = v.column6, last_error = v.column7, last_error_kind = v.column8, \
         updated_at = MAX(updated_at, COALESCE(v.column5, 0), COALESCE(v.column6, 0)) FROM (",
    );
    sql.push_values(chunk, |mut row, (id, health)| {
        let (status, reason) = super::subscriptions::state_columns(health.state);
        row.push_bind(id.0)
            .push_bind(status)
            .push_bind(reason)
            .push_bind(i64::from(health.consecutive_failures))
            .push_bind(health.last_success_at.map(to_micros))
            .push_bind(health.last_failure_at.map(to_micros))
            .push_bind(health.last_error.clone())
            .push_bind(health.last_error_kind.map(|k| k.as_str()));
    });
    sql.push(") AS v WHERE subscriptions.id = v.column1");
    sql.build().execute(&mut *tx).await?;
    Ok(())
}
