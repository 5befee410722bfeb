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
//! isolation from a hanging endpoint, and peak memory while a million
//! deliveries wait. Emits are spread over the instances; deliveries are
//! counted at the one receiver, whichever instance sent them.

mod client;
mod database;
mod progress;
mod receiver;
mod scenarios;
mod service;
mod stats;

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use client::Client;
use database::Database;
use progress::Progress;
use receiver::Receiver;
use scenarios::Until;
use service::Service;
use stats::{ms, rate};

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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let database = match &args.database_url {
        None => Database::sqlite(dir.path()),
        Some(server) => Database::postgres(server).await?,
    };
    anyhow::ensure!(
        args.instances == 1 || matches!(database, Database::Postgres { .. }),
        "--instances above 1 needs --database-url: a SQLite file serves one process"
    );
    let result = run(&args, &database).await;
    database.remove().await?;
    result
}

async fn run(args: &Args, database: &Database) -> anyhow::Result<()> {
    let (receiver, address) = Receiver::start().await?;
    // Every workload here is one organization's: give it the whole attempt
    // pool, as before per-organization shares existed, so figures compare.
    let mut flags = vec!["--max-in-flight-per-organization=512".to_owned()];
    flags.extend(args.service_flags.iter().cloned());
    let binary = service::sibling_binary()?;
    let key = service::operator_key(&binary, database).await?;
    let mut services = Vec::new();
    let mut clients = Vec::new();
    for _ in 0..args.instances {
        let service = Service::start(&binary, database, &flags).await?;
        clients.push(Client::new(service.channel.clone(), &key)?);
        services.push(service);
    }
    // Set-up calls (subscriptions, reactivation) go to the first instance.
    let client = clients[0].clone();
    let progress = Progress::start(Arc::clone(&receiver));
    let mut report: Vec<(String, String)> = Vec::new();
    let fast = |name: &str| format!("http://{address}/fast/{name}");
    let step = Duration::from_secs(args.step_seconds);

    progress.phase("loopback HTTP limit");
    let limit = scenarios::loopback_limit(address, 64, Duration::from_secs(5), &progress).await?;
    report.push((
        "plain loopback HTTP POSTs/s (64 connections, no service)".into(),
        format!("{limit:.0}"),
    ));

    // Emit throughput, one subscription per event, the engine delivering meanwhile.
    let mut c = client.clone();
    c.subscribe("bench_emit", &fast("emit"), true).await?;
    let before = receiver.count();
    let mut emitted = 0.0;
    for (concurrency, batch) in [(1, 1), (16, 1), (64, 1), (256, 1), (8, 10), (8, 100)] {
        progress.phase(&format!("emit c={concurrency} batch={batch}"));
        let per_second = scenarios::emit_rate(
            &clients,
            "bench_emit",
            concurrency,
            batch,
            Until::Elapsed(step),
            &progress,
        )
        .await?;
        emitted += per_second * step.as_secs_f64();
        let label = if batch == 1 {
            format!("acknowledged emits/s, EmitEvent, {concurrency} concurrent callers")
        } else {
            format!(
                "acknowledged emits/s, BatchEmitEvents of {batch}, {concurrency} concurrent callers"
            )
        };
        report.push((label, format!("{per_second:.0}")));
    }
    progress.phase("draining the emit runs' deliveries");
    scenarios::until_received(
        &receiver,
        before + (emitted * 0.999) as u64,
        Duration::from_secs(300),
    )
    .await?;

    // End-to-end deliveries/s: events stored while the subscriptions are
    // disabled, then released at once by reactivation + replay, spread over
    // several subscriptions as real traffic is (one subscription alone is
    // bounded by its concurrency cap).
    progress.phase("pre-loading events for the delivery run");
    let mut subs = Vec::new();
    for _ in 0..args.delivery_subscriptions {
        subs.push(
            c.subscribe("bench_deliver", &fast("deliver"), false)
                .await?,
        );
    }
    let events = args.deliveries / args.delivery_subscriptions;
    for _ in 0..events.div_ceil(500) {
        c.emit_batch("bench_deliver", 500).await?;
    }
    progress.phase("delivering");
    let before = receiver.count();
    let started = std::time::Instant::now();
    let mut created = 0u64;
    for sub in &subs {
        created += u64::from(c.reactivate_and_replay("bench_deliver", sub).await?);
    }
    scenarios::until_received(&receiver, before + created, Duration::from_secs(600)).await?;
    let delivered = rate(created, started.elapsed());
    report.push((
        format!(
            "deliveries/s end-to-end ({created} waiting over {} subscriptions, every attempt logged)",
            subs.len()
        ),
        format!("{delivered:.0}"),
    ));
    report.push((
        "deliveries/s as a share of the loopback HTTP limit".into(),
        format!("{:.0}%", 100.0 * delivered / limit),
    ));

    progress.phase("latency at 1000 events/s");
    c.subscribe("bench_latency", &fast("latency"), true).await?;
    let lat = scenarios::latency(
        &clients,
        &receiver,
        "bench_latency",
        1000,
        Duration::from_secs(10),
        0,
    )
    .await?;
    report.push((
        format!(
            "emit→receipt latency at 1000 events/s ({} events)",
            lat.count
        ),
        format!(
            "p50 {} / p99 {} / max {}",
            ms(lat.p50),
            ms(lat.p99),
            ms(lat.max)
        ),
    ));

    progress.phase("isolation: fast endpoint alone");
    c.subscribe("bench_alone", &fast("alone"), true).await?;
    let alone = scenarios::latency(
        &clients,
        &receiver,
        "bench_alone",
        500,
        Duration::from_secs(5),
        1_000_000,
    )
    .await?;
    progress.phase("isolation: fast endpoint beside a hanging one");
    c.subscribe("bench_beside", &fast("beside"), true).await?;
    c.subscribe("bench_beside", &format!("http://{address}/hang"), true)
        .await?;
    let beside = scenarios::latency(
        &clients,
        &receiver,
        "bench_beside",
        500,
        Duration::from_secs(5),
        2_000_000,
    )
    .await?;
    report.push((
        "isolation: fast endpoint p99 alone / beside a hanging endpoint (500 events/s)".into(),
        format!(
            "{} / {} (+{})",
            ms(alone.p99),
            ms(beside.p99),
            ms(beside.p99.saturating_sub(alone.p99))
        ),
    ));

    progress.phase("fan-out to 50 subscriptions");
    for _ in 0..50 {
        c.subscribe("bench_fanout", &fast("fanout"), true).await?;
    }
    let before = receiver.count();
    let started = std::time::Instant::now();
    let fan_rate = scenarios::emit_rate(
        &clients,
        "bench_fanout",
        16,
        1,
        Until::Elapsed(Duration::from_secs(2)),
        &progress,
    )
    .await?;
    // The rate is rounded: wait for all but the rounding's worth.
    let fan_events = (fan_rate * 2.0).round() as u64;
    scenarios::until_received(
        &receiver,
        before + fan_events.saturating_sub(1) * 50,
        Duration::from_secs(300),
    )
    .await?;
    let fan_took = started.elapsed();
    report.push((
        "fan-out: events/s emitted to 50 subscriptions each".into(),
        format!("{fan_rate:.0}"),
    ));
    report.push((
        format!(
            "fan-out: deliveries/s until all {} arrived",
            fan_events * 50
        ),
        format!("{:.0}", rate(fan_events * 50, fan_took)),
    ));

    progress.phase(&format!(
        "{} deliveries waiting at a hanging endpoint",
        args.pending
    ));
    c.subscribe("bench_pending", &format!("http://{address}/hang"), true)
        .await?;
    let per_second = scenarios::emit_rate(
        &clients,
        "bench_pending",
        4,
        1000,
        Until::Events(args.pending),
        &progress,
    )
    .await?;
    report.push((
        "acknowledged emits/s, BatchEmitEvents of 1000, 4 concurrent callers (pending run)".into(),
        format!("{per_second:.0}"),
    ));
    let rss = services
        .iter()
        .filter_map(Service::peak_rss_mib)
        .reduce(f64::max)
        .map(|m| format!("{m:.0} MiB"))
        .unwrap_or_else(|| "unknown".into());
    let whose = if services.len() == 1 {
        "service".to_owned()
    } else {
        format!("largest of {} service instances'", services.len())
    };
    report.push((
        format!(
            "{whose} peak RSS over the whole run, ending with {} deliveries waiting",
            args.pending
        ),
        rss,
    ));

    progress.phase("done");
    for service in services {
        service.stop().await;
    }
    println!(
        "\n{}, {} service instance(s)",
        database.label(),
        args.instances
    );
    println!("\n| measurement | result |\n| --- | --- |");
    for (what, value) in report {
        println!("| {what} | {value} |");
    }
    Ok(())
}
