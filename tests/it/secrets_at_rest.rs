//! Signing secrets at rest: the database holds them sealed (never their
//! text), its files are readable by their owner only, keys rotate without
//! receivers noticing, and secrets written in plain text by earlier versions
//! are sealed when the service starts.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use base64::Engine as _;
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use super::helpers::*;
use super::receiver::Received;
use inboundflow_webhooks::pb;

const ORG: &str = "org_secrets";
const SECRET: &str = "at-rest-signing-secret-0123456789";
const BINARY: &str = env!("CARGO_BIN_EXE_inboundflow-webhooks");

/// A key-list entry (`id:base64 of 32 bytes`) with every byte `fill`.
fn key(id: &str, fill: u8) -> String {
    format!(
        "{id}:{}",
        base64::engine::general_purpose::STANDARD.encode([fill; 32])
    )
}

/// The [`FAST`] test flags with these secret keys.
fn with_keys(keys: &str) -> Vec<&str> {
    let mut flags = FAST.to_vec();
    flags.extend(["--secret-keys", keys]);
    flags
}

fn database_path(database_url: &str) -> PathBuf {
    PathBuf::from(
        database_url
            .strip_prefix("sqlite://")
            .expect("a sqlite:// URL"),
    )
}

/// `path` with `suffix` appended to its file name (`db` → `db-wal`).
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

async fn open(database_url: &str) -> SqliteConnection {
    let options = SqliteConnectOptions::from_str(database_url).expect("database URL");
    SqliteConnection::connect_with(&options)
        .await
        .expect("open the database")
}

/// The signing secret column of a subscription, exactly as stored.
async fn stored_secret(database_url: &str, subscription_id: &str) -> String {
    let id = uuid::Uuid::parse_str(subscription_id).expect("subscription id");
    let mut db = open(database_url).await;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT signing_secret FROM subscriptions WHERE id = ?")
            .bind(id)
            .fetch_one(&mut db)
            .await
            .expect("subscription row");
    db.close().await.expect("close");
    stored.expect("a stored secret")
}

fn assert_signed(request: &Received, secret: &str) {
    inboundflow_webhooks::verify_webhook(
        &request.body,
        Some(request.header("x-inboundflow-timestamp")),
        Some(request.header("x-inboundflow-signature")),
        secret.as_bytes(),
        chrono::Utc::now().timestamp(),
        300,
    )
    .expect("signed with the subscription's secret");
}

fn file_contains(path: &Path, needle: &str) -> bool {
    let bytes = std::fs::read(path).unwrap_or_default();
    bytes
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

async fn run_binary(args: &[&str]) -> std::process::Output {
    let child = tokio::process::Command::new(BINARY)
        .args(args)
        .env_remove("INBOUNDFLOW_SECRET_KEYS")
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(Duration::from_secs(30), child)
        .await
        .expect("the command ends")
        .expect("run the service binary")
}

#[tokio::test]
async fn a_signing_secret_is_stored_sealed_and_deliveries_are_still_signed() {
    if sqlite_only("reads the sealed secret from the database file") {
        return;
    }
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(
            ORG,
            &receiver.url(),
            &[pb::EventType::CallCompleted],
            Some(SECRET),
        )
        .await;
    app.emit(call_completed(ORG, "sealed")).await;
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_signed(&got[0], SECRET);

    let database_url = app.database_url.clone();
    let stored = stored_secret(&database_url, &sub.id).await;
    assert!(stored.starts_with("enc:v1:"), "stored as {stored:?}");
    assert!(!stored.contains(SECRET));
    let dir = app.stop().await;
    let path = database_path(&database_url);
    for file in [path.clone(), beside(&path, "-wal")] {
        assert!(
            !file_contains(&file, SECRET),
            "{} holds the secret's text",
            file.display()
        );
    }

    // The key file beside the database opens it again after a restart.
    let mut again = spawn_on(&database_url, FAST).await;
    again.emit(call_completed(ORG, "after a restart")).await;
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_signed(&got[1], SECRET);
    again.stop().await;
    drop(dir);
}

#[tokio::test]
async fn the_database_and_its_key_file_are_readable_by_their_owner_only() {
    if sqlite_only("checks the modes of the database file and its key file") {
        return;
    }
    let mut app = spawn_app().await;
    app.subscribe(
        ORG,
        "http://127.0.0.1:9/hook",
        &[pb::EventType::CallCompleted],
        Some(SECRET),
    )
    .await;
    let path = database_path(&app.database_url);
    // After a write, while the service runs, the WAL and shared-memory files exist.
    for file in [
        path.clone(),
        beside(&path, "-wal"),
        beside(&path, "-shm"),
        beside(&path, ".key"),
    ] {
        let mode = std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode of {}", file.display());
    }
    app.stop().await;
}

#[tokio::test]
async fn rotated_secrets_still_sign_after_the_old_key_is_dropped() {
    if sqlite_only("reads the sealed secret from the database file") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite://{}", dir.path().join("webhooks.db").display());
    let (k1, k2) = (key("k1", 1), key("k2", 2));
    let receiver = TestReceiver::start().await;

    let mut first = spawn_on(&database_url, &with_keys(&k1)).await;
    let sub = first
        .subscribe(
            ORG,
            &receiver.url(),
            &[pb::EventType::CallCompleted],
            Some(SECRET),
        )
        .await;
    first.emit(call_completed(ORG, "before rotation")).await;
    assert_signed(
        &receiver.wait_for(1, Duration::from_secs(10)).await[0],
        SECRET,
    );
    // A signing secret rotation is under way: the secret it replaces is
    // sealed too, and must survive the key rotation.
    let next = first
        .subscriptions
        .rotate_signing_secret(pb::RotateSigningSecretRequest {
            organization_id: ORG.into(),
            subscription_id: sub.id.clone(),
            grace_period: None,
            signing_secret: String::new(),
        })
        .await
        .expect("rotate the signing secret")
        .into_inner()
        .signing_secret;
    first.stop().await;
    let sealed = stored_secret(&database_url, &sub.id).await;
    assert!(sealed.starts_with("enc:v1:k1:"), "stored as {sealed:?}");

    let both = format!("{k2},{k1}");
    let rotated = run_binary(&[
        "rotate-secrets",
        "--database-url",
        &database_url,
        "--secret-keys",
        &both,
    ])
    .await;
    let stdout = String::from_utf8_lossy(&rotated.stdout);
    assert!(
        rotated.status.success(),
        "rotate-secrets failed: {}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    assert!(stdout.contains("re-encrypted 2 "), "printed {stdout:?}");
    let resealed = stored_secret(&database_url, &sub.id).await;
    assert!(resealed.starts_with("enc:v1:k2:"), "stored as {resealed:?}");

    let mut second = spawn_on(&database_url, &with_keys(&k2)).await;
    second.emit(call_completed(ORG, "after rotation")).await;
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_signed(&got[1], SECRET);
    inboundflow_webhooks::verify_webhook(
        &got[1].body,
        Some(got[1].header("x-inboundflow-timestamp")),
        Some(got[1].header("x-inboundflow-signature-next")),
        next.as_bytes(),
        chrono::Utc::now().timestamp(),
        300,
    )
    .expect("the new secret signs X-InboundFlow-Signature-Next");
    second.stop().await;
}

#[tokio::test]
async fn a_secret_sealed_with_a_key_no_longer_configured_stops_the_start_naming_the_key() {
    let database = TestDatabase::new().await;
    let database_url = database.url().to_owned();
    let mut first = spawn_on(&database_url, &with_keys(&key("k1", 1))).await;
    first
        .subscribe(
            ORG,
            "http://127.0.0.1:9/hook",
            &[pb::EventType::CallCompleted],
            Some(SECRET),
        )
        .await;
    first.stop().await;

    let k2 = key("k2", 2);
    let started = run_binary(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &database_url,
        "--secret-keys",
        &k2,
    ])
    .await;
    let stderr = String::from_utf8_lossy(&started.stderr);
    assert!(!started.status.success(), "started anyway: {stderr}");
    assert!(stderr.contains("\"k1\""), "does not name the key: {stderr}");
}

#[tokio::test]
async fn a_secret_the_running_service_cannot_open_is_held_back_not_sent_unsigned() {
    let database = TestDatabase::new().await;
    let database_url = database.url().to_owned();
    let (k1, k2) = (key("k1", 1), key("k2", 2));
    let signed = TestReceiver::start().await;
    let unsigned = TestReceiver::start().await;
    let mut app = spawn_on(&database_url, &with_keys(&k1)).await;
    let types = [pb::EventType::CallCompleted];
    app.subscribe(ORG, &signed.url(), &types, Some(SECRET))
        .await;
    app.subscribe(ORG, &unsigned.url(), &types, None).await;

    // Sealed again with a key this service was not given.
    let both = format!("{k2},{k1}");
    let rotated = run_binary(&[
        "rotate-secrets",
        "--database-url",
        &database_url,
        "--secret-keys",
        &both,
    ])
    .await;
    assert!(rotated.status.success(), "rotate-secrets failed");

    let emitted = app
        .emit(call_completed(ORG, "one event, two subscriptions"))
        .await;
    assert_eq!(emitted.delivery_ids.len(), 2);
    // Both deliveries were claimed together; the one without a secret went out.
    unsigned.wait_for(1, Duration::from_secs(10)).await;
    assert!(
        signed.received().is_empty(),
        "a delivery went out without its secret"
    );
    app.stop().await;

    let again = spawn_on(&database_url, &with_keys(&both)).await;
    let got = signed.wait_for(1, Duration::from_secs(10)).await;
    assert_signed(&got[0], SECRET);
    again.stop().await;
}

#[tokio::test]
async fn a_database_without_a_file_needs_configured_keys() {
    if sqlite_only("is about an in-memory database, which has no key file") {
        return;
    }
    let migrated = run_binary(&["migrate", "--database-url", "sqlite::memory:"]).await;
    let stderr = String::from_utf8_lossy(&migrated.stderr);
    assert!(!migrated.status.success(), "migrated anyway: {stderr}");
    assert!(stderr.contains("INBOUNDFLOW_SECRET_KEYS"), "says {stderr}");
}

#[tokio::test]
async fn a_plaintext_secret_from_an_earlier_version_is_sealed_at_start_and_still_signs() {
    if sqlite_only("writes a plain-text secret into the database file") {
        return;
    }
    const LEGACY: &str = "legacy-plaintext-secret-00001";
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(
            ORG,
            &receiver.url(),
            &[pb::EventType::CallCompleted],
            Some(SECRET),
        )
        .await;
    let database_url = app.database_url.clone();
    let dir = app.stop().await;
    // What an earlier version wrote: the secret's text as it is.
    let mut db = open(&database_url).await;
    sqlx::query("UPDATE subscriptions SET signing_secret = ? WHERE id = ?")
        .bind(LEGACY)
        .bind(uuid::Uuid::parse_str(&sub.id).expect("subscription id"))
        .execute(&mut db)
        .await
        .expect("write a plaintext secret");
    db.close().await.expect("close");

    let mut again = spawn_on(&database_url, FAST).await;
    // Answered once the service has opened the database.
    assert!(again.subscription(ORG, &sub.id).await.has_signing_secret);
    let stored = stored_secret(&database_url, &sub.id).await;
    assert!(stored.starts_with("enc:v1:"), "stored as {stored:?}");
    assert!(!stored.contains(LEGACY));
    again.emit(call_completed(ORG, "legacy")).await;
    assert_signed(
        &receiver.wait_for(1, Duration::from_secs(10)).await[0],
        LEGACY,
    );
    again.stop().await;
    drop(dir);
}
