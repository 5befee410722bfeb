//! The admin commands against a service that serves TLS: reached with its
//! CA, refused without it.

use super::*;

/// A CA and a server certificate for `localhost` it signed, as PEM files in
/// `dir`; returns the CA's file and the flags that serve the certificate.
fn certificates(dir: &std::path::Path) -> (String, Vec<String>) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key"))
        .expect("CA certificate");
    let key = KeyPair::generate().expect("server key");
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("server params")
        .signed_by(&key, &ca)
        .expect("server certificate");
    let write = |name: &str, pem: String| {
        let path = dir.join(name);
        std::fs::write(&path, pem).expect("write PEM");
        path.display().to_string()
    };
    let flags = vec![
        "--tls-cert".into(),
        write("server.pem", cert.pem()),
        "--tls-key".into(),
        write("server.key", key.serialize_pem()),
    ];
    (write("ca.pem", ca.pem()), flags)
}

#[tokio::test]
async fn an_https_server_is_reached_with_its_ca_and_refused_without_it() {
    const ORG: &str = "org_cli_tls";
    let dir = tempfile::tempdir().expect("temp dir");
    let (ca, tls_flags) = certificates(dir.path());
    let database = TestDatabase::new().await;
    let mut flags: Vec<&str> = tls_flags.iter().map(String::as_str).collect();
    flags.extend(backend_flags(database.url(), &[]));
    let key = create_key_for(
        database.url(),
        &flags,
        inboundflow_webhooks::domain::api_key::Role::Admin,
        Some(ORG),
    )
    .await;
    let address = refused_address().await;
    let mut service = tokio::process::Command::new(env!("CARGO_BIN_EXE_inboundflow-webhooks"))
        .args([
            "serve",
            "--listen",
            &address.to_string(),
            "--database-url",
            database.url(),
        ])
        .args(&flags)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the service");
    let server = format!("https://localhost:{}", address.port());
    let run = |extra: Vec<String>| {
        let key = key.clone();
        let server = server.clone();
        async move {
            let mut args = vec!["subscriptions", "list"];
            args.extend(extra.iter().map(String::as_str));
            admin_at(&server, &key, &args).await
        }
    };
    let listed = eventually(Duration::from_secs(20), || {
        let run = run(vec!["--ca-cert".into(), ca.clone()]);
        async move { Some(run.await).filter(|out| out.status.success()) }
    })
    .await;
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).trim(),
        "no subscriptions"
    );

    let untrusted = run(Vec::new()).await;
    assert_eq!(untrusted.status.code(), Some(1));
    let error = String::from_utf8_lossy(&untrusted.stderr);
    assert!(
        error.starts_with(&format!("error: cannot connect to {server}"))
            && error.contains("UnknownIssuer"),
        "the system's CAs do not know this one: {error}"
    );
    service.start_kill().expect("stop");
    service.wait().await.expect("stopped");
}
