//! `inboundflow-webhooks copy-to-postgres`: moves an existing SQLite database
//! into a freshly migrated PostgreSQL one, for an operator who outgrew one
//! machine and keeps every subscription, key, event and delivery.
//!
//! Both schemas are known here ([`tables`]): rows are read in id order from
//! one SQLite read transaction (a consistent snapshot even if the source is
//! still written to) and inserted in batches with `unnest` arrays. The whole
//! copy is one PostgreSQL transaction, so it is all or nothing: a failure
//! half-way (a secret that will not open, a lost connection) leaves the
//! target empty and the command can simply be run again, which a copy per
//! table would prevent (the target would then hold data and be refused), and
//! no service started on the target ever sees part of the data.

mod tables;

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, bail};
use clap::Args;
use sqlx::Connection;
use sqlx::sqlite::SqliteConnectOptions;

use inboundflow_webhooks::config::SecretKeyList;
use inboundflow_webhooks::domain::secret_box::SecretKeys;
use inboundflow_webhooks::domain::time;
use inboundflow_webhooks::store::{self, Backend, StoreOptions, redacted_url as redacted};

#[derive(Args, Debug)]
pub struct CopyCommand {
    /// The SQLite database to copy: `sqlite://FILE` (stop the service on it
    /// first: what is written after the copy starts is not copied).
    #[arg(long)]
    pub from: String,

    /// The PostgreSQL database to fill: `postgres://USER:PASSWORD@HOST:PORT/DATABASE`,
    /// created beforehand and empty (it is migrated here).
    #[arg(long)]
    pub to: String,

    /// Keys that seal the signing secrets in PostgreSQL (comma-separated
    /// `key_id:base64(32 bytes)`, the first seals): the keys its services
    /// will run with.
    #[arg(long, env = "INBOUNDFLOW_SECRET_KEYS", hide_env_values = true)]
    pub secret_keys: Option<SecretKeyList>,

    /// Keys that open the signing secrets in the SQLite database, if it ran
    /// with keys: by default its key file (`FILE.key`) when there is one,
    /// else --secret-keys.
    #[arg(long, env = "INBOUNDFLOW_FROM_SECRET_KEYS", hide_env_values = true)]
    pub from_secret_keys: Option<SecretKeyList>,
}

/// Copies, then prints how many rows of each kind were copied.
pub async fn run(command: CopyCommand) -> anyhow::Result<()> {
    if Backend::of(&command.from).ok() != Some(Backend::Sqlite) {
        bail!("--from must be a sqlite:// URL");
    }
    if Backend::of(&command.to).ok() != Some(Backend::Postgres) {
        bail!("--to must be a postgres:// URL");
    }
    let target_keys = command
        .secret_keys
        .as_ref()
        .context("--secret-keys (INBOUNDFLOW_SECRET_KEYS) is required: PostgreSQL stores signing secrets sealed with them")?
        .keys()?;
    let file = sqlite_file(&command.from)?;
    let source_keys = match &command.from_secret_keys {
        Some(list) => list.keys()?,
        None => key_file_keys(&file)?.unwrap_or_else(|| target_keys.clone()),
    };

    // Opened as a service opens them, both databases reach the current
    // schema (the one `tables` knows), and every SQLite secret is checked to
    // open with its keys before anything is written.
    for (url, keys) in [(&command.from, &source_keys), (&command.to, &target_keys)] {
        let options = StoreOptions {
            secret_keys: Some(keys.clone()),
            ..StoreOptions::default()
        };
        store::open(url, options)
            .await
            .with_context(|| format!("cannot open {}", redacted(url)))?
            .close()
            .await;
    }

    let mut source =
        sqlx::SqliteConnection::connect_with(&SqliteConnectOptions::from_str(&command.from)?)
            .await
            .with_context(|| format!("cannot open {}", command.from))?;
    let mut target = sqlx::PgConnection::connect(&command.to)
        .await
        .with_context(|| format!("cannot connect to {}", redacted(&command.to)))?;

    let keys = tables::Keys {
        source: source_keys,
        target: target_keys,
    };
    let counts = tables::copy_all(&mut source, &mut target, &keys, time::now()).await?;
    source.close().await?;
    target.close().await?;

    println!("copied {} into {}:", command.from, redacted(&command.to));
    println!("  {:>9} subscriptions", counts.subscriptions);
    println!("  {:>9} API keys", counts.api_keys);
    println!("  {:>9} events", counts.events);
    println!(
        "  {:>9} deliveries ({} waiting, {} were in flight and are due now)",
        counts.deliveries, counts.waiting, counts.in_flight
    );
    println!("  {:>9} attempts", counts.attempts);
    Ok(())
}

/// The SQLite database's file, which must exist: a copy never creates one.
fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    let options =
        SqliteConnectOptions::from_str(url).context("--from is not a valid SQLite URL")?;
    let file = options.get_filename().to_owned();
    if !file.is_file() {
        bail!("--from: no SQLite database at {}", file.display());
    }
    Ok(file)
}

/// The keys in the key file beside the database, if it has one (a service
/// started without keys made it; its format is a one-entry key list).
fn key_file_keys(database: &std::path::Path) -> anyhow::Result<Option<SecretKeys>> {
    let mut name = database.as_os_str().to_owned();
    name.push(".key");
    let path = PathBuf::from(name);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    let keys = SecretKeys::parse(text.trim())
        .with_context(|| format!("the key file {} is invalid", path.display()))?;
    Ok(Some(keys))
}
