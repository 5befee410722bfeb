//! sqlx's errors as [`StoreError`]s, for every backend built on sqlx. The
//! error keeps sqlx's as its cause (logged with the whole chain) but its type
//! names no driver, so nothing above the store depends on one. Storage
//! faults become [`StoreError::Unavailable`] or [`StoreError::Full`]: errors
//! of the pool and the transport here, database errors by the backend whose
//! error it is (by its error code).

use super::{Fault, StoreError};

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match fault_of(&e) {
            Some(Fault::Full) => StoreError::Full(Box::new(e)),
            Some(Fault::Unavailable) => StoreError::Unavailable(Box::new(e)),
            None => StoreError::Database(Box::new(e)),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(Box::new(e))
    }
}

/// The fault `e` is, if it is one.
fn fault_of(e: &sqlx::Error) -> Option<Fault> {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(Fault::Unavailable),
        sqlx::Error::Database(db) => super::sqlite::faults::fault_of(db.as_ref())
            .or_else(|| super::postgres::faults::fault_of(db.as_ref())),
        _ => None,
    }
}
