//! Leases due deliveries and starts their attempts, one subscription at a
//! time and within its free slots and its organization's share, so a
//! subscription or an organization at its cap costs nothing and never delays
//! another's work.
//!
//! Fresh deliveries an emit leased itself (see [`super::intake`]) arrive
//! ready to start. Of the rest it learns from hints ([`Hint`]): an emit
//! names the subscriptions it left deliveries waiting for (they go out at
//! once, no polling tick); a finished attempt schedules a retry, or frees a
//! slot, which makes its subscription ready again only if it had work
//! waiting for one (otherwise the attempt's recording already took the
//! subscription's next due delivery, and a claim would find nothing).
//!
//! With a database shared by several instances, the store's [`Wakeup`]s
//! name the subscriptions another instance made work due for (an emit, a
//! replay, a redelivery, a reactivation), or ask for a sweep when some may
//! have been missed. A sweep asks the store every idle-poll interval (and on
//! demand) which subscriptions have due work, which covers everything a hint
//! cannot: hints dropped when their queue was full, retries scheduled before
//! a restart, and deliveries whose lease expired because their outcome could
//! not be recorded (or, with a database shared by several instances, because
//! the instance holding them died).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use super::Engine;
use super::schedule::Schedule;
use super::slots::Slots;
use crate::domain::ids::{DeliveryId, OrganizationId, SubscriptionId};
use crate::domain::time;
use crate::store::{StoreError, StoreResult, Wakeup, WorkItem};
use crate::telemetry::error_chain;

/// Most subscriptions served by one claim transaction.
const SUBSCRIPTIONS_PER_CLAIM: usize = 64;
/// Most expired leases taken over per sweep.
const EXPIRED_PER_SWEEP: u32 = 256;

/// What the dispatcher is told.
#[derive(Clone, Copy, Debug)]
pub enum Hint {
    /// The subscription may have deliveries due now.
    Ready(SubscriptionId),
    /// The subscription has a delivery due at this time.
    At(SubscriptionId, DateTime<Utc>),
    /// One of the subscription's attempts finished and gave up its slot.
    Freed(SubscriptionId),
}

pub async fn run(
    engine: Engine,
    mut hints: mpsc::Receiver<Hint>,
    mut fresh: mpsc::UnboundedReceiver<Vec<WorkItem>>,
    mut wakeups: Option<mpsc::Receiver<Wakeup>>,
    shutdown: CancellationToken,
) {
    let inner = &engine.inner;
    match inner.store.recover_leases().await {
        Ok(0) => {}
        Ok(n) => info!(deliveries = n, "released leases left by a previous process"),
        Err(e) => log_failure(&e, "could not release old leases"),
    }
    let mut schedule = Schedule::default();
    let mut next_sweep = Instant::now();
    while !shutdown.is_cancelled() {
        while let Ok(hint) = hints.try_recv() {
            apply(&mut schedule, hint);
        }
        while let Ok(items) = fresh.try_recv() {
            begin(&engine, &mut schedule, items).await;
        }
        while let Some(wakeup) = wakeups.as_mut().and_then(|w| w.try_recv().ok()) {
            heed(&engine, &mut schedule, wakeup);
        }
        let now = time::now();
        if inner.sweep_requested() || Instant::now() >= next_sweep {
            if let Err(e) = sweep(&engine, &mut schedule, now).await {
                log_failure(&e, "looking for due deliveries failed");
            }
            next_sweep = Instant::now() + inner.config.idle_poll;
        }
        schedule.advance(now);
        if let Err(e) = claim_ready(&engine, &mut schedule).await {
            log_failure(&e, "claiming deliveries failed");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let until_timer = schedule
            .next_timer()
            .map(|at| (at - time::now()).to_std().unwrap_or(Duration::ZERO));
        let until_sweep = next_sweep.saturating_duration_since(Instant::now());
        let wait = until_timer.map_or(until_sweep, |t| t.min(until_sweep));
        tokio::select! {
            hint = hints.recv() => match hint {
                Some(hint) => apply(&mut schedule, hint),
                None => break,
            },
            Some(items) = fresh.recv() => begin(&engine, &mut schedule, items).await,
            wakeup = next_wakeup(&mut wakeups) => match wakeup {
                Some(wakeup) => heed(&engine, &mut schedule, wakeup),
                // The store stopped listening (it is closing): sweeps remain.
                None => wakeups = None,
            },
            _ = inner.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.cancelled() => {}
        }
    }
    // Leased by emits after the last pass: give them back now rather than
    // when their leases expire.
    fresh.close();
    while let Ok(items) = fresh.try_recv() {
        let ids: Vec<DeliveryId> = items.iter().map(|i| i.delivery_id).collect();
        if let Err(e) = inner.store.release(&inner.owner, &ids).await {
            log_failure(&e, "could not give back deliveries leased by emits");
        }
    }
    info!("delivery dispatcher stopped");
}

/// Starts deliveries an emit leased.
async fn begin(engine: &Engine, schedule: &mut Schedule, items: Vec<WorkItem>) {
    if let Err(e) = start(engine, schedule, items).await {
        log_failure(&e, "could not give back deliveries leased by an emit");
    }
}

fn apply(schedule: &mut Schedule, hint: Hint) {
    match hint {
        Hint::Ready(subscription) => schedule.ready(subscription),
        Hint::At(subscription, at) => schedule.at(subscription, at),
        Hint::Freed(subscription) => schedule.slot_freed(subscription),
    }
}

fn heed(engine: &Engine, schedule: &mut Schedule, wakeup: Wakeup) {
    match wakeup {
        Wakeup::Due(subscriptions) => {
            for subscription in subscriptions {
                schedule.ready(subscription);
            }
        }
        Wakeup::Sweep => engine.inner.sweep.store(true, Ordering::Release),
    }
}

/// The next wakeup, or never when the store sends none.
async fn next_wakeup(wakeups: &mut Option<mpsc::Receiver<Wakeup>>) -> Option<Wakeup> {
    match wakeups {
        Some(wakeups) => wakeups.recv().await,
        None => std::future::pending().await,
    }
}

/// Asks the store what is due, and takes over deliveries whose lease expired.
async fn sweep(engine: &Engine, schedule: &mut Schedule, now: DateTime<Utc>) -> StoreResult<()> {
    let inner = &engine.inner;
    for subscription in inner.store.due_subscriptions(now).await? {
        schedule.ready(subscription);
    }
    let free = inner
        .permits
        .available_permits()
        .min(EXPIRED_PER_SWEEP as usize);
    if free > 0 {
        let lease = inner.lease(now);
        let items = inner.store.claim_expired(lease, free as u32).await?;
        start(engine, schedule, items).await?;
    }
    Ok(())
}

/// Claims for ready subscriptions within their free slots and their
/// organization's share until the global cap is reached or nothing ready is
/// left. A subscription whose organization is at its share is parked without
/// a claim (see [`Schedule`]), so it delays no one.
async fn claim_ready(engine: &Engine, schedule: &mut Schedule) -> StoreResult<()> {
    let inner = &engine.inner;
    loop {
        schedule.unpark(|organization| inner.organization_slots.free(organization) > 0);
        let free_global = inner.permits.available_permits();
        let mut candidates = Vec::new();
        while candidates.len() < SUBSCRIPTIONS_PER_CLAIM.min(free_global) {
            let Some(subscription) = schedule.pop_ready() else {
                break;
            };
            candidates.push(subscription);
        }
        if candidates.is_empty() {
            return Ok(());
        }
        learn_organizations(engine, schedule, &candidates).await?;
        let wants = share(engine, schedule, candidates, free_global);
        if wants.is_empty() {
            continue;
        }
        let items = inner.store.claim(inner.lease(time::now()), &wants).await?;
        for (subscription, wanted) in &wants {
            let got = items
                .iter()
                .filter(|i| i.subscription_id == *subscription)
                .count();
            // A full claim means there may be more behind it.
            if got as u32 == *wanted {
                schedule.ready(*subscription);
            } else if got == 0 && !inner.slots.busy(subscription) {
                schedule.forget(*subscription);
            }
        }
        start(engine, schedule, items).await?;
    }
}

/// Asks the store for the organization of candidates not seen before.
async fn learn_organizations(
    engine: &Engine,
    schedule: &mut Schedule,
    candidates: &[SubscriptionId],
) -> StoreResult<()> {
    let unknown: Vec<SubscriptionId> = candidates
        .iter()
        .copied()
        .filter(|s| schedule.organization(*s).is_none())
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    for (subscription, organization) in engine
        .inner
        .store
        .subscription_organizations(&unknown)
        .await?
    {
        schedule.learn(subscription, &organization);
    }
    Ok(())
}

/// How many deliveries to claim for each candidate, in order: no more than
/// its free slots, its organization's room and what is left of the global
/// cap. Candidates with no room are parked (organization at its share),
/// left to the hint of their next finished attempt (subscription at its
/// cap), or put back first in line (global cap reached).
fn share(
    engine: &Engine,
    schedule: &mut Schedule,
    candidates: Vec<SubscriptionId>,
    mut free_global: usize,
) -> Vec<(SubscriptionId, u32)> {
    let inner = &engine.inner;
    let mut wants: Vec<(SubscriptionId, u32)> = Vec::new();
    let mut taken: HashMap<OrganizationId, usize> = HashMap::new();
    let mut candidates = candidates.into_iter();
    while free_global > 0 {
        let Some(subscription) = candidates.next() else {
            break;
        };
        // Deleted since it was hinted: nothing to send.
        let Some(organization) = schedule.organization(subscription).cloned() else {
            continue;
        };
        // At its cap, or busy with only a slot or two free: the attempts
        // that free slots will hint it again, so claims come in batches
        // (each claim is a transaction) rather than one per finished attempt.
        let cap = inner.limits.cap(&subscription);
        let free = inner.slots.free_within(&subscription, cap) as usize;
        if free == 0
            || (free < Slots::<SubscriptionId>::batch(cap) as usize
                && inner.slots.busy(&subscription))
        {
            schedule.wait_for_slot(subscription);
            continue;
        }
        let taken = taken.entry(organization.clone()).or_default();
        let room = (inner.organization_slots.free(&organization) as usize).saturating_sub(*taken);
        if room == 0 {
            schedule.park(&organization, subscription);
            continue;
        }
        // Within the subscription's own rate, if it has one: what it may not
        // start now is hinted for when it may.
        let wanted = free.min(room).min(free_global);
        let (n, wait) = inner.limits.take(&subscription, wanted as u32);
        if let Some(wait) = wait {
            schedule.at(
                subscription,
                time::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
            );
        }
        let n = n as usize;
        if n == 0 {
            continue;
        }
        *taken += n;
        free_global -= n;
        wants.push((subscription, n as u32));
    }
    schedule.ready_first(candidates.collect::<Vec<_>>().into_iter());
    wants
}

/// Starts one attempt task per leased delivery, each holding its
/// subscription's slot, its organization's slot and a global permit until
/// its outcome is recorded; what finds no room goes back to the store.
async fn start(engine: &Engine, schedule: &mut Schedule, items: Vec<WorkItem>) -> StoreResult<()> {
    let inner = &engine.inner;
    let mut give_back: Vec<DeliveryId> = Vec::new();
    for item in items {
        schedule.learn(item.subscription_id, &item.organization_id);
        inner.limits.learn(item.subscription_id, item.target.limits);
        let cap = inner.limits.cap(&item.subscription_id);
        let Some(slot) = inner.slots.try_take_within(&item.subscription_id, cap) else {
            give_back.push(item.delivery_id);
            schedule.wait_for_slot(item.subscription_id);
            continue;
        };
        let Some(share) = inner.organization_slots.try_take(&item.organization_id) else {
            give_back.push(item.delivery_id);
            schedule.park(&item.organization_id, item.subscription_id);
            continue;
        };
        let Ok(permit) = inner.permits.clone().try_acquire_owned() else {
            // Taken by a "Test webhook" meanwhile: try again when one is free.
            give_back.push(item.delivery_id);
            schedule.ready(item.subscription_id);
            continue;
        };
        let engine = engine.clone();
        inner.tasks.spawn(async move {
            let subscription = item.subscription_id;
            let mut item = item;
            // The slot goes from one delivery of the subscription to the
            // next, as long as recording hands one back.
            loop {
                let after = super::attempt::run(&engine, item).await;
                if let Some(at) = after.retry_at {
                    engine.hint(Hint::At(subscription, at));
                }
                match after.next {
                    Some(next) => item = next,
                    None => break,
                }
            }
            drop((slot, share, permit));
            engine.hint(Hint::Freed(subscription));
        });
    }
    if !give_back.is_empty() {
        inner.store.release(&inner.owner, &give_back).await?;
    }
    Ok(())
}

/// Logs a store failure, unless it is a storage fault: the store monitor
/// logs those once per episode, where this loop would log one per pass.
fn log_failure(e: &StoreError, what: &'static str) {
    if e.fault().is_none() {
        error!(error = %error_chain(e), "{what}");
    }
}
