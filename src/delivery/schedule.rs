//! Which subscriptions may have due work, kept in memory so the dispatcher
//! claims per subscription (an index seek) instead of scanning every due
//! delivery. Bounded by the number of subscriptions, never by the number of
//! deliveries: a million waiting deliveries are a handful of entries here.
//!
//! It is only a hint. The store stays the truth, and a periodic sweep asks it
//! which subscriptions have due work, so anything missed here (work another
//! process left, a retry scheduled before a restart) is found within one
//! sweep interval.
//!
//! Fairness between organizations: a ready subscription whose organization
//! has no free share is parked under that organization, off the ready queue,
//! until the organization has room again. So the queue holds only work that
//! can be claimed now, and an organization with thousands of ready
//! subscriptions costs the others nothing once it is at its share.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};

use crate::domain::ids::{OrganizationId, SubscriptionId};

#[derive(Debug, Default)]
pub struct Schedule {
    ready: VecDeque<SubscriptionId>,
    in_ready: HashSet<SubscriptionId>,
    /// Ready subscriptions waiting for their organization's share, in the
    /// order they were parked.
    parked: HashMap<OrganizationId, VecDeque<SubscriptionId>>,
    in_parked: HashSet<SubscriptionId>,
    /// Each active subscription's organization, as the store told it.
    organizations: HashMap<SubscriptionId, OrganizationId>,
    /// The earliest future time each subscription has work due, and the same
    /// ordered by time.
    due_at: HashMap<SubscriptionId, DateTime<Utc>>,
    timers: BTreeSet<(DateTime<Utc>, SubscriptionId)>,
    /// Subscriptions with work that found no free slot: the next attempt
    /// of theirs to finish makes them ready again.
    waiting_for_slot: HashSet<SubscriptionId>,
}

impl Schedule {
    /// The subscription may have work due now. A parked one stays parked:
    /// it is served when its organization has room.
    pub fn ready(&mut self, subscription: SubscriptionId) {
        if !self.in_parked.contains(&subscription) && self.in_ready.insert(subscription) {
            self.ready.push_back(subscription);
        }
    }

    /// Puts subscriptions taken off the queue back at its head, in order.
    pub fn ready_first(&mut self, subscriptions: impl DoubleEndedIterator<Item = SubscriptionId>) {
        for subscription in subscriptions.rev() {
            if !self.in_parked.contains(&subscription) && self.in_ready.insert(subscription) {
                self.ready.push_front(subscription);
            }
        }
    }

    /// The subscription has work, but too few free slots for a claim.
    pub fn wait_for_slot(&mut self, subscription: SubscriptionId) {
        self.waiting_for_slot.insert(subscription);
    }

    /// One of the subscription's attempts finished: ready again if it was
    /// waiting for that. An attempt finishing otherwise says nothing new:
    /// it already took the subscription's next due delivery, if there was
    /// one, when it was recorded.
    pub fn slot_freed(&mut self, subscription: SubscriptionId) {
        if self.waiting_for_slot.remove(&subscription) {
            self.ready(subscription);
        }
    }

    /// The subscription has work, but its organization is at its share.
    pub fn park(&mut self, organization: &OrganizationId, subscription: SubscriptionId) {
        if self.in_parked.insert(subscription) {
            self.parked
                .entry(organization.clone())
                .or_default()
                .push_back(subscription);
        }
    }

    /// Moves the parked subscriptions of every organization that `has_room`
    /// says may run more attempts back to the ready queue.
    pub fn unpark(&mut self, mut has_room: impl FnMut(&OrganizationId) -> bool) {
        let freed: Vec<OrganizationId> = self
            .parked
            .keys()
            .filter(|organization| has_room(organization))
            .cloned()
            .collect();
        for organization in freed {
            for subscription in self.parked.remove(&organization).unwrap_or_default() {
                self.in_parked.remove(&subscription);
                self.ready(subscription);
            }
        }
    }

    /// The subscription's organization, if known.
    pub fn organization(&self, subscription: SubscriptionId) -> Option<&OrganizationId> {
        self.organizations.get(&subscription)
    }

    pub fn learn(&mut self, subscription: SubscriptionId, organization: &OrganizationId) {
        self.organizations
            .entry(subscription)
            .or_insert_with(|| organization.clone());
    }

    /// Drops what is known about an idle subscription, so memory follows the
    /// active subscriptions only.
    pub fn forget(&mut self, subscription: SubscriptionId) {
        if !self.in_ready.contains(&subscription) && !self.in_parked.contains(&subscription) {
            self.organizations.remove(&subscription);
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

    #[test]
    fn a_parked_subscription_waits_for_its_organizations_room() {
        let mut s = Schedule::default();
        let (a, b, c) = (
            SubscriptionId::new(),
            SubscriptionId::new(),
            SubscriptionId::new(),
        );
        let (busy, idle) = (
            OrganizationId::from_stored("busy".into()),
            OrganizationId::from_stored("idle".into()),
        );
        s.park(&busy, a);
        s.park(&idle, b);
        s.ready(a);
        s.ready(c);
        assert_eq!(s.pop_ready(), Some(c), "parked ones stay off the queue");
        s.unpark(|org| *org == idle);
        assert_eq!(s.pop_ready(), Some(b));
        assert_eq!(s.pop_ready(), None);
        s.unpark(|_| true);
        assert_eq!(s.pop_ready(), Some(a));
    }

    #[test]
    fn subscriptions_put_back_first_keep_their_order() {
        let mut s = Schedule::default();
        let (a, b, c) = (
            SubscriptionId::new(),
            SubscriptionId::new(),
            SubscriptionId::new(),
        );
        s.ready(c);
        s.ready_first([a, b].into_iter());
        assert_eq!(s.pop_ready(), Some(a));
        assert_eq!(s.pop_ready(), Some(b));
        assert_eq!(s.pop_ready(), Some(c));
    }
}
