//! Opening a SQLite database: the connect options every connection shares,
//! the writer, reader and checkpointer pools, migrations, sealing secrets
//! stored in plain text, and the checkpointer's thread.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{FileError, SqliteLimits, SqliteStore, checkpoint, connections, files, secrets};
use crate::domain::secret_box::SecretKeys;
use crate::store::{StoreError, StoreResult};

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `url`
    /// (`sqlite://path/to/file.db`), and seals any plain-text signing secret
    /// in it. Secrets are sealed with `keys`, or without them with the key
    /// file beside the database (created on first use).
    pub async fn connect(url: &str, keys: Option<SecretKeys>) -> StoreResult<Self> {
        let limits = SqliteLimits {
            max_database_size: None,
            wal_limit: SqliteLimits::DEFAULT_WAL_LIMIT,
        };
        Self::connect_with(url, keys, limits).await
    }

    /// [`connect`](Self::connect), with `limits` on every connection.
    pub async fn connect_with(
        url: &str,
        keys: Option<SecretKeys>,
        limits: SqliteLimits,
    ) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?;
        let file = files::database_file(url, &options);
        let keys = match (keys, &file) {
            (Some(keys), _) => keys,
            (None, Some(path)) => files::key_file_keys(path)?,
            (None, None) => return Err(FileError::NoKeys.into()),
        };
        if let Some(path) = &file {
            files::prepare_database(path)?;
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Statement journals and sorts stay in memory: as files, SQLite
            // would create and unlink one in most write transactions.
            .pragma("temp_store", "memory")
            // A result set comes back in one go instead of the worker thread
            // waiting for the caller to take every fiftieth row.
            .row_buffer_size(4096)
            .busy_timeout(Duration::from_secs(30));
        // Checkpoints run on their own connection (below), never inside a
        // writer's commit, where copying the WAL back would stall every emit
        // and attempt queued behind it.
        let writer = connections::pool(
            &options.clone().pragma("wal_autocheckpoint", "0"),
            limits,
            1,
        )
        .await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        let sealed = secrets::seal_plaintext(&writer, &keys).await?;
        crate::store::open::log_sealed(sealed, &keys);
        let reader = connections::pool(&options.clone().read_only(true), limits, 4).await?;
        let checkpointer = connections::pool(&options, limits, 1).await?;
        let background = TaskTracker::new();
        let stop = CancellationToken::new();
        let checkpoints = checkpoint::run(
            checkpointer.clone(),
            writer.clone(),
            limits.wal_limit,
            stop.clone(),
        );
        crate::store::writer_thread::spawn("wal-checkpointer", &background, checkpoints)
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        Ok(Self {
            writer,
            reader,
            checkpointer,
            keys,
            max_subscriptions_per_organization: u32::MAX,
            background,
            stop,
        })
    }

    /// Caps the subscriptions one organization may have (none until set).
    pub fn with_max_subscriptions_per_organization(mut self, max: u32) -> Self {
        self.max_subscriptions_per_organization = max;
        self
    }
}
