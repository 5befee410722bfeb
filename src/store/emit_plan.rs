//! What becomes of each request of an emit transaction, decided before
//! anything is written: taken (and which of its events are new), refused
//! whole (an idempotency key reused for a different event, or more
//! deliveries than one request may create), or deferred to the next
//! transaction (past this one's delivery budget). Deciding first is what lets
//! one transaction answer each caller on its own, and keeps every
//! transaction's size bounded before it starts writing.
//!
//! Every backend's emit transaction uses it the same way: look up the
//! subscriptions each (organization, type) fans out to and the idempotency
//! keys already used, [`Planner::judge`] each request in order, then write
//! only the requests taken.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::event::EventType;
use crate::domain::ids::{DeliveryId, OrganizationId, SubscriptionId};
use crate::store::{
    EmitLimits, EmitResult, Intake, LISTED_DELIVERY_IDS, NewEvent, SendTargets, StoreError,
    StoredEvent, WorkItem,
};

/// An idempotency key: (organization, key).
pub type Key = (String, String);

/// The type and `data` of the event a key was first used for.
pub type KeyedEvent = (EventType, String);

/// The enabled subscriptions each (organization, event type) fans out to.
pub type Targets = HashMap<(String, EventType), Vec<Uuid>>;

pub enum Verdict {
    /// Taken: for each event, true when it is new (false: its key was used before).
    Take(Vec<bool>),
    Refuse(StoreError),
    Defer,
}

/// Judges requests in order, keeping the keys taken and the deliveries
/// planned so far in this transaction.
pub struct Planner<'t> {
    limits: EmitLimits,
    targets: &'t Targets,
    /// Keys already stored, plus those of requests taken so far.
    known: HashMap<Key, KeyedEvent>,
    deliveries: u64,
}

impl<'t> Planner<'t> {
    pub fn new(limits: EmitLimits, targets: &'t Targets, stored: HashMap<Key, KeyedEvent>) -> Self {
        Self {
            limits,
            targets,
            known: stored,
            deliveries: 0,
        }
    }

    /// The deliveries an event creates if it is new.
    pub fn fan_out(&self, event: &NewEvent) -> &'t [Uuid] {
        let key = (event.organization_id.as_str().to_owned(), event.event_type);
        self.targets
            .get(&key)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn judge(&mut self, request: &[NewEvent]) -> Verdict {
        let mut fresh = Vec::with_capacity(request.len());
        let mut claimed: HashMap<Key, KeyedEvent> = HashMap::new();
        let mut deliveries = 0u64;
        for (index, event) in request.iter().enumerate() {
            if let Some(key) = &event.idempotency_key {
                let key = (event.organization_id.as_str().to_owned(), key.clone());
                if let Some((event_type, data)) = self.known.get(&key).or_else(|| claimed.get(&key))
                {
                    if *event_type != event.event_type || *data != event.data_json {
                        return Verdict::Refuse(StoreError::IdempotencyConflict { index });
                    }
                    fresh.push(false);
                    continue;
                }
                claimed.insert(key, (event.event_type, event.data_json.clone()));
            }
            fresh.push(true);
            deliveries += self.fan_out(event).len() as u64;
        }
        if deliveries > self.limits.deliveries_per_request {
            return Verdict::Refuse(StoreError::TooManyDeliveries {
                deliveries,
                limit: self.limits.deliveries_per_request,
            });
        }
        // The first request is always taken, so a transaction never ends up empty.
        if self.deliveries > 0
            && self.deliveries + deliveries > self.limits.deliveries_per_transaction
        {
            return Verdict::Defer;
        }
        self.deliveries += deliveries;
        self.known.extend(claimed);
        Verdict::Take(fresh)
    }
}

/// A pending delivery to insert: its id, its event, its subscription, and
/// when it is created (and due).
pub type NewDelivery<'a> = (DeliveryId, &'a StoredEvent, Uuid, DateTime<Utc>);

/// Which of an emit's fresh deliveries to lease to `intake`: each
/// subscription's first ones, as many as it has room for.
pub fn to_lease(intake: &dyn Intake, rows: &[NewDelivery<'_>]) -> HashSet<DeliveryId> {
    let mut fresh: Vec<(SubscriptionId, &OrganizationId, u32)> = Vec::new();
    let mut index: HashMap<Uuid, usize> = HashMap::new();
    for (_, event, subscription, _) in rows {
        let i = *index.entry(*subscription).or_insert_with(|| {
            fresh.push((SubscriptionId(*subscription), &event.organization_id, 0));
            fresh.len() - 1
        });
        fresh[i].2 += 1;
    }
    let mut room: HashMap<Uuid, u32> = fresh
        .iter()
        .zip(intake.room(&fresh))
        .map(|((subscription, _, _), n)| (subscription.0, n))
        .collect();
    let mut leased = HashSet::new();
    for (id, _, subscription, _) in rows {
        if let Some(left) = room.get_mut(subscription).filter(|n| **n > 0) {
            *left -= 1;
            leased.insert(*id);
        }
    }
    leased
}

/// The subscriptions of the deliveries chosen for leasing, each once, in
/// id order.
pub fn leased_subscriptions(
    rows: &[NewDelivery<'_>],
    leased: &HashSet<DeliveryId>,
) -> Vec<SubscriptionId> {
    let mut found: Vec<SubscriptionId> = rows
        .iter()
        .filter(|(id, ..)| leased.contains(id))
        .map(|(_, _, subscription, _)| SubscriptionId(*subscription))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    found.sort();
    found
}

/// The chosen deliveries ready to send, built from the emit's own events
/// and each subscription's send target. A delivery whose subscription has
/// no target (its secret does not open) leaves `leased`, so it is written
/// as pending and never sent unsigned.
pub fn fresh_work(
    rows: &[NewDelivery<'_>],
    leased: &mut HashSet<DeliveryId>,
    targets: &SendTargets,
) -> Vec<WorkItem> {
    let mut items = Vec::with_capacity(leased.len());
    for (id, event, subscription, _) in rows {
        if !leased.contains(id) {
            continue;
        }
        let subscription = SubscriptionId(*subscription);
        match targets.found(subscription) {
            Some(target) => items.push(WorkItem::fresh(*id, event, subscription, target)),
            None => {
                leased.remove(id);
            }
        }
    }
    items
}

/// The answer for a newly stored event, given its deliveries (id,
/// subscription) and those of them leased to the engine.
pub fn emitted(
    event: StoredEvent,
    pairs: &[(DeliveryId, Uuid)],
    leased: &HashSet<DeliveryId>,
) -> EmitResult {
    EmitResult {
        event,
        delivery_ids: pairs
            .iter()
            .take(LISTED_DELIVERY_IDS)
            .map(|(id, _)| *id)
            .collect(),
        delivery_count: pairs.len() as u64,
        subscription_ids: pairs
            .iter()
            .filter(|(id, _)| !leased.contains(id))
            .map(|(_, s)| SubscriptionId(*s))
            .collect(),
        duplicate: false,
    }
}

#[cfg(test)]
mod tests;
