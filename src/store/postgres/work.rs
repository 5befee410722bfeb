//! What the delivery engine asks of the store: leasing due work, giving
//! leases back, and at start freeing the leases of instances that are gone.
//!
//! Claims lock the rows they take with `FOR UPDATE SKIP LOCKED`, so any
//! number of instances claim side by side without waiting on or taking each
//! other's rows. A lease names its owner (the engine) and the store instance
//! that took it, whose connections carry that name as `application_name`:
//! while such a connection exists the lease is live, and only its expiry
//! frees it; once every connection of that instance is gone (it crashed or
//! stopped) a starting instance frees it at once.
//!
//! Work one instance makes due for another (leases given back, leases of a
//! gone instance freed) is announced with [`notify`](super::notify), like
//! emits, replays, redeliveries and reactivations, so a free instance
//! claims it at once.
//!
//! The per-subscription concurrency cap (`--max-in-flight-per-subscription`)
//! holds per instance, not across instances: each instance counts the
//! attempts it runs, so N instances may have up to N times the cap in
//! flight to one subscription (the same holds for the per-organization
//! share). Making it global would mean counting the subscription's live
//! leases in the claim under a lock every claim of that subscription waits
//! on, and telling every instance whenever any attempt finishes (the only
//! moment a slot frees): a round trip and a notification per attempt, for a
//! bound an operator gets as well by dividing the cap by the replica count.
//!
//! Claims skip the temporary subscriptions of `listen` sessions other
//! instances hold (their URL names the instance, see
//! `delivery::listen_sessions`): only the instance holding a session can
//! send to it, and others must not fail its deliveries.
//!
//! A delivery whose signing secret does not open (its key is not configured)
//! is never handed out, so never sent unsigned: its lease is given back in
//! the same transaction and the error names the key, while the other
//! subscriptions' work goes out as usual.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::rows::{self, SEND_COLUMNS, ts};
use crate::domain::ids::{DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::domain::secret_box::SecretKeys;
use crate::domain::time;
use crate::store::work::unless_unopened;
use crate::store::{Lease, SendTargets, StoreResult, WorkItem};

pub async fn due_subscriptions(
    pool: &PgPool,
    now: DateTime<Utc>,
) -> StoreResult<Vec<SubscriptionId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT s.id FROM subscriptions s WHERE s.status = 'enabled' AND s.deleted_at IS NULL \
         AND EXISTS (SELECT 1 FROM deliveries d WHERE d.subscription_id = s.id \
                     AND d.status = 'pending' AND d.next_attempt_at <= $1)",
    )
    .bind(ts(now))
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().map(SubscriptionId).collect())
}

pub async fn subscription_organizations(
    pool: &PgPool,
    ids: &[SubscriptionId],
) -> StoreResult<Vec<(SubscriptionId, OrganizationId)>> {
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let found: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT id, organization_id FROM subscriptions WHERE deleted_at IS NULL AND id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    Ok(found
        .into_iter()
        .map(|(id, org)| (SubscriptionId(id), OrganizationId::from_stored(org)))
        .collect())
}

/// Leases, per subscription, up to the wanted number of its due deliveries,
/// oldest due first, if it is enabled: one statement for all of them.
pub async fn claim(
    pool: &PgPool,
    keys: &SecretKeys,
    instance: &str,
    lease: Lease<'_>,
    wants: &[(SubscriptionId, u32)],
) -> StoreResult<Vec<WorkItem>> {
    if wants.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = super::begin(pool, super::Sync::Relaxed).await?;
    let items = claim_in(&mut tx, keys, instance, lease, wants).await?;
    tx.commit().await?;
    Ok(items)
}

/// Leases inside the caller's transaction.
pub async fn claim_in(
    tx: &mut PgConnection,
    keys: &SecretKeys,
    instance: &str,
    lease: Lease<'_>,
    wants: &[(SubscriptionId, u32)],
) -> StoreResult<Vec<WorkItem>> {
    if wants.is_empty() {
        return Ok(Vec::new());
    }
    let subscriptions: Vec<Uuid> = wants.iter().map(|(s, _)| s.0).collect();
    let limits: Vec<i64> = wants.iter().map(|(_, n)| i64::from(*n)).collect();
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "WITH picked AS ( \
           SELECT due.id FROM unnest($1::uuid[], $2::bigint[]) AS w (subscription_id, n) \
           JOIN subscriptions s ON s.id = w.subscription_id \
             AND s.status = 'enabled' AND s.deleted_at IS NULL \
             AND (s.url NOT LIKE 'listen://%' OR split_part(substr(s.url, 10), '/', 1) = $6) \
           CROSS JOIN LATERAL ( \
             SELECT d.id FROM deliveries d WHERE d.subscription_id = w.subscription_id \
             AND d.status = 'pending' AND d.next_attempt_at <= $3 \
             ORDER BY d.next_attempt_at LIMIT w.n FOR UPDATE SKIP LOCKED) AS due) \
         UPDATE deliveries SET status = 'in_flight', lease_owner = $4, lease_expires_at = $5, \
           lease_instance = $6, updated_at = $3 \
         FROM picked WHERE deliveries.id = picked.id RETURNING deliveries.id",
    )
    .bind(&subscriptions)
    .bind(&limits)
    .bind(ts(lease.now))
    .bind(lease.owner)
    .bind(ts(lease.until))
    .bind(instance)
    .fetch_all(&mut *tx)
    .await?;
    load(tx, keys, &ids).await
}

/// Leases fresh deliveries an emit just inserted (inside its transaction),
/// except those of `listen` sessions another instance holds, and those of a
/// subscription another instance disabled or deleted since the emit read
/// it; returns the ids leased.
pub(super) async fn lease_fresh(
    tx: &mut PgConnection,
    instance: &str,
    lease: Lease<'_>,
    ids: &[Uuid],
) -> StoreResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "UPDATE deliveries d SET status = 'in_flight', lease_owner = $2, lease_expires_at = $3, \
           lease_instance = $4, updated_at = $5 \
         FROM subscriptions s WHERE d.id = ANY($1) AND d.status = 'pending' \
           AND s.id = d.subscription_id AND s.status = 'enabled' AND s.deleted_at IS NULL \
           AND (s.url NOT LIKE 'listen://%' OR split_part(substr(s.url, 10), '/', 1) = $4) \
         RETURNING d.id",
    )
    .bind(ids)
    .bind(lease.owner)
    .bind(ts(lease.until))
    .bind(instance)
    .bind(ts(lease.now))
    .fetch_all(&mut *tx)
    .await?)
}

/// Takes over up to `limit` deliveries whose lease expired, of enabled subscriptions.
pub async fn claim_expired(
    pool: &PgPool,
    keys: &SecretKeys,
    instance: &str,
    lease: Lease<'_>,
    limit: u32,
) -> StoreResult<Vec<WorkItem>> {
    let mut tx = super::begin(pool, super::Sync::Relaxed).await?;
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE deliveries SET lease_owner = $1, lease_expires_at = $2, lease_instance = $3, \
         updated_at = $4 \
         WHERE id IN (SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id \
                      WHERE d.status = 'in_flight' AND d.lease_expires_at < $4 \
                      AND s.status = 'enabled' AND s.deleted_at IS NULL \
                      AND (s.url NOT LIKE 'listen://%' \
                           OR split_part(substr(s.url, 10), '/', 1) = $3) \
                      ORDER BY d.lease_expires_at LIMIT $5 FOR UPDATE OF d SKIP LOCKED) \
         RETURNING id",
    )
    .bind(lease.owner)
    .bind(ts(lease.until))
    .bind(instance)
    .bind(ts(lease.now))
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await?;
    let items = load(&mut tx, keys, &ids).await?;
    tx.commit().await?;
    Ok(items)
}

/// Everything needed to send the given (just leased) deliveries; those whose
/// secret does not open are put back to wait.
pub(super) async fn load(
    conn: &mut PgConnection,
    keys: &SecretKeys,
    ids: &[Uuid],
) -> StoreResult<Vec<WorkItem>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT d.id, d.organization_id, d.event_id, d.subscription_id, d.event_type, \
         d.round_failures, d.attempt_count, e.occurred_at, e.data, {SEND_COLUMNS} \
         FROM deliveries d JOIN events e ON e.id = d.event_id \
         JOIN subscriptions s ON s.id = d.subscription_id WHERE d.id = ANY($1) \
         ORDER BY d.next_attempt_at"
    );
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut items = Vec::with_capacity(ids.len());
    let mut unopened: Vec<Uuid> = Vec::new();
    let mut reported: Vec<SubscriptionId> = Vec::new();
    let mut targets = SendTargets::default();
    for row in found {
        match unless_unopened(work_item(&row, keys, &mut targets), &mut reported)? {
            Some(item) => items.push(item),
            None => unopened.push(row.try_get("id")?),
        }
    }
    if !unopened.is_empty() {
        sqlx::query(
            "UPDATE deliveries SET status = 'pending', lease_owner = NULL, \
             lease_expires_at = NULL, lease_instance = NULL WHERE id = ANY($1)",
        )
        .bind(&unopened)
        .execute(&mut *conn)
        .await?;
    }
    Ok(items)
}

fn work_item(row: &PgRow, keys: &SecretKeys, targets: &mut SendTargets) -> StoreResult<WorkItem> {
    let subscription_id = SubscriptionId(row.try_get("subscription_id")?);
    let target = targets.get(subscription_id, || {
        rows::send_target(row, keys, subscription_id)
    })?;
    let round_failures: i32 = row.try_get("round_failures")?;
    let attempts_made: i32 = row.try_get("attempt_count")?;
    Ok(WorkItem {
        delivery_id: DeliveryId(row.try_get("id")?),
        organization_id: OrganizationId::from_stored(row.try_get("organization_id")?),
        event_id: EventId(row.try_get("event_id")?),
        subscription_id,
        event_type: rows::event_type(row.try_get("event_type")?)?,
        occurred_at: row.try_get("occurred_at")?,
        data_json: row.try_get("data")?,
        target: target.clone(),
        round_failures: u32::try_from(round_failures).unwrap_or(u32::MAX),
        attempts_made: u32::try_from(attempts_made).unwrap_or(0),
    })
}

/// What sending to each of these subscriptions takes, read inside the
/// caller's transaction; a subscription whose secret does not open is left
/// out (and logged), so its deliveries are not leased.
pub(super) async fn send_targets(
    conn: &mut PgConnection,
    keys: &SecretKeys,
    ids: &[SubscriptionId],
) -> StoreResult<SendTargets> {
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let sql = format!("SELECT s.id, {SEND_COLUMNS} FROM subscriptions s WHERE s.id = ANY($1)");
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut targets = SendTargets::default();
    let mut reported = Vec::new();
    for row in found {
        let id = SubscriptionId(row.try_get("id")?);
        targets.add(id, || rows::send_target(&row, keys, id), &mut reported)?;
    }
    Ok(targets)
}

/// Gives leases back; other instances hear of the work at once, since this
/// one had no room for it.
pub async fn release(
    pool: &PgPool,
    instance: &str,
    owner: &str,
    ids: &[DeliveryId],
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let mut tx = super::begin(pool, super::Sync::Relaxed).await?;
    let subscriptions: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL, \
         lease_instance = NULL WHERE status = 'in_flight' AND lease_owner = $1 AND id = ANY($2) \
         RETURNING subscription_id",
    )
    .bind(owner)
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    super::notify::due(&mut tx, instance, subscriptions).await?;
    tx.commit().await?;
    Ok(())
}

/// Called once at start: frees the leases of instances that are gone (no
/// connection of theirs is open) and leases that expired. A live instance's
/// leases are left alone, however old its attempts.
pub async fn recover_leases(pool: &PgPool, instance: &str) -> StoreResult<u64> {
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    let released: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL, \
         lease_instance = NULL \
         WHERE id IN (SELECT d.id FROM deliveries d WHERE d.status = 'in_flight' \
                      AND (d.lease_expires_at < $1 OR d.lease_instance IS NULL \
                           OR (d.lease_instance <> $2 AND NOT EXISTS ( \
                               SELECT 1 FROM pg_stat_activity a \
                               WHERE a.application_name = d.lease_instance))) \
                      FOR UPDATE SKIP LOCKED) \
         RETURNING subscription_id",
    )
    .bind(ts(time::now()))
    .bind(instance)
    .fetch_all(&mut *tx)
    .await?;
    let count = released.len() as u64;
    // The instances already running get their share of it at once.
    super::notify::due(&mut tx, instance, released).await?;
    tx.commit().await?;
    Ok(count)
}

/// Counts for the metrics.
pub async fn stats(pool: &PgPool, now: DateTime<Utc>) -> StoreResult<crate::store::StoreStats> {
    let (waiting, oldest_due, disabled): (i64, Option<DateTime<Utc>>, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM deliveries WHERE status = 'pending'), \
         (SELECT MIN(d.next_attempt_at) FROM deliveries d JOIN subscriptions s \
          ON s.id = d.subscription_id WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
          AND s.status = 'enabled' AND s.deleted_at IS NULL), \
         (SELECT COUNT(*) FROM subscriptions WHERE status = 'disabled' AND deleted_at IS NULL)",
    )
    .bind(ts(now))
    .fetch_one(pool)
    .await?;
    Ok(crate::store::StoreStats {
        waiting: u64::try_from(waiting).unwrap_or(0),
        oldest_due,
        disabled_subscriptions: u64::try_from(disabled).unwrap_or(0),
    })
}
