//! Retention batches (see [`crate::store::retention`]): one short
//! transaction each, over a bounded number of events and deliveries.
//!
//! The events a batch deletes are locked first (`FOR UPDATE SKIP LOCKED`: an
//! event a replay is giving a delivery right now is left for a later pass),
//! then their deliveries (the same way). An event is deleted only if every
//! one of its deliveries was locked and is finished, so a redelivery or an
//! attempt on another instance either happened before (and the event stays)
//! or waits for the batch (and finds nothing).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::rows::ts;
use crate::domain::ids::EventId;
use crate::store::sqlite::first_id_at;
use crate::store::{PURGE_DELIVERIES, PurgeBatch, StoreResult};

pub async fn purge_finished(
    pool: &PgPool,
    before: DateTime<Utc>,
    after: Option<EventId>,
    limit: u32,
) -> StoreResult<PurgeBatch> {
    let before = ts(before);
    let mut tx = super::begin(pool, super::Sync::Relaxed).await?;
    // Ids are time-ordered: events created before `before` are a range of them.
    let candidates: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM events WHERE id > $1 AND id < $2 AND created_at < $3 ORDER BY id LIMIT $4",
    )
    .bind(after.map_or(Uuid::nil(), |e| e.0))
    .bind(first_id_at(before))
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await?;
    let Some(&last_candidate) = candidates.last() else {
        tx.commit().await?;
        return Ok(PurgeBatch::default());
    };
    let locked: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM events WHERE id = ANY($1) ORDER BY id FOR UPDATE SKIP LOCKED",
    )
    .bind(&candidates)
    .fetch_all(&mut *tx)
    .await?;
    // Per event: its deliveries, those locked here, and those locked and finished.
    let totals: HashMap<Uuid, i64> = sqlx::query_as(
        "SELECT event_id, COUNT(*) FROM deliveries WHERE event_id = ANY($1) GROUP BY event_id",
    )
    .bind(&locked)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let mut finished: HashMap<Uuid, i64> = HashMap::new();
    for row in sqlx::query(
        "SELECT event_id, (status IN ('succeeded', 'cancelled') OR test) AND updated_at < $2 AS done \
         FROM deliveries WHERE event_id = ANY($1) ORDER BY id FOR UPDATE SKIP LOCKED",
    )
    .bind(&locked)
    .bind(before)
    .fetch_all(&mut *tx)
    .await?
    {
        let event: Uuid = row.try_get("event_id")?;
        let entry = finished.entry(event).or_default();
        if row.try_get::<bool, _>("done")? {
            *entry += 1;
        } else {
            // Not purgeable: more than it has can never be counted.
            *entry = i64::MIN;
        }
    }
    let mut taken: Vec<Uuid> = Vec::new();
    let mut deliveries = 0usize;
    let mut last = last_candidate;
    let mut previous = after.map_or(Uuid::nil(), |e| e.0);
    for id in candidates {
        let total = totals.get(&id).copied().unwrap_or(0);
        let done = finished.get(&id).copied().unwrap_or(0);
        if locked.contains(&id) && done == total {
            let n = usize::try_from(total).unwrap_or(usize::MAX);
            if !taken.is_empty() && deliveries.saturating_add(n) > PURGE_DELIVERIES {
                // This one starts the next batch.
                last = previous;
                break;
            }
            taken.push(id);
            deliveries = deliveries.saturating_add(n);
        }
        previous = id;
    }
    let mut batch = PurgeBatch {
        last: Some(EventId(last)),
        ..PurgeBatch::default()
    };
    if !taken.is_empty() {
        batch.attempts = sqlx::query(
            "DELETE FROM attempts WHERE delivery_id IN \
             (SELECT id FROM deliveries WHERE event_id = ANY($1))",
        )
        .bind(&taken)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        batch.deliveries = sqlx::query("DELETE FROM deliveries WHERE event_id = ANY($1)")
            .bind(&taken)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        batch.events = sqlx::query("DELETE FROM events WHERE id = ANY($1)")
            .bind(&taken)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    Ok(batch)
}
