//! Several instances on one PostgreSQL database: an instance that starts
//! frees the leases of instances that are gone, never those of a live one.
//! (SQLite runs one process per file, whose start frees every lease: these
//! tests are for PostgreSQL.)

use std::time::Duration;

use super::helpers::*;
use inboundflow_webhooks::pb;

const TYPES: &[pb::EventType] = &[pb::EventType::CallCompleted];

#[tokio::test]
async fn an_instance_that_starts_leaves_a_live_instances_attempts_alone() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: one process per file, whose start frees every lease");
        return;
    }
    // The first instance only claims what it is told of (no sweeps), so the
    // one delivery below that goes out is the second instance's, claimed
    // after its start-up look at the leases.
    let mut first = spawn_app_with(&[
        "--allow-private-targets",
        "--attempt-timeout",
        "60s",
        "--idle-poll",
        "1h",
    ])
    .await;
    let hanging = TestReceiver::start_with(Behavior::Hang).await;
    let org = "org_shared";
    first.subscribe(org, &hanging.url(), TYPES, None).await;
    let mut running = Vec::new();
    for i in 0..3 {
        let emitted = first.emit(call_completed(org, &format!("hangs {i}"))).await;
        running.extend(emitted.delivery_ids);
    }
    hanging.wait_for(3, Duration::from_secs(10)).await;

    let mut second = spawn_on(&first.database_url, FAST).await;
    let ok = TestReceiver::start().await;
    let other = "org_shared_other";
    second.subscribe(other, &ok.url(), TYPES, None).await;
    let sent = second.emit(call_completed(other, "after the start")).await;
    ok.wait_for(1, Duration::from_secs(10)).await;
    second
        .delivery_reaches(other, &sent.delivery_ids[0], pb::DeliveryStatus::Succeeded)
        .await;

    assert_eq!(hanging.received().len(), 3, "nothing was sent twice");
    for id in &running {
        let delivery = second.delivery(org, id).await;
        assert_eq!(
            delivery.status,
            pb::DeliveryStatus::InFlight as i32,
            "still the first instance's: {delivery:?}"
        );
    }
}
