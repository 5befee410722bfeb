//! Each subscription's own limits, as its last leased delivery carried
//! them: its in-flight cap, and a rate limiter (GCRA, from `governor`) when
//! its owner set a rate. Kept per instance, like the other caps.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::domain::ids::SubscriptionId;
use crate::domain::limits::DeliveryLimits;

pub struct SubscriptionLimits {
    default_cap: u32,
    known: Mutex<HashMap<SubscriptionId, Known>>,
}

struct Known {
    limits: DeliveryLimits,
    rate: Option<Arc<DefaultDirectRateLimiter>>,
}

impl SubscriptionLimits {
    pub fn new(default_cap: u32) -> Self {
        Self {
            default_cap: default_cap.max(1),
            known: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SubscriptionId, Known>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes the limits a leased delivery carried (the newest the store had).
    pub fn learn(&self, subscription: SubscriptionId, limits: DeliveryLimits) {
        let mut known = self.lock();
        if known.get(&subscription).is_some_and(|k| k.limits == limits) {
            return;
        }
        let rate = limits
            .max_per_second
            .and_then(NonZeroU32::new)
            .map(|n| Arc::new(RateLimiter::direct(Quota::per_second(n))));
        known.insert(subscription, Known { limits, rate });
    }

    /// The in-flight cap in force.
    pub fn cap(&self, subscription: &SubscriptionId) -> u32 {
        self.lock()
            .get(subscription)
            .map_or(self.default_cap, |k| k.limits.cap(self.default_cap))
    }

    /// Takes up to `n` starts from the subscription's rate: how many may
    /// start now, and, when fewer than `n`, how long until the next may.
    pub fn take(&self, subscription: &SubscriptionId, n: u32) -> (u32, Option<Duration>) {
        let Some(rate) = self.lock().get(subscription).and_then(|k| k.rate.clone()) else {
            return (n, None);
        };
        let clock = DefaultClock::default();
        for taken in 0..n {
            if let Err(not_until) = rate.check() {
                return (taken, Some(not_until.wait_time_from(clock.now())));
            }
        }
        (n, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_subscriptions_get_the_default_and_no_rate() {
        let limits = SubscriptionLimits::new(64);
        let id = SubscriptionId::new();
        assert_eq!(limits.cap(&id), 64);
        assert_eq!(limits.take(&id, 1000), (1000, None));
    }

    #[test]
    fn a_rate_gives_its_burst_then_says_when_more_come() {
        let limits = SubscriptionLimits::new(64);
        let id = SubscriptionId::new();
        limits.learn(
            id,
            DeliveryLimits {
                max_in_flight: Some(3),
                max_per_second: Some(5),
            },
        );
        assert_eq!(limits.cap(&id), 3);
        let (taken, wait) = limits.take(&id, 10);
        assert_eq!(taken, 5);
        let wait = wait.expect("a wait");
        assert!(wait <= Duration::from_millis(200), "{wait:?}");
    }
}
