//! API keys: every RPC × every kind of caller × a foreign organization. A
//! caller acts only as the organization its key belongs to, with what its
//! role allows; another organization's resources do not exist for it.

use tonic::Code;

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_owner";
const OTHER: &str = "org_stranger";

/// Every RPC of the API that needs a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rpc {
    EmitEvent,
    BatchEmitEvents,
    GetEvent,
    CreateSubscription,
    GetSubscription,
    ListSubscriptions,
    UpdateSubscription,
    DeleteSubscription,
    TestSubscription,
    ReactivateSubscription,
    RotateSigningSecret,
    CompleteSigningSecretRotation,
    ListDeliveries,
    GetDelivery,
    RedeliverDelivery,
    ReplayDeliveries,
    CreateApiKey,
    ListApiKeys,
    RevokeApiKey,
}

const ALL: [Rpc; 19] = [
    Rpc::EmitEvent,
    Rpc::BatchEmitEvents,
    Rpc::GetEvent,
    Rpc::CreateSubscription,
    Rpc::GetSubscription,
    Rpc::ListSubscriptions,
    Rpc::UpdateSubscription,
    Rpc::DeleteSubscription,
    Rpc::TestSubscription,
    Rpc::ReactivateSubscription,
    Rpc::RotateSigningSecret,
    Rpc::CompleteSigningSecretRotation,
    Rpc::ListDeliveries,
    Rpc::GetDelivery,
    Rpc::RedeliverDelivery,
    Rpc::ReplayDeliveries,
    Rpc::CreateApiKey,
    Rpc::ListApiKeys,
    Rpc::RevokeApiKey,
];

impl Rpc {
    fn emits(self) -> bool {
        matches!(self, Rpc::EmitEvent | Rpc::BatchEmitEvents)
    }

    /// Acts on an organization as a whole rather than on one of its resources:
    /// a stranger is refused rather than told "not found".
    fn on_collection(self) -> bool {
        matches!(
            self,
            Rpc::EmitEvent
                | Rpc::BatchEmitEvents
                | Rpc::CreateSubscription
                | Rpc::ListSubscriptions
                | Rpc::ListDeliveries
                | Rpc::CreateApiKey
                | Rpc::ListApiKeys
        )
    }
}

/// Resources of [`ORG`] that the calls name; destructive calls get fresh ones.
struct Fixture {
    receiver: TestReceiver,
    subscription_id: String,
    event_id: String,
    delivery_id: String,
}

async fn fixture(app: &mut TestApp) -> Fixture {
    let receiver = TestReceiver::start().await;
    let subscription = app
        .subscribe(
            ORG,
            &receiver.url(),
            &[pb::EventType::CallCompleted],
            Some("fixture-secret-0123456789"),
        )
        .await;
    let emitted = app.emit(call_completed(ORG, "fixture")).await;
    let event_id = emitted.event.expect("event").id;
    let delivery_id = emitted.delivery_ids[0].clone();
    app.delivery_reaches(ORG, &delivery_id, pb::DeliveryStatus::Succeeded)
        .await;
    Fixture {
        receiver,
        subscription_id: subscription.id,
        event_id,
        delivery_id,
    }
}

/// Makes the call as `clients` would, naming `org` (empty: the key's own).
async fn call(
    rpc: Rpc,
    clients: &mut Clients,
    app: &mut TestApp,
    fx: &Fixture,
    org: &str,
) -> Result<(), tonic::Status> {
    let org = org.to_owned();
    let sub_id = fx.subscription_id.clone();
    match rpc {
        Rpc::EmitEvent => clients
            .events
            .emit_event(call_completed(&org, "auth"))
            .await
            .map(drop),
        Rpc::BatchEmitEvents => clients
            .events
            .batch_emit_events(pb::BatchEmitEventsRequest {
                requests: vec![call_completed(&org, "auth")],
            })
            .await
            .map(drop),
        Rpc::GetEvent => clients
            .events
            .get_event(pb::GetEventRequest {
                organization_id: org,
                event_id: fx.event_id.clone(),
            })
            .await
            .map(drop),
        Rpc::CreateSubscription => clients
            .subscriptions
            .create_subscription(pb::CreateSubscriptionRequest {
                organization_id: org,
                subscription: Some(pb::Subscription {
                    url: fx.receiver.url(),
                    integration: pb::Integration::Zapier as i32,
                    event_types: vec![pb::EventType::LeadCreated as i32],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::GetSubscription => clients
            .subscriptions
            .get_subscription(pb::GetSubscriptionRequest {
                organization_id: org,
                subscription_id: sub_id,
            })
            .await
            .map(drop),
        Rpc::ListSubscriptions => clients
            .subscriptions
            .list_subscriptions(pb::ListSubscriptionsRequest {
                organization_id: org,
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::UpdateSubscription => clients
            .subscriptions
            .update_subscription(pb::UpdateSubscriptionRequest {
                organization_id: org,
                subscription: Some(pb::Subscription {
                    id: sub_id,
                    description: "changed".into(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["description".into()],
                }),
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::DeleteSubscription => {
            let doomed = app
                .subscribe(ORG, &fx.receiver.url(), &[pb::EventType::LeadCreated], None)
                .await;
            clients
                .subscriptions
                .delete_subscription(pb::DeleteSubscriptionRequest {
                    organization_id: org,
                    subscription_id: doomed.id,
                })
                .await
                .map(drop)
        }
        Rpc::TestSubscription => clients
            .subscriptions
            .test_subscription(pb::TestSubscriptionRequest {
                organization_id: org,
                subscription_id: sub_id,
                event_type: 0,
            })
            .await
            .map(drop),
        Rpc::ReactivateSubscription => clients
            .subscriptions
            .reactivate_subscription(pb::ReactivateSubscriptionRequest {
                organization_id: org,
                subscription_id: sub_id,
            })
            .await
            .map(drop),
        // A zero grace is allowed whatever is in progress, so every
        // permitted caller can rotate in turn.
        Rpc::RotateSigningSecret => clients
            .subscriptions
            .rotate_signing_secret(pb::RotateSigningSecretRequest {
                organization_id: org,
                subscription_id: sub_id,
                grace_period: Some(prost_types::Duration::default()),
                signing_secret: String::new(),
            })
            .await
            .map(drop),
        Rpc::CompleteSigningSecretRotation => clients
            .subscriptions
            .complete_signing_secret_rotation(pb::CompleteSigningSecretRotationRequest {
                organization_id: org,
                subscription_id: sub_id,
            })
            .await
            .map(drop),
        Rpc::ListDeliveries => clients
            .deliveries
            .list_deliveries(pb::ListDeliveriesRequest {
                organization_id: org,
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::GetDelivery => clients
            .deliveries
            .get_delivery(pb::GetDeliveryRequest {
                organization_id: org,
                delivery_id: fx.delivery_id.clone(),
            })
            .await
            .map(drop),
        Rpc::RedeliverDelivery => {
            // The previous redelivery must have settled, or this one is refused.
            app.delivery_reaches(ORG, &fx.delivery_id, pb::DeliveryStatus::Succeeded)
                .await;
            clients
                .deliveries
                .redeliver_delivery(pb::RedeliverDeliveryRequest {
                    organization_id: org,
                    delivery_id: fx.delivery_id.clone(),
                })
                .await
                .map(drop)
        }
        Rpc::ReplayDeliveries => clients
            .deliveries
            .replay_deliveries(pb::ReplayDeliveriesRequest {
                organization_id: org,
                subscription_id: sub_id,
                start_time: Some(prost_types::Timestamp::default()),
            })
            .await
            .map(drop),
        Rpc::CreateApiKey => clients
            .api_keys
            .create_api_key(pb::CreateApiKeyRequest {
                organization_id: org,
                api_key: Some(pb::ApiKey {
                    role: pb::ApiKeyRole::Emitter as i32,
                    ..Default::default()
                }),
            })
            .await
            .map(drop),
        Rpc::ListApiKeys => clients
            .api_keys
            .list_api_keys(pb::ListApiKeysRequest {
                organization_id: org,
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::RevokeApiKey => {
            let doomed = app.key(pb::ApiKeyRole::Emitter, ORG).await;
            let id = key_id(app, &doomed).await;
            clients
                .api_keys
                .revoke_api_key(pb::RevokeApiKeyRequest {
                    organization_id: org,
                    api_key_id: id,
                })
                .await
                .map(drop)
        }
    }
}

/// The id of a key of [`ORG`], found by its prefix.
async fn key_id(app: &mut TestApp, key: &str) -> String {
    let keys = app
        .api_keys
        .list_api_keys(pb::ListApiKeysRequest {
            organization_id: ORG.into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .expect("list keys")
        .into_inner()
        .api_keys;
    keys.into_iter()
        .find(|k| key.starts_with(&k.prefix))
        .expect("the key is listed")
        .id
}

fn code(result: &Result<(), tonic::Status>) -> Code {
    match result {
        Ok(()) => Code::Ok,
        Err(status) => status.code(),
    }
}

#[tokio::test]
async fn every_rpc_checks_the_key_its_role_and_its_organization() {
    let mut app = spawn_app().await;
    let fx = fixture(&mut app).await;
    let emitter = app.key(pb::ApiKeyRole::Emitter, ORG).await;
    let admin = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let stranger = app.key(pb::ApiKeyRole::Admin, OTHER).await;
    let revoked = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let revoked_id = key_id(&mut app, &revoked).await;
    app.api_keys
        .revoke_api_key(pb::RevokeApiKeyRequest {
            organization_id: ORG.into(),
            api_key_id: revoked_id,
        })
        .await
        .expect("revoke");
    let operator = app.operator_key.clone();

    let mut failures = Vec::new();
    for rpc in ALL {
        // (who, key, organization named, expected code)
        let foreign = if rpc.on_collection() {
            Code::PermissionDenied
        } else {
            Code::NotFound
        };
        let cases: Vec<(&str, Option<&str>, &str, Code)> = vec![
            ("no key", None, ORG, Code::Unauthenticated),
            (
                "made-up key",
                Some("ifk_not_a_real_key"),
                ORG,
                Code::Unauthenticated,
            ),
            (
                "revoked key",
                Some(revoked.as_str()),
                ORG,
                Code::Unauthenticated,
            ),
            (
                "emitter",
                Some(emitter.as_str()),
                ORG,
                if rpc.emits() {
                    Code::Ok
                } else {
                    Code::PermissionDenied
                },
            ),
            ("admin", Some(admin.as_str()), ORG, Code::Ok),
            (
                "admin, organization left empty",
                Some(admin.as_str()),
                "",
                Code::Ok,
            ),
            ("operator", Some(operator.as_str()), ORG, Code::Ok),
            (
                "stranger naming the owner",
                Some(stranger.as_str()),
                ORG,
                foreign,
            ),
        ];
        for (who, key, org, expected) in cases {
            let mut clients = app.clients(key);
            let result = call(rpc, &mut clients, &mut app, &fx, org).await;
            if code(&result) != expected {
                failures.push(format!(
                    "{rpc:?} as {who}: expected {expected:?}, got {result:?}"
                ));
            }
        }
        // A stranger naming its own organization with the owner's resource ids
        // sees nothing of them either.
        if !rpc.on_collection() {
            let mut clients = app.clients(Some(&stranger));
            let result = call(rpc, &mut clients, &mut app, &fx, OTHER).await;
            if code(&result) != Code::NotFound {
                failures.push(format!(
                    "{rpc:?} as stranger on its own organization: expected NotFound, got {result:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn health_needs_no_key_and_reflection_is_public_unless_configured() {
    let app = spawn_app().await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(connect(app.address).await);
    let answer = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health without a key");
    assert_eq!(answer.into_inner().status, 1);

    let closed = spawn_app_with(&[FAST, &["--reflection", "authenticated"]].concat()).await;
    let reflect = |address, key: Option<String>| async move {
        use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::v1::{ServerReflectionRequest, server_reflection_request};
        let channel = connect(address).await;
        let mut client =
            ServerReflectionClient::with_interceptor(channel, Bearer::new(key.as_deref()));
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(server_reflection_request::MessageRequest::ListServices(
                String::new(),
            )),
        };
        match client
            .server_reflection_info(tokio_stream::iter([request]))
            .await
        {
            Err(status) => status.code(),
            Ok(stream) => {
                let mut stream = stream.into_inner();
                match stream.message().await {
                    Ok(_) => Code::Ok,
                    Err(status) => status.code(),
                }
            }
        }
    };
    assert_eq!(reflect(app.address, None).await, Code::Ok);
    assert_eq!(reflect(closed.address, None).await, Code::Unauthenticated);
    assert_eq!(
        reflect(closed.address, Some(closed.operator_key.clone())).await,
        Code::Ok
    );
}

#[tokio::test]
async fn admins_manage_their_own_keys_and_only_operators_make_operators() {
    let mut app = spawn_app().await;
    let admin = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let mut as_admin = app.clients(Some(&admin));
    let operator_attempt = as_admin
        .api_keys
        .create_api_key(pb::CreateApiKeyRequest {
            organization_id: String::new(),
            api_key: Some(pb::ApiKey {
                role: pb::ApiKeyRole::Operator as i32,
                ..Default::default()
            }),
        })
        .await
        .expect_err("an admin cannot make an operator key");
    assert_eq!(operator_attempt.code(), Code::PermissionDenied);

    // A key the admin makes acts for the admin's organization, and stops
    // working the moment it is revoked.
    let made = as_admin
        .api_keys
        .create_api_key(pb::CreateApiKeyRequest {
            organization_id: String::new(),
            api_key: Some(pb::ApiKey {
                role: pb::ApiKeyRole::Emitter as i32,
                name: "call service".into(),
                ..Default::default()
            }),
        })
        .await
        .expect("admin makes an emitter key")
        .into_inner();
    let record = made.api_key.expect("record");
    assert_eq!(record.organization_id, ORG);
    assert!(made.key.starts_with(&record.prefix));
    let mut as_emitter = app.clients(Some(&made.key));
    let mut emit = call_completed("", "own organization by default");
    emit.organization_id = String::new();
    let emitted = as_emitter
        .events
        .emit_event(emit.clone())
        .await
        .expect("emit with the new key")
        .into_inner();
    assert_eq!(emitted.event.expect("event").organization_id, ORG);
    as_admin
        .api_keys
        .revoke_api_key(pb::RevokeApiKeyRequest {
            organization_id: String::new(),
            api_key_id: record.id.clone(),
        })
        .await
        .expect("revoke");
    let refused = as_emitter
        .events
        .emit_event(emit)
        .await
        .expect_err("revoked");
    assert_eq!(refused.code(), Code::Unauthenticated);

    // Keys are listed without the keys themselves; revoked ones on request.
    let listed = as_admin
        .api_keys
        .list_api_keys(pb::ListApiKeysRequest {
            show_revoked: true,
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner()
        .api_keys;
    let shown = listed
        .iter()
        .find(|k| k.id == record.id)
        .expect("revoked key listed");
    assert!(shown.revoke_time.is_some());
    let debug = format!("{listed:?}");
    assert!(!debug.contains(&made.key) && !debug.contains(&admin));
}

#[tokio::test]
async fn the_cli_makes_the_first_key_and_it_works_over_the_api() {
    let database = TestDatabase::new().await;
    let database_url = database.url().to_owned();
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_inboundflow-webhooks"))
            .arg("keys")
            .args(args)
            .args(["--database-url", &database_url])
            .args(backend_flags(&database_url, &[]))
            .output()
            .expect("run the keys command")
    };
    let made = cli(&[
        "create",
        "--role",
        "admin",
        "--organization",
        ORG,
        "--name",
        "dashboard",
    ]);
    assert!(made.status.success(), "{made:?}");
    let key = String::from_utf8(made.stdout).expect("utf-8");
    let key = key.trim().to_owned();
    assert!(key.starts_with("ifk_") && !key.contains(char::is_whitespace));

    let refused = cli(&["create", "--role", "admin"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--organization"));

    let (_child, app) = start_binary(&database_url, &[]).await;
    let mut as_admin = app.clients(Some(&key));
    as_admin
        .subscriptions
        .list_subscriptions(pb::ListSubscriptionsRequest::default())
        .await
        .expect("the CLI's key works");

    let listed = cli(&["list", "--organization", ORG]);
    let listed = String::from_utf8(listed.stdout).expect("utf-8");
    let line = listed
        .lines()
        .find(|l| l.contains("dashboard"))
        .expect("key listed");
    let id = line.split_whitespace().next().expect("id column");
    assert!(!listed.contains(&key));
    let revoked = cli(&["revoke", id]);
    assert!(revoked.status.success(), "{revoked:?}");
    // Another process revoked it: this instance stops accepting it within
    // its cache time.
    eventually(std::time::Duration::from_secs(15), || {
        let mut as_admin = as_admin.clone();
        async move {
            let result = as_admin
                .subscriptions
                .list_subscriptions(pb::ListSubscriptionsRequest::default())
                .await;
            matches!(result, Err(s) if s.code() == Code::Unauthenticated).then_some(())
        }
    })
    .await;
}
