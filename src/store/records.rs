//! The rows the store reads and writes, as plain domain values.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::attempt_error::AttemptErrorKind;
use crate::domain::delivery::{AttemptReport, DeliveryStatus, RedeliverRefusal};
use crate::domain::event::{EventData, EventType};
use crate::domain::ids::{DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::domain::limits::DeliveryLimits;
use crate::domain::signing::{PreviousSecret, SignatureScheme, Signing};
use crate::domain::subscription::{
    EventTypes, Integration, SigningSecret, SubscriptionState, TargetUrl,
};

/// A subscription as stored, with its delivery health.
#[derive(Clone, Debug)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub organization_id: OrganizationId,
    pub url: TargetUrl,
    pub integration: Integration,
    pub event_types: EventTypes,
    pub description: String,
    pub signing_secret: Option<SigningSecret>,
    pub signature_scheme: SignatureScheme,
    /// The secret a rotation is replacing, while its grace lasts.
    pub previous_secret: Option<PreviousSecret>,
    pub limits: DeliveryLimits,
    pub state: SubscriptionState,
    pub consecutive_failures: u32,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_kind: Option<AttemptErrorKind>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct NewSubscription {
    pub id: SubscriptionId,
    pub organization_id: OrganizationId,
    pub url: TargetUrl,
    pub integration: Integration,
    pub event_types: EventTypes,
    pub description: String,
    pub signing_secret: Option<SigningSecret>,
    pub signature_scheme: SignatureScheme,
    pub limits: DeliveryLimits,
    pub state: SubscriptionState,
    pub now: DateTime<Utc>,
}

impl Subscription {
    /// How its deliveries are signed.
    pub fn signing(&self) -> Signing<'_> {
        Signing {
            scheme: self.signature_scheme,
            secret: self.signing_secret.as_ref(),
            previous: self.previous_secret.as_ref(),
        }
    }
}

/// The fields an update changes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct SubscriptionPatch {
    pub url: Option<TargetUrl>,
    pub integration: Option<Integration>,
    pub event_types: Option<EventTypes>,
    pub description: Option<String>,
    /// `Some(true)` reactivates (and resets failures), `Some(false)` disables manually.
    pub enabled: Option<bool>,
    /// `Some(None)` removes the signing secret, `Some(Some(s))` replaces it;
    /// either ends a rotation.
    pub signing_secret: Option<Option<SigningSecret>>,
    pub signature_scheme: Option<SignatureScheme>,
    pub rotation: Option<Rotation>,
    /// The in-flight cap as stored (0: the service's default).
    pub max_in_flight: Option<u32>,
    /// The rate limit as stored (0: none).
    pub max_per_second: Option<u32>,
}

/// A step of a signing secret's rotation.
#[derive(Clone, Debug)]
pub enum Rotation {
    /// `secret` becomes the secret; the current one keeps signing beside it
    /// for `grace` (zero: it is dropped at once), if
    /// [`may_rotate`](crate::domain::signing::may_rotate) allows it on the
    /// subscription as read in the same transaction.
    Start {
        secret: SigningSecret,
        grace: Duration,
    },
    /// The grace of a rotation in progress ends now; nothing when there is none.
    Complete,
}

/// The SQL that forgets the secret a rotation was replacing (the same on
/// both backends).
pub const CLEAR_PREVIOUS_SECRET: &str =
    ", previous_signing_secret = NULL, previous_secret_until = NULL";

/// What a rotation step writes, decided once for both backends.
#[derive(Debug)]
pub enum SecretWrite<'a> {
    /// `secret` replaces the current one, which is kept signing until
    /// `keep_current_until` (`None`: dropped at once).
    Replace {
        secret: &'a SigningSecret,
        keep_current_until: Option<DateTime<Utc>>,
    },
    /// The secret being replaced is forgotten.
    DropPrevious,
}

impl Rotation {
    /// The write this step makes on a subscription read (locked) as
    /// `signed` with a rotation in grace until `previous_until`, or the
    /// refusal [`may_rotate`](crate::domain::signing::may_rotate) gives.
    pub fn write(
        &self,
        signed: bool,
        previous_until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<SecretWrite<'_>, StoreError> {
        match self {
            Rotation::Start { secret, grace } => {
                crate::domain::signing::may_rotate(signed, previous_until, *grace, now)
                    .map_err(StoreError::Rotation)?;
                let keep_current_until = (!grace.is_zero()).then(|| {
                    now + chrono::Duration::from_std(*grace).unwrap_or(chrono::Duration::MAX)
                });
                Ok(SecretWrite::Replace {
                    secret,
                    keep_current_until,
                })
            }
            Rotation::Complete => Ok(SecretWrite::DropPrevious),
        }
    }
}

/// One page of an organization's subscriptions, newest first.
#[derive(Clone, Debug)]
pub struct SubscriptionQuery {
    pub organization_id: OrganizationId,
    pub enabled: Option<bool>,
    /// Only ids older than this one (keyset paging).
    pub before: Option<SubscriptionId>,
    pub limit: u32,
}

/// An event to store, with its `data` rendered once, here.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub id: EventId,
    pub organization_id: OrganizationId,
    pub event_type: EventType,
    pub data_json: String,
    pub occurred_at: DateTime<Utc>,
    pub idempotency_key: Option<String>,
    pub now: DateTime<Utc>,
}

impl NewEvent {
    pub fn new(
        organization_id: OrganizationId,
        data: &EventData,
        occurred_at: DateTime<Utc>,
        idempotency_key: Option<String>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: EventId::new(),
            organization_id,
            event_type: data.event_type(),
            data_json: data.to_json(),
            occurred_at,
            idempotency_key,
            now,
        }
    }
}

/// An event as stored. `data_json` is the contract's `data` object, rendered once.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub id: EventId,
    pub organization_id: OrganizationId,
    pub event_type: EventType,
    pub occurred_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub idempotency_key: Option<String>,
    pub data_json: String,
}

/// Most delivery ids an [`EmitResult`] lists for one event (the oldest);
/// `delivery_count` counts them all.
pub const LISTED_DELIVERY_IDS: usize = 100;

/// What an emit stored (or found, for a repeated idempotency key).
#[derive(Clone, Debug)]
pub struct EmitResult {
    pub event: StoredEvent,
    /// The event's first [`LISTED_DELIVERY_IDS`] deliveries, oldest first.
    pub delivery_ids: Vec<DeliveryId>,
    /// Every delivery of the event.
    pub delivery_count: u64,
    /// The subscription of every delivery this emit created and left
    /// waiting (none for a repeated key, nor for deliveries leased to an
    /// [`Intake`]), so the engine can be told they have work.
    pub subscription_ids: Vec<SubscriptionId>,
    pub duplicate: bool,
}

/// Bounds on the deliveries emits create, so no request and no transaction
/// grows with an organization's number of subscriptions unchecked.
#[derive(Clone, Copy, Debug)]
pub struct EmitLimits {
    /// A request (all its events) creating more deliveries than this is refused whole.
    pub deliveries_per_request: u64,
    /// A transaction takes requests until their deliveries would pass this;
    /// the rest wait for the next one. Its first request is always taken.
    pub deliveries_per_transaction: u64,
}

/// What became of one request of a group commit.
#[derive(Debug)]
pub enum EmitOutcome {
    /// Stored (or found again, for repeated idempotency keys): one result per event.
    Stored(Vec<EmitResult>),
    /// Refused whole; nothing of it was stored.
    Refused(StoreError),
    /// Past the transaction's delivery budget; nothing of it was stored, and
    /// it goes first into the next transaction.
    Deferred,
}

/// A delivery as the log shows it.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: DeliveryId,
    pub organization_id: OrganizationId,
    pub event_id: EventId,
    pub subscription_id: SubscriptionId,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempt_count: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub last_error_kind: Option<AttemptErrorKind>,
    pub test: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One attempt as the log shows it.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub number: u32,
    pub started_at: DateTime<Utc>,
    pub duration: Duration,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub error_kind: Option<AttemptErrorKind>,
    pub response_excerpt: String,
}

/// What a delivery-log query found.
#[derive(Clone, Debug)]
pub enum DeliveryLog {
    /// One page, newest first.
    Page(Vec<Delivery>),
    /// The query names a resource (`"subscription"`, `"event"`) its
    /// organization does not have.
    NotFound(&'static str),
}

/// One page of the delivery log, newest first.
#[derive(Clone, Debug)]
pub struct DeliveryQuery {
    pub organization_id: OrganizationId,
    pub subscription_id: Option<SubscriptionId>,
    pub event_id: Option<EventId>,
    pub status: Option<DeliveryStatus>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub before: Option<DeliveryId>,
    pub limit: u32,
}

/// What a redelivery did, decided in its own transaction.
#[derive(Clone, Debug)]
pub enum RedeliverOutcome {
    /// Pending again, due now, with a fresh round of retries: the delivery
    /// as that transaction left it.
    Scheduled(Delivery),
    NotFound,
    /// An attempt is being made right now; its outcome would overwrite ours.
    InFlight,
    /// Test deliveries are not retried; the test is run again instead.
    Test,
    /// The subscription was deleted.
    SubscriptionDeleted,
}

impl From<RedeliverRefusal> for RedeliverOutcome {
    fn from(refusal: RedeliverRefusal) -> Self {
        match refusal {
            RedeliverRefusal::Test => RedeliverOutcome::Test,
            RedeliverRefusal::InFlight => RedeliverOutcome::InFlight,
            RedeliverRefusal::SubscriptionDeleted => RedeliverOutcome::SubscriptionDeleted,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayCounts {
    pub created: u64,
    pub rescheduled: u64,
}

#[derive(Clone, Debug)]
pub struct TestDeliveryRecord {
    pub event: NewEvent,
    pub delivery_id: DeliveryId,
    pub subscription_id: SubscriptionId,
    pub report: AttemptReport,
}

/// What `rotate-secrets` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRotation {
    /// Signing secrets sealed again.
    pub sealed: u64,
    /// The key that sealed them.
    pub key_id: String,
}

/// Most deliveries one retention batch deletes, unless one event alone has more.
pub const PURGE_DELIVERIES: usize = 2000;

/// What one retention batch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeBatch {
    /// The last event looked at: the next batch starts after it. `None`
    /// when no event is left to look at.
    pub last: Option<EventId>,
    pub events: u64,
    pub deliveries: u64,
    pub attempts: u64,
}

/// What the store counts for the metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Deliveries pending, due or scheduled, of any subscription.
    pub waiting: u64,
    /// When the longest-due pending delivery of an enabled subscription
    /// became due (`None`: nothing due).
    pub oldest_due: Option<DateTime<Utc>>,
    /// Subscriptions disabled now (not deleted).
    pub disabled_subscriptions: u64,
}
