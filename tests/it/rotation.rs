//! Rotating a signing secret without a failed verification: the customer
//! page's receiver keeps its one secret through the grace period, a receiver
//! given both secrets never notices, and the rules that keep a rotation from
//! dropping a secret receivers still use.

use std::time::Duration;

use inboundflow_webhooks::{Received, pb, verify_webhook, verify_webhook_any};
use tonic::Code;

use super::events_fixture::{all_payloads, emit};
use super::helpers::*;
use super::receiver::TestReceiver;
use super::script_receiver::ScriptReceiver;

const ORG: &str = "org_rotation";
const FIRST: &str = "first-secret-0123456789abcdef";

async fn rotate(
    app: &mut TestApp,
    id: &str,
    grace: Option<Duration>,
) -> Result<pb::RotateSigningSecretResponse, tonic::Status> {
    app.subscriptions
        .rotate_signing_secret(pb::RotateSigningSecretRequest {
            organization_id: ORG.into(),
            subscription_id: id.into(),
            grace_period: grace.map(|g| prost_types::Duration {
                seconds: g.as_secs() as i64,
                nanos: g.subsec_nanos() as i32,
            }),
            signing_secret: String::new(),
        })
        .await
        .map(tonic::Response::into_inner)
}

async fn complete(app: &mut TestApp, id: &str) -> pb::Subscription {
    app.subscriptions
        .complete_signing_secret_rotation(pb::CompleteSigningSecretRotationRequest {
            organization_id: ORG.into(),
            subscription_id: id.into(),
        })
        .await
        .expect("complete the rotation")
        .into_inner()
        .subscription
        .expect("subscription")
}

/// Emits one event of each type and waits until all were delivered.
async fn deliver_a_round(app: &mut TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for (_, payload) in all_payloads() {
        ids.extend(app.emit(emit(ORG, payload)).await.delivery_ids);
    }
    for id in &ids {
        app.delivery_reaches(ORG, id, pb::DeliveryStatus::Succeeded)
            .await;
    }
    ids
}

#[tokio::test]
async fn the_customer_pages_receiver_sees_no_failure_before_during_or_after_a_rotation() {
    let receiver = ScriptReceiver::node("receiver.js", FIRST).await;
    let mut app = spawn_app().await;
    let all = [
        pb::EventType::CallCompleted,
        pb::EventType::CallTransferred,
        pb::EventType::AppointmentBooked,
        pb::EventType::LeadCreated,
    ];
    let sub = app.subscribe(ORG, &receiver.url(), &all, Some(FIRST)).await;

    let before = deliver_a_round(&mut app).await;
    let started = chrono::Utc::now();
    let rotated = rotate(&mut app, &sub.id, None).await.expect("rotate");
    let second = rotated.signing_secret;
    assert!(second.starts_with("whsec_") && second != FIRST, "{second}");
    let end = rotated
        .subscription
        .and_then(|s| s.secret_rotation_end_time)
        .expect("the grace's end is shown");
    let hours = (end.seconds - started.timestamp()) as f64 / 3600.0;
    assert!((23.9..=24.1).contains(&hours), "default grace {hours} h");
    let during = deliver_a_round(&mut app).await;

    // The customer deploys the new secret and ends the grace together,
    // at a quiet moment.
    let done = complete(&mut app, &sub.id).await;
    assert_eq!(done.secret_rotation_end_time, None);
    receiver.deploy(&second).await;
    let after = deliver_a_round(&mut app).await;

    let results = receiver.results().await;
    assert_eq!(results.len(), 12);
    for result in &results {
        assert_eq!(
            result["valid"], true,
            "the page's verifier failed: {result:#}"
        );
        let id = result["delivery_id"].as_str().expect("delivery id");
        let (secret, next) = if before.iter().any(|d| d == id) {
            (FIRST, false)
        } else if during.iter().any(|d| d == id) {
            (FIRST, true)
        } else {
            assert!(after.iter().any(|d| d == id), "{id}");
            (second.as_str(), false)
        };
        assert_eq!(result["secret"], secret, "{result:#}");
        assert_eq!(result["signature_next"].is_string(), next, "{result:#}");
    }
}

#[tokio::test]
async fn a_receiver_given_both_secrets_verifies_every_delivery_as_the_grace_runs_out() {
    let receiver = TestReceiver::start().await;
    let mut app = spawn_app().await;
    let sub = app
        .subscribe(
            ORG,
            &receiver.url(),
            &[pb::EventType::CallCompleted],
            Some(FIRST),
        )
        .await;
    let rotated = rotate(&mut app, &sub.id, Some(Duration::from_secs(2)))
        .await
        .expect("rotate");
    let second = rotated.signing_secret;
    let end = rotated
        .subscription
        .and_then(|s| s.secret_rotation_end_time)
        .expect("rotation end");
    // Deliveries keep flowing while the grace ends on its own.
    let mut sent = 0;
    let stop = std::time::Instant::now() + Duration::from_secs(4);
    while std::time::Instant::now() < stop {
        app.emit(call_completed(ORG, "during the rotation")).await;
        sent += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let received = receiver.wait_for(sent, Duration::from_secs(20)).await;
    let (mut in_grace, mut after) = (0, 0);
    for request in &received {
        let timestamp: i64 = request
            .header("x-inboundflow-timestamp")
            .parse()
            .expect("timestamp");
        let next = request
            .headers
            .get("x-inboundflow-signature-next")
            .and_then(|v| v.to_str().ok());
        let main = request.header("x-inboundflow-signature");
        let both = Received {
            timestamp: Some(request.header("x-inboundflow-timestamp")),
            signature: Some(main),
            signature_next: next,
        };
        let now = chrono::Utc::now().timestamp();
        verify_webhook_any(
            &request.body,
            both,
            &[FIRST.as_bytes(), second.as_bytes()],
            now,
            300,
        )
        .expect("either secret in either header verifies");
        let ts = Some(request.header("x-inboundflow-timestamp"));
        if let Some(next) = next {
            in_grace += 1;
            assert!(timestamp <= end.seconds, "{timestamp} after {end:?}");
            verify_webhook(&request.body, ts, Some(main), FIRST.as_bytes(), now, 300)
                .expect("the main header keeps the old secret");
            verify_webhook(&request.body, ts, Some(next), second.as_bytes(), now, 300)
                .expect("-Next has the new one");
        } else {
            after += 1;
            assert!(timestamp >= end.seconds, "{timestamp} before {end:?}");
            verify_webhook(&request.body, ts, Some(main), second.as_bytes(), now, 300)
                .expect("after the grace, the new secret signs");
        }
    }
    assert!(
        in_grace > 0 && after > 0,
        "{in_grace} during, {after} after"
    );
    let sub = app.subscription(ORG, &sub.id).await;
    assert_eq!(sub.secret_rotation_end_time, None, "the grace is over");
}

#[tokio::test]
async fn a_rotation_needs_a_secret_and_waits_for_the_last_one_unless_it_is_immediate() {
    let mut app = spawn_app().await;
    let url = "http://127.0.0.1:9/hook";
    let unsigned = app
        .subscribe(ORG, url, &[pb::EventType::LeadCreated], None)
        .await;
    let refused = rotate(&mut app, &unsigned.id, None)
        .await
        .expect_err("unsigned");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");

    let sub = app
        .subscribe(ORG, url, &[pb::EventType::LeadCreated], Some(FIRST))
        .await;
    let too_long = rotate(&mut app, &sub.id, Some(Duration::from_secs(31 * 86_400)))
        .await
        .expect_err("31 days");
    assert_eq!(violations(&too_long)[0].0, "grace_period");
    let short = app
        .subscriptions
        .rotate_signing_secret(pb::RotateSigningSecretRequest {
            organization_id: ORG.into(),
            subscription_id: sub.id.clone(),
            grace_period: None,
            signing_secret: "short".into(),
        })
        .await
        .expect_err("a short secret");
    assert_eq!(violations(&short)[0].0, "signing_secret");

    let first = rotate(&mut app, &sub.id, None).await.expect("rotate");
    let again = rotate(&mut app, &sub.id, None).await.expect_err("twice");
    assert_eq!(again.code(), Code::FailedPrecondition, "{again:?}");
    assert!(again.message().contains("in progress"), "{again:?}");

    // A leaked secret is replaced at once, whatever is in progress.
    let now = rotate(&mut app, &sub.id, Some(Duration::ZERO))
        .await
        .expect("immediate");
    assert_ne!(now.signing_secret, first.signing_secret);
    let shown = now.subscription.expect("subscription");
    assert_eq!(shown.secret_rotation_end_time, None);
    assert!(shown.has_signing_secret);

    // Replacing the secret outright ends a rotation too.
    rotate(&mut app, &sub.id, None).await.expect("rotate");
    let replaced = app
        .subscriptions
        .update_subscription(pb::UpdateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                id: sub.id.clone(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["signing_secret".into()],
            }),
            signing_secret: String::new(),
            generate_signing_secret: true,
        })
        .await
        .expect("replace")
        .into_inner();
    let shown = replaced.subscription.expect("subscription");
    assert_eq!(shown.secret_rotation_end_time, None);
    // Completing with nothing in progress changes nothing.
    let done = complete(&mut app, &sub.id).await;
    assert!(done.has_signing_secret);
}
