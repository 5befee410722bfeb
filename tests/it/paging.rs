//! Page tokens continue the query they came from and no other.

use tonic::Code;

use super::helpers::*;
use inboundflow_webhooks::pb;

#[tokio::test]
async fn a_page_token_used_with_another_organization_or_filter_is_refused() {
    let mut app = spawn_app().await;
    for org in ["org_pages_a", "org_pages_b"] {
        for i in 0..3 {
            app.subscribe(
                org,
                &format!("https://example.com/{i}"),
                &[pb::EventType::LeadCreated],
                None,
            )
            .await;
        }
    }
    let list =
        |org: &str, status: pb::SubscriptionStatus, token: &str| pb::ListSubscriptionsRequest {
            organization_id: org.into(),
            page_size: 1,
            page_token: token.into(),
            status: status as i32,
        };
    let first = app
        .subscriptions
        .list_subscriptions(list("org_pages_a", pb::SubscriptionStatus::Unspecified, ""))
        .await
        .expect("first page")
        .into_inner();
    let token = first.next_page_token;
    assert!(!token.is_empty());

    let next = app
        .subscriptions
        .list_subscriptions(list(
            "org_pages_a",
            pb::SubscriptionStatus::Unspecified,
            &token,
        ))
        .await
        .expect("the same query continues")
        .into_inner();
    assert_eq!(next.subscriptions.len(), 1);
    assert_ne!(next.subscriptions[0].id, first.subscriptions[0].id);

    for (org, status) in [
        ("org_pages_b", pb::SubscriptionStatus::Unspecified),
        ("org_pages_a", pb::SubscriptionStatus::Enabled),
    ] {
        let refused = app
            .subscriptions
            .list_subscriptions(list(org, status, &token))
            .await
            .expect_err("a token of another query");
        assert_eq!(refused.code(), Code::InvalidArgument, "{org} {status:?}");
        assert_eq!(violations(&refused)[0].0, "page_token");
    }

    // The delivery log's tokens are bound the same way.
    let receiver = TestReceiver::start().await;
    app.subscribe(
        "org_pages_a",
        &receiver.url(),
        &[pb::EventType::CallCompleted],
        None,
    )
    .await;
    for _ in 0..2 {
        app.emit(call_completed("org_pages_a", "paged")).await;
    }
    let page = app
        .deliveries
        .list_deliveries(pb::ListDeliveriesRequest {
            organization_id: "org_pages_a".into(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .expect("deliveries")
        .into_inner();
    let refused = app
        .deliveries
        .list_deliveries(pb::ListDeliveriesRequest {
            organization_id: "org_pages_b".into(),
            page_size: 1,
            page_token: page.next_page_token,
            ..Default::default()
        })
        .await
        .expect_err("a token of another organization");
    assert_eq!(refused.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn the_log_of_a_subscription_that_does_not_exist_is_not_found_and_a_deleted_ones_stays_readable()
 {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(
            "org_log",
            &receiver.url(),
            &[pb::EventType::CallCompleted],
            None,
        )
        .await;
    let emitted = app.emit(call_completed("org_log", "logged")).await;
    app.delivery_reaches(
        "org_log",
        &emitted.delivery_ids[0],
        pb::DeliveryStatus::Succeeded,
    )
    .await;
    let log = |subscription_id: &str, event_id: &str| pb::ListDeliveriesRequest {
        organization_id: "org_log".into(),
        subscription_id: subscription_id.into(),
        event_id: event_id.into(),
        ..Default::default()
    };
    let unknown = uuid::Uuid::now_v7().to_string();
    for (request, what) in [
        (log(&unknown, ""), "subscription"),
        (log("", &unknown), "event"),
    ] {
        let refused = app
            .deliveries
            .list_deliveries(request)
            .await
            .expect_err("an unknown resource");
        assert_eq!(refused.code(), Code::NotFound);
        assert!(refused.message().contains(what), "{refused:?}");
    }
    app.subscriptions
        .delete_subscription(pb::DeleteSubscriptionRequest {
            organization_id: "org_log".into(),
            subscription_id: sub.id.clone(),
        })
        .await
        .expect("delete");
    let kept = app
        .deliveries
        .list_deliveries(log(&sub.id, ""))
        .await
        .expect("a deleted subscription's log")
        .into_inner();
    assert_eq!(kept.deliveries.len(), 1);
}
