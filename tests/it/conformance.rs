//! The customer page's receiver, run for real: Node.js, `express.json()`, and
//! the page's `verifyWebhook` verbatim (tests/conformance/receiver.js). Every
//! delivery must verify there, whatever the strings hold.

use super::events_fixture::{all_payloads, emit};
use super::helpers::*;
use super::script_receiver::ScriptReceiver;
use inboundflow_webhooks::pb;
use inboundflow_webhooks::pb::emit_event_request::Payload;

const ORG: &str = "org_conformance";
const SECRET: &str = "conformance-secret-0123456789";
/// Everything JSON and JavaScript treat specially.
const TRICKY: &str = "José Ñúñez 🚗📞 \"quoted\" back\\slash /slash\nline\r\ttab \u{1}\u{1f}\u{7f} \u{2028}\u{2029} </script> ☃ 𝄞";

pub fn make_tricky(payload: Payload) -> Payload {
    let t = || Some(TRICKY.to_owned());
    match payload {
        Payload::CallCompleted(mut p) => {
            (p.caller_name, p.summary, p.intent) = (t(), t(), t());
            Payload::CallCompleted(p)
        }
        Payload::CallTransferred(mut p) => {
            (p.caller_name, p.summary, p.transferred_to_label, p.reason) = (t(), t(), t(), t());
            Payload::CallTransferred(p)
        }
        Payload::AppointmentBooked(mut p) => {
            (p.caller_name, p.service_type, p.calendar_event_id) = (t(), t(), t());
            Payload::AppointmentBooked(p)
        }
        Payload::LeadCreated(mut p) => {
            (p.caller_name, p.interest, p.call_summary) = (t(), t(), t());
            Payload::LeadCreated(p)
        }
    }
}

#[tokio::test]
async fn the_customer_pages_express_receiver_verifies_every_event_type() {
    let receiver = ScriptReceiver::node("receiver.js", SECRET).await;
    let port = receiver.port;
    let mut app = spawn_app().await;
    let url = format!("http://127.0.0.1:{port}/");
    let all = [
        pb::EventType::CallCompleted,
        pb::EventType::CallTransferred,
        pb::EventType::AppointmentBooked,
        pb::EventType::LeadCreated,
    ];
    app.subscribe(ORG, &url, &all, Some(SECRET)).await;
    let mut ids = Vec::new();
    for (_, payload) in all_payloads() {
        ids.extend(app.emit(emit(ORG, make_tricky(payload))).await.delivery_ids);
    }
    for id in &ids {
        app.delivery_reaches(ORG, id, pb::DeliveryStatus::Succeeded)
            .await;
    }

    let results = receiver.results().await;
    assert_eq!(results.len(), 4);
    for result in &results {
        assert_eq!(
            result["valid"], true,
            "the page's verifyWebhook rejected {result:#}"
        );
        assert_eq!(
            result["stringify_equals_raw"], true,
            "JSON.stringify differs from our bytes: {result:#}"
        );
        assert!(ids.iter().any(|id| result["delivery_id"] == id.as_str()));
        let text = result["body"]["data"]["caller_name"]
            .as_str()
            .expect("caller_name");
        assert_eq!(text, TRICKY, "the strings arrive intact");
    }
}
