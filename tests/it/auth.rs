//! API keys: every RPC × every kind of caller × a foreign organization. A
//! caller acts only as the organization its key belongs to, with what its
//! role allows; another organization's resources do not exist for it.

use tonic::Code;

use super::helpers::*;
use inboundflow_webhooks::pb;

pub(crate) const ORG: &str = "org_owner";
const OTHER: &str = "org_stranger";

mod rpcs;
use rpcs::*;

#[tokio::test]
async fn every_rpc_checks_the_key_its_role_and_its_organization() {
    let mut app = spawn_app().await;
    let fx = make_fixture(&mut app).await;
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
