//! `WatchDeliveries`: a developer or an operator follows a subscription's
//! attempts live; a watcher that stops reading never slows delivery and is
//! told how many updates it missed.

use std::time::Duration;

use tonic::Streaming;
use tonic::transport::Endpoint;

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_watch";
const OTHER_ORG: &str = "org_watch_other";
/// How long a watcher waits for the next update before the test fails.
const NEXT: Duration = Duration::from_secs(20);

fn request(org: &str, subscription: &str) -> pb::WatchDeliveriesRequest {
    pb::WatchDeliveriesRequest {
        organization_id: org.into(),
        subscription_id: subscription.into(),
    }
}

async fn next(watch: &mut Streaming<pb::WatchDeliveriesResponse>) -> pb::WatchDeliveriesResponse {
    tokio::time::timeout(NEXT, watch.message())
        .await
        .expect("an update within the limit")
        .expect("the watch stream works")
        .expect("the watch stream is open")
}

fn update(message: &pb::WatchDeliveriesResponse) -> &pb::AttemptUpdate {
    message.update.as_ref().expect("an update")
}

async fn test_webhook(app: &mut TestApp, org: &str, subscription: &str) -> String {
    app.subscriptions
        .test_subscription(pb::TestSubscriptionRequest {
            organization_id: org.into(),
            subscription_id: subscription.into(),
            event_type: 0,
        })
        .await
        .expect("test webhook")
        .into_inner()
        .delivery_id
}

#[tokio::test]
async fn a_watcher_sees_each_attempt_of_its_subscription_as_it_happens_and_nothing_else() {
    let mut app = spawn_app().await;
    let flaky = TestReceiver::start().await;
    flaky.script(&[Behavior::Status(500)]);
    let other = TestReceiver::start().await;
    let types = [pb::EventType::CallCompleted];
    let watched = app.subscribe(ORG, &flaky.url(), &types, None).await;
    let sibling = app.subscribe(ORG, &other.url(), &types, None).await;
    let stranger = app.subscribe(OTHER_ORG, &other.url(), &types, None).await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let mut admin = app.clients(Some(&key));
    let mut by_subscription = admin
        .deliveries
        .watch_deliveries(request("", &watched.id))
        .await
        .expect("watch a subscription")
        .into_inner();
    let mut by_organization = admin
        .deliveries
        .watch_deliveries(request("", ""))
        .await
        .expect("watch the organization")
        .into_inner();

    let emitted = app.emit(call_completed(ORG, "watched")).await;
    let theirs = app.emit(call_completed(OTHER_ORG, "not ours")).await;
    for id in &emitted.delivery_ids {
        app.delivery_reaches(ORG, id, pb::DeliveryStatus::Succeeded)
            .await;
    }
    for id in &theirs.delivery_ids {
        app.delivery_reaches(OTHER_ORG, id, pb::DeliveryStatus::Succeeded)
            .await;
    }
    let delivery = app
        .deliveries
        .list_deliveries(pb::ListDeliveriesRequest {
            organization_id: ORG.into(),
            subscription_id: watched.id.clone(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner()
        .deliveries
        .remove(0);
    // A marker: anything of another subscription or organization would
    // have been stored, and so streamed, before it.
    let marker = test_webhook(&mut app, ORG, &watched.id).await;

    let failed = next(&mut by_subscription).await;
    let failed = update(&failed);
    assert_eq!(failed.delivery_id, delivery.id);
    assert_eq!(failed.event_id, delivery.event_id);
    assert_eq!(failed.subscription_id, watched.id);
    assert_eq!(failed.event_type, pb::EventType::CallCompleted as i32);
    assert_eq!(failed.attempt_number, 1);
    assert_eq!(failed.status, pb::DeliveryStatus::Pending as i32);
    assert_eq!(failed.status_code, 500);
    assert_eq!(failed.error, "HTTP 500");
    assert_eq!(failed.error_kind, pb::AttemptErrorKind::HttpStatus as i32);
    assert!(failed.next_attempt_time.is_some(), "{failed:?}");
    assert!(failed.duration.is_some() && failed.start_time.is_some());
    assert!(!failed.test && !failed.subscription_disabled);

    let succeeded = next(&mut by_subscription).await;
    assert_eq!(succeeded.missed_updates, 0);
    let succeeded = update(&succeeded);
    assert_eq!(succeeded.delivery_id, delivery.id);
    assert_eq!(succeeded.attempt_number, 2);
    assert_eq!(succeeded.status, pb::DeliveryStatus::Succeeded as i32);
    assert_eq!(succeeded.status_code, 200);
    assert_eq!(succeeded.error, "");
    assert_eq!(
        succeeded.error_kind,
        pb::AttemptErrorKind::Unspecified as i32
    );
    assert!(succeeded.next_attempt_time.is_none());

    let test = next(&mut by_subscription).await;
    let test = update(&test);
    assert_eq!(
        test.delivery_id, marker,
        "nothing else came before the marker"
    );
    assert!(test.test);
    assert_eq!(test.status, pb::DeliveryStatus::Succeeded as i32);

    // The organization's watcher saw both of its subscriptions, and no other
    // organization's, before the marker.
    let mut seen = Vec::new();
    loop {
        let message = next(&mut by_organization).await;
        let u = update(&message).clone();
        assert_ne!(
            u.subscription_id, stranger.id,
            "another organization's attempt"
        );
        if u.delivery_id == marker {
            break;
        }
        seen.push((u.subscription_id, u.attempt_number));
    }
    seen.sort();
    let mut expected = vec![
        (watched.id.clone(), 1),
        (watched.id.clone(), 2),
        (sibling.id.clone(), 1),
    ];
    expected.sort();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_stranger_cannot_watch_and_bad_requests_name_their_field() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::LeadCreated], None)
        .await;
    let stranger_key = app.key(pb::ApiKeyRole::Admin, OTHER_ORG).await;
    let mut stranger = app.clients(Some(&stranger_key));

    let status = stranger
        .deliveries
        .watch_deliveries(request(ORG, &sub.id))
        .await
        .expect_err("another organization's subscription");
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    let status = stranger
        .deliveries
        .watch_deliveries(request("", &sub.id))
        .await
        .expect_err("not a subscription of the caller's organization");
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    let status = stranger
        .deliveries
        .watch_deliveries(request(ORG, ""))
        .await
        .expect_err("another organization as a whole");
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");

    let status = app
        .deliveries
        .watch_deliveries(request(ORG, "not-a-uuid"))
        .await
        .expect_err("a malformed id");
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert!(
        violations(&status)
            .iter()
            .any(|(field, _)| field == "subscription_id"),
        "{status:?}"
    );

    let emitter_key = app.key(pb::ApiKeyRole::Emitter, ORG).await;
    let status = app
        .clients(Some(&emitter_key))
        .deliveries
        .watch_deliveries(request(ORG, &sub.id))
        .await
        .expect_err("an emitter key");
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
}

/// Updates the watcher below is sent; enough to overflow its buffer many times.
const DELIVERIES: usize = 1000;

#[tokio::test]
async fn a_watcher_that_stops_reading_slows_no_delivery_and_learns_how_many_updates_it_missed() {
    let flags: Vec<&str> = FAST
        .iter()
        .copied()
        .chain(["--watch-buffer", "16"])
        .collect();
    let mut app = spawn_app_with(&flags).await;
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    // A watcher behind a small receive window, as over a slow link: the
    // transport holds only a few updates for it, the service the 16 of
    // --watch-buffer, and it reads none of them while delivery runs.
    let channel = Endpoint::from_shared(format!("http://{}", app.address))
        .expect("address")
        .initial_stream_window_size(Some(4096))
        .connect()
        .await
        .expect("connect");
    let mut stalled = Clients::new(channel, Some(&app.operator_key))
        .deliveries
        .watch_deliveries(request(ORG, &sub.id))
        .await
        .expect("watch")
        .into_inner();

    let started = std::time::Instant::now();
    let requests: Vec<pb::EmitEventRequest> = (0..DELIVERIES)
        .map(|i| call_completed(ORG, &format!("load {i}")))
        .collect();
    app.events
        .batch_emit_events(pb::BatchEmitEventsRequest { requests })
        .await
        .expect("emit");
    receiver.wait_for(DELIVERIES, Duration::from_secs(30)).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "delivery took {took:?}");

    // Reading again: every attempt is either received or counted as missed.
    let mut received = 0u64;
    let mut missed = 0u64;
    let mut first_missed = None;
    while received + missed < DELIVERIES as u64 {
        let message = next(&mut stalled).await;
        assert_eq!(
            update(&message).subscription_id,
            sub.id,
            "only the watched subscription"
        );
        received += 1;
        missed += message.missed_updates;
        if message.missed_updates > 0 && first_missed.is_none() {
            first_missed = Some(received);
        }
    }
    assert_eq!(received + missed, DELIVERIES as u64);
    assert!(
        first_missed.is_some(),
        "the watcher was told it missed updates"
    );
    assert!(
        received < DELIVERIES as u64 / 2,
        "a stalled watcher gets what fits its buffers, not everything: {received}"
    );
}

#[tokio::test]
async fn a_watch_ends_cleanly_when_the_service_shuts_down() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let mut watch = app
        .deliveries
        .watch_deliveries(request(ORG, &sub.id))
        .await
        .expect("watch")
        .into_inner();
    tokio::time::timeout(NEXT, app.stop())
        .await
        .expect("shutdown does not wait for the watcher");
    let end = tokio::time::timeout(NEXT, watch.message())
        .await
        .expect("the stream ends");
    assert!(matches!(end, Ok(None)), "ended with OK: {end:?}");
}
