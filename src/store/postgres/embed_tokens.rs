//! Embed token rows.

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use super::rows::ts;
use crate::domain::api_key::KeyHash;
use crate::domain::ids::{ApiKeyId, OrganizationId};
use crate::store::{EmbedTokenRecord, NewEmbedToken, StoreResult};

/// Expired tokens deleted per new one: more than are ever made between two,
/// so the table stays small, and bounded so minting never stalls on a purge.
const PURGE_BATCH: i64 = 100;

fn record(row: &PgRow) -> StoreResult<EmbedTokenRecord> {
    Ok(EmbedTokenRecord {
        id: row.try_get("id")?,
        organization_id: OrganizationId::from_stored(row.try_get("organization_id")?),
        api_key_id: ApiKeyId(row.try_get("api_key_id")?),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

pub async fn create(pool: &PgPool, new: NewEmbedToken) -> StoreResult<EmbedTokenRecord> {
    let token = &new.record;
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    // SKIP LOCKED: two instances minting at once purge different rows
    // instead of waiting on each other.
    sqlx::query(
        "DELETE FROM embed_tokens WHERE id IN \
         (SELECT id FROM embed_tokens WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 \
          FOR UPDATE SKIP LOCKED)",
    )
    .bind(ts(token.created_at))
    .bind(PURGE_BATCH)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO embed_tokens (id, organization_id, api_key_id, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token.id)
    .bind(token.organization_id.as_str())
    .bind(token.api_key_id.0)
    .bind(&new.hash.0[..])
    .bind(ts(token.created_at))
    .bind(ts(token.expires_at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(new.record)
}

pub async fn find(pool: &PgPool, hash: &KeyHash) -> StoreResult<Option<EmbedTokenRecord>> {
    let row = sqlx::query(
        "SELECT t.id, t.organization_id, t.api_key_id, t.created_at, t.expires_at \
         FROM embed_tokens t JOIN api_keys k ON k.id = t.api_key_id \
         WHERE t.token_hash = $1 AND k.revoked_at IS NULL",
    )
    .bind(&hash.0[..])
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(record).transpose()
}
