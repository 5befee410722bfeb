//! Subscription rows. Signing secrets are sealed on the way in and opened on
//! the way out, bound to their subscription's id.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use super::rows::{self, HEALTH_COLUMNS, SUBSCRIPTION_COLUMNS, text, ts};
use crate::domain::health::Waiting;
use crate::domain::ids::{OrganizationId, SubscriptionId};
use crate::domain::secret_box::SecretKeys;
use crate::domain::subscription::SubscriptionState;
use crate::store::{
    CLEAR_PREVIOUS_SECRET, NewSubscription, SecretWrite, StoreError, StoreResult, Subscription,
    SubscriptionPatch, SubscriptionQuery,
};

pub(super) fn state_columns(state: SubscriptionState) -> (&'static str, Option<&'static str>) {
    match state {
        SubscriptionState::Enabled => ("enabled", None),
        SubscriptionState::Disabled(reason) => ("disabled", Some(reason.as_str())),
    }
}

/// Creates the subscription unless its organization already has `max` of
/// them. Creates of one organization take a lock on it first, so concurrent
/// creates (on any instance) cannot race past the cap.
pub async fn create(
    pool: &PgPool,
    keys: &SecretKeys,
    new: NewSubscription,
    max: u32,
) -> StoreResult<Subscription> {
    let (status, reason) = state_columns(new.state);
    let now = ts(new.now);
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    super::lock_names(
        &mut tx,
        &[format!("subscriptions of {}", new.organization_id.as_str())],
    )
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO subscriptions (id, organization_id, url, integration, event_types, \
         description, signing_secret, status, disabled_reason, created_at, updated_at, \
         signature_scheme, max_in_flight, max_per_second) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $12, $13, $14 \
         WHERE (SELECT COUNT(*) FROM subscriptions \
                WHERE organization_id = $2 AND deleted_at IS NULL) < $11",
    )
    .bind(new.id.0)
    .bind(new.organization_id.as_str())
    .bind(new.url.as_str())
    .bind(new.integration.as_str())
    .bind(new.event_types.mask())
    .bind(text(&new.description))
    .bind(new.signing_secret.as_ref().map(|s| keys.seal(s, new.id)))
    .bind(status)
    .bind(reason)
    .bind(now)
    .bind(i64::from(max))
    .bind(new.signature_scheme.as_str())
    .bind(i32::try_from(new.limits.to_stored().0).unwrap_or(i32::MAX))
    .bind(i32::try_from(new.limits.to_stored().1).unwrap_or(i32::MAX))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::SubscriptionLimit {
            organization: new.organization_id,
            limit: max,
        });
    }
    tx.commit().await?;
    get(pool, keys, &new.organization_id, new.id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("created subscription vanished".into()))
}

pub async fn get(
    pool: &PgPool,
    keys: &SecretKeys,
    org: &OrganizationId,
    id: SubscriptionId,
) -> StoreResult<Option<Subscription>> {
    let sql = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions \
         WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .bind(org.as_str())
        .fetch_optional(pool)
        .await?;
    row.as_ref()
        .map(|row| rows::subscription(row, keys))
        .transpose()
}

pub async fn list(
    pool: &PgPool,
    keys: &SecretKeys,
    query: SubscriptionQuery,
) -> StoreResult<Vec<Subscription>> {
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(format!(
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
    pool: &PgPool,
    keys: &SecretKeys,
    instance: &str,
    org: &OrganizationId,
    id: SubscriptionId,
    patch: SubscriptionPatch,
    now: DateTime<Utc>,
) -> StoreResult<Option<Subscription>> {
    let now = ts(now);
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    // Locked: the rotation and state change below follows the health read here.
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {HEALTH_COLUMNS}, signing_secret IS NOT NULL AS signed, previous_secret_until \
         FROM subscriptions \
         WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL FOR UPDATE"
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
    let mut sql: QueryBuilder<Postgres> =
        QueryBuilder::new("UPDATE subscriptions SET updated_at = ");
    sql.push_bind(now);
    if let Some(rotation) = &patch.rotation {
        let signed: bool = row.try_get("signed")?;
        let previous_until: Option<DateTime<Utc>> = row.try_get("previous_secret_until")?;
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
            .push_bind(i32::try_from(max_in_flight).unwrap_or(i32::MAX));
    }
    if let Some(max_per_second) = patch.max_per_second {
        sql.push(", max_per_second = ")
            .push_bind(i32::try_from(max_per_second).unwrap_or(i32::MAX));
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
        sql.push(", description = ")
            .push_bind(text(description).into_owned());
    }
    if waiting.is_some() {
        let (status, reason) = state_columns(health.state);
        sql.push(", status = ").push_bind(status);
        sql.push(", disabled_reason = ").push_bind(reason);
        sql.push(", consecutive_failures = ")
            .push_bind(i32::try_from(health.consecutive_failures).unwrap_or(i32::MAX));
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
            "UPDATE deliveries SET next_attempt_at = $1, updated_at = $1 \
             WHERE subscription_id = $2 AND status = 'pending' AND next_attempt_at > $1",
        )
        .bind(now)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    }
    if patch.enabled == Some(true) {
        super::notify::due(&mut tx, instance, [id.0]).await?;
    }
    tx.commit().await?;
    get(pool, keys, org, id).await
}

/// The columns a rotation step sets ([`Rotation::write`]). The old secret
/// moves over sealed as it is stored (same row).
fn push_rotation(
    sql: &mut QueryBuilder<Postgres>,
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
                    .push_bind(ts(until));
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

pub async fn delete(
    pool: &PgPool,
    org: &OrganizationId,
    id: SubscriptionId,
    now: DateTime<Utc>,
) -> StoreResult<Option<u64>> {
    let now = ts(now);
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    let deleted = sqlx::query(
        "UPDATE subscriptions SET deleted_at = $1, updated_at = $1, status = 'disabled', \
         disabled_reason = 'manual' WHERE id = $2 AND organization_id = $3 AND deleted_at IS NULL",
    )
    .bind(now)
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
         lease_expires_at = NULL, lease_instance = NULL, updated_at = $1 \
         WHERE subscription_id = $2 AND status IN ('pending', 'in_flight')",
    )
    .bind(now)
    .bind(id.0)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(Some(cancelled))
}
