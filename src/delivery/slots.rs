//! Concurrency caps per subscription and per organization. A slot is held
//! for the whole attempt and given back when dropped, so a hanging endpoint
//! occupies at most its own few slots, and one organization's endpoints at
//! most its share, while everyone else keeps theirs.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Debug)]
pub struct Slots<K: Eq + Hash + Clone> {
    cap: u32,
    shared: Arc<Shared<K>>,
}

#[derive(Debug)]
struct Shared<K> {
    in_use: Mutex<HashMap<K, u32>>,
    /// Woken whenever a slot is given back, for callers waiting in [`Slots::take`].
    freed: Notify,
}

/// One attempt's hold on a share of capacity.
#[derive(Debug)]
pub struct Slot<K: Eq + Hash + Clone> {
    key: K,
    shared: Arc<Shared<K>>,
}

impl<K: Eq + Hash + Clone> Slots<K> {
    pub fn new(cap: u32) -> Self {
        Self {
            cap: cap.max(1),
            shared: Arc::new(Shared {
                in_use: Mutex::new(HashMap::new()),
                freed: Notify::new(),
            }),
        }
    }

    /// A slot for `key`, or `None` when it is at its cap.
    pub fn try_take(&self, key: &K) -> Option<Slot<K>> {
        self.try_take_within(key, self.cap)
    }

    /// A slot for `key` under a cap of its own.
    pub fn try_take_within(&self, key: &K, cap: u32) -> Option<Slot<K>> {
        let mut in_use = self.shared.lock();
        let count = in_use.entry(key.clone()).or_insert(0);
        if *count >= cap.max(1) {
            return None;
        }
        *count += 1;
        Some(Slot {
            key: key.clone(),
            shared: Arc::clone(&self.shared),
        })
    }

    /// A slot for `key`, waiting for one to be given back until `deadline`.
    pub async fn take(&self, key: &K, deadline: Instant) -> Option<Slot<K>> {
        loop {
            // Registered before trying, so a slot given back in between
            // still wakes us.
            let freed = self.shared.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if let Some(slot) = self.try_take(key) {
                return Some(slot);
            }
            tokio::time::timeout_at(deadline, freed).await.ok()?;
        }
    }

    /// The fewest free slots worth a claim while a key with this cap is busy.
    pub fn batch(cap: u32) -> u32 {
        (cap / 4).max(1)
    }

    /// Whether `key` has attempts in flight.
    pub fn busy(&self, key: &K) -> bool {
        self.shared.lock().contains_key(key)
    }

    /// Slots `key` has free now.
    pub fn free(&self, key: &K) -> u32 {
        self.free_within(key, self.cap)
    }

    /// Slots `key` has free now under a cap of its own.
    pub fn free_within(&self, key: &K, cap: u32) -> u32 {
        cap.max(1)
            .saturating_sub(self.shared.lock().get(key).copied().unwrap_or(0))
    }
}

impl<K> Shared<K> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, u32>> {
        self.in_use.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<K: Eq + Hash + Clone> Drop for Slot<K> {
    fn drop(&mut self) {
        {
            let mut in_use = self.shared.lock();
            if let Some(count) = in_use.get_mut(&self.key) {
                *count -= 1;
                if *count == 0 {
                    in_use.remove(&self.key);
                }
            }
        }
        self.shared.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::ids::SubscriptionId;

    #[test]
    fn a_key_at_its_cap_gets_no_slot_until_one_is_returned() {
        let slots = Slots::new(2);
        let busy = SubscriptionId::new();
        let other = SubscriptionId::new();
        let a = slots.try_take(&busy);
        let b = slots.try_take(&busy);
        assert!(a.is_some() && b.is_some());
        assert!(slots.try_take(&busy).is_none());
        assert_eq!(slots.free(&busy), 0);
        assert!(slots.try_take(&other).is_some());
        drop(a);
        assert_eq!(slots.free(&busy), 1);
        assert!(slots.try_take(&busy).is_some());
    }

    #[tokio::test]
    async fn a_waiter_gets_the_slot_given_back_or_gives_up_at_its_deadline() {
        let slots = Arc::new(Slots::new(1));
        let key = SubscriptionId::new();
        let held = slots.try_take(&key).expect("free");
        let deadline = Instant::now() + Duration::from_millis(50);
        assert!(slots.take(&key, deadline).await.is_none());
        assert!(Instant::now() >= deadline);

        let waiter = tokio::spawn({
            let slots = Arc::clone(&slots);
            async move {
                let deadline = Instant::now() + Duration::from_secs(10);
                slots.take(&key, deadline).await.is_some()
            }
        });
        tokio::task::yield_now().await;
        drop(held);
        assert!(waiter.await.expect("waiter"));
    }
}
