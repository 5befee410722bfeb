//! Several instances on one PostgreSQL database: an instance that starts
//! frees the leases of instances that are gone, never those of a live one,
//! and what one request decides (an organization's subscription cap, an
//! idempotency key) holds across instances racing on it. (SQLite runs one
//! process per file: these tests are for PostgreSQL.)

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

#[tokio::test]
async fn instances_creating_subscriptions_at_once_never_pass_the_cap_together() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: one process per file");
        return;
    }
    let flags = [
        "--allow-private-targets",
        "--max-subscriptions-per-organization",
        "3",
    ];
    let first = spawn_app_with(&flags).await;
    let second = spawn_on(&first.database_url, &flags).await;
    let org = "org_shared_cap";
    let mut creates = tokio::task::JoinSet::new();
    for i in 0..20 {
        let mut subscriptions = if i % 2 == 0 {
            first.subscriptions.clone()
        } else {
            second.subscriptions.clone()
        };
        creates.spawn(async move {
            subscriptions
                .create_subscription(pb::CreateSubscriptionRequest {
                    organization_id: org.into(),
                    subscription: Some(pb::Subscription {
                        url: format!("https://example.com/hook/{i}"),
                        integration: pb::Integration::Custom as i32,
                        event_types: TYPES.iter().map(|t| *t as i32).collect(),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await
        });
    }
    let mut created = 0;
    while let Some(result) = creates.join_next().await {
        match result.expect("task") {
            Ok(_) => created += 1,
            Err(status) => assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}"),
        }
    }
    assert_eq!(created, 3);
}

#[tokio::test]
async fn one_idempotency_key_emitted_through_two_instances_at_once_is_one_event() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: one process per file");
        return;
    }
    let mut first = spawn_app().await;
    let second = spawn_on(&first.database_url, FAST).await;
    let org = "org_shared_key";
    let receiver = TestReceiver::start().await;
    first.subscribe(org, &receiver.url(), TYPES, None).await;
    let mut emits = tokio::task::JoinSet::new();
    for i in 0..20 {
        let mut events = if i % 2 == 0 {
            first.events.clone()
        } else {
            second.events.clone()
        };
        let mut request = call_completed(org, "once");
        request.idempotency_key = "call-1:completed".into();
        emits.spawn(async move { events.emit_event(request).await });
    }
    let mut events = std::collections::BTreeSet::new();
    let mut fresh = 0;
    while let Some(result) = emits.join_next().await {
        let answer = result.expect("task").expect("emitted").into_inner();
        events.insert(answer.event.expect("event").id);
        fresh += usize::from(!answer.duplicate);
    }
    assert_eq!(events.len(), 1, "one event");
    assert_eq!(fresh, 1, "stored once, found 19 times");
    receiver.wait_for(1, Duration::from_secs(10)).await;
}

#[tokio::test]
async fn failures_recorded_by_two_instances_at_once_are_all_counted() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: one process per file");
        return;
    }
    let flags = [
        "--allow-private-targets",
        "--retry-schedule",
        "50ms,50ms",
        "--retry-jitter",
        "0",
        "--failure-threshold",
        "1000",
    ];
    let mut first = spawn_app_with(&flags).await;
    let mut second = spawn_on(&first.database_url, &flags).await;
    let org = "org_shared_failures";
    let failing = TestReceiver::start_with(Behavior::Status(503)).await;
    let sub = first.subscribe(org, &failing.url(), TYPES, None).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.extend(
            first
                .emit(call_completed(org, &format!("a{i}")))
                .await
                .delivery_ids,
        );
        ids.extend(
            second
                .emit(call_completed(org, &format!("b{i}")))
                .await
                .delivery_ids,
        );
    }
    for id in &ids {
        first
            .delivery_reaches(org, id, pb::DeliveryStatus::Failed)
            .await;
    }
    // 20 deliveries, 3 attempts each, every one a failure in a row.
    assert_eq!(failing.received().len(), 60);
    let health = first.subscription(org, &sub.id).await;
    assert_eq!(health.consecutive_failures, 60, "{health:?}");
}

#[tokio::test]
async fn a_subscription_failing_on_every_instance_is_disabled_at_exactly_the_threshold() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: one process per file");
        return;
    }
    // One attempt in flight per instance, and no retry within the test: each
    // delivery fails once, and at most one other attempt can be under way
    // when the tenth failure disables the subscription.
    let flags = [
        "--allow-private-targets",
        "--retry-schedule",
        "1h",
        "--failure-threshold",
        "10",
        "--max-in-flight-per-subscription",
        "1",
    ];
    let mut first = spawn_app_with(&flags).await;
    let mut second = spawn_on(&first.database_url, &flags).await;
    let org = "org_shared_threshold";
    let failing = TestReceiver::start_with(Behavior::Status(503)).await;
    let sub = first.subscribe(org, &failing.url(), TYPES, None).await;
    for i in 0..15 {
        first.emit(call_completed(org, &format!("a{i}"))).await;
        second.emit(call_completed(org, &format!("b{i}"))).await;
    }
    let disabled = eventually(Duration::from_secs(30), || {
        let mut subscriptions = first.subscriptions.clone();
        let id = sub.id.clone();
        async move {
            let s = subscriptions
                .get_subscription(pb::GetSubscriptionRequest {
                    organization_id: org.into(),
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
    // Any attempt still under way finishes and is recorded.
    eventually(Duration::from_secs(20), || {
        let mut deliveries = first.deliveries.clone();
        async move {
            let page = deliveries
                .list_deliveries(pb::ListDeliveriesRequest {
                    organization_id: org.into(),
                    status: pb::DeliveryStatus::InFlight as i32,
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner();
            page.deliveries.is_empty().then_some(())
        }
    })
    .await;
    let settled = first.subscription(org, &sub.id).await;
    let sent = failing.received().len() as u32;
    assert_eq!(
        settled.consecutive_failures, sent,
        "every failure is counted once: {settled:?}"
    );
    assert!(
        (10..=11).contains(&sent),
        "disabled at the tenth failure, with at most the other instance's attempt after it: {sent} sent"
    );
}
