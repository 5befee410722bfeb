//! The pools and the state a connection must be in before it is used.
//!
//! SQLite rolls a transaction back by itself on some errors (a full disk,
//! an I/O error). sqlx then fails its own ROLLBACK and keeps counting the
//! transaction as open, so the next `begin` on that connection issues a
//! SAVEPOINT, which opens a real transaction that nothing ever ends, and
//! every later write fails. No connection is trusted across uses:
//! - a pooled connection that sqlx still counts inside a transaction is
//!   closed instead of handed out (the pool opens a fresh one);
//! - the writer's durability is set at every acquire; when that fails (it
//!   cannot change inside a transaction) the connection is closed and a
//!   fresh one tried once;
//! - per-connection limits are set when a connection opens, so a fresh
//!   connection has them too.

use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Connection, Sqlite, SqlitePool};

use super::Sync;
use crate::store::{StoreError, StoreResult};

/// Per-connection settings beyond the connect options.
#[derive(Clone, Copy, Debug, Default)]
pub struct SqliteLimits {
    /// Largest the database file may grow, in bytes (`max_page_count`);
    /// writes past it fail as a full database. `None`: no cap.
    pub max_database_size: Option<u64>,
    /// Size the WAL file is truncated to after a checkpoint resets it
    /// (`journal_size_limit`), and past which the checkpointer truncates it.
    pub wal_limit: u64,
}

impl SqliteLimits {
    /// 64 MiB of WAL: room for a burst of writes between checkpoints.
    pub const DEFAULT_WAL_LIMIT: u64 = 64 * 1024 * 1024;
}

/// Pool options every pool shares: a connection sqlx counts inside a
/// transaction is dropped at acquire, and each new one gets `limits`.
pub(super) fn pool_options(limits: SqliteLimits) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .acquire_timeout(Duration::from_secs(30))
        // The pool pings a connection before this runs, which also runs a
        // rollback queued by a dropped transaction: the count is current.
        .before_acquire(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
        .after_connect(move |conn, _| Box::pin(async move { apply_limits(conn, limits).await }))
}

/// The connect options' pool (`options` carry the pragmas fixed per file).
pub(super) async fn pool(
    options: &SqliteConnectOptions,
    limits: SqliteLimits,
    max_connections: u32,
) -> StoreResult<SqlitePool> {
    Ok(pool_options(limits)
        .max_connections(max_connections)
        .min_connections(1)
        .connect_with(options.clone())
        .await?)
}

async fn apply_limits(conn: &mut sqlx::SqliteConnection, limits: SqliteLimits) -> sqlx::Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "PRAGMA journal_size_limit = {}",
        limits.wal_limit
    )))
    .execute(&mut *conn)
    .await?;
    if let Some(bytes) = limits.max_database_size {
        let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(&mut *conn)
            .await?;
        let pages = bytes / u64::try_from(page_size.max(1)).unwrap_or(4096);
        sqlx::query(AssertSqlSafe(format!(
            "PRAGMA max_page_count = {}",
            pages.max(1)
        )))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The writer connection, set to the given durability for its next
/// transaction, and outside any transaction.
pub(super) async fn writer(pool: &SqlitePool, sync: Sync) -> StoreResult<PoolConnection<Sqlite>> {
    match prepare(pool, sync).await {
        Ok(conn) => Ok(conn),
        // The connection was closed; a fresh one has no leftover state.
        Err(_) => prepare(pool, sync).await,
    }
}

async fn prepare(pool: &SqlitePool, sync: Sync) -> StoreResult<PoolConnection<Sqlite>> {
    let mut conn = pool.acquire().await?;
    let pragma = match sync {
        Sync::Durable => "PRAGMA synchronous = FULL",
        Sync::Relaxed => "PRAGMA synchronous = NORMAL",
    };
    match sqlx::query(pragma).execute(&mut *conn).await {
        Ok(_) if !conn.is_in_transaction() => Ok(conn),
        Ok(_) => {
            conn.close_on_drop();
            Err(StoreError::Unavailable(
                "the writer connection was left inside a transaction".into(),
            ))
        }
        Err(e) => {
            conn.close_on_drop();
            Err(e.into())
        }
    }
}

/// Begins a transaction that reads before it writes, holding the write lock
/// from its start.
pub(super) async fn begin_immediate(
    conn: &mut sqlx::SqliteConnection,
) -> StoreResult<sqlx::Transaction<'_, Sqlite>> {
    Ok(conn.begin_with("BEGIN IMMEDIATE").await?)
}
