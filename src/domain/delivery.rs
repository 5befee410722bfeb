//! A delivery's life: pending → in flight → succeeded, or back to pending for
//! a retry, or failed when the retry schedule is spent. Cancelled when its
//! subscription is deleted. Decided here, purely; the store only records it.

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
    /// The first bytes of the answer, lossily decoded.
    pub response_excerpt: String,
}

impl AttemptReport {
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
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
    fn status_names_round_trip() {
        for s in ["pending", "in_flight", "succeeded", "failed", "cancelled"] {
            assert_eq!(
                DeliveryStatus::parse(s).map(DeliveryStatus::as_str),
                Some(s)
            );
        }
    }
}
