//! A delivery's life: pending → in flight → succeeded, or back to pending for
//! a retry, or failed when the retry schedule is spent. Cancelled when its
//! subscription is deleted. Decided here, purely; the store only records it.
//!
//! A failed attempt is either the receiver's (a timeout, a refused
//! connection, TLS, DNS, a non-2xx answer) or the service's own ([`Verdict`]):
//! no file descriptor or buffer for a socket, the target guard or scheme
//! check refusing the URL, a request that could not be built. Both kinds
//! follow the retry schedule, so a delivery is never tried forever; only the
//! receiver's failures count toward disabling the subscription
//! ([`super::health`]), so one tenant's load can never disable another's.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::retry::RetryPolicy;

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    InFlight,
    Succeeded,
    Failed,
    Cancelled,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::InFlight => "in_flight",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::InFlight,
            DeliveryStatus::Succeeded,
            DeliveryStatus::Failed,
            DeliveryStatus::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
    }
}

/// What one HTTP attempt produced.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptReport {
    pub started_at: DateTime<Utc>,
    pub duration: Duration,
    /// HTTP status, when an answer arrived.
    pub status_code: Option<u16>,
    /// Why it failed; `None` exactly when it succeeded.
    pub error: Option<String>,
    /// The failure was the service's own, not the receiver's; meaningless
    /// when the attempt succeeded.
    pub local: bool,
    /// The first bytes of the answer, lossily decoded.
    pub response_excerpt: String,
}

/// Whose side an attempt ended on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A 2xx answer.
    Delivered,
    /// The receiver failed or could not be reached.
    ReceiverFailed,
    /// The service could not make the attempt (resources, its own guard).
    LocalFailure,
}

impl AttemptReport {
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }

    pub fn verdict(&self) -> Verdict {
        match (&self.error, self.local) {
            (None, _) => Verdict::Delivered,
            (Some(_), false) => Verdict::ReceiverFailed,
            (Some(_), true) => Verdict::LocalFailure,
        }
    }
}

/// What happens to a delivery after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    Succeeded,
    RetryAt(DateTime<Utc>),
    Failed,
}

/// Decides the next step. `failed_in_round` counts failures since the delivery
/// was created or last redelivered, this attempt included when it failed.
pub fn next_step(
    succeeded: bool,
    failed_in_round: u32,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
) -> NextStep {
    if succeeded {
        return NextStep::Succeeded;
    }
    match policy.next_delay(failed_in_round) {
        Some(delay) => NextStep::RetryAt(
            now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX),
        ),
        None => NextStep::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_retry_until_the_schedule_is_spent() {
        let policy = RetryPolicy {
            schedule: vec![Duration::from_secs(1), Duration::from_secs(2)],
            jitter: 0.0,
        };
        let now = Utc::now();
        assert_eq!(next_step(true, 0, &policy, now), NextStep::Succeeded);
        assert_eq!(
            next_step(false, 1, &policy, now),
            NextStep::RetryAt(now + chrono::Duration::seconds(1))
        );
        assert_eq!(
            next_step(false, 2, &policy, now),
            NextStep::RetryAt(now + chrono::Duration::seconds(2))
        );
        assert_eq!(next_step(false, 3, &policy, now), NextStep::Failed);
    }

    #[test]
    fn a_failure_is_the_receivers_unless_marked_local() {
        let mut report = AttemptReport {
            started_at: Utc::now(),
            duration: Duration::ZERO,
            status_code: Some(200),
            error: None,
            local: false,
            response_excerpt: String::new(),
        };
        assert_eq!(report.verdict(), Verdict::Delivered);
        report.error = Some("HTTP 503".into());
        assert_eq!(report.verdict(), Verdict::ReceiverFailed);
        report.local = true;
        assert_eq!(report.verdict(), Verdict::LocalFailure);
    }

    #[test]
    fn status_names_round_trip() {
        for s in ["pending", "in_flight", "succeeded", "failed", "cancelled"] {
            assert_eq!(
                DeliveryStatus::parse(s).map(DeliveryStatus::as_str),
                Some(s)
            );
        }
    }
}
