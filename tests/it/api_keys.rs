//! Managing API keys: what an admin may do with its organization's keys,
//! that only operators make operators, and the `keys` command that makes
//! the first key.

use tonic::Code;

use super::auth::ORG;
use super::helpers::*;
use inboundflow_webhooks::pb;

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
