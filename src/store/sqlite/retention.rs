//! Retention batches (see [`crate::store::retention`]): one writer
//! transaction each, over a bounded number of events and deliveries.

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::delivery_log::first_id_at;
use crate::domain::ids::EventId;
use crate::domain::time::to_micros;
use crate::store::{PURGE_DELIVERIES, PurgeBatch, StoreResult};

pub async fn purge_finished(
    pool: &SqlitePool,
    before: DateTime<Utc>,
    after: Option<EventId>,
    limit: u32,
) -> StoreResult<PurgeBatch> {
    // Losing a purge to a power cut only means it is done again.
    let mut conn = super::writer(pool, super::Sync::Relaxed).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    // Ids are time-ordered: events created before `before` are a range of them.
    let candidates: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM events WHERE id > ? AND id < ? AND created_at < ? ORDER BY id LIMIT ?",
    )
    .bind(after.map_or(Uuid::nil(), |e| e.0))
    .bind(first_id_at(before))
    .bind(to_micros(before))
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await?;
    let Some(&last_candidate) = candidates.last() else {
        tx.commit().await?;
        return Ok(PurgeBatch::default());
    };
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT e.id, (SELECT COUNT(*) FROM deliveries d WHERE d.event_id = e.id) AS n, \
         NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id \
           AND NOT ((d.status IN ('succeeded', 'cancelled') OR d.test != 0) AND d.updated_at < ",
    );
    sql.push_bind(to_micros(before))
        .push(")) AS done FROM events e WHERE e.id IN (");
    let mut list = sql.separated(", ");
    for id in &candidates {
        list.push_bind(*id);
    }
    sql.push(") ORDER BY e.id");
    let mut taken: Vec<Uuid> = Vec::new();
    let mut deliveries = 0usize;
    let mut last = last_candidate;
    let mut previous = after.map_or(Uuid::nil(), |e| e.0);
    for row in sql.build().fetch_all(&mut *tx).await? {
        let id: Uuid = row.try_get("id")?;
        let n = usize::try_from(row.try_get::<i64, _>("n")?).unwrap_or(usize::MAX);
        if row.try_get::<bool, _>("done")? {
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
    let batch = delete(&mut tx, &taken, last).await?;
    tx.commit().await?;
    drop(conn);
    Ok(batch)
}

async fn delete(tx: &mut SqliteConnection, events: &[Uuid], last: Uuid) -> StoreResult<PurgeBatch> {
    let mut batch = PurgeBatch {
        last: Some(EventId(last)),
        ..PurgeBatch::default()
    };
    if events.is_empty() {
        return Ok(batch);
    }
    let statements = [
        "DELETE FROM attempts WHERE delivery_id IN \
         (SELECT id FROM deliveries WHERE event_id IN (",
        "DELETE FROM deliveries WHERE event_id IN (",
        "DELETE FROM events WHERE id IN (",
    ];
    for (i, start) in statements.into_iter().enumerate() {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(start);
        let mut list = sql.separated(", ");
        for id in events {
            list.push_bind(*id);
        }
        sql.push(if i == 0 { "))" } else { ")" });
        let deleted = sql.build().execute(&mut *tx).await?.rows_affected();
        match i {
            0 => batch.attempts = deleted,
            1 => batch.deliveries = deleted,
            _ => batch.events = deleted,
        }
    }
    Ok(batch)
}
