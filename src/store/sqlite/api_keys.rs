//! API key rows.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::domain::api_key::{KeyHash, Role};
use crate::domain::ids::{ApiKeyId, OrganizationId};
use crate::domain::time::{from_micros, to_micros};
use crate::store::{ApiKeyQuery, ApiKeyRecord, NewApiKey, StoreError, StoreResult};

const COLUMNS: &str = "id, organization_id, role, name, prefix, created_at, revoked_at";

fn record(row: &SqliteRow) -> StoreResult<ApiKeyRecord> {
    let role: String = row.try_get("role")?;
    Ok(ApiKeyRecord {
        id: ApiKeyId(row.try_get("id")?),
        organization_id: row
            .try_get::<Option<String>, _>("organization_id")?
            .map(OrganizationId::from_stored),
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("key role: {role}")))?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        created_at: from_micros(row.try_get("created_at")?),
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(from_micros),
    })
}

pub async fn create(pool: &SqlitePool, new: NewApiKey) -> StoreResult<ApiKeyRecord> {
    let key = &new.record;
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    sqlx::query(
        "INSERT INTO api_keys (id, organization_id, role, name, prefix, key_hash, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(key.id.0)
    .bind(key.organization_id.as_ref().map(|o| o.as_str().to_owned()))
    .bind(key.role.as_str())
    .bind(&key.name)
    .bind(&key.prefix)
    .bind(&new.hash.0[..])
    .bind(to_micros(key.created_at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(new.record)
}

pub async fn find(pool: &SqlitePool, hash: &KeyHash) -> StoreResult<Option<ApiKeyRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE key_hash = ?");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&hash.0[..])
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(record).transpose()
}

pub async fn list(pool: &SqlitePool, query: ApiKeyQuery) -> StoreResult<Vec<ApiKeyRecord>> {
    let mut sql: QueryBuilder<Sqlite> =
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
    pool: &SqlitePool,
    org: Option<&OrganizationId>,
    id: ApiKeyId,
    now: DateTime<Utc>,
) -> StoreResult<Option<ApiKeyRecord>> {
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    let mut tx = super::begin_immediate(&mut conn).await?;
    let mut sql: QueryBuilder<Sqlite> =
        QueryBuilder::new("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ");
    sql.push_bind(to_micros(now))
        .push(") WHERE id = ")
        .push_bind(id.0);
    if let Some(org) = org {
        sql.push(" AND organization_id = ")
            .push_bind(org.as_str().to_owned());
    }
    sql.push(format!(" RETURNING {COLUMNS}"));
    let row = sql.build().fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    row.as_ref().map(record).transpose()
}
