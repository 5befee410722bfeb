//! Leases due deliveries and starts their attempts. It wakes when an emit
//! commits, when an attempt finishes (capacity freed), when the next retry is
//! due, or at the idle poll at the latest (work another process left behind).

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use super::Engine;
use crate::domain::time;
use crate::store::ClaimRequest;
use crate::telemetry::error_chain;

/// Most deliveries leased in one claim.
const CLAIM_BATCH: usize = 256;

pub async fn run(engine: Engine, shutdown: CancellationToken) {
    let inner = &engine.inner;
    match inner.store.recover_leases().await {
        Ok(0) => {}
        Ok(n) => info!(deliveries = n, "released leases left by a previous process"),
        Err(e) => error!(error = %error_chain(&e), "could not release old leases"),
    }
    while !shutdown.is_cancelled() {
        let wait = match claim_and_start(&engine).await {
            Ok(true) => continue,
            Ok(false) => idle_wait(&engine).await,
            Err(e) => {
                error!(error = %error_chain(&e), "claiming deliveries failed");
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            _ = inner.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.cancelled() => {}
        }
    }
    info!("delivery dispatcher stopped");
}

/// Leases what is due and can run now; `true` when there may be more.
async fn claim_and_start(engine: &Engine) -> crate::store::StoreResult<bool> {
    let inner = &engine.inner;
    let free = inner.permits.available_permits().min(CLAIM_BATCH);
    if free == 0 {
        return Ok(false);
    }
    let now = time::now();
    let lease = chrono::Duration::from_std(inner.config.lease()).unwrap_or(chrono::Duration::MAX);
    let skip = inner.slots.saturated();
    let items = inner
        .store
        .claim_due(ClaimRequest {
            owner: &inner.owner,
            now,
            lease_until: now + lease,
            limit: u32::try_from(free).unwrap_or(u32::MAX),
            skip: &skip,
        })
        .await?;
    let claimed = items.len();
    let mut give_back = Vec::new();
    for item in items {
        let Some(slot) = inner.slots.try_take(item.subscription_id) else {
            give_back.push(item.delivery_id);
            continue;
        };
        let Ok(permit) = inner.permits.clone().try_acquire_owned() else {
            give_back.push(item.delivery_id);
            continue;
        };
        let engine = engine.clone();
        inner.tasks.spawn(async move {
            super::attempt::run(&engine, item).await;
            drop(slot);
            drop(permit);
            engine.wake();
        });
    }
    if !give_back.is_empty() {
        inner.store.release(&inner.owner, &give_back).await?;
    }
    Ok(claimed == free && give_back.is_empty())
}

/// How long to sleep when nothing more can be claimed now: until the next
/// retry is due, within the idle poll. Work that is due but blocked by a
/// subscription's cap waits for an attempt to finish (which wakes us).
async fn idle_wait(engine: &Engine) -> Duration {
    let poll = engine.inner.config.idle_poll;
    match engine.inner.store.next_due_at().await {
        Ok(Some(due)) => {
            let now = time::now();
            if due > now {
                (due - now).to_std().unwrap_or(poll).min(poll)
            } else {
                poll
            }
        }
        Ok(None) => poll,
        Err(e) => {
            error!(error = %error_chain(&e), "reading the next due delivery failed");
            poll
        }
    }
}
