//! `serve --config FILE`: the real binary reading a TOML file, beneath its
//! environment variables and flags, and refusing a file it cannot use.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use inboundflow_webhooks::domain::api_key::Role;
use inboundflow_webhooks::pb;

use super::helpers::*;

const BINARY: &str = env!("CARGO_BIN_EXE_inboundflow-webhooks");

/// The service binary with `args` and `env`, and nothing of the test's own
/// `INBOUNDFLOW_*` settings; killed when dropped.
fn service(args: &[&str], env: &[(&str, &str)]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(BINARY);
    command.args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("INBOUNDFLOW_") {
            command.env_remove(name);
        }
    }
    command
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    command
}

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("webhooks.toml");
    std::fs::write(&path, text).expect("write the file");
    path
}

/// Runs a command that is expected to stop at once.
async fn stopped(mut command: tokio::process::Command) -> Output {
    tokio::time::timeout(Duration::from_secs(30), command.output())
        .await
        .expect("it stops")
        .expect("the binary runs")
}

/// How many subscriptions one organization could make on the service at
/// `address` (at most `up_to`), which `max-subscriptions-per-organization` caps.
async fn subscriptions_allowed(address: SocketAddr, key: &str, up_to: usize) -> usize {
    let mut app = attach(address, key).await;
    for made in 0..up_to {
        let created = app
            .subscriptions
            .create_subscription(pb::CreateSubscriptionRequest {
                organization_id: format!("org_cfg_{}", address.port()),
                subscription: Some(pb::Subscription {
                    url: "https://example.com/hook".into(),
                    integration: pb::Integration::Custom as i32,
                    event_types: vec![pb::EventType::CallCompleted as i32],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await;
        match created {
            Ok(_) => {}
            Err(status) if status.code() == tonic::Code::ResourceExhausted => return made,
            Err(status) => panic!("create subscription: {status:?}"),
        }
    }
    up_to
}

#[tokio::test]
async fn the_file_is_beneath_the_environment_which_is_beneath_the_flags() {
    let database = TestDatabase::new().await;
    let key = create_key_for(database.url(), &[], Role::Operator, None).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (from_file, from_env, from_flag) = (
        refused_address().await,
        refused_address().await,
        refused_address().await,
    );
    let secret_keys = if on_postgres() {
        format!("secret-keys = \"{POSTGRES_SECRET_KEYS}\"\n")
    } else {
        String::new()
    };
    let file = write(
        dir.path(),
        &format!(
            "# settings of a test\nlisten = \"{from_file}\"\ndatabase-url = \"{}\"\n\
             max-subscriptions-per-organization = 1\nretry-schedule = [\"1s\", \"2s\"]\n{secret_keys}",
            database.url()
        ),
    );
    let file = file.to_str().expect("a UTF-8 path");

    let mut only_file = service(&["serve", "--config", file], &[])
        .spawn()
        .expect("start");
    assert_eq!(subscriptions_allowed(from_file, &key, 3).await, 1);
    only_file.start_kill().expect("stop");
    only_file.wait().await.expect("stopped");

    // The file named by INBOUNDFLOW_CONFIG; a variable beats it.
    let env = [
        ("INBOUNDFLOW_CONFIG", file),
        ("INBOUNDFLOW_LISTEN", &from_env.to_string()),
        ("INBOUNDFLOW_MAX_SUBSCRIPTIONS_PER_ORGANIZATION", "2"),
    ];
    let mut with_env = service(&["serve"], &env).spawn().expect("start");
    assert_eq!(subscriptions_allowed(from_env, &key, 3).await, 2);
    with_env.start_kill().expect("stop");
    with_env.wait().await.expect("stopped");

    let flags = [
        "serve",
        "--listen",
        &from_flag.to_string(),
        "--max-subscriptions-per-organization",
        "3",
    ];
    let mut with_flag = service(&flags, &env).spawn().expect("start");
    assert_eq!(subscriptions_allowed(from_flag, &key, 4).await, 3);
    with_flag.start_kill().expect("stop");
    with_flag.wait().await.expect("stopped");
}

#[tokio::test]
async fn a_file_it_cannot_use_stops_the_start_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "max-inflight = 8",
            "unknown key `max-inflight` (did you mean `max-in-flight`?)",
        ),
        (
            "max_in_flight = 8",
            "`max_in_flight`: keys are spelt as the flags are, in kebab-case: `max-in-flight`",
        ),
        (
            "retry-schedule = \"5s,5x\"",
            "`retry-schedule` = \"5s,5x\": unknown time unit",
        ),
        ("attempt-timeout = 10", "`attempt-timeout` = 10: "),
        (
            "reflection = \"private\"",
            "`reflection` = \"private\": must be one of public, authenticated",
        ),
        (
            "allow-private-targets = \"yes\"",
            "`allow-private-targets` = \"yes\": must be true or false",
        ),
        ("listen = ", "TOML parse error at line 1"),
    ];
    for (text, expected) in cases {
        let file = write(dir.path(), text);
        let file = file.to_str().expect("a UTF-8 path");
        let out = stopped(service(&["serve", "--config", file], &[])).await;
        let error = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{text}: {error}");
        assert!(
            error.starts_with(&format!("error: configuration file {file}: ")),
            "{text}: {error}"
        );
        assert!(error.contains(expected), "{text}: {error}");
    }

    let missing = dir.path().join("missing.toml");
    let missing = missing.to_str().expect("a UTF-8 path");
    let out = stopped(service(&["serve"], &[("INBOUNDFLOW_CONFIG", missing)])).await;
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains(&format!("configuration file {missing}: cannot read it")),
        "{error}"
    );

    // A value that parses but cannot work names the flag, and where it may be.
    let file = write(dir.path(), "retry-jitter = 2.5");
    let file = file.to_str().expect("a UTF-8 path");
    let out = stopped(service(&["serve", "--config", file], &[])).await;
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        error.contains("--retry-jitter must be between 0 and 1") && error.contains(file),
        "{error}"
    );
}

#[tokio::test]
async fn serve_help_documents_the_file_and_every_flag_has_a_variable() {
    let out = tokio::process::Command::new(BINARY)
        .args(["serve", "--help"])
        .output()
        .await
        .expect("help");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--config <FILE>"), "{help}");
    assert!(help.contains("[env: INBOUNDFLOW_CONFIG"), "{help}");
    let flags = help
        .lines()
        .filter(|l| l.trim_start().starts_with("--"))
        .count();
    let variables = help.matches("[env: INBOUNDFLOW_").count();
    assert_eq!(
        flags, variables,
        "every flag (but -h, --help) has a variable:\n{help}"
    );
}
