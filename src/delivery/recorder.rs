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
//! An attempt finishing can ask for the next due delivery of its
//! subscription: the group's transaction leases those too
//! ([`Store::record_and_claim`]), so a busy subscription's slots go from one
//! delivery to the next without a claim transaction or a trip through the
//! dispatcher, and a group of attempts costs one commit for both.
//!
//! The recorder is one task, on a thread of its own on SQLite
//! ([`writer_thread`]); [`Recorder::close`] has it commit what is queued
//! (leasing nothing more), then end, and waits for that.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, warn};

use crate::domain::health::{AfterAttempt, HealthPolicy};
use crate::domain::ids::SubscriptionId;
use crate::domain::time;
use crate::store::{AttemptOutcome, Lease, Store, WorkItem, writer_thread};
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

/// What recording an outcome gave back.
#[derive(Debug, Default)]
pub struct Recorded {
    /// The subscription's health after it; `None` when it could not be
    /// stored (or the recorder is closed).
    pub health: Option<AfterAttempt>,
    /// The next due delivery of the same subscription, leased, when one was
    /// asked for and there was one.
    pub next: Option<WorkItem>,
}

struct Request {
    outcome: AttemptOutcome,
    wants_next: bool,
    reply: oneshot::Sender<Recorded>,
}

/// Who leases the deliveries handed on, and for how long.
#[derive(Clone, Debug)]
pub struct LeaseTerms {
    pub owner: String,
    pub length: Duration,
}

#[derive(Clone)]
pub struct Recorder {
    queue: mpsc::Sender<Request>,
    stop: CancellationToken,
    task: TaskTracker,
}

impl Recorder {
    /// `capacity` bounds the outcomes waiting at once: one per attempt in flight.
    pub fn start(
        store: Arc<dyn Store>,
        capacity: usize,
        policy: HealthPolicy,
        terms: LeaseTerms,
    ) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let stop = CancellationToken::new();
        let task = TaskTracker::new();
        let recording = run(Arc::clone(&store), rx, policy, terms, stop.clone());
        writer_thread::spawn_for(store.as_ref(), "attempt-recorder", &task, recording)?;
        task.close();
        Ok(Self {
            queue: tx,
            stop,
            task,
        })
    }

    /// Commits the outcome and, with `wants_next`, leases the next due
    /// delivery of its subscription in the same transaction.
    pub async fn record(&self, outcome: AttemptOutcome, wants_next: bool) -> Recorded {
        let (reply, answer) = oneshot::channel();
        let request = Request {
            outcome,
            wants_next,
            reply,
        };
        if self.queue.send(request).await.is_err() {
            return Recorded::default();
        }
        answer.await.unwrap_or_default()
    }

    /// Commits what is queued, then ends the recorder; returns when it has.
    pub async fn close(&self) {
        self.stop.cancel();
        self.task.wait().await;
    }
}

async fn run(
    store: Arc<dyn Store>,
    mut queue: mpsc::Receiver<Request>,
    policy: HealthPolicy,
    terms: LeaseTerms,
    stop: CancellationToken,
) {
    let mut outcomes = Vec::with_capacity(MAX_GROUP);
    let mut waiting: Vec<(SubscriptionId, bool, oneshot::Sender<Recorded>)> =
        Vec::with_capacity(MAX_GROUP);
    loop {
        // Queued outcomes first: closing never drops one that was sent.
        let next = tokio::select! {
            biased;
            next = queue.recv() => next,
            _ = stop.cancelled() => None,
        };
        let Some(mut request) = next else {
            return;
        };
        loop {
            waiting.push((
                request.outcome.subscription_id,
                request.wants_next,
                request.reply,
            ));
            outcomes.push(request.outcome);
            if outcomes.len() >= MAX_GROUP {
                break;
            }
            match queue.try_recv() {
                Ok(more) => request = more,
                Err(_) => break,
            }
        }
        let wants = if stop.is_cancelled() {
            Vec::new()
        } else {
            wanted(&waiting)
        };
        let committed = commit(store.as_ref(), &outcomes, policy, &terms, &wants, &stop).await;
        outcomes.clear();
        let (health, work) = committed.map_or((None, Vec::new()), |(h, w)| (Some(h), w));
        let mut next: HashMap<SubscriptionId, VecDeque<WorkItem>> = HashMap::new();
        for item in work {
            next.entry(item.subscription_id)
                .or_default()
                .push_back(item);
        }
        let mut unsent = Vec::new();
        for (i, (subscription, wants_next, reply)) in waiting.drain(..).enumerate() {
            let recorded = Recorded {
                health: health.as_ref().and_then(|h| h.get(i).copied()),
                next: wants_next
                    .then(|| next.get_mut(&subscription).and_then(VecDeque::pop_front))
                    .flatten(),
            };
            if let Err(recorded) = reply.send(recorded) {
                warn!("an attempt task ended before its outcome was recorded");
                unsent.extend(recorded.next.map(|item| item.delivery_id));
            }
        }
        // Leased for a task that is gone: give it back.
        if !unsent.is_empty()
            && let Err(e) = store.release(&terms.owner, &unsent).await
        {
            warn!(error = %error_chain(&e), "could not give back leases");
        }
    }
}

/// How many next deliveries each subscription's finished attempts asked for.
fn wanted(
    waiting: &[(SubscriptionId, bool, oneshot::Sender<Recorded>)],
) -> Vec<(SubscriptionId, u32)> {
    let mut wants: HashMap<SubscriptionId, u32> = HashMap::new();
    for (subscription, wants_next, _) in waiting {
        if *wants_next {
            *wants.entry(*subscription).or_default() += 1;
        }
    }
    let mut wants: Vec<(SubscriptionId, u32)> = wants.into_iter().collect();
    wants.sort();
    wants
}

async fn commit(
    store: &dyn Store,
    outcomes: &[AttemptOutcome],
    policy: HealthPolicy,
    terms: &LeaseTerms,
    wants: &[(SubscriptionId, u32)],
    stop: &CancellationToken,
) -> Option<(Vec<AfterAttempt>, Vec<WorkItem>)> {
    let mut failed_tries = 0;
    let mut backoff = FIRST_BACKOFF;
    loop {
        // Once closing, retries lease nothing new.
        let wants = if stop.is_cancelled() { &[][..] } else { wants };
        let now = time::now();
        let lease = Lease {
            owner: &terms.owner,
            now,
            until: now + chrono::Duration::from_std(terms.length).unwrap_or(chrono::Duration::MAX),
        };
        let e = match store.record_and_claim(outcomes, policy, lease, wants).await {
            Ok(done) => return Some(done),
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
