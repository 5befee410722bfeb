//! Opening the store a database URL names: `sqlite://FILE` (the embedded
//! default) or `postgres://…` (shared by any number of instances). The one
//! place that knows which backends exist, so the server, the CLI commands and
//! the tests all open the database the same way.

use std::sync::Arc;

use super::postgres::PgStore;
use super::sqlite::{SqliteLimits, SqliteStore};
use super::{Store, StoreError, StoreResult};
use crate::domain::secret_box::SecretKeys;

/// What every backend is opened with.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Keys that seal signing secrets; without them SQLite falls back to a key
    /// file beside its database, and PostgreSQL refuses to open.
    pub secret_keys: Option<SecretKeys>,
    /// Subscriptions (not deleted) one organization may have.
    pub max_subscriptions_per_organization: u32,
    /// Largest the database may grow, in bytes; past it writes fail as a
    /// full database (SQLite: `max_page_count`). `None`: no cap.
    pub max_database_size: Option<u64>,
    /// SQLite: the WAL size past which it is truncated.
    pub sqlite_wal_limit: u64,
}

impl Default for StoreOptions {
    /// No keys, no cap: what the operator commands need.
    fn default() -> Self {
        Self {
            secret_keys: None,
            max_subscriptions_per_organization: u32::MAX,
            max_database_size: None,
            sqlite_wal_limit: SqliteLimits::DEFAULT_WAL_LIMIT,
        }
    }
}

/// The backends a database URL can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://FILE`: the embedded default.
    Sqlite,
    /// `postgres://…` or `postgresql://…`: for several instances.
    Postgres,
}

impl Backend {
    /// The backend `url` names, judged by its scheme alone (the rest may hold
    /// a password, so no error repeats it).
    pub fn of(url: &str) -> StoreResult<Self> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme);
        match scheme {
            Some("sqlite") => Ok(Backend::Sqlite),
            Some("postgres" | "postgresql") => Ok(Backend::Postgres),
            _ => Err(StoreError::UnsupportedUrl(
                "must be a sqlite:// or postgres:// URL",
            )),
        }
    }
}

/// `url` with its password (if any) replaced by `***`, for logs and messages.
pub fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => match parsed.set_password(Some("***")) {
            Ok(()) => parsed.to_string(),
            Err(()) => "(a URL with a password)".to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// Opens (creating and migrating if needed) the store at `url`.
pub async fn open(url: &str, options: StoreOptions) -> StoreResult<Arc<dyn Store>> {
    let max = options.max_subscriptions_per_organization;
    Ok(match Backend::of(url)? {
        Backend::Sqlite => Arc::new(
            SqliteStore::connect_with(
                url,
                options.secret_keys,
                SqliteLimits {
                    max_database_size: options.max_database_size,
                    wal_limit: options.sqlite_wal_limit,
                },
            )
            .await?
            .with_max_subscriptions_per_organization(max),
        ),
        Backend::Postgres => Arc::new(
            PgStore::connect(url, options.secret_keys)
                .await?
                .with_max_subscriptions_per_organization(max),
        ),
    })
}

/// Logs how many plain-text signing secrets opening the database sealed
/// (each backend seals them as it opens), if any.
pub(super) fn log_sealed(sealed: u64, keys: &SecretKeys) {
    if sealed > 0 {
        tracing::info!(
            subscriptions = sealed,
            key_id = keys.sealing_key_id(),
            "sealed signing secrets stored in plain text"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_names_the_backend_and_errors_never_repeat_the_url() {
        assert_eq!(Backend::of("sqlite://a.db").ok(), Some(Backend::Sqlite));
        assert_eq!(Backend::of("sqlite::memory:").ok(), Some(Backend::Sqlite));
        assert_eq!(
            Backend::of("postgresql://h/d").ok(),
            Some(Backend::Postgres)
        );
        for url in ["mysql://user:hunter2@db/x", "hunter2"] {
            let error = Backend::of(url).expect_err(url).to_string();
            assert!(!error.contains("hunter2"), "{error}");
        }
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redacted_url("postgres://app:s3cret@db.internal:5432/webhooks"),
            "postgres://app:***@db.internal:5432/webhooks"
        );
        assert_eq!(redacted_url("sqlite://x.db"), "sqlite://x.db");
    }
}
