//! Receivers written in other languages, run for real as child processes:
//! the customer page's Express receiver and receivers built on the official
//! Standard Webhooks libraries (tests/conformance/). Each prints
//! `listening <port>`, answers `GET /results` with what every delivery
//! looked like to it, and takes a new secret on `PUT /secret`.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::helpers::fixture;

pub struct ScriptReceiver {
    _child: Child,
    pub port: u16,
}

impl ScriptReceiver {
    /// `node tests/conformance/<script>` (packages installed by the test command).
    pub async fn node(script: &str, secret: &str) -> Self {
        Self::start(
            Command::new("node").arg(fixture(&format!("conformance/{script}"))),
            secret,
        )
        .await
    }

    /// `tests/conformance/<script>` on the Python the test command installs
    /// the receivers' packages into (`.tools/receivers`).
    pub async fn python(script: &str, secret: &str) -> Self {
        let python = concat!(env!("CARGO_MANIFEST_DIR"), "/.tools/receivers/bin/python");
        Self::start(
            Command::new(python).arg(fixture(&format!("conformance/{script}"))),
            secret,
        )
        .await
    }

    async fn start(command: &mut Command, secret: &str) -> Self {
        let mut child = command
            .env("WEBHOOK_SECRET", secret)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the receiver starts (scripts/install-tools.sh installs what it needs)");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(Duration::from_secs(20), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(port) = line.strip_prefix("listening ") {
                    return port.trim().parse::<u16>().ok();
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .expect("the receiver reports its port (did scripts/install-tools.sh run?)");
        Self {
            _child: child,
            port,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// What every delivery looked like to the receiver, in arrival order.
    pub async fn results(&self) -> Vec<serde_json::Value> {
        let raw = reqwest::get(format!("http://127.0.0.1:{}/results", self.port))
            .await
            .expect("results")
            .bytes()
            .await
            .expect("results body");
        serde_json::from_slice(&raw).expect("JSON results")
    }

    /// Deploys another secret, as a customer does after a rotation.
    pub async fn deploy(&self, secret: &str) {
        let answer = reqwest::Client::new()
            .put(format!("http://127.0.0.1:{}/secret", self.port))
            .header("content-type", "text/plain")
            .body(secret.to_owned())
            .send()
            .await
            .expect("deploy a secret");
        assert!(answer.status().is_success(), "{}", answer.status());
    }
}
