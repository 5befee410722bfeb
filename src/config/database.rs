//! The database flags `serve` shares with the operator commands (`migrate`,
//! `rotate-secrets`), and `--secret-keys` kept out of every message.

use std::convert::Infallible;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use clap::Args;

use super::ConfigError;
use crate::domain::secret_box::SecretKeys;
use crate::store::StoreOptions;

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
