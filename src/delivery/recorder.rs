//! Records attempt outcomes in groups: attempts finishing together share one
//! transaction (and one fsync), which is what lets the engine log every
//! attempt durably at thousands of deliveries per second. An attempt task
//! waits for its outcome to be committed before it gives up its slot, so a
//! retry is never claimed before the failure that scheduled it is stored.
//!
//! While the store has a fault (full, unreachable), a group is retried with
//! a bounded backoff until it is stored: the deliveries were sent, and
//! recording them once storage heals avoids sending them again. Their
//! attempt tasks keep their slots meanwhile, which is what holds new claims
//! back. The monitor logs the fault; the recorder logs only other errors.
//!
//! The recorder is one task; [`Recorder::close`] has it commit what is
//! queued, then end, and waits for that.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, warn};

use crate::domain::health::{AfterAttempt, HealthPolicy};
use crate::store::{AttemptOutcome, Store};
use crate::telemetry::error_chain;

/// Tries to commit a group this many times, on errors other than storage
/// faults (or on any once closing), before leaving its deliveries to their
/// leases (they are then sent again: at-least-once, same delivery id).
const TRIES: u32 = 5;
/// First and longest wait between tries while the store has a fault.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// Most outcomes in one transaction.
const MAX_GROUP: usize = 512;

type Reply = oneshot::Sender<Option<AfterAttempt>>;

#[derive(Clone)]
pub struct Recorder {
    queue: mpsc::Sender<(AttemptOutcome, Reply)>,
    stop: CancellationToken,
    task: TaskTracker,
}

impl Recorder {
    /// `capacity` bounds the outcomes waiting at once: one per attempt in flight.
    pub fn start(store: Arc<dyn Store>, capacity: usize, policy: HealthPolicy) -> Self {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let stop = CancellationToken::new();
        let task = TaskTracker::new();
        task.spawn(run(store, rx, policy, stop.clone()));
        task.close();
        Self {
            queue: tx,
            stop,
            task,
        }
    }

    /// Commits the outcome; `None` when it could not be stored (or the
    /// recorder is closed).
    pub async fn record(&self, outcome: AttemptOutcome) -> Option<AfterAttempt> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((outcome, reply)).await.ok()?;
        answer.await.ok().flatten()
    }

    /// Commits what is queued, then ends the recorder; returns when it has.
    pub async fn close(&self) {
        self.stop.cancel();
        self.task.wait().await;
    }
}

async fn run(
    store: Arc<dyn Store>,
    mut queue: mpsc::Receiver<(AttemptOutcome, Reply)>,
    policy: HealthPolicy,
    stop: CancellationToken,
) {
    let mut outcomes = Vec::with_capacity(MAX_GROUP);
    let mut replies = Vec::with_capacity(MAX_GROUP);
    loop {
        // Queued outcomes first: closing never drops one that was sent.
        let next = tokio::select! {
            biased;
            next = queue.recv() => next,
            _ = stop.cancelled() => None,
        };
        let Some((outcome, reply)) = next else {
            return;
        };
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
        let health = commit(store.as_ref(), &outcomes, policy, &stop).await;
        outcomes.clear();
        for (i, reply) in replies.drain(..).enumerate() {
            let result = health.as_ref().and_then(|h| h.get(i).copied());
            if reply.send(result).is_err() {
                warn!("an attempt task ended before its outcome was recorded");
            }
        }
    }
}

async fn commit(
    store: &dyn Store,
    outcomes: &[AttemptOutcome],
    policy: HealthPolicy,
    stop: &CancellationToken,
) -> Option<Vec<AfterAttempt>> {
    let mut failed_tries = 0;
    let mut backoff = FIRST_BACKOFF;
    loop {
        let e = match store.record_attempts(outcomes, policy).await {
            Ok(health) => return Some(health),
            Err(e) => e,
        };
        let counts = e.fault().is_none() || stop.is_cancelled();
        if counts {
            failed_tries += 1;
            if e.fault().is_none() {
                warn!(error = %error_chain(&e), try_number = failed_tries, attempts = outcomes.len(), "recording attempts failed");
            }
            if failed_tries >= TRIES {
                break;
            }
        }
        let wait = if counts {
            FIRST_BACKOFF * failed_tries
        } else {
            backoff
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            // Closing cuts a long wait short; the tries left are counted.
            _ = stop.cancelled(), if !counts => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    error!(
        attempts = outcomes.len(),
        "attempts not recorded; their deliveries will be retried when their leases expire"
    );
    None
}
