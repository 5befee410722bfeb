//! Event rows, and the emit transaction that fans events out into deliveries.
//!
//! One transaction serves a whole group of callers' requests. It looks up
//! what decides each request's fate (the subscriptions each event fans out
//! to, idempotency keys already used), lets [`emit_plan`](crate::store::emit_plan)
//! judge every request, and only then writes the requests it took, in
//! multi-row inserts. A request refused or deferred never touches the
//! database, so it cannot fail anyone else's, and the transaction's size is
//! known before its first write.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeZone, Utc};
use sqlx::Row;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::rows::{self, EVENT_COLUMNS};
use crate::domain::event::EventType;
use crate::domain::ids::{DeliveryId, EventId, OrganizationId};
use crate::domain::secret_box::SecretKeys;
use crate::domain::time::to_micros;
use crate::store::emit_plan::{
    Key, KeyedEvent, NewDelivery, Planner, Targets, Verdict, emitted, fresh_work,
    leased_subscriptions, to_lease,
};
use crate::store::{
    EmitLimits, EmitOutcome, EmitResult, Intake, LISTED_DELIVERY_IDS, Lease, NewEvent, StoreError,
    StoreResult, StoredEvent, WorkItem,
};

/// Rows per multi-row INSERT: at most 11 parameters each, far below SQLite's limit.
const ROWS_PER_INSERT: usize = 400;

/// Stores the requests; with an `intake`, leases it the fresh deliveries it
/// has room for and returns them ready to send.
pub async fn emit(
    pool: &SqlitePool,
    requests: &[&[NewEvent]],
    limits: EmitLimits,
    intake: Option<(&dyn Intake, &SecretKeys)>,
) -> StoreResult<(Vec<EmitOutcome>, Vec<WorkItem>)> {
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    // Within one transaction the matching subscriptions cannot change, so
    // they are looked up once per (organization, type).
    let targets = targets(&mut tx, requests).await?;
    let stored_keys = used_keys(&mut tx, requests).await?;
    let mut planner = Planner::new(limits, &targets, stored_keys);
    let verdicts: Vec<Verdict> = requests.iter().map(|r| planner.judge(r)).collect();

    let mut new_events = Vec::new();
    let mut fanned = Vec::new();
    for (request, verdict) in requests.iter().zip(&verdicts) {
        let Verdict::Take(fresh) = verdict else {
            continue;
        };
        for (event, _) in request.iter().zip(fresh).filter(|(_, new)| **new) {
            new_events.push(stored(event));
            fanned.push(
                planner
                    .fan_out(event)
                    .iter()
                    .map(|s| (DeliveryId::new(), *s))
                    .collect::<Vec<_>>(),
            );
        }
    }
    let inserted = insert_events(&mut tx, &new_events, false).await?;
    if inserted != new_events.len() as u64 {
        return Err(StoreError::Corrupt(
            "an idempotency key was used while the emit was planned".into(),
        ));
    }
    let rows: Vec<NewDelivery<'_>> = new_events
        .iter()
        .zip(&fanned)
        .flat_map(|(event, pairs)| {
            pairs
                .iter()
                .map(move |(id, s)| (*id, event, *s, minted_at(*id)))
        })
        .collect();
    let (mut leased, lease) = match intake {
        Some((intake, _)) => {
            let lease = intake.lease(Utc::now());
            (to_lease(intake, &rows), Some(lease))
        }
        None => (HashSet::new(), None),
    };
    let items = match intake {
        Some((_, keys)) if !leased.is_empty() => {
            let subscriptions = leased_subscriptions(&rows, &leased);
            let targets = super::work::send_targets(&mut tx, keys, &subscriptions).await?;
            fresh_work(&rows, &mut leased, &targets)
        }
        _ => Vec::new(),
    };
    insert_deliveries(&mut tx, &rows, lease.map(|l| (l, &leased))).await?;

    // Repeated keys are answered after the deliveries are in, so a key
    // repeated inside this very group finds its first event's deliveries.
    let mut created = new_events.into_iter().zip(fanned);
    let mut outcomes = Vec::with_capacity(requests.len());
    for (request, verdict) in requests.iter().zip(verdicts) {
        outcomes.push(match verdict {
            Verdict::Refuse(e) => EmitOutcome::Refused(e),
            Verdict::Defer => EmitOutcome::Deferred,
            Verdict::Take(fresh) => {
                let mut results = Vec::with_capacity(request.len());
                for (event, new) in request.iter().zip(fresh) {
                    results.push(if new {
                        let (event, pairs) = created.next().ok_or_else(|| {
                            StoreError::Corrupt("a planned event was not written".into())
                        })?;
                        emitted(event, &pairs, &leased)
                    } else {
                        first_result(&mut tx, event).await?
                    });
                }
                EmitOutcome::Stored(results)
            }
        });
    }
    tx.commit().await?;
    drop(conn);
    Ok((outcomes, items))
}

/// When a delivery was created: the instant its time-ordered id was minted,
/// so that time filters on the delivery log can be ranges of ids.
pub(crate) fn minted_at(id: DeliveryId) -> DateTime<Utc> {
    id.0.get_timestamp()
        .map(|t| t.to_unix())
        .and_then(|(secs, nanos)| Utc.timestamp_opt(i64::try_from(secs).ok()?, nanos).single())
        .unwrap_or_else(Utc::now)
}

/// The subscriptions every (organization, type) of these requests fans out to.
async fn targets(conn: &mut SqliteConnection, requests: &[&[NewEvent]]) -> StoreResult<Targets> {
    let mut targets = Targets::new();
    for event in requests.iter().flat_map(|r| r.iter()) {
        let key = (event.organization_id.as_str().to_owned(), event.event_type);
        if let Entry::Vacant(entry) = targets.entry(key) {
            let found =
                matching_subscriptions(conn, &event.organization_id, event.event_type).await?;
            entry.insert(found);
        }
    }
    Ok(targets)
}

/// The idempotency keys of these requests already stored, with what they were used for.
async fn used_keys(
    conn: &mut SqliteConnection,
    requests: &[&[NewEvent]],
) -> StoreResult<HashMap<Key, KeyedEvent>> {
    let mut by_org: HashMap<&str, HashSet<&str>> = HashMap::new();
    for event in requests.iter().flat_map(|r| r.iter()) {
        if let Some(key) = &event.idempotency_key {
            by_org
                .entry(event.organization_id.as_str())
                .or_default()
                .insert(key);
        }
    }
    let mut used = HashMap::new();
    for (org, keys) in by_org {
        let keys: Vec<&str> = keys.into_iter().collect();
        for chunk in keys.chunks(ROWS_PER_INSERT) {
            let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT idempotency_key, event_type, data FROM events WHERE organization_id = ",
            );
            sql.push_bind(org).push(" AND idempotency_key IN (");
            let mut list = sql.separated(", ");
            for key in chunk {
                list.push_bind(*key);
            }
            sql.push(")");
            for row in sql.build().fetch_all(&mut *conn).await? {
                let key: String = row.try_get("idempotency_key")?;
                let event_type: String = row.try_get("event_type")?;
                let data: String = row.try_get("data")?;
                used.insert(
                    (org.to_owned(), key),
                    (rows::event_type(&event_type)?, data),
                );
            }
        }
    }
    Ok(used)
}

/// Inserts events; returns how many were (an event whose idempotency key
/// was used before is skipped). Counted, not returned row by row: each row
/// read back is a hand-off from SQLite's worker thread.
pub(super) async fn insert_events(
    conn: &mut SqliteConnection,
    events: &[StoredEvent],
    test: bool,
) -> StoreResult<u64> {
    let mut inserted = 0;
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO events (id, organization_id, event_type, occurred_at, created_at, \
             idempotency_key, data, test) ",
        );
        sql.push_values(chunk, |mut row, event| {
            row.push_bind(event.id.0)
                .push_bind(event.organization_id.as_str())
                .push_bind(event.event_type.as_str())
                .push_bind(to_micros(event.occurred_at))
                .push_bind(to_micros(event.created_at))
                .push_bind(event.idempotency_key.as_deref())
                .push_bind(event.data_json.as_str())
                .push_bind(i64::from(test));
        });
        sql.push(
            " ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL \
             DO NOTHING",
        );
        inserted += sql.build().execute(&mut *conn).await?.rows_affected();
    }
    Ok(inserted)
}

/// The result of the event first stored under `attempted`'s idempotency key.
async fn first_result(
    conn: &mut SqliteConnection,
    attempted: &NewEvent,
) -> StoreResult<EmitResult> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE organization_id = ? AND idempotency_key = ?"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(attempted.organization_id.as_str())
        .bind(attempted.idempotency_key.as_deref())
        .fetch_one(&mut *conn)
        .await?;
    let first = rows::event(&row)?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE event_id = ?")
        .bind(first.id.0)
        .fetch_one(&mut *conn)
        .await?;
    let ids: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM deliveries WHERE event_id = ? ORDER BY id LIMIT ?")
            .bind(first.id.0)
            .bind(LISTED_DELIVERY_IDS as i64)
            .fetch_all(&mut *conn)
            .await?;
    Ok(EmitResult {
        event: first,
        delivery_ids: ids.into_iter().map(DeliveryId).collect(),
        delivery_count: u64::try_from(count).unwrap_or_default(),
        subscription_ids: Vec::new(),
        duplicate: true,
    })
}

pub(super) async fn matching_subscriptions(
    conn: &mut SqliteConnection,
    org: &OrganizationId,
    event_type: EventType,
) -> StoreResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM subscriptions WHERE organization_id = ? AND status = 'enabled' \
         AND deleted_at IS NULL AND (event_types & ?) != 0 ORDER BY id",
    )
    .bind(org.as_str())
    .bind(event_type.bit())
    .fetch_all(conn)
    .await?)
}

/// The row form of an event about to be stored.
pub(super) fn stored(event: &NewEvent) -> StoredEvent {
    StoredEvent {
        id: event.id,
        organization_id: event.organization_id.clone(),
        event_type: event.event_type,
        occurred_at: event.occurred_at,
        created_at: event.now,
        idempotency_key: event.idempotency_key.clone(),
        data_json: event.data_json.clone(),
    }
}

pub(super) async fn insert_pending_deliveries(
    conn: &mut SqliteConnection,
    rows: &[NewDelivery<'_>],
) -> StoreResult<()> {
    insert_deliveries(conn, rows, None).await
}

/// Inserts deliveries, pending, or in flight under `lease` for those in its set.
async fn insert_deliveries(
    conn: &mut SqliteConnection,
    rows: &[NewDelivery<'_>],
    lease: Option<(Lease<'_>, &HashSet<DeliveryId>)>,
) -> StoreResult<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO deliveries (id, organization_id, event_id, subscription_id, event_type, \
             status, next_attempt_at, created_at, updated_at, lease_owner, lease_expires_at) ",
        );
        sql.push_values(chunk, |mut row, (id, event, subscription, at)| {
            let now = to_micros(*at);
            let leased = lease.filter(|(_, ids)| ids.contains(id)).map(|(l, _)| l);
            row.push_bind(id.0)
                .push_bind(event.organization_id.as_str())
                .push_bind(event.id.0)
                .push_bind(*subscription)
                .push_bind(event.event_type.as_str())
                .push_bind(if leased.is_some() {
                    "in_flight"
                } else {
                    "pending"
                })
                .push_bind(now)
                .push_bind(now)
                .push_bind(now)
                .push_bind(leased.map(|l| l.owner))
                .push_bind(leased.map(|l| to_micros(l.until)));
        });
        sql.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn get(
    pool: &SqlitePool,
    org: &OrganizationId,
    id: EventId,
) -> StoreResult<Option<StoredEvent>> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = ? AND organization_id = ?");
    let row = sqlx::query::<Sqlite>(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .bind(org.as_str())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(rows::event).transpose()
}
