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

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::*;
use crate::domain::api_key::KeyHash;
use crate::domain::health::{AfterAttempt, HealthPolicy};
use crate::domain::ids::{ApiKeyId, DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::telemetry::error_chain;

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

#[async_trait]
impl Store for StoreMonitor {
    async fn create_subscription(&self, new: NewSubscription) -> StoreResult<Subscription> {
        self.timed("create_subscription", self.inner.create_subscription(new))
            .await
    }

    async fn get_subscription(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
    ) -> StoreResult<Option<Subscription>> {
        self.timed("get_subscription", self.inner.get_subscription(org, id))
            .await
    }

    async fn list_subscriptions(&self, query: SubscriptionQuery) -> StoreResult<Vec<Subscription>> {
        self.timed("list_subscriptions", self.inner.list_subscriptions(query))
            .await
    }

    async fn update_subscription(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        patch: SubscriptionPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Subscription>> {
        self.timed(
            "update_subscription",
            self.inner.update_subscription(org, id, patch, now),
        )
        .await
    }

    async fn delete_subscription(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<u64>> {
        self.timed(
            "delete_subscription",
            self.inner.delete_subscription(org, id, now),
        )
        .await
    }

    async fn emit_events(
        &self,
        requests: &[&[NewEvent]],
        limits: EmitLimits,
    ) -> StoreResult<Vec<EmitOutcome>> {
        self.timed("emit_events", self.inner.emit_events(requests, limits))
            .await
    }

    async fn emit_and_lease(
        &self,
        requests: &[&[NewEvent]],
        limits: EmitLimits,
        intake: &dyn Intake,
    ) -> StoreResult<(Vec<EmitOutcome>, Vec<WorkItem>)> {
        self.timed(
            "emit_events",
            self.inner.emit_and_lease(requests, limits, intake),
        )
        .await
    }

    async fn get_event(
        &self,
        org: &OrganizationId,
        id: EventId,
    ) -> StoreResult<Option<StoredEvent>> {
        self.timed("get_event", self.inner.get_event(org, id)).await
    }

    async fn list_deliveries(&self, query: DeliveryQuery) -> StoreResult<DeliveryLog> {
        self.timed("list_deliveries", self.inner.list_deliveries(query))
            .await
    }

    async fn get_delivery(
        &self,
        org: &OrganizationId,
        id: DeliveryId,
    ) -> StoreResult<Option<(Delivery, Vec<Attempt>)>> {
        self.timed("get_delivery", self.inner.get_delivery(org, id))
            .await
    }

    async fn redeliver(
        &self,
        org: &OrganizationId,
        id: DeliveryId,
        now: DateTime<Utc>,
    ) -> StoreResult<RedeliverOutcome> {
        self.timed("redeliver", self.inner.redeliver(org, id, now))
            .await
    }

    async fn replay(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ReplayCounts>> {
        self.timed("replay", self.inner.replay(org, id, since, now))
            .await
    }

    async fn record_test_delivery(&self, test: TestDeliveryRecord) -> StoreResult<()> {
        self.timed(
            "record_test_delivery",
            self.inner.record_test_delivery(test),
        )
        .await
    }

    async fn due_subscriptions(&self, now: DateTime<Utc>) -> StoreResult<Vec<SubscriptionId>> {
        self.timed("due_subscriptions", self.inner.due_subscriptions(now))
            .await
    }

    async fn subscription_organizations(
        &self,
        ids: &[SubscriptionId],
    ) -> StoreResult<Vec<(SubscriptionId, OrganizationId)>> {
        self.timed(
            "subscription_organizations",
            self.inner.subscription_organizations(ids),
        )
        .await
    }

    async fn claim(
        &self,
        lease: Lease<'_>,
        wants: &[(SubscriptionId, u32)],
    ) -> StoreResult<Vec<WorkItem>> {
        self.timed("claim", self.inner.claim(lease, wants)).await
    }

    async fn claim_expired(&self, lease: Lease<'_>, limit: u32) -> StoreResult<Vec<WorkItem>> {
        self.timed("claim_expired", self.inner.claim_expired(lease, limit))
            .await
    }

    async fn record_attempts(
        &self,
        outcomes: &[AttemptOutcome],
        policy: HealthPolicy,
    ) -> StoreResult<Vec<AfterAttempt>> {
        self.timed(
            "record_attempts",
            self.inner.record_attempts(outcomes, policy),
        )
        .await
    }

    async fn record_and_claim(
        &self,
        outcomes: &[AttemptOutcome],
        policy: HealthPolicy,
        lease: Lease<'_>,
        wants: &[(SubscriptionId, u32)],
    ) -> StoreResult<(Vec<AfterAttempt>, Vec<WorkItem>)> {
        self.timed(
            "record_and_claim",
            self.inner.record_and_claim(outcomes, policy, lease, wants),
        )
        .await
    }

    async fn stats(&self, now: DateTime<Utc>) -> StoreResult<StoreStats> {
        self.timed("stats", self.inner.stats(now)).await
    }

    async fn release(&self, owner: &str, ids: &[DeliveryId]) -> StoreResult<()> {
        self.timed("release", self.inner.release(owner, ids)).await
    }

    fn wakeups(&self) -> Option<tokio::sync::mpsc::Receiver<Wakeup>> {
        self.inner.wakeups()
    }

    async fn recover_leases(&self) -> StoreResult<u64> {
        self.timed("recover_leases", self.inner.recover_leases())
            .await
    }

    fn listen_host(&self) -> &str {
        self.inner.listen_host()
    }

    fn writes_from_any_thread(&self) -> bool {
        self.inner.writes_from_any_thread()
    }

    async fn purge_listen_subscriptions(
        &self,
        live: &[SubscriptionId],
        created_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.observe(
            self.inner
                .purge_listen_subscriptions(live, created_before, now)
                .await,
        )
    }

    async fn rotate_secrets(&self) -> StoreResult<SecretRotation> {
        self.timed("rotate_secrets", self.inner.rotate_secrets())
            .await
    }

    async fn heartbeat(&self) -> StoreResult<()> {
        self.timed("heartbeat", self.inner.heartbeat()).await
    }

    /// Stops the probe, then closes the wrapped store.
    async fn close(&self) {
        self.stop.cancel();
        self.probe.wait().await;
        self.inner.close().await;
    }

    async fn create_api_key(&self, new: NewApiKey) -> StoreResult<ApiKeyRecord> {
        self.timed("create_api_key", self.inner.create_api_key(new))
            .await
    }

    async fn find_api_key(&self, hash: &KeyHash) -> StoreResult<Option<ApiKeyRecord>> {
        self.timed("find_api_key", self.inner.find_api_key(hash))
            .await
    }

    async fn list_api_keys(&self, query: ApiKeyQuery) -> StoreResult<Vec<ApiKeyRecord>> {
        self.timed("list_api_keys", self.inner.list_api_keys(query))
            .await
    }

    async fn revoke_api_key(
        &self,
        org: Option<&OrganizationId>,
        id: ApiKeyId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ApiKeyRecord>> {
        self.timed("revoke_api_key", self.inner.revoke_api_key(org, id, now))
            .await
    }

    async fn create_embed_token(&self, new: NewEmbedToken) -> StoreResult<EmbedTokenRecord> {
        self.observe(self.inner.create_embed_token(new).await)
    }

    async fn find_embed_token(&self, hash: &KeyHash) -> StoreResult<Option<EmbedTokenRecord>> {
        self.observe(self.inner.find_embed_token(hash).await)
    }

    async fn purge_finished(
        &self,
        before: DateTime<Utc>,
        after: Option<EventId>,
        limit: u32,
    ) -> StoreResult<PurgeBatch> {
        self.timed(
            "purge_finished",
            self.inner.purge_finished(before, after, limit),
        )
        .await
    }
}
