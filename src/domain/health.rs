//! A subscription's delivery health and the rules that move it: consecutive
//! failed attempts, reset by a success; automatic disabling when they reach
//! the threshold, or at once when the receiver answers `410 Gone` (its
//! endpoint is gone for good; see [`super::answer`]); and what enabling or
//! disabling it by hand does.
//!
//! Only the receiver's failures count: a failure that was the service's own
//! (see [`Verdict::LocalFailure`]) leaves the health exactly as it was, so a
//! subscription is never disabled for load it did not cause, and its last
//! error is always the receiver's.
//!
//! Stores apply these rules without restating them. Recording a group of
//! attempts, a store reads the health of every subscription involved inside
//! the recording transaction, locked against other writers (SQLite's one
//! writer; `SELECT … FOR UPDATE` where several instances share a database),
//! folds the group's attempts into it with [`fold`], and writes back what
//! changed before it commits. So several attempts of one subscription
//! finishing together, or in several instances at once, each count once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::attempt_error::AttemptErrorKind;
use super::delivery::{AttemptReport, Verdict};
use super::ids::SubscriptionId;
use super::subscription::{DisabledReason, SubscriptionState};

/// When a subscription is disabled for failing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthPolicy {
    /// Consecutive receiver failures that disable a subscription.
    pub failure_threshold: u32,
}

/// A subscription's health, as stored with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    pub state: SubscriptionState,
    pub consecutive_failures: u32,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    /// The receiver's last error, as the attempt log keeps it.
    pub last_error: Option<String>,
    /// The kind of the receiver's last error.
    pub last_error_kind: Option<AttemptErrorKind>,
}

/// The health after one attempt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AfterAttempt {
    pub consecutive_failures: u32,
    /// This attempt's failure disabled the subscription.
    pub disabled_now: bool,
}

/// What becomes of the deliveries that waited while a subscription was disabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// They are due now: the subscription was just enabled again.
    DueNow,
    /// They keep their schedule.
    Unchanged,
}

impl Health {
    /// Applies one attempt's outcome, in the order attempts finished.
    pub fn record(&mut self, report: &AttemptReport, policy: HealthPolicy) -> AfterAttempt {
        let mut disabled_now = false;
        match report.verdict() {
            Verdict::Delivered => {
                self.consecutive_failures = 0;
                self.last_success_at = Some(report.finished_at());
            }
            Verdict::ReceiverFailed => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                self.last_failure_at = Some(report.finished_at());
                self.last_error = report.kept_error();
                self.last_error_kind = report.error_kind;
                let reason = if report.gone() {
                    Some(DisabledReason::EndpointGone)
                } else {
                    (self.consecutive_failures >= policy.failure_threshold)
                        .then_some(DisabledReason::TooManyFailures)
                };
                if let Some(reason) = reason
                    && self.state == SubscriptionState::Enabled
                {
                    self.state = SubscriptionState::Disabled(reason);
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

    /// Enables or disables the subscription by hand. Enabling a disabled one
    /// starts its count afresh and sends what waited; enabling an enabled
    /// one changes nothing, or saving it again would wipe its count and
    /// automatic disabling would never come.
    pub fn set_enabled(&mut self, enabled: bool) -> Waiting {
        match (enabled, self.state) {
            (true, SubscriptionState::Disabled(_)) => {
                self.state = SubscriptionState::Enabled;
                self.consecutive_failures = 0;
                Waiting::DueNow
            }
            (true, SubscriptionState::Enabled) => Waiting::Unchanged,
            (false, _) => {
                self.state = SubscriptionState::Disabled(DisabledReason::Manual);
                Waiting::Unchanged
            }
        }
    }
}

/// A group of attempts folded into their subscriptions' health.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Folded {
    /// The health of every subscription the group changed, to write back.
    pub changed: Vec<(SubscriptionId, Health)>,
    /// One entry per attempt, in order.
    pub after: Vec<AfterAttempt>,
}

/// Folds a group's attempts, in the order they finished, into the health of
/// their subscriptions as read in the recording transaction. An attempt of
/// a subscription missing from `health` changes nothing.
pub fn fold<'a>(
    mut health: HashMap<SubscriptionId, Health>,
    attempts: impl IntoIterator<Item = (SubscriptionId, &'a AttemptReport)>,
    policy: HealthPolicy,
) -> Folded {
    let before = health.clone();
    let after = attempts
        .into_iter()
        .map(|(subscription, report)| {
            health
                .get_mut(&subscription)
                .map(|h| h.record(report, policy))
                .unwrap_or_default()
        })
        .collect();
    let mut changed: Vec<(SubscriptionId, Health)> = health
        .into_iter()
        .filter(|(id, h)| before.get(id) != Some(h))
        .collect();
    // Rows are written in id order, as they are locked, so that two writers
    // never wait on each other's rows in opposite orders.
    changed.sort_by_key(|(id, _)| *id);
    Folded { changed, after }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const POLICY: HealthPolicy = HealthPolicy {
        failure_threshold: 10,
    };

    fn report(verdict: Verdict) -> AttemptReport {
        let (status_code, error, error_kind, local) = match verdict {
            Verdict::Delivered => (Some(200), None, None, false),
            Verdict::ReceiverFailed => (
                Some(500),
                Some("HTTP 500".to_owned()),
                Some(AttemptErrorKind::HttpStatus),
                false,
            ),
            Verdict::LocalFailure => (
                None,
                Some("no file descriptors".to_owned()),
                Some(AttemptErrorKind::Service),
                true,
            ),
        };
        AttemptReport {
            started_at: Utc::now(),
            duration: Duration::from_millis(5),
            status_code,
            error,
            error_kind,
            local,
            retry_after: None,
            response_excerpt: String::new(),
        }
    }

    fn gone() -> AttemptReport {
        AttemptReport {
            status_code: Some(410),
            error: Some("HTTP 410".to_owned()),
            ..report(Verdict::ReceiverFailed)
        }
    }

    fn enabled(consecutive_failures: u32) -> Health {
        Health {
            state: SubscriptionState::Enabled,
            consecutive_failures,
            last_success_at: None,
            last_failure_at: None,
            last_error: None,
            last_error_kind: None,
        }
    }

    #[test]
    fn the_tenth_consecutive_failure_disables_and_a_success_resets() {
        let mut h = enabled(7);
        assert!(
            !h.record(&report(Verdict::ReceiverFailed), POLICY)
                .disabled_now
        );
        let success = report(Verdict::Delivered);
        assert_eq!(h.record(&success, POLICY).consecutive_failures, 0);
        assert_eq!(h.last_success_at, Some(success.finished_at()));
        for _ in 0..9 {
            assert!(
                !h.record(&report(Verdict::ReceiverFailed), POLICY)
                    .disabled_now
            );
        }
        let tenth = h.record(&report(Verdict::ReceiverFailed), POLICY);
        assert!(tenth.disabled_now);
        assert_eq!(
            h.state,
            SubscriptionState::Disabled(DisabledReason::TooManyFailures)
        );
        assert_eq!(tenth.consecutive_failures, 10);
        assert_eq!(h.last_error.as_deref(), Some("HTTP 500"));
        assert_eq!(h.last_error_kind, Some(AttemptErrorKind::HttpStatus));
        assert!(
            !h.record(&report(Verdict::ReceiverFailed), POLICY)
                .disabled_now,
            "disabled once only"
        );
    }

    #[test]
    fn a_410_disables_an_enabled_subscription_at_its_first_failure() {
        let mut h = enabled(0);
        let after = h.record(&gone(), POLICY);
        assert_eq!(
            after,
            AfterAttempt {
                consecutive_failures: 1,
                disabled_now: true
            }
        );
        assert_eq!(
            h.state,
            SubscriptionState::Disabled(DisabledReason::EndpointGone)
        );
        assert_eq!(h.last_error.as_deref(), Some("HTTP 410"));
        assert_eq!(h.last_error_kind, Some(AttemptErrorKind::HttpStatus));
        assert!(
            !h.record(&gone(), POLICY).disabled_now,
            "disabled once only"
        );

        let mut manual = enabled(3);
        manual.state = SubscriptionState::Disabled(DisabledReason::Manual);
        assert!(!manual.record(&gone(), POLICY).disabled_now);
        assert_eq!(
            manual.state,
            SubscriptionState::Disabled(DisabledReason::Manual),
            "a reason already given stays"
        );
    }

    #[test]
    fn a_manually_disabled_subscription_keeps_counting_but_is_not_disabled_again() {
        let mut h = enabled(20);
        h.state = SubscriptionState::Disabled(DisabledReason::Manual);
        let after = h.record(&report(Verdict::ReceiverFailed), POLICY);
        assert_eq!(
            after,
            AfterAttempt {
                consecutive_failures: 21,
                disabled_now: false
            }
        );
        assert_eq!(h.state, SubscriptionState::Disabled(DisabledReason::Manual));
    }

    #[test]
    fn the_services_own_failures_neither_count_nor_disable_nor_reset_nor_show() {
        let mut h = enabled(9);
        let before = h.clone();
        for _ in 0..50 {
            let after = h.record(&report(Verdict::LocalFailure), POLICY);
            assert_eq!(
                after,
                AfterAttempt {
                    consecutive_failures: 9,
                    disabled_now: false
                }
            );
        }
        assert_eq!(h, before, "not even the last error");
        assert!(
            h.record(&report(Verdict::ReceiverFailed), POLICY)
                .disabled_now
        );
    }

    #[test]
    fn attempts_of_one_subscription_finishing_together_each_count_once() {
        let (a, b) = (SubscriptionId::new(), SubscriptionId::new());
        let fail = report(Verdict::ReceiverFailed);
        let ok = report(Verdict::Delivered);
        let local = report(Verdict::LocalFailure);
        let group = [
            (a, &fail),
            (b, &fail),
            (a, &local),
            (a, &fail),
            (b, &ok),
            (a, &fail),
            (a, &fail),
        ];
        let folded = fold(
            HashMap::from([(a, enabled(7)), (b, enabled(9))]),
            group,
            POLICY,
        );
        let counts: Vec<(u32, bool)> = folded
            .after
            .iter()
            .map(|h| (h.consecutive_failures, h.disabled_now))
            .collect();
        assert_eq!(
            counts,
            [
                (8, false),
                (10, true),
                (8, false),
                (9, false),
                (0, false),
                (10, true),
                (11, false)
            ],
            "b is disabled by its tenth failure although a success follows in the group"
        );
        let changed: HashMap<SubscriptionId, Health> = folded.changed.into_iter().collect();
        assert_eq!(changed[&a].consecutive_failures, 11);
        assert_eq!(
            changed[&a].state,
            SubscriptionState::Disabled(DisabledReason::TooManyFailures)
        );
        assert_eq!(changed[&b].consecutive_failures, 0);
        assert_eq!(
            changed[&b].state,
            SubscriptionState::Disabled(DisabledReason::TooManyFailures),
            "a success does not enable it again"
        );
    }

    #[test]
    fn only_what_changed_is_written_back_and_unknown_subscriptions_change_nothing() {
        let (a, b, gone) = (
            SubscriptionId::new(),
            SubscriptionId::new(),
            SubscriptionId::new(),
        );
        let local = report(Verdict::LocalFailure);
        let fail = report(Verdict::ReceiverFailed);
        let folded = fold(
            HashMap::from([(a, enabled(0)), (b, enabled(0))]),
            [(a, &local), (gone, &fail), (b, &fail)],
            POLICY,
        );
        assert_eq!(folded.after.len(), 3);
        assert_eq!(folded.after[1], AfterAttempt::default());
        let ids: Vec<SubscriptionId> = folded.changed.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [b]);
    }

    #[test]
    fn enabling_by_hand_resets_a_disabled_subscription_only() {
        let mut h = enabled(4);
        assert_eq!(h.set_enabled(true), Waiting::Unchanged);
        assert_eq!(h.consecutive_failures, 4, "re-saving keeps the count");

        assert_eq!(h.set_enabled(false), Waiting::Unchanged);
        assert_eq!(h.state, SubscriptionState::Disabled(DisabledReason::Manual));
        assert_eq!(h.consecutive_failures, 4);

        h.state = SubscriptionState::Disabled(DisabledReason::TooManyFailures);
        assert_eq!(h.set_enabled(true), Waiting::DueNow);
        assert_eq!(
            (h.state, h.consecutive_failures),
            (SubscriptionState::Enabled, 0)
        );
    }
}
