//! The probe write of [`Store::heartbeat`](crate::store::Store::heartbeat):
//! one row rewritten, with room taken and given back in the same
//! transaction. Updating a row in place needs no free page, so without that
//! room a full database would pass the probe while every emit still failed.

use sqlx::SqlitePool;

use crate::domain::time;
use crate::store::StoreResult;

/// Free space a beat needs, in bytes: about what a small emit takes.
const ROOM: i64 = 64 * 1024;

pub(super) async fn beat(pool: &SqlitePool) -> StoreResult<()> {
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    sqlx::query(
        "INSERT INTO store_heartbeat (id, beat_at, room) VALUES (1, ?1, zeroblob(?2)) \
         ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at, room = excluded.room",
    )
    .bind(time::now().to_rfc3339())
    .bind(ROOM)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE store_heartbeat SET room = NULL WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
