//! The one typed configuration, from command-line flags or their
//! `INBOUNDFLOW_*` environment variables (clap), checked once in
//! [`Config::validate`] before anything starts.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::delivery::EngineConfig;
use crate::domain::health::HealthPolicy;
use crate::domain::retry::RetryPolicy;
use crate::domain::secret_box::SecretKeys;
use crate::store::group_commit::CommitConfig;
use crate::store::{Backend, EmitLimits, StoreOptions};
pub use crate::telemetry::LogFormat;

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

/// The database and the keys of its signing secrets: all that `migrate` and
/// `rotate-secrets` need.
#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    /// TOML file of settings, keyed as `serve`'s flags; only the database's
    /// are used here.
    #[arg(long, global = true, env = "INBOUNDFLOW_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Database to use: `sqlite://FILE` (created if missing), or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (needs --secret-keys).
    #[arg(
        long,
        global = true,
        env = "INBOUNDFLOW_DATABASE_URL",
        default_value = "sqlite://inboundflow-webhooks.db"
    )]
    pub database_url: String,

    /// Keys that seal signing secrets in the database: comma-separated
    /// `key_id:base64(32 bytes)`; the first seals, all open. Required with
    /// PostgreSQL; without it, SQLite uses a key file beside its database
    /// (`<file>.key`), made on first start.
    #[arg(
        long,
        global = true,
        env = "INBOUNDFLOW_SECRET_KEYS",
        hide_env_values = true
    )]
    pub secret_keys: Option<SecretKeyList>,
}

impl DatabaseArgs {
    /// What the store is opened with (the operator commands need no cap).
    pub fn store_options(&self) -> Result<StoreOptions, ConfigError> {
        let secret_keys = self
            .secret_keys
            .as_ref()
            .map(SecretKeyList::keys)
            .transpose()?;
        Ok(StoreOptions {
            secret_keys,
            ..StoreOptions::default()
        })
    }
}

/// `--secret-keys` as given, read only by [`SecretKeyList::keys`]: clap would
/// repeat a value it cannot parse in its error, key material included, while
/// a [`ConfigError`] names at most a key's id. `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKeyList(String);

impl SecretKeyList {
    pub fn keys(&self) -> Result<SecretKeys, ConfigError> {
        SecretKeys::parse(&self.0).map_err(|e| {
            ConfigError(format!(
                "--secret-keys (INBOUNDFLOW_SECRET_KEYS) is invalid: {e}"
            ))
        })
    }
}

impl FromStr for SecretKeyList {
    type Err = Infallible;

    fn from_str(list: &str) -> Result<Self, Self::Err> {
        Ok(Self(list.to_owned()))
    }
}

impl fmt::Debug for SecretKeyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKeyList(***)")
    }
}

/// A configuration that cannot work.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |msg: &str| Err(ConfigError(msg.to_owned()));
        if !(0.0..=1.0).contains(&self.retry_jitter) {
            return fail("--retry-jitter must be between 0 and 1");
        }
        if self.retry_after_limit.is_zero() {
            return fail("--retry-after-limit must be more than 0");
        }
        if self.failure_threshold == 0 {
            return fail("--failure-threshold must be at least 1");
        }
        if self.secret_rotation_grace > crate::domain::signing::MAX_GRACE {
            return fail("--secret-rotation-grace must be at most 30 days");
        }
        if self.attempt_timeout.is_zero() {
            return fail("--attempt-timeout must be more than 0");
        }
        if self.max_in_flight == 0 || self.max_in_flight_per_subscription == 0 {
            return fail("--max-in-flight and --max-in-flight-per-subscription must be at least 1");
        }
        match self.max_in_flight_per_organization {
            Some(0) => return fail("--max-in-flight-per-organization must be at least 1"),
            Some(n) if n > self.max_in_flight => {
                return fail("--max-in-flight-per-organization must not exceed --max-in-flight");
            }
            _ => {}
        }
        if self.idle_poll.is_zero() {
            return fail("--idle-poll must be more than 0");
        }
        if self.max_deliveries_per_request == 0 || self.max_subscriptions_per_organization == 0 {
            return fail(
                "--max-deliveries-per-request and --max-subscriptions-per-organization must be at least 1",
            );
        }
        if self
            .max_database_size
            .is_some_and(|bytes| bytes < 1024 * 1024)
        {
            return fail("--max-database-size must be at least 1048576 (1 MiB)");
        }
        if self.sqlite_wal_limit < 1024 * 1024 {
            return fail("--sqlite-wal-limit must be at least 1048576 (1 MiB)");
        }
        if self.emit_group_max_deliveries < self.max_deliveries_per_request {
            return fail(
                "--emit-group-max-deliveries must be at least --max-deliveries-per-request",
            );
        }
        match Backend::of(&self.database_url) {
            Err(e) => return Err(ConfigError(format!("--database-url: {e}"))),
            Ok(Backend::Postgres) if self.secret_keys.is_none() => {
                return fail(
                    "--database-url postgres://… needs --secret-keys (INBOUNDFLOW_SECRET_KEYS): \
                     PostgreSQL keeps no key file for signing secrets",
                );
            }
            Ok(_) => {}
        }
        self.secret_keys()?;
        self.validate_listener()
    }

    /// The configured keys for signing secrets, if any.
    pub fn secret_keys(&self) -> Result<Option<SecretKeys>, ConfigError> {
        self.secret_keys
            .as_ref()
            .map(SecretKeyList::keys)
            .transpose()
    }

    /// What the store is opened with.
    pub fn store_options(&self) -> Result<StoreOptions, ConfigError> {
        Ok(StoreOptions {
            secret_keys: self.secret_keys()?,
            max_subscriptions_per_organization: self.max_subscriptions_per_organization,
            max_database_size: self.max_database_size,
            sqlite_wal_limit: self.sqlite_wal_limit,
        })
    }

    /// How long finished deliveries are kept; `None`: forever.
    pub fn retention(&self) -> Option<Duration> {
        (!self.retention.is_zero()).then_some(self.retention)
    }

    pub fn emit_commit(&self) -> CommitConfig {
        CommitConfig {
            queue: self.emit_queue,
            max_group: self.emit_group_max,
            wait: self.emit_queue_wait,
            limits: EmitLimits {
                deliveries_per_request: self.max_deliveries_per_request,
                deliveries_per_transaction: self.emit_group_max_deliveries,
            },
        }
    }

    fn validate_listener(&self) -> Result<(), ConfigError> {
        let fail = |msg: String| Err(ConfigError(msg));
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return fail("--tls-cert and --tls-key go together: give both or neither".into());
        }
        if self.tls_client_ca.is_some() && self.tls_cert.is_none() {
            return fail("--tls-client-ca needs --tls-cert and --tls-key".into());
        }
        if self.plaintext_exposed() && !self.allow_plaintext_listen {
            return fail(format!(
                "--listen {} is reachable from other machines: give --tls-cert and --tls-key, \
                 or allow plaintext there with --allow-plaintext-listen",
                self.listen
            ));
        }
        if !(1..=tokio::sync::Semaphore::MAX_PERMITS).contains(&self.max_connections) {
            return fail(format!(
                "--max-connections must be between 1 and {}",
                tokio::sync::Semaphore::MAX_PERMITS
            ));
        }
        if self.max_streams_per_connection == 0 {
            return fail("--max-streams-per-connection must be at least 1".into());
        }
        if self.handshake_timeout.is_zero() {
            return fail("--handshake-timeout must be more than 0".into());
        }
        if self.connection_idle_timeout.is_zero() {
            return fail("--connection-idle-timeout must be more than 0".into());
        }
        Ok(())
    }

    /// Whether the gRPC listener serves TLS.
    pub fn tls(&self) -> bool {
        self.tls_cert.is_some()
    }

    /// Whether the gRPC listener takes plaintext from other machines, as
    /// --allow-plaintext-listen permits.
    pub fn plaintext_exposed(&self) -> bool {
        !self.tls() && !is_loopback(self.listen)
    }

    pub fn engine(&self) -> EngineConfig {
        EngineConfig {
            retry: RetryPolicy {
                schedule: self.retry_schedule.clone(),
                jitter: self.retry_jitter,
                retry_after_limit: self.retry_after_limit,
            },
            health: HealthPolicy {
                failure_threshold: self.failure_threshold,
            },
            attempt_timeout: self.attempt_timeout,
            max_in_flight: self.max_in_flight,
            max_in_flight_per_subscription: self.max_in_flight_per_subscription,
            max_in_flight_per_organization: u32::try_from(
                self.max_in_flight_per_organization
                    .unwrap_or(self.max_in_flight / 4)
                    .max(1),
            )
            .unwrap_or(u32::MAX),
            idle_poll: self.idle_poll,
            allow_private_targets: self.allow_private_targets,
            watch_buffer: self.watch_buffer as usize,
        }
    }
}

/// Loopback only: 127.0.0.0/8, ::1 and its IPv4-mapped forms.
fn is_loopback(address: SocketAddr) -> bool {
    address.ip().to_canonical().is_loopback()
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    fn config(flags: &[&str]) -> Config {
        Cli::try_parse_from(std::iter::once("test").chain(flags.iter().copied()))
            .expect("flags parse")
            .config
    }

    #[test]
    fn an_organizations_share_defaults_to_a_quarter_of_the_pool_and_never_exceeds_it() {
        let default = config(&["--max-in-flight", "100"]);
        assert!(default.validate().is_ok());
        assert_eq!(default.engine().max_in_flight_per_organization, 25);
        assert_eq!(
            config(&["--max-in-flight", "2"])
                .engine()
                .max_in_flight_per_organization,
            1
        );
        let set = config(&["--max-in-flight-per-organization", "40"]);
        assert_eq!(set.engine().max_in_flight_per_organization, 40);
        for bad in ["0", "513"] {
            assert!(
                config(&["--max-in-flight-per-organization", bad])
                    .validate()
                    .is_err()
            );
        }
    }

    fn validate(flags: &[&str]) -> Result<(), String> {
        let argv = std::iter::once("test").chain(flags.iter().copied());
        Cli::try_parse_from(argv)
            .expect("flags parse")
            .config
            .validate()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_database_url_picks_the_backend_and_postgres_needs_secret_keys() {
        const KEYS: &str = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        assert_eq!(validate(&["--database-url", "sqlite://x.db"]), Ok(()));
        for url in ["postgres://u@127.0.0.1/db", "postgresql://u@127.0.0.1/db"] {
            let error = validate(&["--database-url", url]).expect_err(url);
            assert!(error.contains("--secret-keys"), "{error}");
            assert_eq!(
                validate(&["--database-url", url, "--secret-keys", KEYS]),
                Ok(())
            );
        }
        let error = validate(&["--database-url", "mysql://u@h/db"]).expect_err("mysql");
        assert!(error.contains("--database-url"), "{error}");
    }

    #[test]
    fn retention_defaults_to_thirty_days_and_zero_keeps_everything() {
        assert_eq!(
            config(&[]).retention(),
            Some(Duration::from_secs(30 * 24 * 3600))
        );
        assert_eq!(config(&["--retention", "0s"]).retention(), None);
        assert_eq!(config(&["--retention", "0"]).retention(), None);
        assert_eq!(
            config(&["--retention", "2s"]).retention(),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn a_receivers_requested_wait_is_limited_to_an_hour_unless_set() {
        assert_eq!(
            config(&[]).engine().retry.retry_after_limit,
            Duration::from_secs(3600)
        );
        assert_eq!(
            config(&["--retry-after-limit", "90s"])
                .engine()
                .retry
                .retry_after_limit,
            Duration::from_secs(90)
        );
        let error = validate(&["--retry-after-limit", "0s"]).expect_err("zero");
        assert!(error.contains("--retry-after-limit"), "{error}");
    }

    #[test]
    fn plaintext_is_served_on_loopback_only_unless_allowed() {
        for loopback in [
            "127.0.0.1:1",
            "127.8.9.10:1",
            "[::1]:1",
            "[::ffff:127.0.0.1]:1",
        ] {
            assert_eq!(validate(&["--listen", loopback]), Ok(()), "{loopback}");
        }
        for exposed in ["0.0.0.0:1", "10.0.0.5:1", "[::]:1", "[::ffff:10.0.0.5]:1"] {
            let error = validate(&["--listen", exposed]).expect_err(exposed);
            assert!(
                error.contains("--listen") && error.contains("--allow-plaintext-listen"),
                "{error}"
            );
            let allowed = validate(&["--listen", exposed, "--allow-plaintext-listen"]);
            assert_eq!(allowed, Ok(()), "{exposed}");
            let tls = ["--tls-cert", "c.pem", "--tls-key", "k.pem"];
            let with_tls: Vec<&str> = ["--listen", exposed].into_iter().chain(tls).collect();
            assert_eq!(validate(&with_tls), Ok(()), "{exposed}");
        }
    }

    #[test]
    fn a_database_url_no_backend_opens_is_refused_without_repeating_it() {
        assert_eq!(validate(&["--database-url", "sqlite://x.db"]), Ok(()));
        for url in [
            "postgres://app:hunter2@db/webhooks",
            "mysql://app:hunter2@db/x",
        ] {
            let error = validate(&["--database-url", url]).expect_err(url);
            assert!(
                error.contains("--database-url") && !error.contains("hunter2"),
                "{error}"
            );
        }
    }

    #[test]
    fn tls_files_and_limits_are_checked_together() {
        let cases: [(&[&str], &str); 6] = [
            (&["--tls-cert", "c.pem"], "--tls-key"),
            (&["--tls-key", "k.pem"], "--tls-cert"),
            (&["--tls-client-ca", "ca.pem"], "--tls-client-ca"),
            (&["--max-connections", "0"], "--max-connections"),
            (&["--handshake-timeout", "0s"], "--handshake-timeout"),
            (
                &["--connection-idle-timeout", "0s"],
                "--connection-idle-timeout",
            ),
        ];
        for (flags, named) in cases {
            let error = validate(flags).expect_err(named);
            assert!(error.contains(named), "{flags:?}: {error}");
        }
    }
}
