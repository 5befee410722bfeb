//! A delivery's life: pending → in flight → succeeded, or back to pending for
//! a retry, or failed when the retry schedule is spent. Cancelled when its
//! subscription is deleted; sent again on request ([`may_redeliver`]).
//! Decided here, purely; the store only records it (see [`super::outcome`]
//! for what recording an attempt does to its delivery).
//!
//! A failed attempt is either the receiver's (a timeout, a refused
//! connection, TLS, DNS, a non-2xx answer) or the service's own ([`Verdict`]):
//! no file descriptor or buffer for a socket, the target guard or scheme
//! check refusing the URL, a request that could not be built. Both kinds
//! follow the retry schedule, so a delivery is never tried forever; only the
//! receiver's failures count toward disabling the subscription
//! ([`super::health`]), so one tenant's load can never disable another's.
//! Every failure also has a kind ([`AttemptErrorKind`]) for clients to
//! branch on; the kind alone does not decide whose failure it was, since a
//! name the target guard refuses is a DNS failure that is the service's own.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::answer;
use super::attempt_error::AttemptErrorKind;
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
    /// What kind of failure it was; `None` exactly when it succeeded.
    pub error_kind: Option<AttemptErrorKind>,
    /// The failure was the service's own, not the receiver's; meaningless
    /// when the attempt succeeded.
    pub local: bool,
    /// How long the receiver asked to wait before the next attempt
    /// ([`answer::retry_after`]), unbounded; not stored.
    pub retry_after: Option<Duration>,
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

/// Longest error text kept per attempt, in bytes.
pub const MAX_ERROR_BYTES: usize = 1024;

impl AttemptReport {
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }

    /// The receiver answered `410 Gone`: its endpoint is gone for good.
    pub fn gone(&self) -> bool {
        self.status_code == Some(answer::GONE)
    }

    /// When the attempt ended.
    pub fn finished_at(&self) -> DateTime<Utc> {
        self.started_at + chrono::Duration::from_std(self.duration).unwrap_or(chrono::Duration::MAX)
    }

    /// The error as the log keeps it: at most [`MAX_ERROR_BYTES`], cut on a
    /// character boundary.
    pub fn kept_error(&self) -> Option<String> {
        self.error.as_deref().map(|e| {
            let mut end = e.len().min(MAX_ERROR_BYTES);
            while !e.is_char_boundary(end) {
                end -= 1;
            }
            e[..end].to_owned()
        })
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
/// was created or last redelivered, this attempt included when it failed;
/// `retry_after` is the wait the receiver asked for, if any.
pub fn next_step(
    succeeded: bool,
    failed_in_round: u32,
    retry_after: Option<Duration>,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
) -> NextStep {
    if succeeded {
        return NextStep::Succeeded;
    }
    match policy.next_delay_honouring(failed_in_round, retry_after) {
        Some(delay) => NextStep::RetryAt(
            now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX),
        ),
        None => NextStep::Failed,
    }
}

/// A "Test webhook" delivery ends with its one attempt: it is never retried.
pub fn test_delivery_status(report: &AttemptReport) -> DeliveryStatus {
    if report.succeeded() {
        DeliveryStatus::Succeeded
    } else {
        DeliveryStatus::Failed
    }
}

/// Why a delivery is not sent again on request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedeliverRefusal {
    /// Test deliveries are not retried; the test is run again instead.
    Test,
    /// An attempt is being made right now; its outcome would overwrite ours.
    InFlight,
    /// Its subscription was deleted.
    SubscriptionDeleted,
}

/// Whether a delivery, as it stands, may be scheduled again now (with a
/// fresh round of retries). A store decides this on the delivery as read in
/// the transaction that reschedules it, so the answer is what was done.
pub fn may_redeliver(
    status: DeliveryStatus,
    test: bool,
    subscription_deleted: bool,
) -> Result<(), RedeliverRefusal> {
    if test {
        Err(RedeliverRefusal::Test)
    } else if status == DeliveryStatus::InFlight {
        Err(RedeliverRefusal::InFlight)
    } else if subscription_deleted {
        Err(RedeliverRefusal::SubscriptionDeleted)
    } else {
        Ok(())
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
            retry_after_limit: Duration::from_secs(3600),
        };
        let now = Utc::now();
        assert_eq!(next_step(true, 0, None, &policy, now), NextStep::Succeeded);
        assert_eq!(
            next_step(false, 1, None, &policy, now),
            NextStep::RetryAt(now + chrono::Duration::seconds(1))
        );
        assert_eq!(
            next_step(false, 2, None, &policy, now),
            NextStep::RetryAt(now + chrono::Duration::seconds(2))
        );
        assert_eq!(next_step(false, 3, None, &policy, now), NextStep::Failed);
    }

    #[test]
    fn a_requested_wait_moves_the_retry_later_within_the_limit_never_earlier() {
        let policy = RetryPolicy {
            schedule: vec![Duration::from_secs(1), Duration::from_secs(300)],
            jitter: 0.0,
            retry_after_limit: Duration::from_secs(200),
        };
        let now = Utc::now();
        let at = |s| NextStep::RetryAt(now + chrono::Duration::seconds(s));
        let asked = |s| Some(Duration::from_secs(s));
        assert_eq!(next_step(false, 1, asked(120), &policy, now), at(120));
        assert_eq!(next_step(false, 1, asked(86_400), &policy, now), at(200));
        assert_eq!(next_step(false, 2, asked(120), &policy, now), at(300));
        assert_eq!(
            next_step(false, 3, asked(120), &policy, now),
            NextStep::Failed,
            "a requested wait never adds an attempt"
        );
        assert_eq!(
            next_step(true, 1, asked(120), &policy, now),
            NextStep::Succeeded
        );
    }

    #[test]
    fn a_failure_is_the_receivers_unless_marked_local() {
        let mut report = AttemptReport {
            started_at: Utc::now(),
            duration: Duration::ZERO,
            status_code: Some(200),
            error: None,
            error_kind: None,
            local: false,
            retry_after: None,
            response_excerpt: String::new(),
        };
        assert_eq!(report.verdict(), Verdict::Delivered);
        report.error = Some("HTTP 503".into());
        report.error_kind = Some(AttemptErrorKind::HttpStatus);
        assert_eq!(report.verdict(), Verdict::ReceiverFailed);
        report.local = true;
        assert_eq!(report.verdict(), Verdict::LocalFailure);
    }

    #[test]
    fn any_settled_delivery_of_a_live_subscription_may_be_sent_again() {
        use DeliveryStatus::*;
        for status in [Pending, Succeeded, Failed, Cancelled] {
            assert_eq!(may_redeliver(status, false, false), Ok(()), "{status:?}");
        }
        assert_eq!(
            may_redeliver(InFlight, false, false),
            Err(RedeliverRefusal::InFlight)
        );
        assert_eq!(
            may_redeliver(Failed, false, true),
            Err(RedeliverRefusal::SubscriptionDeleted)
        );
        assert_eq!(
            may_redeliver(Cancelled, true, true),
            Err(RedeliverRefusal::Test),
            "a test is never redelivered, whatever else holds"
        );
    }

    #[test]
    fn kept_errors_are_cut_on_a_character_boundary() {
        let report = AttemptReport {
            started_at: Utc::now(),
            duration: Duration::from_millis(1500),
            status_code: None,
            error: Some(format!("x{}", "é".repeat(MAX_ERROR_BYTES))),
            error_kind: Some(AttemptErrorKind::HttpStatus),
            local: false,
            retry_after: None,
            response_excerpt: String::new(),
        };
        let kept = report.kept_error().expect("an error");
        assert_eq!(kept.len(), MAX_ERROR_BYTES - 1);
        assert_eq!(
            report.finished_at() - report.started_at,
            chrono::Duration::milliseconds(1500)
        );
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
