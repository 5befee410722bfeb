//! Keeping every stored signing secret sealed. At start, secrets that earlier
//! versions wrote as plain text are sealed, and every sealed one is opened
//! once, so a missing key stops the start instead of a delivery. Rotation
//! seals every secret again with the current first key.

use sqlx::{Connection, SqlitePool};
use uuid::Uuid;

use crate::domain::ids::SubscriptionId;
use crate::domain::secret_box::{SecretKeys, is_plaintext};
use crate::store::{StoreError, StoreResult};

/// Which secrets are sealed again.
/// Columns that hold sealed secrets: the current one and the one a
/// rotation is replacing.
const COLUMNS: [&str; 2] = ["signing_secret", "previous_signing_secret"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Reseal {
    PlainOnly,
    All,
}

/// Seals plain-text secrets and checks that the others open; returns how
/// many were sealed.
pub async fn seal_plaintext(pool: &SqlitePool, keys: &SecretKeys) -> StoreResult<u64> {
    reseal(pool, keys, Reseal::PlainOnly).await
}

/// Seals every secret with the first key; returns how many there are.
pub async fn reseal_all(pool: &SqlitePool, keys: &SecretKeys) -> StoreResult<u64> {
    reseal(pool, keys, Reseal::All).await
}

async fn reseal(pool: &SqlitePool, keys: &SecretKeys, which: Reseal) -> StoreResult<u64> {
    let mut conn = super::writer(pool, super::Sync::Durable).await?;
    // IMMEDIATE: no other writer may change a secret between this read and
    // the writes below.
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let mut sealed = 0;
    for column in COLUMNS {
        let stored: Vec<(Uuid, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, {column} FROM subscriptions WHERE {column} IS NOT NULL"
        )))
        .fetch_all(&mut *tx)
        .await?;
        for (id, text) in stored {
            let subscription = SubscriptionId(id);
            let secret =
                keys.open(&text, subscription)
                    .map_err(|source| StoreError::SigningSecret {
                        subscription,
                        source,
                    })?;
            if which == Reseal::All || is_plaintext(&text) {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE subscriptions SET {column} = ? WHERE id = ?"
                )))
                .bind(keys.seal(&secret, subscription))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sealed += 1;
            }
        }
    }
    tx.commit().await?;
    drop(conn);
    Ok(sealed)
}
