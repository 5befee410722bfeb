//! What a customer's receiver gets, byte for byte (spec/CONTRACT.md).

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::events_fixture::{all_payloads, emit};
use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_golden";
const SECRET: &str = "whk_test_secret_0123456789";

/// An HMAC written here, independently of the service's signing code.
fn expected_signature(timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn each_event_type_arrives_with_the_contract_headers_and_golden_bytes() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    app.subscribe(
        ORG,
        &receiver.url(),
        &[
            pb::EventType::CallCompleted,
            pb::EventType::CallTransferred,
            pb::EventType::AppointmentBooked,
            pb::EventType::LeadCreated,
        ],
        Some(SECRET),
    )
    .await;

    for (index, (name, payload)) in all_payloads().into_iter().enumerate() {
        let emitted = app.emit(emit(ORG, payload)).await;
        assert_eq!(
            emitted.delivery_ids.len(),
            1,
            "{name}: one subscription, one delivery"
        );
        let got = receiver.wait_for(index + 1, Duration::from_secs(10)).await;
        let request = got.last().expect("a request");

        let delivery_id = &emitted.delivery_ids[0];
        let body = std::str::from_utf8(&request.body).expect("UTF-8 body");
        let golden =
            std::fs::read_to_string(fixture(&format!("golden/{name}.json"))).expect("golden file");
        assert_eq!(
            body.replace(delivery_id.as_str(), "{delivery_id}"),
            golden.trim_end(),
            "{name}: body differs from tests/golden/{name}.json"
        );

        assert_eq!(request.header("content-type"), "application/json");
        assert_eq!(request.header("user-agent"), "InboundFlow-Webhook/1.0");
        assert_eq!(request.header("x-inboundflow-event"), name);
        assert_eq!(request.delivery_id(), delivery_id);
        let timestamp = request.header("x-inboundflow-timestamp");
        let sent_at: i64 = timestamp.parse().expect("unix seconds");
        let now = chrono::Utc::now().timestamp();
        assert!(
            (now - sent_at).abs() <= 5,
            "timestamp {sent_at} is the attempt's time"
        );
        let signature = request.header("x-inboundflow-signature");
        assert_eq!(
            signature,
            expected_signature(timestamp, &request.body),
            "{name}: signature"
        );
        assert_eq!(
            request
                .headers
                .get_all("x-inboundflow-signature")
                .iter()
                .count(),
            1
        );
    }
}

#[tokio::test]
async fn unsigned_subscriptions_get_no_signature_header_and_unset_fields_are_null() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    app.subscribe(
        "org_plain",
        &receiver.url(),
        &[pb::EventType::LeadCreated],
        None,
    )
    .await;
    app.emit(pb::EmitEventRequest {
        organization_id: "org_plain".into(),
        payload: Some(pb::emit_event_request::Payload::LeadCreated(
            pb::LeadCreated {
                call_id: "c-1".into(),
                ..Default::default()
            },
        )),
        ..Default::default()
    })
    .await;
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert!(got[0].headers.get("x-inboundflow-signature").is_none());
    let request = &got[0];
    let body = std::str::from_utf8(&request.body).expect("UTF-8 body");
    let envelope = request.json();
    let expected = format!(
        "{{\"event\":\"lead.created\",\"timestamp\":{},\"organization_id\":\"org_plain\",\
         \"delivery_id\":\"{}\",\"data\":{{\"call_id\":\"c-1\",\"caller_phone\":null,\
         \"caller_name\":null,\"caller_email\":null,\"intent\":null,\"urgency\":null,\
         \"interest\":null,\"call_summary\":null}}}}",
        envelope["timestamp"],
        request.delivery_id()
    );
    assert_eq!(body, expected);
}
