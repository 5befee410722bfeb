//! Subscription rows. Signing secrets are sealed on the way in and opened on
//! the way out, bound to their subscription's id. Enabling and disabling
//! follow [`Health::set_enabled`] on the row as the transaction read it.

use chrono::{DateTime, Utc};

use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

use super::rows::{self, HEALTH_COLUMNS, SUBSCRIPTION_COLUMNS};
use crate::domain::health::{Health, Waiting};
use crate::domain::ids::{OrganizationId, SubscriptionId};
use crate::domain::secret_box::SecretKeys;
use crate::domain::subscription::SubscriptionState;
use crate::domain::time::{from_micros, to_micros};
use crate::store::{
    CLEAR_PREVIOUS_SECRET, NewSubscription, SecretWrite, StoreError, StoreResult, Subscription,
    SubscriptionPatch, SubscriptionQuery,
};

/// The `status` and `disabled_reason` columns of a state.
pub(super) fn state_columns(state: SubscriptionState) -> (&'static str, Option<&'static str>) {
    match state {
        SubscriptionState::Enabled => ("enabled", None),
        SubscriptionState::Disabled(reason) => ("disabled", Some(reason.as_str())),
    }
}

/// Creates the subscription unless its organization already has `max` of
/// them. The count and the insert are one statement on the one writer
/// connection, so concurrent creates cannot race past the cap.
pub async fn create(
    pool: &SqlitePool,
    keys: &SecretKeys,
    new: NewSubscription,
    max: u32,
) -> StoreResult<Subscription> {
    let (status, reason) = state_columns(new.state);
    let now = to_micros(new.now);
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    let inserted = sqlx::query(
        "INSERT INTO subscriptions (id, organization_id, url, integration, event_types, \
         description, signing_secret, signature_scheme, max_in_flight, max_per_second, status, \
         disabled_reason, created_at, updated_at) \
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? \
         WHERE (SELECT COUNT(*) FROM subscriptions \
                WHERE organization_id = ? AND deleted_at IS NULL) < ?",
    )
    .bind(new.id.0)
    .bind(new.organization_id.as_str())
    .bind(new.url.as_str())
    .bind(new.integration.as_str())
    .bind(new.event_types.mask())
    .bind(&new.description)
    .bind(new.signing_secret.as_ref().map(|s| keys.seal(s, new.id)))
    .bind(new.signature_scheme.as_str())
    .bind(i64::from(new.limits.to_stored().0))
    .bind(i64::from(new.limits.to_stored().1))
    .bind(status)
    .bind(reason)
    .bind(now)
    .bind(now)
    .bind(new.organization_id.as_str())
    .bind(i64::from(max))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::SubscriptionLimit {
            organization: new.organization_id,
            limit: max,
        });
    }
    let created = get_in(&mut tx, keys, &new.organization_id, new.id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("created subscription vanished".into()))?;
    tx.commit().await?;
    drop(conn);
    Ok(created)
}

pub async fn get(
    pool: &SqlitePool,
    keys: &SecretKeys,
    org: &OrganizationId,
    id: SubscriptionId,
) -> StoreResult<Option<Subscription>> {
    let mut conn = pool.acquire().await?;
    get_in(&mut conn, keys, org, id).await
}

/// The subscription as this connection (or transaction) sees it.
async fn get_in(
    conn: &mut SqliteConnection,
    keys: &SecretKeys,
    org: &OrganizationId,
    id: SubscriptionId,
) -> StoreResult<Option<Subscription>> {
    let sql = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions \
         WHERE id = ? AND organization_id = ? AND deleted_at IS NULL"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .bind(org.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref()
        .map(|row| rows::subscription(row, keys))
        .transpose()
}

pub async fn list(
    pool: &SqlitePool,
    keys: &SecretKeys,
    query: SubscriptionQuery,
) -> StoreResult<Vec<Subscription>> {
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE deleted_at IS NULL AND organization_id = "
    ));
    sql.push_bind(query.organization_id.as_str().to_owned());
    if let Some(enabled) = query.enabled {
        sql.push(" AND status = ")
            .push_bind(if enabled { "enabled" } else { "disabled" });
    }
    if let Some(before) = query.before {
        sql.push(" AND id < ").push_bind(before.0);
    }
    sql.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(query.limit));
    let found = sql.build().fetch_all(pool).await?;
    found
        .iter()
        .map(|row| rows::subscription(row, keys))
        .collect()
}

pub async fn update(
    pool: &SqlitePool,
    keys: &SecretKeys,
    org: &OrganizationId,
    id: SubscriptionId,
    patch: SubscriptionPatch,
    now: DateTime<Utc>,
) -> StoreResult<Option<Subscription>> {
    let now_us = to_micros(now);
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {HEALTH_COLUMNS}, signing_secret IS NOT NULL AS signed, previous_secret_until \
         FROM subscriptions \
         WHERE id = ? AND organization_id = ? AND deleted_at IS NULL"
    )))
    .bind(id.0)
    .bind(org.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut health = rows::health(&row)?;
    let waiting = patch.enabled.map(|enabled| health.set_enabled(enabled));
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new("UPDATE subscriptions SET updated_at = ");
    sql.push_bind(now_us);
    if let Some(rotation) = &patch.rotation {
        let signed = row.try_get::<bool, _>("signed")?;
        let previous_until = row
            .try_get::<Option<i64>, _>("previous_secret_until")?
            .map(from_micros);
        push_rotation(
            &mut sql,
            keys,
            id,
            rotation.write(signed, previous_until, now)?,
        );
    }
    if let Some(scheme) = patch.signature_scheme {
        sql.push(", signature_scheme = ").push_bind(scheme.as_str());
    }
    if let Some(max_in_flight) = patch.max_in_flight {
        sql.push(", max_in_flight = ")
            .push_bind(i64::from(max_in_flight));
    }
    if let Some(max_per_second) = patch.max_per_second {
        sql.push(", max_per_second = ")
            .push_bind(i64::from(max_per_second));
    }
    if let Some(url) = &patch.url {
        sql.push(", url = ").push_bind(url.as_str().to_owned());
    }
    if let Some(integration) = patch.integration {
        sql.push(", integration = ").push_bind(integration.as_str());
    }
    if let Some(types) = &patch.event_types {
        sql.push(", event_types = ").push_bind(types.mask());
    }
    if let Some(secret) = &patch.signing_secret {
        sql.push(", signing_secret = ")
            .push_bind(secret.as_ref().map(|s| keys.seal(s, id)));
        sql.push(CLEAR_PREVIOUS_SECRET);
    }
    if let Some(description) = &patch.description {
        sql.push(", description = ").push_bind(description.clone());
    }
    if waiting.is_some() {
        push_state(&mut sql, &health);
    }
    sql.push(" WHERE id = ").push_bind(id.0);
    sql.push(" AND organization_id = ")
        .push_bind(org.as_str().to_owned());
    sql.push(" AND deleted_at IS NULL");
    let changed = sql.build().execute(&mut *tx).await?.rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    if waiting == Some(Waiting::DueNow) {
        sqlx::query(
            "UPDATE deliveries SET next_attempt_at = ?, updated_at = ? \
             WHERE subscription_id = ? AND status = 'pending' AND next_attempt_at > ?",
        )
        .bind(now_us)
        .bind(now_us)
        .bind(id.0)
        .bind(now_us)
        .execute(&mut *tx)
        .await?;
    }
    let updated = get_in(&mut tx, keys, org, id).await?;
    tx.commit().await?;
    drop(conn);
    Ok(updated)
}

/// The columns a rotation step sets ([`Rotation::write`]). The old secret
/// moves over sealed as it is stored (same row).
fn push_rotation(
    sql: &mut QueryBuilder<Sqlite>,
    keys: &SecretKeys,
    id: SubscriptionId,
    write: SecretWrite<'_>,
) {
    match write {
        SecretWrite::Replace {
            secret,
            keep_current_until,
        } => {
            sql.push(", signing_secret = ")
                .push_bind(keys.seal(secret, id));
            match keep_current_until {
                Some(until) => {
                    sql.push(
                        ", previous_signing_secret = signing_secret, previous_secret_until = ",
                    )
                    .push_bind(to_micros(until));
                }
                None => {
                    sql.push(CLEAR_PREVIOUS_SECRET);
                }
            }
        }
        SecretWrite::DropPrevious => {
            sql.push(CLEAR_PREVIOUS_SECRET);
        }
    }
}

/// `, status = …, disabled_reason = …, consecutive_failures = …`
fn push_state(sql: &mut QueryBuilder<Sqlite>, health: &Health) {
    let (status, reason) = state_columns(health.state);
    sql.push(", status = ").push_bind(status);
    sql.push(", disabled_reason = ").push_bind(reason);
    sql.push(", consecutive_failures = ")
        .push_bind(i64::from(health.consecutive_failures));
}

pub async fn delete(
    pool: &SqlitePool,
    org: &OrganizationId,
    id: SubscriptionId,
    now: DateTime<Utc>,
) -> StoreResult<Option<u64>> {
    let now_us = to_micros(now);
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    let deleted = sqlx::query(
        "UPDATE subscriptions SET deleted_at = ?, updated_at = ?, status = 'disabled', \
         disabled_reason = 'manual' WHERE id = ? AND organization_id = ? AND deleted_at IS NULL",
    )
    .bind(now_us)
    .bind(now_us)
    .bind(id.0)
    .bind(org.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if deleted == 0 {
        return Ok(None);
    }
    let cancelled = sqlx::query(
        "UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL, lease_owner = NULL, \
         lease_expires_at = NULL, updated_at = ? \
         WHERE subscription_id = ? AND status IN ('pending', 'in_flight')",
    )
    .bind(now_us)
    .bind(id.0)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    drop(conn);
    Ok(Some(cancelled))
}
