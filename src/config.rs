//! The one typed configuration, from command-line flags or their
//! `INBOUNDFLOW_*` environment variables (clap), checked once in
//! [`Config::validate`] before anything starts.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::delivery::EngineConfig;
use crate::domain::retry::RetryPolicy;
use crate::store::EmitLimits;
use crate::store::group_commit::CommitConfig;

/// How the service runs.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Address the gRPC server listens on.
    #[arg(long, env = "INBOUNDFLOW_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,

    /// Database to use: `sqlite://FILE` (created if missing).
    #[arg(
        long,
        env = "INBOUNDFLOW_DATABASE_URL",
        default_value = "sqlite://inboundflow-webhooks.db"
    )]
    pub database_url: String,

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

    /// Delivery attempts in flight at once to one subscription.
    #[arg(
        long,
        env = "INBOUNDFLOW_MAX_IN_FLIGHT_PER_SUBSCRIPTION",
        default_value_t = 16
    )]
    pub max_in_flight_per_subscription: u32,

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

    /// Allow `http://` URLs and loopback or private-network targets. For
    /// local development and tests only: it lets subscriptions reach
    /// internal services.
    #[arg(long, env = "INBOUNDFLOW_ALLOW_PRIVATE_TARGETS")]
    pub allow_private_targets: bool,

    /// Log format.
    #[arg(
        long,
        env = "INBOUNDFLOW_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
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
        if self.failure_threshold == 0 {
            return fail("--failure-threshold must be at least 1");
        }
        if self.attempt_timeout.is_zero() {
            return fail("--attempt-timeout must be more than 0");
        }
        if self.max_in_flight == 0 || self.max_in_flight_per_subscription == 0 {
            return fail("--max-in-flight and --max-in-flight-per-subscription must be at least 1");
        }
        if self.idle_poll.is_zero() {
            return fail("--idle-poll must be more than 0");
        }
        if self.max_deliveries_per_request == 0 || self.max_subscriptions_per_organization == 0 {
            return fail(
                "--max-deliveries-per-request and --max-subscriptions-per-organization must be at least 1",
            );
        }
        if self.emit_group_max_deliveries < self.max_deliveries_per_request {
            return fail(
                "--emit-group-max-deliveries must be at least --max-deliveries-per-request",
            );
        }
        if !self.database_url.starts_with("sqlite:") {
            return fail("--database-url must be a sqlite:// URL");
        }
        Ok(())
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

    pub fn engine(&self) -> EngineConfig {
        EngineConfig {
            retry: RetryPolicy {
                schedule: self.retry_schedule.clone(),
                jitter: self.retry_jitter,
            },
            failure_threshold: self.failure_threshold,
            attempt_timeout: self.attempt_timeout,
            max_in_flight: self.max_in_flight,
            max_in_flight_per_subscription: self.max_in_flight_per_subscription,
            idle_poll: self.idle_poll,
            allow_private_targets: self.allow_private_targets,
        }
    }
}
