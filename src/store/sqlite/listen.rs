//! Leftovers of `listen` sessions. One process serves a SQLite file, so a
//! temporary subscription whose session that process does not hold belongs
//! to a session that ended (its delete failed) or to a process that crashed.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use uuid::Uuid;

use crate::domain::ids::{OrganizationId, SubscriptionId};
use crate::domain::time::to_micros;
use crate::store::StoreResult;

/// The host of every `listen://` URL: there is one instance.
pub const HOST: &str = "local";

pub async fn purge(
    writer: &SqlitePool,
    reader: &SqlitePool,
    live: &[SubscriptionId],
    created_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let found: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT id, organization_id FROM subscriptions \
         WHERE deleted_at IS NULL AND url LIKE 'listen://%' AND created_at < ?",
    )
    .bind(to_micros(created_before))
    .fetch_all(reader)
    .await?;
    let mut deleted = 0;
    for (id, org) in found {
        let id = SubscriptionId(id);
        if live.contains(&id) {
            continue;
        }
        let org = OrganizationId::from_stored(org);
        if super::subscriptions::delete(writer, &org, id, now)
            .await?
            .is_some()
        {
            deleted += 1;
        }
    }
    Ok(deleted)
}
