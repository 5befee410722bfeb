//! Recording attempt outcomes in groups: a handful of statements over arrays
//! per group, whatever its size.
//!
//! The subscriptions of a group are locked first (in id order), then their
//! deliveries are moved on: the order every transaction that touches both
//! takes, so none deadlocks, and the failure count read here cannot change
//! before it is written back, so automatic disabling comes at exactly the
//! threshold even when instances record attempts of one subscription at once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::rows::{opt_text, text, ts};
use crate::domain::delivery::{AttemptReport, NextStep, Verdict};
use crate::domain::health::Health;
use crate::domain::time::{from_micros, to_micros};
use crate::store::sqlite::error_text;
use crate::store::{AttemptOutcome, StoreResult, SubscriptionHealth};

/// Most outcomes moved on by one statement.
const ROWS: usize = 1000;

pub async fn record_attempts(
    pool: &PgPool,
    outcomes: &[AttemptOutcome],
) -> StoreResult<Vec<SubscriptionHealth>> {
    let mut tx = super::begin(pool, super::Sync::Relaxed).await?;
    let mut changes = lock_subscriptions(&mut tx, outcomes).await?;
    for chunk in distinct_chunks(outcomes) {
        let numbers = advance_deliveries(&mut tx, chunk).await?;
        let rows: Vec<(Uuid, i32, &AttemptReport)> = chunk
            .iter()
            .map(|o| {
                let number = numbers.get(&o.delivery_id.0).copied().unwrap_or(1);
                (o.delivery_id.0, number, &o.report)
            })
            .collect();
        insert_attempts(&mut tx, &rows).await?;
    }
    let health = apply(&mut changes, outcomes);
    write_subscriptions(&mut tx, changes).await?;
    tx.commit().await?;
    Ok(health)
}

/// Splits the outcomes into runs of at most [`ROWS`] with no delivery twice
/// (a delivery whose lease expired mid-attempt can finish twice at once).
fn distinct_chunks(outcomes: &[AttemptOutcome]) -> Vec<&[AttemptOutcome]> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut seen = HashSet::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        if i - start == ROWS || !seen.insert(outcome.delivery_id) {
            chunks.push(&outcomes[start..i]);
            start = i;
            seen.clear();
            seen.insert(outcome.delivery_id);
        }
    }
    if start < outcomes.len() {
        chunks.push(&outcomes[start..]);
    }
    chunks
}

fn finished_at(outcome: &AttemptOutcome) -> DateTime<Utc> {
    let report = &outcome.report;
    from_micros(
        to_micros(report.started_at) + i64::try_from(report.duration.as_micros()).unwrap_or(0),
    )
}

/// Counts the attempt and moves each delivery on; returns each attempt's number.
/// Only a delivery still in flight moves on: a redelivery or a cancellation
/// made during the attempt wins over its outcome.
async fn advance_deliveries(
    tx: &mut PgConnection,
    chunk: &[AttemptOutcome],
) -> StoreResult<HashMap<Uuid, i32>> {
    let mut ids = Vec::with_capacity(chunk.len());
    let mut statuses = Vec::with_capacity(chunk.len());
    let mut next_at = Vec::with_capacity(chunk.len());
    let mut round_failures = Vec::with_capacity(chunk.len());
    let mut codes = Vec::with_capacity(chunk.len());
    let mut errors = Vec::with_capacity(chunk.len());
    let mut finished = Vec::with_capacity(chunk.len());
    for outcome in chunk {
        let (status, at) = match outcome.next {
            NextStep::Succeeded => ("succeeded", None),
            NextStep::RetryAt(at) => ("pending", Some(ts(at))),
            NextStep::Failed => ("failed", None),
        };
        ids.push(outcome.delivery_id.0);
        statuses.push(status);
        next_at.push(at);
        round_failures.push(i32::try_from(outcome.round_failures).unwrap_or(i32::MAX));
        codes.push(outcome.report.status_code.map(i32::from));
        errors.push(opt_text(error_text(&outcome.report)));
        finished.push(finished_at(outcome));
    }
    let rows = sqlx::query(
        "UPDATE deliveries d SET attempt_count = d.attempt_count + 1, \
         status = CASE WHEN d.status = 'in_flight' THEN v.status ELSE d.status END, \
         next_attempt_at = CASE WHEN d.status = 'in_flight' THEN v.next_at ELSE d.next_attempt_at END, \
         round_failures = CASE WHEN d.status = 'in_flight' THEN v.round_failures ELSE d.round_failures END, \
         lease_owner = CASE WHEN d.status = 'in_flight' THEN NULL ELSE d.lease_owner END, \
         lease_expires_at = CASE WHEN d.status = 'in_flight' THEN NULL ELSE d.lease_expires_at END, \
         lease_instance = CASE WHEN d.status = 'in_flight' THEN NULL ELSE d.lease_instance END, \
         last_status_code = v.status_code, last_error = v.error, updated_at = v.finished \
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int[], $5::int[], $6::text[], \
                     $7::timestamptz[]) \
           AS v (id, status, next_at, round_failures, status_code, error, finished) \
         WHERE d.id = v.id RETURNING d.id, d.attempt_count",
    )
    .bind(&ids)
    .bind(&statuses)
    .bind(&next_at)
    .bind(&round_failures)
    .bind(&codes)
    .bind(&errors)
    .bind(&finished)
    .fetch_all(&mut *tx)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<Uuid, _>(0)?, r.try_get::<i32, _>(1)?)))
        .collect()
}

/// Inserts attempt rows: (delivery, attempt number, what happened).
pub(super) async fn insert_attempts(
    tx: &mut PgConnection,
    rows: &[(Uuid, i32, &AttemptReport)],
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO attempts (delivery_id, number, started_at, duration_us, status_code, error, \
         response_excerpt) \
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::bigint[], $5::int[], \
                              $6::text[], $7::text[])",
    )
    .bind(rows.iter().map(|(id, ..)| *id).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, n, _)| *n).collect::<Vec<_>>())
    .bind(
        rows.iter()
            .map(|(.., r)| ts(r.started_at))
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(.., r)| i64::try_from(r.duration.as_micros()).unwrap_or(i64::MAX))
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(.., r)| r.status_code.map(i32::from))
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(.., r)| opt_text(error_text(r)))
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|(.., r)| text(&r.response_excerpt))
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What one group's attempts did to one subscription.
struct Change {
    health: Health,
    reason: Option<String>,
    last_success: Option<DateTime<Utc>>,
    last_failure: Option<(DateTime<Utc>, Option<String>)>,
}

/// Locks the outcomes' subscriptions and reads their health.
async fn lock_subscriptions(
    tx: &mut PgConnection,
    outcomes: &[AttemptOutcome],
) -> StoreResult<HashMap<Uuid, Change>> {
    let ids: Vec<Uuid> = outcomes
        .iter()
        .map(|o| o.subscription_id.0)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let rows = sqlx::query(
        "SELECT id, status, disabled_reason, consecutive_failures FROM subscriptions \
         WHERE id = ANY($1) ORDER BY id FOR UPDATE",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let mut changes = HashMap::with_capacity(rows.len());
    for row in rows {
        let reason: Option<String> = row.try_get("disabled_reason")?;
        let failures: i32 = row.try_get("consecutive_failures")?;
        changes.insert(
            row.try_get("id")?,
            Change {
                health: Health {
                    enabled: row.try_get::<String, _>("status")? == "enabled",
                    consecutive_failures: u32::try_from(failures).unwrap_or(0),
                    disabled_for_failures: reason.as_deref() == Some("too_many_failures"),
                },
                reason,
                last_success: None,
                last_failure: None,
            },
        );
    }
    Ok(changes)
}

/// Applies the outcomes, in order, to their subscriptions' health (see
/// [`Health::record`]).
fn apply(
    changes: &mut HashMap<Uuid, Change>,
    outcomes: &[AttemptOutcome],
) -> Vec<SubscriptionHealth> {
    let mut results = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let Some(change) = changes.get_mut(&outcome.subscription_id.0) else {
            results.push(SubscriptionHealth {
                consecutive_failures: 0,
                disabled_now: false,
            });
            continue;
        };
        let verdict = outcome.report.verdict();
        let after = change.health.record(verdict, outcome.failure_threshold);
        if after.disabled_now {
            change.reason = Some("too_many_failures".into());
        }
        // The subscription's last error is the receiver's: the service's own
        // failures are in the attempt log only.
        match verdict {
            Verdict::Delivered => change.last_success = Some(finished_at(outcome)),
            Verdict::ReceiverFailed => {
                change.last_failure = Some((finished_at(outcome), error_text(&outcome.report)));
            }
            Verdict::LocalFailure => {}
        }
        results.push(SubscriptionHealth {
            consecutive_failures: after.consecutive_failures,
            disabled_now: after.disabled_now,
        });
    }
    results
}

/// Writes each changed subscription once.
async fn write_subscriptions(
    tx: &mut PgConnection,
    changes: HashMap<Uuid, Change>,
) -> StoreResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(changes.len());
    let mut failures = Vec::with_capacity(changes.len());
    let mut statuses = Vec::with_capacity(changes.len());
    let mut reasons = Vec::with_capacity(changes.len());
    let mut successes = Vec::with_capacity(changes.len());
    let mut failed_at = Vec::with_capacity(changes.len());
    let mut errors = Vec::with_capacity(changes.len());
    for (id, change) in changes {
        ids.push(id);
        failures.push(i32::try_from(change.health.consecutive_failures).unwrap_or(i32::MAX));
        statuses.push(if change.health.enabled {
            "enabled"
        } else {
            "disabled"
        });
        reasons.push(change.reason);
        successes.push(change.last_success);
        failed_at.push(change.last_failure.as_ref().map(|(at, _)| *at));
        errors.push(opt_text(change.last_failure.and_then(|(_, e)| e)));
    }
    sqlx::query(
        "UPDATE subscriptions s SET consecutive_failures = v.failures, status = v.status, \
         disabled_reason = v.reason, last_success_at = COALESCE(v.success, s.last_success_at), \
         last_failure_at = COALESCE(v.failure, s.last_failure_at), \
         last_error = CASE WHEN v.failure IS NULL THEN s.last_error ELSE v.error END, \
         updated_at = GREATEST(s.updated_at, v.success, v.failure) \
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::timestamptz[], \
                     $6::timestamptz[], $7::text[]) \
           AS v (id, failures, status, reason, success, failure, error) \
         WHERE s.id = v.id",
    )
    .bind(&ids)
    .bind(&failures)
    .bind(&statuses)
    .bind(&reasons)
    .bind(&successes)
    .bind(&failed_at)
    .bind(&errors)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
