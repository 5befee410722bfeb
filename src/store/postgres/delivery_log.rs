//! Listing the delivery log: every page reads one index range, whatever the
//! filters, as on SQLite. PostgreSQL has no index hints; the indexes of
//! migration 0004 (equality filters, then `id`) match each filter
//! combination, and time filters and the page token are id bounds (ids are
//! time-ordered). With 200,000 deliveries the planner reads
//! `deliveries_by_organization(_status)` backwards and stops after `limit`
//! rows, and for a subscription or an event (few rows) scans the matching
//! index range and sorts what it found.

use sqlx::{PgPool, Postgres, QueryBuilder};

use super::rows::{self, DELIVERY_COLUMNS};
use crate::store::sqlite::first_id_at;
use crate::store::{DeliveryLog, DeliveryQuery, StoreResult};

/// One page of the delivery log, newest first. A subscription or event of
/// another organization is refused up front, as its rows would all be read
/// and dropped by the organization check.
pub async fn list(pool: &PgPool, query: DeliveryQuery) -> StoreResult<DeliveryLog> {
    if let Some(missing) = missing_resource(pool, &query).await? {
        return Ok(DeliveryLog::NotFound(missing));
    }
    let found = list_sql(&query).build().fetch_all(pool).await?;
    let page = found
        .iter()
        .map(rows::delivery)
        .collect::<StoreResult<_>>()?;
    Ok(DeliveryLog::Page(page))
}

/// Which of the subscription and event the query filters by is not its
/// organization's (deleted subscriptions count: their log stays readable).
async fn missing_resource(
    pool: &PgPool,
    query: &DeliveryQuery,
) -> StoreResult<Option<&'static str>> {
    let org = query.organization_id.as_str();
    if let Some(id) = query.subscription_id {
        let found: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM subscriptions WHERE id = $1 AND organization_id = $2",
        )
        .bind(id.0)
        .bind(org)
        .fetch_optional(pool)
        .await?;
        if found.is_none() {
            return Ok(Some("subscription"));
        }
    }
    if let Some(id) = query.event_id {
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM events WHERE id = $1 AND organization_id = $2")
                .bind(id.0)
                .bind(org)
                .fetch_optional(pool)
                .await?;
        if found.is_none() {
            return Ok(Some("event"));
        }
    }
    Ok(None)
}

fn list_sql(query: &DeliveryQuery) -> QueryBuilder<Postgres> {
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE organization_id = "
    ));
    sql.push_bind(query.organization_id.as_str().to_owned());
    if let Some(id) = query.subscription_id {
        sql.push(" AND subscription_id = ").push_bind(id.0);
    }
    if let Some(id) = query.event_id {
        sql.push(" AND event_id = ").push_bind(id.0);
    }
    if let Some(status) = query.status {
        sql.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(from) = query.created_from {
        sql.push(" AND id >= ").push_bind(first_id_at(from));
    }
    let below = [
        query.before.map(|id| id.0),
        query.created_before.map(first_id_at),
    ]
    .into_iter()
    .flatten()
    .min();
    if let Some(below) = below {
        sql.push(" AND id < ").push_bind(below);
    }
    sql.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(query.limit));
    sql
}
