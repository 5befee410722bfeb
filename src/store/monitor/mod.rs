//! Storage health, watched above the [`Store`] trait so every backend gets
//! it: [`StoreMonitor`] is a `Store` that passes each call through and
//! watches its result. The first storage fault ([`StoreError::fault`]) opens
//! an episode: its cause is logged once, later failures are only counted,
//! and [`StoreMonitor::writable`] turns false (gRPC health follows it).
//! While the episode lasts, a probe write ([`Store::heartbeat`]) runs every
//! second, so recovery is noticed without traffic; the first that succeeds
//! ends the episode and logs how long it lasted. Only the probe ends an
//! episode: a write that succeeds by rewriting a page in place proves
//! nothing about a full disk, and letting it end the episode would flap.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::*;
use crate::telemetry::error_chain;

mod passthrough;

/// How often the probe writes while the store cannot.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// A storage fault that has not ended yet.
struct Episode {
    fault: Fault,
    since: Instant,
    /// Failed calls after the first, probes included.
    failures: u64,
}

struct Shared {
    episode: Mutex<Option<Episode>>,
    writable: watch::Sender<bool>,
}

impl Shared {
    fn failed(&self, fault: Fault, error: &StoreError) {
        let mut episode = self.episode.lock().unwrap_or_else(PoisonError::into_inner);
        match episode.as_mut() {
            Some(open) => open.failures += 1,
            None => {
                tracing::error!(
                    ?fault,
                    error = %error_chain(error),
                    "storage fault: writes are failing; health is NOT_SERVING until a probe write succeeds"
                );
                *episode = Some(Episode {
                    fault,
                    since: Instant::now(),
                    failures: 0,
                });
                self.writable.send_replace(false);
            }
        }
    }

    fn recovered(&self) {
        let mut episode = self.episode.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(ended) = episode.take() {
            tracing::warn!(
                fault = ?ended.fault,
                lasted = ?ended.since.elapsed(),
                failed_calls = ended.failures + 1,
                "storage recovered: writes succeed again; health is SERVING"
            );
            self.writable.send_replace(true);
        }
    }
}

/// A [`Store`] that watches the health of the one it wraps.
pub struct StoreMonitor {
    inner: Arc<dyn Store>,
    shared: Arc<Shared>,
    probe: TaskTracker,
    stop: CancellationToken,
}

impl StoreMonitor {
    /// Wraps `inner` and starts the probe task (idle while writes succeed).
    pub fn start(inner: Arc<dyn Store>) -> Arc<Self> {
        let shared = Arc::new(Shared {
            episode: Mutex::new(None),
            writable: watch::Sender::new(true),
        });
        let probe = TaskTracker::new();
        let stop = CancellationToken::new();
        probe.spawn(probe_while_faulty(
            inner.clone(),
            shared.clone(),
            stop.clone(),
        ));
        probe.close();
        Arc::new(Self {
            inner,
            shared,
            probe,
            stop,
        })
    }

    /// Whether the store can write: false from the first fault of an
    /// episode until a probe write succeeds.
    pub fn writable(&self) -> watch::Receiver<bool> {
        self.shared.writable.subscribe()
    }

    /// Runs one store operation, timing it for the metrics.
    async fn timed<T>(
        &self,
        operation: &'static str,
        run: impl std::future::Future<Output = StoreResult<T>>,
    ) -> StoreResult<T> {
        let started = Instant::now();
        let result = run.await;
        crate::metrics::get().store_operation(operation, started.elapsed());
        self.observe(result)
    }

    fn observe<T>(&self, result: StoreResult<T>) -> StoreResult<T> {
        if let Err(e) = &result
            && let Some(fault) = e.fault()
        {
            self.shared.failed(fault, e);
        }
        result
    }
}

async fn probe_while_faulty(store: Arc<dyn Store>, shared: Arc<Shared>, stop: CancellationToken) {
    let mut writable = shared.writable.subscribe();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            changed = writable.wait_for(|w| !*w) => if changed.is_err() { return },
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(PROBE_EVERY) => {}
        }
        match store.heartbeat().await {
            Ok(()) => shared.recovered(),
            // A probe failing for another reason still means no write succeeded.
            Err(e) => shared.failed(e.fault().unwrap_or(Fault::Unavailable), &e),
        }
    }
}
