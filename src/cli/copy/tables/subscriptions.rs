//! Subscriptions, with their secrets (the current one and a rotation's
//! previous one) opened with the source's keys and sealed with the target's.

use anyhow::Context;
use sqlx::{PgConnection, SqliteConnection};
use uuid::Uuid;

use super::{BATCH, Keys, maybe_time, time};
use inboundflow_webhooks::domain::ids::SubscriptionId;

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: Uuid,
    organization_id: String,
    url: String,
    integration: String,
    event_types: i64,
    description: String,
    signing_secret: Option<String>,
    signature_scheme: String,
    previous_signing_secret: Option<String>,
    previous_secret_until: Option<i64>,
    status: String,
    disabled_reason: Option<String>,
    consecutive_failures: i32,
    last_success_at: Option<i64>,
    last_failure_at: Option<i64>,
    last_error: Option<String>,
    last_error_kind: Option<String>,
    created_at: i64,
    updated_at: i64,
    deleted_at: Option<i64>,
}

pub(super) async fn subscriptions(
    read: &mut SqliteConnection,
    write: &mut PgConnection,
    keys: &Keys,
) -> anyhow::Result<u64> {
    let mut after = Uuid::nil();
    let mut copied = 0;
    loop {
        let rows: Vec<SubscriptionRow> = sqlx::query_as(
            "SELECT id, organization_id, url, integration, event_types, description, \
             signing_secret, status, disabled_reason, consecutive_failures, last_success_at, \
             last_failure_at, last_error, created_at, updated_at, deleted_at, \
             signature_scheme, previous_signing_secret, previous_secret_until, last_error_kind \
             FROM subscriptions WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *read)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(copied);
        };
        after = last.id;
        let mut secrets = Vec::with_capacity(rows.len());
        let mut previous = Vec::with_capacity(rows.len());
        for row in &rows {
            secrets.push(reseal(keys, row.signing_secret.as_deref(), row.id)?);
            previous.push(reseal(
                keys,
                row.previous_signing_secret.as_deref(),
                row.id,
            )?);
        }
        sqlx::query(
            "INSERT INTO subscriptions (id, organization_id, url, integration, event_types, \
             description, signing_secret, status, disabled_reason, consecutive_failures, \
             last_success_at, last_failure_at, last_error, created_at, updated_at, deleted_at, \
             signature_scheme, previous_signing_secret, previous_secret_until, last_error_kind) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int8[], \
             $6::text[], $7::text[], $8::text[], $9::text[], $10::int4[], $11::timestamptz[], \
             $12::timestamptz[], $13::text[], $14::timestamptz[], $15::timestamptz[], \
             $16::timestamptz[], $17::text[], $18::text[], $19::timestamptz[], $20::text[])",
        )
        .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.organization_id.clone())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| r.url.clone()).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.integration.clone())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| r.event_types).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.description.clone())
                .collect::<Vec<_>>(),
        )
        .bind(secrets)
        .bind(rows.iter().map(|r| r.status.clone()).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.disabled_reason.clone())
                .collect::<Vec<_>>(),
        )
        .bind(
            rows.iter()
                .map(|r| r.consecutive_failures)
                .collect::<Vec<_>>(),
        )
        .bind(
            rows.iter()
                .map(|r| maybe_time(r.last_success_at))
                .collect::<Vec<_>>(),
        )
        .bind(
            rows.iter()
                .map(|r| maybe_time(r.last_failure_at))
                .collect::<Vec<_>>(),
        )
        .bind(
            rows.iter()
                .map(|r| r.last_error.clone())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| time(r.created_at)).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| time(r.updated_at)).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| maybe_time(r.deleted_at))
                .collect::<Vec<_>>(),
        )
        .bind(
            rows.iter()
                .map(|r| r.signature_scheme.clone())
                .collect::<Vec<_>>(),
        )
        .bind(previous)
        .bind(
            rows.iter()
                .map(|r| maybe_time(r.previous_secret_until))
                .collect::<Vec<_>>(),
        )
        .bind(
            rows.iter()
                .map(|r| r.last_error_kind.clone())
                .collect::<Vec<_>>(),
        )
        .execute(&mut *write)
        .await
        .context("cannot insert subscriptions")?;
        copied += rows.len() as u64;
    }
}

/// A sealed secret opened with the source's keys and sealed with the target's.
fn reseal(keys: &Keys, stored: Option<&str>, id: Uuid) -> anyhow::Result<Option<String>> {
    let id = SubscriptionId(id);
    stored
        .map(|stored| {
            keys.source
                .open(stored, id)
                .map(|secret| keys.target.seal(&secret, id))
        })
        .transpose()
        .with_context(|| format!("cannot open a signing secret of subscription {id}"))
}
