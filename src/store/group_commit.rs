//! Group commit for emits. Concurrent `EmitEvent` calls queue here and one
//! task writes everything queued in a single transaction, so one fsync
//! serves many events and throughput does not hinge on the disk's sync rate.
//!
//! Every wait is bounded:
//! - the queue is bounded: when the store falls behind, callers wait for room
//!   until their deadline (`wait` after they arrived) and are then told to
//!   come back later, so memory stays bounded and nothing is dropped silently;
//! - a request still queued when its deadline passes is refused the same way
//!   before a transaction starts (the committer drops it), so the deadline
//!   covers the wait for the commit too, not only for room in the queue;
//! - a transaction creates a bounded number of deliveries
//!   ([`EmitLimits`]): requests past its budget go first into the next one,
//!   so a request whose transaction has started waits at most for that.
//!
//! The store answers each request on its own, so one caller's refused
//! request (a reused idempotency key, too large a fan-out) never fails
//! another caller's events.
//!
//! The committer is one task, on a thread of its own on SQLite
//! ([`writer_thread`](super::writer_thread)); [`GroupCommitter::close`] has
//! it commit what is queued, then end, and waits for that; later emits are
//! refused as [`EmitError::ShuttingDown`].

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{
    EmitLimits, EmitOutcome, EmitResult, Fault, Intake, NewEvent, Store, StoreError, WorkItem,
};

/// When a refused caller is told to come back.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Why an emit was not committed.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// The request waited its whole deadline for room or for a commit;
    /// nothing was stored.
    #[error("the service is overloaded; retry after {retry_after:?}")]
    Overloaded { retry_after: Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The committer stopped (shutdown); nothing was stored.
    #[error("the service is shutting down")]
    ShuttingDown,
}

/// How the committer batches and bounds its work.
#[derive(Clone, Copy, Debug)]
pub struct CommitConfig {
    /// Requests that may wait at once.
    pub queue: usize,
    /// Most events gathered into one transaction.
    pub max_group: usize,
    /// How long a request may wait, for room and then for its transaction.
    pub wait: Duration,
    pub limits: EmitLimits,
}

type Reply = oneshot::Sender<Result<Vec<EmitResult>, EmitError>>;

struct Job {
    events: Vec<NewEvent>,
    deadline: Instant,
    reply: Reply,
}

/// Handle to the committer task; cheap to clone.
#[derive(Clone)]
pub struct GroupCommitter {
    queue: mpsc::Sender<Job>,
    wait: Duration,
    stop: CancellationToken,
    task: TaskTracker,
}

impl GroupCommitter {
    /// With an `intake`, each transaction also leases it the fresh
    /// deliveries it has room for ([`Store::emit_and_lease`]).
    pub fn start(
        store: Arc<dyn Store>,
        config: CommitConfig,
        intake: Option<Arc<dyn Intake>>,
    ) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel(config.queue.max(1));
        let stop = CancellationToken::new();
        let task = TaskTracker::new();
        let committing = run(Arc::clone(&store), rx, config, intake, stop.clone());
        super::writer_thread::spawn_for(store.as_ref(), "emit-committer", &task, committing)?;
        task.close();
        Ok(Self {
            queue: tx,
            wait: config.wait,
            stop,
            task,
        })
    }

    /// Commits what is queued, then ends the committer; returns when it has.
    pub async fn close(&self) {
        self.stop.cancel();
        self.task.wait().await;
    }

    /// Commits `events` (all or none of them) and returns once they are durable.
    pub async fn emit(&self, events: Vec<NewEvent>) -> Result<Vec<EmitResult>, EmitError> {
        let deadline = Instant::now() + self.wait;
        let permit = match tokio::time::timeout_at(deadline, self.queue.reserve()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) => return Err(EmitError::ShuttingDown),
            Err(_) => {
                return Err(EmitError::Overloaded {
                    retry_after: RETRY_AFTER,
                });
            }
        };
        let (reply, answer) = oneshot::channel();
        permit.send(Job {
            events,
            deadline,
            reply,
        });
        answer.await.unwrap_or(Err(EmitError::ShuttingDown))
    }
}

async fn run(
    store: Arc<dyn Store>,
    mut queue: mpsc::Receiver<Job>,
    config: CommitConfig,
    intake: Option<Arc<dyn Intake>>,
    stop: CancellationToken,
) {
    let max_group = config.max_group.max(1);
    // Requests past the last transaction's delivery budget: first in the next one.
    let mut waiting: VecDeque<Job> = VecDeque::new();
    loop {
        // A request whose deadline passed before this instant spent its whole
        // wait queued behind earlier transactions. One that arrives while the
        // committer is idle is not waiting, even with a zero wait.
        let free_since = Instant::now();
        if waiting.is_empty() {
            // Queued requests first: closing never drops one that was accepted.
            let next = tokio::select! {
                biased;
                job = queue.recv() => job,
                _ = stop.cancelled() => None,
            };
            match next {
                Some(job) => waiting.push_back(job),
                None => return,
            }
        }
        let mut size: usize = waiting.iter().map(|job| job.events.len()).sum();
        while size < max_group {
            match queue.try_recv() {
                Ok(job) => {
                    size += job.events.len();
                    waiting.push_back(job);
                }
                Err(_) => break,
            }
        }
        let metrics = crate::metrics::get();
        metrics
            .emit_queue_depth
            .set(i64::try_from(queue.len()).unwrap_or(i64::MAX));
        metrics.emit_group_events.observe(size as f64);
        let (group, expired): (Vec<Job>, Vec<Job>) = waiting
            .drain(..)
            .partition(|job| job.deadline >= free_since);
        for job in expired {
            send(
                job.reply,
                Err(EmitError::Overloaded {
                    retry_after: RETRY_AFTER,
                }),
            );
        }
        if !group.is_empty() {
            waiting = commit(store.as_ref(), group, config.limits, intake.as_deref()).await;
        }
    }
}

/// Commits one group; returns the requests deferred to the next one.
async fn commit(
    store: &dyn Store,
    group: Vec<Job>,
    limits: EmitLimits,
    intake: Option<&dyn Intake>,
) -> VecDeque<Job> {
    let requests: Vec<&[NewEvent]> = group.iter().map(|job| job.events.as_slice()).collect();
    let outcomes = emit(store, &requests, limits, intake).await;
    let mut deferred = VecDeque::new();
    match outcomes {
        Ok(outcomes) if outcomes.len() == group.len() => {
            for (job, outcome) in group.into_iter().zip(outcomes) {
                match outcome {
                    EmitOutcome::Stored(results) => send(job.reply, Ok(results)),
                    EmitOutcome::Refused(e) => send(job.reply, Err(e.into())),
                    EmitOutcome::Deferred => deferred.push_back(job),
                }
            }
        }
        Ok(_) => {
            for job in group {
                let e =
                    StoreError::Corrupt("the store answered a different number of requests".into());
                send(job.reply, Err(e.into()));
            }
        }
        Err(e) if group.len() == 1 => {
            if let Some(job) = group.into_iter().next() {
                send(job.reply, Err(e.into()));
            }
        }
        Err(e) if e.fault() == Some(Fault::Unavailable) => {
            // Nothing was stored and the database is out of reach: trying
            // each request alone would only have the later callers wait out
            // one more failed connection each before hearing the same.
            let cause = std::error::Error::source(&e)
                .map_or_else(|| e.to_string(), crate::telemetry::error_chain);
            for job in group {
                send(
                    job.reply,
                    Err(StoreError::Unavailable(cause.clone().into()).into()),
                );
            }
        }
        Err(e) => {
            // The whole transaction failed (an I/O error, say) and nothing was
            // stored: each request is tried alone so each caller gets its own answer.
            // Storage faults are logged once per episode by the store monitor.
            if e.fault().is_none() {
                tracing::warn!(error = %crate::telemetry::error_chain(&e), "group commit failed; retrying its requests one by one");
            }
            for job in group {
                match store.emit_events(&[job.events.as_slice()], limits).await {
                    Ok(mut outcomes) => match outcomes.pop() {
                        Some(EmitOutcome::Stored(results)) => send(job.reply, Ok(results)),
                        Some(EmitOutcome::Refused(e)) => send(job.reply, Err(e.into())),
                        // Alone, a request is never deferred; keep it if it is.
                        Some(EmitOutcome::Deferred) => deferred.push_back(job),
                        None => {
                            let e = StoreError::Corrupt("the store answered no request".into());
                            send(job.reply, Err(e.into()));
                        }
                    },
                    Err(e) => send(job.reply, Err(e.into())),
                }
            }
        }
    }
    deferred
}

/// Emits, handing what the transaction leased to the intake.
async fn emit(
    store: &dyn Store,
    requests: &[&[NewEvent]],
    limits: EmitLimits,
    intake: Option<&dyn Intake>,
) -> Result<Vec<EmitOutcome>, StoreError> {
    let Some(intake) = intake else {
        return store.emit_events(requests, limits).await;
    };
    let (outcomes, leased): (_, Vec<WorkItem>) =
        store.emit_and_lease(requests, limits, intake).await?;
    if !leased.is_empty() {
        intake.take(leased);
    }
    Ok(outcomes)
}

/// A caller that gave up waiting (its RPC was cancelled) just misses the answer;
/// its events are committed all the same, as for any cancelled-but-sent request.
fn send(reply: Reply, result: Result<Vec<EmitResult>, EmitError>) {
    if reply.send(result).is_err() {
        tracing::debug!("emit caller went away before its commit finished");
    }
}
