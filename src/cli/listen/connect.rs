//! A gRPC channel to a running service for a session that lasts as long as
//! the developer likes (so, unlike the admin commands' connection, without
//! a per-call timeout): plaintext for `http://`, TLS for `https://` (the
//! system's roots, or the given CA certificates), and a readable message
//! for a refusal.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic_types::StatusExt;

pub async fn connect(server: &str, ca_cert: Option<&Path>) -> anyhow::Result<Channel> {
    let mut endpoint = Endpoint::from_shared(server.to_owned())
        .with_context(|| format!("--server: {server:?} is not a URL"))?
        .connect_timeout(Duration::from_secs(10))
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true);
    match endpoint.uri().scheme_str() {
        Some("https") => {
            let tls = match ca_cert {
                Some(path) => {
                    let pem = std::fs::read(path)
                        .with_context(|| format!("cannot read --ca-cert {}", path.display()))?;
                    ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem))
                }
                None => ClientTlsConfig::new().with_native_roots(),
            };
            endpoint = endpoint.tls_config(tls).context("cannot set up TLS")?;
        }
        Some("http") if ca_cert.is_some() => bail!("--ca-cert needs an https:// --server"),
        Some("http") => {}
        _ => bail!("--server must start with http:// or https://"),
    }
    endpoint
        .connect()
        .await
        .with_context(|| format!("cannot connect to {server}"))
}

/// A status as one readable error: its code, message and field violations.
pub fn describe(status: &tonic::Status) -> anyhow::Error {
    let mut text = format!("{:?}: {}", status.code(), status.message());
    if let Some(bad) = status.get_details_bad_request() {
        for v in bad.field_violations {
            text.push_str(&format!("\n  {}: {}", v.field, v.description));
        }
    }
    anyhow!(text)
}
