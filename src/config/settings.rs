//! Checking a [`Config`] once before anything starts, and the settings
//! each part of the service takes from it.

use std::net::SocketAddr;
use std::time::Duration;

use super::*;

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
