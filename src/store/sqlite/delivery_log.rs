//! Listing the delivery log: every page is one bounded index range scan,
//! whatever the filters, so a large organization's log costs its readers no
//! more than a small one's.

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use uuid::Uuid;

use super::rows::{self, DELIVERY_COLUMNS};
use crate::store::{DeliveryLog, DeliveryQuery, StoreResult};

/// One page of the delivery log, newest first.
///
/// Every filter combination reads one index made of its equality filters
/// then `id` (migration 0004), named with `INDEXED BY` so a planner whim
/// cannot turn it into a scan. Time filters become id bounds (ids are
/// time-ordered UUIDv7, see [`first_id_at`]), and the page token is one too,
/// so a page is one range scan, newest first, that stops after `limit` rows.
/// `EXPLAIN QUERY PLAN` for each combination, with both time bounds (checked
/// by the tests below):
///
/// | filters | plan |
/// | --- | --- |
/// | — | `SEARCH deliveries USING INDEX deliveries_by_organization (organization_id=? AND id>? AND id<?)` |
/// | status | `… deliveries_by_organization_status (organization_id=? AND status=? AND id>? AND id<?)` |
/// | subscription | `… deliveries_by_subscription (subscription_id=? AND id>? AND id<?)` |
/// | subscription, status | `… deliveries_by_subscription_status (subscription_id=? AND status=? AND id>? AND id<?)` |
/// | event (any status) | `… deliveries_by_event (event_id=? AND id>? AND id<?)` |
/// | event, subscription | `… deliveries_by_event_subscription (event_id=? AND subscription_id=?)`: one row at most |
///
/// With an event, a status is checked row by row among the event's
/// deliveries, at most one per subscription. A subscription or event of
/// another organization is refused up front, as its rows would all be read
/// and dropped by the organization check.
pub async fn list(pool: &SqlitePool, query: DeliveryQuery) -> StoreResult<DeliveryLog> {
    if let Some(missing) = missing_resource(pool, &query).await? {
        return Ok(DeliveryLog::NotFound(missing));
    }
    let found = list_sql("", &query).build().fetch_all(pool).await?;
    let page = found
        .iter()
        .map(rows::delivery)
        .collect::<StoreResult<_>>()?;
    Ok(DeliveryLog::Page(page))
}

/// Which of the subscription and event the query filters by is not its
/// organization's (deleted subscriptions count: their log stays readable).
async fn missing_resource(
    pool: &SqlitePool,
    query: &DeliveryQuery,
) -> StoreResult<Option<&'static str>> {
    let org = query.organization_id.as_str();
    if let Some(id) = query.subscription_id {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM subscriptions WHERE id = ? AND organization_id = ?")
                .bind(id.0)
                .bind(org)
                .fetch_optional(pool)
                .await?;
        if found.is_none() {
            return Ok(Some("subscription"));
        }
    }
    if let Some(id) = query.event_id {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM events WHERE id = ? AND organization_id = ?")
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

/// The index a query reads: its equality filters, then `id`.
fn index_for(query: &DeliveryQuery) -> &'static str {
    match (query.event_id, query.subscription_id, query.status) {
        (Some(_), Some(_), _) => "deliveries_by_event_subscription",
        (Some(_), None, _) => "deliveries_by_event",
        (None, Some(_), Some(_)) => "deliveries_by_subscription_status",
        (None, Some(_), None) => "deliveries_by_subscription",
        (None, None, Some(_)) => "deliveries_by_organization_status",
        (None, None, None) => "deliveries_by_organization",
    }
}

fn list_sql(prefix: &str, query: &DeliveryQuery) -> QueryBuilder<Sqlite> {
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
        "{prefix}SELECT {DELIVERY_COLUMNS} FROM deliveries INDEXED BY {} WHERE organization_id = ",
        index_for(query)
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

/// The smallest UUIDv7 of `t`'s millisecond: a delivery is created at or
/// after `t` (to the millisecond) exactly when its id is at least this.
pub(crate) fn first_id_at(t: DateTime<Utc>) -> Uuid {
    const MAX_MILLIS: u64 = (1 << 48) - 1;
    let millis = u64::try_from(t.timestamp_millis())
        .unwrap_or(0)
        .min(MAX_MILLIS);
    uuid::Builder::from_unix_timestamp_millis(millis, &[0; 10]).into_uuid()
}

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use super::*;
    use crate::domain::delivery::DeliveryStatus;
    use crate::domain::ids::{DeliveryId, EventId, OrganizationId, SubscriptionId};
    use crate::store::Store;
    use crate::store::sqlite::SqliteStore;

    async fn plan(pool: &SqlitePool, query: &DeliveryQuery) -> Vec<String> {
        let rows = list_sql("EXPLAIN QUERY PLAN ", query)
            .build()
            .fetch_all(pool)
            .await
            .expect("explain");
        rows.iter()
            .map(|row| row.try_get::<String, _>("detail").expect("detail"))
            .collect()
    }

    #[tokio::test]
    async fn every_filter_combination_is_one_index_range_scan_in_id_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("plans.db").display());
        let store = SqliteStore::connect(&url, None).await.expect("store");
        let now = Utc::now();
        for combination in 0..64u32 {
            let on = |bit: u32| combination & (1 << bit) != 0;
            let query = DeliveryQuery {
                organization_id: OrganizationId::from_stored("org".into()),
                subscription_id: on(0).then(SubscriptionId::new),
                event_id: on(1).then(EventId::new),
                status: on(2).then_some(DeliveryStatus::Failed),
                created_from: on(3).then_some(now),
                created_before: on(4).then_some(now),
                before: on(5).then(DeliveryId::new),
                limit: 51,
            };
            let plan = plan(&store.reader, &query).await;
            let [detail] = plan.as_slice() else {
                panic!("one step, no sort, for {query:?}: {plan:?}");
            };
            let index = index_for(&query);
            assert!(
                detail.starts_with(&format!("SEARCH deliveries USING INDEX {index} (")),
                "{query:?}: {detail}"
            );
            if index == "deliveries_by_event_subscription" {
                continue;
            }
            if query.status.is_some() && index != "deliveries_by_event" {
                assert!(detail.contains("status=?"), "{query:?}: {detail}");
            }
            if query.created_from.is_some() {
                assert!(detail.contains("id>?"), "{query:?}: {detail}");
            }
            if query.created_before.is_some() || query.before.is_some() {
                assert!(detail.contains("id<?"), "{query:?}: {detail}");
            }
        }
        store.close().await;
    }

    #[test]
    fn a_time_maps_to_the_smallest_id_of_its_millisecond() {
        let t = DateTime::parse_from_rfc3339("2026-02-24T21:00:00.123456Z")
            .expect("time")
            .with_timezone(&Utc);
        let first = first_id_at(t);
        let minted_then = uuid::Builder::from_unix_timestamp_millis(
            u64::try_from(t.timestamp_millis()).expect("after 1970"),
            &[0xff; 10],
        )
        .into_uuid();
        assert!(first <= minted_then);
        assert!(first_id_at(t + chrono::Duration::milliseconds(1)) > minted_then);
        assert_eq!(first.get_version_num(), 7);
        let epoch = uuid::Builder::from_unix_timestamp_millis(0, &[0; 10]).into_uuid();
        assert_eq!(
            first_id_at(DateTime::<Utc>::MIN_UTC),
            epoch,
            "before 1970: every id"
        );
    }
}
