//! Signing secrets and API keys are shown once, when they are made, and
//! nowhere after: not by any read, and not in the service's log, even at
//! debug level, across everything that handles them (create, rotate,
//! replace, test, deliver).

use base64::Engine as _;
use inboundflow_webhooks::pb;

use super::helpers::*;
use super::receiver::TestReceiver;

const ORG: &str = "org_hygiene";

fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask {
        paths: paths.iter().map(|p| (*p).into()).collect(),
    })
}

#[tokio::test]
async fn secrets_are_never_read_back_nor_logged() {
    let database = TestDatabase::new().await;
    let log_file = tempfile::NamedTempFile::new().expect("log file");
    let log = log_file.reopen().expect("log file");
    let (mut child, mut app) =
        start_binary_logging(database.url(), &[], log.into(), &[("RUST_LOG", "debug")]).await;
    let receiver = TestReceiver::start().await;
    let mut secrets: Vec<String> = Vec::new();

    let mut create = async |scheme: pb::SignatureScheme, secret: &str| {
        app.subscriptions
            .create_subscription(pb::CreateSubscriptionRequest {
                organization_id: ORG.into(),
                subscription: Some(pb::Subscription {
                    url: receiver.url(),
                    integration: pb::Integration::Custom as i32,
                    event_types: vec![pb::EventType::CallCompleted as i32],
                    signature_scheme: scheme as i32,
                    ..Default::default()
                }),
                signing_secret: secret.into(),
                generate_signing_secret: secret.is_empty(),
            })
            .await
            .expect("create")
            .into_inner()
    };
    let supplied = "supplied-secret-0123456789-hygiene";
    let a = create(pb::SignatureScheme::Inboundflow, supplied).await;
    let b = create(pb::SignatureScheme::Both, "").await;
    let c = create(
        pb::SignatureScheme::StandardWebhooks,
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    .await;
    let ids: Vec<String> = [&a, &b, &c]
        .iter()
        .map(|r| r.subscription.as_ref().expect("subscription").id.clone())
        .collect();
    secrets.extend([&a, &b, &c].iter().map(|r| r.signing_secret.clone()));

    // Generated secrets carry 32 random bytes.
    let generated = b.signing_secret.strip_prefix("whsec_").expect("whsec_");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(generated)
        .expect("base64");
    assert_eq!(bytes.len(), 32);

    for (id, supplied) in [(&ids[0], ""), (&ids[1], "rotated-in-secret-0123456789")] {
        let rotated = app
            .subscriptions
            .rotate_signing_secret(pb::RotateSigningSecretRequest {
                organization_id: ORG.into(),
                subscription_id: id.clone(),
                grace_period: None,
                signing_secret: supplied.into(),
            })
            .await;
        // The second is refused (BOTH needs a whsec_ secret): the refusal
        // must not echo it either.
        match rotated {
            Ok(r) => secrets.push(r.into_inner().signing_secret),
            Err(status) => assert!(!status.message().contains(supplied), "{status:?}"),
        }
    }
    secrets.push("rotated-in-secret-0123456789".into());
    let replaced = app
        .subscriptions
        .update_subscription(pb::UpdateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                id: ids[2].clone(),
                ..Default::default()
            }),
            update_mask: mask(&["signing_secret"]),
            signing_secret: String::new(),
            generate_signing_secret: true,
        })
        .await
        .expect("replace")
        .into_inner();
    secrets.push(replaced.signing_secret);
    secrets.push(app.key(pb::ApiKeyRole::Admin, ORG).await);

    for id in &ids {
        app.subscriptions
            .test_subscription(pb::TestSubscriptionRequest {
                organization_id: ORG.into(),
                subscription_id: id.clone(),
                event_type: 0,
            })
            .await
            .expect("test");
    }
    let emitted = app.emit(call_completed(ORG, "hygiene")).await;
    for id in &emitted.delivery_ids {
        app.delivery_reaches(ORG, id, pb::DeliveryStatus::Succeeded)
            .await;
    }
    app.subscriptions
        .complete_signing_secret_rotation(pb::CompleteSigningSecretRotationRequest {
            organization_id: ORG.into(),
            subscription_id: ids[0].clone(),
        })
        .await
        .expect("complete");

    let mut reads = Vec::new();
    for id in &ids {
        reads.push(format!("{:?}", app.subscription(ORG, id).await));
    }
    let listed = app
        .subscriptions
        .list_subscriptions(pb::ListSubscriptionsRequest {
            organization_id: ORG.into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    reads.push(format!("{listed:?}"));
    let keys = app
        .api_keys
        .list_api_keys(pb::ListApiKeysRequest {
            organization_id: ORG.into(),
            ..Default::default()
        })
        .await
        .expect("list keys")
        .into_inner();
    reads.push(format!("{keys:?}"));

    child.kill().await.expect("stop the service");
    let logged = std::fs::read_to_string(log_file.path()).expect("read the log");
    assert!(
        logged.contains("signing secret rotation started") && logged.contains("DEBUG"),
        "the log was captured at debug level:\n{logged}"
    );
    assert!(secrets.len() >= 7, "{}", secrets.len());
    for secret in &secrets {
        assert!(!secret.is_empty());
        for read in &reads {
            assert!(
                !read.contains(secret.as_str()),
                "a read shows a secret: {read}"
            );
        }
        assert!(!logged.contains(secret.as_str()), "the log shows a secret");
    }
}
