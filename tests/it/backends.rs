//! What both backends store alike, whatever bytes clients and receivers send.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::helpers::*;
use inboundflow_webhooks::pb;

/// A receiver that answers every request with 200 and this body.
async fn answering(body: &'static [u8]) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = vec![0u8; 64 * 1024];
                // One read is enough to know a request came; the body is not needed.
                if socket.read(&mut request).await.is_ok() {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let answered = socket.write_all(head.as_bytes()).await;
                    if answered.is_ok() && socket.write_all(body).await.is_ok() {
                        socket.flush().await.ok();
                    }
                }
            });
        }
    });
    format!("http://{address}/hook")
}

#[tokio::test]
async fn a_receiver_answering_nul_bytes_has_its_attempt_recorded_like_any_other() {
    let mut app = spawn_app().await;
    let org = "org_nul";
    let url = answering(b"ok\0\0done").await;
    let sub = app
        .subscribe(org, &url, &[pb::EventType::CallCompleted], None)
        .await;
    let emitted = app.emit(call_completed(org, "answered with NUL")).await;
    let delivered = tokio::time::timeout(
        Duration::from_secs(30),
        app.delivery_reaches(org, &emitted.delivery_ids[0], pb::DeliveryStatus::Succeeded),
    )
    .await
    .expect("recorded");
    assert_eq!(delivered.attempts.len(), 1);
    assert!(
        delivered.attempts[0]
            .response_body_excerpt
            .starts_with("ok"),
        "{delivered:?}"
    );
    assert!(
        delivered.attempts[0]
            .response_body_excerpt
            .ends_with("done")
    );
    let health = app.subscription(org, &sub.id).await;
    assert!(health.last_success_time.is_some());
}

#[tokio::test]
async fn a_description_with_a_nul_byte_is_saved_and_read_back() {
    let mut app = spawn_app().await;
    let org = "org_nul_description";
    let created = app
        .subscriptions
        .create_subscription(pb::CreateSubscriptionRequest {
            organization_id: org.into(),
            subscription: Some(pb::Subscription {
                url: "https://example.com/hook".into(),
                integration: pb::Integration::Custom as i32,
                event_types: vec![pb::EventType::CallCompleted as i32],
                description: "front\0desk".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("created")
        .into_inner()
        .subscription
        .expect("subscription");
    let read = app.subscription(org, &created.id).await;
    assert!(
        read.description.starts_with("front") && read.description.ends_with("desk"),
        "{read:?}"
    );
}

#[tokio::test]
async fn postgresql_without_secret_keys_is_refused_with_a_clear_error() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: it makes a key file when no keys are given");
        return;
    }
    let database = TestDatabase::new().await;
    let migrated = tokio::process::Command::new(env!("CARGO_BIN_EXE_inboundflow-webhooks"))
        .args(["migrate", "--database-url", database.url()])
        .env_remove("INBOUNDFLOW_SECRET_KEYS")
        .output()
        .await
        .expect("run migrate");
    let stderr = String::from_utf8_lossy(&migrated.stderr);
    assert!(!migrated.status.success(), "migrated anyway: {stderr}");
    assert!(
        stderr.contains("INBOUNDFLOW_SECRET_KEYS"),
        "does not say what is missing: {stderr}"
    );
    let with_keys = tokio::process::Command::new(env!("CARGO_BIN_EXE_inboundflow-webhooks"))
        .args(["migrate", "--database-url", database.url()])
        .args(backend_flags(database.url(), &[]))
        .output()
        .await
        .expect("run migrate");
    assert!(with_keys.status.success(), "{with_keys:?}");
}
