//! Which subscriptions may have due work, kept in memory so the dispatcher
//! claims per subscription (an index seek) instead of scanning every due
//! delivery. Bounded by the number of subscriptions, never by the number of
//! deliveries: a million waiting deliveries are a handful of entries here.
//!
//! It is only a hint. The store stays the truth, and a periodic sweep asks it
//! which subscriptions have due work, so anything missed here (work another
//! process left, a retry scheduled before a restart) is found within one
//! sweep interval.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};

use crate::domain::ids::SubscriptionId;

#[derive(Debug, Default)]
pub struct Schedule {
    ready: VecDeque<SubscriptionId>,
    in_ready: HashSet<SubscriptionId>,
    /// The earliest future time each subscription has work due, and the same
    /// ordered by time.
    due_at: HashMap<SubscriptionId, DateTime<Utc>>,
    timers: BTreeSet<(DateTime<Utc>, SubscriptionId)>,
}

impl Schedule {
    /// The subscription may have work due now.
    pub fn ready(&mut self, subscription: SubscriptionId) {
        if self.in_ready.insert(subscription) {
            self.ready.push_back(subscription);
        }
    }

    /// The subscription has work due at `at` (a retry).
    pub fn at(&mut self, subscription: SubscriptionId, at: DateTime<Utc>) {
        match self.due_at.get(&subscription) {
            Some(existing) if *existing <= at => {}
            Some(existing) => {
                self.timers.remove(&(*existing, subscription));
                self.due_at.insert(subscription, at);
                self.timers.insert((at, subscription));
            }
            None => {
                self.due_at.insert(subscription, at);
                self.timers.insert((at, subscription));
            }
        }
    }

    /// Moves every timer due by `now` to the ready queue.
    pub fn advance(&mut self, now: DateTime<Utc>) {
        while let Some(&(at, subscription)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            self.due_at.remove(&subscription);
            self.ready(subscription);
        }
    }

    /// When the next timer fires.
    pub fn next_timer(&self) -> Option<DateTime<Utc>> {
        self.timers.first().map(|(at, _)| *at)
    }

    /// The next ready subscription, taken off the queue; the caller puts it
    /// back with [`Schedule::ready`] if it still has work after a claim.
    pub fn pop_ready(&mut self) -> Option<SubscriptionId> {
        let subscription = self.ready.pop_front()?;
        self.in_ready.remove(&subscription);
        Some(subscription)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_subscriptions_come_out_once_in_order() {
        let mut s = Schedule::default();
        let (a, b) = (SubscriptionId::new(), SubscriptionId::new());
        s.ready(a);
        s.ready(b);
        s.ready(a);
        assert_eq!(s.pop_ready(), Some(a));
        assert_eq!(s.pop_ready(), Some(b));
        assert_eq!(s.pop_ready(), None);
    }

    #[test]
    fn timers_keep_the_earliest_time_and_fire_when_due() {
        let mut s = Schedule::default();
        let a = SubscriptionId::new();
        let t0 = Utc::now();
        s.at(a, t0 + chrono::Duration::seconds(10));
        s.at(a, t0 + chrono::Duration::seconds(5));
        s.at(a, t0 + chrono::Duration::seconds(20));
        assert_eq!(s.next_timer(), Some(t0 + chrono::Duration::seconds(5)));
        s.advance(t0);
        assert_eq!(s.pop_ready(), None);
        s.advance(t0 + chrono::Duration::seconds(6));
        assert_eq!(s.pop_ready(), Some(a));
        assert_eq!(s.next_timer(), None);
    }
}
