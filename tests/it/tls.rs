//! The gRPC listener with TLS: TLS and mutual TLS with certificates made
//! here, a stalled handshake closed, and startup refusals that name the
//! flag at fault. The listener without TLS: `listener.rs`.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use clap::Parser;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

use inboundflow_webhooks::config::Config;

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
