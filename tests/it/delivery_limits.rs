//! A subscription's own limits, as a customer sets them for a receiver that
//! has one: attempts in flight at once, and attempts started per second.
//! Each is checked against the same receiver without the limit.

use std::time::{Duration, Instant};

use inboundflow_webhooks::pb;

use super::helpers::*;
use super::receiver::{Behavior, TestReceiver};

const ORG: &str = "org_limits";

async fn subscribe_limited(
    app: &mut TestApp,
    url: &str,
    max_in_flight: u32,
    per_second: u32,
) -> String {
    app.subscriptions
        .create_subscription(pb::CreateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                url: url.into(),
                integration: pb::Integration::Custom as i32,
                event_types: vec![pb::EventType::CallCompleted as i32],
                max_in_flight,
                max_deliveries_per_second: per_second,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("create")
        .into_inner()
        .subscription
        .expect("subscription")
        .id
}

/// Emits `n` events and returns how long until all `n` arrived (a request
/// counts when it arrives, before it is answered).
async fn deliver(app: &mut TestApp, receiver: &TestReceiver, n: usize) -> Duration {
    let started = Instant::now();
    for i in 0..n {
        app.emit(call_completed(ORG, &format!("event {i}"))).await;
    }
    receiver.wait_for(n, Duration::from_secs(30)).await;
    started.elapsed()
}

#[tokio::test]
async fn a_subscriptions_own_in_flight_cap_holds_and_the_default_does_not_hold_it_back() {
    let mut app = spawn_app().await;
    let slow = TestReceiver::start_with(Behavior::Delay(Duration::from_millis(300))).await;
    let id = subscribe_limited(&mut app, &slow.url(), 2, 0).await;
    let limited = deliver(&mut app, &slow, 12).await;
    // Two at a time, 300 ms each: the last two arrive in the sixth round,
    // five rounds after the first.
    assert!(limited >= Duration::from_millis(1450), "took {limited:?}");
    let shown = app.subscription(ORG, &id).await;
    assert_eq!(shown.max_in_flight, 2);

    let mut other = spawn_app().await;
    let free = TestReceiver::start_with(Behavior::Delay(Duration::from_millis(300))).await;
    subscribe_limited(&mut other, &free.url(), 0, 0).await;
    let unlimited = deliver(&mut other, &free, 12).await;
    assert!(
        unlimited < Duration::from_millis(1500),
        "took {unlimited:?}"
    );
}

#[tokio::test]
async fn a_subscriptions_rate_limit_spreads_its_deliveries() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    subscribe_limited(&mut app, &receiver.url(), 0, 5).await;
    // A burst of 5, then one every 200 ms.
    let limited = deliver(&mut app, &receiver, 15).await;
    assert!(limited >= Duration::from_millis(1800), "took {limited:?}");

    let mut other = spawn_app().await;
    let free = TestReceiver::start().await;
    subscribe_limited(&mut other, &free.url(), 0, 0).await;
    let unlimited = deliver(&mut other, &free, 15).await;
    assert!(
        unlimited < Duration::from_millis(1500),
        "took {unlimited:?}"
    );
}

#[tokio::test]
async fn limits_are_validated_and_can_be_changed() {
    let mut app = spawn_app().await;
    let refused = app
        .subscriptions
        .create_subscription(pb::CreateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                url: "http://127.0.0.1:9/hook".into(),
                integration: pb::Integration::Custom as i32,
                event_types: vec![pb::EventType::CallCompleted as i32],
                max_in_flight: 1001,
                max_deliveries_per_second: 10_001,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect_err("over the bounds");
    let fields: Vec<String> = violations(&refused).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        [
            "subscription.max_in_flight",
            "subscription.max_deliveries_per_second"
        ]
    );
    let id = subscribe_limited(&mut app, "http://127.0.0.1:9/hook", 0, 0).await;
    let updated = app
        .subscriptions
        .update_subscription(pb::UpdateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                id: id.clone(),
                max_in_flight: 8,
                max_deliveries_per_second: 3,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["max_deliveries_per_second".into()],
            }),
            ..Default::default()
        })
        .await
        .expect("update")
        .into_inner()
        .subscription
        .expect("subscription");
    assert_eq!(
        (updated.max_in_flight, updated.max_deliveries_per_second),
        (0, 3),
        "only the named path changes"
    );
}
