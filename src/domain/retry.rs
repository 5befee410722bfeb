//! When a failed delivery is tried again. The default is the schedule Standard
//! Webhooks recommends (about 27 hours after the first attempt); each delay
//! gets random jitter so that many deliveries failing together (an endpoint
//! outage) do not all come back in the same instant. A receiver that asks
//! for a later retry (`Retry-After`, see [`super::answer`]) gets it, up to
//! a limit, but never an earlier one than the schedule's.

use std::time::Duration;

use rand::Rng;

/// Delays between attempts, and the jitter applied to each.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Delay before retry 1, 2, …; one attempt more than its length in all.
    pub schedule: Vec<Duration>,
    /// Each delay is scaled by a random factor in `1 ± jitter` (0 to 1).
    pub jitter: f64,
    /// Longest wait a receiver's `Retry-After` can impose.
    pub retry_after_limit: Duration,
}

impl RetryPolicy {
    pub fn standard() -> Self {
        let m = 60;
        let h = 60 * m;
        Self {
            schedule: [5, 5 * m, 30 * m, 2 * h, 5 * h, 10 * h, 10 * h]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            jitter: 0.1,
            retry_after_limit: Duration::from_secs(h),
        }
    }

    /// Total attempts a delivery gets before it is marked failed.
    pub fn max_attempts(&self) -> usize {
        self.schedule.len() + 1
    }

    /// Delay before the next attempt after `failed_attempts` failures in the
    /// current round, or `None` when the delivery has run out of retries.
    pub fn next_delay(&self, failed_attempts: u32) -> Option<Duration> {
        let base = *self
            .schedule
            .get(usize::try_from(failed_attempts).ok()?.checked_sub(1)?)?;
        if self.jitter <= 0.0 {
            return Some(base);
        }
        let factor = rand::rng().random_range((1.0 - self.jitter)..=(1.0 + self.jitter));
        Some(base.mul_f64(factor.max(0.0)))
    }

    /// [`Self::next_delay`], made longer when the receiver asked for a later
    /// retry: the longer of the schedule's delay and the wait asked for
    /// (cut at [`Self::retry_after_limit`]). Never shorter than the schedule,
    /// and no retry where the schedule has none left.
    pub fn next_delay_honouring(
        &self,
        failed_attempts: u32,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let scheduled = self.next_delay(failed_attempts)?;
        Some(match retry_after {
            Some(asked) => scheduled.max(asked.min(self.retry_after_limit)),
            None => scheduled,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_schedule_spans_about_a_day_in_eight_attempts() {
        let policy = RetryPolicy::standard();
        assert_eq!(policy.max_attempts(), 8);
        let total: Duration = policy.schedule.iter().sum();
        assert_eq!(
            total.as_secs(),
            5 + 300 + 1800 + 7200 + 18000 + 36000 + 36000
        );
    }

    #[test]
    fn delays_follow_the_schedule_within_jitter_then_stop() {
        let policy = RetryPolicy::standard();
        for _ in 0..100 {
            let first = policy.next_delay(1).expect("first retry");
            assert!(first >= Duration::from_millis(4500) && first <= Duration::from_millis(5500));
        }
        assert!(policy.next_delay(7).is_some());
        assert_eq!(policy.next_delay(8), None);
        assert_eq!(policy.next_delay(0), None);
    }

    #[test]
    fn a_requested_wait_lengthens_a_delay_up_to_the_limit_but_never_shortens_it() {
        let policy = RetryPolicy {
            schedule: vec![Duration::from_secs(1), Duration::from_secs(300)],
            jitter: 0.0,
            retry_after_limit: Duration::from_secs(600),
        };
        let secs = Duration::from_secs;
        assert_eq!(policy.next_delay_honouring(1, None), Some(secs(1)));
        assert_eq!(
            policy.next_delay_honouring(1, Some(secs(120))),
            Some(secs(120))
        );
        assert_eq!(
            policy.next_delay_honouring(1, Some(secs(86_400))),
            Some(secs(600)),
            "capped at the limit"
        );
        assert_eq!(
            policy.next_delay_honouring(2, Some(secs(120))),
            Some(secs(300)),
            "never below the schedule"
        );
        assert_eq!(
            policy.next_delay_honouring(2, Some(Duration::MAX)),
            Some(secs(600))
        );
        assert_eq!(
            policy.next_delay_honouring(3, Some(secs(120))),
            None,
            "never past the last attempt"
        );
    }

    #[test]
    fn a_schedule_longer_than_the_limit_wins_over_a_requested_wait() {
        let policy = RetryPolicy {
            schedule: vec![Duration::from_secs(7200)],
            jitter: 0.0,
            retry_after_limit: Duration::from_secs(3600),
        };
        assert_eq!(
            policy.next_delay_honouring(1, Some(Duration::from_secs(86_400))),
            Some(Duration::from_secs(7200))
        );
    }
}
