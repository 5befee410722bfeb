//! A subscription's delivery health: consecutive failed attempts, reset by a
//! success, and automatic disabling when they reach the threshold. Only the
//! receiver's failures count: a failure that was the service's own (see
//! [`Verdict::LocalFailure`]) leaves the health exactly as it was, so a
//! subscription is never disabled for load it did not cause.

use super::delivery::Verdict;

/// What the service knows about a subscription's health.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Health {
    pub enabled: bool,
    pub consecutive_failures: u32,
    /// Disabled by this rule (rather than by hand).
    pub disabled_for_failures: bool,
}

/// The health after one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AfterAttempt {
    pub consecutive_failures: u32,
    /// This attempt's failure disabled the subscription.
    pub disabled_now: bool,
}

impl Health {
    /// Applies one attempt's outcome, in the order attempts finished.
    pub fn record(&mut self, verdict: Verdict, threshold: u32) -> AfterAttempt {
        let mut disabled_now = false;
        match verdict {
            Verdict::Delivered => self.consecutive_failures = 0,
            Verdict::ReceiverFailed => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                if self.enabled && self.consecutive_failures >= threshold {
                    self.enabled = false;
                    self.disabled_for_failures = true;
                    disabled_now = true;
                }
            }
            Verdict::LocalFailure => {}
        }
        AfterAttempt {
            consecutive_failures: self.consecutive_failures,
            disabled_now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenth_consecutive_failure_disables_and_a_success_resets() {
        let mut h = Health {
            enabled: true,
            consecutive_failures: 7,
            disabled_for_failures: false,
        };
        assert!(!h.record(Verdict::ReceiverFailed, 10).disabled_now);
        assert_eq!(h.record(Verdict::Delivered, 10).consecutive_failures, 0);
        for _ in 0..9 {
            assert!(!h.record(Verdict::ReceiverFailed, 10).disabled_now);
        }
        let tenth = h.record(Verdict::ReceiverFailed, 10);
        assert!(tenth.disabled_now && !h.enabled && h.disabled_for_failures);
        assert_eq!(tenth.consecutive_failures, 10);
        assert!(
            !h.record(Verdict::ReceiverFailed, 10).disabled_now,
            "disabled once only"
        );
    }

    #[test]
    fn a_manually_disabled_subscription_keeps_counting_but_is_not_disabled_again() {
        let mut h = Health {
            enabled: false,
            consecutive_failures: 20,
            disabled_for_failures: false,
        };
        let after = h.record(Verdict::ReceiverFailed, 10);
        assert_eq!(
            after,
            AfterAttempt {
                consecutive_failures: 21,
                disabled_now: false
            }
        );
        assert!(!h.disabled_for_failures);
    }

    #[test]
    fn the_services_own_failures_neither_count_nor_disable_nor_reset() {
        let mut h = Health {
            enabled: true,
            consecutive_failures: 9,
            disabled_for_failures: false,
        };
        for _ in 0..50 {
            let after = h.record(Verdict::LocalFailure, 10);
            assert_eq!(
                after,
                AfterAttempt {
                    consecutive_failures: 9,
                    disabled_now: false
                }
            );
        }
        assert!(h.enabled);
        assert!(h.record(Verdict::ReceiverFailed, 10).disabled_now);
    }
}
