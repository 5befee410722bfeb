//! A PostgreSQL server restarted under load, and a pool that loses every
//! connection at once, heal without restarting the service: emits in that
//! window are refused with UNAVAILABLE and retry advice (never INTERNAL),
//! health turns NOT_SERVING and back, nothing acknowledged is lost or left
//! undelivered, and nothing refused is half-stored.
//!
//! The test stops and starts a cluster of its own (the suite's shared one
//! serves other tests meanwhile), so it runs only on PostgreSQL.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_pgfaults";
/// Callers emitting at once.
const CALLERS: usize = 6;

/// A PostgreSQL cluster in a temporary directory, stopped when dropped.
struct OwnCluster {
    dir: tempfile::TempDir,
    url: String,
}

impl OwnCluster {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = postgres_script("start", dir.path());
        Self { dir, url }
    }

    fn stop(&self) {
        postgres_script("stop", self.dir.path());
    }

    /// Starts the cluster again, on the port it had.
    fn restart(&self) {
        let url = postgres_script("start", self.dir.path());
        assert_eq!(url, self.url, "the cluster came back on another port");
    }
}

impl Drop for OwnCluster {
    /// Stops the cluster without panicking, as a failed test drops it too.
    fn drop(&mut self) {
        let stopped = Command::new(script())
            .arg("stop")
            .arg(self.dir.path())
            .status();
        if !matches!(stopped, Ok(s) if s.success()) {
            eprintln!(
                "could not stop the cluster in {}: {stopped:?}",
                self.dir.path().display()
            );
        }
    }
}

fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/postgres.sh")
}

/// Runs `scripts/postgres.sh ACTION DIR` and returns what it printed.
fn postgres_script(action: &str, dir: &Path) -> String {
    let output = Command::new(script())
        .arg(action)
        .arg(dir)
        .output()
        .expect("run scripts/postgres.sh");
    assert!(
        output.status.success(),
        "postgres.sh {action} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8 output")
        .trim()
        .to_owned()
}

/// What the callers saw: acknowledged events (id, deliveries) and refused
/// emits (idempotency key, code).
#[derive(Default)]
struct Seen {
    acknowledged: Vec<(String, Vec<String>)>,
    refused: Vec<(String, Code)>,
}

/// Callers emitting until stopped, each emit with an idempotency key of its own.
struct Load {
    seen: Arc<Mutex<Seen>>,
    stop: CancellationToken,
    callers: tokio::task::JoinSet<()>,
}

impl Load {
    fn start(app: &TestApp) -> Self {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let stop = CancellationToken::new();
        let mut callers = tokio::task::JoinSet::new();
        for caller in 0..CALLERS {
            let (mut events, seen, stop) = (app.events.clone(), seen.clone(), stop.clone());
            callers.spawn(async move {
                for n in 0.. {
                    if stop.is_cancelled() {
                        return;
                    }
                    let key = format!("load-{caller}-{n}");
                    let answer = events.emit_event(keyed_event(&key)).await;
                    let mut seen = seen.lock().expect("load record");
                    match answer {
                        Ok(answer) => {
                            let answer = answer.into_inner();
                            let event = answer.event.expect("stored event");
                            seen.acknowledged.push((event.id, answer.delivery_ids));
                        }
                        Err(status) => {
                            assert_refused(&status);
                            seen.refused.push((key, status.code()));
                        }
                    }
                }
            });
        }
        Self {
            seen,
            stop,
            callers,
        }
    }

    fn counts(&self) -> (usize, usize) {
        let seen = self.seen.lock().expect("load record");
        (seen.acknowledged.len(), seen.refused.len())
    }

    /// Waits until `more` emits past the present count have been acknowledged.
    async fn acknowledges(&self, more: usize, limit: Duration) {
        let wanted = self.counts().0 + more;
        eventually(limit, || async {
            (self.counts().0 >= wanted).then_some(())
        })
        .await;
    }

    /// Waits until an emit past the present count has been refused.
    async fn refuses(&self, limit: Duration) {
        let wanted = self.counts().1 + 1;
        eventually(limit, || async {
            (self.counts().1 >= wanted).then_some(())
        })
        .await;
    }

    async fn finish(mut self) -> Seen {
        self.stop.cancel();
        while let Some(caller) = self.callers.join_next().await {
            caller.expect("caller");
        }
        std::mem::take(&mut *self.seen.lock().expect("load record"))
    }
}

fn keyed_event(key: &str) -> pb::EmitEventRequest {
    pb::EmitEventRequest {
        idempotency_key: key.into(),
        ..call_completed(ORG, key)
    }
}

/// Asserts `status` is a storage outage's refusal: retry later.
fn assert_refused(status: &tonic::Status) {
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(status.get_details_retry_info().is_some(), "{status:?}");
}

async fn health(app: &TestApp) -> i32 {
    HealthClient::new(connect(app.address).await)
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health check")
        .into_inner()
        .status
}

async fn health_becomes(app: &TestApp, status: ServingStatus, limit: Duration) {
    eventually(limit, || async {
        (health(app).await == status as i32).then_some(())
    })
    .await;
}

/// Ends every server-side connection of the service's pool.
async fn terminate_service_connections(cluster_url: &str) -> u64 {
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(cluster_url)
        .await
        .expect("connect to the cluster");
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
         AND application_name LIKE 'inboundflow-webhooks-%'",
    )
    .fetch_all(&mut admin)
    .await
    .expect("terminate the service's connections");
    ended.into_iter().filter(|e| *e).count() as u64
}

#[tokio::test]
async fn a_restarted_database_and_a_lost_pool_heal_without_losing_acknowledged_events() {
    if !on_postgres() {
        eprintln!("skipped: runs only with INBOUNDFLOW_TEST_POSTGRES_URL (stops its own cluster)");
        return;
    }
    let cluster = OwnCluster::start();
    let receiver = TestReceiver::start().await;
    let mut app = spawn_on(&cluster.url, FAST).await;
    app.subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let load = Load::start(&app);
    load.acknowledges(20, Duration::from_secs(10)).await;

    // The database goes away under load.
    cluster.stop();
    load.refuses(Duration::from_secs(10)).await;
    health_becomes(&app, ServingStatus::NotServing, Duration::from_secs(5)).await;
    let refused = tokio::time::timeout(
        Duration::from_secs(10),
        app.events.emit_event(keyed_event("while-down")),
    )
    .await
    .expect("an emit is answered promptly while the database is down")
    .expect_err("no emit is stored while the database is down");
    assert_refused(&refused);

    // It comes back: the same process serves again.
    cluster.restart();
    health_becomes(&app, ServingStatus::Serving, Duration::from_secs(5)).await;
    load.acknowledges(20, Duration::from_secs(10)).await;

    // Every connection of the pool is lost at once.
    assert!(terminate_service_connections(&cluster.url).await > 0);
    load.acknowledges(20, Duration::from_secs(10)).await;
    health_becomes(&app, ServingStatus::Serving, Duration::from_secs(5)).await;

    let seen = load.finish().await;
    assert_kept_and_delivered(&mut app, &receiver, &seen).await;
    app.stop().await;
}

/// Every acknowledged event is stored and delivered; each refused emit,
/// retried with its key, is one event with its delivery.
async fn assert_kept_and_delivered(app: &mut TestApp, receiver: &TestReceiver, seen: &Seen) {
    let mut wanted: HashSet<String> = HashSet::new();
    for (event_id, deliveries) in &seen.acknowledged {
        app.events
            .get_event(pb::GetEventRequest {
                organization_id: ORG.into(),
                event_id: event_id.clone(),
            })
            .await
            .expect("an acknowledged event is still stored");
        assert_eq!(deliveries.len(), 1, "one delivery per event");
        wanted.extend(deliveries.iter().cloned());
    }
    for (key, _) in &seen.refused {
        let first = app.emit(keyed_event(key)).await;
        let again = app.emit(keyed_event(key)).await;
        assert!(again.duplicate);
        assert_eq!(again.event, first.event, "one event per key");
        assert_eq!(first.delivery_count, 1, "a refused emit was half-stored");
        wanted.extend(first.delivery_ids);
    }
    eventually(Duration::from_secs(20), || async {
        let seen: HashSet<String> = receiver
            .received()
            .iter()
            .map(|r| r.delivery_id().to_owned())
            .collect();
        wanted.iter().all(|d| seen.contains(d)).then_some(())
    })
    .await;
}
