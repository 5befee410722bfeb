//! `inboundflow-webhooks listen --forward-to`: a developer with no public URL
//! receives real, signed deliveries on a local receiver through the real
//! binary, and the temporary subscription goes away with the session.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::conformance::make_tricky;
use super::events_fixture::{all_payloads, emit};
use super::helpers::*;
use super::script_receiver::ScriptReceiver;
use inboundflow_webhooks::config::Config;
use inboundflow_webhooks::domain::ids::OrganizationId;
use inboundflow_webhooks::pb;
use inboundflow_webhooks::store::SubscriptionQuery;

mod lifecycle;

const ORG: &str = "org_listen";
const WAIT: Duration = Duration::from_secs(20);

/// Lines a child process printed, as they arrive.
#[derive(Clone, Default)]
struct Output {
    lines: Arc<Mutex<Vec<String>>>,
    arrived: Arc<Notify>,
}

impl Output {
    /// Reads `from` until it ends, which the returned task does.
    fn collect(&self, from: impl AsyncRead + Unpin + Send + 'static) -> JoinHandle<()> {
        let output = self.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(from).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                output.lines.lock().expect("lock").push(line);
                output.arrived.notify_waiters();
            }
        })
    }

    fn text(&self) -> String {
        self.lines.lock().expect("lock").join("\n")
    }

    /// The first line `matches` accepts, waiting for it up to [`WAIT`].
    async fn line(&self, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let arrived = self.arrived.notified();
            if let Some(line) = self.lines.lock().expect("lock").iter().find(|l| matches(l)) {
                return line.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no such line; printed:\n{}", self.text());
            let _ = tokio::time::timeout(left, arrived).await;
        }
    }
}

/// The real `listen` command, killed when dropped.
struct ListenCli {
    child: Child,
    stdout: Output,
    stderr: Output,
    readers: Vec<JoinHandle<()>>,
}

impl ListenCli {
    fn start(address: std::net::SocketAddr, key: &str, forward_to: &str, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_inboundflow-webhooks"))
            .args(["listen", "--forward-to", forward_to, "--server"])
            .arg(format!("http://{address}"))
            .args(extra)
            .env("INBOUNDFLOW_API_KEY", key)
            .env_remove("INBOUNDFLOW_SERVER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the listen command");
        let (stdout, stderr) = (Output::default(), Output::default());
        let readers = vec![
            stdout.collect(child.stdout.take().expect("stdout")),
            stderr.collect(child.stderr.take().expect("stderr")),
        ];
        Self {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    /// The signing secret the command prints once the session is open.
    async fn secret(&self) -> String {
        let ready = self
            .stdout
            .line(|l| l.starts_with("Ready. Your signing secret is "))
            .await;
        let secret = ready
            .trim_start_matches("Ready. Your signing secret is ")
            .trim_end_matches(" (^C to quit)");
        assert!(secret.starts_with("whsec_"), "{ready}");
        secret.to_owned()
    }

    /// The line printed for a delivery.
    async fn line_for(&self, delivery_id: &str, status: &str) -> String {
        self.stdout
            .line(|l| l.contains(delivery_id) && l.contains(&format!("  {status}  ")))
            .await
    }

    /// Waits for the command to exit and for all it printed.
    async fn exit(&mut self) -> std::process::ExitStatus {
        let status = tokio::time::timeout(WAIT, self.child.wait())
            .await
            .expect("the command exits")
            .expect("wait");
        for reader in self.readers.drain(..) {
            tokio::time::timeout(WAIT, reader)
                .await
                .expect("its output ends")
                .expect("reader");
        }
        status
    }
}

async fn listen_subscriptions(app: &mut TestApp) -> Vec<pb::Subscription> {
    app.subscriptions
        .list_subscriptions(pb::ListSubscriptionsRequest {
            organization_id: ORG.into(),
            ..Default::default()
        })
        .await
        .expect("list subscriptions")
        .into_inner()
        .subscriptions
        .into_iter()
        .filter(|s| s.url.starts_with("listen://"))
        .collect()
}

async fn gone(app: &mut TestApp) {
    eventually(WAIT, || {
        let mut subscriptions = app.subscriptions.clone();
        async move {
            let left = subscriptions
                .list_subscriptions(pb::ListSubscriptionsRequest {
                    organization_id: ORG.into(),
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .subscriptions;
            left.iter()
                .all(|s| !s.url.starts_with("listen://"))
                .then_some(())
        }
    })
    .await;
}

#[tokio::test]
async fn every_event_type_reaches_the_local_receiver_signed_for_the_pages_verifier() {
    let mut app = spawn_app().await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let receiver = ScriptReceiver::node("receiver.js", "not-deployed-yet-0000").await;
    let cli = ListenCli::start(app.address, &key, &receiver.url(), &[]);
    let secret = cli.secret().await;
    receiver.deploy(&secret).await;

    let temporary = listen_subscriptions(&mut app).await;
    assert_eq!(temporary.len(), 1, "{temporary:?}");
    assert_eq!(temporary[0].event_types.len(), 4, "all types by default");
    assert!(temporary[0].has_signing_secret);

    let mut ids = Vec::new();
    for (_, payload) in all_payloads() {
        ids.extend(app.emit(emit(ORG, make_tricky(payload))).await.delivery_ids);
    }
    assert_eq!(ids.len(), 4);
    for id in &ids {
        app.delivery_reaches(ORG, id, pb::DeliveryStatus::Succeeded)
            .await;
        cli.line_for(id, "200").await;
    }
    let results = receiver.results().await;
    assert_eq!(results.len(), 4, "{results:#?}");
    for result in &results {
        assert_eq!(
            result["valid"], true,
            "the page's verifier rejected {result:#}"
        );
        assert_eq!(result["stringify_equals_raw"], true, "{result:#}");
        assert!(ids.iter().any(|id| result["delivery_id"] == id.as_str()));
    }
    let events: Vec<&str> = results.iter().filter_map(|r| r["event"].as_str()).collect();
    for name in [
        "call.completed",
        "call.transferred",
        "appointment.booked",
        "lead.created",
    ] {
        assert!(events.contains(&name), "{events:?}");
    }
}

#[tokio::test]
async fn a_local_receiver_answering_500_makes_the_delivery_retry() {
    let mut app = spawn_app().await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let receiver = TestReceiver::start().await;
    receiver.script(&[Behavior::Status(500)]);
    let cli = ListenCli::start(
        app.address,
        &key,
        &receiver.url(),
        &["--events", "call.completed"],
    );
    let secret = cli.secret().await;

    let id = app.emit(call_completed(ORG, "retried")).await.delivery_ids[0].clone();
    let delivery = app
        .delivery_reaches(ORG, &id, pb::DeliveryStatus::Succeeded)
        .await;
    assert_eq!(delivery.attempt_count, 2);
    let attempts = app.delivery(ORG, &id).await.attempts;
    assert_eq!(attempts[0].status_code, 500);
    assert_eq!(attempts[0].error, "HTTP 500");
    assert_eq!(
        attempts[0].error_kind,
        pb::AttemptErrorKind::HttpStatus as i32
    );
    assert_eq!(attempts[0].response_body_excerpt, "answered 500");
    assert_eq!(attempts[1].status_code, 200);
    cli.line_for(&id, "500").await;
    cli.line_for(&id, "200").await;

    // Both attempts carried the real headers, signed with the printed secret.
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(request.delivery_id(), id);
        assert_eq!(request.header("x-inboundflow-event"), "call.completed");
        assert_eq!(request.header("user-agent"), "InboundFlow-Webhook/1.0");
        assert_eq!(request.header("content-type"), "application/json");
        let timestamp: i64 = request
            .header("x-inboundflow-timestamp")
            .parse()
            .expect("timestamp");
        assert_eq!(
            request.header("x-inboundflow-signature"),
            inboundflow_webhooks::sign_webhook(secret.as_bytes(), timestamp, &request.body)
        );
    }
}

#[tokio::test]
async fn a_local_receiver_that_is_down_fails_the_attempt_as_a_refused_connection() {
    let mut app = spawn_app_with(&["--allow-private-targets", "--retry-schedule", "1h"]).await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let down = format!("http://{}/hook", refused_address().await);
    let cli = ListenCli::start(app.address, &key, &down, &[]);
    cli.secret().await;
    let id = app
        .emit(call_completed(ORG, "nobody home"))
        .await
        .delivery_ids[0]
        .clone();
    let line = cli
        .stdout
        .line(|l| l.contains(&id) && l.contains("error: "))
        .await;
    assert!(line.contains("local receiver"), "{line}");
    let attempt = eventually(WAIT, || {
        let mut app = app.deliveries.clone();
        let id = id.clone();
        async move {
            let delivery = app
                .get_delivery(pb::GetDeliveryRequest {
                    organization_id: ORG.into(),
                    delivery_id: id,
                })
                .await
                .ok()?
                .into_inner()
                .delivery?;
            delivery.attempts.into_iter().next()
        }
    })
    .await;
    assert_eq!(attempt.status_code, 0);
    assert_eq!(attempt.error_kind, pb::AttemptErrorKind::Connect as i32);
    assert!(attempt.error.contains("local receiver"), "{attempt:?}");
    let delivery = app.delivery(ORG, &id).await;
    assert_eq!(delivery.status, pb::DeliveryStatus::Pending as i32);
}

#[tokio::test]
async fn killing_the_command_removes_its_temporary_subscription() {
    let mut app = spawn_app().await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let receiver = TestReceiver::start().await;
    let mut cli = ListenCli::start(app.address, &key, &receiver.url(), &[]);
    cli.secret().await;
    assert_eq!(listen_subscriptions(&mut app).await.len(), 1);

    cli.child.kill().await.expect("SIGKILL");
    gone(&mut app).await;
}

#[tokio::test]
async fn ctrl_c_ends_the_session_and_the_subscription_is_gone_when_the_command_exits() {
    let mut app = spawn_app().await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let receiver = TestReceiver::start().await;
    let mut cli = ListenCli::start(app.address, &key, &receiver.url(), &[]);
    cli.secret().await;
    let pid = cli.child.id().expect("pid").to_string();
    let signalled = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .expect("kill -INT");
    assert!(signalled.success());
    let status = cli.exit().await;
    assert!(status.success(), "{status}; stderr:\n{}", cli.stderr.text());
    cli.stdout
        .line(|l| l == "Stopped; the temporary subscription is removed.")
        .await;
    assert!(listen_subscriptions(&mut app).await.is_empty());
}
