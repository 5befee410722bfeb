//! A subscription's delivery health: consecutive failed attempts, reset by a
//! success, and automatic disabling when they reach the threshold.

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
    pub fn record(&mut self, succeeded: bool, threshold: u32) -> AfterAttempt {
        let mut disabled_now = false;
        if succeeded {
            self.consecutive_failures = 0;
        } else {
            self.consecutive_failures = self.consecutive_failures.saturating_add(1);
            if self.enabled && self.consecutive_failures >= threshold {
                self.enabled = false;
                self.disabled_for_failures = true;
                disabled_now = true;
            }
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
        assert!(!h.record(false, 10).disabled_now);
        assert_eq!(h.record(true, 10).consecutive_failures, 0);
        for _ in 0..9 {
            assert!(!h.record(false, 10).disabled_now);
        }
        let tenth = h.record(false, 10);
        assert!(tenth.disabled_now && !h.enabled && h.disabled_for_failures);
        assert_eq!(tenth.consecutive_failures, 10);
        assert!(!h.record(false, 10).disabled_now, "disabled once only");
    }

    #[test]
    fn a_manually_disabled_subscription_keeps_counting_but_is_not_disabled_again() {
        let mut h = Health {
            enabled: false,
            consecutive_failures: 20,
            disabled_for_failures: false,
        };
        let after = h.record(false, 10);
        assert_eq!(
            after,
            AfterAttempt {
                consecutive_failures: 21,
                disabled_now: false
            }
        );
        assert!(!h.disabled_for_failures);
    }
}
