//! The rows of each table, read from SQLite's schema (`migrations/sqlite`:
//! 16-byte id blobs, instants in microseconds, 0/1 flags) and written in
//! PostgreSQL's (`migrations/postgres`: `uuid`, `timestamptz`, `boolean`),
//! with the same ids and instants. Parents go before children, so the
//! foreign keys hold at every insert.

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection, Postgres, SqliteConnection, Transaction};
use uuid::Uuid;

use inboundflow_webhooks::domain::secret_box::SecretKeys;
use inboundflow_webhooks::domain::time::from_micros;

mod subscriptions;
use subscriptions::subscriptions;

/// Rows per read and per insert: bounds the memory a copy needs, whatever
/// the database's size.
const BATCH: i64 = 1000;

/// The tables a copy fills, which must all be empty before it.
const TABLES: [&str; 5] = [
    "subscriptions",
    "api_keys",
    "events",
    "deliveries",
    "attempts",
];

/// Keys that open the SQLite secrets and keys that seal them for PostgreSQL.
pub struct Keys {
    pub source: SecretKeys,
    pub target: SecretKeys,
}

/// What was copied.
#[derive(Debug, Default)]
pub struct Counts {
    pub subscriptions: u64,
    pub api_keys: u64,
    pub events: u64,
    pub deliveries: u64,
    /// Pending deliveries, which keep their schedule.
    pub waiting: u64,
    /// Deliveries leased by the SQLite service, made pending and due at the
    /// copy: their lease belonged to a process that will not finish them.
    pub in_flight: u64,
    pub attempts: u64,
}

/// Copies every table inside one SQLite read transaction and one
/// PostgreSQL transaction; `now` is when in-flight deliveries become due.
pub async fn copy_all(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    keys: &Keys,
    now: DateTime<Utc>,
) -> anyhow::Result<Counts> {
    let mut read = source.begin().await?;
    let mut write = target.begin().await?;
    refuse_unless_empty(&mut write).await?;
    let mut counts = Counts {
        subscriptions: subscriptions(&mut read, &mut write, keys).await?,
        api_keys: api_keys(&mut read, &mut write).await?,
        events: events(&mut read, &mut write).await?,
        ..Counts::default()
    };
    deliveries(&mut read, &mut write, now, &mut counts).await?;
    counts.attempts = attempts(&mut read, &mut write).await?;
    write.commit().await.context("cannot commit the copy")?;
    read.rollback().await?;
    Ok(counts)
}

/// Refuses a target with any row: copying into it would mix two histories
/// (and clash on ids if it is a copy already). The lock keeps a service
/// started on the target meanwhile from writing until the copy commits.
async fn refuse_unless_empty(tx: &mut Transaction<'_, Postgres>) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "LOCK TABLE {} IN EXCLUSIVE MODE",
        TABLES.join(", ")
    )))
    .execute(&mut **tx)
    .await?;
    let mut holding = Vec::new();
    for table in TABLES {
        let any: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT EXISTS (SELECT 1 FROM {table})"
        )))
        .fetch_one(&mut **tx)
        .await?;
        if any {
            holding.push(table);
        }
    }
    if !holding.is_empty() {
        bail!(
            "--to already holds data (in {}): copy only into a new, empty database",
            holding.join(", ")
        );
    }
    Ok(())
}

fn time(us: i64) -> DateTime<Utc> {
    from_micros(us)
}

fn maybe_time(us: Option<i64>) -> Option<DateTime<Utc>> {
    us.map(from_micros)
}

#[derive(sqlx::FromRow)]
struct ApiKeyRow {
    id: Uuid,
    organization_id: Option<String>,
    role: String,
    name: String,
    prefix: String,
    key_hash: Vec<u8>,
    created_at: i64,
    revoked_at: Option<i64>,
}

async fn api_keys(read: &mut SqliteConnection, write: &mut PgConnection) -> anyhow::Result<u64> {
    let mut after = Uuid::nil();
    let mut copied = 0;
    loop {
        let rows: Vec<ApiKeyRow> = sqlx::query_as(
            "SELECT id, organization_id, role, name, prefix, key_hash, created_at, revoked_at \
             FROM api_keys WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *read)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(copied);
        };
        after = last.id;
        sqlx::query(
            "INSERT INTO api_keys (id, organization_id, role, name, prefix, key_hash, \
             created_at, revoked_at) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::bytea[], $7::timestamptz[], $8::timestamptz[])",
        )
        .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.organization_id.clone())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| r.role.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.prefix.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.key_hash.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| time(r.created_at)).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| maybe_time(r.revoked_at))
                .collect::<Vec<_>>(),
        )
        .execute(&mut *write)
        .await
        .context("cannot insert API keys")?;
        copied += rows.len() as u64;
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    organization_id: String,
    event_type: String,
    occurred_at: i64,
    created_at: i64,
    idempotency_key: Option<String>,
    data: String,
    test: bool,
}

async fn events(read: &mut SqliteConnection, write: &mut PgConnection) -> anyhow::Result<u64> {
    let mut after = Uuid::nil();
    let mut copied = 0;
    loop {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT id, organization_id, event_type, occurred_at, created_at, idempotency_key, \
             data, test FROM events WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *read)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(copied);
        };
        after = last.id;
        sqlx::query(
            "INSERT INTO events (id, organization_id, event_type, occurred_at, created_at, \
             idempotency_key, data, test) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], \
             $5::timestamptz[], $6::text[], $7::text[], $8::bool[])",
        )
        .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.organization_id.clone())
                .collect::<Vec<_>>(),
        )
        .bind(
            rows.iter()
                .map(|r| r.event_type.clone())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| time(r.occurred_at)).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| time(r.created_at)).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.idempotency_key.clone())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| r.data.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.test).collect::<Vec<_>>())
        .execute(&mut *write)
        .await
        .context("cannot insert events")?;
        copied += rows.len() as u64;
    }
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    organization_id: String,
    event_id: Uuid,
    subscription_id: Uuid,
    event_type: String,
    status: String,
    attempt_count: i32,
    round_failures: i32,
    next_attempt_at: Option<i64>,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    last_error_kind: Option<String>,
    test: bool,
    created_at: i64,
    updated_at: i64,
}

/// Deliveries with their schedule; leases are not copied (see
/// [`Counts::in_flight`]).
async fn deliveries(
    read: &mut SqliteConnection,
    write: &mut PgConnection,
    now: DateTime<Utc>,
    counts: &mut Counts,
) -> anyhow::Result<()> {
    let mut after = Uuid::nil();
    loop {
        let mut rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT id, organization_id, event_id, subscription_id, event_type, status, \
             attempt_count, round_failures, next_attempt_at, last_status_code, last_error, \
             test, created_at, updated_at, last_error_kind FROM deliveries WHERE id > ? \
             ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *read)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.id;
        let mut next_attempt_at = Vec::with_capacity(rows.len());
        for row in &mut rows {
            match row.status.as_str() {
                "in_flight" => {
                    row.status = "pending".into();
                    next_attempt_at.push(Some(now));
                    counts.in_flight += 1;
                }
                status => {
                    counts.waiting += u64::from(status == "pending");
                    next_attempt_at.push(maybe_time(row.next_attempt_at));
                }
            }
        }
        sqlx::query(
            "INSERT INTO deliveries (id, organization_id, event_id, subscription_id, event_type, \
             status, attempt_count, round_failures, next_attempt_at, last_status_code, \
             last_error, test, created_at, updated_at, last_error_kind) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], \
             $6::text[], $7::int4[], $8::int4[], $9::timestamptz[], $10::int4[], $11::text[], \
             $12::bool[], $13::timestamptz[], $14::timestamptz[], $15::text[])",
        )
        .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.organization_id.clone())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| r.event_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.subscription_id).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.event_type.clone())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| r.status.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.attempt_count).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.round_failures).collect::<Vec<_>>())
        .bind(next_attempt_at)
        .bind(rows.iter().map(|r| r.last_status_code).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.last_error.clone())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| r.test).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| time(r.created_at)).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| time(r.updated_at)).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.last_error_kind.clone())
                .collect::<Vec<_>>(),
        )
        .execute(&mut *write)
        .await
        .context("cannot insert deliveries")?;
        counts.deliveries += rows.len() as u64;
    }
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    delivery_id: Uuid,
    number: i32,
    started_at: i64,
    duration_us: i64,
    status_code: Option<i32>,
    error: Option<String>,
    error_kind: Option<String>,
    response_excerpt: String,
}

async fn attempts(read: &mut SqliteConnection, write: &mut PgConnection) -> anyhow::Result<u64> {
    let (mut after, mut after_number) = (Uuid::nil(), 0_i32);
    let mut copied = 0;
    loop {
        let rows: Vec<AttemptRow> = sqlx::query_as(
            "SELECT delivery_id, number, started_at, duration_us, status_code, error, \
             error_kind, response_excerpt FROM attempts WHERE (delivery_id, number) > (?, ?) \
             ORDER BY delivery_id, number LIMIT ?",
        )
        .bind(after)
        .bind(after_number)
        .bind(BATCH)
        .fetch_all(&mut *read)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(copied);
        };
        (after, after_number) = (last.delivery_id, last.number);
        sqlx::query(
            "INSERT INTO attempts (delivery_id, number, started_at, duration_us, status_code, \
             error, response_excerpt, error_kind) \
             SELECT * FROM unnest($1::uuid[], $2::int4[], $3::timestamptz[], $4::int8[], \
             $5::int4[], $6::text[], $7::text[], $8::text[])",
        )
        .bind(rows.iter().map(|r| r.delivery_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.number).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| time(r.started_at)).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.duration_us).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.status_code).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.error.clone()).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.response_excerpt.clone())
                .collect::<Vec<_>>(),
        )
        .bind(
            rows.iter()
                .map(|r| r.error_kind.clone())
                .collect::<Vec<_>>(),
        )
        .execute(&mut *write)
        .await
        .context("cannot insert attempts")?;
        copied += rows.len() as u64;
    }
}
