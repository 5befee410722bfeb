//! [`StoreMonitor`]'s pass-through: every [`Store`] call goes to the inner
//! store, timed, with its result watched for storage faults.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreMonitor;
use crate::domain::api_key::KeyHash;
use crate::domain::health::{AfterAttempt, HealthPolicy};
use crate::domain::ids::{ApiKeyId, DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::store::*;

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
