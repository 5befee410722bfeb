//! Leftovers of `listen` sessions on a database shared by several
//! instances. A temporary subscription's URL names the instance holding its
//! session (`listen://<instance>/<id>`, the instance's connections'
//! `application_name`): a session can be alive only while that instance is
//! connected, and, for this instance, only while it holds it.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::rows::ts;
use crate::domain::ids::{OrganizationId, SubscriptionId};
use crate::store::StoreResult;

pub async fn purge(
    pool: &PgPool,
    instance: &str,
    live: &[SubscriptionId],
    created_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    // `split_part(substr(url, 10), '/', 1)` is the host after `listen://`.
    let found: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT s.id, s.organization_id FROM subscriptions s \
         WHERE s.deleted_at IS NULL AND s.url LIKE 'listen://%' AND s.created_at < $1 \
         AND (split_part(substr(s.url, 10), '/', 1) = $2 OR NOT EXISTS ( \
              SELECT 1 FROM pg_stat_activity a \
              WHERE a.application_name = split_part(substr(s.url, 10), '/', 1)))",
    )
    .bind(ts(created_before))
    .bind(instance)
    .fetch_all(pool)
    .await?;
    let mut deleted = 0;
    for (id, org) in found {
        let id = SubscriptionId(id);
        if live.contains(&id) {
            continue;
        }
        let org = OrganizationId::from_stored(org);
        if super::subscriptions::delete(pool, &org, id, now)
            .await?
            .is_some()
        {
            deleted += 1;
        }
    }
    Ok(deleted)
}
