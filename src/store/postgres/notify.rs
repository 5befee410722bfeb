//! Instances wake each other for work one of them committed: PostgreSQL
//! `LISTEN`/`NOTIFY` on one channel.
//!
//! A transaction that makes deliveries due (an emit, a replay, a
//! redelivery, a reactivation, leases given back or freed) queues a
//! notification naming the subscriptions, inside the transaction, so it is
//! sent when (and only if) the transaction commits. Each instance listens on
//! its own connection and hands the subscriptions of the others'
//! notifications to its engine, which claims them at once instead of at its
//! next idle-poll sweep. Its own notifications it ignores: the instance that
//! committed the work already told its engine.
//!
//! Notifications are a shortcut, never the only way work is found: a
//! listener that lost its connection reconnects on its own and then asks
//! for a full sweep, which finds whatever was notified while it was away.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use crate::domain::ids::SubscriptionId;
use crate::store::{StoreResult, Wakeup};

/// The channel every instance of one database listens on.
pub const CHANNEL: &str = "inboundflow_work";

/// Subscription ids per notification: PostgreSQL refuses payloads of 8000
/// bytes or more, and an id takes 37 (with its separator) after the
/// sender's name.
const IDS_PER_NOTIFICATION: usize = 200;

/// Wakeups waiting for the engine at most; past this the listener waits,
/// and PostgreSQL keeps the notifications queued meanwhile.
const QUEUE: usize = 256;

/// Longest wait between attempts to reconnect the listener.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Queues, in the transaction on `conn`, notifications naming these
/// subscriptions as due, sent by `instance` when the transaction commits.
pub async fn due(
    conn: &mut PgConnection,
    instance: &str,
    subscriptions: impl IntoIterator<Item = Uuid>,
) -> StoreResult<()> {
    let mut ids: Vec<Uuid> = subscriptions.into_iter().collect();
    if ids.is_empty() {
        return Ok(());
    }
    ids.sort_unstable();
    ids.dedup();
    let payloads: Vec<String> = ids
        .chunks(IDS_PER_NOTIFICATION)
        .map(|chunk| payload(instance, chunk))
        .collect();
    sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
        .bind(CHANNEL)
        .bind(&payloads)
        .execute(conn)
        .await?;
    Ok(())
}

/// The sender's name, a space, then the ids separated by commas.
fn payload(instance: &str, ids: &[Uuid]) -> String {
    let mut text = String::with_capacity(instance.len() + 1 + ids.len() * 37);
    text.push_str(instance);
    text.push(' ');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&id.hyphenated().to_string());
    }
    text
}

/// The subscriptions a notification names, unless `instance` sent it. A
/// payload that does not parse names nothing (another version's format).
fn parse(payload: &str, instance: &str) -> Option<Vec<SubscriptionId>> {
    let (sender, ids) = payload.split_once(' ')?;
    if sender == instance {
        return None;
    }
    let ids: Vec<SubscriptionId> = ids
        .split(',')
        .filter_map(|id| Uuid::parse_str(id).ok().map(SubscriptionId))
        .collect();
    (!ids.is_empty()).then_some(ids)
}

/// Starts listening on the pool's database for `instance`, until `stop`
/// fires, the pool closes or the receiver is dropped.
pub fn listen(
    pool: PgPool,
    instance: Arc<str>,
    stop: CancellationToken,
    tasks: &TaskTracker,
) -> mpsc::Receiver<Wakeup> {
    let (wakeups, receiver) = mpsc::channel(QUEUE);
    tasks.spawn(async move {
        tokio::select! {
            () = run(&pool, &instance, &wakeups) => {}
            () = stop.cancelled() => {}
        }
    });
    receiver
}

async fn run(pool: &PgPool, instance: &str, wakeups: &mpsc::Sender<Wakeup>) {
    let mut backoff = Duration::from_millis(100);
    let mut first = true;
    loop {
        let mut listener = match subscribe(pool).await {
            Ok(listener) => listener,
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other instances' work; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        // Whatever was notified while no one listened is found by a sweep.
        if !std::mem::take(&mut first) && wakeups.send(Wakeup::Sweep).await.is_err() {
            return;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    let Some(ids) = parse(notification.payload(), instance) else {
                        continue;
                    };
                    if wakeups.send(Wakeup::Due(ids)).await.is_err() {
                        return;
                    }
                }
                // The connection dropped and the listener has listened again
                // on a new one: what was sent in between is lost.
                Ok(None) => {
                    tracing::info!("listening for other instances' work again");
                    if wakeups.send(Wakeup::Sweep).await.is_err() {
                        return;
                    }
                }
                Err(sqlx::Error::PoolClosed) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "lost the connection listening for other instances' work");
                    break;
                }
            }
        }
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_names_its_ids_for_everyone_but_its_sender() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
        let text = payload("inboundflow-webhooks-a", &ids);
        assert_eq!(parse(&text, "inboundflow-webhooks-a"), None);
        let parsed = parse(&text, "inboundflow-webhooks-b").expect("ids");
        assert_eq!(
            parsed,
            ids.into_iter().map(SubscriptionId).collect::<Vec<_>>()
        );
        assert_eq!(parse("garbage", "x"), None);
    }

    #[test]
    fn a_full_payload_stays_under_postgresqls_limit() {
        let ids: Vec<Uuid> = (0..IDS_PER_NOTIFICATION).map(|_| Uuid::new_v4()).collect();
        let instance = format!("inboundflow-webhooks-{}", Uuid::new_v4().simple());
        assert!(payload(&instance, &ids).len() < 8000);
    }
}
