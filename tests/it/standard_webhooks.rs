//! Standard Webhooks headers, proven with the official libraries as
//! receivers (npm and PyPI `standardwebhooks`), not only with our own code:
//! every event type verifies, both schemes travel together, a rotation lets
//! such receivers switch secrets whenever they like, and only `whsec_`
//! secrets are accepted for it.

use inboundflow_webhooks::pb;
use tonic::Code;

use super::conformance::make_tricky;
use super::events_fixture::{all_payloads, emit};
use super::helpers::*;
use super::script_receiver::ScriptReceiver;

const ORG: &str = "org_standard";
const ALL: [pb::EventType; 4] = [
    pb::EventType::CallCompleted,
    pb::EventType::CallTransferred,
    pb::EventType::AppointmentBooked,
    pb::EventType::LeadCreated,
];

async fn create(
    app: &mut TestApp,
    url: &str,
    scheme: pb::SignatureScheme,
    secret: &str,
) -> Result<pb::CreateSubscriptionResponse, tonic::Status> {
    app.subscriptions
        .create_subscription(pb::CreateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                url: url.into(),
                integration: pb::Integration::Custom as i32,
                event_types: ALL.iter().map(|t| *t as i32).collect(),
                signature_scheme: scheme as i32,
                ..Default::default()
            }),
            signing_secret: secret.into(),
            generate_signing_secret: secret.is_empty(),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// Emits one event of each type, with every string JSON treats specially,
/// and waits until each delivery reaches `status`.
async fn deliver_all_types(app: &mut TestApp, status: pb::DeliveryStatus) -> Vec<String> {
    let mut ids = Vec::new();
    for (_, payload) in all_payloads() {
        ids.extend(app.emit(emit(ORG, make_tricky(payload))).await.delivery_ids);
    }
    for id in &ids {
        app.delivery_reaches(ORG, id, status).await;
    }
    ids
}

/// Every delivery the receiver got is one of `ids`, and verified there.
fn assert_all_valid(results: &[serde_json::Value], ids: &[String], who: &str) {
    assert!(!results.is_empty(), "{who} got nothing");
    for result in results {
        assert!(
            ids.iter().any(|id| result["delivery_id"] == id.as_str()),
            "{who} got an unknown delivery: {result:#}"
        );
        assert_eq!(result["valid"], true, "{who}: {result:#}");
    }
}

#[tokio::test]
async fn receivers_on_the_official_libraries_verify_every_event_type() {
    let mut app = spawn_app().await;
    // The secret is generated, and the receivers are given it, as a customer would.
    let placeholder = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let node = ScriptReceiver::node("standard-receiver.js", placeholder).await;
    let python = ScriptReceiver::python("standard_receiver.py", placeholder).await;
    for receiver in [&node, &python] {
        let created = create(
            &mut app,
            &receiver.url(),
            pb::SignatureScheme::StandardWebhooks,
            "",
        )
        .await
        .expect("create");
        assert_eq!(
            created.subscription.expect("subscription").signature_scheme,
            pb::SignatureScheme::StandardWebhooks as i32
        );
        receiver.deploy(&created.signing_secret).await;
    }
    let ids = deliver_all_types(&mut app, pb::DeliveryStatus::Succeeded).await;
    let node_results = node.results().await;
    let python_results = python.results().await;
    assert_eq!(node_results.len(), 4);
    assert_eq!(python_results.len(), 4);
    assert_all_valid(&node_results, &ids, "node");
    assert_all_valid(&python_results, &ids, "python");
    for result in &node_results {
        assert_eq!(result["inboundflow_signature"], serde_json::Value::Null);
        assert_eq!(result["signatures"], 1);
    }
}

#[tokio::test]
async fn with_both_schemes_the_pages_verifier_and_the_library_each_verify_the_same_delivery() {
    let mut app = spawn_app().await;
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let page = ScriptReceiver::node("receiver.js", secret).await;
    let library = ScriptReceiver::node("standard-receiver.js", secret).await;
    for receiver in [&page, &library] {
        create(&mut app, &receiver.url(), pb::SignatureScheme::Both, secret)
            .await
            .expect("create");
    }
    let ids = deliver_all_types(&mut app, pb::DeliveryStatus::Succeeded).await;
    let from_library = library.results().await;
    let from_page = page.results().await;
    assert_eq!((from_page.len(), from_library.len()), (4, 4));
    assert_all_valid(&from_page, &ids, "the page's verifier");
    assert_all_valid(&from_library, &ids, "the library");
    assert!(
        from_library
            .iter()
            .all(|r| r["inboundflow_signature"].is_string())
    );
}

#[tokio::test]
async fn a_library_receiver_switches_to_the_new_secret_whenever_it_likes_during_the_grace() {
    let mut app = spawn_app().await;
    let receiver = ScriptReceiver::node(
        "standard-receiver.js",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    .await;
    let created = create(
        &mut app,
        &receiver.url(),
        pb::SignatureScheme::StandardWebhooks,
        "",
    )
    .await
    .expect("create");
    let id = created.subscription.expect("subscription").id;
    receiver.deploy(&created.signing_secret).await;
    let rotated = app
        .subscriptions
        .rotate_signing_secret(pb::RotateSigningSecretRequest {
            organization_id: ORG.into(),
            subscription_id: id.clone(),
            grace_period: None,
            signing_secret: String::new(),
        })
        .await
        .expect("rotate")
        .into_inner();
    let during_old = deliver_all_types(&mut app, pb::DeliveryStatus::Succeeded).await;
    receiver.deploy(&rotated.signing_secret).await;
    let during_new = deliver_all_types(&mut app, pb::DeliveryStatus::Succeeded).await;
    app.subscriptions
        .complete_signing_secret_rotation(pb::CompleteSigningSecretRotationRequest {
            organization_id: ORG.into(),
            subscription_id: id,
        })
        .await
        .expect("complete");
    let after = deliver_all_types(&mut app, pb::DeliveryStatus::Succeeded).await;
    let results = receiver.results().await;
    assert_eq!(results.len(), 12);
    let all: Vec<String> = [&during_old, &during_new, &after]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    assert_all_valid(&results, &all, "the library");
    for (ids, signatures) in [(&during_old, 2), (&during_new, 2), (&after, 1)] {
        for id in ids {
            let result = results.iter().find(|r| r["delivery_id"] == id.as_str());
            assert_eq!(
                result.map(|r| r["signatures"].clone()),
                Some(signatures.into())
            );
        }
    }
}

#[tokio::test]
async fn standard_webhooks_signing_needs_a_whsec_secret() {
    let mut app = spawn_app().await;
    let url = "http://127.0.0.1:9/hook";
    let plain = "plain-secret-0123456789";
    let refused = create(&mut app, url, pb::SignatureScheme::StandardWebhooks, plain)
        .await
        .expect_err("a plain secret");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(violations(&refused)[0].0, "signing_secret");

    let sub = create(&mut app, url, pb::SignatureScheme::Inboundflow, plain)
        .await
        .expect("a plain secret for the InboundFlow header")
        .subscription
        .expect("subscription");
    let update = |paths: &[&str], generate: bool| pb::UpdateSubscriptionRequest {
        organization_id: ORG.into(),
        subscription: Some(pb::Subscription {
            id: sub.id.clone(),
            signature_scheme: pb::SignatureScheme::Both as i32,
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: paths.iter().map(|p| (*p).into()).collect(),
        }),
        signing_secret: String::new(),
        generate_signing_secret: generate,
    };
    let refused = app
        .subscriptions
        .update_subscription(update(&["signature_scheme"], false))
        .await
        .expect_err("the stored secret cannot sign it");
    assert_eq!(violations(&refused)[0].0, "subscription.signature_scheme");
    let changed = app
        .subscriptions
        .update_subscription(update(&["signature_scheme", "signing_secret"], true))
        .await
        .expect("with a new secret in the same update")
        .into_inner();
    assert!(changed.signing_secret.starts_with("whsec_"));
    assert_eq!(
        changed.subscription.expect("subscription").signature_scheme,
        pb::SignatureScheme::Both as i32
    );
}
