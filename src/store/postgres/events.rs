//! Event rows, and the emit transaction that fans events out into deliveries.
//!
//! As on SQLite, one transaction serves a whole group of callers' requests:
//! it looks up what decides each request's fate (the subscriptions each event
//! fans out to, idempotency keys already used), lets the shared
//! [`emit_plan`](crate::store::emit_plan) judge every request, and
//! only then writes the requests it took, each table in one statement over
//! arrays. The group's idempotency keys are locked first, so an emit with the
//! same key on another instance waits for this one and then finds it.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::rows::{self, EVENT_COLUMNS, ts};
use crate::domain::event::EventType;
use crate::domain::ids::{DeliveryId, EventId, OrganizationId};
use crate::domain::secret_box::SecretKeys;
use crate::store::emit_plan::{
    Key, KeyedEvent, NewDelivery, Planner, Targets, Verdict, emitted, fresh_work,
    leased_subscriptions, to_lease,
};
use crate::store::sqlite::minted_at;
use crate::store::{
    EmitLimits, EmitOutcome, EmitResult, Intake, LISTED_DELIVERY_IDS, NewEvent, StoreError,
    StoreResult, StoredEvent, WorkItem,
};

/// Rows per insert statement, so no one message to the server grows unbounded.
const ROWS_PER_INSERT: usize = 5000;

/// Stores the requests; with an `intake`, leases it the fresh deliveries it
/// has room for and returns them ready to send.
pub async fn emit(
    pool: &PgPool,
    instance: &str,
    requests: &[&[NewEvent]],
    limits: EmitLimits,
    intake: Option<(&dyn Intake, &SecretKeys)>,
) -> StoreResult<(Vec<EmitOutcome>, Vec<WorkItem>)> {
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    let key_locks: Vec<String> = requests
        .iter()
        .flat_map(|r| r.iter())
        .filter_map(|e| {
            let key = e.idempotency_key.as_deref()?;
            Some(format!(
                "idempotency key {} {key}",
                e.organization_id.as_str()
            ))
        })
        .collect();
    super::lock_names(&mut tx, &key_locks).await?;
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
    if inserted.len() != new_events.len() {
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
    insert_pending_deliveries(&mut tx, &rows).await?;
    let mut chosen = intake.map_or_else(HashSet::new, |(intake, _)| to_lease(intake, &rows));
    let (leased, items) = match intake {
        Some((intake, keys)) if !chosen.is_empty() => {
            let subscriptions = leased_subscriptions(&rows, &chosen);
            let targets = super::work::send_targets(&mut tx, keys, &subscriptions).await?;
            let items = fresh_work(&rows, &mut chosen, &targets);
            let chosen: Vec<Uuid> = chosen.iter().map(|id| id.0).collect();
            let ids =
                super::work::lease_fresh(&mut tx, instance, intake.lease(Utc::now()), &chosen)
                    .await?;
            let leased: HashSet<DeliveryId> = ids.into_iter().map(DeliveryId).collect();
            let items = items
                .into_iter()
                .filter(|item| leased.contains(&item.delivery_id))
                .collect();
            (leased, items)
        }
        _ => (HashSet::new(), Vec::new()),
    };
    super::notify::due(
        &mut tx,
        instance,
        rows.iter()
            .filter(|(id, ..)| !leased.contains(id))
            .map(|(_, _, s, _)| *s),
    )
    .await?;

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
    Ok((outcomes, items))
}

/// The subscriptions every (organization, type) of these requests fans out
/// to, oldest first: one read of the organizations' enabled subscriptions.
async fn targets(conn: &mut PgConnection, requests: &[&[NewEvent]]) -> StoreResult<Targets> {
    let mut wanted: HashSet<(String, EventType)> = HashSet::new();
    for event in requests.iter().flat_map(|r| r.iter()) {
        wanted.insert((event.organization_id.as_str().to_owned(), event.event_type));
    }
    let orgs: Vec<&str> = wanted
        .iter()
        .map(|(org, _)| org.as_str())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let enabled: Vec<(String, Uuid, i64)> = sqlx::query_as(
        "SELECT organization_id, id, event_types FROM subscriptions \
         WHERE organization_id = ANY($1) AND status = 'enabled' AND deleted_at IS NULL \
         ORDER BY id",
    )
    .bind(&orgs)
    .fetch_all(&mut *conn)
    .await?;
    let mut targets: Targets = wanted.into_iter().map(|key| (key, Vec::new())).collect();
    for (org, id, mask) in enabled {
        for event_type in EventType::ALL {
            if mask & event_type.bit() != 0
                && let Some(ids) = targets.get_mut(&(org.clone(), event_type))
            {
                ids.push(id);
            }
        }
    }
    Ok(targets)
}

/// The idempotency keys of these requests already stored, with what they were used for.
async fn used_keys(
    conn: &mut PgConnection,
    requests: &[&[NewEvent]],
) -> StoreResult<HashMap<Key, KeyedEvent>> {
    let (orgs, keys): (Vec<&str>, Vec<&str>) = requests
        .iter()
        .flat_map(|r| r.iter())
        .filter_map(|e| Some((e.organization_id.as_str(), e.idempotency_key.as_deref()?)))
        .unzip();
    let mut used = HashMap::new();
    if keys.is_empty() {
        return Ok(used);
    }
    let found = sqlx::query(
        "SELECT e.organization_id, e.idempotency_key, e.event_type, e.data FROM events e \
         JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS k (organization_id, key) \
         ON e.organization_id = k.organization_id AND e.idempotency_key = k.key",
    )
    .bind(&orgs)
    .bind(&keys)
    .fetch_all(&mut *conn)
    .await?;
    for row in found {
        let org: String = row.try_get("organization_id")?;
        let key: String = row.try_get("idempotency_key")?;
        let event_type: String = row.try_get("event_type")?;
        let data: String = row.try_get("data")?;
        used.insert((org, key), (rows::event_type(&event_type)?, data));
    }
    Ok(used)
}

/// Inserts events; returns the ids actually inserted (an event whose
/// idempotency key was used before is skipped).
pub(super) async fn insert_events(
    conn: &mut PgConnection,
    events: &[StoredEvent],
    test: bool,
) -> StoreResult<HashSet<Uuid>> {
    let mut inserted = HashSet::with_capacity(events.len());
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "INSERT INTO events (id, organization_id, event_type, occurred_at, created_at, \
             idempotency_key, data, test) \
             SELECT id, organization_id, event_type, occurred_at, created_at, idempotency_key, \
             data, $8 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], \
             $5::timestamptz[], $6::text[], $7::text[]) \
             AS e (id, organization_id, event_type, occurred_at, created_at, idempotency_key, data) \
             ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL \
             DO NOTHING RETURNING id",
        )
        .bind(chunk.iter().map(|e| e.id.0).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|e| e.organization_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            chunk
                .iter()
                .map(|e| e.event_type.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|e| ts(e.occurred_at)).collect::<Vec<_>>())
        .bind(chunk.iter().map(|e| ts(e.created_at)).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|e| e.idempotency_key.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(
            chunk
                .iter()
                .map(|e| e.data_json.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(test)
        .fetch_all(&mut *conn)
        .await?;
        inserted.extend(ids);
    }
    Ok(inserted)
}

/// The result of the event first stored under `attempted`'s idempotency key.
async fn first_result(conn: &mut PgConnection, attempted: &NewEvent) -> StoreResult<EmitResult> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE organization_id = $1 AND idempotency_key = $2"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(attempted.organization_id.as_str())
        .bind(attempted.idempotency_key.as_deref())
        .fetch_one(&mut *conn)
        .await?;
    let first = rows::event(&row)?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE event_id = $1")
        .bind(first.id.0)
        .fetch_one(&mut *conn)
        .await?;
    let ids: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM deliveries WHERE event_id = $1 ORDER BY id LIMIT $2")
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

/// The row form of an event about to be stored.
pub(super) fn stored(event: &NewEvent) -> StoredEvent {
    StoredEvent {
        id: event.id,
        organization_id: event.organization_id.clone(),
        event_type: event.event_type,
        occurred_at: ts(event.occurred_at),
        created_at: ts(event.now),
        idempotency_key: event.idempotency_key.clone(),
        data_json: event.data_json.clone(),
    }
}

/// Inserts pending deliveries, skipping any (event, subscription) pair that
/// has one already; returns how many were inserted.
pub(super) async fn insert_pending_deliveries(
    conn: &mut PgConnection,
    rows: &[NewDelivery<'_>],
) -> StoreResult<u64> {
    let mut inserted = 0;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        inserted += sqlx::query(
            "INSERT INTO deliveries (id, organization_id, event_id, subscription_id, event_type, \
             status, next_attempt_at, created_at, updated_at) \
             SELECT id, organization_id, event_id, subscription_id, event_type, 'pending', at, at, at \
             FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], \
             $6::timestamptz[]) AS d (id, organization_id, event_id, subscription_id, event_type, at) \
             ON CONFLICT (event_id, subscription_id) DO NOTHING",
        )
        .bind(chunk.iter().map(|(id, ..)| id.0).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|(_, e, ..)| e.organization_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|(_, e, ..)| e.id.0).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, _, s, _)| *s).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|(_, e, ..)| e.event_type.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|(.., at)| ts(*at)).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(inserted)
}

pub async fn get(
    pool: &PgPool,
    org: &OrganizationId,
    id: EventId,
) -> StoreResult<Option<StoredEvent>> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1 AND organization_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .bind(org.as_str())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(rows::event).transpose()
}
