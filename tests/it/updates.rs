//! Changing a subscription: update masks, re-saving it, its signing secret.

use std::time::Duration;

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_updates";

#[tokio::test]
async fn an_update_changes_only_the_masked_fields_and_rejects_unknown_paths() {
    let mut app = spawn_app().await;
    let old = TestReceiver::start().await;
    let new = TestReceiver::start().await;
    let sub = app
        .subscribe(ORG, &old.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let updated = app
        .subscriptions
        .update_subscription(pb::UpdateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                id: sub.id.clone(),
                url: new.url(),
                description: "ignored: not in the mask".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["url".into()],
            }),
            ..Default::default()
        })
        .await
        .expect("update")
        .into_inner()
        .subscription
        .expect("subscription");
    assert_eq!(updated.url, new.url());
    assert_eq!(updated.description, "test receiver");
    app.emit(call_completed(ORG, "to the new url")).await;
    new.wait_for(1, Duration::from_secs(5)).await;
    assert!(old.received().is_empty());

    let status = app
        .subscriptions
        .update_subscription(pb::UpdateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                id: sub.id.clone(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["consecutive_failures".into()],
            }),
            ..Default::default()
        })
        .await
        .expect_err("read-only path");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(violations(&status)[0].0, "update_mask");
}

#[tokio::test]
async fn saving_an_enabled_subscription_as_enabled_keeps_its_failure_count_and_retry_times() {
    let mut app = spawn_app_with(&[
        "--allow-private-targets",
        "--retry-schedule",
        "1h",
        "--retry-jitter",
        "0",
    ])
    .await;
    let receiver = TestReceiver::start_with(Behavior::Status(500)).await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let emitted = app.emit(call_completed(ORG, "fails once")).await;
    receiver.wait_for(1, Duration::from_secs(5)).await;
    let before = eventually(Duration::from_secs(5), || {
        let mut deliveries = app.deliveries.clone();
        let id = emitted.delivery_ids[0].clone();
        async move {
            let d = deliveries
                .get_delivery(pb::GetDeliveryRequest {
                    organization_id: ORG.into(),
                    delivery_id: id,
                })
                .await
                .ok()?
                .into_inner()
                .delivery?;
            (d.attempt_count == 1 && d.next_attempt_time.is_some()).then_some(d)
        }
    })
    .await;
    let saved = app
        .subscriptions
        .update_subscription(pb::UpdateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                id: sub.id.clone(),
                status: pb::SubscriptionStatus::Enabled as i32,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["status".into()],
            }),
            ..Default::default()
        })
        .await
        .expect("update")
        .into_inner()
        .subscription
        .expect("subscription");
    assert_eq!(saved.consecutive_failures, 1);
    let after = app.delivery(ORG, &emitted.delivery_ids[0]).await;
    assert_eq!(
        after.next_attempt_time, before.next_attempt_time,
        "the retry keeps its time"
    );
}

#[tokio::test]
async fn a_signing_secret_can_be_added_replaced_and_removed_after_creation() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    assert!(!sub.has_signing_secret);
    let set_secret = |secret: &str, generate: bool| pb::UpdateSubscriptionRequest {
        organization_id: ORG.into(),
        subscription: Some(pb::Subscription {
            id: sub.id.clone(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["signing_secret".into()],
        }),
        signing_secret: secret.into(),
        generate_signing_secret: generate,
    };

    let generated = app
        .subscriptions
        .update_subscription(set_secret("", true))
        .await
        .expect("generate")
        .into_inner();
    assert!(
        generated
            .subscription
            .expect("subscription")
            .has_signing_secret
    );
    assert!(generated.signing_secret.len() >= 32);
    app.emit(call_completed(ORG, "signed")).await;
    let got = receiver.wait_for(1, Duration::from_secs(5)).await;
    let now = chrono::Utc::now().timestamp();
    inboundflow_webhooks::verify_webhook(
        &got[0].body,
        Some(got[0].header("x-inboundflow-timestamp")),
        Some(got[0].header("x-inboundflow-signature")),
        generated.signing_secret.as_bytes(),
        now,
        300,
    )
    .expect("signed with the new secret");

    let bad = app
        .subscriptions
        .update_subscription(set_secret("short", false))
        .await
        .expect_err("too short");
    assert_eq!(violations(&bad)[0].0, "signing_secret");

    let removed = app
        .subscriptions
        .update_subscription(set_secret("", false))
        .await
        .expect("remove")
        .into_inner();
    assert!(
        !removed
            .subscription
            .expect("subscription")
            .has_signing_secret
    );
    assert!(removed.signing_secret.is_empty());
    app.emit(call_completed(ORG, "unsigned again")).await;
    let got = receiver.wait_for(2, Duration::from_secs(5)).await;
    assert!(got[1].headers.get("x-inboundflow-signature").is_none());
}

#[tokio::test]
async fn a_delivery_its_receiver_accepted_stays_succeeded_when_its_subscription_is_deleted_meanwhile()
 {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start_with(Behavior::Delay(Duration::from_millis(800))).await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let emitted = app.emit(call_completed(ORG, "deleted mid-attempt")).await;
    let id = emitted.delivery_ids[0].clone();
    // The attempt is under way: the receiver has the request and answers later.
    receiver.wait_for(1, Duration::from_secs(10)).await;
    app.subscriptions
        .delete_subscription(pb::DeleteSubscriptionRequest {
            organization_id: ORG.into(),
            subscription_id: sub.id,
        })
        .await
        .expect("delete");
    let delivery = eventually(Duration::from_secs(10), || {
        let mut app_deliveries = app.deliveries.clone();
        let id = id.clone();
        async move {
            let d = app_deliveries
                .get_delivery(pb::GetDeliveryRequest {
                    organization_id: ORG.into(),
                    delivery_id: id,
                })
                .await
                .ok()?
                .into_inner()
                .delivery?;
            (d.attempt_count == 1).then_some(d)
        }
    })
    .await;
    assert_eq!(
        delivery.status,
        pb::DeliveryStatus::Succeeded as i32,
        "{delivery:?}"
    );
    assert_eq!(delivery.last_status_code, 200);
}
