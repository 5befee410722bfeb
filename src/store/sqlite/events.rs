//! Event rows, and the emit transaction that fans an event out into deliveries.

use std::collections::HashMap;

use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::rows::{self, EVENT_COLUMNS};
use crate::domain::event::EventType;
use crate::domain::ids::{DeliveryId, EventId, OrganizationId};
use crate::domain::time::to_micros;
use crate::store::{EmitResult, NewEvent, StoreError, StoreResult, StoredEvent};

pub async fn emit(pool: &SqlitePool, events: &[NewEvent]) -> StoreResult<Vec<EmitResult>> {
    let mut tx = pool.begin().await?;
    // Within one transaction the matching subscriptions cannot change, so a
    // batch looks them up once per (organization, type).
    let mut targets: HashMap<(String, EventType), Vec<Uuid>> = HashMap::new();
    let mut results = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        let stored = StoredEvent {
            id: event.id,
            organization_id: event.organization_id.clone(),
            event_type: event.event_type,
            occurred_at: event.occurred_at,
            created_at: event.now,
            idempotency_key: event.idempotency_key.clone(),
            data_json: event.data_json.clone(),
        };
        if !insert_event(&mut tx, &stored, false).await? {
            results.push(repeated(&mut tx, &stored, index).await?);
            continue;
        }
        let key = (
            stored.organization_id.as_str().to_owned(),
            stored.event_type,
        );
        if !targets.contains_key(&key) {
            let found =
                matching_subscriptions(&mut tx, &stored.organization_id, stored.event_type).await?;
            targets.insert(key.clone(), found);
        }
        let subscriptions = targets.get(&key).map(Vec::as_slice).unwrap_or_default();
        let mut delivery_ids = Vec::with_capacity(subscriptions.len());
        for subscription_id in subscriptions {
            let id = DeliveryId::new();
            insert_pending_delivery(&mut tx, id, &stored, *subscription_id, stored.created_at)
                .await?;
            delivery_ids.push(id);
        }
        results.push(EmitResult {
            event: stored,
            delivery_ids,
            duplicate: false,
        });
    }
    tx.commit().await?;
    Ok(results)
}

/// Inserts the event; `false` when its idempotency key was used before.
pub(super) async fn insert_event(
    conn: &mut SqliteConnection,
    event: &StoredEvent,
    test: bool,
) -> StoreResult<bool> {
    let inserted = sqlx::query(
        "INSERT INTO events (id, organization_id, event_type, occurred_at, created_at, \
         idempotency_key, data, test) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING",
    )
    .bind(event.id.0)
    .bind(event.organization_id.as_str())
    .bind(event.event_type.as_str())
    .bind(to_micros(event.occurred_at))
    .bind(to_micros(event.created_at))
    .bind(event.idempotency_key.as_deref())
    .bind(&event.data_json)
    .bind(i64::from(test))
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
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
    let ids: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM deliveries WHERE event_id = ? ORDER BY id")
            .bind(first.id.0)
            .fetch_all(&mut *conn)
            .await?;
    Ok(EmitResult {
        event: first,
        delivery_ids: ids.into_iter().map(DeliveryId).collect(),
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

pub(super) async fn insert_pending_delivery(
    conn: &mut SqliteConnection,
    id: DeliveryId,
    event: &StoredEvent,
    subscription_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    let now = to_micros(now);
    sqlx::query(
        "INSERT INTO deliveries (id, organization_id, event_id, subscription_id, event_type, \
         status, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
    )
    .bind(id.0)
    .bind(event.organization_id.as_str())
    .bind(event.id.0)
    .bind(subscription_id)
    .bind(event.event_type.as_str())
    .bind(now)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await?;
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
