//! Retention: a background task that deletes what has served its purpose
//! (succeeded deliveries with their attempts, and their events) once it is
//! older than the configured age.
//!
//! An event goes only when every delivery it has is finished (succeeded or
//! cancelled, or a test) and has been for the whole age, so nothing that can
//! still be retried, redelivered or replayed loses its event, and a replay
//! never sends again an event whose deliveries were purged (the event is
//! gone with them). Work is done in small batches, each its own short
//! transaction with a pause after it, so emits and attempts queued behind a
//! batch wait for one batch at most.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use super::{PurgeBatch, Store};
use crate::domain::ids::EventId;
use crate::domain::time;
use crate::telemetry::error_chain;

/// Events looked at per batch.
const EVENTS_PER_BATCH: u32 = 500;
/// Pause between batches, so other writers get the database between them.
const PAUSE: Duration = Duration::from_millis(20);
/// Longest time between passes.
const MAX_INTERVAL: Duration = Duration::from_secs(300);
/// Shortest time between passes.
const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// How often a pass runs for a given age: a quarter of it, from 100 ms to 5 min.
pub fn interval(age: Duration) -> Duration {
    (age / 4).clamp(MIN_INTERVAL, MAX_INTERVAL)
}

/// Purges what is older than `age`, one pass every [`interval`], until `stop`.
pub async fn run(store: Arc<dyn Store>, age: Duration, stop: CancellationToken) {
    let age_chrono = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
    let mut tick = tokio::time::interval(interval(age));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.cancelled() => return,
        }
        let Some(before) = time::now().checked_sub_signed(age_chrono) else {
            continue;
        };
        match pass(store.as_ref(), before, &stop).await {
            Ok(total) if total.events > 0 => info!(
                events = total.events,
                deliveries = total.deliveries,
                attempts = total.attempts,
                "purged deliveries and events past their retention"
            ),
            Ok(_) => {}
            Err(e) => error!(error = %error_chain(&e), "purging past retention failed"),
        }
    }
}

/// One pass over every event created before `before`, batch by batch.
async fn pass(
    store: &dyn Store,
    before: chrono::DateTime<chrono::Utc>,
    stop: &CancellationToken,
) -> super::StoreResult<PurgeBatch> {
    let mut total = PurgeBatch::default();
    let mut after: Option<EventId> = None;
    loop {
        let batch = store
            .purge_finished(before, after, EVENTS_PER_BATCH)
            .await?;
        total.events += batch.events;
        total.deliveries += batch.deliveries;
        total.attempts += batch.attempts;
        let Some(last) = batch.last else {
            return Ok(total);
        };
        after = Some(last);
        tokio::select! {
            _ = tokio::time::sleep(PAUSE) => {}
            _ = stop.cancelled() => return Ok(total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_come_at_a_quarter_of_the_age_within_bounds() {
        assert_eq!(interval(Duration::from_secs(2)), Duration::from_millis(500));
        assert_eq!(interval(Duration::from_millis(10)), MIN_INTERVAL);
        assert_eq!(interval(Duration::from_secs(30 * 86_400)), MAX_INTERVAL);
    }
}
