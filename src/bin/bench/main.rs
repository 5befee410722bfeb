//! `inboundflow-bench`: measures the service on this machine and prints a
//! report (BENCHMARKS.md records one). Build and run in release:
//!
//! ```sh
//! cargo build --release --bins && target/release/inboundflow-bench
//! ```
//!
//! It starts the release service binary as a separate process on a fresh
//! SQLite database (or, with `--database-url`, as `--instances` processes on
//! a fresh database of a PostgreSQL server), a fast loopback receiver, and
//! drives the service over gRPC: emit throughput, end-to-end deliveries/s
//! beside the loopback HTTP limit, latency at a fixed rate, fan-out,
//! isolation from a hanging endpoint, the store alone (no HTTP, in this
//! process: `store_floor`), and peak memory while a million deliveries
//! wait. Emits are spread over the instances; deliveries are
//! counted at the one receiver, whichever instance sent them.

mod client;
mod database;
mod phases;
mod progress;
mod receiver;
mod scenarios;
mod service;
mod stats;
mod store_floor;

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use client::Client;
use database::Database;
use phases::{Phase, Run};
use progress::Progress;
use receiver::Receiver;
use service::Service;

#[derive(Parser)]
#[command(about = "Benchmarks inboundflow-webhooks on this machine")]
struct Args {
    /// Deliveries left waiting at the end, for the memory figure.
    #[arg(long, default_value_t = 1_000_000)]
    pending: u64,
    /// Events pre-loaded for the end-to-end delivery run.
    #[arg(long, default_value_t = 100_000)]
    deliveries: u64,
    /// Subscriptions the delivery run's events go to.
    #[arg(long, default_value_t = 20)]
    delivery_subscriptions: u64,
    /// Seconds per emit-throughput step.
    #[arg(long, default_value_t = 3)]
    step_seconds: u64,
    /// Extra flags for the service (e.g. --max-in-flight-per-subscription=64).
    #[arg(long = "service-flag", allow_hyphen_values = true)]
    service_flags: Vec<String>,
    /// A PostgreSQL server (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`) to
    /// run on instead of SQLite: the run makes a database of its own there
    /// (needs CREATEDB) and drops it at the end.
    #[arg(long)]
    database_url: Option<String>,
    /// Service processes sharing the PostgreSQL database.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    instances: u16,
    /// A short run (under a minute) printing the same table: 20,000
    /// deliveries and pending, one-second steps, shorter latency runs. For a
    /// quick check of a change, not for the figures in BENCHMARKS.md.
    #[arg(long)]
    quick: bool,
    /// Run only these phases (comma-separated; the loopback limit always runs).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Phase>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if args.quick {
        args.pending = args.pending.min(20_000);
        args.deliveries = args.deliveries.min(20_000);
        args.step_seconds = 1;
    }
    let dir = tempfile::tempdir()?;
    let database = match &args.database_url {
        None => Database::sqlite(dir.path()),
        Some(server) => Database::postgres(server).await?,
    };
    anyhow::ensure!(
        args.instances == 1 || matches!(database, Database::Postgres { .. }),
        "--instances above 1 needs --database-url: a SQLite file serves one process"
    );
    let result = run(&args, &database, dir.path()).await;
    database.remove().await?;
    result
}

async fn run(args: &Args, database: &Database, dir: &std::path::Path) -> anyhow::Result<()> {
    let (receiver, address) = Receiver::start().await?;
    // Every workload here is one organization's: unless --service-flag sets
    // it, give it the whole attempt pool, as before per-organization shares
    // existed, so figures compare.
    let mut flags = args.service_flags.clone();
    if !flags
        .iter()
        .any(|f| f.starts_with("--max-in-flight-per-organization"))
    {
        flags.push("--max-in-flight-per-organization=512".to_owned());
    }
    let binary = service::sibling_binary()?;
    let key = service::operator_key(&binary, database).await?;
    let mut services = Vec::new();
    let mut clients = Vec::new();
    for _ in 0..args.instances {
        let service = Service::start(&binary, database, &flags).await?;
        clients.push(Client::new(service.channel.clone(), &key)?);
        services.push(service);
    }
    let mut run = Run {
        progress: Progress::start(Arc::clone(&receiver)),
        receiver,
        address,
        clients,
        services,
        report: Vec::new(),
        step: Duration::from_secs(args.step_seconds),
        quick: args.quick,
        limit: 0.0,
    };
    let wanted = |phase: Phase| args.only.is_empty() || args.only.contains(&phase);
    run.loopback().await?;
    if wanted(Phase::Emit) {
        run.emit().await?;
    }
    if wanted(Phase::Deliver) {
        run.deliver(args.deliveries, args.delivery_subscriptions)
            .await?;
    }
    if wanted(Phase::Busy) {
        run.busy_endpoint().await?;
    }
    if wanted(Phase::Latency) {
        run.latency().await?;
    }
    if wanted(Phase::Isolation) {
        run.isolation().await?;
    }
    if wanted(Phase::Fanout) {
        run.fanout().await?;
    }
    if wanted(Phase::Store) && matches!(database, Database::Sqlite { .. }) {
        run.store_floor(dir, args.deliveries, args.delivery_subscriptions)
            .await?;
    }
    if wanted(Phase::Pending) {
        run.pending(args.pending).await?;
    }
    run.progress.phase("done");
    let report = std::mem::take(&mut run.report);
    for service in run.services {
        service.stop().await;
    }
    println!(
        "\n{}, {} service instance(s){}",
        database.label(),
        args.instances,
        if args.quick { ", quick run" } else { "" }
    );
    println!("\n| measurement | result |\n| --- | --- |");
    for (what, value) in report {
        println!("| {what} | {value} |");
    }
    Ok(())
}
