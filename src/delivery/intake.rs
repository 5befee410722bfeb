//! The engine's side of the emit fast path ([`Intake`]): an emit's own
//! transaction leases the fresh deliveries there is room for, and they are
//! started from memory, without a claim transaction. Room is judged as the
//! dispatcher judges a claim (the subscription's free slots within its cap,
//! its organization's share, the global cap, the subscription's rate), but
//! nothing is reserved: a delivery that finds its slot taken meanwhile is
//! given back to the store, as any claimed one is.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::Engine;
use crate::domain::ids::{OrganizationId, SubscriptionId};
use crate::store::{Intake, Lease, WorkItem};

/// Hands leased deliveries to the dispatcher, which starts them.
pub struct EmitIntake {
    engine: Engine,
    fresh: mpsc::UnboundedSender<Vec<WorkItem>>,
}

impl EmitIntake {
    pub(super) fn new(engine: Engine, fresh: mpsc::UnboundedSender<Vec<WorkItem>>) -> Self {
        Self { engine, fresh }
    }
}

impl Intake for EmitIntake {
    fn lease(&self, now: DateTime<Utc>) -> Lease<'_> {
        self.engine.inner.lease(now)
    }

    fn room(&self, fresh: &[(SubscriptionId, &OrganizationId, u32)]) -> Vec<u32> {
        let inner = &self.engine.inner;
        if inner.stop.is_cancelled() {
            return vec![0; fresh.len()];
        }
        let mut global = inner.permits.available_permits();
        let mut taken: HashMap<&OrganizationId, usize> = HashMap::new();
        fresh
            .iter()
            .map(|(subscription, organization, n)| {
                let cap = inner.limits.cap(subscription);
                let free = inner.slots.free_within(subscription, cap) as usize;
                let taken = taken.entry(organization).or_default();
                let share =
                    (inner.organization_slots.free(organization) as usize).saturating_sub(*taken);
                let wanted = (*n as usize).min(free).min(share).min(global);
                if wanted == 0 {
                    return 0;
                }
                // What the rate holds back stays pending; the emit's hint
                // has the dispatcher take it when the rate allows.
                let (n, _) = inner.limits.take(subscription, wanted as u32);
                *taken += n as usize;
                global -= n as usize;
                n
            })
            .collect()
    }

    fn take(&self, items: Vec<WorkItem>) {
        // The dispatcher is gone only when the engine stopped; the leases
        // then expire, or are released at the next start, and the
        // deliveries go out again (at least once, same id).
        if self.fresh.send(items).is_err() {
            tracing::debug!("deliveries leased by an emit after the engine stopped");
        }
    }
}
