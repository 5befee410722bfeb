//! What a receiver's answer means: `410 Gone` disables its subscription at
//! once, `Retry-After` on 429 and 503 puts the next attempt off (within a
//! limit, never sooner than the schedule), redirects are failures that are
//! not followed, and every failure carries a kind a client can branch on.

mod answerers;

use std::collections::HashMap;
use std::time::Duration;

use super::helpers::*;
use answerers::{Answerer, Raw};
use inboundflow_webhooks::pb;
use pb::AttemptErrorKind as Kind;

const ORG: &str = "org_answers";

/// Polls until the delivery has a first attempt, and returns it with it.
async fn attempted(app: &TestApp, org: &str, id: &str) -> pb::Delivery {
    let deliveries = app.deliveries.clone();
    eventually(Duration::from_secs(20), || {
        let mut deliveries = deliveries.clone();
        let (org, id) = (org.to_owned(), id.to_owned());
        async move {
            let delivery = deliveries
                .get_delivery(pb::GetDeliveryRequest {
                    organization_id: org,
                    delivery_id: id,
                })
                .await
                .ok()?
                .into_inner()
                .delivery?;
            (!delivery.attempts.is_empty()).then_some(delivery)
        }
    })
    .await
}

async fn press(
    app: &mut TestApp,
    org: &str,
    sub: &pb::Subscription,
) -> pb::TestSubscriptionResponse {
    app.subscriptions
        .test_subscription(pb::TestSubscriptionRequest {
            organization_id: org.into(),
            subscription_id: sub.id.clone(),
            event_type: pb::EventType::CallCompleted as i32,
        })
        .await
        .expect("test webhook")
        .into_inner()
}

/// Waits until a retry interval has passed and the dispatcher has served
/// what fell due in it: an event to a fresh receiver fails once and is
/// retried, after anything that was due before it.
async fn after_a_retry_interval(app: &mut TestApp) {
    let marker = TestReceiver::start().await;
    marker.script(&[Behavior::Status(500)]);
    let org = "org_answers_marker";
    app.subscribe(org, &marker.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let id = app.emit(call_completed(org, "marker")).await.delivery_ids[0].clone();
    app.delivery_reaches(org, &id, pb::DeliveryStatus::Succeeded)
        .await;
}

#[tokio::test]
async fn a_410_disables_the_subscription_at_once_and_its_delivery_waits_for_reactivation() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start_with(Behavior::Status(410)).await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;

    let tested = press(&mut app, ORG, &sub).await;
    assert_eq!(
        (tested.status_code, tested.error_kind),
        (410, Kind::HttpStatus as i32)
    );
    let after_test = app.subscription(ORG, &sub.id).await;
    assert_eq!(
        after_test.status,
        pb::SubscriptionStatus::Enabled as i32,
        "a test never disables"
    );

    let id = app.emit(call_completed(ORG, "gone")).await.delivery_ids[0].clone();
    let subscriptions = app.subscriptions.clone();
    let disabled = eventually(Duration::from_secs(20), || {
        let mut subscriptions = subscriptions.clone();
        let sub_id = sub.id.clone();
        async move {
            let s = subscriptions
                .get_subscription(pb::GetSubscriptionRequest {
                    organization_id: ORG.into(),
                    subscription_id: sub_id,
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
        pb::DisabledReason::EndpointGone as i32
    );
    assert_eq!(disabled.consecutive_failures, 1, "at the first failure");
    assert_eq!(disabled.last_error, "HTTP 410");
    assert_eq!(disabled.last_error_kind, Kind::HttpStatus as i32);

    // A retry interval later its delivery still waits, after one attempt.
    after_a_retry_interval(&mut app).await;
    let waiting = app.delivery(ORG, &id).await;
    assert_eq!(
        (waiting.status, waiting.attempt_count),
        (pb::DeliveryStatus::Pending as i32, 1)
    );
    assert_eq!(waiting.last_status_code, 410);
    assert_eq!(receiver.received().len(), 2, "the test and one attempt");

    receiver.set_default(Behavior::Status(200));
    app.subscriptions
        .reactivate_subscription(pb::ReactivateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription_id: sub.id.clone(),
        })
        .await
        .expect("reactivate");
    let delivered = app
        .delivery_reaches(ORG, &id, pb::DeliveryStatus::Succeeded)
        .await;
    assert_eq!(delivered.attempt_count, 2);
    assert_eq!(delivered.last_error_kind, Kind::Unspecified as i32);
}

/// Emits to a new subscription of `org` at a receiver answering `status`
/// with `Retry-After: retry_after`, and returns how long after its first
/// attempt ended the next one is due.
async fn first_retry_delay(
    app: &mut TestApp,
    org: &str,
    status: u16,
    retry_after: &str,
) -> Duration {
    let receiver = Answerer::status(status, &[("retry-after", retry_after.to_owned())]).await;
    app.subscribe(org, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let id = app
        .emit(call_completed(org, "asks to wait"))
        .await
        .delivery_ids[0]
        .clone();
    let delivery = attempted(app, org, &id).await;
    assert_eq!(delivery.attempt_count, 1, "{delivery:?}");
    assert_eq!(delivery.status, pb::DeliveryStatus::Pending as i32);
    let attempt = &delivery.attempts[0];
    assert_eq!(attempt.status_code, u32::from(status));
    assert_eq!(attempt.error_kind, Kind::HttpStatus as i32);
    let started = attempt.start_time.expect("start time");
    let took = attempt.duration.expect("duration");
    let next = delivery.next_attempt_time.expect("a retry is due");
    let ended_us = (started.seconds * 1_000_000 + i64::from(started.nanos) / 1000)
        + (took.seconds * 1_000_000 + i64::from(took.nanos) / 1000);
    let next_us = next.seconds * 1_000_000 + i64::from(next.nanos) / 1000;
    let delay = u64::try_from(next_us - ended_us).expect("the retry comes after the attempt");
    Duration::from_micros(delay)
}

/// Asserts `delay` is `at_least` and at most a few seconds more (the time
/// between the attempt's end and its recording).
fn assert_about(delay: Duration, at_least: u64, what: &str) {
    let at_least = Duration::from_secs(at_least);
    assert!(
        delay >= at_least && delay < at_least + Duration::from_secs(5),
        "{what}: next attempt {delay:?} after the first, expected {at_least:?}"
    );
}

#[tokio::test]
async fn retry_after_on_429_delays_the_next_attempt_but_never_below_the_schedule() {
    let short = &[
        "--allow-private-targets",
        "--retry-schedule",
        "1s,1s",
        "--retry-jitter",
        "0",
    ];
    let mut app = spawn_app_with(short).await;
    let delay = first_retry_delay(&mut app, "org_429", 429, "120").await;
    assert_about(delay, 120, "429 with Retry-After: 120 on a 1 s schedule");

    let long = &[
        "--allow-private-targets",
        "--retry-schedule",
        "300s",
        "--retry-jitter",
        "0",
    ];
    let mut app = spawn_app_with(long).await;
    let delay = first_retry_delay(&mut app, "org_429_sooner", 429, "120").await;
    assert_about(
        delay,
        300,
        "a sooner Retry-After does not shorten the schedule",
    );
    let delay = first_retry_delay(&mut app, "org_500", 500, "1000").await;
    assert_about(delay, 300, "a 500 asks for nothing");
}

#[tokio::test]
async fn retry_after_on_503_is_capped_at_the_limit() {
    let mut app = spawn_app_with(&[
        "--allow-private-targets",
        "--retry-schedule",
        "1s,1s",
        "--retry-jitter",
        "0",
        "--retry-after-limit",
        "200s",
    ])
    .await;
    let delay = first_retry_delay(&mut app, "org_503", 503, "86400").await;
    assert_about(delay, 200, "a day asked for, 200 s allowed");

    let in_150s = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(150));
    let delay = first_retry_delay(&mut app, "org_503_date", 503, &in_150s).await;
    assert!(
        delay > Duration::from_secs(140) && delay <= Duration::from_secs(151),
        "an HTTP date 150 s ahead: {delay:?}"
    );
}

#[tokio::test]
async fn a_redirect_is_a_failure_and_is_not_followed() {
    let mut app = spawn_app().await;
    let target = TestReceiver::start().await;
    let redirector = Answerer::status(302, &[("location", target.url())]).await;
    app.subscribe(
        ORG,
        &redirector.url(),
        &[pb::EventType::CallCompleted],
        None,
    )
    .await;
    let id = app.emit(call_completed(ORG, "moved")).await.delivery_ids[0].clone();

    let failed = app
        .delivery_reaches(ORG, &id, pb::DeliveryStatus::Failed)
        .await;
    assert_eq!(
        failed.attempts.len(),
        4,
        "the whole schedule, every time 302"
    );
    for attempt in &failed.attempts {
        assert_eq!(attempt.status_code, 302);
        assert_eq!(attempt.error_kind, Kind::HttpStatus as i32);
        assert!(
            attempt.error.contains("redirects are not followed"),
            "{attempt:?}"
        );
    }
    assert_eq!(failed.last_error_kind, Kind::HttpStatus as i32);
    // Every attempt is over: a followed redirect would have arrived by now.
    assert!(target.received().is_empty(), "the redirect was followed");
}

/// Checks a failed first attempt, its delivery and its subscription, and a
/// test of that subscription, against the kind expected. `on_subscription`
/// is the kind its health shows: the service's own failures never show.
async fn assert_kind(
    app: &mut TestApp,
    org: &str,
    sub: &pb::Subscription,
    delivery_id: &str,
    kind: Kind,
    on_subscription: Kind,
) {
    let delivery = attempted(app, org, delivery_id).await;
    let attempt = &delivery.attempts[0];
    assert!(!attempt.error.is_empty(), "{attempt:?}");
    assert_eq!(
        (attempt.error_kind, delivery.last_error_kind),
        (kind as i32, kind as i32),
        "{}: {attempt:?}",
        sub.url
    );
    let health = app.subscription(org, &sub.id).await;
    assert_eq!(
        health.last_error_kind, on_subscription as i32,
        "{}: {health:?}",
        sub.url
    );
    let tested = press(app, org, sub).await;
    assert!(!tested.success);
    assert_eq!(tested.error_kind, kind as i32, "{}: {tested:?}", sub.url);
}

#[tokio::test]
async fn each_kind_of_failure_is_typed_on_the_attempt() {
    let mut app = spawn_app_with(&[
        "--allow-private-targets",
        "--attempt-timeout",
        "2s",
        "--retry-schedule",
        "1h",
        "--retry-jitter",
        "0",
    ])
    .await;
    let plain = TestReceiver::start().await;
    let hanging = TestReceiver::start_with(Behavior::Hang).await;
    let failing = TestReceiver::start_with(Behavior::Status(500)).await;
    let closing = Answerer::raw(Raw::Close).await;
    let garbling = Answerer::raw(Raw::Garbage).await;
    let targets = [
        (
            format!("http://{}/hook", refused_address().await),
            Kind::Connect,
        ),
        ("http://no-such-host.invalid/hook".to_owned(), Kind::Dns),
        (format!("https://{}/hook", plain.address), Kind::Tls),
        (hanging.url(), Kind::Timeout),
        (closing.url(), Kind::ResponseRead),
        (garbling.url(), Kind::ResponseRead),
        (failing.url(), Kind::HttpStatus),
    ];
    let mut expected = HashMap::new();
    for (url, kind) in targets {
        let sub = app
            .subscribe(ORG, &url, &[pb::EventType::CallCompleted], None)
            .await;
        expected.insert(sub.id.clone(), (sub, kind));
    }
    // Created before the restart below, without private targets allowed.
    let blocked_org = "org_answers_blocked";
    let mut blocked = Vec::new();
    for (url, kind) in [
        ("http://127.0.0.1:9/hook", Kind::BlockedTarget),
        ("https://127.0.0.1:9/hook", Kind::BlockedTarget),
        ("https://no-such-host.invalid/hook", Kind::Dns),
    ] {
        let sub = app
            .subscribe(blocked_org, url, &[pb::EventType::CallCompleted], None)
            .await;
        blocked.push((sub, kind));
    }

    let emitted = app.emit(call_completed(ORG, "fails every way")).await;
    assert_eq!(emitted.delivery_ids.len(), expected.len());
    for id in &emitted.delivery_ids {
        let delivery = attempted(&app, ORG, id).await;
        let (sub, kind) = expected[&delivery.subscription_id].clone();
        assert_kind(&mut app, ORG, &sub, id, kind, kind).await;
    }

    // Without --allow-private-targets the guard refuses before sending:
    // the service's own failures, which never show on the subscription.
    let database_url = app.database_url.clone();
    let database = app.stop().await;
    let mut strict = spawn_on(
        &database_url,
        &["--retry-schedule", "1h", "--retry-jitter", "0"],
    )
    .await;
    let emitted = strict.emit(call_completed(blocked_org, "not sent")).await;
    for id in &emitted.delivery_ids {
        let delivery = attempted(&strict, blocked_org, id).await;
        let (sub, kind) = blocked
            .iter()
            .find(|(sub, _)| sub.id == delivery.subscription_id)
            .expect("a subscription of the organization")
            .clone();
        assert_eq!(delivery.attempts[0].status_code, 0, "nothing was sent");
        assert_kind(&mut strict, blocked_org, &sub, id, kind, Kind::Unspecified).await;
    }
    drop(database);
}
