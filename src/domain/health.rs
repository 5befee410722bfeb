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
mod tests;
