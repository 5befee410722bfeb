//! The embedded default: one SQLite file in WAL mode.
//!
//! Writes go through a single-connection pool, so write transactions queue in
//! this process instead of racing for SQLite's lock (a deferred transaction
//! that reads before it writes would otherwise fail with a busy snapshot).
//! Reads use a separate pool and run beside the writer, as WAL allows.
//! `synchronous=FULL`: a commit is on disk before an emit is acknowledged.
//! Signing secrets are stored sealed ([`SecretKeys`]); the database file is
//! private to its owner ([`files`]). Transactions that read rows to decide
//! what to write (by the rules in [`crate::domain`]) begin `IMMEDIATE`,
//! taking the write lock before their first read, so no other connection
//! can change those rows in between.

mod api_keys;
mod checkpoint;
mod connections;
mod deliveries;
mod delivery_log;
mod embed_tokens;
mod events;
pub(crate) mod faults;
mod files;
mod heartbeat;
mod listen;
mod open;
mod outcomes;
mod retention;
mod rows;
mod secrets;
mod subscriptions;
mod work;

pub use connections::SqliteLimits;
pub use files::FileError;
// Pure helpers the PostgreSQL store shares.
pub(crate) use delivery_log::first_id_at;
pub(crate) use events::minted_at;

use connections::{begin_immediate, writer};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::*;
use crate::domain::api_key::KeyHash;
use crate::domain::health::{AfterAttempt, HealthPolicy};
use crate::domain::ids::{ApiKeyId, DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::domain::secret_box::SecretKeys;

/// How a write transaction's commit reaches the disk.
#[derive(Clone, Copy, Debug)]
pub(super) enum Sync {
    /// fsync at commit: for anything a caller is told is done (an emit's
    /// acknowledgement, a subscription change).
    Durable,
    /// No fsync of its own: the delivery engine's leases and attempt records.
    /// Safe against a process crash (the WAL is in the OS's cache); on a power
    /// loss the last of them can be lost, which means a delivery is sent again
    /// with the same id, as at-least-once already allows. The next durable
    /// commit makes them durable too, as the WAL is written in order.
    Relaxed,
}

/// The SQLite store.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    checkpointer: SqlitePool,
    keys: SecretKeys,
    /// Subscriptions (not deleted) one organization may have.
    max_subscriptions_per_organization: u32,
    /// The checkpointer task, stopped and awaited by [`Store::close`].
    background: TaskTracker,
    stop: CancellationToken,
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_subscription(&self, new: NewSubscription) -> StoreResult<Subscription> {
        subscriptions::create(
            &self.writer,
            &self.keys,
            new,
            self.max_subscriptions_per_organization,
        )
        .await
    }

    async fn get_subscription(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
    ) -> StoreResult<Option<Subscription>> {
        subscriptions::get(&self.reader, &self.keys, org, id).await
    }

    async fn list_subscriptions(&self, query: SubscriptionQuery) -> StoreResult<Vec<Subscription>> {
        subscriptions::list(&self.reader, &self.keys, query).await
    }

    async fn update_subscription(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        patch: SubscriptionPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Subscription>> {
        subscriptions::update(&self.writer, &self.keys, org, id, patch, now).await
    }

    async fn delete_subscription(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<u64>> {
        subscriptions::delete(&self.writer, org, id, now).await
    }

    async fn emit_events(
        &self,
        requests: &[&[NewEvent]],
        limits: EmitLimits,
    ) -> StoreResult<Vec<EmitOutcome>> {
        Ok(events::emit(&self.writer, requests, limits, None).await?.0)
    }

    async fn emit_and_lease(
        &self,
        requests: &[&[NewEvent]],
        limits: EmitLimits,
        intake: &dyn Intake,
    ) -> StoreResult<(Vec<EmitOutcome>, Vec<WorkItem>)> {
        events::emit(&self.writer, requests, limits, Some((intake, &self.keys))).await
    }

    async fn get_event(
        &self,
        org: &OrganizationId,
        id: EventId,
    ) -> StoreResult<Option<StoredEvent>> {
        events::get(&self.reader, org, id).await
    }

    async fn list_deliveries(&self, query: DeliveryQuery) -> StoreResult<DeliveryLog> {
        delivery_log::list(&self.reader, query).await
    }

    async fn get_delivery(
        &self,
        org: &OrganizationId,
        id: DeliveryId,
    ) -> StoreResult<Option<(Delivery, Vec<Attempt>)>> {
        deliveries::get(&self.reader, org, id).await
    }

    async fn redeliver(
        &self,
        org: &OrganizationId,
        id: DeliveryId,
        now: DateTime<Utc>,
    ) -> StoreResult<RedeliverOutcome> {
        deliveries::redeliver(&self.writer, org, id, now).await
    }

    async fn replay(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ReplayCounts>> {
        deliveries::replay(&self.writer, org, id, since, now).await
    }

    async fn record_test_delivery(&self, test: TestDeliveryRecord) -> StoreResult<()> {
        deliveries::record_test(&self.writer, test).await
    }

    async fn due_subscriptions(&self, now: DateTime<Utc>) -> StoreResult<Vec<SubscriptionId>> {
        work::due_subscriptions(&self.reader, now).await
    }

    async fn subscription_organizations(
        &self,
        ids: &[SubscriptionId],
    ) -> StoreResult<Vec<(SubscriptionId, OrganizationId)>> {
        work::subscription_organizations(&self.reader, ids).await
    }

    async fn claim(
        &self,
        lease: Lease<'_>,
        wants: &[(SubscriptionId, u32)],
    ) -> StoreResult<Vec<WorkItem>> {
        work::claim(&self.writer, &self.keys, lease, wants).await
    }

    async fn claim_expired(&self, lease: Lease<'_>, limit: u32) -> StoreResult<Vec<WorkItem>> {
        work::claim_expired(&self.writer, &self.keys, lease, limit).await
    }

    async fn record_attempts(
        &self,
        outcomes: &[AttemptOutcome],
        policy: HealthPolicy,
    ) -> StoreResult<Vec<AfterAttempt>> {
        outcomes::record_attempts(&self.writer, outcomes, policy).await
    }

    async fn record_and_claim(
        &self,
        outcomes: &[AttemptOutcome],
        policy: HealthPolicy,
        lease: Lease<'_>,
        wants: &[(SubscriptionId, u32)],
    ) -> StoreResult<(Vec<AfterAttempt>, Vec<WorkItem>)> {
        let mut conn = writer(&self.writer, Sync::Relaxed).await?;
        let mut tx = begin_immediate(&mut conn).await?;
        let after = outcomes::record_in(&mut tx, outcomes, policy).await?;
        let work = work::claim_in(&mut tx, &self.keys, lease, wants).await?;
        tx.commit().await?;
        drop(conn);
        Ok((after, work))
    }

    async fn stats(&self, now: DateTime<Utc>) -> StoreResult<StoreStats> {
        work::stats(&self.reader, now).await
    }

    async fn release(&self, owner: &str, ids: &[DeliveryId]) -> StoreResult<()> {
        work::release(&self.writer, owner, ids).await
    }

    async fn recover_leases(&self) -> StoreResult<u64> {
        work::recover_leases(&self.writer).await
    }

    fn listen_host(&self) -> &str {
        listen::HOST
    }

    fn writes_from_any_thread(&self) -> bool {
        true
    }

    async fn purge_listen_subscriptions(
        &self,
        live: &[SubscriptionId],
        created_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        listen::purge(&self.writer, &self.reader, live, created_before, now).await
    }

    async fn rotate_secrets(&self) -> StoreResult<SecretRotation> {
        let sealed = secrets::reseal_all(&self.writer, &self.keys).await?;
        Ok(SecretRotation {
            sealed,
            key_id: self.keys.sealing_key_id().to_owned(),
        })
    }

    async fn heartbeat(&self) -> StoreResult<()> {
        heartbeat::beat(&self.writer).await
    }

    /// Stops the checkpointer (after a last checkpoint), then closes the
    /// pools, waiting for running queries.
    async fn close(&self) {
        self.stop.cancel();
        self.background.close();
        self.background.wait().await;
        self.checkpointer.close().await;
        self.writer.close().await;
        self.reader.close().await;
    }

    async fn purge_finished(
        &self,
        before: DateTime<Utc>,
        after: Option<EventId>,
        limit: u32,
    ) -> StoreResult<PurgeBatch> {
        retention::purge_finished(&self.writer, before, after, limit).await
    }

    async fn create_api_key(&self, new: NewApiKey) -> StoreResult<ApiKeyRecord> {
        api_keys::create(&self.writer, new).await
    }

    async fn find_api_key(&self, hash: &KeyHash) -> StoreResult<Option<ApiKeyRecord>> {
        api_keys::find(&self.reader, hash).await
    }

    async fn list_api_keys(&self, query: ApiKeyQuery) -> StoreResult<Vec<ApiKeyRecord>> {
        api_keys::list(&self.reader, query).await
    }

    async fn revoke_api_key(
        &self,
        org: Option<&OrganizationId>,
        id: ApiKeyId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ApiKeyRecord>> {
        api_keys::revoke(&self.writer, org, id, now).await
    }

    async fn create_embed_token(&self, new: NewEmbedToken) -> StoreResult<EmbedTokenRecord> {
        embed_tokens::create(&self.writer, new).await
    }

    async fn find_embed_token(&self, hash: &KeyHash) -> StoreResult<Option<EmbedTokenRecord>> {
        embed_tokens::find(&self.reader, hash).await
    }
}
