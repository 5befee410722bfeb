//! The real binary, killed with SIGKILL mid-delivery and started again on the
//! same database: what was acknowledged is delivered, with the same ids.

use std::collections::BTreeSet;
use std::time::Duration;

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_restart";

/// Flags of the binary here: a long attempt timeout keeps the hanging
/// receiver's requests in flight until the kill.
const FLAGS: &[&str] = &["--attempt-timeout", "60s", "--retry-schedule", "100ms"];

#[tokio::test]
async fn a_killed_server_delivers_what_was_pending_after_a_restart() {
    let database = TestDatabase::new().await;
    let database_url = database.url().to_owned();
    let receiver = TestReceiver::start_with(Behavior::Hang).await;

    let (mut first_child, mut first) = start_binary(&database_url, FLAGS).await;
    first
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let mut acknowledged = BTreeSet::new();
    for i in 0..5 {
        let emitted = first.emit(call_completed(ORG, &format!("event {i}"))).await;
        acknowledged.extend(emitted.delivery_ids);
    }
    // Every delivery is in flight at a receiver that never answers.
    receiver.wait_for(5, Duration::from_secs(10)).await;
    first_child.start_kill().expect("SIGKILL");
    first_child.wait().await.expect("killed");

    receiver.set_default(Behavior::Status(200));
    let (mut second_child, mut second) = start_binary(&database_url, FLAGS).await;
    let got = receiver.wait_for(10, Duration::from_secs(20)).await;
    let redelivered: BTreeSet<String> = got[5..]
        .iter()
        .map(|r| r.delivery_id().to_owned())
        .collect();
    assert_eq!(
        redelivered, acknowledged,
        "the same delivery ids, each once more"
    );
    for id in &acknowledged {
        second
            .delivery_reaches(ORG, id, pb::DeliveryStatus::Succeeded)
            .await;
    }
    second_child.start_kill().expect("stop");
}

#[tokio::test]
async fn a_gracefully_stopped_server_resumes_its_retries_on_the_same_database() {
    let flags = [
        "--allow-private-targets",
        "--retry-schedule",
        "300ms",
        "--retry-jitter",
        "0",
    ];
    let mut app = spawn_app_with(&flags).await;
    let receiver = TestReceiver::start_with(Behavior::Status(503)).await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let emitted = app.emit(call_completed(ORG, "survives a restart")).await;
    receiver.wait_for(1, Duration::from_secs(5)).await;
    let database_url = app.database_url.clone();
    let dir = app.stop().await;

    receiver.set_default(Behavior::Status(200));
    let mut again = spawn_on(&database_url, &flags).await;
    let delivered = again
        .delivery_reaches(ORG, &emitted.delivery_ids[0], pb::DeliveryStatus::Succeeded)
        .await;
    assert_eq!(delivered.attempt_count, 2);
    assert_eq!(
        again.subscription(ORG, &sub.id).await.consecutive_failures,
        0
    );
    drop(dir);
}
