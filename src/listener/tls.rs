//! Server TLS settings from the PEM files named by `--tls-cert`, `--tls-key`
//! and `--tls-client-ca`. Each file is read and checked here, at start, so a
//! missing or malformed one stops the service with an error that names its
//! flag instead of surfacing as failed handshakes later.

use std::path::{Path, PathBuf};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tonic::transport::server::ServerTlsConfig;
use tonic::transport::{Certificate, Identity, Server};

use crate::config::Config;

/// TLS files that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{flag} {}: cannot read the file", .path.display())]
    Read {
        flag: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{flag} {}: {problem}", .path.display())]
    Invalid {
        flag: &'static str,
        path: PathBuf,
        problem: &'static str,
    },
    #[error("--tls-key does not fit --tls-cert (is it that certificate's key?)")]
    Identity(#[source] tonic::transport::Error),
    #[error("--tls-client-ca cannot be used to verify client certificates")]
    ClientCa(#[source] tonic::transport::Error),
    #[error("the TLS settings from --tls-cert, --tls-key and --tls-client-ca were refused")]
    Rejected(#[source] tonic::transport::Error),
}

/// The server's TLS settings, or `None` when TLS is off.
pub(super) fn load(config: &Config) -> Result<Option<ServerTlsConfig>, TlsError> {
    let (Some(cert_path), Some(key_path)) = (&config.tls_cert, &config.tls_key) else {
        return Ok(None);
    };
    let cert = read_certificates("--tls-cert", cert_path)?;
    let key = read("--tls-key", key_path)?;
    if PrivateKeyDer::from_pem_slice(&key).is_err() {
        return Err(invalid(
            "--tls-key",
            key_path,
            "no PEM private key (PKCS#8, PKCS#1 or SEC1) in the file",
        ));
    }
    // The same bound as plaintext connections get: a peer that stalls the
    // handshake holds a connection slot for no longer than that.
    let tls = ServerTlsConfig::new()
        .identity(Identity::from_pem(cert, key))
        .timeout(config.handshake_timeout);
    // Building the acceptor is what matches the key to the certificate:
    // done here once per file set so that each failure names its flag.
    Server::builder()
        .tls_config(tls.clone())
        .map_err(TlsError::Identity)?;

    let Some(ca_path) = &config.tls_client_ca else {
        return Ok(Some(tls));
    };
    let ca = read_certificates("--tls-client-ca", ca_path)?;
    let tls = tls.client_ca_root(Certificate::from_pem(ca));
    Server::builder()
        .tls_config(tls.clone())
        .map_err(TlsError::ClientCa)?;
    Ok(Some(tls))
}

/// The file's bytes, checked to hold one or more PEM certificates.
fn read_certificates(flag: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    let pem = read(flag, path)?;
    let parsed: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&pem).collect();
    match parsed {
        Ok(certificates) if !certificates.is_empty() => Ok(pem),
        Ok(_) => Err(invalid(flag, path, "no PEM certificate in the file")),
        Err(_) => Err(invalid(
            flag,
            path,
            "a PEM certificate in the file is malformed",
        )),
    }
}

fn read(flag: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        flag,
        path: path.to_owned(),
        source,
    })
}

fn invalid(flag: &'static str, path: &Path, problem: &'static str) -> TlsError {
    TlsError::Invalid {
        flag,
        path: path.to_owned(),
        problem,
    }
}
