//! Group commit for emits. Concurrent `EmitEvent` calls queue here and one
//! task writes everything queued in a single transaction, so one fsync
//! serves many events and throughput does not hinge on the disk's sync rate.
//!
//! The queue is bounded: when the store falls behind, callers wait for room
//! up to a deadline and are then told to come back later, so memory stays
//! bounded and nothing is dropped silently. A group that fails is retried
//! request by request, so one caller's bad request (a reused idempotency key)
//! never fails another caller's events.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::{EmitResult, NewEvent, Store, StoreError, StoreResult};

/// Why an emit was not committed.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// The queue stayed full for the whole wait; nothing was stored.
    #[error("the service is overloaded; retry after {retry_after:?}")]
    Overloaded { retry_after: Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The committer stopped (shutdown); nothing was stored.
    #[error("the service is shutting down")]
    ShuttingDown,
}

struct Job {
    events: Vec<NewEvent>,
    reply: oneshot::Sender<StoreResult<Vec<EmitResult>>>,
}

/// Handle to the committer task; cheap to clone.
#[derive(Clone)]
pub struct GroupCommitter {
    queue: mpsc::Sender<Job>,
    wait: Duration,
}

impl GroupCommitter {
    /// Starts the committer. `queue` requests may wait at once; a group holds
    /// at most `max_group` events; callers wait at most `wait` for room.
    pub fn start(store: Arc<dyn Store>, queue: usize, max_group: usize, wait: Duration) -> Self {
        let (tx, rx) = mpsc::channel(queue.max(1));
        tokio::spawn(run(store, rx, max_group.max(1)));
        Self { queue: tx, wait }
    }

    /// Commits `events` (all or none of them) and returns once they are durable.
    pub async fn emit(&self, events: Vec<NewEvent>) -> Result<Vec<EmitResult>, EmitError> {
        let permit = match tokio::time::timeout(self.wait, self.queue.reserve()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) => return Err(EmitError::ShuttingDown),
            Err(_) => {
                return Err(EmitError::Overloaded {
                    retry_after: Duration::from_secs(1),
                });
            }
        };
        let (reply, answer) = oneshot::channel();
        permit.send(Job { events, reply });
        match answer.await {
            Ok(result) => Ok(result?),
            Err(_) => Err(EmitError::ShuttingDown),
        }
    }
}

async fn run(store: Arc<dyn Store>, mut queue: mpsc::Receiver<Job>, max_group: usize) {
    while let Some(first) = queue.recv().await {
        let mut size = first.events.len();
        let mut group = vec![first];
        while size < max_group {
            match queue.try_recv() {
                Ok(job) => {
                    size += job.events.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        commit(store.as_ref(), group).await;
    }
}

async fn commit(store: &dyn Store, mut group: Vec<Job>) {
    if group.len() == 1 {
        if let Some(job) = group.pop() {
            let result = store.emit_events(&job.events).await;
            send(job.reply, result);
        }
        return;
    }
    let mut all = Vec::with_capacity(group.iter().map(|job| job.events.len()).sum());
    let mut callers = Vec::with_capacity(group.len());
    for job in group {
        callers.push((job.reply, job.events.len()));
        all.extend(job.events);
    }
    match store.emit_events(&all).await {
        Ok(results) => {
            let mut results = results.into_iter();
            for (reply, size) in callers {
                send(reply, Ok(results.by_ref().take(size).collect()));
            }
        }
        Err(_) => {
            // Nothing of the group was stored; find out whose request it was.
            let mut events = all.into_iter();
            for (reply, size) in callers {
                let own: Vec<NewEvent> = events.by_ref().take(size).collect();
                send(reply, store.emit_events(&own).await);
            }
        }
    }
}

/// A caller that gave up waiting (its RPC was cancelled) just misses the answer;
/// its events are committed all the same, as for any cancelled-but-sent request.
fn send(
    reply: oneshot::Sender<StoreResult<Vec<EmitResult>>>,
    result: StoreResult<Vec<EmitResult>>,
) {
    if reply.send(result).is_err() {
        tracing::debug!("emit caller went away before its commit finished");
    }
}
