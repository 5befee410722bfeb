//! What the delivery engine asks of the store: leasing due work, recording
//! attempts with their consequences, and giving leases back.
//!
//! A delivery whose signing secret does not open (its key is not configured)
//! is never handed out, so never sent unsigned: its lease is given back in
//! the same transaction and the error names the key, while the other
//! subscriptions' work goes out as usual.

use chrono::{DateTime, Utc};

use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::rows::{self, SEND_COLUMNS};
use crate::domain::ids::{DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::domain::secret_box::SecretKeys;
use crate::domain::time::{from_micros, to_micros};
use crate::store::work::unless_unopened;
use crate::store::{Lease, SendTargets, StoreResult, WorkItem};

pub async fn due_subscriptions(
    pool: &SqlitePool,
    now: DateTime<Utc>,
) -> StoreResult<Vec<SubscriptionId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT s.id FROM subscriptions s WHERE s.status = 'enabled' AND s.deleted_at IS NULL \
         AND EXISTS (SELECT 1 FROM deliveries d WHERE d.subscription_id = s.id \
                     AND d.status = 'pending' AND d.next_attempt_at <= ?)",
    )
    .bind(to_micros(now))
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().map(SubscriptionId).collect())
}

pub async fn subscription_organizations(
    pool: &SqlitePool,
    ids: &[SubscriptionId],
) -> StoreResult<Vec<(SubscriptionId, OrganizationId)>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT id, organization_id FROM subscriptions WHERE deleted_at IS NULL AND id IN (",
        );
        let mut list = sql.separated(", ");
        for id in chunk {
            list.push_bind(id.0);
        }
        sql.push(")");
        for row in sql.build().fetch_all(pool).await? {
            found.push((
                SubscriptionId(row.try_get("id")?),
                OrganizationId::from_stored(row.try_get("organization_id")?),
            ));
        }
    }
    Ok(found)
}

pub async fn claim(
    pool: &SqlitePool,
    keys: &SecretKeys,
    lease: Lease<'_>,
    wants: &[(SubscriptionId, u32)],
) -> StoreResult<Vec<WorkItem>> {
    let mut conn = super::writer(pool, super::Sync::Relaxed).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    let items = claim_in(&mut tx, keys, lease, wants).await?;
    tx.commit().await?;
    drop(conn);
    Ok(items)
}

/// Leases inside the caller's write transaction: one statement reads every
/// wanted subscription's due deliveries with all a send needs, one marks
/// them leased. Each row read costs a hand-off from SQLite's worker thread,
/// so the deliveries are not also returned by the marking `UPDATE`.
pub async fn claim_in(
    tx: &mut SqliteConnection,
    keys: &SecretKeys,
    lease: Lease<'_>,
    wants: &[(SubscriptionId, u32)],
) -> StoreResult<Vec<WorkItem>> {
    let now = to_micros(lease.now);
    let mut items = Vec::new();
    let mut targets = SendTargets::default();
    let mut reported: Vec<SubscriptionId> = Vec::new();
    // SQLite allows at most 500 terms in one compound SELECT.
    for chunk in wants.chunks(100) {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new("");
        for (i, (subscription, limit)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            // The subscription's own condition names no delivery column, so
            // it is checked once, not per row.
            sql.push(format!(
                "SELECT * FROM (SELECT {WORK_COLUMNS}, {SEND_COLUMNS}, d.next_attempt_at "
            ))
            .push(FROM_WORK)
            .push(" WHERE d.subscription_id = ")
            .push_bind(subscription.0)
            .push(" AND d.status = 'pending' AND d.next_attempt_at <= ")
            .push_bind(now)
            .push(" AND EXISTS (SELECT 1 FROM subscriptions x WHERE x.id = ")
            .push_bind(subscription.0)
            .push(" AND x.status = 'enabled' AND x.deleted_at IS NULL)")
            .push(" ORDER BY d.next_attempt_at LIMIT ")
            .push_bind(i64::from(*limit))
            .push(")");
        }
        sql.push(" ORDER BY next_attempt_at");
        for row in sql.build().fetch_all(&mut *tx).await? {
            if let Some(item) = unless_unopened(work_item(&row, keys, &mut targets), &mut reported)?
            {
                items.push(item);
            }
        }
    }
    for chunk in items.chunks(500) {
        let mut mark: QueryBuilder<Sqlite> =
            QueryBuilder::new("UPDATE deliveries SET status = 'in_flight', lease_owner = ");
        mark.push_bind(lease.owner)
            .push(", lease_expires_at = ")
            .push_bind(to_micros(lease.until))
            .push(", updated_at = ")
            .push_bind(now)
            .push(" WHERE id IN (");
        let mut list = mark.separated(", ");
        for item in chunk {
            list.push_bind(item.delivery_id.0);
        }
        mark.push(")");
        mark.build().execute(&mut *tx).await?;
    }
    Ok(items)
}

/// The delivery and event columns [`work_item`] reads (with
/// [`rows::SEND_COLUMNS`]), and the tables they come from.
const WORK_COLUMNS: &str = "d.id, d.organization_id, d.event_id, d.subscription_id, d.event_type, \
    d.round_failures, d.attempt_count, e.occurred_at, e.data";
const FROM_WORK: &str = "FROM deliveries d JOIN events e ON e.id = d.event_id \
    JOIN subscriptions s ON s.id = d.subscription_id";

pub async fn claim_expired(
    pool: &SqlitePool,
    keys: &SecretKeys,
    lease: Lease<'_>,
    limit: u32,
) -> StoreResult<Vec<WorkItem>> {
    let now = to_micros(lease.now);
    let mut conn = super::writer(pool, super::Sync::Relaxed).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE deliveries SET lease_owner = ?1, lease_expires_at = ?2, updated_at = ?3 \
         WHERE id IN (SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id \
                      WHERE d.status = 'in_flight' AND d.lease_expires_at < ?3 \
                      AND s.status = 'enabled' AND s.deleted_at IS NULL \
                      ORDER BY d.lease_expires_at LIMIT ?4) \
         RETURNING id",
    )
    .bind(lease.owner)
    .bind(to_micros(lease.until))
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await?;
    let items = load(&mut tx, keys, &ids).await?;
    tx.commit().await?;
    drop(conn);
    Ok(items)
}

/// Everything needed to send the given (just leased) deliveries; those whose
/// secret does not open are put back to wait.
pub(super) async fn load(
    conn: &mut SqliteConnection,
    keys: &SecretKeys,
    ids: &[Uuid],
) -> StoreResult<Vec<WorkItem>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut items = Vec::with_capacity(ids.len());
    let mut unopened: Vec<Uuid> = Vec::new();
    let mut reported: Vec<SubscriptionId> = Vec::new();
    let mut targets = SendTargets::default();
    // Stay well below SQLite's limit on bound parameters.
    for chunk in ids.chunks(500) {
        let mut load: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {WORK_COLUMNS}, {SEND_COLUMNS} {FROM_WORK} WHERE d.id IN ("
        ));
        let mut list = load.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        load.push(") ORDER BY d.next_attempt_at");
        for row in load.build().fetch_all(&mut *conn).await? {
            match unless_unopened(work_item(&row, keys, &mut targets), &mut reported)? {
                Some(item) => items.push(item),
                None => unopened.push(row.try_get("id")?),
            }
        }
    }
    for chunk in unopened.chunks(500) {
        let mut back: QueryBuilder<Sqlite> = QueryBuilder::new(
            "UPDATE deliveries SET status = 'pending', lease_owner = NULL, \
             lease_expires_at = NULL WHERE id IN (",
        );
        let mut list = back.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        back.push(")");
        back.build().execute(&mut *conn).await?;
    }
    Ok(items)
}

fn work_item(
    row: &sqlx::sqlite::SqliteRow,
    keys: &SecretKeys,
    targets: &mut SendTargets,
) -> StoreResult<WorkItem> {
    let subscription_id = SubscriptionId(row.try_get("subscription_id")?);
    let target = targets.get(subscription_id, || {
        rows::send_target(row, keys, subscription_id)
    })?;
    Ok(WorkItem {
        delivery_id: DeliveryId(row.try_get("id")?),
        organization_id: OrganizationId::from_stored(row.try_get("organization_id")?),
        event_id: EventId(row.try_get("event_id")?),
        subscription_id,
        event_type: rows::event_type(row.try_get("event_type")?)?,
        occurred_at: from_micros(row.try_get("occurred_at")?),
        data_json: row.try_get("data")?,
        target: target.clone(),
        round_failures: rows::count(row, "round_failures")?,
        attempts_made: rows::count(row, "attempt_count")?,
    })
}

/// What sending to each of these subscriptions takes, read inside the
/// caller's transaction; a subscription whose secret does not open is left
/// out (and logged), so its deliveries are not leased.
pub(super) async fn send_targets(
    conn: &mut SqliteConnection,
    keys: &SecretKeys,
    ids: &[SubscriptionId],
) -> StoreResult<SendTargets> {
    let mut targets = SendTargets::default();
    let mut reported = Vec::new();
    for chunk in ids.chunks(500) {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT s.id, {SEND_COLUMNS} FROM subscriptions s WHERE s.id IN ("
        ));
        let mut list = sql.separated(", ");
        for id in chunk {
            list.push_bind(id.0);
        }
        sql.push(")");
        for row in sql.build().fetch_all(&mut *conn).await? {
            let id = SubscriptionId(row.try_get("id")?);
            targets.add(id, || rows::send_target(&row, keys, id), &mut reported)?;
        }
    }
    Ok(targets)
}

pub async fn release(pool: &SqlitePool, owner: &str, ids: &[DeliveryId]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
        "UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL \
         WHERE status = 'in_flight' AND lease_owner = ",
    );
    sql.push_bind(owner.to_owned()).push(" AND id IN (");
    let mut list = sql.separated(", ");
    for id in ids {
        list.push_bind(id.0);
    }
    sql.push(")");
    let mut conn = super::writer(pool, super::Sync::Relaxed).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    sql.build().execute(&mut *tx).await?;
    tx.commit().await?;
    drop(conn);
    Ok(())
}

/// SQLite runs one service process per file, so at start every lease belongs
/// to a process that is gone: free them all at once.
pub async fn recover_leases(pool: &SqlitePool) -> StoreResult<u64> {
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    let released = sqlx::query(
        "UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL \
         WHERE status = 'in_flight'",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    drop(conn);
    Ok(released)
}

/// Counts for the metrics, on a reader connection.
pub async fn stats(pool: &SqlitePool, now: DateTime<Utc>) -> StoreResult<crate::store::StoreStats> {
    let waiting: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'")
            .fetch_one(pool)
            .await?;
    let oldest_due: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(d.next_attempt_at) FROM deliveries d JOIN subscriptions s \
         ON s.id = d.subscription_id WHERE d.status = 'pending' AND d.next_attempt_at <= ? \
         AND s.status = 'enabled' AND s.deleted_at IS NULL",
    )
    .bind(to_micros(now))
    .fetch_one(pool)
    .await?;
    let disabled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM subscriptions WHERE status = 'disabled' AND deleted_at IS NULL",
    )
    .fetch_one(pool)
    .await?;
    Ok(crate::store::StoreStats {
        waiting: u64::try_from(waiting).unwrap_or(0),
        oldest_due: oldest_due.map(from_micros),
        disabled_subscriptions: u64::try_from(disabled).unwrap_or(0),
    })
}
