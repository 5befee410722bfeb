//! The gRPC listener as the network sees it: TLS and mutual TLS with
//! certificates made here, startup refusals that name the flag at fault,
//! and a flood of silent connections that must not lock the port.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use clap::Parser;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

use inboundflow_webhooks::config::Config;
use inboundflow_webhooks::pb;
use inboundflow_webhooks::pb::subscription_service_client::SubscriptionServiceClient;

use super::helpers::{Api, attach, create_key_for, eventually, refused_address, spawn_app_with};
use inboundflow_webhooks::domain::api_key::Role;

const BINARY: &str = env!("CARGO_BIN_EXE_inboundflow-webhooks");

#[derive(Parser)]
struct Flags {
    #[command(flatten)]
    config: Config,
}

/// A certificate authority made for one test, and the PEM files it signs,
/// in a temporary directory.
struct Pki {
    dir: tempfile::TempDir,
    ca: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate and its key, as PEM.
struct Leaf {
    cert: String,
    key: String,
}

impl Pki {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("CA key");
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            ca: CertifiedIssuer::self_signed(params, key).expect("CA certificate"),
        }
    }

    /// A certificate for `names` signed by this CA.
    fn issue(&self, names: &[&str]) -> Leaf {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let params = CertificateParams::new(names).expect("leaf params");
        let key = KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &self.ca).expect("leaf certificate");
        Leaf {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }

    /// The server certificate for `localhost` and 127.0.0.1, written out;
    /// returns the flags that serve it.
    fn server_flags(&self) -> Vec<String> {
        let leaf = self.issue(&["localhost", "127.0.0.1"]);
        vec![
            "--tls-cert".into(),
            self.write("server.pem", &leaf.cert),
            "--tls-key".into(),
            self.write("server.key", &leaf.key),
        ]
    }

    fn write(&self, name: &str, contents: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write PEM");
        path.display().to_string()
    }

    fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// Client TLS that trusts this CA, optionally presenting `identity`.
    fn client(&self, identity: Option<&Leaf>) -> ClientTlsConfig {
        let tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(self.ca_pem()))
            .domain_name("localhost");
        match identity {
            Some(leaf) => tls.identity(Identity::from_pem(&leaf.cert, &leaf.key)),
            None => tls,
        }
    }
}

/// The service on a loopback port with a fresh database and these flags.
struct Served {
    address: SocketAddr,
    shutdown: CancellationToken,
    server: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

async fn serve(flags: &[String]) -> Served {
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let config = config(dir.path(), flags);
    let shutdown = CancellationToken::new();
    let server = tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            inboundflow_webhooks::server::run(config, listener, shutdown)
                .await
                .expect("server runs");
        }
    });
    Served {
        address,
        shutdown,
        server,
        _dir: dir,
    }
}

impl Served {
    async fn stop(self) {
        self.shutdown.cancel();
        self.server.await.expect("server task");
    }
}

fn config(dir: &Path, flags: &[String]) -> Config {
    let database_url = format!("sqlite://{}", dir.join("webhooks.db").display());
    let mut argv = vec!["test".to_string(), "--database-url".into(), database_url];
    argv.extend_from_slice(flags);
    Flags::try_parse_from(argv).expect("valid flags").config
}

/// A channel to `address`: TLS when `tls` is given, else plaintext. Every
/// client of these tests is built here.
async fn channel(
    address: SocketAddr,
    tls: Option<ClientTlsConfig>,
) -> Result<Channel, tonic::transport::Error> {
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut endpoint = Channel::from_shared(format!("{scheme}://{address}"))
        .expect("valid URI")
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(5));
    if let Some(tls) = tls {
        endpoint = endpoint.tls_config(tls)?;
    }
    endpoint.connect().await
}

/// Connects and asks for health (which needs no API key, so only the
/// transport is tested): `Ok` when the server answered.
async fn round_trip(address: SocketAddr, tls: Option<ClientTlsConfig>) -> Result<(), String> {
    let call = async {
        let channel = channel(address, tls).await.map_err(|e| format!("{e:?}"))?;
        tonic_health::pb::health_client::HealthClient::new(channel)
            .check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await
            .map(drop)
            .map_err(|e| format!("{e:?}"))
    };
    tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .unwrap_or_else(|_| Err("no answer within 10 s".into()))
}

#[tokio::test]
async fn a_tls_server_answers_tls_clients_and_not_plaintext_ones() {
    let pki = Pki::new("test CA");
    let server = serve(&pki.server_flags()).await;

    round_trip(server.address, Some(pki.client(None)))
        .await
        .expect("a TLS client trusting the CA gets answers");
    let plaintext = round_trip(server.address, None).await;
    assert!(plaintext.is_err(), "a plaintext client got an answer");
    let other_ca = Pki::new("other CA");
    let untrusted = round_trip(server.address, Some(other_ca.client(None))).await;
    let untrusted =
        untrusted.expect_err("a client that does not trust the server's CA got an answer");
    assert!(untrusted.contains("UnknownIssuer"), "{untrusted}");
    server.stop().await;
}

#[tokio::test]
async fn with_a_client_ca_only_clients_with_a_certificate_it_signed_are_served() {
    let pki = Pki::new("test CA");
    let mut flags = pki.server_flags();
    flags.push("--tls-client-ca".into());
    flags.push(pki.write("clients-ca.pem", &pki.ca_pem()));
    let server = serve(&flags).await;

    let anonymous = round_trip(server.address, Some(pki.client(None))).await;
    assert!(
        anonymous.is_err(),
        "a client without a certificate was served"
    );
    let stranger = Pki::new("other CA").issue(&["intruder"]);
    let foreign = round_trip(server.address, Some(pki.client(Some(&stranger)))).await;
    let foreign = foreign.expect_err("a client certificate from another CA was accepted");
    assert!(foreign.contains("UnknownCA"), "{foreign}");
    let member = pki.issue(&["dashboard-backend"]);
    round_trip(server.address, Some(pki.client(Some(&member))))
        .await
        .expect("a client with a certificate signed by the CA gets answers");
    server.stop().await;
}

#[tokio::test]
async fn a_stalled_tls_handshake_is_closed_after_the_handshake_timeout() {
    let pki = Pki::new("test CA");
    let mut flags = pki.server_flags();
    flags.extend(["--handshake-timeout".into(), "1s".into()]);
    let server = serve(&flags).await;
    let mut peer = TcpStream::connect(server.address).await.expect("connect");
    // The start of a client hello announcing 496 bytes, then nothing: more
    // bytes than an HTTP/2 preface, so only the TLS handshake timeout applies.
    let mut partial = vec![0x16, 0x03, 0x01, 0x01, 0xf4, 0x01, 0x00, 0x01, 0xf0];
    partial.extend_from_slice(&[0; 40]);
    peer.write_all(&partial)
        .await
        .expect("send a partial hello");
    let sent = Instant::now();
    let mut sink = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), peer.read_to_end(&mut sink))
        .await
        .expect("closed within 10 s")
        .expect("the connection ends cleanly");
    assert!(
        sent.elapsed() >= Duration::from_millis(900),
        "closed after {:?}, before the handshake timeout",
        sent.elapsed()
    );
    server.stop().await;
}

/// The error `server::run` stops with under these flags.
async fn start_error(flags: &[String]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let run = inboundflow_webhooks::server::run(
        config(dir.path(), flags),
        listener,
        CancellationToken::new(),
    );
    match tokio::time::timeout(Duration::from_secs(10), run).await {
        Ok(Err(e)) => e.to_string(),
        Ok(Ok(())) => panic!("the server ran and stopped with {flags:?}"),
        Err(_) => panic!("the server started with {flags:?}"),
    }
}

#[tokio::test]
async fn unusable_tls_files_stop_the_start_with_the_flag_named() {
    let pki = Pki::new("test CA");
    let good = pki.issue(&["localhost"]);
    let cert = pki.write("good.pem", &good.cert);
    let key = pki.write("good.key", &good.key);
    let other_key = pki.write("other.key", &pki.issue(&["other"]).key);
    let garbage = pki.write("garbage.pem", "not a PEM file\n");
    let missing = pki.dir.path().join("missing.pem").display().to_string();
    let flags = |pairs: &[(&str, &str)]| -> Vec<String> {
        pairs
            .iter()
            .flat_map(|(flag, value)| [flag.to_string(), value.to_string()])
            .collect()
    };

    let cases = [
        (
            flags(&[("--tls-cert", &missing), ("--tls-key", &key)]),
            "--tls-cert",
        ),
        (
            flags(&[("--tls-cert", &garbage), ("--tls-key", &key)]),
            "--tls-cert",
        ),
        (
            flags(&[("--tls-cert", &cert), ("--tls-key", &garbage)]),
            "--tls-key",
        ),
        (
            flags(&[("--tls-cert", &cert), ("--tls-key", &other_key)]),
            "--tls-key",
        ),
        (
            flags(&[
                ("--tls-cert", &cert),
                ("--tls-key", &key),
                ("--tls-client-ca", &garbage),
            ]),
            "--tls-client-ca",
        ),
        (flags(&[("--tls-cert", &cert)]), "--tls-key"),
        (flags(&[("--tls-client-ca", &cert)]), "--tls-client-ca"),
    ];
    for (flags, named) in cases {
        let error = start_error(&flags).await;
        assert!(
            error.starts_with(named) || error.contains(&format!(" {named}")),
            "{flags:?} stopped with {error:?}, which does not name {named}"
        );
    }
}

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
