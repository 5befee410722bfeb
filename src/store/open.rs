//! Opening the store a database URL names: `sqlite://FILE` (the embedded
//! default) or `postgres://…` (shared by any number of instances).

use std::sync::Arc;

use super::postgres::PgStore;
use super::sqlite::SqliteStore;
use super::{Store, StoreError, StoreResult};
use crate::domain::secret_box::SecretKeys;

/// The kind of database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of `url` by its scheme; `None` for any other scheme.
    pub fn of(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
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

/// An open store, with what only its owner (not the service) may do.
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Opens and migrates the database at `url`. `keys` seal signing secrets;
/// without them SQLite uses a key file beside its database, and PostgreSQL
/// refuses to open ([`StoreError::NoSecretKeys`]).
pub async fn open(url: &str, keys: Option<SecretKeys>) -> StoreResult<Database> {
    match Backend::of(url) {
        Some(Backend::Sqlite) => Ok(Database::Sqlite(SqliteStore::connect(url, keys).await?)),
        Some(Backend::Postgres) => Ok(Database::Postgres(PgStore::connect(url, keys).await?)),
        None => Err(StoreError::UnsupportedUrl),
    }
}

impl Database {
    /// The store, for the service.
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(s) => Arc::new(s.clone()),
            Self::Postgres(s) => Arc::new(s.clone()),
        }
    }

    /// Caps the subscriptions one organization may have (none until set).
    pub fn with_max_subscriptions_per_organization(self, max: u32) -> Self {
        match self {
            Self::Sqlite(s) => Self::Sqlite(s.with_max_subscriptions_per_organization(max)),
            Self::Postgres(s) => Self::Postgres(s.with_max_subscriptions_per_organization(max)),
        }
    }

    /// Seals every stored signing secret again with the first key; returns
    /// how many there are.
    pub async fn rotate_secrets(&self) -> StoreResult<u64> {
        match self {
            Self::Sqlite(s) => s.rotate_secrets().await,
            Self::Postgres(s) => s.rotate_secrets().await,
        }
    }

    /// The id of the key that seals signing secrets.
    pub fn sealing_key_id(&self) -> &str {
        match self {
            Self::Sqlite(s) => s.sealing_key_id(),
            Self::Postgres(s) => s.sealing_key_id(),
        }
    }

    /// Closes the database, waiting for running queries.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(s) => s.close().await,
            Self::Postgres(s) => s.close().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redacted_url("postgres://app:s3cret@db.internal:5432/webhooks"),
            "postgres://app:***@db.internal:5432/webhooks"
        );
        assert_eq!(redacted_url("sqlite://x.db"), "sqlite://x.db");
        assert_eq!(Backend::of("postgresql://h/d"), Some(Backend::Postgres));
        assert_eq!(Backend::of("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(Backend::of("mysql://h/d"), None);
    }
}
