//! An attempt's outcome, and what recording it does to its delivery: the
//! attempt is counted and logged under the next number, and a delivery still
//! in flight moves to its next step (its lease given up). A delivery that
//! moved on while its attempt ran (redelivered, or cancelled with its
//! subscription) keeps where it moved: the later decision wins, except that a
//! delivery its receiver accepted is succeeded, whatever happened meanwhile.
//!
//! A store applies this like the health rules ([`super::health`]): inside
//! the recording transaction it reads the progress of every delivery in the
//! group (locked against other writers), folds the group's outcomes into it
//! with [`advance`], and writes back the updates and the attempt rows. A
//! delivery that appears twice in a group (its lease expired mid-attempt and
//! it was sent again) is folded twice, in order.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::attempt_error::AttemptErrorKind;
use super::delivery::{AttemptReport, DeliveryStatus, NextStep};
use super::ids::{DeliveryId, SubscriptionId};

/// An attempt to record, with what follows from it.
#[derive(Clone, Debug)]
pub struct AttemptOutcome {
    pub delivery_id: DeliveryId,
    pub subscription_id: SubscriptionId,
    pub report: AttemptReport,
    pub next: NextStep,
    /// Failures in the current round after this attempt.
    pub round_failures: u32,
}

/// Where a delivery stands as the recording transaction finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryProgress {
    pub status: DeliveryStatus,
    pub attempt_count: u32,
}

/// A delivery's next step after an attempt, which gives up its lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settled {
    pub status: DeliveryStatus,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub round_failures: u32,
}

/// What to write to one delivery after a group's attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryUpdate {
    pub id: DeliveryId,
    pub attempt_count: u32,
    /// `None` when the delivery had moved on: its status, schedule, round
    /// and lease stay as they are.
    pub settled: Option<Settled>,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub last_error_kind: Option<AttemptErrorKind>,
    pub updated_at: DateTime<Utc>,
}

/// One row of the attempt log.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptRow<'a> {
    pub delivery_id: DeliveryId,
    pub number: u32,
    pub report: &'a AttemptReport,
}

/// A group of outcomes folded into their deliveries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Advanced<'a> {
    /// One per delivery, in id order (the order rows are locked in).
    pub updates: Vec<DeliveryUpdate>,
    /// One per outcome whose delivery exists, in order.
    pub attempts: Vec<AttemptRow<'a>>,
}

impl Settled {
    fn after(outcome: &AttemptOutcome) -> Self {
        let (status, next_attempt_at) = match outcome.next {
            NextStep::Succeeded => (DeliveryStatus::Succeeded, None),
            NextStep::RetryAt(at) => (DeliveryStatus::Pending, Some(at)),
            NextStep::Failed => (DeliveryStatus::Failed, None),
        };
        Self {
            status,
            next_attempt_at,
            round_failures: outcome.round_failures,
        }
    }
}

/// Folds a group's outcomes, in the order they finished, into their
/// deliveries' progress as read in the recording transaction. An outcome
/// whose delivery is missing from `progress` is not recorded.
pub fn advance<'a>(
    outcomes: &'a [AttemptOutcome],
    mut progress: HashMap<DeliveryId, DeliveryProgress>,
) -> Advanced<'a> {
    let mut updates: HashMap<DeliveryId, DeliveryUpdate> = HashMap::new();
    let mut attempts = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let Some(delivery) = progress.get_mut(&outcome.delivery_id) else {
            continue;
        };
        delivery.attempt_count = delivery.attempt_count.saturating_add(1);
        // A cancelled delivery whose attempt succeeded was delivered: the log
        // must not say otherwise.
        let delivered_anyway = delivery.status == DeliveryStatus::Cancelled
            && matches!(outcome.next, NextStep::Succeeded);
        let settled = (delivery.status == DeliveryStatus::InFlight || delivered_anyway)
            .then(|| Settled::after(outcome));
        if let Some(settled) = settled {
            delivery.status = settled.status;
        }
        let update = updates
            .entry(outcome.delivery_id)
            .or_insert_with(|| DeliveryUpdate {
                id: outcome.delivery_id,
                attempt_count: 0,
                settled: None,
                last_status_code: None,
                last_error: None,
                last_error_kind: None,
                updated_at: outcome.report.finished_at(),
            });
        update.attempt_count = delivery.attempt_count;
        update.settled = settled.or(update.settled);
        update.last_status_code = outcome.report.status_code;
        update.last_error = outcome.report.kept_error();
        update.last_error_kind = outcome.report.error_kind;
        update.updated_at = outcome.report.finished_at();
        attempts.push(AttemptRow {
            delivery_id: outcome.delivery_id,
            number: delivery.attempt_count,
            report: &outcome.report,
        });
    }
    let mut updates: Vec<DeliveryUpdate> = updates.into_values().collect();
    updates.sort_by_key(|u| u.id);
    Advanced { updates, attempts }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn outcome(delivery: DeliveryId, code: u16, next: NextStep) -> AttemptOutcome {
        AttemptOutcome {
            delivery_id: delivery,
            subscription_id: SubscriptionId::new(),
            report: AttemptReport {
                started_at: Utc::now(),
                duration: Duration::from_millis(3),
                status_code: Some(code),
                error: (code != 200).then(|| format!("HTTP {code}")),
                error_kind: (code != 200).then_some(AttemptErrorKind::HttpStatus),
                local: false,
                retry_after: None,
                response_excerpt: String::new(),
            },
            next,
            round_failures: u32::from(code != 200),
        }
    }

    fn at(status: DeliveryStatus, attempt_count: u32) -> DeliveryProgress {
        DeliveryProgress {
            status,
            attempt_count,
        }
    }

    #[test]
    fn an_attempt_is_numbered_and_moves_its_delivery_in_flight_to_its_next_step() {
        let id = DeliveryId::new();
        let retry_at = Utc::now() + chrono::Duration::seconds(5);
        let outcomes = [outcome(id, 503, NextStep::RetryAt(retry_at))];
        let done = advance(
            &outcomes,
            HashMap::from([(id, at(DeliveryStatus::InFlight, 2))]),
        );
        assert_eq!(done.attempts.len(), 1);
        assert_eq!(
            (done.attempts[0].delivery_id, done.attempts[0].number),
            (id, 3)
        );
        assert_eq!(
            done.updates,
            [DeliveryUpdate {
                id,
                attempt_count: 3,
                settled: Some(Settled {
                    status: DeliveryStatus::Pending,
                    next_attempt_at: Some(retry_at),
                    round_failures: 1
                }),
                last_status_code: Some(503),
                last_error: Some("HTTP 503".into()),
                last_error_kind: Some(AttemptErrorKind::HttpStatus),
                updated_at: outcomes[0].report.finished_at(),
            }]
        );
    }

    #[test]
    fn a_delivery_redelivered_or_cancelled_meanwhile_keeps_where_it_moved() {
        let (redelivered, cancelled) = (DeliveryId::new(), DeliveryId::new());
        let outcomes = [
            outcome(redelivered, 500, NextStep::Failed),
            outcome(cancelled, 500, NextStep::RetryAt(Utc::now())),
        ];
        let done = advance(
            &outcomes,
            HashMap::from([
                (redelivered, at(DeliveryStatus::Pending, 4)),
                (cancelled, at(DeliveryStatus::Cancelled, 0)),
            ]),
        );
        let numbers: Vec<u32> = done.attempts.iter().map(|a| a.number).collect();
        assert_eq!(numbers, [5, 1], "the attempts are logged all the same");
        assert!(done.updates.iter().all(|u| u.settled.is_none()));
    }

    #[test]
    fn a_cancelled_delivery_its_receiver_accepted_is_succeeded() {
        let cancelled = DeliveryId::new();
        let outcomes = [outcome(cancelled, 200, NextStep::Succeeded)];
        let done = advance(
            &outcomes,
            HashMap::from([(cancelled, at(DeliveryStatus::Cancelled, 0))]),
        );
        assert_eq!(
            done.updates[0].settled.map(|s| s.status),
            Some(DeliveryStatus::Succeeded)
        );
    }

    #[test]
    fn a_delivery_sent_twice_in_one_group_is_counted_twice_and_settled_by_the_first() {
        let id = DeliveryId::new();
        let outcomes = [
            outcome(id, 200, NextStep::Succeeded),
            outcome(id, 500, NextStep::RetryAt(Utc::now())),
        ];
        let unknown = [outcome(DeliveryId::new(), 200, NextStep::Succeeded)];
        let done = advance(
            &outcomes,
            HashMap::from([(id, at(DeliveryStatus::InFlight, 0))]),
        );
        let numbers: Vec<u32> = done.attempts.iter().map(|a| a.number).collect();
        assert_eq!(numbers, [1, 2]);
        assert_eq!(done.updates.len(), 1);
        let update = &done.updates[0];
        assert_eq!(update.attempt_count, 2);
        assert_eq!(
            update.settled.map(|s| s.status),
            Some(DeliveryStatus::Succeeded)
        );
        assert_eq!(
            update.last_status_code,
            Some(500),
            "the last attempt's answer"
        );
        assert_eq!(update.last_error_kind, Some(AttemptErrorKind::HttpStatus));
        assert_eq!(advance(&unknown, HashMap::new()), Advanced::default());
    }
}
