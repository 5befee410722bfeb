//! What the delivery engine and the store hand each other: leases, the
//! leased deliveries ready to send, and the engine's side of the emit fast
//! path.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};

use super::{StoreError, StoreResult, StoredEvent};

use crate::domain::event::EventType;
use crate::domain::ids::{DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::domain::limits::DeliveryLimits;
use crate::domain::signing::{PreviousSecret, SignatureScheme, Signing};
use crate::domain::subscription::{SigningSecret, TargetUrl};
use crate::domain::time;

/// Leases to take: who takes them, until when.
#[derive(Clone, Copy, Debug)]
pub struct Lease<'a> {
    pub owner: &'a str,
    pub now: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// An engine that takes deliveries straight from the emit that creates
/// them: the emit's own transaction leases what the engine has room for,
/// so those go out without a claim transaction or a trip through the
/// dispatcher's hints (see [`Store::emit_and_lease`](super::Store::emit_and_lease)).
pub trait Intake: Send + Sync {
    /// Who leases them, and until when.
    fn lease(&self, now: DateTime<Utc>) -> Lease<'_>;
    /// How many of the given number of fresh deliveries of each subscription
    /// the engine would start now, within its caps and rates, in order.
    fn room(&self, fresh: &[(SubscriptionId, &OrganizationId, u32)]) -> Vec<u32>;
    /// Starts the deliveries leased for it (what finds no room after all is
    /// given back to the store).
    fn take(&self, items: Vec<WorkItem>);
}

/// A leased delivery with everything needed to send it.
#[derive(Clone, Debug)]
pub struct WorkItem {
    pub delivery_id: DeliveryId,
    pub organization_id: OrganizationId,
    pub event_id: EventId,
    pub subscription_id: SubscriptionId,
    pub event_type: EventType,
    pub occurred_at: DateTime<Utc>,
    pub data_json: String,
    /// Where and how it is sent, as the subscription was when leased.
    pub target: SendTarget,
    /// Failures since the delivery was created or last redelivered.
    pub round_failures: u32,
    /// Attempts recorded before this lease.
    pub attempts_made: u32,
}

impl WorkItem {
    /// A delivery of `event` just created and leased in the same
    /// transaction: built from what the emit holds in memory rather than
    /// read back.
    pub fn fresh(
        delivery_id: DeliveryId,
        event: &StoredEvent,
        subscription_id: SubscriptionId,
        target: &SendTarget,
    ) -> Self {
        Self {
            delivery_id,
            organization_id: event.organization_id.clone(),
            event_id: event.id,
            subscription_id,
            event_type: event.event_type,
            // As precise as the store keeps it, so the first attempt and a
            // retry read back from the store carry the same instant.
            occurred_at: time::from_micros(time::to_micros(event.occurred_at)),
            data_json: event.data_json.clone(),
            target: target.clone(),
            round_failures: 0,
            attempts_made: 0,
        }
    }

    /// How this delivery is signed.
    pub fn signing(&self) -> Signing<'_> {
        Signing {
            scheme: self.target.signature_scheme,
            secret: self.target.signing_secret.as_ref(),
            previous: self.target.previous_secret.as_ref(),
        }
    }
}

/// What sending to a subscription takes, its secrets opened: read and
/// parsed once per subscription in a batch of work, not once per delivery.
#[derive(Clone, Debug)]
pub struct SendTarget {
    pub url: TargetUrl,
    pub signing_secret: Option<SigningSecret>,
    pub signature_scheme: SignatureScheme,
    /// Only while a rotation's grace lasts.
    pub previous_secret: Option<PreviousSecret>,
    /// The subscription's own limits.
    pub limits: DeliveryLimits,
}

/// The send targets of one batch of work, by subscription.
#[derive(Default)]
pub struct SendTargets(HashMap<SubscriptionId, SendTarget>);

impl SendTargets {
    /// The subscription's target, read by `read` the first time only.
    pub fn get(
        &mut self,
        subscription: SubscriptionId,
        read: impl FnOnce() -> StoreResult<SendTarget>,
    ) -> StoreResult<&SendTarget> {
        match self.0.entry(subscription) {
            Entry::Occupied(found) => Ok(found.into_mut()),
            Entry::Vacant(slot) => Ok(slot.insert(read()?)),
        }
    }

    /// Reads the subscription's target unless it is known; one whose secret
    /// does not open is left out, and logged once (`reported` keeps which).
    pub fn add(
        &mut self,
        subscription: SubscriptionId,
        read: impl FnOnce() -> StoreResult<SendTarget>,
        reported: &mut Vec<SubscriptionId>,
    ) -> StoreResult<()> {
        unless_unopened(self.get(subscription, read).map(|_| ()), reported)?;
        Ok(())
    }

    /// The subscription's target, when it was read.
    pub fn found(&self, subscription: SubscriptionId) -> Option<&SendTarget> {
        self.0.get(&subscription)
    }
}

/// What was loaded (a work item, a send target), or `None` when its
/// signing secret does not open: such a delivery is never sent unsigned.
/// Logged once per subscription (`reported` keeps which).
pub(crate) fn unless_unopened<T>(
    loaded: StoreResult<T>,
    reported: &mut Vec<SubscriptionId>,
) -> StoreResult<Option<T>> {
    match loaded {
        Ok(item) => Ok(Some(item)),
        Err(e @ StoreError::SigningSecret { subscription, .. }) => {
            if !reported.contains(&subscription) {
                tracing::error!(
                    %subscription,
                    error = %crate::telemetry::error_chain(&e),
                    "deliveries held back: the subscription's signing secret does not open"
                );
                reported.push(subscription);
            }
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
