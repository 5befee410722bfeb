//! Failed attempts: retries with one delivery id, automatic disabling,
//! reactivation and replay.

use std::time::Duration;

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_retries";

#[tokio::test]
async fn a_receiver_that_fails_twice_then_succeeds_sees_three_attempts_with_one_delivery_id() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    receiver.script(&[Behavior::Status(500), Behavior::Status(503)]);
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;

    let emitted = app.emit(call_completed(ORG, "three tries")).await;
    let delivery_id = emitted.delivery_ids[0].clone();
    let got = receiver.wait_for(3, Duration::from_secs(10)).await;
    assert!(got.iter().all(|r| r.delivery_id() == delivery_id));
    assert!(
        got.iter()
            .all(|r| r.json()["delivery_id"] == delivery_id.as_str())
    );
    assert!(
        got.windows(2).all(|w| w[0].body == w[1].body),
        "the body is identical on every attempt"
    );

    let delivery = app
        .delivery_reaches(ORG, &delivery_id, pb::DeliveryStatus::Succeeded)
        .await;
    assert_eq!(delivery.attempt_count, 3);
    let codes: Vec<u32> = delivery.attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(codes, [500, 503, 200]);
    assert_eq!(delivery.attempts[0].error, "HTTP 500");
    assert_eq!(delivery.attempts[0].response_body_excerpt, "answered 500");
    assert!(delivery.attempts[2].error.is_empty());
    let numbers: Vec<u32> = delivery.attempts.iter().map(|a| a.number).collect();
    assert_eq!(numbers, [1, 2, 3]);

    let sub = app.subscription(ORG, &sub.id).await;
    assert_eq!(sub.consecutive_failures, 0, "a success resets the count");
    assert!(sub.last_success_time.is_some() && sub.last_failure_time.is_some());
    assert_eq!(sub.last_error, "HTTP 503");

    // A later event that fails once is retried a full retry interval after
    // the success: by the time its retry arrives, any retry of the delivered
    // one would have been due, and taken first (oldest due first).
    receiver.script(&[Behavior::Status(500)]);
    let marker = app.emit(call_completed(ORG, "marker")).await.delivery_ids[0].clone();
    app.delivery_reaches(ORG, &marker, pb::DeliveryStatus::Succeeded)
        .await;
    let delivered = app.delivery(ORG, &delivery_id).await;
    assert_eq!(
        (delivered.status, delivered.attempt_count),
        (pb::DeliveryStatus::Succeeded as i32, 3),
        "nothing is sent after a success"
    );
    let got = receiver.wait_for(5, Duration::from_secs(5)).await;
    let again = got
        .iter()
        .filter(|r| r.delivery_id() == delivery_id)
        .count();
    assert_eq!(
        (got.len(), again),
        (5, 3),
        "nothing is sent after a success"
    );
}

/// Waits until a retry interval has passed and the dispatcher has served
/// what fell due in it: an event to a fresh receiver fails once and is
/// retried, and its retry comes after anything that was due before it.
async fn after_a_retry_interval(app: &mut TestApp) {
    let marker = TestReceiver::start_with(Behavior::Status(200)).await;
    marker.script(&[Behavior::Status(500)]);
    let org = "org_retries_marker";
    app.subscribe(org, &marker.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let id = app.emit(call_completed(org, "marker")).await.delivery_ids[0].clone();
    app.delivery_reaches(org, &id, pb::DeliveryStatus::Succeeded)
        .await;
}

#[tokio::test]
async fn a_delivery_that_runs_out_of_retries_is_failed_and_can_be_redelivered() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start_with(Behavior::Status(404)).await;
    app.subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let emitted = app.emit(call_completed(ORG, "gives up")).await;
    let id = emitted.delivery_ids[0].clone();

    let failed = app
        .delivery_reaches(ORG, &id, pb::DeliveryStatus::Failed)
        .await;
    assert_eq!(
        failed.attempt_count, 4,
        "the first attempt and three retries"
    );
    assert_eq!(failed.last_status_code, 404);

    receiver.set_default(Behavior::Status(200));
    app.deliveries
        .redeliver_delivery(pb::RedeliverDeliveryRequest {
            organization_id: ORG.into(),
            delivery_id: id.clone(),
        })
        .await
        .expect("redeliver");
    let done = app
        .delivery_reaches(ORG, &id, pb::DeliveryStatus::Succeeded)
        .await;
    assert_eq!(done.attempt_count, 5);
    let got = receiver.wait_for(5, Duration::from_secs(5)).await;
    assert!(got.iter().all(|r| r.delivery_id() == id));
}

#[tokio::test]
async fn an_always_failing_receiver_disables_its_subscription_at_the_tenth_failure() {
    let schedule = vec!["50ms"; 20].join(",");
    let mut app = spawn_app_with(&[
        "--allow-private-targets",
        "--retry-jitter",
        "0",
        "--retry-schedule",
        &schedule,
    ])
    .await;
    let receiver = TestReceiver::start_with(Behavior::Status(500)).await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let emitted = app.emit(call_completed(ORG, "never works")).await;
    let waiting = emitted.delivery_ids[0].clone();

    let disabled = eventually(Duration::from_secs(20), || {
        let mut app_subs = app.subscriptions.clone();
        let id = sub.id.clone();
        async move {
            let s = app_subs
                .get_subscription(pb::GetSubscriptionRequest {
                    organization_id: ORG.into(),
                    subscription_id: id,
                })
                .await
                .ok()?
                .into_inner()
                .subscription?;
            (s.status == pb::SubscriptionStatus::Disabled as i32).then_some(s)
        }
    })
    .await;
    assert_eq!(
        disabled.disabled_reason,
        pb::DisabledReason::TooManyFailures as i32
    );
    assert_eq!(disabled.consecutive_failures, 10);
    assert_eq!(disabled.last_error, "HTTP 500");

    // A retry interval later, still exactly ten attempts.
    after_a_retry_interval(&mut app).await;
    let delivery = app.delivery(ORG, &waiting).await;
    assert_eq!(
        (delivery.status, delivery.attempt_count),
        (pb::DeliveryStatus::Pending as i32, 10),
        "its delivery waits: no attempt starts once disabled"
    );
    assert_eq!(
        receiver.received().len(),
        10,
        "no attempt starts once disabled"
    );

    // Emitted while disabled: no delivery now, replay sends it later.
    let missed = app.emit(call_completed(ORG, "while disabled")).await;
    assert!(missed.delivery_ids.is_empty());

    receiver.set_default(Behavior::Status(200));
    let reactivated = app
        .subscriptions
        .reactivate_subscription(pb::ReactivateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription_id: sub.id.clone(),
        })
        .await
        .expect("reactivate")
        .into_inner()
        .subscription
        .expect("subscription");
    assert_eq!(reactivated.status, pb::SubscriptionStatus::Enabled as i32);
    assert_eq!(reactivated.consecutive_failures, 0);
    app.delivery_reaches(ORG, &waiting, pb::DeliveryStatus::Succeeded)
        .await;

    let replay = app
        .deliveries
        .replay_deliveries(pb::ReplayDeliveriesRequest {
            organization_id: ORG.into(),
            subscription_id: sub.id.clone(),
            start_time: Some(prost_types::Timestamp {
                seconds: 0,
                nanos: 0,
            }),
        })
        .await
        .expect("replay")
        .into_inner();
    assert_eq!(
        replay.created_count, 1,
        "only the event it never had a delivery of"
    );
    let got = receiver.wait_for(12, Duration::from_secs(10)).await;
    let summaries: Vec<String> = got[10..]
        .iter()
        .map(|r| r.json()["data"]["summary"].to_string())
        .collect();
    assert!(
        summaries.contains(&"\"while disabled\"".to_owned()),
        "{summaries:?}"
    );

    // A second replay finds nothing left to send.
    let again = app
        .deliveries
        .replay_deliveries(pb::ReplayDeliveriesRequest {
            organization_id: ORG.into(),
            subscription_id: sub.id.clone(),
            start_time: Some(prost_types::Timestamp {
                seconds: 0,
                nanos: 0,
            }),
        })
        .await
        .expect("replay")
        .into_inner();
    assert_eq!((again.created_count, again.rescheduled_count), (0, 0));
}
