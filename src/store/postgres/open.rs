//! Opening the PostgreSQL store: the instance's name, its pool, migrations,
//! and sealing secrets stored in plain text.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{PgStore, secrets};
use crate::domain::secret_box::SecretKeys;
use crate::store::{StoreError, StoreResult};

/// Connections each instance keeps at most: the group committer, the
/// attempt recorder and the dispatcher hold one each while they work, the
/// listener for other instances' work one all the time; the rest serve RPCs.
const POOL_SIZE: u32 = 16;

/// How long a call waits for a connection before it is refused as
/// unavailable. sqlx retries a refused connect until this runs out, so it
/// is also how long a caller waits to hear that the server is down: long
/// enough for a busy pool to free a connection, short enough that callers
/// are told to retry well before their own deadlines.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

impl PgStore {
    /// Connects to the database at `url` (`postgres://…`), migrates it, and
    /// seals any plain-text signing secret in it with `keys`, which are
    /// required.
    pub async fn connect(url: &str, keys: Option<SecretKeys>) -> StoreResult<Self> {
        let keys = keys.ok_or(StoreError::NoSecretKeys)?;
        let instance: Arc<str> =
            format!("inboundflow-webhooks-{}", uuid::Uuid::new_v4().simple()).into();
        // Notices ("relation already exists, skipping" from migrations) are
        // not worth a log line.
        let options = PgConnectOptions::from_str(url)?
            .application_name(&instance)
            .options([("client_min_messages", "warning")]);
        // Connections are kept open (no idle timeout, no maximum lifetime) so
        // that a live instance is always seen connected by the others.
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let sealed = secrets::seal_plaintext(&pool, &keys).await?;
        crate::store::open::log_sealed(sealed, &keys);
        Ok(Self {
            pool,
            keys,
            instance,
            max_subscriptions_per_organization: u32::MAX,
            tasks: TaskTracker::new(),
            stop: CancellationToken::new(),
        })
    }

    /// Caps the subscriptions one organization may have (none until set).
    pub fn with_max_subscriptions_per_organization(mut self, max: u32) -> Self {
        self.max_subscriptions_per_organization = max;
        self
    }
}
