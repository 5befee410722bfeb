//! The store alone: the end-to-end run's leases and records, with no HTTP
//! and no service process, on a SQLite file of its own in this process. The
//! engine cannot deliver faster than its store takes leases and records
//! attempts, so this rate bounds the end-to-end one on the same machine,
//! whatever the HTTP side costs.
//!
//! It drives the real [`Store`] as the engine does in its steady state: a
//! window of leased deliveries, each group of finished attempts recorded in
//! one transaction that also leases as many replacements
//! ([`Store::record_and_claim`]), every attempt a success.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use inboundflow_webhooks::domain::delivery::{AttemptReport, NextStep};
use inboundflow_webhooks::domain::event::EventType;
use inboundflow_webhooks::domain::health::HealthPolicy;
use inboundflow_webhooks::domain::ids::{EventId, OrganizationId, SubscriptionId};
use inboundflow_webhooks::domain::limits::DeliveryLimits;
use inboundflow_webhooks::domain::outcome::AttemptOutcome;
use inboundflow_webhooks::domain::signing::SignatureScheme;
use inboundflow_webhooks::domain::subscription::{
    EventTypes, Integration, SigningSecret, SubscriptionState, TargetUrl,
};
use inboundflow_webhooks::store::{
    self, EmitLimits, Lease, NewEvent, NewSubscription, Store, StoreOptions, WorkItem,
};

use crate::phases::Run;

/// Deliveries leased at once, as the bench gives the service (512 per organization).
const WINDOW: usize = 512;
/// Outcomes per recording transaction: about what the engine's recorder
/// gathers in the end-to-end run.
const GROUP: usize = 256;
/// Events per emit transaction while filling the store (not timed).
const FILL_BATCH: usize = 1_000;

impl Run {
    /// The end-to-end run's store work alone, as the module says.
    pub async fn store_floor(
        &mut self,
        dir: &Path,
        deliveries: u64,
        subscriptions: u64,
    ) -> anyhow::Result<()> {
        self.progress
            .phase("the store alone: leases and records, no HTTP");
        let done = Arc::new(AtomicU64::new(0));
        self.progress.watch(&done);
        let floor = run(dir, deliveries, subscriptions, &done).await?;
        let what = format!(
            "the store alone ({} deliveries over {subscriptions} subscriptions, SQLite in the bench process, no HTTP)",
            floor.delivered
        );
        self.rate_rows(&what, "CPU", floor.delivered, floor.took, floor.cpu);
        Ok(())
    }
}

pub struct Floor {
    pub delivered: u64,
    pub took: Duration,
    /// This process's CPU seconds over the timed part (SQLite's worker
    /// thread included).
    pub cpu: f64,
}

/// Stores `deliveries` events spread over `subscriptions`, then leases and
/// records every delivery as the engine would; `done` counts those recorded
/// so far.
pub async fn run(
    dir: &Path,
    deliveries: u64,
    subscriptions: u64,
    done: &AtomicU64,
) -> anyhow::Result<Floor> {
    let url = format!("sqlite://{}", dir.join("store-floor.db").display());
    let store = store::open(&url, StoreOptions::default()).await?;
    let org = OrganizationId::from_stored("bench_store_floor".to_owned());
    let mut ids = Vec::new();
    for _ in 0..subscriptions.max(1) {
        ids.push(subscribe(store.as_ref(), &org).await?);
    }
    fill(store.as_ref(), &org, deliveries, subscriptions).await?;

    let cpu = crate::service::own_cpu_seconds().unwrap_or_default();
    let started = Instant::now();
    let delivered = drain(store.as_ref(), &ids, done).await?;
    let took = started.elapsed();
    let cpu = crate::service::own_cpu_seconds().unwrap_or_default() - cpu;
    store.close().await;
    let stored = deliveries.div_ceil(subscriptions.max(1)) * subscriptions.max(1);
    anyhow::ensure!(
        delivered == stored,
        "the store handed out {delivered} of {stored} deliveries"
    );
    Ok(Floor {
        delivered,
        took,
        cpu,
    })
}

async fn subscribe(store: &dyn Store, org: &OrganizationId) -> anyhow::Result<SubscriptionId> {
    let url = TargetUrl::from_stored("http://127.0.0.1:9/store-floor")
        .ok_or_else(|| anyhow::anyhow!("the floor's URL does not parse"))?;
    let created = store
        .create_subscription(NewSubscription {
            id: SubscriptionId::new(),
            organization_id: org.clone(),
            url,
            integration: Integration::Custom,
            event_types: EventTypes::from_mask(EventType::CallCompleted.bit()),
            description: "store floor".to_owned(),
            signing_secret: Some(SigningSecret::generate()),
            signature_scheme: SignatureScheme::default(),
            limits: DeliveryLimits {
                max_in_flight: None,
                max_per_second: None,
            },
            state: SubscriptionState::Enabled,
            now: Utc::now(),
        })
        .await?;
    Ok(created.id)
}

/// Stores the events; every subscription takes each one, so there are
/// `deliveries / subscriptions` of them, rounded up.
async fn fill(
    store: &dyn Store,
    org: &OrganizationId,
    deliveries: u64,
    subscriptions: u64,
) -> anyhow::Result<()> {
    // The store keeps `data` as it is given: what counts here is its size.
    let data = crate::client::sample_body();
    let limits = EmitLimits {
        deliveries_per_request: u64::MAX,
        deliveries_per_transaction: u64::MAX,
    };
    let mut events = Vec::with_capacity(FILL_BATCH);
    let mut left = deliveries.div_ceil(subscriptions.max(1));
    while left > 0 {
        events.clear();
        for _ in 0..left.min(FILL_BATCH as u64) {
            let now = Utc::now();
            events.push(NewEvent {
                id: EventId::new(),
                organization_id: org.clone(),
                event_type: EventType::CallCompleted,
                data_json: data.clone(),
                occurred_at: now,
                idempotency_key: None,
                now,
            });
        }
        store.emit_events(&[&events], limits).await?;
        left -= events.len() as u64;
    }
    Ok(())
}

/// Leases a window, then records it group by group, each group's
/// transaction leasing its replacements, until nothing is left.
async fn drain(store: &dyn Store, ids: &[SubscriptionId], done: &AtomicU64) -> anyhow::Result<u64> {
    let owner = "store-floor";
    let per_subscription = (WINDOW / ids.len()).max(1) as u32;
    let wants: Vec<(SubscriptionId, u32)> = ids.iter().map(|id| (*id, per_subscription)).collect();
    let mut window: Vec<WorkItem> = store.claim(lease(owner), &wants).await?;
    // Every attempt succeeds, so no threshold is ever reached.
    let policy = HealthPolicy {
        failure_threshold: 10,
    };
    let mut delivered = 0u64;
    while !window.is_empty() {
        let group: Vec<WorkItem> = window.drain(..GROUP.min(window.len())).collect();
        let outcomes: Vec<AttemptOutcome> = group.iter().map(succeeded).collect();
        let mut again: HashMap<SubscriptionId, u32> = HashMap::new();
        for item in &group {
            *again.entry(item.subscription_id).or_default() += 1;
        }
        let mut again: Vec<(SubscriptionId, u32)> = again.into_iter().collect();
        again.sort();
        let (_, next) = store
            .record_and_claim(&outcomes, policy, lease(owner), &again)
            .await?;
        delivered += group.len() as u64;
        done.store(delivered, Ordering::Relaxed);
        window.extend(next);
    }
    Ok(delivered)
}

fn lease(owner: &str) -> Lease<'_> {
    let now = Utc::now();
    Lease {
        owner,
        now,
        until: now + chrono::Duration::seconds(60),
    }
}

/// What the engine records for a 200 answered in a millisecond.
fn succeeded(item: &WorkItem) -> AttemptOutcome {
    AttemptOutcome {
        delivery_id: item.delivery_id,
        subscription_id: item.subscription_id,
        report: AttemptReport {
            started_at: Utc::now(),
            duration: Duration::from_millis(1),
            status_code: Some(200),
            error: None,
            error_kind: None,
            local: false,
            retry_after: None,
            response_excerpt: "ok".to_owned(),
        },
        next: NextStep::Succeeded,
        round_failures: 0,
    }
}
