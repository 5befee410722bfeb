//! No organization can slow down, disable or starve another: "Test webhook"
//! calls go through the engine's caps, failures that are the service's own
//! (no file descriptor left, the target guard) never count against a
//! subscription, and one organization's hanging endpoints hold at most its
//! share of the attempts in flight.

use std::time::{Duration, Instant};

use tonic::Code;
use tonic_types::StatusExt;

use super::helpers::*;
use inboundflow_webhooks::pb;

/// Sets the open-file limit of a running process, as `ulimit -n` would have
/// at its start (files it already holds stay open): `"N:N"` for both limits,
/// `"N:"` for the soft one only (which can be raised again).
async fn limit_open_files(child: &tokio::process::Child, limits: &str) {
    let pid = child.id().expect("the service is running");
    let status = tokio::process::Command::new("prlimit")
        .arg(format!("--pid={pid}"))
        .arg(format!("--nofile={limits}"))
        .status()
        .await
        .expect("run prlimit");
    assert!(status.success(), "prlimit failed: {status}");
}

/// The lowest file descriptor number the process has free: with its limit
/// set there, it can open nothing more.
fn lowest_free_descriptor(child: &tokio::process::Child) -> u32 {
    let pid = child.id().expect("the service is running");
    let open: std::collections::HashSet<u32> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("list open files")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    (0..).find(|fd| !open.contains(fd)).expect("a free number")
}

#[tokio::test]
async fn many_tests_at_a_hanging_receiver_neither_exhaust_files_nor_disable_another_organization() {
    let database = TestDatabase::new().await;
    let (child, mut app) = start_binary(
        database.url(),
        &[
            "--max-in-flight",
            "64",
            "--attempt-timeout",
            "4s",
            "--failure-threshold",
            "3",
            "--retry-schedule",
            "100ms,100ms,100ms",
            "--retry-jitter",
            "0",
        ],
    )
    .await;
    // Well above what 64 attempts need, well below 300 sockets at once.
    limit_open_files(&child, "160:160").await;
    let hanging = TestReceiver::start_with(Behavior::Hang).await;
    let healthy = TestReceiver::start().await;
    let tested = app
        .subscribe(
            "org_a_presses_test",
            &hanging.url(),
            &[pb::EventType::CallCompleted],
            None,
        )
        .await;
    let org_b = "org_b_healthy";
    let steady = app
        .subscribe(org_b, &healthy.url(), &[pb::EventType::CallCompleted], None)
        .await;

    let mut tests = tokio::task::JoinSet::new();
    for _ in 0..300 {
        let mut client = app.subscriptions.clone();
        let request = pb::TestSubscriptionRequest {
            organization_id: "org_a_presses_test".into(),
            subscription_id: tested.id.clone(),
            event_type: pb::EventType::CallCompleted as i32,
        };
        tests.spawn(async move { client.test_subscription(request).await });
    }
    hanging.wait_for(16, Duration::from_secs(10)).await;

    let mut emitted = Vec::new();
    for i in 0..10 {
        let response = app.emit(call_completed(org_b, &format!("b {i}"))).await;
        emitted.extend(response.delivery_ids);
    }
    for id in &emitted {
        app.delivery_reaches(org_b, id, pb::DeliveryStatus::Succeeded)
            .await;
    }
    let health = app.subscription(org_b, &steady.id).await;
    assert_eq!(health.status, pb::SubscriptionStatus::Enabled as i32);
    assert_eq!(health.consecutive_failures, 0);

    let (mut answered, mut busy) = (0usize, 0usize);
    while let Some(result) = tests.join_next().await {
        match result.expect("test task") {
            Ok(response) => {
                assert!(!response.into_inner().success, "the receiver never answers");
                answered += 1;
            }
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                assert!(status.message().contains("busy"), "{status:?}");
                assert!(status.get_details_retry_info().is_some(), "{status:?}");
                busy += 1;
            }
        }
    }
    assert!(busy >= 200, "{busy} tests refused, {answered} sent");
    assert_eq!(
        hanging.received().len(),
        answered,
        "a refused test sends nothing"
    );
    let health = app.subscription(org_b, &steady.id).await;
    assert_eq!(health.status, pb::SubscriptionStatus::Enabled as i32);
    assert_eq!(health.consecutive_failures, 0);
    drop(child);
}

#[tokio::test]
async fn a_service_out_of_file_descriptors_does_not_count_it_against_the_receiver() {
    if sqlite_only("reads the database file itself while the service has no descriptor left") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite://{}", dir.path().join("webhooks.db").display());
    let (child, mut app) = start_binary(
        &database_url,
        &[
            "--failure-threshold",
            "2",
            "--retry-schedule",
            "50ms,50ms,50ms,50ms",
            "--retry-jitter",
            "0",
        ],
    )
    .await;
    let org = "org_out_of_files";
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(org, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    limit_open_files(&child, &format!("{}:", lowest_free_descriptor(&child))).await;
    let emitted = app.emit(call_completed(org, "no socket to be had")).await;
    let id = uuid::Uuid::parse_str(&emitted.delivery_ids[0]).expect("delivery id");

    // The service cannot open its own database readers now, so the test
    // reads the file beside it until the whole retry schedule has run.
    let db = sqlx::SqlitePool::connect(&format!("{database_url}?mode=ro"))
        .await
        .expect("open the database read-only");
    eventually(Duration::from_secs(20), || {
        let db = db.clone();
        async move {
            let status: String = sqlx::query_scalar("SELECT status FROM deliveries WHERE id = ?")
                .bind(id)
                .fetch_one(&db)
                .await
                .ok()?;
            (status == "failed").then_some(())
        }
    })
    .await;
    limit_open_files(&child, "1024:").await;

    let failed = app.delivery(org, &emitted.delivery_ids[0]).await;
    assert_eq!(failed.attempts.len(), 5);
    for attempt in &failed.attempts {
        assert!(attempt.error.contains("Too many open files"), "{attempt:?}");
        assert_eq!(
            attempt.error_kind,
            pb::AttemptErrorKind::Service as i32,
            "{attempt:?}"
        );
    }
    let health = app.subscription(org, &sub.id).await;
    assert_eq!(health.status, pb::SubscriptionStatus::Enabled as i32);
    assert_eq!(health.consecutive_failures, 0, "{health:?}");
    assert!(receiver.received().is_empty());
    drop(child);
}

#[tokio::test]
async fn failures_of_the_service_itself_never_count_towards_disabling() {
    let org = "org_local_failures";
    let receiver = TestReceiver::start().await;
    let app = spawn_app().await;
    let mut first = app;
    let sub = first
        .subscribe(org, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let database_url = first.database_url.clone();
    let dir = first.stop().await;

    // Started again without --allow-private-targets: the guard refuses the
    // loopback http:// target on every attempt, before anything is sent.
    let mut app = spawn_on(
        &database_url,
        &[
            "--failure-threshold",
            "2",
            "--retry-schedule",
            "50ms,50ms,50ms,50ms",
            "--retry-jitter",
            "0",
        ],
    )
    .await;
    let emitted = app.emit(call_completed(org, "refused locally")).await;
    let id = &emitted.delivery_ids[0];
    let failed = app
        .delivery_reaches(org, id, pb::DeliveryStatus::Failed)
        .await;
    assert_eq!(failed.attempts.len(), 5, "the whole retry schedule");
    for attempt in &failed.attempts {
        assert!(!attempt.error.is_empty(), "{attempt:?}");
        assert_eq!(attempt.status_code, 0);
    }
    let health = app.subscription(org, &sub.id).await;
    assert_eq!(health.status, pb::SubscriptionStatus::Enabled as i32);
    assert_eq!(health.consecutive_failures, 0, "{health:?}");
    assert!(receiver.received().is_empty());
    drop(dir);
}

#[tokio::test]
async fn an_organization_with_many_hanging_subscriptions_does_not_delay_another() {
    let mut app = spawn_app_with(&[
        "--allow-private-targets",
        "--attempt-timeout",
        "5s",
        "--retry-schedule",
        "1h",
    ])
    .await;
    let hanging = TestReceiver::start_with(Behavior::Hang).await;
    let fast = TestReceiver::start().await;
    let busy_org = "org_many_hanging";
    for _ in 0..64 {
        app.subscribe(
            busy_org,
            &hanging.url(),
            &[pb::EventType::CallCompleted],
            None,
        )
        .await;
    }
    for i in 0..30 {
        app.emit(call_completed(busy_org, &format!("a {i}"))).await;
    }
    // 1,920 deliveries to endpoints that never answer: the default global
    // cap of 512 could hold all of them if one organization may take it.
    hanging.wait_for(128, Duration::from_secs(10)).await;

    app.subscribe(
        "org_fast",
        &fast.url(),
        &[pb::EventType::CallCompleted],
        None,
    )
    .await;
    let emitted_at = Instant::now();
    app.emit(call_completed("org_fast", "not held up")).await;
    fast.wait_for(1, Duration::from_secs(15)).await;
    let took = emitted_at.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "another organization's delivery took {took:?}"
    );
    assert!(
        hanging.received().len() <= 128,
        "one organization holds at most a quarter of --max-in-flight: {}",
        hanging.received().len()
    );
}
