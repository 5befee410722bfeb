//! The service binary's listener beyond TLS: plaintext refused beyond
//! loopback unless allowed, silent and idle connections closed without
//! locking the port, and a start line on a pipe without colours.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use inboundflow_webhooks::domain::api_key::Role;
use inboundflow_webhooks::pb;
use inboundflow_webhooks::pb::subscription_service_client::SubscriptionServiceClient;

use super::helpers::{Api, attach, create_key_for, eventually, refused_address, spawn_app_with};

const BINARY: &str = env!("CARGO_BIN_EXE_inboundflow-webhooks");

/// An operator key on the database [`binary`] uses in `dir`.
async fn operator_key(dir: &Path) -> String {
    let database_url = format!("sqlite://{}", dir.join("webhooks.db").display());
    create_key_for(&database_url, &[], Role::Operator, None).await
}

/// The service binary under `sh` (so a test can set limits first), with a
/// fresh database and its log on a pipe.
fn binary(dir: &Path, shell_prefix: &str, flags: &[String]) -> Child {
    let database_url = format!("sqlite://{}", dir.join("webhooks.db").display());
    Command::new("sh")
        .arg("-c")
        .arg(format!("{shell_prefix} exec \"$0\" \"$@\""))
        .arg(BINARY)
        .args(["serve", "--database-url", &database_url])
        .args(flags)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the service binary")
}

/// Waits (bounded) for a log line of `child` containing `needle`; the rest
/// of the log keeps being read so the service never blocks on it.
async fn log_line(child: &mut Child, needle: &str) -> String {
    let stdout = child.stderr.take().expect("piped stderr");
    let (found, mut lines_seen) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if found.send(line).is_err() {
                break;
            }
        }
    });
    let wait = async {
        while let Some(line) = lines_seen.recv().await {
            if line.contains(needle) {
                return Some(line);
            }
        }
        None
    };
    let line = tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("log line within 20 s");
    line.unwrap_or_else(|| panic!("the service log ended without {needle:?}"))
}

#[tokio::test]
async fn the_binary_refuses_plaintext_beyond_loopback_unless_allowed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = refused_address().await.port();
    let everywhere = vec!["--listen".to_string(), format!("0.0.0.0:{port}")];

    let refused = binary(dir.path(), "", &everywhere);
    let output = tokio::time::timeout(Duration::from_secs(20), refused.wait_with_output())
        .await
        .expect("exits within 20 s")
        .expect("exit status");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "it started: {stderr}");
    assert!(
        stderr.contains("--listen") && stderr.contains("--allow-plaintext-listen"),
        "the refusal does not name the flags: {stderr}"
    );

    let mut allowed = vec!["--allow-plaintext-listen".to_string()];
    allowed.extend(everywhere);
    let key = operator_key(dir.path()).await;
    let mut child = binary(dir.path(), "", &allowed);
    let warning = log_line(&mut child, "--allow-plaintext-listen").await;
    assert!(warning.contains("WARN"), "not a warning: {warning}");
    let mut app = attach(SocketAddr::from(([127, 0, 0, 1], port)), &key).await;
    app.subscriptions
        .list_subscriptions(pb::ListSubscriptionsRequest {
            organization_id: "org_tls".into(),
            ..Default::default()
        })
        .await
        .expect("the service answers on loopback");
    child.kill().await.expect("stop the service");
}

#[tokio::test]
async fn silent_connections_are_closed_and_cannot_lock_the_port() {
    const SILENT: usize = 300;
    let handshake_timeout = Duration::from_secs(2);
    let dir = tempfile::tempdir().expect("temp dir");
    let address = refused_address().await;
    let flags: Vec<String> = [
        "--listen",
        &address.to_string(),
        "--max-connections",
        "100",
        "--handshake-timeout",
        &format!("{}ms", handshake_timeout.as_millis()),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Fewer file descriptors than silent connections: without a cap below
    // the limit, accepting them exhausts the process.
    let key = operator_key(dir.path()).await;
    let mut child = binary(dir.path(), "ulimit -n 256 &&", &flags);
    log_line(&mut child, "serving gRPC").await;

    let opened = Instant::now();
    let mut silent = Vec::with_capacity(SILENT);
    for _ in 0..SILENT {
        silent.push(
            TcpStream::connect(address)
                .await
                .expect("the kernel completes the TCP handshake"),
        );
    }

    // A client that connects now is served once silent ones are let go.
    let mut app = tokio::time::timeout(Duration::from_secs(10), attach(address, &key))
        .await
        .expect("a new client connects within 10 s");
    let subscriptions = app.subscriptions.clone();
    eventually(Duration::from_secs(10), || {
        let mut subscriptions = subscriptions.clone();
        async move { answers(&mut subscriptions).await.then_some(()) }
    })
    .await;

    let closed_by =
        tokio::time::Instant::from_std(opened + handshake_timeout + Duration::from_secs(5));
    let mut reads = tokio::task::JoinSet::new();
    for mut stream in silent {
        reads.spawn(async move {
            let mut sink = Vec::new();
            tokio::time::timeout_at(closed_by, stream.read_to_end(&mut sink)).await
        });
    }
    let (mut still_open, mut errors) = (0, Vec::new());
    while let Some(outcome) = reads.join_next().await {
        match outcome.expect("read task") {
            Err(_) => still_open += 1,
            Ok(Err(e)) => errors.push(e),
            Ok(Ok(_)) => {}
        }
    }
    assert_eq!(
        still_open,
        0,
        "silent connections still open {:?} after they were opened",
        handshake_timeout + Duration::from_secs(5)
    );
    assert!(
        errors.is_empty(),
        "reads failed instead of ending: {errors:?}"
    );

    assert!(
        answers(&mut app.subscriptions).await,
        "not answered after the flood"
    );
    child.kill().await.expect("stop the service");
}

#[tokio::test]
async fn a_connection_is_closed_once_idle_and_not_while_the_peer_talks() {
    let idle_timeout = Duration::from_secs(1);
    let app = spawn_app_with(&[
        "--handshake-timeout",
        "30s",
        "--connection-idle-timeout",
        "1s",
    ])
    .await;
    let mut peer = TcpStream::connect(app.address).await.expect("connect");
    let mut hello = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    hello.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]); // empty SETTINGS
    peer.write_all(&hello)
        .await
        .expect("send the HTTP/2 preface");

    // Talking for more than twice the idle timeout keeps it open.
    let talking = Instant::now();
    let mut n = 0u64;
    while talking.elapsed() < idle_timeout * 5 / 2 {
        tokio::time::sleep(idle_timeout / 4).await;
        n += 1;
        peer.write_all(&ping(n)).await.expect("send a PING");
    }
    tokio::time::timeout(Duration::from_secs(5), ping_answered(&mut peer, n))
        .await
        .expect("the last PING answered within 5 s");

    // Silent, it is closed after the idle timeout.
    let silent = Instant::now();
    let mut sink = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), peer.read_to_end(&mut sink))
        .await
        .expect("closed within 10 s of silence")
        .expect("the connection ends cleanly");
    assert!(
        silent.elapsed() >= idle_timeout * 9 / 10,
        "closed after {:?} of silence, before the idle timeout",
        silent.elapsed()
    );
    app.stop().await;
}

/// An HTTP/2 PING frame carrying `n`.
fn ping(n: u64) -> Vec<u8> {
    let mut frame = vec![0, 0, 8, 6, 0, 0, 0, 0, 0];
    frame.extend_from_slice(&n.to_be_bytes());
    frame
}

/// Reads frames until the server acknowledges PING `n`; panics if the
/// connection ends first.
async fn ping_answered(peer: &mut TcpStream, n: u64) {
    loop {
        let mut header = [0u8; 9];
        peer.read_exact(&mut header)
            .await
            .expect("connection open while the peer talks");
        let length = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
        let mut payload = vec![0u8; length];
        peer.read_exact(&mut payload).await.expect("frame payload");
        let (kind, ack) = (header[3], header[4] & 1 == 1);
        if kind == 6 && ack && payload == n.to_be_bytes() {
            return;
        }
    }
}

/// Whether a call is answered within 2 s (a stalled server never answers,
/// and the call would otherwise wait for ever).
async fn answers(subscriptions: &mut SubscriptionServiceClient<Api>) -> bool {
    let call = subscriptions.list_subscriptions(pb::ListSubscriptionsRequest {
        organization_id: "org_tls".into(),
        ..Default::default()
    });
    matches!(
        tokio::time::timeout(Duration::from_secs(2), call).await,
        Ok(Ok(_))
    )
}

#[tokio::test]
async fn logs_on_a_pipe_have_no_colours_and_the_start_line_names_the_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let address = refused_address().await;
    let flags = vec!["--listen".to_string(), address.to_string()];
    let mut child = binary(dir.path(), "", &flags);
    let line = log_line(&mut child, "serving gRPC").await;
    assert!(!line.contains('\u{1b}'), "colour codes on a pipe: {line:?}");
    assert!(
        line.contains(&format!("address={address}")),
        "the start line does not name {address} plainly: {line}"
    );
}
