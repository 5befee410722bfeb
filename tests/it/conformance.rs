//! The customer page's receiver, run for real: Node.js, `express.json()`, and
//! the page's `verifyWebhook` verbatim (tests/conformance/receiver.js). Every
//! delivery must verify there, whatever the strings hold.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::events_fixture::{all_payloads, emit};
use super::helpers::*;
use inboundflow_webhooks::pb;
use inboundflow_webhooks::pb::emit_event_request::Payload;

const ORG: &str = "org_conformance";
const SECRET: &str = "conformance-secret-0123456789";
/// Everything JSON and JavaScript treat specially.
const TRICKY: &str = "José Ñúñez 🚗📞 \"quoted\" back\\slash /slash\nline\r\ttab \u{1}\u{1f}\u{7f} \u{2028}\u{2029} </script> ☃ 𝄞";

fn make_tricky(payload: Payload) -> Payload {
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
    let script = fixture("conformance/receiver.js");
    let mut node = Command::new("node")
        .arg(&script)
        .env("WEBHOOK_SECRET", SECRET)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node is installed (the test command installs tests/conformance's packages)");
    let stdout = node.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let port = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(port) = line.strip_prefix("listening ") {
                return port.trim().parse::<u16>().ok();
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .expect("the receiver reports its port (did `npm ci` run in tests/conformance?)");

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

    let raw = reqwest::get(format!("http://127.0.0.1:{port}/results"))
        .await
        .expect("results")
        .bytes()
        .await
        .expect("results body");
    let results: Vec<serde_json::Value> = serde_json::from_slice(&raw).expect("JSON results");
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
