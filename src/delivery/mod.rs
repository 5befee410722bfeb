//! The delivery engine: takes pending deliveries from the store and POSTs
//! them until each succeeds, runs out of retries, or its subscription is
//! disabled.
//!
//! - [`dispatcher`] leases due deliveries (woken at once by new emits, by
//!   other instances' work on a shared database, else at the next due retry)
//!   and starts one task per delivery, bounded by a global
//!   cap, a per-organization share and a per-subscription cap ([`slots`]), so
//!   neither one slow endpoint nor one organization's many endpoints can hold
//!   up anyone else.
//! - [`attempt`] sends one delivery through [`sender`] (which renders the
//!   contract's body and signs it) and decides its next step; [`recorder`]
//!   records attempts finishing together, with their consequences for the
//!   delivery and its subscription's health, in one store transaction.
//! - [`test_webhook`] sends "Test webhook" samples within the same caps.
//! - [`listen_sessions`] sends attempts to `listen` sessions' clients over
//!   their gRPC stream instead of HTTPS; [`watch`] tells watchers of every
//!   attempt once it is stored.
//! - [`target_guard`] keeps requests off private networks; [`fault`] tells
//!   the service's own failures from the receiver's.
//!
//! Failures that are the service's own (no socket could be opened, the guard
//! refused the target) are logged as attempts and follow the delivery's retry
//! schedule like any failure, so a delivery is never retried forever; they
//! never count toward disabling the subscription, so load caused by one
//! organization can never disable another's subscriptions.
//!
//! Crash safety comes from the store: a lease that is not settled expires and
//! the delivery is claimed again with the same id (at-least-once).
//!
//! [`Engine::stop`] ends the engine's tasks in order: the dispatcher, the
//! attempts (within a deadline), then the recorder, once it has committed
//! what they reported.

mod attempt;
mod dispatcher;
mod fault;
mod intake;
mod limits;
pub mod listen_sessions;
mod recorder;
mod schedule;
pub mod sender;
mod slots;
pub mod target_guard;
mod test_webhook;
pub mod watch;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::domain::health::HealthPolicy;
use crate::domain::ids::{OrganizationId, SubscriptionId};
use crate::domain::retry::RetryPolicy;
use crate::store::{Lease, Store};
use dispatcher::Hint;
use listen_sessions::ListenSessions;
use sender::Sender;
use slots::Slots;
pub use test_webhook::{Busy, TestError};
use watch::{Topic, Watch, Watchers};

/// How the engine behaves; all of it comes from [`crate::config::Config`].
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub retry: RetryPolicy,
    /// When failed attempts disable a subscription.
    pub health: HealthPolicy,
    /// Total time one attempt may take.
    pub attempt_timeout: Duration,
    /// Attempts in flight at once, over all subscriptions.
    pub max_in_flight: usize,
    /// Attempts in flight at once to one subscription.
    pub max_in_flight_per_subscription: u32,
    /// Attempts in flight at once to one organization's subscriptions.
    pub max_in_flight_per_organization: u32,
    /// Longest wait between looks at the store for due work.
    pub idle_poll: Duration,
    pub allow_private_targets: bool,
    /// Attempt updates kept per watched subscription or organization for
    /// its slowest watcher.
    pub watch_buffer: usize,
}

/// A lease outlives the attempt it covers, with room to record the outcome.
fn lease_length(config: &EngineConfig) -> Duration {
    config.attempt_timeout + Duration::from_secs(30)
}

impl Inner {
    fn lease(&self, now: chrono::DateTime<chrono::Utc>) -> Lease<'_> {
        let length = lease_length(&self.config);
        Lease {
            owner: &self.owner,
            now,
            until: now + chrono::Duration::from_std(length).unwrap_or(chrono::Duration::MAX),
        }
    }

    fn sweep_requested(&self) -> bool {
        self.sweep.swap(false, Ordering::AcqRel)
    }
}

/// Hints waiting for the dispatcher at most; past this it sweeps instead.
const HINT_QUEUE: usize = 8192;

/// A running engine. Cloning shares it.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    sender: Sender,
    recorder: recorder::Recorder,
    config: EngineConfig,
    /// Identifies this process's leases.
    owner: String,
    hints: mpsc::Sender<Hint>,
    /// Deliveries leased by emits, for the dispatcher to start.
    fresh: mpsc::UnboundedSender<Vec<crate::store::WorkItem>>,
    /// Set when a hint could not be queued, or a caller asks for a full look.
    sweep: AtomicBool,
    wake: Notify,
    permits: Arc<Semaphore>,
    slots: Slots<SubscriptionId>,
    /// Each subscription's own cap and rate, as last seen.
    limits: limits::SubscriptionLimits,
    /// Recent events' traces, which their attempts continue.
    trace_links: crate::telemetry::traces::TraceLinks,
    organization_slots: Slots<OrganizationId>,
    /// Running attempts.
    tasks: TaskTracker,
    /// Stops the dispatcher.
    stop: CancellationToken,
    dispatcher: Mutex<Option<tokio::task::JoinHandle<()>>>,
    listen: ListenSessions,
    watchers: Arc<Watchers>,
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the HTTP client could not be built")]
    Http(#[from] reqwest::Error),
    #[error("the attempt recorder's thread could not start")]
    Thread(#[source] std::io::Error),
}

impl Engine {
    /// Starts the dispatcher and the recorder. The dispatcher stops claiming
    /// work when `shutdown` fires or [`Engine::stop`] is called.
    pub fn start(
        store: Arc<dyn Store>,
        config: EngineConfig,
        shutdown: &CancellationToken,
    ) -> Result<Self, StartError> {
        let sender = Sender::new(
            config.attempt_timeout,
            config.allow_private_targets,
            config.max_in_flight,
        )?;
        let (hints, hint_queue) = mpsc::channel(HINT_QUEUE);
        let (fresh, fresh_queue) = mpsc::unbounded_channel();
        let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let terms = recorder::LeaseTerms {
            owner: owner.clone(),
            length: lease_length(&config),
        };
        let inner = Arc::new(Inner {
            hints,
            fresh,
            sweep: AtomicBool::new(false),
            recorder: recorder::Recorder::start(
                store.clone(),
                config.max_in_flight,
                config.health,
                terms,
            )
            .map_err(StartError::Thread)?,
            store,
            sender,
            owner,
            wake: Notify::new(),
            permits: Arc::new(Semaphore::new(config.max_in_flight)),
            slots: Slots::new(config.max_in_flight_per_subscription),
            limits: limits::SubscriptionLimits::new(config.max_in_flight_per_subscription),
            trace_links: Default::default(),
            organization_slots: Slots::new(config.max_in_flight_per_organization),
            tasks: TaskTracker::new(),
            stop: shutdown.child_token(),
            dispatcher: Mutex::new(None),
            listen: ListenSessions::default(),
            watchers: Arc::new(Watchers::new(config.watch_buffer)),
            config,
        });
        let engine = Self { inner };
        let wakeups = engine.inner.store.wakeups();
        let dispatcher = tokio::spawn(dispatcher::run(
            engine.clone(),
            hint_queue,
            fresh_queue,
            wakeups,
            engine.inner.stop.clone(),
        ));
        if let Ok(mut slot) = engine.inner.dispatcher.lock() {
            *slot = Some(dispatcher);
        }
        Ok(engine)
    }

    /// What emits lease fresh deliveries to (see [`intake`]).
    pub fn intake(&self) -> intake::EmitIntake {
        intake::EmitIntake::new(self.clone(), self.inner.fresh.clone())
    }

    /// Tells the dispatcher these subscriptions have deliveries due now (just
    /// committed, redelivered or replayed), so they go out at once.
    pub fn due(&self, subscriptions: impl IntoIterator<Item = SubscriptionId>) {
        for subscription in subscriptions {
            self.hint(Hint::Ready(subscription));
        }
    }

    /// Follows attempts as they are stored (see [`watch`]).
    pub fn watch(&self, topic: Topic) -> Watch {
        self.inner.watchers.watch(topic)
    }

    /// Fires when the engine stops (or the service shuts down): what
    /// streams to clients (watchers, listen sessions) ends then.
    pub fn stopping(&self) -> CancellationToken {
        self.inner.stop.clone()
    }

    /// Whether an attempt finishing may take the subscription's next
    /// delivery in its slot now: not once stopping, nor past the
    /// subscription's rate (the dispatcher is told when it may).
    fn may_continue(&self, subscription: SubscriptionId) -> bool {
        if self.inner.stop.is_cancelled() {
            return false;
        }
        let (n, wait) = self.inner.limits.take(&subscription, 1);
        if let Some(wait) = wait.filter(|_| n == 0) {
            let at =
                crate::domain::time::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            self.hint(Hint::At(subscription, at));
        }
        n == 1
    }

    /// Notes the current span's trace (an emit's) for these events, so
    /// their attempts continue it.
    pub fn remember_traces(&self, events: impl IntoIterator<Item = crate::domain::ids::EventId>) {
        self.inner.trace_links.remember(events);
    }

    /// Asks the dispatcher for a full look at the store now.
    pub fn wake(&self) {
        self.inner.sweep.store(true, Ordering::Release);
        self.inner.wake.notify_one();
    }

    fn hint(&self, hint: Hint) {
        // A full queue loses nothing: the sweep finds the same work in the store.
        if self.inner.hints.try_send(hint).is_err() {
            self.wake();
        }
    }

    /// Stops the engine: the dispatcher claims no more work and ends;
    /// running attempts finish, for at most `deadline`; then the recorder
    /// commits what they reported and ends. Attempts still running past the
    /// deadline keep their leases: a restarted single-node process frees
    /// them at start, and with a shared database they expire for another.
    pub async fn stop(&self, deadline: Duration) {
        let inner = &self.inner;
        inner.stop.cancel();
        let dispatcher = inner.dispatcher.lock().ok().and_then(|mut d| d.take());
        if let Some(dispatcher) = dispatcher
            && let Err(e) = dispatcher.await
        {
            tracing::warn!(error = %e, "delivery dispatcher ended abnormally");
        }
        inner.tasks.close();
        if tokio::time::timeout(deadline, inner.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                running = inner.tasks.len(),
                "attempts still running at shutdown; their leases will expire"
            );
        }
        inner.recorder.close().await;
    }
}
