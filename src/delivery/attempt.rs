//! One leased delivery: send it (the sender renders and signs the body),
//! decide its next step by the retry policy, and have the outcome recorded,
//! which hands back the subscription's next due delivery when there is one.

use chrono::{DateTime, Utc};
use tracing::{Instrument, debug, info, warn};

use super::Engine;
use super::sender::Outgoing;
use super::watch::AttemptUpdate;
use crate::domain::body::Envelope;
use crate::domain::delivery::{NextStep, next_step};
use crate::domain::time;
use crate::store::{AttemptOutcome, WorkItem};

/// What followed an attempt.
pub struct After {
    /// When a retry is due, if the attempt failed and one was scheduled.
    pub retry_at: Option<DateTime<Utc>>,
    /// The subscription's next delivery, leased, to send in the same slot.
    pub next: Option<WorkItem>,
}

pub async fn run(engine: &Engine, item: WorkItem) -> After {
    let span = tracing::info_span!(
        "delivery",
        delivery_id = %item.delivery_id,
        subscription_id = %item.subscription_id,
        event_id = %item.event_id,
        event_type = %item.event_type,
    );
    engine.inner.trace_links.continue_in(item.event_id, &span);
    attempt(engine, item).instrument(span).await
}

async fn attempt(engine: &Engine, item: WorkItem) -> After {
    let inner = &engine.inner;
    let report = engine
        .send(Outgoing {
            url: &item.target.url,
            signing: item.signing(),
            envelope: Envelope {
                event_type: item.event_type,
                occurred_at: item.occurred_at,
                organization_id: &item.organization_id,
                delivery_id: item.delivery_id,
            },
            data_json: &item.data_json,
        })
        .await;
    let round_failures = if report.succeeded() {
        item.round_failures
    } else {
        item.round_failures.saturating_add(1)
    };
    let next = next_step(
        report.succeeded(),
        round_failures,
        report.retry_after,
        &inner.config.retry,
        time::now(),
    );
    let error_kind = report.error_kind.map(|kind| kind.as_str());
    match (&next, &report.error) {
        (NextStep::Succeeded, _) => {
            debug!(
                status = report.status_code,
                ms = report.duration.as_millis() as u64,
                "delivered"
            );
        }
        (NextStep::RetryAt(at), Some(error)) => {
            info!(%error, error_kind, retry_at = %at, "attempt failed; will retry");
        }
        (_, error) => warn!(
            error = error.as_deref().unwrap_or(""),
            error_kind, "delivery failed; retries exhausted"
        ),
    }
    // Watchers hear of the attempt once it is stored.
    let update = AttemptUpdate::of_attempt(&item, &report, &next);
    let gone = report.gone();
    let metrics = crate::metrics::get();
    metrics.attempt(&report, &next);
    let outcome = AttemptOutcome {
        delivery_id: item.delivery_id,
        subscription_id: item.subscription_id,
        report,
        next,
        round_failures,
    };
    let wants_next = engine.may_continue(outcome.subscription_id);
    let recorded = inner.recorder.record(outcome, wants_next).await;
    let retry_at = match next {
        NextStep::RetryAt(at) => Some(at),
        NextStep::Succeeded | NextStep::Failed => None,
    };
    let Some(health) = recorded.health else {
        return After {
            retry_at: None,
            next: recorded.next,
        };
    };
    inner.watchers.publish(AttemptUpdate {
        subscription_disabled: health.disabled_now,
        ..update
    });
    if health.disabled_now {
        metrics.automatically_disabled(if gone {
            "endpoint_gone"
        } else {
            "too_many_failures"
        });
    }
    if health.disabled_now && gone {
        warn!(
            consecutive_failures = health.consecutive_failures,
            "subscription disabled: the receiver answered 410 Gone"
        );
    } else if health.disabled_now {
        warn!(
            consecutive_failures = health.consecutive_failures,
            "subscription disabled after too many consecutive failures"
        );
    }
    After {
        retry_at,
        next: recorded.next,
    }
}
