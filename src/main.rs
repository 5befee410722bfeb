//! The `inboundflow-webhooks` command.

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use inboundflow_webhooks::config::Config;
use inboundflow_webhooks::store::sqlite::SqliteStore;
use inboundflow_webhooks::{server, telemetry};

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
    Serve(Box<Config>),
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[arg(
            long,
            env = "INBOUNDFLOW_DATABASE_URL",
            default_value = "sqlite://inboundflow-webhooks.db"
        )]
        database_url: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(config) => {
            config.validate()?;
            telemetry::init(config.log_format);
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            let shutdown = CancellationToken::new();
            tokio::spawn(stop_on_signal(shutdown.clone()));
            server::run(*config, listener, shutdown).await?;
        }
        Command::Migrate { database_url } => {
            let store = SqliteStore::connect(&database_url)
                .await
                .with_context(|| format!("cannot open {database_url}"))?;
            store.close().await;
            println!("database at {database_url} is up to date");
        }
    }
    Ok(())
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
