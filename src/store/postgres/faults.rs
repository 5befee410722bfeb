//! Which PostgreSQL errors are storage faults rather than bugs, judged by the
//! SQLSTATE class the server reports, never by the message: a full disk
//! (class 53, insufficient resources: `53100` disk full, `53200` out of
//! memory, `53300` too many connections), a server going away or starting
//! (class 08 connection exceptions, `57P01`–`57P05` operator intervention:
//! admin or crash shutdown, cannot connect now), and a read-only or
//! recovering server (`25006`).

use sqlx::error::DatabaseError;
use sqlx::postgres::PgDatabaseError;

use crate::store::Fault;

/// The fault a database error is, if it is PostgreSQL's and one.
pub(crate) fn fault_of(e: &dyn DatabaseError) -> Option<Fault> {
    fault_of_code(e.try_downcast_ref::<PgDatabaseError>()?.code())
}

fn fault_of_code(sqlstate: &str) -> Option<Fault> {
    match sqlstate {
        "53100" => Some(Fault::Full),
        s if s.starts_with("53") || s.starts_with("08") || s.starts_with("57P") => {
            Some(Fault::Unavailable)
        }
        "25006" | "40001" | "40P01" => Some(Fault::Unavailable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_connection_and_shutdown_states_are_faults_and_the_rest_are_not() {
        assert_eq!(fault_of_code("53100"), Some(Fault::Full));
        for code in [
            "53200", "53300", "08006", "08001", "57P01", "57P03", "25006",
        ] {
            assert_eq!(fault_of_code(code), Some(Fault::Unavailable), "{code}");
        }
        // Unique violation, syntax error, undefined table.
        for code in ["23505", "42601", "42P01"] {
            assert_eq!(fault_of_code(code), None, "{code}");
        }
    }
}
