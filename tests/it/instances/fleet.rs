//! A fleet of instances on one database while events pour in: one killed
//! and another restarted, then a rolling restart, and nothing is lost or
//! sent twice.

use super::*;

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
        let per_id = bodies_by_delivery(&received);
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
