//! Storage faults heal without a restart: a database that is full refuses
//! emits with RESOURCE_EXHAUSTED and retry advice, health turns NOT_SERVING,
//! and once there is room again the same process serves, stores and
//! delivers, with nothing acknowledged lost.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_faults";
/// Text that makes each event take a few pages.
const SUMMARY_BYTES: usize = 8 * 1024;

/// What the fill acknowledged: each event's id and its delivery ids.
type Acknowledged = Vec<(String, Vec<String>)>;

/// The overall health status ("").
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

/// The test's own connection to the service's database file.
async fn own_connection(database_url: &str) -> SqliteConnection {
    SqliteConnectOptions::from_str(database_url)
        .expect("database URL")
        .busy_timeout(Duration::from_secs(30))
        .connect()
        .await
        .expect("open the database")
}

/// Takes `bytes` of the database with rows the test can delete later.
async fn add_ballast(db: &mut SqliteConnection, bytes: usize) {
    sqlx::query("CREATE TABLE ballast (b BLOB)")
        .execute(&mut *db)
        .await
        .expect("ballast table");
    for _ in 0..bytes / (64 * 1024) {
        sqlx::query("INSERT INTO ballast (b) VALUES (zeroblob(65536))")
            .execute(&mut *db)
            .await
            .expect("ballast row");
    }
}

fn big_event(n: usize) -> pb::EmitEventRequest {
    call_completed(ORG, &format!("{n:08}{}", "x".repeat(SUMMARY_BYTES)))
}

/// Asserts `status` is the full database's refusal.
fn assert_full(status: &tonic::Status) {
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(status.message().contains("database is full"), "{status:?}");
    assert!(status.get_details_retry_info().is_some(), "{status:?}");
}

/// Emits from `tasks` callers at once until an emit is refused because the
/// database is full; returns what was acknowledged.
async fn fill_until_full(app: &TestApp, tasks: usize) -> Acknowledged {
    let stop = tokio_util::sync::CancellationToken::new();
    let mut callers = tokio::task::JoinSet::new();
    for t in 0..tasks {
        let mut events = app.events.clone();
        let stop = stop.clone();
        callers.spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0..2000 {
                if stop.is_cancelled() {
                    return acknowledged;
                }
                match events.emit_event(big_event(t * 10_000 + n)).await {
                    Ok(answer) => {
                        let answer = answer.into_inner();
                        let event = answer.event.expect("stored event");
                        acknowledged.push((event.id, answer.delivery_ids));
                    }
                    Err(status) => {
                        assert_full(&status);
                        stop.cancel();
                        return acknowledged;
                    }
                }
            }
            panic!("the database never filled up");
        });
    }
    let mut all = Vec::new();
    while let Some(acknowledged) = callers.join_next().await {
        all.extend(acknowledged.expect("caller"));
    }
    all
}

/// Every acknowledged event is stored, and each of its deliveries reached
/// the receiver.
async fn assert_kept_and_delivered(
    app: &mut TestApp,
    receiver: &TestReceiver,
    acks: &Acknowledged,
) {
    for (event_id, _) in acks {
        app.events
            .get_event(pb::GetEventRequest {
                organization_id: ORG.into(),
                event_id: event_id.clone(),
            })
            .await
            .expect("an acknowledged event is still stored");
    }
    let wanted: HashSet<&str> = acks
        .iter()
        .flat_map(|(_, deliveries)| deliveries.iter().map(String::as_str))
        .collect();
    eventually(Duration::from_secs(30), || async {
        let seen: Vec<_> = receiver.received();
        let seen: HashSet<&str> = seen.iter().map(|r| r.delivery_id()).collect();
        wanted.iter().all(|d| seen.contains(d)).then_some(())
    })
    .await;
}

async fn integrity_check(database_url: &str) -> String {
    let mut db = own_connection(database_url).await;
    sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut db)
        .await
        .expect("integrity check")
}

#[tokio::test]
async fn after_a_write_that_did_not_fit_the_next_write_that_fits_is_stored() {
    if sqlite_only("caps the SQLite file and writes to it directly") {
        return;
    }
    let mut app = spawn_app_with(&[FAST, &["--max-database-size", "1048576"]].concat()).await;
    let mut db = own_connection(&app.database_url).await;
    add_ballast(&mut db, 256 * 1024).await;
    let acks = fill_until_full(&app, 1).await;
    assert!(
        !acks.is_empty(),
        "some emits fit before the database was full"
    );
    sqlx::query("DELETE FROM ballast")
        .execute(&mut db)
        .await
        .expect("free space");
    // No wait: a writer connection that failed is never used again as it was.
    app.emit(big_event(0)).await;
    for (event_id, _) in &acks {
        app.events
            .get_event(pb::GetEventRequest {
                organization_id: ORG.into(),
                event_id: event_id.clone(),
            })
            .await
            .expect("stored event");
    }
}

#[tokio::test]
async fn a_full_database_refuses_emits_with_retry_advice_and_heals_without_a_restart() {
    if sqlite_only("caps the SQLite file and frees room in it directly") {
        return;
    }
    let receiver = TestReceiver::start().await;
    let mut app = spawn_app_with(&[FAST, &["--max-database-size", "2097152"]].concat()).await;
    app.subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let mut db = own_connection(&app.database_url).await;
    add_ballast(&mut db, 512 * 1024).await;

    let acks = fill_until_full(&app, 8).await;
    assert!(!acks.is_empty());
    health_becomes(&app, ServingStatus::NotServing, Duration::from_secs(5)).await;
    let refused = app
        .events
        .emit_event(big_event(1))
        .await
        .expect_err("still full");
    assert_full(&refused);

    sqlx::query("DELETE FROM ballast")
        .execute(&mut db)
        .await
        .expect("free space");
    health_becomes(&app, ServingStatus::Serving, Duration::from_secs(5)).await;
    app.emit(big_event(2)).await;
    assert_kept_and_delivered(&mut app, &receiver, &acks).await;
    assert_eq!(integrity_check(&app.database_url).await, "ok");
}

/// A tmpfs mounted on a fresh directory, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
    _parent: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` (with the reason printed) where this machine cannot mount.
    fn mount(size: &str) -> Option<Self> {
        let parent = tempfile::tempdir().expect("temp dir");
        let dir = parent.path().join("disk");
        std::fs::create_dir(&dir).expect("mount point");
        let options = format!("size={size}");
        match run(
            "mount",
            &["-t", "tmpfs", "-o", &options, "tmpfs", path(&dir)],
        ) {
            Ok(()) => Some(Self {
                dir,
                _parent: parent,
            }),
            Err(why) => {
                eprintln!("skipping the small-filesystem test: cannot mount a tmpfs: {why}");
                None
            }
        }
    }

    fn grow(&self, size: &str) {
        let options = format!("remount,size={size}");
        run("mount", &["-o", &options, path(&self.dir)]).expect("grow the tmpfs");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        if let Err(why) = run("umount", &["-l", path(&self.dir)]) {
            eprintln!("cannot unmount {}: {why}", self.dir.display());
        }
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

#[tokio::test]
async fn a_full_filesystem_refuses_emits_and_heals_when_it_grows_with_the_wal_bounded() {
    if sqlite_only("puts the SQLite file on a small filesystem") {
        return;
    }
    let Some(disk) = SmallDisk::mount("3m") else {
        return;
    };
    let database_url = format!("sqlite://{}", disk.dir.join("webhooks.db").display());
    let wal = disk.dir.join("webhooks.db-wal");
    let wal_limit: u64 = 1024 * 1024;
    let receiver = TestReceiver::start().await;
    let mut app = spawn_on(
        &database_url,
        &[FAST, &["--sqlite-wal-limit", &wal_limit.to_string()]].concat(),
    )
    .await;
    app.subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;

    let acks = fill_until_full(&app, 8).await;
    assert!(!acks.is_empty());
    health_becomes(&app, ServingStatus::NotServing, Duration::from_secs(5)).await;

    disk.grow("32m");
    health_becomes(&app, ServingStatus::Serving, Duration::from_secs(5)).await;
    for n in 0..50 {
        app.emit(big_event(n)).await;
    }
    assert_kept_and_delivered(&mut app, &receiver, &acks).await;
    eventually(Duration::from_secs(5), || async {
        let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
        (size <= wal_limit).then_some(())
    })
    .await;
    assert_eq!(integrity_check(&database_url).await, "ok");
    app.stop().await;
}

#[tokio::test]
async fn writes_wait_for_a_truncating_checkpoint_instead_of_failing() {
    if sqlite_only("bounds the SQLite write-ahead log") {
        return;
    }
    // A small WAL bound: truncating checkpoints run again and again while
    // emits and their deliveries are written.
    let mut app = spawn_app_with(&[FAST, &["--sqlite-wal-limit", "1048576"]].concat()).await;
    let url = refused_address().await;
    app.subscribe(
        ORG,
        &format!("http://{url}/"),
        &[pb::EventType::CallCompleted],
        None,
    )
    .await;
    emit_batches_concurrently(&app, ORG, 6, 40, 100, 500).await;
}
