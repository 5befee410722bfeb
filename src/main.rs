//! The `inboundflow-webhooks` command.

mod cli;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use inboundflow_webhooks::config::{Config, DatabaseArgs, LogFormat};
use inboundflow_webhooks::config_file::{self, ParseError};
use inboundflow_webhooks::store::{self, Store, redacted_url as redacted};
use inboundflow_webhooks::{server, telemetry};

// glibc's malloc spent about a seventh of the service's CPU under load
// (BENCHMARKS.md, "Fourth pass").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    version,
    about = "Turns InboundFlow call events into signed HTTPS webhooks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gRPC service and the delivery engine.
    Serve(Box<ServeArgs>),
    /// Create or upgrade the database schema, then exit.
    Migrate(DatabaseArgs),
    /// Seal every stored signing secret again with the first of the secret
    /// keys, so the others can be dropped; prints how many were sealed.
    RotateSecrets(DatabaseArgs),
    /// Create, list or revoke API keys on the database directly (the first
    /// key is made this way; later ones can be made over the API).
    Keys {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        command: cli::keys::KeysCommand,
    },
    /// Copy a SQLite database (subscriptions with their secrets, API keys,
    /// events, deliveries, attempts) into a new, empty PostgreSQL one.
    CopyToPostgres(cli::copy::CopyCommand),
    /// List, inspect, test and reactivate subscriptions, through a running
    /// service (an admin or operator API key).
    Subscriptions(cli::admin::subscriptions::SubscriptionsCommand),
    /// List and inspect deliveries and their attempts, send one again, or
    /// replay what a subscription missed, through a running service.
    Deliveries(cli::admin::deliveries::DeliveriesCommand),
    /// Emit the realistic sample event that "Test webhook" sends, as a real
    /// event of the organization: every enabled subscription of its type
    /// gets a delivery (EmitEvent).
    EmitSample(cli::admin::emit::EmitSampleCommand),
    /// Receive a temporary subscription's deliveries here and re-send each
    /// to a local URL, signed as usual: for a receiver with no public URL.
    Listen(cli::listen::ListenCommand),
}

#[derive(Args)]
struct ServeArgs {
    /// TOML file of settings: keys are the long flags below without their
    /// dashes (`max-in-flight = 1024`); flags and environment variables
    /// override it.
    #[arg(long, env = "INBOUNDFLOW_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(flatten)]
    settings: Config,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli: Cli = match config_file::parse(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(ParseError::Cli(e)) => e.exit(),
        Err(ParseError::File(e)) => fail(&e.into()),
    };
    match cli.command {
        Command::Serve(args) => {
            let config = args.settings;
            config.validate().map_err(|e| match &args.config {
                // Flags, variables and the file share names: say where to look.
                Some(file) => anyhow::anyhow!(
                    "{e} (given as a flag, as its INBOUNDFLOW_* variable or in {})",
                    file.display()
                ),
                None => e.into(),
            })?;
            // Kept until the server stopped: dropping it exports the last spans.
            let _traces =
                telemetry::init_with_traces(config.log_format, config.otlp_endpoint.as_deref())
                    .context("cannot set up trace export (--otlp-endpoint)")?;
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            let shutdown = CancellationToken::new();
            tokio::spawn(stop_on_signal(shutdown.clone()));
            server::run(config, listener, shutdown).await?;
        }
        Command::Migrate(database) => {
            let store = open(&database).await?;
            store.close().await;
            println!(
                "database at {} is up to date",
                redacted(&database.database_url)
            );
        }
        Command::RotateSecrets(database) => {
            let store = open(&database).await?;
            let rotated = store.rotate_secrets().await;
            store.close().await;
            let rotated = rotated.context("cannot re-encrypt the signing secrets")?;
            println!(
                "re-encrypted {} signing secrets with key {:?}",
                rotated.sealed, rotated.key_id
            );
        }
        Command::Keys { database, command } => {
            let store = open(&database).await?;
            let result = cli::keys::run(store.as_ref(), command.action).await;
            store.close().await;
            result?;
        }
        Command::CopyToPostgres(command) => {
            telemetry::init(LogFormat::Text);
            cli::copy::run(command).await?;
        }
        Command::Subscriptions(command) => {
            cli::admin::subscriptions::run(command)
                .await
                .unwrap_or_else(|e| fail(&e));
        }
        Command::Deliveries(command) => {
            cli::admin::deliveries::run(command)
                .await
                .unwrap_or_else(|e| fail(&e));
        }
        Command::EmitSample(command) => {
            cli::admin::emit::run(command)
                .await
                .unwrap_or_else(|e| fail(&e));
        }
        Command::Listen(command) => {
            cli::listen::run(command).await.unwrap_or_else(|e| fail(&e));
        }
    }
    Ok(())
}

/// Ends a command that is used from scripts: its error and causes on one
/// line (a refused call's details on the lines after), exit code 1, and no
/// backtrace whatever `RUST_BACKTRACE` says.
fn fail(error: &anyhow::Error) -> ! {
    eprintln!("error: {error:#}");
    std::process::exit(1)
}

async fn open(database: &DatabaseArgs) -> anyhow::Result<Arc<dyn Store>> {
    telemetry::init(LogFormat::Text);
    store::open(&database.database_url, database.store_options()?)
        .await
        .with_context(|| format!("cannot open {}", redacted(&database.database_url)))
}

/// Ctrl-C or SIGTERM starts a graceful shutdown.
async fn stop_on_signal(shutdown: CancellationToken) {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    shutdown.cancel();
    tracing::info!("shutting down");
}
