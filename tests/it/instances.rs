//! Several instances on one PostgreSQL database: work one instance commits
//! is dispatched by another at once (it is notified, it does not wait for
//! its next sweep), and deliveries survive instances that are killed or
//! restarted while events pour in. (SQLite runs one process per file: these
//! tests are for PostgreSQL.)

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::helpers::*;
use inboundflow_webhooks::pb;

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

/// A fleet of service binaries on one database, and emitters that send
/// events round-robin through whichever of them are up.
struct Fleet {
    url: String,
    flags: Vec<&'static str>,
    instances: Vec<Option<tokio::process::Child>>,
    clients: Arc<Mutex<Vec<Option<TestApp>>>>,
}

impl Fleet {
    async fn start(url: &str, flags: &[&'static str], n: usize) -> Self {
        let mut fleet = Fleet {
            url: url.to_owned(),
            flags: flags.to_vec(),
            instances: (0..n).map(|_| None).collect(),
            clients: Arc::new(Mutex::new((0..n).map(|_| None).collect())),
        };
        for i in 0..n {
            fleet.launch(i).await;
        }
        fleet
    }

    async fn launch(&mut self, i: usize) {
        let (child, app) = start_binary(&self.url, &self.flags).await;
        self.instances[i] = Some(child);
        self.clients.lock().expect("lock")[i] = Some(app);
    }

    fn take_out(&mut self, i: usize) -> tokio::process::Child {
        self.clients.lock().expect("lock")[i] = None;
        self.instances[i].take().expect("a running instance")
    }

    fn kill(&mut self, i: usize) {
        self.take_out(i).start_kill().expect("SIGKILL");
    }

    /// SIGTERM, then waits for the instance to exit cleanly.
    async fn stop(&mut self, i: usize) {
        let mut child = self.take_out(i);
        let pid = child.id().expect("pid").to_string();
        let status = tokio::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill -TERM");
        assert!(status.success());
        let exited = tokio::time::timeout(Duration::from_secs(20), child.wait())
            .await
            .expect("exits after its attempts finish")
            .expect("exit status");
        assert!(exited.success(), "exit status {exited:?}");
    }
}

/// Emits `total` events, one per request, over `orgs` in turn, through the
/// fleet's instances in turn (skipping those that are down), from many
/// tasks at once (so group commits fill). Each task returns the delivery
/// ids of the emits acknowledged to it; `acknowledged` counts those emits
/// as they happen.
fn emit_round_robin(
    clients: Arc<Mutex<Vec<Option<TestApp>>>>,
    orgs: &'static [&'static str],
    total: usize,
    acknowledged: Arc<AtomicUsize>,
) -> tokio::task::JoinSet<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..48 {
        let (clients, next, acknowledged) = (clients.clone(), next.clone(), acknowledged.clone());
        tasks.spawn(async move {
            let mut ids = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return ids;
                }
                let Some(mut events) = ({
                    let clients = clients.lock().expect("lock");
                    let n = clients.len();
                    (0..n).find_map(|k| clients[(i + k) % n].as_ref().map(|a| a.events.clone()))
                }) else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let org = orgs[i % orgs.len()];
                // An emit through an instance going down may fail: it was
                // never acknowledged, so nothing is owed for it.
                if let Ok(answer) = events
                    .emit_event(call_completed(org, &format!("event {i}")))
                    .await
                {
                    ids.extend(answer.into_inner().delivery_ids);
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    tasks
}

async fn until_acknowledged(acknowledged: &AtomicUsize, n: usize) {
    eventually(Duration::from_secs(60), || async move {
        (acknowledged.load(Ordering::Relaxed) >= n).then_some(())
    })
    .await;
}

/// Waits for every acknowledged delivery to arrive; returns how many
/// requests were duplicates, having checked that each duplicate has its
/// delivery's id and bytes.
async fn all_arrive(receiver: &TestReceiver, ids: &[String]) -> usize {
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let received = receiver.received();
        let mut per_id: HashMap<&str, &[u8]> = HashMap::new();
        for request in &received {
            let first = per_id.entry(request.delivery_id()).or_insert(&request.body);
            assert_eq!(
                *first,
                &request.body[..],
                "a duplicate carries the same delivery id and the same bytes"
            );
        }
        let missing = ids
            .iter()
            .filter(|id| !per_id.contains_key(id.as_str()))
            .count();
        if missing == 0 {
            return received.len() - per_id.len();
        }
        assert!(
            Instant::now() < deadline,
            "{missing} of {} acknowledged deliveries never arrived",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const ORGS: &[&str] = &["org_fleet_a", "org_fleet_b", "org_fleet_c", "org_fleet_d"];
/// Attempts one instance has in flight at most: the most a SIGKILL can
/// leave unrecorded, so the most that may be sent twice.
const MAX_IN_FLIGHT: &str = "16";
const FLEET_FLAGS: &[&str] = &[
    "--max-in-flight",
    MAX_IN_FLIGHT,
    "--attempt-timeout",
    "5s",
    "--retry-schedule",
    "100ms,100ms,100ms",
    "--retry-jitter",
    "0",
];

async fn fleet_with_subscriptions(receiver: &TestReceiver) -> (TestDatabase, Fleet) {
    let database = TestDatabase::new().await;
    let fleet = Fleet::start(database.url(), FLEET_FLAGS, 3).await;
    let mut subscriptions = fleet.clients.lock().expect("lock")[0]
        .as_ref()
        .expect("up")
        .subscriptions
        .clone();
    for org in ORGS {
        subscriptions
            .create_subscription(pb::CreateSubscriptionRequest {
                organization_id: (*org).into(),
                subscription: Some(pb::Subscription {
                    url: receiver.url(),
                    integration: pb::Integration::Custom as i32,
                    event_types: TYPES.iter().map(|t| *t as i32).collect(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .expect("subscribe");
    }
    (database, fleet)
}

#[tokio::test]
async fn three_instances_lose_nothing_when_one_is_killed_and_another_restarted() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: one process per file");
        return;
    }
    let receiver = TestReceiver::start_with(Behavior::Delay(Duration::from_millis(5))).await;
    let (_database, mut fleet) = fleet_with_subscriptions(&receiver).await;
    let total = 2000;
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut emitters = emit_round_robin(fleet.clients.clone(), ORGS, total, acknowledged.clone());

    until_acknowledged(&acknowledged, total / 3).await;
    fleet.kill(2);
    until_acknowledged(&acknowledged, total / 2).await;
    fleet.stop(1).await;
    // Once the killed instance's connections are gone, the restarted one
    // frees its leases at start.
    let url = fleet.url.clone();
    eventually(Duration::from_secs(10), || {
        let url = url.clone();
        async move { (instances_connected(&url).await == 1).then_some(()) }
    })
    .await;
    fleet.launch(1).await;

    let mut ids = Vec::new();
    while let Some(sent) = emitters.join_next().await {
        ids.extend(sent.expect("emitter"));
    }
    let duplicates = all_arrive(&receiver, &ids).await;
    eprintln!(
        "{} deliveries acknowledged through 3 instances (one killed, one restarted); \
         {duplicates} sent twice",
        ids.len()
    );
    assert!(ids.len() >= total / 2, "most emits were acknowledged");
    let bound: usize = MAX_IN_FLIGHT.parse().expect("a number");
    assert!(
        duplicates <= bound,
        "{duplicates} duplicates: more than the killed instance had in flight"
    );
}

#[tokio::test]
async fn a_rolling_restart_of_three_instances_loses_and_repeats_nothing() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: one process per file");
        return;
    }
    let receiver = TestReceiver::start_with(Behavior::Delay(Duration::from_millis(5))).await;
    let (_database, mut fleet) = fleet_with_subscriptions(&receiver).await;
    let total = 1500;
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut emitters = emit_round_robin(fleet.clients.clone(), ORGS, total, acknowledged.clone());
    for i in 0..3 {
        until_acknowledged(&acknowledged, total * (i + 1) / 4).await;
        fleet.stop(i).await;
        fleet.launch(i).await;
    }
    let mut ids = Vec::new();
    while let Some(sent) = emitters.join_next().await {
        ids.extend(sent.expect("emitter"));
    }
    let duplicates = all_arrive(&receiver, &ids).await;
    eprintln!(
        "{} deliveries acknowledged through a rolling restart",
        ids.len()
    );
    assert_eq!(duplicates, 0, "a graceful stop finishes what it started");
}
