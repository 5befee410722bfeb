//! Persistence behind one trait, so the API and the delivery engine never know
//! which database they run on. [`sqlite`] is the embedded default;
//! [`postgres`] is shared by several instances. [`open`] picks one by URL.
//!
//! Invariants every backend keeps:
//! - an emit's event and all its deliveries commit in one transaction, before
//!   the caller is answered;
//! - one (event, subscription) pair has at most one delivery (a unique index);
//! - work is handed out by leases: a claimed delivery is `in_flight` with an
//!   owner and an expiry, and an expired lease makes it claimable again;
//! - every query is scoped by organization where a client names a resource.
//!
//! Backends hold no business rules: where a change depends on what is stored
//! (an attempt's consequences, reactivation, redelivery, an emit's fan-out),
//! the backend reads the rows inside its transaction, locked against other
//! writers, lets the rule decide (in [`crate::domain`], or [`emit_plan`]),
//! writes what it decided and commits. The trait's methods say which rule
//! each one applies.

pub mod emit_plan;
pub mod group_commit;
pub mod keys;
pub mod monitor;
mod open;
pub mod postgres;
pub mod records;
pub mod retention;
pub mod sqlite;
mod sqlx_error;
pub mod work;
pub mod writer_thread;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::api_key::KeyHash;
use crate::domain::health::{AfterAttempt, HealthPolicy};
use crate::domain::ids::{ApiKeyId, DeliveryId, EventId, OrganizationId, SubscriptionId};
pub use crate::domain::outcome::AttemptOutcome;
use crate::domain::secret_box::OpenError;
use crate::domain::signing::RotationRefusal;
pub use keys::*;
pub use open::{Backend, StoreOptions, open, redacted_url};
pub use records::*;
pub use work::*;

/// A driver's error, kept as the cause of a [`StoreError`] without naming
/// the driver's types, so nothing above the store depends on one.
pub type DriverError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A storage failure that is not a bug: the same call may succeed later,
/// once the condition passes. Each backend sorts its driver's errors into
/// these (by error code, never by message text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The database cannot be reached or written: a lost connection, an I/O
    /// error, a lock held past the timeout, a read-only or missing file.
    Unavailable,
    /// The database or the disk it is on is full.
    Full,
}

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed: unreachable, an I/O error, a failed statement.
    #[error("database error")]
    Database(#[source] DriverError),
    /// The database cannot be reached or written right now; the
    /// transaction was rolled back (nothing of it is stored).
    #[error("the database is unavailable")]
    Unavailable(#[source] DriverError),
    /// The database or its disk is full; the transaction was rolled back.
    #[error("the database is full")]
    Full(#[source] DriverError),
    #[error("database migration failed")]
    Migrate(#[source] DriverError),
    /// The database URL names no backend this build can open.
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(&'static str),
    /// An idempotency key was reused for a different event.
    #[error("idempotency key of request {index} was already used for a different event")]
    IdempotencyConflict { index: usize },
    /// The organization already has as many subscriptions as it may.
    #[error("organization {organization} already has {limit} subscriptions, the most it may have")]
    SubscriptionLimit {
        organization: OrganizationId,
        limit: u32,
    },
    /// A secret rotation the subscription's state does not allow.
    #[error("the signing secret cannot be rotated now: {0:?}")]
    Rotation(RotationRefusal),
    /// An emit request would create more deliveries than one request may.
    #[error(
        "the request would create {deliveries} deliveries, more than the {limit} one request may"
    )]
    TooManyDeliveries { deliveries: u64, limit: u64 },
    /// A stored row could not be read back (a bug or a hand-edited database).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// A stored signing secret does not open with the configured keys.
    #[error("signing secret of subscription {subscription} cannot be read")]
    SigningSecret {
        subscription: SubscriptionId,
        #[source]
        source: OpenError,
    },
    /// The database's files, or the key file beside it, cannot be set up.
    #[error("cannot set up the database files")]
    Files(#[from] sqlite::FileError),
    /// A PostgreSQL database has no key file: its secret keys must be given.
    #[error(
        "a PostgreSQL database needs keys for its signing secrets: \
         set INBOUNDFLOW_SECRET_KEYS (or --secret-keys)"
    )]
    NoSecretKeys,
}

impl StoreError {
    /// The storage fault this error is, if it is one (not a bug, not a
    /// refusal): a caller may retry it later.
    pub fn fault(&self) -> Option<Fault> {
        match self {
            StoreError::Unavailable(_) => Some(Fault::Unavailable),
            StoreError::Full(_) => Some(Fault::Full),
            _ => None,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Work that another instance sharing the database committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wakeup {
    /// These subscriptions may have deliveries due now.
    Due(Vec<SubscriptionId>),
    /// Some wakeups may have been missed (the store lost its connection
    /// meanwhile): only a full look at the store finds their work.
    Sweep,
}

/// Everything the service stores.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // Subscriptions.
    /// Creates a subscription unless its organization is at its cap
    /// ([`StoreError::SubscriptionLimit`]), checked in the same transaction;
    /// returns it as that transaction stored it.
    async fn create_subscription(&self, new: NewSubscription) -> StoreResult<Subscription>;
    async fn get_subscription(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
    ) -> StoreResult<Option<Subscription>>;
    async fn list_subscriptions(&self, query: SubscriptionQuery) -> StoreResult<Vec<Subscription>>;
    /// Applies the patch in one transaction and returns the subscription as
    /// it left it (`None`: no such subscription). `enabled` follows
    /// [`Health::set_enabled`](crate::domain::health::Health::set_enabled)
    /// on the health read (locked) in that transaction; when it answers
    /// [`Waiting::DueNow`](crate::domain::health::Waiting::DueNow), the
    /// subscription's pending deliveries scheduled later than `now` become
    /// due at `now`. A [`Rotation`] is checked in that transaction too
    /// ([`StoreError::Rotation`] when refused).
    async fn update_subscription(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        patch: SubscriptionPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Subscription>>;
    /// Deletes a subscription and cancels its waiting deliveries; returns how
    /// many were cancelled, or `None` when there is no such subscription.
    async fn delete_subscription(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<u64>>;

    // Events.
    /// Stores emit requests in one transaction, each all or nothing: one
    /// outcome per request, in order. A request refused or deferred stores
    /// nothing and leaves the others as they are.
    async fn emit_events(
        &self,
        requests: &[&[NewEvent]],
        limits: EmitLimits,
    ) -> StoreResult<Vec<EmitOutcome>>;
    /// [`emit_events`](Self::emit_events), also leasing to `intake`, in the
    /// same transaction, the fresh deliveries it has room for; returns them
    /// ready to send.
    async fn emit_and_lease(
        &self,
        requests: &[&[NewEvent]],
        limits: EmitLimits,
        intake: &dyn Intake,
    ) -> StoreResult<(Vec<EmitOutcome>, Vec<WorkItem>)>;
    async fn get_event(
        &self,
        org: &OrganizationId,
        id: EventId,
    ) -> StoreResult<Option<StoredEvent>>;

    // The delivery log.
    async fn list_deliveries(&self, query: DeliveryQuery) -> StoreResult<DeliveryLog>;
    async fn get_delivery(
        &self,
        org: &OrganizationId,
        id: DeliveryId,
    ) -> StoreResult<Option<(Delivery, Vec<Attempt>)>>;
    /// Schedules a delivery again, due `now`, with a fresh round of retries
    /// (pending, no lease), if
    /// [`may_redeliver`](crate::domain::delivery::may_redeliver) allows it on
    /// the delivery as read (locked) in the same transaction. The outcome is
    /// what that transaction did, never a later read.
    async fn redeliver(
        &self,
        org: &OrganizationId,
        id: DeliveryId,
        now: DateTime<Utc>,
    ) -> StoreResult<RedeliverOutcome>;
    /// Schedules every non-test event of the subscription's types since
    /// `since` that it has not received: new deliveries for events it never
    /// had one of, failed ones again. `None` when there is no such subscription.
    async fn replay(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ReplayCounts>>;
    /// Records a "Test webhook" delivery: its sample event, the delivery and its one attempt.
    async fn record_test_delivery(&self, test: TestDeliveryRecord) -> StoreResult<()>;

    // The delivery engine.
    /// Enabled subscriptions with deliveries due now.
    async fn due_subscriptions(&self, now: DateTime<Utc>) -> StoreResult<Vec<SubscriptionId>>;
    /// The organization of each of these subscriptions that is not deleted.
    async fn subscription_organizations(
        &self,
        ids: &[SubscriptionId],
    ) -> StoreResult<Vec<(SubscriptionId, OrganizationId)>>;
    /// Leases, per subscription, up to the given number of its due
    /// deliveries (oldest due first), if the subscription is enabled.
    async fn claim(
        &self,
        lease: Lease<'_>,
        wants: &[(SubscriptionId, u32)],
    ) -> StoreResult<Vec<WorkItem>>;
    /// Leases up to `limit` deliveries whose lease expired (their outcome was
    /// never recorded: recording failed, or the process holding them died),
    /// of enabled subscriptions.
    async fn claim_expired(&self, lease: Lease<'_>, limit: u32) -> StoreResult<Vec<WorkItem>>;
    /// Records a group of attempts, in the order they finished, and their
    /// consequences in one transaction:
    /// 1. reads the progress of every delivery in the group, locked
    ///    (`SELECT … FOR UPDATE` where instances share the database), folds
    ///    the outcomes into it with
    ///    [`outcome::advance`](crate::domain::outcome::advance), writes the
    ///    updates and inserts the attempt rows;
    /// 2. reads the health of every subscription in the group, locked, folds
    ///    the outcomes into it with [`health::fold`](crate::domain::health::fold)
    ///    under `policy` (counting, automatic disabling), and writes back what
    ///    changed.
    ///
    /// Rows are locked in id order. Returns the health after each attempt.
    async fn record_attempts(
        &self,
        outcomes: &[AttemptOutcome],
        policy: HealthPolicy,
    ) -> StoreResult<Vec<AfterAttempt>>;
    /// [`Store::record_attempts`], then, in the same transaction, leases per
    /// subscription up to the wanted number of its due deliveries as
    /// [`Store::claim`] does: an attempt finishing hands its slot straight
    /// to the next delivery of its subscription, with no claim transaction
    /// of its own. The claim sees the health just written, so a subscription
    /// this group disabled gets nothing.
    async fn record_and_claim(
        &self,
        outcomes: &[AttemptOutcome],
        policy: HealthPolicy,
        lease: Lease<'_>,
        wants: &[(SubscriptionId, u32)],
    ) -> StoreResult<(Vec<AfterAttempt>, Vec<WorkItem>)> {
        let after = self.record_attempts(outcomes, policy).await?;
        let work = self.claim(lease, wants).await?;
        Ok((after, work))
    }
    /// Counts for the metrics: see [`StoreStats`].
    async fn stats(&self, now: DateTime<Utc>) -> StoreResult<StoreStats>;
    /// Gives leased deliveries back without an attempt (shutdown, a full worker pool).
    async fn release(&self, owner: &str, ids: &[DeliveryId]) -> StoreResult<()>;
    /// Called once, by the engine at start: news of work other instances on
    /// the same database committed (emits, replays, redeliveries,
    /// reactivations, leases given back), or `None` when no other instance
    /// can share the database (SQLite).
    fn wakeups(&self) -> Option<tokio::sync::mpsc::Receiver<Wakeup>> {
        None
    }
    /// Called once at start: frees leases a crashed process left behind.
    /// SQLite (one process per file) frees every lease; PostgreSQL frees
    /// those of instances no longer connected and expired ones, never a
    /// live instance's.
    async fn recover_leases(&self) -> StoreResult<u64>;

    // Listen sessions (see `delivery::listen_sessions`).
    /// The host name in this instance's `listen://<host>/<subscription id>`
    /// URLs: it tells, on a shared database, whose session a temporary
    /// subscription is.
    fn listen_host(&self) -> &str;
    /// Whether the loops that write (group commit, the attempt recorder)
    /// may run on threads of their own ([`writer_thread`]): only when a
    /// connection works from any runtime. SQLite's connections are threads
    /// of their own; a PostgreSQL connection is a socket registered with
    /// the runtime that opened it, and would stop working once that
    /// thread's runtime ends at shutdown while other tasks still use it.
    fn writes_from_any_thread(&self) -> bool {
        false
    }
    /// Deletes (as [`Store::delete_subscription`] does) the temporary
    /// `listen://` subscriptions created before `created_before` whose
    /// session cannot be alive: this instance's not in `live`, and, on a
    /// database shared by several instances, those of instances no longer
    /// connected. Returns how many were deleted.
    async fn purge_listen_subscriptions(
        &self,
        live: &[SubscriptionId],
        created_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

    // Upkeep.
    /// Seals every stored signing secret again with the first key, so older
    /// keys can be dropped.
    async fn rotate_secrets(&self) -> StoreResult<SecretRotation>;
    /// Proves the store can write again after a fault, cheaply: a small
    /// committed write that also needs some free room (so a full database
    /// does not pass it by rewriting a page in place).
    async fn heartbeat(&self) -> StoreResult<()>;
    /// Stops the store's own background work and closes its connections,
    /// waiting for both. Called once, after everything using the store stopped.
    async fn close(&self);
    // Retention.
    /// Deletes, in one short transaction, events created before `before`
    /// whose deliveries all finished before it (succeeded or cancelled; test
    /// deliveries whatever their outcome), with those deliveries and their
    /// attempts. It looks at up to `limit` events after `after`, in id order,
    /// and deletes at most about [`PURGE_DELIVERIES`] deliveries (one event's
    /// at least); the batch says where the next one starts.
    async fn purge_finished(
        &self,
        before: DateTime<Utc>,
        after: Option<EventId>,
        limit: u32,
    ) -> StoreResult<PurgeBatch>;

    // API keys.
    async fn create_api_key(&self, new: NewApiKey) -> StoreResult<ApiKeyRecord>;
    /// The key with this hash, revoked or not.
    async fn find_api_key(&self, hash: &KeyHash) -> StoreResult<Option<ApiKeyRecord>>;
    async fn list_api_keys(&self, query: ApiKeyQuery) -> StoreResult<Vec<ApiKeyRecord>>;
    /// Revokes a key of `org` (`None`: any key, for operators); returns it as
    /// revoked (revoking twice keeps the first time), or `None` when there is none.
    async fn revoke_api_key(
        &self,
        org: Option<&OrganizationId>,
        id: ApiKeyId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ApiKeyRecord>>;

    // Embed tokens.
    /// Stores a token, and deletes (a bounded number of) tokens that expired
    /// before `new`'s creation, so they never pile up.
    async fn create_embed_token(&self, new: NewEmbedToken) -> StoreResult<EmbedTokenRecord>;
    /// The token with this hash, expired or not, unless the key that minted
    /// it was revoked.
    async fn find_embed_token(&self, hash: &KeyHash) -> StoreResult<Option<EmbedTokenRecord>>;
}
