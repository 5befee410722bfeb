//! Embed tokens: a dashboard mints one with its admin key and hands it to the
//! browser showing the Integrations page. The token acts for its organization
//! only, for the page's calls only, until it expires or its key is revoked.

use std::time::Duration;

use tonic::Code;

use super::helpers::{Clients, TestApp, TestReceiver, eventually, spawn_app, violations};
use inboundflow_webhooks::pb;

const ORG: &str = "org_embed";
const OTHER: &str = "org_other";

async fn mint(
    clients: &mut Clients,
    org: &str,
    ttl: Option<Duration>,
) -> Result<pb::CreateEmbedTokenResponse, tonic::Status> {
    clients
        .api_keys
        .create_embed_token(pb::CreateEmbedTokenRequest {
            organization_id: org.into(),
            ttl: ttl.map(|d| prost_types::Duration {
                seconds: i64::try_from(d.as_secs()).expect("seconds"),
                nanos: 0,
            }),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// An admin key of `org` and a token it minted, with clients using the token.
async fn page_clients(app: &mut TestApp, org: &str, ttl: Option<Duration>) -> (String, Clients) {
    let admin = app.key(pb::ApiKeyRole::Admin, org).await;
    let minted = mint(&mut app.clients(Some(&admin)), "", ttl)
        .await
        .expect("an admin mints a token for its organization");
    assert!(minted.token.starts_with("ife_"), "{}", minted.token);
    (admin, app.clients(Some(&minted.token)))
}

fn new_subscription(url: &str) -> pb::CreateSubscriptionRequest {
    pb::CreateSubscriptionRequest {
        organization_id: String::new(),
        subscription: Some(pb::Subscription {
            url: url.into(),
            integration: pb::Integration::Zapier as i32,
            event_types: vec![pb::EventType::CallCompleted as i32],
            ..Default::default()
        }),
        signing_secret: String::new(),
        generate_signing_secret: true,
    }
}

#[tokio::test]
async fn a_token_does_what_the_page_does_for_its_own_organization() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let (_, mut page) = page_clients(&mut app, ORG, None).await;

    let created = page
        .subscriptions
        .create_subscription(new_subscription(&receiver.url()))
        .await
        .expect("the page connects an integration")
        .into_inner();
    let sub = created.subscription.expect("subscription");
    assert_eq!(sub.organization_id, ORG);
    assert!(created.signing_secret.starts_with("whsec_"));

    let tested = page
        .subscriptions
        .test_subscription(pb::TestSubscriptionRequest {
            subscription_id: sub.id.clone(),
            ..Default::default()
        })
        .await
        .expect("the page tests it")
        .into_inner();
    assert!(tested.success, "{tested:?}");
    let listed = page
        .deliveries
        .list_deliveries(pb::ListDeliveriesRequest {
            subscription_id: sub.id.clone(),
            ..Default::default()
        })
        .await
        .expect("the page reads the delivery log")
        .into_inner();
    assert_eq!(listed.deliveries.len(), 1);

    // Another organization's subscription does not exist for this token.
    let foreign = app
        .subscribe(
            OTHER,
            &receiver.url(),
            &[pb::EventType::CallCompleted],
            None,
        )
        .await;
    let err = page
        .subscriptions
        .get_subscription(pb::GetSubscriptionRequest {
            organization_id: OTHER.into(),
            subscription_id: foreign.id.clone(),
        })
        .await
        .expect_err("another organization's subscription");
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
    let err = page
        .subscriptions
        .list_subscriptions(pb::ListSubscriptionsRequest {
            organization_id: OTHER.into(),
            ..Default::default()
        })
        .await
        .expect_err("another organization's list");
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
}

#[tokio::test]
async fn a_token_is_refused_everything_the_page_does_not_do() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let (_, mut page) = page_clients(&mut app, ORG, None).await;
    let sub = app
        .subscribe(
            ORG,
            &receiver.url(),
            &[pb::EventType::CallCompleted],
            Some("a-secret-of-16-chars"),
        )
        .await;

    let denied = |result: Result<(), tonic::Status>, what: &str| {
        let err = result.expect_err(what);
        assert_eq!(err.code(), Code::PermissionDenied, "{what}: {err:?}");
    };
    denied(
        page.events
            .emit_event(super::helpers::call_completed("", "from a browser"))
            .await
            .map(drop),
        "emit",
    );
    denied(
        page.events
            .get_event(pb::GetEventRequest {
                event_id: uuid::Uuid::now_v7().to_string(),
                ..Default::default()
            })
            .await
            .map(drop),
        "read an event",
    );
    denied(
        page.subscriptions
            .rotate_signing_secret(pb::RotateSigningSecretRequest {
                subscription_id: sub.id.clone(),
                ..Default::default()
            })
            .await
            .map(drop),
        "rotate a secret",
    );
    denied(
        page.api_keys
            .create_api_key(pb::CreateApiKeyRequest {
                organization_id: String::new(),
                api_key: Some(pb::ApiKey {
                    role: pb::ApiKeyRole::Admin as i32,
                    ..Default::default()
                }),
            })
            .await
            .map(drop),
        "create an API key",
    );
    denied(
        mint(&mut page, "", None).await.map(drop),
        "mint another token",
    );
    // Nothing of the refused calls happened.
    let keys = app
        .api_keys
        .list_api_keys(pb::ListApiKeysRequest {
            organization_id: ORG.into(),
            ..Default::default()
        })
        .await
        .expect("list keys")
        .into_inner();
    assert_eq!(keys.api_keys.len(), 1, "only the dashboard's admin key");
    assert!(
        app.subscription(ORG, &sub.id)
            .await
            .secret_rotation_end_time
            .is_none()
    );
}

#[tokio::test]
async fn an_expired_token_is_unauthenticated() {
    let mut app = spawn_app().await;
    let (_, mut page) = page_clients(&mut app, ORG, Some(Duration::from_secs(1))).await;
    let list = pb::ListSubscriptionsRequest::default();
    page.subscriptions
        .list_subscriptions(list.clone())
        .await
        .expect("valid before it expires");
    let err = eventually(Duration::from_secs(10), || {
        let mut page = page.clone();
        let list = list.clone();
        async move { page.subscriptions.list_subscriptions(list).await.err() }
    })
    .await;
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    assert!(err.message().contains("expired"), "{err:?}");
}

#[tokio::test]
async fn revoking_the_minting_key_ends_its_tokens() {
    let mut app = spawn_app().await;
    let (admin, mut page) = page_clients(&mut app, ORG, None).await;
    page.subscriptions
        .list_subscriptions(pb::ListSubscriptionsRequest::default())
        .await
        .expect("valid while its key is");
    let keys = app
        .api_keys
        .list_api_keys(pb::ListApiKeysRequest {
            organization_id: ORG.into(),
            ..Default::default()
        })
        .await
        .expect("list keys")
        .into_inner();
    let admin_id = keys
        .api_keys
        .iter()
        .find(|k| admin.starts_with(&k.prefix))
        .map(|k| k.id.clone())
        .expect("the admin key");
    app.api_keys
        .revoke_api_key(pb::RevokeApiKeyRequest {
            organization_id: ORG.into(),
            api_key_id: admin_id,
        })
        .await
        .expect("revoke");
    let err = page
        .subscriptions
        .list_subscriptions(pb::ListSubscriptionsRequest::default())
        .await
        .expect_err("a revoked key's token");
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
}

#[tokio::test]
async fn who_may_mint_and_for_how_long() {
    let mut app = spawn_app().await;
    let admin = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let emitter = app.key(pb::ApiKeyRole::Emitter, ORG).await;
    let mut admin = app.clients(Some(&admin));

    let long = mint(&mut admin, "", Some(Duration::from_secs(25 * 3600)))
        .await
        .expect_err("more than a day");
    assert_eq!(long.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&long),
        [("ttl".into(), "must be at most 24 hours".into())]
    );
    let zero = mint(&mut admin, "", Some(Duration::ZERO))
        .await
        .expect_err("zero");
    assert_eq!(violations(&zero)[0].0, "ttl");

    let day = mint(&mut admin, "", Some(Duration::from_secs(24 * 3600)))
        .await
        .expect("a day is allowed");
    let expires = day.expire_time.expect("expire time").seconds;
    let now = chrono::Utc::now().timestamp();
    assert!((expires - now - 24 * 3600).abs() < 60, "{expires} vs {now}");
    let default = mint(&mut admin, "", None).await.expect("default life");
    let expires = default.expire_time.expect("expire time").seconds;
    assert!((expires - now - 3600).abs() < 60, "an hour by default");

    let foreign = mint(&mut admin, OTHER, None)
        .await
        .expect_err("another organization");
    assert_eq!(foreign.code(), Code::PermissionDenied);
    let err = mint(&mut app.clients(Some(&emitter)), "", None)
        .await
        .expect_err("an emitter key");
    assert_eq!(err.code(), Code::PermissionDenied);

    // An operator names the organization; its token acts for that one.
    let mut operator = app.clients(Some(&app.operator_key.clone()));
    let err = mint(&mut operator, "", None)
        .await
        .expect_err("no organization");
    assert_eq!(violations(&err)[0].0, "organization_id");
    let minted = mint(&mut operator, ORG, None)
        .await
        .expect("operator for an organization");
    let mut page = app.clients(Some(&minted.token));
    let listed = page
        .subscriptions
        .list_subscriptions(pb::ListSubscriptionsRequest {
            organization_id: ORG.into(),
            ..Default::default()
        })
        .await;
    assert!(listed.is_ok(), "{listed:?}");
}
