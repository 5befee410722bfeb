//! The gRPC listener's exposure to the network: TLS (optionally mutual),
//! a cap on open connections, handshake and idle timeouts, keepalive and a
//! cap on concurrent streams per connection.
//!
//! [`Network`] is built once from the configuration (reading the TLS files,
//! so bad ones stop the start with an error naming the flag), then applied
//! to tonic's `Server` builder ([`Network::configure`]) and to the bound
//! socket ([`Network::incoming`]). TLS itself is tonic's: the server wraps
//! each accepted [`Connection`] in its rustls acceptor, so the connection
//! cap and the timeouts here count every byte, handshake included.

mod accept;
mod connection;
mod tls;

use std::time::Duration;

use tokio::net::TcpListener;
use tonic::transport::Server;
use tonic::transport::server::ServerTlsConfig;
use tracing::warn;

use crate::config::Config;

pub use accept::Incoming;
pub use connection::Connection;
pub use tls::TlsError;

/// Idle time before the server pings a peer over HTTP/2, and how long it
/// waits for the answer: a peer that vanished without closing (a crashed
/// host, a dropped NAT entry) is let go within about 40 s.
const HTTP2_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);
const HTTP2_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle time before the kernel probes a peer: also covers connections that
/// never got as far as HTTP/2.
const TCP_KEEPALIVE: Duration = Duration::from_secs(60);

/// How the gRPC listener meets the network.
#[derive(Clone, Debug)]
pub struct Network {
    tls: Option<ServerTlsConfig>,
    limits: Limits,
    max_streams_per_connection: u32,
}

/// What every accepted connection is held to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub max_connections: usize,
    pub handshake_timeout: Duration,
    pub idle_timeout: Duration,
}

impl Network {
    /// Reads the TLS files named in `config`, and warns when plaintext is
    /// served to other machines.
    pub fn from_config(config: &Config) -> Result<Self, TlsError> {
        let tls = tls::load(config)?;
        if tls.is_none() && config.plaintext_exposed() {
            warn!(
                listen = %config.listen,
                "serving plaintext gRPC on a non-loopback address (--allow-plaintext-listen): \
                 anyone on the network can read and alter the traffic"
            );
        }
        Ok(Self {
            tls,
            limits: Limits {
                max_connections: config.max_connections,
                handshake_timeout: config.handshake_timeout,
                idle_timeout: config.connection_idle_timeout,
            },
            max_streams_per_connection: config.max_streams_per_connection,
        })
    }

    /// Applies TLS, keepalive pings and the stream cap to a server builder.
    pub fn configure<L>(&self, server: Server<L>) -> Result<Server<L>, TlsError> {
        let server = server
            .http2_keepalive_interval(Some(HTTP2_KEEPALIVE_INTERVAL))
            .http2_keepalive_timeout(Some(HTTP2_KEEPALIVE_TIMEOUT))
            .max_concurrent_streams(self.max_streams_per_connection);
        match &self.tls {
            Some(tls) => server.tls_config(tls.clone()).map_err(TlsError::Rejected),
            None => Ok(server),
        }
    }

    /// The connections accepted on `listener`, within the limits.
    pub fn incoming(&self, listener: TcpListener) -> Incoming {
        Incoming::new(listener, self.limits)
    }
}
