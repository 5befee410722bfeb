//! sqlx's errors as [`StoreError`]s, for every backend built on sqlx. The
//! error keeps sqlx's as its cause (logged with the whole chain) but its type
//! names no driver, so nothing above the store depends on one.

use super::StoreError;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(Box::new(e))
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(Box::new(e))
    }
}
