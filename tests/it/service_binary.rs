//! The real service binary as a child process, for what only a process
//! shows: its flags, its log, its exit, a kill.

use inboundflow_webhooks::domain::api_key::Role;

use crate::helpers::{TestApp, attach, backend_flags, create_key_for, refused_address};

/// The real service binary on `database_url`, with loopback receivers allowed
/// and these extra flags; killed when the returned child is dropped.
pub async fn start_binary(database_url: &str, extra: &[&str]) -> (tokio::process::Child, TestApp) {
    let log = if std::env::var_os("TEST_LOG").is_some() {
        std::process::Stdio::inherit()
    } else {
        std::process::Stdio::null()
    };
    start_binary_logging(database_url, extra, log, &[]).await
}

/// [`start_binary`] with its log (standard error) going to `log`, and these
/// extra environment variables.
pub async fn start_binary_logging(
    database_url: &str,
    extra: &[&str],
    log: std::process::Stdio,
    env: &[(&str, &str)],
) -> (tokio::process::Child, TestApp) {
    let operator_key = create_key_for(database_url, extra, Role::Operator, None).await;
    let address = refused_address().await;
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_inboundflow-webhooks"))
        .args([
            "serve",
            "--listen",
            &address.to_string(),
            "--database-url",
            database_url,
        ])
        .arg("--allow-private-targets")
        .args(backend_flags(database_url, extra))
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("start the service binary");
    (child, attach(address, &operator_key).await)
}
