//! The one typed configuration, from command-line flags or their
//! `INBOUNDFLOW_*` environment variables (clap), checked once in
//! [`Config::validate`] before anything starts.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::delivery::EngineConfig;
use crate::domain::health::HealthPolicy;
use crate::domain::retry::RetryPolicy;
use crate::domain::secret_box::SecretKeys;
use crate::store::group_commit::CommitConfig;
use crate::store::{Backend, EmitLimits, StoreOptions};
pub use crate::telemetry::LogFormat;

mod database;
mod settings;

pub use database::{DatabaseArgs, SecretKeyList};

/// How the service runs.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Address the gRPC server listens on.
    #[arg(long, env = "INBOUNDFLOW_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,

    /// Database to use: `sqlite://FILE` (created if missing), or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`, which several
    /// instances can share (needs --secret-keys).
    #[arg(
        long,
        env = "INBOUNDFLOW_DATABASE_URL",
        default_value = "sqlite://inboundflow-webhooks.db"
    )]
    pub database_url: String,

    /// Keys that seal signing secrets in the database: comma-separated
    /// `key_id:base64(32 bytes)`; the first seals, all open. Required with
    /// PostgreSQL; without it, SQLite uses a key file beside its database
    /// (`<file>.key`), made on first start.
    #[arg(long, env = "INBOUNDFLOW_SECRET_KEYS", hide_env_values = true)]
    pub secret_keys: Option<SecretKeyList>,

    /// How long succeeded deliveries, their attempts and their events are
    /// kept (an event goes once all its deliveries succeeded or were
    /// cancelled that long ago); `0` keeps everything forever.
    #[arg(
        long,
        env = "INBOUNDFLOW_RETENTION",
        value_parser = humantime::parse_duration,
        default_value = "30days"
    )]
    pub retention: Duration,

    /// Delays before each retry of a failed delivery, comma-separated
    /// (one attempt more than delays in all).
    #[arg(
        long,
        env = "INBOUNDFLOW_RETRY_SCHEDULE",
        value_delimiter = ',',
        value_parser = humantime::parse_duration,
        default_value = "5s,5m,30m,2h,5h,10h,10h"
    )]
    pub retry_schedule: Vec<Duration>,

    /// Random spread applied to each retry delay, as a fraction (0.1 = ±10%).
    #[arg(long, env = "INBOUNDFLOW_RETRY_JITTER", default_value_t = 0.1)]
    pub retry_jitter: f64,

    /// Longest wait before a retry that a receiver's `Retry-After` (on 429
    /// or 503) can ask for; it never makes a retry come sooner than the
    /// schedule's.
    #[arg(
        long,
        env = "INBOUNDFLOW_RETRY_AFTER_LIMIT",
        value_parser = humantime::parse_duration,
        default_value = "1h"
    )]
    pub retry_after_limit: Duration,

    /// Consecutive failed attempts after which a subscription is disabled.
    #[arg(long, env = "INBOUNDFLOW_FAILURE_THRESHOLD", default_value_t = 10)]
    pub failure_threshold: u32,

    /// Total time one delivery attempt may take.
    #[arg(
        long,
        env = "INBOUNDFLOW_ATTEMPT_TIMEOUT",
        value_parser = humantime::parse_duration,
        default_value = "10s"
    )]
    pub attempt_timeout: Duration,

    /// Delivery attempts in flight at once, over all subscriptions.
    #[arg(long, env = "INBOUNDFLOW_MAX_IN_FLIGHT", default_value_t = 512)]
    pub max_in_flight: usize,

    /// Delivery attempts in flight at once to one subscription, unless the
    /// subscription sets its own (`max_in_flight`). 64 keeps one busy
    /// endpoint answering in a few milliseconds fed at thousands per second;
    /// the per-organization share still bounds what slow endpoints hold.
    #[arg(
        long,
        env = "INBOUNDFLOW_MAX_IN_FLIGHT_PER_SUBSCRIPTION",
        default_value_t = 64
    )]
    pub max_in_flight_per_subscription: u32,

    /// Delivery attempts in flight at once to one organization's
    /// subscriptions, so one organization cannot take the whole
    /// --max-in-flight pool [default: a quarter of --max-in-flight].
    #[arg(long, env = "INBOUNDFLOW_MAX_IN_FLIGHT_PER_ORGANIZATION")]
    pub max_in_flight_per_organization: Option<usize>,

    /// Longest wait between looks at the database for due deliveries.
    #[arg(
        long,
        env = "INBOUNDFLOW_IDLE_POLL",
        value_parser = humantime::parse_duration,
        default_value = "1s"
    )]
    pub idle_poll: Duration,

    /// Emit requests that may wait for the database at once; past this,
    /// callers wait up to --emit-queue-wait, then get RESOURCE_EXHAUSTED.
    #[arg(long, env = "INBOUNDFLOW_EMIT_QUEUE", default_value_t = 4096)]
    pub emit_queue: usize,

    /// Most events committed in one transaction (group commit).
    #[arg(long, env = "INBOUNDFLOW_EMIT_GROUP_MAX", default_value_t = 2000)]
    pub emit_group_max: usize,

    /// How long an emit may wait, for room in a full queue and then for its
    /// transaction to start, before it is refused (nothing stored).
    #[arg(
        long,
        env = "INBOUNDFLOW_EMIT_QUEUE_WAIT",
        value_parser = humantime::parse_duration,
        default_value = "5s"
    )]
    pub emit_queue_wait: std::time::Duration,

    /// Most deliveries one group-commit transaction creates; requests past
    /// it wait for the next one. At least --max-deliveries-per-request.
    #[arg(
        long,
        env = "INBOUNDFLOW_EMIT_GROUP_MAX_DELIVERIES",
        default_value_t = 50_000
    )]
    pub emit_group_max_deliveries: u64,

    /// Most deliveries one EmitEvent or BatchEmitEvents call may create; a
    /// call past it is refused whole with FAILED_PRECONDITION.
    #[arg(
        long,
        env = "INBOUNDFLOW_MAX_DELIVERIES_PER_REQUEST",
        default_value_t = 10_000
    )]
    pub max_deliveries_per_request: u64,

    /// Most subscriptions (not deleted) one organization may have; past it,
    /// CreateSubscription answers RESOURCE_EXHAUSTED.
    #[arg(
        long,
        env = "INBOUNDFLOW_MAX_SUBSCRIPTIONS_PER_ORGANIZATION",
        default_value_t = 1000
    )]
    pub max_subscriptions_per_organization: u32,

    /// Largest the database may grow, in bytes; past it emits are refused
    /// with RESOURCE_EXHAUSTED until room is made (SQLite: `max_page_count`).
    /// Caps the file on a disk shared with other data. Unset: no cap.
    #[arg(long, env = "INBOUNDFLOW_MAX_DATABASE_SIZE", value_name = "BYTES")]
    pub max_database_size: Option<u64>,

    /// SQLite: WAL size in bytes past which the checkpointer truncates the
    /// WAL (and the size it is cut back to after each reset).
    #[arg(
        long,
        env = "INBOUNDFLOW_SQLITE_WAL_LIMIT",
        value_name = "BYTES",
        default_value_t = crate::store::sqlite::SqliteLimits::DEFAULT_WAL_LIMIT
    )]
    pub sqlite_wal_limit: u64,

    /// Allow `http://` URLs and loopback or private-network targets. For
    /// local development and tests only: it lets subscriptions reach
    /// internal services.
    #[arg(long, env = "INBOUNDFLOW_ALLOW_PRIVATE_TARGETS")]
    pub allow_private_targets: bool,

    /// Address of the Prometheus metrics listener (`GET /metrics`, plain
    /// HTTP, no authentication: keep it on loopback or a private network).
    /// Off when not set.
    #[arg(long, env = "INBOUNDFLOW_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// How long a rotated signing secret keeps signing beside the new one
    /// when a `RotateSigningSecret` request does not say (at most 30 days).
    #[arg(
        long,
        env = "INBOUNDFLOW_SECRET_ROTATION_GRACE",
        value_parser = humantime::parse_duration,
        default_value = "24h"
    )]
    pub secret_rotation_grace: Duration,

    /// Attempt updates kept for the slowest watcher of each watched
    /// subscription or organization (WatchDeliveries); one that falls
    /// further behind loses the oldest and is told how many.
    #[arg(
        long,
        env = "INBOUNDFLOW_WATCH_BUFFER",
        default_value_t = 1024,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000)
    )]
    pub watch_buffer: u32,

    /// Who may use gRPC server reflection (what `grpcurl list` and
    /// `describe` read): anyone, or only callers with an API key.
    #[arg(
        long,
        env = "INBOUNDFLOW_REFLECTION",
        value_enum,
        default_value = "public"
    )]
    pub reflection: Reflection,
    /// Server certificate chain (PEM) for TLS on the gRPC listener; needs
    /// --tls-key.
    #[arg(long, env = "INBOUNDFLOW_TLS_CERT", value_name = "PATH")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM) of --tls-cert.
    #[arg(long, env = "INBOUNDFLOW_TLS_KEY", value_name = "PATH")]
    pub tls_key: Option<PathBuf>,

    /// CA certificates (PEM): when set, every client must present a
    /// certificate signed by one of them (mutual TLS).
    #[arg(long, env = "INBOUNDFLOW_TLS_CLIENT_CA", value_name = "PATH")]
    pub tls_client_ca: Option<PathBuf>,

    /// Allow a non-loopback --listen address without TLS (logs a warning).
    /// Only for a network where something else encrypts the traffic.
    #[arg(long, env = "INBOUNDFLOW_ALLOW_PLAINTEXT_LISTEN")]
    pub allow_plaintext_listen: bool,

    /// Open gRPC connections at once; past this, new ones are closed as soon
    /// as they are accepted. Keep it well under the process's file limit.
    #[arg(long, env = "INBOUNDFLOW_MAX_CONNECTIONS", default_value_t = 512)]
    pub max_connections: usize,

    /// Time a new connection has to finish its TLS handshake (without TLS:
    /// to send the HTTP/2 preface) before it is closed.
    #[arg(
        long,
        env = "INBOUNDFLOW_HANDSHAKE_TIMEOUT",
        value_parser = humantime::parse_duration,
        default_value = "10s"
    )]
    pub handshake_timeout: Duration,

    /// A connection from which nothing is read for this long is closed.
    #[arg(
        long,
        env = "INBOUNDFLOW_CONNECTION_IDLE_TIMEOUT",
        value_parser = humantime::parse_duration,
        default_value = "5m"
    )]
    pub connection_idle_timeout: Duration,

    /// Concurrent RPCs (HTTP/2 streams) one connection may have open.
    #[arg(
        long,
        env = "INBOUNDFLOW_MAX_STREAMS_PER_CONNECTION",
        default_value_t = 256
    )]
    pub max_streams_per_connection: u32,

    /// Origins (`https://dashboard.example.com`, comma-separated) whose pages
    /// may call the API over gRPC-Web (CORS) and frame the Integrations page
    /// (`/integrations`). The page itself needs none: it is served by the
    /// service and calls it same-origin.
    #[arg(
        long,
        env = "INBOUNDFLOW_WEB_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGINS"
    )]
    pub web_origins: Vec<crate::web::WebOrigin>,

    /// Log format.
    #[arg(
        long,
        env = "INBOUNDFLOW_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,

    /// OpenTelemetry collector to export traces to, over OTLP/HTTP
    /// (protobuf), e.g. `http://localhost:4318` (spans go to its
    /// `/v1/traces`). Off when not set.
    #[arg(long, env = "INBOUNDFLOW_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
}

/// Who may read the API's description through server reflection.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reflection {
    /// Anyone who reaches the port (the API is published in the clients anyway).
    Public,
    /// Callers with any valid API key.
    Authenticated,
}

/// A configuration that cannot work.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

#[cfg(test)]
mod tests;
