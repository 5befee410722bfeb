//! Instants given on the command line: `--since 2026-02-24T21:00:00Z`, or
//! how long ago, `--since 2h`.

use chrono::{DateTime, Utc};

/// An RFC 3339 time, or a duration before now (`90s`, `15m`, `2h`, `3days`).
pub fn instant(raw: &str) -> Result<DateTime<Utc>, String> {
    instant_at(raw, inboundflow_webhooks::domain::time::now())
}

fn instant_at(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(at.with_timezone(&Utc));
    }
    humantime::parse_duration(raw)
        .ok()
        .and_then(|ago| chrono::Duration::from_std(ago).ok())
        .and_then(|ago| now.checked_sub_signed(ago))
        .ok_or_else(|| {
            "must be an RFC 3339 time (2026-02-24T21:00:00Z) or a time ago (30m, 2h, 3days)".into()
        })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_time_or_a_duration_ago() {
        let now = Utc
            .with_ymd_and_hms(2026, 2, 24, 21, 0, 0)
            .single()
            .expect("a time");
        let at = |h, m| {
            Ok(Utc
                .with_ymd_and_hms(2026, 2, 24, h, m, 0)
                .single()
                .expect("a time"))
        };
        assert_eq!(instant_at("2h", now), at(19, 0));
        assert_eq!(instant_at("90m", now), at(19, 30));
        assert_eq!(instant_at("2026-02-24T20:15:00Z", now), at(20, 15));
        assert_eq!(instant_at("2026-02-24T21:15:00+01:00", now), at(20, 15));
        for bad in ["", "yesterday", "2026-02-24", "-1h"] {
            assert!(instant_at(bad, now).is_err(), "{bad}");
        }
    }
}
