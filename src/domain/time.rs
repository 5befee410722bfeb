//! The two time formats of the receiver contract, and the store's integer form.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// Envelope `timestamp`: RFC 3339 UTC with milliseconds, `2026-02-24T21:00:00.000Z`.
pub fn envelope_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Instants inside `data`: RFC 3339 UTC in whole seconds with `Z`,
/// `2026-02-24T20:59:00Z`, the one form the contract shows. Emitters often
/// send the current time with nanoseconds; a call's start or an appointment's
/// end means nothing finer than a second, and receivers' date parsers (Zapier,
/// Make) then see one shape only.
pub fn data_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Microseconds since the Unix epoch: how instants are stored.
pub fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub fn from_micros(us: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(us).single().unwrap_or_default()
}

/// Now, truncated to what the store keeps, so a value read back equals the one written.
pub fn now() -> DateTime<Utc> {
    from_micros(to_micros(Utc::now()))
}
