//! Attempts as they happen, for `WatchDeliveries`: each attempt is published
//! once its outcome is stored, to whoever watches its subscription or its
//! organization.
//!
//! Publishing never waits: each watched subscription and organization has
//! its own `broadcast` channel of a fixed capacity (`--watch-buffer`), whose
//! slowest reader loses the oldest updates it has not read instead of
//! holding anyone up, and learns how many ([`Watch::next`]). A channel exists
//! only while someone watches it, so unwatched attempts cost one map lookup.
//!
//! Only this process's attempts are seen: with several instances on one
//! PostgreSQL database, a watcher sees those of the instance it is connected to.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::broadcast;

use crate::domain::attempt_error::AttemptErrorKind;
use crate::domain::delivery::{AttemptReport, DeliveryStatus, NextStep};
use crate::domain::event::EventType;
use crate::domain::ids::{DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::store::{Subscription, WorkItem};

/// One attempt and where it left its delivery.
#[derive(Clone, Debug)]
pub struct AttemptUpdate {
    pub delivery_id: DeliveryId,
    pub event_id: EventId,
    pub subscription_id: SubscriptionId,
    pub organization_id: OrganizationId,
    pub event_type: EventType,
    /// 1 for the delivery's first attempt.
    pub attempt_number: u32,
    /// As this attempt decided it.
    pub status: DeliveryStatus,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub duration: Duration,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub error_kind: Option<AttemptErrorKind>,
    pub test: bool,
    /// This attempt's failure disabled the subscription.
    pub subscription_disabled: bool,
}

impl AttemptUpdate {
    /// A delivery's attempt, decided `next` (disabling nothing, until the
    /// recorder says otherwise).
    pub fn of_attempt(item: &WorkItem, report: &AttemptReport, next: &NextStep) -> Self {
        let (status, next_attempt_at) = match next {
            NextStep::Succeeded => (DeliveryStatus::Succeeded, None),
            NextStep::RetryAt(at) => (DeliveryStatus::Pending, Some(*at)),
            NextStep::Failed => (DeliveryStatus::Failed, None),
        };
        Self {
            delivery_id: item.delivery_id,
            event_id: item.event_id,
            subscription_id: item.subscription_id,
            organization_id: item.organization_id.clone(),
            event_type: item.event_type,
            attempt_number: item.attempts_made.saturating_add(1),
            status,
            next_attempt_at,
            started_at: report.started_at,
            duration: report.duration,
            status_code: report.status_code,
            error: report.kept_error(),
            error_kind: report.error_kind,
            test: false,
            subscription_disabled: false,
        }
    }

    /// A "Test webhook" sample's one attempt.
    pub fn of_test(
        subscription: &Subscription,
        delivery_id: DeliveryId,
        event_id: EventId,
        event_type: EventType,
        report: &AttemptReport,
    ) -> Self {
        Self {
            delivery_id,
            event_id,
            subscription_id: subscription.id,
            organization_id: subscription.organization_id.clone(),
            event_type,
            attempt_number: 1,
            status: if report.succeeded() {
                DeliveryStatus::Succeeded
            } else {
                DeliveryStatus::Failed
            },
            next_attempt_at: None,
            started_at: report.started_at,
            duration: report.duration,
            status_code: report.status_code,
            error: report.kept_error(),
            error_kind: report.error_kind,
            test: true,
            subscription_disabled: false,
        }
    }
}

/// What a watcher follows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    Subscription(SubscriptionId),
    Organization(OrganizationId),
}

type Channel = broadcast::Sender<Arc<AttemptUpdate>>;

/// The watched topics and their channels.
pub struct Watchers {
    capacity: usize,
    topics: Mutex<HashMap<Topic, Channel>>,
}

impl Watchers {
    /// `capacity`: updates kept per topic for its slowest watcher (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            topics: Mutex::default(),
        }
    }

    /// Tells the watchers of the update's subscription and organization.
    pub fn publish(&self, update: AttemptUpdate) {
        let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        if topics.is_empty() {
            return;
        }
        let update = Arc::new(update);
        for topic in [
            Topic::Subscription(update.subscription_id),
            Topic::Organization(update.organization_id.clone()),
        ] {
            if let Some(channel) = topics.get(&topic) {
                // Fails only when its last watcher left a moment ago: no one to tell.
                let _ = channel.send(update.clone());
            }
        }
    }

    /// Starts watching `topic`.
    pub fn watch(self: &Arc<Self>, topic: Topic) -> Watch {
        let receiver = self
            .topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(topic.clone())
            .or_insert_with(|| broadcast::channel(self.capacity).0)
            .subscribe();
        Watch {
            receiver: Some(receiver),
            topic,
            watchers: self.clone(),
        }
    }

    /// Topics watched right now.
    #[cfg(test)]
    fn watched(&self) -> usize {
        self.topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// One watcher's view; its topic's channel goes when its last watcher does.
pub struct Watch {
    receiver: Option<broadcast::Receiver<Arc<AttemptUpdate>>>,
    topic: Topic,
    watchers: Arc<Watchers>,
}

impl Watch {
    /// The next update, with how many this watcher lost just before it.
    pub async fn next(&mut self) -> Option<(Arc<AttemptUpdate>, u64)> {
        let receiver = self.receiver.as_mut()?;
        let mut missed = 0;
        loop {
            match receiver.recv().await {
                Ok(update) => return Some((update, missed)),
                Err(broadcast::error::RecvError::Lagged(n)) => missed += n,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // Our receiver goes first, so the last watcher to leave sees none left.
        drop(self.receiver.take());
        let mut topics = self
            .watchers
            .topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if topics
            .get(&self.topic)
            .is_some_and(|channel| channel.receiver_count() == 0)
        {
            topics.remove(&self.topic);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time;

    fn update(subscription: SubscriptionId, org: &str) -> AttemptUpdate {
        AttemptUpdate {
            delivery_id: DeliveryId::new(),
            event_id: EventId::new(),
            subscription_id: subscription,
            organization_id: OrganizationId::from_stored(org.into()),
            event_type: EventType::CallCompleted,
            attempt_number: 1,
            status: DeliveryStatus::Succeeded,
            next_attempt_at: None,
            started_at: time::now(),
            duration: Duration::from_millis(5),
            status_code: Some(200),
            error: None,
            error_kind: None,
            test: false,
            subscription_disabled: false,
        }
    }

    #[tokio::test]
    async fn a_slow_watcher_loses_the_oldest_and_is_told_how_many() {
        let watchers = Arc::new(Watchers::new(4));
        let subscription = SubscriptionId(uuid::Uuid::now_v7());
        let mut watch = watchers.watch(Topic::Subscription(subscription));
        let sent: Vec<AttemptUpdate> = (0..10).map(|_| update(subscription, "org_a")).collect();
        for u in &sent {
            watchers.publish(u.clone());
        }
        let (first, missed) = watch.next().await.expect("an update");
        assert_eq!(missed, 6);
        assert_eq!(first.delivery_id, sent[6].delivery_id);
        let (second, missed) = watch.next().await.expect("an update");
        assert_eq!((second.delivery_id, missed), (sent[7].delivery_id, 0));
    }

    #[tokio::test]
    async fn watchers_see_their_topic_only_and_channels_go_with_them() {
        let watchers = Arc::new(Watchers::new(8));
        let (mine, other) = (
            SubscriptionId(uuid::Uuid::now_v7()),
            SubscriptionId(uuid::Uuid::now_v7()),
        );
        let mut by_subscription = watchers.watch(Topic::Subscription(mine));
        let mut by_org = watchers.watch(Topic::Organization(OrganizationId::from_stored(
            "org_a".into(),
        )));
        watchers.publish(update(other, "org_b"));
        watchers.publish(update(other, "org_a"));
        watchers.publish(update(mine, "org_a"));
        let (seen, _) = by_subscription.next().await.expect("an update");
        assert_eq!(seen.subscription_id, mine);
        let (first, _) = by_org.next().await.expect("an update");
        let (second, _) = by_org.next().await.expect("an update");
        assert_eq!(
            (first.subscription_id, second.subscription_id),
            (other, mine)
        );
        assert_eq!(watchers.watched(), 2);
        drop((by_subscription, by_org));
        assert_eq!(watchers.watched(), 0);
    }
}
