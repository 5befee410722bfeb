//! Per-subscription concurrency caps. A slot is held for the whole attempt
//! and given back when dropped, so a hanging endpoint occupies at most its
//! own few slots while every other subscription keeps its share.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::domain::ids::SubscriptionId;

#[derive(Debug)]
pub struct Slots {
    cap: u32,
    in_use: Arc<Mutex<HashMap<SubscriptionId, u32>>>,
}

/// One attempt's hold on its subscription's capacity.
#[derive(Debug)]
pub struct Slot {
    subscription: SubscriptionId,
    in_use: Arc<Mutex<HashMap<SubscriptionId, u32>>>,
}

impl Slots {
    pub fn new(cap: u32) -> Self {
        Self {
            cap: cap.max(1),
            in_use: Arc::default(),
        }
    }

    /// A slot for `subscription`, or `None` when it is at its cap.
    pub fn try_take(&self, subscription: SubscriptionId) -> Option<Slot> {
        let mut in_use = self.in_use.lock().unwrap_or_else(PoisonError::into_inner);
        let count = in_use.entry(subscription).or_insert(0);
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(Slot {
            subscription,
            in_use: Arc::clone(&self.in_use),
        })
    }

    /// The fewest free slots worth a claim while the subscription is busy.
    pub fn batch(&self) -> u32 {
        (self.cap / 4).max(1)
    }

    /// Whether `subscription` has attempts in flight.
    pub fn busy(&self, subscription: SubscriptionId) -> bool {
        let in_use = self.in_use.lock().unwrap_or_else(PoisonError::into_inner);
        in_use.contains_key(&subscription)
    }

    /// Slots `subscription` has free now.
    pub fn free(&self, subscription: SubscriptionId) -> u32 {
        let in_use = self.in_use.lock().unwrap_or_else(PoisonError::into_inner);
        self.cap - in_use.get(&subscription).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut in_use = self.in_use.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = in_use.get_mut(&self.subscription) {
            *count -= 1;
            if *count == 0 {
                in_use.remove(&self.subscription);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_at_its_cap_gets_no_slot_until_one_is_returned() {
        let slots = Slots::new(2);
        let busy = SubscriptionId::new();
        let other = SubscriptionId::new();
        let a = slots.try_take(busy);
        let b = slots.try_take(busy);
        assert!(a.is_some() && b.is_some());
        assert!(slots.try_take(busy).is_none());
        assert_eq!(slots.free(busy), 0);
        assert!(slots.try_take(other).is_some());
        drop(a);
        assert_eq!(slots.free(busy), 1);
        assert!(slots.try_take(busy).is_some());
    }
}
