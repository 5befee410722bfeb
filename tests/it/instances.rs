//! Several instances on one PostgreSQL database: work one instance commits
//! is dispatched by another at once (it is notified, it does not wait for
//! its next sweep), and deliveries survive instances that are killed or
//! restarted while events pour in. (SQLite runs one process per file: these
//! tests are for PostgreSQL.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::helpers::*;
use inboundflow_webhooks::pb;

mod fleet;

const TYPES: &[pb::EventType] = &[pb::EventType::CallCompleted];

/// How long another instance may take to pick up notified work: far less
/// than the idle poll of the instance that must do it.
const AT_ONCE: Duration = Duration::from_secs(5);

/// Connections of the database at `url` listening for other instances' work.
async fn listeners(url: &str) -> i64 {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .expect("connect to the test database");
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count listeners")
}

/// Instances of the service connected to the database at `url`.
async fn instances_connected(url: &str) -> i64 {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .expect("connect to the test database");
    sqlx::query_scalar(
        "SELECT count(DISTINCT application_name) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name LIKE 'inboundflow-webhooks-%'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count instances")
}

async fn wait_for_listeners(url: &str, n: i64) {
    eventually(Duration::from_secs(10), || async move {
        (listeners(url).await == n).then_some(())
    })
    .await;
}

async fn set_enabled(app: &mut TestApp, org: &str, id: &str, enabled: bool) {
    let status = if enabled {
        pb::SubscriptionStatus::Enabled
    } else {
        pb::SubscriptionStatus::Disabled
    };
    app.subscriptions
        .update_subscription(pb::UpdateSubscriptionRequest {
            organization_id: org.into(),
            subscription: Some(pb::Subscription {
                id: id.into(),
                status: status as i32,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["status".into()],
            }),
            ..Default::default()
        })
        .await
        .expect("update status");
}

#[tokio::test]
async fn work_committed_through_a_busy_instance_is_delivered_by_another_at_once() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: one process per file, nothing to wake");
        return;
    }
    // The first instance's only attempt slot hangs for the whole test, so
    // whatever goes out below is sent by the second, which sweeps only at
    // its start: it can learn of the work only by being told.
    let mut busy = spawn_app_with(&[
        "--allow-private-targets",
        "--max-in-flight",
        "1",
        "--attempt-timeout",
        "60s",
        "--idle-poll",
        "1h",
        "--retry-schedule",
        "1h",
    ])
    .await;
    let hanging = TestReceiver::start_with(Behavior::Hang).await;
    busy.subscribe("org_hang", &hanging.url(), TYPES, None)
        .await;
    busy.emit(call_completed("org_hang", "holds the slot"))
        .await;
    hanging.wait_for(1, Duration::from_secs(10)).await;

    let url = busy.database_url.clone();
    let _free = spawn_on(
        &url,
        &[
            "--allow-private-targets",
            "--idle-poll",
            "1h",
            "--retry-schedule",
            "1h",
        ],
    )
    .await;
    wait_for_listeners(&url, 2).await;
    let org = "org_wake";
    let receiver = TestReceiver::start().await;
    receiver.script(&[Behavior::Status(503)]);
    let sub = busy.subscribe(org, &receiver.url(), TYPES, None).await;

    // An emit: its one attempt fails, the retry waits an hour.
    let emitted = busy.emit(call_completed(org, "emitted")).await;
    let delivery = &emitted.delivery_ids[0];
    receiver.wait_for(1, AT_ONCE).await;

    // A reactivation makes the waiting retry due now.
    set_enabled(&mut busy, org, &sub.id, false).await;
    set_enabled(&mut busy, org, &sub.id, true).await;
    receiver.wait_for(2, AT_ONCE).await;
    busy.delivery_reaches(org, delivery, pb::DeliveryStatus::Succeeded)
        .await;

    // A replay to a new subscription of the same organization.
    let late = TestReceiver::start().await;
    let second = busy.subscribe(org, &late.url(), TYPES, None).await;
    let replayed = busy
        .deliveries
        .replay_deliveries(pb::ReplayDeliveriesRequest {
            organization_id: org.into(),
            subscription_id: second.id.clone(),
            start_time: Some(prost_types::Timestamp {
                seconds: 0,
                nanos: 0,
            }),
        })
        .await
        .expect("replay")
        .into_inner();
    assert_eq!(replayed.created_count, 1);
    late.wait_for(1, AT_ONCE).await;

    // A redelivery, after the listeners lost their connections: they listen
    // again on their own.
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("connect");
    let dropped: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&mut admin)
    .await
    .expect("terminate the listeners");
    assert_eq!(dropped, [true, true]);
    eventually(Duration::from_secs(10), || {
        let url = url.clone();
        async move {
            let count = listeners(&url).await;
            (count == 2).then_some(())
        }
    })
    .await;
    busy.deliveries
        .redeliver_delivery(pb::RedeliverDeliveryRequest {
            organization_id: org.into(),
            delivery_id: delivery.clone(),
        })
        .await
        .expect("redeliver");
    let received = receiver.wait_for(3, AT_ONCE).await;
    assert!(
        received.iter().all(|r| r.delivery_id() == delivery),
        "the same delivery each time"
    );
    assert_eq!(
        hanging.received().len(),
        1,
        "the busy instance sent nothing else"
    );
}
