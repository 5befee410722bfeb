//! The checkpointer: copies committed WAL pages back into the database
//! beside the writer (a passive checkpoint never blocks it), so the WAL stays
//! small.
//!
//! Under steady writes a passive checkpoint never quite finishes: commits
//! land while it copies, and SQLite starts the WAL over only once every
//! frame is copied. Left alone, the WAL would grow to its limit and then
//! need a TRUNCATE checkpoint, which blocks every writer for the whole
//! copy (a stall of tens of milliseconds for every emit at once). So once
//! the WAL passes [`RESTART_AT`], the checkpointer holds the writer
//! connection for a second passive checkpoint, which has only the last few
//! frames left to copy; the next write then starts the WAL over.
//!
//! When a burst outran it anyway and the WAL passed its limit, it runs a
//! TRUNCATE checkpoint, which waits for readers, blocks writers while it
//! copies, and gives the WAL's disk space back. A failing checkpoint is
//! logged once, then once when checkpoints succeed again, and its
//! connection is replaced.

use std::time::{Duration, Instant};

use sqlx::SqlitePool;
use tokio_util::sync::CancellationToken;

use crate::telemetry::error_chain;

/// How often the WAL is copied back into the database file: often, so each
/// checkpoint (and its fsync, which can hold up the writer's) stays small.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// WAL size past which a checkpoint finishes the copy with the writer held.
const RESTART_AT: u64 = 4 * 1024 * 1024;

/// Checkpoints until `stop` (closing the last connection then checkpoints
/// what is left).
pub(super) async fn run(
    pool: SqlitePool,
    writer: SqlitePool,
    wal_limit: u64,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing_since: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.cancelled() => return,
        }
        match checkpoint(&pool, &writer, wal_limit).await {
            Ok(()) => {
                if let Some(since) = failing_since.take() {
                    tracing::info!(lasted = ?since.elapsed(), "WAL checkpoints succeed again");
                }
            }
            Err(e) if failing_since.is_none() => {
                failing_since = Some(Instant::now());
                tracing::warn!(error = %error_chain(&e), "WAL checkpoint failed; retrying quietly");
            }
            Err(_) => {}
        }
    }
}

async fn checkpoint(pool: &SqlitePool, writer: &SqlitePool, wal_limit: u64) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    let result = async {
        // (busy, frames in the WAL, frames checkpointed)
        let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *conn)
            .await?;
        let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(&mut *conn)
            .await?;
        let wal_bytes = u64::try_from(frames.max(0) * page_size.max(0)).unwrap_or(u64::MAX);
        if wal_bytes > RESTART_AT {
            // The writer pool's one connection: no commit lands meanwhile.
            let held = writer.acquire().await?;
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&mut *conn)
                .await?;
            drop(held);
        }
        if wal_bytes > wal_limit {
            tracing::debug!(wal_bytes, wal_limit, "WAL past its limit; truncating it");
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
    .await;
    if result.is_err() {
        conn.close_on_drop();
    }
    result
}
