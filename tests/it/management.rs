//! Managing subscriptions and reading the log: paging, deletion,
//! organization scoping, health.

use std::time::Duration;

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_manage";

#[tokio::test]
async fn subscriptions_page_newest_first_and_filter_by_status() {
    let mut app = spawn_app().await;
    let mut created = Vec::new();
    for i in 0..5 {
        let sub = app
            .subscribe(
                ORG,
                &format!("https://example.com/{i}"),
                &[pb::EventType::LeadCreated],
                None,
            )
            .await;
        created.push(sub.id);
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = app
            .subscriptions
            .list_subscriptions(pb::ListSubscriptionsRequest {
                organization_id: ORG.into(),
                page_size: 2,
                page_token: token.clone(),
                status: 0,
            })
            .await
            .expect("list")
            .into_inner();
        pages += 1;
        seen.extend(page.subscriptions.into_iter().map(|s| s.id));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    created.reverse();
    assert_eq!(seen, created);
    assert_eq!(pages, 3);

    app.subscriptions
        .update_subscription(pb::UpdateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                id: created[0].clone(),
                status: pb::SubscriptionStatus::Disabled as i32,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["status".into()],
            }),
            ..Default::default()
        })
        .await
        .expect("disable");
    let disabled = app
        .subscriptions
        .list_subscriptions(pb::ListSubscriptionsRequest {
            organization_id: ORG.into(),
            status: pb::SubscriptionStatus::Disabled as i32,
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner()
        .subscriptions;
    assert_eq!(disabled.len(), 1);
    assert_eq!(
        disabled[0].disabled_reason,
        pb::DisabledReason::Manual as i32
    );
}

#[tokio::test]
async fn deleting_a_subscription_cancels_its_waiting_deliveries_and_keeps_the_log() {
    let mut app = spawn_app_with(&["--allow-private-targets", "--retry-schedule", "1h"]).await;
    let receiver = TestReceiver::start_with(Behavior::Status(500)).await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let emitted = app.emit(call_completed(ORG, "will be cancelled")).await;
    let id = emitted.delivery_ids[0].clone();
    eventually(Duration::from_secs(10), || {
        let mut deliveries = app.deliveries.clone();
        let id = id.clone();
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
            (d.attempt_count == 1 && d.status == pb::DeliveryStatus::Pending as i32).then_some(())
        }
    })
    .await;
    let deleted = app
        .subscriptions
        .delete_subscription(pb::DeleteSubscriptionRequest {
            organization_id: ORG.into(),
            subscription_id: sub.id.clone(),
        })
        .await
        .expect("delete")
        .into_inner();
    assert_eq!(deleted.cancelled_deliveries, 1);
    let cancelled = app.delivery(ORG, &id).await;
    assert_eq!(cancelled.status, pb::DeliveryStatus::Cancelled as i32);
    assert_eq!(cancelled.attempts.len(), 1, "the log stays readable");
    let gone = app
        .subscriptions
        .get_subscription(pb::GetSubscriptionRequest {
            organization_id: ORG.into(),
            subscription_id: sub.id,
        })
        .await
        .expect_err("deleted");
    assert_eq!(gone.code(), tonic::Code::NotFound);
}

#[tokio::test]
async fn an_organization_sees_and_changes_only_its_own_resources() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(
            "org_a",
            &receiver.url(),
            &[pb::EventType::CallCompleted],
            None,
        )
        .await;
    let emitted = app.emit(call_completed("org_a", "private to a")).await;
    let event_id = emitted.event.expect("event").id;
    receiver.wait_for(1, Duration::from_secs(5)).await;
    // Received is not yet recorded: the log below lists it once it is.
    app.delivery_reaches(
        "org_a",
        &emitted.delivery_ids[0],
        pb::DeliveryStatus::Succeeded,
    )
    .await;

    let other = app
        .emit(call_completed("org_b", "org b has no subscriptions"))
        .await;
    assert!(
        other.delivery_ids.is_empty(),
        "org_b's events never reach org_a's subscriptions"
    );

    let not_found =
        |status: tonic::Status| assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    not_found(
        app.subscriptions
            .get_subscription(pb::GetSubscriptionRequest {
                organization_id: "org_b".into(),
                subscription_id: sub.id.clone(),
            })
            .await
            .expect_err("other org"),
    );
    not_found(
        app.subscriptions
            .delete_subscription(pb::DeleteSubscriptionRequest {
                organization_id: "org_b".into(),
                subscription_id: sub.id.clone(),
            })
            .await
            .expect_err("other org"),
    );
    not_found(
        app.deliveries
            .get_delivery(pb::GetDeliveryRequest {
                organization_id: "org_b".into(),
                delivery_id: emitted.delivery_ids[0].clone(),
            })
            .await
            .expect_err("other org"),
    );
    not_found(
        app.events
            .get_event(pb::GetEventRequest {
                organization_id: "org_b".into(),
                event_id: event_id.clone(),
            })
            .await
            .expect_err("other org"),
    );
    let listed = app
        .deliveries
        .list_deliveries(pb::ListDeliveriesRequest {
            organization_id: "org_b".into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert!(listed.deliveries.is_empty());

    let own = app
        .events
        .get_event(pb::GetEventRequest {
            organization_id: "org_a".into(),
            event_id,
        })
        .await
        .expect("own event")
        .into_inner()
        .event
        .expect("event");
    match own.payload {
        Some(pb::event::Payload::CallCompleted(p)) => {
            assert_eq!(p.summary.as_deref(), Some("private to a"))
        }
        other => panic!("unexpected payload {other:?}"),
    }
    let log = app
        .deliveries
        .list_deliveries(pb::ListDeliveriesRequest {
            organization_id: "org_a".into(),
            subscription_id: sub.id,
            status: pb::DeliveryStatus::Succeeded as i32,
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(log.deliveries.len(), 1);
}

#[tokio::test]
async fn health_reports_serving_and_turns_not_serving_when_the_service_stops() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus;

    let app = spawn_app().await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(connect(app.address).await);
    let mut watches = Vec::new();
    for service in ["", "inboundflow.webhooks.v1.EventService"] {
        let mut updates = health
            .watch(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .expect("watch")
            .into_inner();
        let now = updates.message().await.expect("status").expect("a status");
        assert_eq!(now.status, ServingStatus::Serving as i32, "{service:?}");
        watches.push((service, updates));
    }

    let stopping = tokio::spawn(app.stop());
    for (service, mut updates) in watches {
        let next = tokio::time::timeout(Duration::from_secs(10), updates.message())
            .await
            .unwrap_or_else(|_| panic!("{service:?} still serving 10 s into the shutdown"))
            .expect("status")
            .expect("a status");
        assert_eq!(next.status, ServingStatus::NotServing as i32, "{service:?}");
    }
    drop(health);
    stopping.await.expect("the service stops");
}
