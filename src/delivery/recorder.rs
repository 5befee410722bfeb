//! Records attempt outcomes in groups: attempts finishing together share one
//! transaction (and one fsync), which is what lets the engine log every
//! attempt durably at thousands of deliveries per second. An attempt task
//! waits for its outcome to be committed before it gives up its slot, so a
//! retry is never claimed before the failure that scheduled it is stored.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tracing::{error, warn};

use crate::store::{AttemptOutcome, Store, SubscriptionHealth};
use crate::telemetry::error_chain;

/// Tries to commit a group this many times before leaving its deliveries to
/// their leases (they are then sent again: at-least-once, same delivery id).
const TRIES: u32 = 5;
/// Most outcomes in one transaction.
const MAX_GROUP: usize = 512;

type Reply = oneshot::Sender<Option<SubscriptionHealth>>;

#[derive(Clone)]
pub struct Recorder {
    queue: mpsc::Sender<(AttemptOutcome, Reply)>,
}

impl Recorder {
    /// `capacity` bounds the outcomes waiting at once: one per attempt in flight.
    pub fn start(store: Arc<dyn Store>, capacity: usize) -> Self {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        tokio::spawn(run(store, rx));
        Self { queue: tx }
    }

    /// Commits the outcome; `None` when it could not be stored.
    pub async fn record(&self, outcome: AttemptOutcome) -> Option<SubscriptionHealth> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((outcome, reply)).await.ok()?;
        answer.await.ok().flatten()
    }
}

async fn run(store: Arc<dyn Store>, mut queue: mpsc::Receiver<(AttemptOutcome, Reply)>) {
    let mut outcomes = Vec::with_capacity(MAX_GROUP);
    let mut replies = Vec::with_capacity(MAX_GROUP);
    while let Some((outcome, reply)) = queue.recv().await {
        outcomes.push(outcome);
        replies.push(reply);
        while outcomes.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok((outcome, reply)) => {
                    outcomes.push(outcome);
                    replies.push(reply);
                }
                Err(_) => break,
            }
        }
        let health = commit(store.as_ref(), &outcomes).await;
        outcomes.clear();
        for (i, reply) in replies.drain(..).enumerate() {
            let result = health.as_ref().and_then(|h| h.get(i).copied());
            if reply.send(result).is_err() {
                warn!("an attempt task ended before its outcome was recorded");
            }
        }
    }
}

async fn commit(store: &dyn Store, outcomes: &[AttemptOutcome]) -> Option<Vec<SubscriptionHealth>> {
    for try_number in 1..=TRIES {
        match store.record_attempts(outcomes).await {
            Ok(health) => return Some(health),
            Err(e) => {
                warn!(error = %error_chain(&e), try_number, attempts = outcomes.len(), "recording attempts failed");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(try_number))).await;
            }
        }
    }
    error!(
        attempts = outcomes.len(),
        "attempts not recorded; their deliveries will be retried when their leases expire"
    );
    None
}
