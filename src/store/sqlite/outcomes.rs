//! Recording attempt outcomes in groups: a handful of multi-row statements
//! per group instead of four statements per attempt, since every statement
//! is a round trip to SQLite's worker thread.

use std::collections::{HashMap, HashSet};

use sqlx::{Connection, QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use crate::domain::delivery::{AttemptReport, NextStep, Verdict};
use crate::domain::health::Health;
use crate::domain::time::to_micros;
use crate::store::{AttemptOutcome, StoreResult, SubscriptionHealth};

/// Longest error text kept per attempt, in bytes.
const MAX_ERROR_BYTES: usize = 1024;
/// Rows per multi-row statement (at most 8 parameters each).
const ROWS: usize = 300;

pub async fn record_attempts(
    pool: &SqlitePool,
    outcomes: &[AttemptOutcome],
) -> StoreResult<Vec<SubscriptionHealth>> {
    let mut conn = super::writer(pool, super::Sync::Relaxed).await?;
    let mut tx = conn.begin().await?;
    for chunk in distinct_chunks(outcomes) {
        let numbers = advance_deliveries(&mut tx, chunk).await?;
        let rows: Vec<(Uuid, i64, &AttemptReport)> = chunk
            .iter()
            .map(|o| {
                let number = numbers.get(&o.delivery_id.0).copied().unwrap_or(1);
                (o.delivery_id.0, number, &o.report)
            })
            .collect();
        insert_attempts(&mut tx, &rows).await?;
    }
    let health = update_subscriptions(&mut tx, outcomes).await?;
    tx.commit().await?;
    drop(conn);
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

fn finished_at(outcome: &AttemptOutcome) -> i64 {
    let report = &outcome.report;
    to_micros(report.started_at) + i64::try_from(report.duration.as_micros()).unwrap_or(0)
}

/// An attempt's error as stored: at most [`MAX_ERROR_BYTES`], cut on a character boundary.
pub(crate) fn error_text(report: &AttemptReport) -> Option<String> {
    report.error.as_deref().map(|e| {
        let mut end = e.len().min(MAX_ERROR_BYTES);
        while !e.is_char_boundary(end) {
            end -= 1;
        }
        e[..end].to_owned()
    })
}

/// Counts the attempt and moves each delivery on; returns each attempt's number.
/// Only a delivery still in flight moves on: a redelivery or a cancellation
/// made during the attempt wins over its outcome.
async fn advance_deliveries(
    tx: &mut SqliteConnection,
    chunk: &[AttemptOutcome],
) -> StoreResult<HashMap<Uuid, i64>> {
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
        "UPDATE deliveries SET attempt_count = attempt_count + 1, \
         status = CASE WHEN status = 'in_flight' THEN v.column2 ELSE status END, \
         next_attempt_at = CASE WHEN status = 'in_flight' THEN v.column3 ELSE next_attempt_at END, \
         round_failures = CASE WHEN status = 'in_flight' THEN v.column4 ELSE round_failures END, \
         lease_owner = CASE WHEN status = 'in_flight' THEN NULL ELSE lease_owner END, \
         lease_expires_at = CASE WHEN status = 'in_flight' THEN NULL ELSE lease_expires_at END, \
         last_status_code = v.column5, last_error = v.column6, updated_at = v.column7 FROM (",
    );
    sql.push_values(chunk, |mut row, outcome| {
        let (status, next_at) = match outcome.next {
            NextStep::Succeeded => ("succeeded", None),
            NextStep::RetryAt(at) => ("pending", Some(to_micros(at))),
            NextStep::Failed => ("failed", None),
        };
        row.push_bind(outcome.delivery_id.0)
            .push_bind(status)
            .push_bind(next_at)
            .push_bind(i64::from(outcome.round_failures))
            .push_bind(outcome.report.status_code.map(i64::from))
            .push_bind(error_text(&outcome.report))
            .push_bind(finished_at(outcome));
    });
    sql.push(
        ") AS v WHERE deliveries.id = v.column1 RETURNING deliveries.id, deliveries.attempt_count",
    );
    let rows = sql.build().fetch_all(&mut *tx).await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<Uuid, _>(0)?, r.try_get::<i64, _>(1)?)))
        .collect()
}

/// Inserts attempt rows: (delivery, attempt number, what happened).
pub(super) async fn insert_attempts(
    tx: &mut SqliteConnection,
    rows: &[(Uuid, i64, &AttemptReport)],
) -> StoreResult<()> {
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO attempts (delivery_id, number, started_at, duration_us, status_code, error, \
         response_excerpt) ",
    );
    sql.push_values(rows, |mut row, (delivery_id, number, report)| {
        row.push_bind(*delivery_id)
            .push_bind(*number)
            .push_bind(to_micros(report.started_at))
            .push_bind(i64::try_from(report.duration.as_micros()).unwrap_or(i64::MAX))
            .push_bind(report.status_code.map(i64::from))
            .push_bind(error_text(report))
            .push_bind(report.response_excerpt.clone());
    });
    sql.build().execute(&mut *tx).await?;
    Ok(())
}

/// What one group's attempts did to one subscription.
struct Change {
    health: Health,
    reason: Option<String>,
    last_success: Option<i64>,
    last_failure: Option<(i64, Option<String>)>,
}

/// Applies the outcomes, in order, to their subscriptions' health (see
/// [`Health::record`]), and writes each subscription once.
async fn update_subscriptions(
    tx: &mut SqliteConnection,
    outcomes: &[AttemptOutcome],
) -> StoreResult<Vec<SubscriptionHealth>> {
    let mut changes: HashMap<Uuid, Change> = HashMap::new();
    let ids: Vec<Uuid> = outcomes
        .iter()
        .map(|o| o.subscription_id.0)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for chunk in ids.chunks(ROWS) {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT id, status, disabled_reason, consecutive_failures FROM subscriptions WHERE id IN (",
        );
        let mut list = sql.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        sql.push(")");
        for row in sql.build().fetch_all(&mut *tx).await? {
            let reason: Option<String> = row.try_get("disabled_reason")?;
            let failures: i64 = row.try_get("consecutive_failures")?;
            changes.insert(
                row.try_get("id")?,
                Change {
                    health: Health {
                        enabled: row.try_get::<String, _>("status")? == "enabled",
                        consecutive_failures: u32::try_from(failures).unwrap_or(u32::MAX),
                        disabled_for_failures: reason.as_deref() == Some("too_many_failures"),
                    },
                    reason,
                    last_success: None,
                    last_failure: None,
                },
            );
        }
    }
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
    let changes: Vec<(Uuid, Change)> = changes.into_iter().collect();
    for chunk in changes.chunks(ROWS) {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
            "UPDATE subscriptions SET consecutive_failures = v.column2, status = v.column3, \
             disabled_reason = v.column4, last_success_at = COALESCE(v.column5, last_success_at), \
             last_failure_at = COALESCE(v.column6, last_failure_at), \
             last_error = CASE WHEN v.column6 IS NULL THEN last_error ELSE v.column7 END, \
             updated_at = MAX(updated_at, COALESCE(v.column5, 0), COALESCE(v.column6, 0)) FROM (",
        );
        sql.push_values(chunk, |mut row, (id, change)| {
            row.push_bind(*id)
                .push_bind(i64::from(change.health.consecutive_failures))
                .push_bind(if change.health.enabled {
                    "enabled"
                } else {
                    "disabled"
                })
                .push_bind(change.reason.clone())
                .push_bind(change.last_success)
                .push_bind(change.last_failure.as_ref().map(|(at, _)| *at))
                .push_bind(change.last_failure.as_ref().and_then(|(_, e)| e.clone()));
        });
        sql.push(") AS v WHERE subscriptions.id = v.column1");
        sql.build().execute(&mut *tx).await?;
    }
    Ok(results)
}
