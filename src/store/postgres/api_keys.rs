//! API key rows.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use super::rows::{text, ts};
use crate::domain::api_key::{KeyHash, Role};
use crate::domain::ids::{ApiKeyId, OrganizationId};
use crate::store::{ApiKeyQuery, ApiKeyRecord, NewApiKey, StoreError, StoreResult};

const COLUMNS: &str = "id, organization_id, role, name, prefix, created_at, revoked_at";

fn record(row: &PgRow) -> StoreResult<ApiKeyRecord> {
    let role: String = row.try_get("role")?;
    Ok(ApiKeyRecord {
        id: ApiKeyId(row.try_get("id")?),
        organization_id: row
            .try_get::<Option<String>, _>("organization_id")?
            .map(OrganizationId::from_stored),
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("key role: {role}")))?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub async fn create(pool: &PgPool, new: NewApiKey) -> StoreResult<ApiKeyRecord> {
    let key = &new.record;
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    sqlx::query(
        "INSERT INTO api_keys (id, organization_id, role, name, prefix, key_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(key.id.0)
    .bind(key.organization_id.as_ref().map(|o| o.as_str().to_owned()))
    .bind(key.role.as_str())
    .bind(text(&key.name))
    .bind(&key.prefix)
    .bind(&new.hash.0[..])
    .bind(ts(key.created_at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(new.record)
}

pub async fn find(pool: &PgPool, hash: &KeyHash) -> StoreResult<Option<ApiKeyRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&hash.0[..])
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(record).transpose()
}

pub async fn list(pool: &PgPool, query: ApiKeyQuery) -> StoreResult<Vec<ApiKeyRecord>> {
    let mut sql: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("SELECT {COLUMNS} FROM api_keys WHERE "));
    match &query.organization_id {
        Some(org) => sql
            .push("organization_id = ")
            .push_bind(org.as_str().to_owned()),
        None => sql.push("organization_id IS NULL"),
    };
    if !query.show_revoked {
        sql.push(" AND revoked_at IS NULL");
    }
    if let Some(before) = query.before {
        sql.push(" AND id < ").push_bind(before.0);
    }
    sql.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(query.limit));
    let found = sql.build().fetch_all(pool).await?;
    found.iter().map(record).collect()
}

pub async fn revoke(
    pool: &PgPool,
    org: Option<&OrganizationId>,
    id: ApiKeyId,
    now: DateTime<Utc>,
) -> StoreResult<Option<ApiKeyRecord>> {
    let mut tx = super::begin(pool, super::Sync::Durable).await?;
    let mut sql: QueryBuilder<Postgres> =
        QueryBuilder::new("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ");
    sql.push_bind(ts(now)).push(") WHERE id = ").push_bind(id.0);
    if let Some(org) = org {
        sql.push(" AND organization_id = ")
            .push_bind(org.as_str().to_owned());
    }
    sql.push(format!(" RETURNING {COLUMNS}"));
    let row = sql.build().fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    row.as_ref().map(record).transpose()
}
