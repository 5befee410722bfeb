//! What a receiver's answer means. A 2xx is success; anything else is a
//! failure that follows the retry schedule, 3xx included: redirects are
//! never followed, since the new location was never checked as a target.
//! Two answers say more than "failed":
//!
//! - `410 Gone`: the endpoint is gone for good, so its subscription is
//!   disabled at once, as Standard Webhooks recommends ([`super::health`]).
//! - `429 Too Many Requests` and `503 Service Unavailable` with a
//!   `Retry-After`: the next attempt waits as asked, within a limit, and never
//!   comes sooner than the schedule says ([`super::retry`]).

use std::time::{Duration, SystemTime};

/// The answer that disables a subscription at once.
pub const GONE: u16 = 410;

pub fn is_success(status: u16) -> bool {
    (200..=299).contains(&status)
}

/// Whether an answer with `status` may ask for a later retry.
pub fn honours_retry_after(status: u16) -> bool {
    matches!(status, 429 | 503)
}

/// How long the receiver asked to wait, as its `Retry-After` header says:
/// delta-seconds or an HTTP-date. Only answers with
/// [`honours_retry_after`] count; a malformed, negative or past value asks
/// for nothing. Not bounded here: the retry policy bounds it.
pub fn retry_after(status: u16, header: Option<&str>, now: SystemTime) -> Option<Duration> {
    if !honours_retry_after(status) {
        return None;
    }
    let value = header?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Only digits: too large for u64 is still a (very long) wait.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    at.duration_since(now).ok().filter(|wait| !wait.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(status: u16, value: &str) -> Option<Duration> {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        retry_after(status, Some(value), now)
    }

    #[test]
    fn delta_seconds_and_http_dates_are_read_on_429_and_503() {
        assert_eq!(asked(429, "120"), Some(Duration::from_secs(120)));
        assert_eq!(asked(503, " 7 "), Some(Duration::from_secs(7)));
        assert_eq!(asked(429, "0"), Some(Duration::ZERO));
        assert_eq!(
            asked(429, "99999999999999999999999"),
            Some(Duration::from_secs(u64::MAX)),
            "a wait too long to count is the longest wait, bounded later"
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(asked(503, &later), Some(Duration::from_secs(90)));
    }

    #[test]
    fn other_answers_and_malformed_negative_or_past_values_ask_for_nothing() {
        assert_eq!(asked(500, "120"), None);
        assert_eq!(asked(410, "120"), None);
        assert_eq!(asked(302, "120"), None);
        for bad in ["", "-5", "1.5", "soon", "12 s", "+3", "Tue, 99 Foo 2026"] {
            assert_eq!(asked(429, bad), None, "{bad:?}");
        }
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        let past = httpdate::fmt_http_date(now - Duration::from_secs(60));
        assert_eq!(asked(429, &past), None);
        assert_eq!(retry_after(429, None, now), None);
    }

    #[test]
    fn only_2xx_is_success() {
        assert!(is_success(200) && is_success(204) && is_success(299));
        assert!(!is_success(199) && !is_success(302) && !is_success(GONE));
    }
}
