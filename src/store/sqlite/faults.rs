//! Which SQLite errors are storage faults rather than bugs, judged by the
//! result code SQLite reports (sqlx gives the extended code; its low byte is
//! the primary one), never by the message.

use sqlx::error::DatabaseError;
use sqlx::sqlite::SqliteError;

use crate::store::Fault;

const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_NOMEM: i32 = 7;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_PROTOCOL: i32 = 15;

/// The fault a database error is, if it is SQLite's and one.
pub(crate) fn fault_of(e: &dyn DatabaseError) -> Option<Fault> {
    let code: i32 = e.try_downcast_ref::<SqliteError>()?.code()?.parse().ok()?;
    fault_of_code(code)
}

/// BUSY and LOCKED reach a caller only after the busy timeout ran out.
fn fault_of_code(extended: i32) -> Option<Fault> {
    match extended & 0xff {
        SQLITE_FULL => Some(Fault::Full),
        SQLITE_BUSY | SQLITE_LOCKED | SQLITE_NOMEM | SQLITE_READONLY | SQLITE_IOERR
        | SQLITE_CANTOPEN | SQLITE_PROTOCOL => Some(Fault::Unavailable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_io_and_lock_codes_are_faults_and_the_rest_are_not() {
        assert_eq!(fault_of_code(13), Some(Fault::Full));
        // SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC, SQLITE_BUSY_SNAPSHOT, SQLITE_READONLY_DBMOVED.
        for code in [778, 1034, 517, 1032, 14] {
            assert_eq!(fault_of_code(code), Some(Fault::Unavailable), "{code}");
        }
        // SQLITE_ERROR, SQLITE_CONSTRAINT_UNIQUE, SQLITE_CORRUPT, SQLITE_NOTADB.
        for code in [1, 2067, 11, 26] {
            assert_eq!(fault_of_code(code), None, "{code}");
        }
    }
}
