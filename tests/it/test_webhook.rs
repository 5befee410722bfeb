//! The "Test webhook" button.

use std::time::Duration;

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_test_button";

async fn press(
    app: &mut TestApp,
    sub: &pb::Subscription,
    kind: pb::EventType,
) -> pb::TestSubscriptionResponse {
    app.subscriptions
        .test_subscription(pb::TestSubscriptionRequest {
            organization_id: ORG.into(),
            subscription_id: sub.id.clone(),
            event_type: kind as i32,
        })
        .await
        .expect("test subscription")
        .into_inner()
}

#[tokio::test]
async fn a_test_sends_a_signed_sample_now_and_is_logged_as_a_test() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(
            ORG,
            &receiver.url(),
            &[pb::EventType::AppointmentBooked],
            Some("0123456789abcdef"),
        )
        .await;
    let result = press(&mut app, &sub, pb::EventType::Unspecified).await;
    assert!(result.success, "{result:?}");
    assert_eq!(result.status_code, 200);
    assert_eq!(result.response_body_excerpt, "answered 200");
    assert!(result.error.is_empty());

    let got = receiver.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(
        got[0].header("x-inboundflow-event"),
        "appointment.booked",
        "the first selected type"
    );
    assert_eq!(got[0].delivery_id(), result.delivery_id);
    assert!(
        got[0]
            .header("x-inboundflow-signature")
            .starts_with("sha256=")
    );
    assert_eq!(got[0].json()["data"]["caller_name"], "Sarah");

    let logged = app.delivery(ORG, &result.delivery_id).await;
    assert!(logged.test);
    assert_eq!(logged.status, pb::DeliveryStatus::Succeeded as i32);
    assert_eq!(logged.attempts.len(), 1);
}

#[tokio::test]
async fn a_test_reports_a_receivers_500_without_counting_towards_disabling() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start_with(Behavior::Status(500)).await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::LeadCreated], None)
        .await;
    let result = press(&mut app, &sub, pb::EventType::CallTransferred).await;
    assert!(!result.success);
    assert_eq!(result.status_code, 500);
    assert_eq!(result.error, "HTTP 500");
    assert_eq!(result.response_body_excerpt, "answered 500");
    assert_eq!(
        receiver.received()[0].header("x-inboundflow-event"),
        "call.transferred"
    );
    let after = app.subscription(ORG, &sub.id).await;
    assert_eq!(after.consecutive_failures, 0);
    assert_eq!(after.status, pb::SubscriptionStatus::Enabled as i32);
    let logged = app.delivery(ORG, &result.delivery_id).await;
    assert_eq!(logged.status, pb::DeliveryStatus::Failed as i32);
    let redeliver = app
        .deliveries
        .redeliver_delivery(pb::RedeliverDeliveryRequest {
            organization_id: ORG.into(),
            delivery_id: result.delivery_id.clone(),
        })
        .await
        .expect_err("test deliveries are not redelivered");
    assert_eq!(redeliver.code(), tonic::Code::FailedPrecondition);
}

#[tokio::test]
async fn a_test_reports_a_refused_connection() {
    let mut app = spawn_app().await;
    let address = refused_address().await;
    let sub = app
        .subscribe(
            ORG,
            &format!("http://{address}/hook"),
            &[pb::EventType::CallCompleted],
            None,
        )
        .await;
    let result = press(&mut app, &sub, pb::EventType::CallCompleted).await;
    assert!(!result.success);
    assert_eq!(result.status_code, 0);
    assert!(
        result.error.starts_with("connection failed"),
        "{}",
        result.error
    );
    assert!(
        result.error.to_lowercase().contains("refused"),
        "{}",
        result.error
    );
}

#[tokio::test]
async fn redirects_are_failures_and_are_not_followed() {
    let mut app = spawn_app().await;
    // A redirect to a receiver that would answer 200.
    let target = TestReceiver::start().await;
    let location = target.url();
    let redirector = axum::Router::new().fallback(move || async move {
        (
            axum::http::StatusCode::FOUND,
            [(axum::http::header::LOCATION, location)],
            "moved",
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move { axum::serve(listener, redirector).await });
    let sub = app
        .subscribe(ORG, &url, &[pb::EventType::CallCompleted], None)
        .await;

    let result = press(&mut app, &sub, pb::EventType::CallCompleted).await;
    assert!(!result.success);
    assert_eq!(result.status_code, 302);
    assert!(
        result.error.contains("redirects are not followed"),
        "{}",
        result.error
    );
    // The attempt is over when the test answers: a followed redirect would
    // have reached the target by now.
    assert!(target.received().is_empty(), "the redirect was followed");
    server.abort();
}

#[tokio::test]
async fn a_hanging_receiver_times_out() {
    let mut app = spawn_app_with(&["--allow-private-targets", "--attempt-timeout", "300ms"]).await;
    let receiver = TestReceiver::start_with(Behavior::Hang).await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let result = press(&mut app, &sub, pb::EventType::CallCompleted).await;
    assert!(!result.success);
    assert_eq!(result.error, "timed out after 300ms");
    let latency = result.latency.expect("latency");
    assert!(
        latency.seconds == 0 && latency.nanos >= 300_000_000,
        "{latency:?}"
    );
}
