//! Event rows, and the emit transaction that fans an event out into deliveries.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::Connection;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::rows::{self, EVENT_COLUMNS};
use crate::domain::event::EventType;
use crate::domain::ids::{DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::domain::time::to_micros;
use crate::store::{EmitResult, NewEvent, StoreError, StoreResult, StoredEvent};

/// Rows per multi-row INSERT: 8 or 9 parameters each, far below SQLite's limit.
const ROWS_PER_INSERT: usize = 400;

pub async fn emit(pool: &SqlitePool, events: &[NewEvent]) -> StoreResult<Vec<EmitResult>> {
    let stored: Vec<StoredEvent> = events.iter().map(stored).collect();
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = conn.begin().await?;
    let inserted = insert_events(&mut tx, &stored, false).await?;

    // Within one transaction the matching subscriptions cannot change, so a
    // group looks them up once per (organization, type).
    let mut targets: HashMap<(String, EventType), Vec<Uuid>> = HashMap::new();
    let mut fanned: Vec<Option<Vec<(DeliveryId, Uuid)>>> = Vec::with_capacity(stored.len());
    let mut rows: Vec<(DeliveryId, usize, Uuid)> = Vec::new();
    for (index, event) in stored.iter().enumerate() {
        if !inserted.contains(&event.id.0) {
            fanned.push(None);
            continue;
        }
        let key = (event.organization_id.as_str().to_owned(), event.event_type);
        if !targets.contains_key(&key) {
            let found =
                matching_subscriptions(&mut tx, &event.organization_id, event.event_type).await?;
            targets.insert(key.clone(), found);
        }
        let subscriptions = targets.get(&key).map(Vec::as_slice).unwrap_or_default();
        let pairs: Vec<(DeliveryId, Uuid)> = subscriptions
            .iter()
            .map(|s| (DeliveryId::new(), *s))
            .collect();
        rows.extend(pairs.iter().map(|(id, s)| (*id, index, *s)));
        fanned.push(Some(pairs));
    }
    let rows: Vec<NewDelivery<'_>> = rows
        .iter()
        .map(|(id, index, subscription)| {
            let event = &stored[*index];
            (*id, event, *subscription, event.created_at)
        })
        .collect();
    insert_pending_deliveries(&mut tx, &rows).await?;

    // Repeated idempotency keys are answered after the deliveries are in, so
    // a key repeated inside this very group finds its first event's deliveries.
    let mut results = Vec::with_capacity(stored.len());
    for (index, (event, pairs)) in stored.into_iter().zip(fanned).enumerate() {
        results.push(match pairs {
            Some(pairs) => EmitResult {
                event,
                delivery_ids: pairs.iter().map(|(id, _)| *id).collect(),
                subscription_ids: pairs.iter().map(|(_, s)| SubscriptionId(*s)).collect(),
                duplicate: false,
            },
            None => repeated(&mut tx, &event, index).await?,
        });
    }
    tx.commit().await?;
    drop(conn);
    Ok(results)
}

/// Inserts events; returns the ids actually inserted (an event whose
/// idempotency key was used before is skipped).
pub(super) async fn insert_events(
    conn: &mut SqliteConnection,
    events: &[StoredEvent],
    test: bool,
) -> StoreResult<HashSet<Uuid>> {
    let mut inserted = HashSet::with_capacity(events.len());
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO events (id, organization_id, event_type, occurred_at, created_at, \
             idempotency_key, data, test) ",
        );
        sql.push_values(chunk, |mut row, event| {
            row.push_bind(event.id.0)
                .push_bind(event.organization_id.as_str().to_owned())
                .push_bind(event.event_type.as_str())
                .push_bind(to_micros(event.occurred_at))
                .push_bind(to_micros(event.created_at))
                .push_bind(event.idempotency_key.clone())
                .push_bind(event.data_json.clone())
                .push_bind(i64::from(test));
        });
        sql.push(
            " ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL \
             DO NOTHING RETURNING id",
        );
        let ids: Vec<Uuid> = sql.build_query_scalar().fetch_all(&mut *conn).await?;
        inserted.extend(ids);
    }
    Ok(inserted)
}

/// The first result for a repeated idempotency key, if the event is the same.
async fn repeated(
    conn: &mut SqliteConnection,
    attempted: &StoredEvent,
    index: usize,
) -> StoreResult<EmitResult> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE organization_id = ? AND idempotency_key = ?"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(attempted.organization_id.as_str())
        .bind(attempted.idempotency_key.as_deref())
        .fetch_one(&mut *conn)
        .await?;
    let first = rows::event(&row)?;
    if first.event_type != attempted.event_type || first.data_json != attempted.data_json {
        return Err(StoreError::IdempotencyConflict { index });
    }
    let pairs: Vec<(Uuid, Uuid)> =
        sqlx::query_as("SELECT id, subscription_id FROM deliveries WHERE event_id = ? ORDER BY id")
            .bind(first.id.0)
            .fetch_all(&mut *conn)
            .await?;
    Ok(EmitResult {
        event: first,
        delivery_ids: pairs.iter().map(|(id, _)| DeliveryId(*id)).collect(),
        subscription_ids: pairs.iter().map(|(_, s)| SubscriptionId(*s)).collect(),
        duplicate: true,
    })
}

pub(super) async fn matching_subscriptions(
    conn: &mut SqliteConnection,
    org: &OrganizationId,
    event_type: EventType,
) -> StoreResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM subscriptions WHERE organization_id = ? AND status = 'enabled' \
         AND deleted_at IS NULL AND (event_types & ?) != 0 ORDER BY id",
    )
    .bind(org.as_str())
    .bind(event_type.bit())
    .fetch_all(conn)
    .await?)
}

/// The row form of an event about to be stored.
pub(super) fn stored(event: &NewEvent) -> StoredEvent {
    StoredEvent {
        id: event.id,
        organization_id: event.organization_id.clone(),
        event_type: event.event_type,
        occurred_at: event.occurred_at,
        created_at: event.now,
        idempotency_key: event.idempotency_key.clone(),
        data_json: event.data_json.clone(),
    }
}

/// A pending delivery to insert: its id, its event, its subscription, and
/// when it is created (and due).
pub(super) type NewDelivery<'a> = (DeliveryId, &'a StoredEvent, Uuid, DateTime<Utc>);

pub(super) async fn insert_pending_deliveries(
    conn: &mut SqliteConnection,
    rows: &[NewDelivery<'_>],
) -> StoreResult<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO deliveries (id, organization_id, event_id, subscription_id, event_type, \
             status, next_attempt_at, created_at, updated_at) ",
        );
        sql.push_values(chunk, |mut row, (id, event, subscription, at)| {
            let now = to_micros(*at);
            row.push_bind(id.0)
                .push_bind(event.organization_id.as_str().to_owned())
                .push_bind(event.id.0)
                .push_bind(*subscription)
                .push_bind(event.event_type.as_str())
                .push_bind("pending")
                .push_bind(now)
                .push_bind(now)
                .push_bind(now);
        });
        sql.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn get(
    pool: &SqlitePool,
    org: &OrganizationId,
    id: EventId,
) -> StoreResult<Option<StoredEvent>> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = ? AND organization_id = ?");
    let row = sqlx::query::<Sqlite>(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .bind(org.as_str())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(rows::event).transpose()
}
