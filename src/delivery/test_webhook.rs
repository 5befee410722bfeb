//! The "Test webhook" button: a sample delivery sent now, within the same
//! caps as every delivery (the subscription's slots, its organization's
//! share, the global pool), so pressing it in a loop can neither open
//! unbounded sockets nor crowd out anyone's deliveries. When no room frees
//! up within a short wait, nothing is sent and the caller is told to retry.

use std::time::Duration;

use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

use super::Engine;
use super::dispatcher::Hint;
use super::sender::Outgoing;
use super::slots::Slot;
use super::watch::AttemptUpdate;
use crate::domain::body::Envelope;
use crate::domain::delivery::AttemptReport;
use crate::domain::event::EventType;
use crate::domain::ids::{DeliveryId, OrganizationId, SubscriptionId};
use crate::domain::sample::sample;
use crate::domain::time;
use crate::store::{NewEvent, StoreError, Subscription, TestDeliveryRecord};

/// How long a test waits for room before it is refused.
const WAIT: Duration = Duration::from_secs(2);

/// The cap that had no room for a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Busy {
    /// The subscription has as many attempts in flight as it may.
    Subscription,
    /// Its organization has as many attempts in flight as it may.
    Organization,
    /// The service has as many attempts in flight as it may.
    Service,
}

impl Busy {
    pub fn what(self) -> &'static str {
        match self {
            Busy::Subscription => "the subscription",
            Busy::Organization => "the organization",
            Busy::Service => "the service",
        }
    }
}

/// Why a test was not made.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error("{} is busy with attempts in flight", busy.what())]
    Busy { busy: Busy, retry_after: Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A test's hold on each cap.
type Room = (
    Slot<SubscriptionId>,
    Slot<OrganizationId>,
    OwnedSemaphorePermit,
);

impl Engine {
    /// Sends a sample of `event_type` to the subscription now, records it as
    /// a test delivery (never counted toward disabling), and reports.
    pub async fn test(
        &self,
        subscription: &Subscription,
        event_type: EventType,
    ) -> Result<(DeliveryId, AttemptReport), TestError> {
        let outcome = self.test_within_caps(subscription, event_type).await;
        // While the test held a slot, the dispatcher may have passed the
        // subscription by: look at it again now that the slot is free.
        self.hint(Hint::Ready(subscription.id));
        outcome
    }

    async fn test_within_caps(
        &self,
        subscription: &Subscription,
        event_type: EventType,
    ) -> Result<(DeliveryId, AttemptReport), TestError> {
        let room = self.room_for_test(subscription).await?;
        let now = time::now();
        let event = NewEvent::new(
            subscription.organization_id.clone(),
            &sample(event_type),
            now,
            None,
            now,
        );
        let delivery_id = DeliveryId::new();
        let report = self
            .send_test(Outgoing {
                url: &subscription.url,
                signing: subscription.signing(),
                envelope: Envelope {
                    event_type,
                    occurred_at: now,
                    organization_id: &subscription.organization_id,
                    delivery_id,
                },
                data_json: &event.data_json,
            })
            .await;
        drop(room);
        let update =
            AttemptUpdate::of_test(subscription, delivery_id, event.id, event_type, &report);
        self.inner
            .store
            .record_test_delivery(TestDeliveryRecord {
                event,
                delivery_id,
                subscription_id: subscription.id,
                report: report.clone(),
            })
            .await?;
        self.inner.watchers.publish(update);
        Ok((delivery_id, report))
    }

    /// Waits, up to [`WAIT`] in all, for a slot of the subscription, one of
    /// its organization and a global permit.
    async fn room_for_test(&self, subscription: &Subscription) -> Result<Room, TestError> {
        let inner = &self.inner;
        let deadline = Instant::now() + WAIT;
        let busy = |busy| TestError::Busy {
            busy,
            retry_after: WAIT,
        };
        let slot = inner
            .slots
            .take(&subscription.id, deadline)
            .await
            .ok_or(busy(Busy::Subscription))?;
        let share = inner
            .organization_slots
            .take(&subscription.organization_id, deadline)
            .await
            .ok_or(busy(Busy::Organization))?;
        let permit = tokio::time::timeout_at(deadline, inner.permits.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(busy(Busy::Service))?;
        Ok((slot, share, permit))
    }
}
