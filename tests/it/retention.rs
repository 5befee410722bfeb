//! Retention: what succeeded is purged once it is older than --retention,
//! event and attempts with it; what may still be sent (failed, in flight)
//! stays with its event, whatever its age.

use std::time::Duration;

use tonic::Code;

use super::helpers::*;
use inboundflow_webhooks::pb;

const FLAGS: &[&str] = &[
    "--allow-private-targets",
    "--retry-schedule",
    "100ms,100ms,100ms",
    "--retry-jitter",
    "0",
    "--retention",
    "2s",
];

const TYPES: &[pb::EventType] = &[pb::EventType::CallCompleted];

async fn event_exists(app: &TestApp, org: &str, event_id: &str) -> bool {
    let found = app
        .events
        .clone()
        .get_event(pb::GetEventRequest {
            organization_id: org.into(),
            event_id: event_id.into(),
        })
        .await;
    match found {
        Ok(_) => true,
        Err(status) if status.code() == Code::NotFound => false,
        Err(status) => panic!("get event: {status:?}"),
    }
}

/// Waits until the delivery is gone (NOT_FOUND).
async fn purged(app: &TestApp, org: &str, delivery_id: &str) {
    let deliveries = app.deliveries.clone();
    eventually(Duration::from_secs(20), || {
        let mut deliveries = deliveries.clone();
        let request = pb::GetDeliveryRequest {
            organization_id: org.into(),
            delivery_id: delivery_id.into(),
        };
        async move {
            match deliveries.get_delivery(request).await {
                Err(status) if status.code() == Code::NotFound => Some(()),
                Err(status) => panic!("get delivery: {status:?}"),
                Ok(_) => None,
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_succeeded_delivery_and_its_event_go_after_the_retention_age_and_older_unfinished_ones_stay()
 {
    let mut app = spawn_app_with(FLAGS).await;
    let failing = TestReceiver::start_with(Behavior::Status(503)).await;
    let hanging = TestReceiver::start_with(Behavior::Hang).await;
    let ok = TestReceiver::start().await;
    let (org_failed, org_running, org_ok) = ("org_ret_failed", "org_ret_running", "org_ret_ok");
    app.subscribe(org_failed, &failing.url(), TYPES, None).await;
    app.subscribe(org_running, &hanging.url(), TYPES, None)
        .await;
    app.subscribe(org_ok, &ok.url(), TYPES, None).await;

    // Older than the succeeded one, and finished first: failed for good...
    let failed = app.emit(call_completed(org_failed, "fails")).await;
    let failed_id = failed.delivery_ids[0].clone();
    app.delivery_reaches(org_failed, &failed_id, pb::DeliveryStatus::Failed)
        .await;
    // ...and in flight at a receiver that never answers.
    let running = app.emit(call_completed(org_running, "hangs")).await;
    hanging.wait_for(1, Duration::from_secs(5)).await;
    let done = app.emit(call_completed(org_ok, "succeeds")).await;
    app.delivery_reaches(org_ok, &done.delivery_ids[0], pb::DeliveryStatus::Succeeded)
        .await;

    purged(&app, org_ok, &done.delivery_ids[0]).await;
    let done_event = done.event.expect("event").id;
    assert!(!event_exists(&app, org_ok, &done_event).await);

    let kept = app.delivery(org_failed, &failed_id).await;
    assert_eq!(kept.status, pb::DeliveryStatus::Failed as i32);
    assert_eq!(kept.attempts.len(), 4, "its attempts are kept too");
    assert!(event_exists(&app, org_failed, &failed.event.expect("event").id).await);
    let in_flight = app.delivery(org_running, &running.delivery_ids[0]).await;
    assert_eq!(in_flight.status, pb::DeliveryStatus::InFlight as i32);
    assert!(event_exists(&app, org_running, &running.event.expect("event").id).await);

    // What was kept can still be sent.
    failing.set_default(Behavior::Status(200));
    app.deliveries
        .redeliver_delivery(pb::RedeliverDeliveryRequest {
            organization_id: org_failed.into(),
            delivery_id: failed_id.clone(),
        })
        .await
        .expect("redeliver");
    app.delivery_reaches(org_failed, &failed_id, pb::DeliveryStatus::Succeeded)
        .await;
}

#[tokio::test]
async fn a_log_larger_than_one_purge_batch_is_purged_whole() {
    let mut app = spawn_app_with(FLAGS).await;
    let org = "org_ret_many";
    let receivers = [
        TestReceiver::start().await,
        TestReceiver::start().await,
        TestReceiver::start().await,
    ];
    for receiver in &receivers {
        app.subscribe(org, &receiver.url(), TYPES, None).await;
    }
    // 3000 deliveries: more than one batch deletes.
    let mut ids = Vec::new();
    for batch in 0..4 {
        let requests = (0..250)
            .map(|i| call_completed(org, &format!("batch {batch} #{i}")))
            .collect();
        let emitted = app
            .events
            .batch_emit_events(pb::BatchEmitEventsRequest { requests })
            .await
            .expect("emit")
            .into_inner();
        ids.extend(emitted.results.into_iter().flat_map(|r| r.delivery_ids));
    }
    assert_eq!(ids.len(), 3000);
    for receiver in &receivers {
        receiver.wait_for(1000, Duration::from_secs(60)).await;
    }
    let deliveries = app.deliveries.clone();
    eventually(Duration::from_secs(30), || {
        let mut deliveries = deliveries.clone();
        async move {
            let left = deliveries
                .list_deliveries(pb::ListDeliveriesRequest {
                    organization_id: org.into(),
                    page_size: 10,
                    ..Default::default()
                })
                .await
                .expect("list")
                .into_inner()
                .deliveries;
            left.is_empty().then_some(())
        }
    })
    .await;
    purged(&app, org, &ids[0]).await;
    purged(&app, org, &ids[2999]).await;
}
