//! The probe write of [`Store::heartbeat`](crate::store::Store::heartbeat):
//! one row rewritten in a durable transaction. PostgreSQL writes every update
//! as a new row version and WAL record, so a server out of disk or in
//! recovery refuses it as it would an emit.

use sqlx::PgPool;

use crate::domain::time;
use crate::store::StoreResult;

pub(super) async fn beat(pool: &PgPool) -> StoreResult<()> {
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    sqlx::query(
        "INSERT INTO store_heartbeat (id, beat_at) VALUES (1, $1) \
         ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at",
    )
    .bind(super::rows::ts(time::now()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
