//! Bad input gets INVALID_ARGUMENT naming the field, and changes nothing;
//! idempotency keys return the first result.

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_validation";

fn fields(status: &tonic::Status) -> Vec<String> {
    violations(status).into_iter().map(|(f, _)| f).collect()
}

#[tokio::test]
async fn subscriptions_need_public_https_urls_unless_private_targets_are_allowed() {
    let app = spawn_app_with(&[]).await;
    let mut subs = app.subscriptions.clone();
    for url in [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://localhost/x",
        "not a url",
        "",
    ] {
        let status = subs
            .create_subscription(pb::CreateSubscriptionRequest {
                organization_id: ORG.into(),
                subscription: Some(pb::Subscription {
                    url: url.into(),
                    integration: pb::Integration::Zapier as i32,
                    event_types: vec![pb::EventType::CallCompleted as i32],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .expect_err(url);
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{url}");
        assert_eq!(fields(&status), ["subscription.url"], "{url}");
    }
    let created = subs
        .create_subscription(pb::CreateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                url: "https://hooks.zapier.com/hooks/catch/123/abc/".into(),
                integration: pb::Integration::Zapier as i32,
                event_types: vec![pb::EventType::CallCompleted as i32],
                ..Default::default()
            }),
            generate_signing_secret: true,
            ..Default::default()
        })
        .await
        .expect("public https is fine")
        .into_inner();
    assert!(
        created.signing_secret.len() >= 32,
        "a generated secret is returned once"
    );
    assert!(
        created
            .subscription
            .expect("subscription")
            .has_signing_secret
    );
}

#[tokio::test]
async fn every_problem_in_a_create_request_is_named() {
    let app = spawn_app().await;
    let mut subs = app.subscriptions.clone();
    let status = subs
        .create_subscription(pb::CreateSubscriptionRequest {
            organization_id: "bad org!".into(),
            subscription: Some(pb::Subscription {
                url: "https://example.com/x".into(),
                integration: 0,
                event_types: vec![
                    pb::EventType::LeadCreated as i32,
                    pb::EventType::LeadCreated as i32,
                ],
                description: "x".repeat(501),
                ..Default::default()
            }),
            signing_secret: "short".into(),
            ..Default::default()
        })
        .await
        .expect_err("invalid");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        fields(&status),
        [
            "organization_id",
            "subscription.integration",
            "subscription.event_types",
            "subscription.description",
            "signing_secret"
        ]
    );
    assert!(
        status.message().contains("subscription.integration"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn malformed_events_are_rejected_field_by_field_and_nothing_is_delivered() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    app.subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;

    let mut bad = call_completed(ORG, "bad");
    if let Some(pb::emit_event_request::Payload::CallCompleted(p)) = &mut bad.payload {
        p.caller_phone = Some("555-1234".into());
        p.caller_email = Some("not an email".into());
        p.call_id = String::new();
        p.urgency = 42;
        p.started_at = Some(prost_types::Timestamp {
            seconds: 1_771_966_900,
            nanos: 0,
        });
        p.recording_url = Some("javascript:alert(1)".into());
    }
    let status = app.events.emit_event(bad).await.expect_err("invalid");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let mut got = fields(&status);
    got.sort();
    assert_eq!(
        got,
        [
            "call_completed.call_id",
            "call_completed.caller_email",
            "call_completed.caller_phone",
            "call_completed.ended_at",
            "call_completed.recording_url",
            "call_completed.urgency",
        ]
    );

    let status = app
        .events
        .emit_event(pb::EmitEventRequest {
            organization_id: ORG.into(),
            ..Default::default()
        })
        .await
        .expect_err("no payload");
    assert_eq!(fields(&status), ["payload"]);

    let mut good = call_completed(ORG, "fine");
    good.idempotency_key = "batch-1".into();
    let mut broken = call_completed(ORG, "broken");
    if let Some(pb::emit_event_request::Payload::CallCompleted(p)) = &mut broken.payload {
        p.caller_phone = Some("+0".into());
    }
    let status = app
        .events
        .batch_emit_events(pb::BatchEmitEventsRequest {
            requests: vec![good.clone(), broken],
        })
        .await
        .expect_err("one bad entry fails the batch");
    assert_eq!(fields(&status), ["requests[1].call_completed.caller_phone"]);

    // All or nothing: the good entry was not stored either, so its key is still free.
    let first = app.emit(good).await;
    assert!(!first.duplicate);
    only_delivery_is(&mut app, &first.delivery_ids, &receiver).await;
}

/// The organization's whole delivery log is these deliveries, and once
/// they are delivered the receiver got exactly one request each.
async fn only_delivery_is(app: &mut TestApp, ids: &[String], receiver: &TestReceiver) {
    let log = app
        .deliveries
        .list_deliveries(pb::ListDeliveriesRequest {
            organization_id: ORG.into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    let logged: Vec<&str> = log.deliveries.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(logged, ids, "nothing else was stored");
    for id in ids {
        let done = app
            .delivery_reaches(ORG, id, pb::DeliveryStatus::Succeeded)
            .await;
        assert_eq!(done.attempt_count, 1);
    }
    assert_eq!(
        receiver.received().len(),
        ids.len(),
        "nothing else was sent"
    );
}

#[tokio::test]
async fn an_idempotency_key_returns_the_first_result() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    app.subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let mut request = call_completed(ORG, "once");
    request.idempotency_key = "call-1:completed".into();
    request.occurred_at = Some(prost_types::Timestamp {
        seconds: 1_771_966_800,
        nanos: 0,
    });

    let first = app.emit(request.clone()).await;
    let second = app.emit(request.clone()).await;
    assert!(!first.duplicate && second.duplicate);
    assert_eq!(
        first.event.as_ref().map(|e| &e.id),
        second.event.as_ref().map(|e| &e.id)
    );
    assert_eq!(first.delivery_ids, second.delivery_ids);

    let other_org = app
        .emit(pb::EmitEventRequest {
            organization_id: "org_other".into(),
            ..request.clone()
        })
        .await;
    assert!(!other_org.duplicate, "keys are per organization");

    let mut different = call_completed(ORG, "a different event");
    different.idempotency_key = "call-1:completed".into();
    let status = app
        .events
        .emit_event(different)
        .await
        .expect_err("key reuse");
    assert_eq!(status.code(), tonic::Code::AlreadyExists);
    assert_eq!(fields(&status), ["idempotency_key"]);

    assert_eq!(first.delivery_ids.len(), 1, "one event, one delivery");
    only_delivery_is(&mut app, &first.delivery_ids, &receiver).await;
}

#[tokio::test]
async fn malformed_ids_and_page_tokens_name_their_field() {
    let app = spawn_app().await;
    let mut deliveries = app.deliveries.clone();
    let status = deliveries
        .get_delivery(pb::GetDeliveryRequest {
            organization_id: ORG.into(),
            delivery_id: "nope".into(),
        })
        .await
        .expect_err("bad id");
    assert_eq!(fields(&status), ["delivery_id"]);
    let status = deliveries
        .list_deliveries(pb::ListDeliveriesRequest {
            organization_id: ORG.into(),
            page_token: "garbage".into(),
            ..Default::default()
        })
        .await
        .expect_err("bad token");
    assert_eq!(fields(&status), ["page_token"]);
}

#[tokio::test]
async fn an_event_too_large_for_a_default_express_receiver_is_rejected() {
    let app = spawn_app().await;
    let mut events = app.events.clone();
    // Each control character is six bytes once escaped: within the per-field
    // limit as text, past the body limit as JSON.
    let status = events
        .emit_event(call_completed(ORG, &"\u{1}".repeat(16 * 1024)))
        .await
        .expect_err("too large");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(fields(&status), ["payload"]);
}
