//! PostgreSQL: one database shared by any number of service instances.
//!
//! Every instance opens its own pool, whose connections carry the instance's
//! name as `application_name`. Leases record that name beside their owner, so
//! an instance starting up can tell the leases of instances still connected
//! (left alone until they expire) from those of instances that are gone
//! (freed at once): see [`work`]. Claims take rows with `FOR UPDATE SKIP
//! LOCKED`, so instances claiming together never wait on or take each
//! other's rows; what one instance commits for the others to send (an
//! emit, a replay, a reactivation) wakes them through `LISTEN`/`NOTIFY`
//! ([`notify`], [`Store::wakeups`]). Writes that must not race across instances (an
//! organization's subscription cap, an idempotency key, a subscription's
//! failure count) lock what they decide on first.
//!
//! Durability is PostgreSQL's own: a commit an emit is acknowledged after is
//! flushed; the engine's leases and attempt records commit with
//! `synchronous_commit = off` (a crash of the database may lose the last of
//! them, which means a delivery is sent again with the same id, as
//! at-least-once allows). Signing secrets are stored sealed with the
//! configured [`SecretKeys`], which PostgreSQL cannot do without: there is no
//! key file beside a server database.

mod api_keys;
mod deliveries;
mod delivery_log;
mod embed_tokens;
mod events;
pub(crate) mod faults;
mod heartbeat;
mod listen;
mod notify;
mod open;
mod outcomes;
mod retention;
mod rows;
mod secrets;
mod subscriptions;
mod work;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::*;
use crate::domain::api_key::KeyHash;
use crate::domain::health::{AfterAttempt, HealthPolicy};
use crate::domain::ids::{ApiKeyId, DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::domain::secret_box::SecretKeys;

/// How a write transaction's commit reaches the disk (see the module docs).
#[derive(Clone, Copy, Debug)]
enum Sync {
    /// For anything a caller is told is done.
    Durable,
    /// For the delivery engine's leases and attempt records.
    Relaxed,
}

/// Starts a transaction with the given durability.
async fn begin(
    pool: &PgPool,
    sync: Sync,
) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    if let Sync::Relaxed = sync {
        sqlx::query("SET LOCAL synchronous_commit = off")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// Takes transaction-scoped locks on these names (an organization's
/// subscriptions, an idempotency key), in one order (of their hashes) so
/// that transactions taking several never deadlock.
async fn lock_names(conn: &mut PgConnection, names: &[String]) -> StoreResult<()> {
    if names.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "SELECT pg_advisory_xact_lock(h) FROM ( \
           SELECT DISTINCT hashtextextended(n, 0) AS h FROM unnest($1::text[]) AS n ORDER BY h \
         ) AS hashes",
    )
    .bind(names)
    .execute(conn)
    .await?;
    Ok(())
}

/// The PostgreSQL store.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    keys: SecretKeys,
    /// This instance's name: its connections' `application_name`.
    instance: Arc<str>,
    /// Subscriptions (not deleted) one organization may have.
    max_subscriptions_per_organization: u32,
    /// The listener for other instances' work, stopped by [`Store::close`].
    tasks: TaskTracker,
    stop: CancellationToken,
}

impl PgStore {
    /// Seals every stored signing secret again with the first key, so older
    /// keys can be dropped; returns how many there are.
    pub async fn rotate_secrets(&self) -> StoreResult<u64> {
        secrets::reseal_all(&self.pool, &self.keys).await
    }

    /// The id of the key that seals signing secrets.
    pub fn sealing_key_id(&self) -> &str {
        self.keys.sealing_key_id()
    }
}

#[async_trait]
impl Store for PgStore {
    async fn create_subscription(&self, new: NewSubscription) -> StoreResult<Subscription> {
        subscriptions::create(
            &self.pool,
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
        subscriptions::get(&self.pool, &self.keys, org, id).await
    }

    async fn list_subscriptions(&self, query: SubscriptionQuery) -> StoreResult<Vec<Subscription>> {
        subscriptions::list(&self.pool, &self.keys, query).await
    }

    async fn update_subscription(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        patch: SubscriptionPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Subscription>> {
        subscriptions::update(&self.pool, &self.keys, &self.instance, org, id, patch, now).await
    }

    async fn delete_subscription(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<u64>> {
        subscriptions::delete(&self.pool, org, id, now).await
    }

    async fn emit_events(
        &self,
        requests: &[&[NewEvent]],
        limits: EmitLimits,
    ) -> StoreResult<Vec<EmitOutcome>> {
        Ok(
            events::emit(&self.pool, &self.instance, requests, limits, None)
                .await?
                .0,
        )
    }

    async fn emit_and_lease(
        &self,
        requests: &[&[NewEvent]],
        limits: EmitLimits,
        intake: &dyn Intake,
    ) -> StoreResult<(Vec<EmitOutcome>, Vec<WorkItem>)> {
        let intake = Some((intake, &self.keys));
        events::emit(&self.pool, &self.instance, requests, limits, intake).await
    }

    async fn get_event(
        &self,
        org: &OrganizationId,
        id: EventId,
    ) -> StoreResult<Option<StoredEvent>> {
        events::get(&self.pool, org, id).await
    }

    async fn list_deliveries(&self, query: DeliveryQuery) -> StoreResult<DeliveryLog> {
        delivery_log::list(&self.pool, query).await
    }

    async fn get_delivery(
        &self,
        org: &OrganizationId,
        id: DeliveryId,
    ) -> StoreResult<Option<(Delivery, Vec<Attempt>)>> {
        deliveries::get(&self.pool, org, id).await
    }

    async fn redeliver(
        &self,
        org: &OrganizationId,
        id: DeliveryId,
        now: DateTime<Utc>,
    ) -> StoreResult<RedeliverOutcome> {
        deliveries::redeliver(&self.pool, &self.instance, org, id, now).await
    }

    async fn replay(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ReplayCounts>> {
        deliveries::replay(&self.pool, &self.instance, org, id, since, now).await
    }

    async fn record_test_delivery(&self, test: TestDeliveryRecord) -> StoreResult<()> {
        deliveries::record_test(&self.pool, test).await
    }

    async fn due_subscriptions(&self, now: DateTime<Utc>) -> StoreResult<Vec<SubscriptionId>> {
        work::due_subscriptions(&self.pool, now).await
    }

    async fn subscription_organizations(
        &self,
        ids: &[SubscriptionId],
    ) -> StoreResult<Vec<(SubscriptionId, OrganizationId)>> {
        work::subscription_organizations(&self.pool, ids).await
    }

    async fn claim(
        &self,
        lease: Lease<'_>,
        wants: &[(SubscriptionId, u32)],
    ) -> StoreResult<Vec<WorkItem>> {
        work::claim(&self.pool, &self.keys, &self.instance, lease, wants).await
    }

    async fn claim_expired(&self, lease: Lease<'_>, limit: u32) -> StoreResult<Vec<WorkItem>> {
        work::claim_expired(&self.pool, &self.keys, &self.instance, lease, limit).await
    }

    async fn record_attempts(
        &self,
        outcomes: &[AttemptOutcome],
        policy: HealthPolicy,
    ) -> StoreResult<Vec<AfterAttempt>> {
        outcomes::record_attempts(&self.pool, outcomes, policy).await
    }

    async fn record_and_claim(
        &self,
        outcomes: &[AttemptOutcome],
        policy: HealthPolicy,
        lease: Lease<'_>,
        wants: &[(SubscriptionId, u32)],
    ) -> StoreResult<(Vec<AfterAttempt>, Vec<WorkItem>)> {
        let mut tx = begin(&self.pool, Sync::Relaxed).await?;
        let after = outcomes::record_in(&mut tx, outcomes, policy).await?;
        let work = work::claim_in(&mut tx, &self.keys, &self.instance, lease, wants).await?;
        tx.commit().await?;
        Ok((after, work))
    }

    async fn stats(&self, now: DateTime<Utc>) -> StoreResult<StoreStats> {
        work::stats(&self.pool, now).await
    }

    async fn release(&self, owner: &str, ids: &[DeliveryId]) -> StoreResult<()> {
        work::release(&self.pool, &self.instance, owner, ids).await
    }

    fn wakeups(&self) -> Option<tokio::sync::mpsc::Receiver<Wakeup>> {
        Some(notify::listen(
            self.pool.clone(),
            self.instance.clone(),
            self.stop.clone(),
            &self.tasks,
        ))
    }

    async fn recover_leases(&self) -> StoreResult<u64> {
        work::recover_leases(&self.pool, &self.instance).await
    }

    async fn purge_finished(
        &self,
        before: DateTime<Utc>,
        after: Option<EventId>,
        limit: u32,
    ) -> StoreResult<PurgeBatch> {
        retention::purge_finished(&self.pool, before, after, limit).await
    }

    async fn create_api_key(&self, new: NewApiKey) -> StoreResult<ApiKeyRecord> {
        api_keys::create(&self.pool, new).await
    }

    async fn find_api_key(&self, hash: &KeyHash) -> StoreResult<Option<ApiKeyRecord>> {
        api_keys::find(&self.pool, hash).await
    }

    async fn list_api_keys(&self, query: ApiKeyQuery) -> StoreResult<Vec<ApiKeyRecord>> {
        api_keys::list(&self.pool, query).await
    }

    async fn revoke_api_key(
        &self,
        org: Option<&OrganizationId>,
        id: ApiKeyId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ApiKeyRecord>> {
        api_keys::revoke(&self.pool, org, id, now).await
    }

    fn listen_host(&self) -> &str {
        &self.instance
    }

    async fn purge_listen_subscriptions(
        &self,
        live: &[SubscriptionId],
        created_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        listen::purge(&self.pool, &self.instance, live, created_before, now).await
    }

    async fn create_embed_token(&self, new: NewEmbedToken) -> StoreResult<EmbedTokenRecord> {
        embed_tokens::create(&self.pool, new).await
    }

    async fn find_embed_token(&self, hash: &KeyHash) -> StoreResult<Option<EmbedTokenRecord>> {
        embed_tokens::find(&self.pool, hash).await
    }

    async fn rotate_secrets(&self) -> StoreResult<SecretRotation> {
        let sealed = secrets::reseal_all(&self.pool, &self.keys).await?;
        Ok(SecretRotation {
            sealed,
            key_id: self.keys.sealing_key_id().to_owned(),
        })
    }

    /// Stops the listener, then closes the pool, waiting for running queries.
    async fn close(&self) {
        self.stop.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        self.pool.close().await;
    }

    async fn heartbeat(&self) -> StoreResult<()> {
        heartbeat::beat(&self.pool).await
    }
}
