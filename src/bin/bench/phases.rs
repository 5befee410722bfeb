//! The benchmark's phases, in the order a full run takes them, each adding
//! its rows to the report.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::ValueEnum;

use crate::client::Client;
use crate::progress::Progress;
use crate::receiver::Receiver;
use crate::scenarios::{self, Until};
use crate::service::Service;
use crate::stats::{ms, rate};

/// The phases `--only` can pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Phase {
    Emit,
    Deliver,
    Busy,
    Latency,
    Isolation,
    Fanout,
    Pending,
    /// The store alone, in this process, no HTTP (SQLite runs only).
    Store,
}

pub struct Run {
    pub progress: Progress,
    pub receiver: Arc<Receiver>,
    pub address: SocketAddr,
    pub clients: Vec<Client>,
    pub services: Vec<Service>,
    pub report: Vec<(String, String)>,
    pub step: Duration,
    pub quick: bool,
    /// Plain loopback HTTP POSTs/s, measured first.
    pub limit: f64,
}

impl Run {
    fn fast(&self, name: &str) -> String {
        format!("http://{}/fast/{name}", self.address)
    }

    /// Set-up calls (subscriptions, reactivation) go to the first instance.
    fn client(&self) -> Client {
        self.clients[0].clone()
    }

    fn row(&mut self, what: impl Into<String>, value: impl Into<String>) {
        self.report.push((what.into(), value.into()));
    }

    /// Service CPU seconds (user + system) so far, over every instance.
    fn cpu_seconds(&self) -> f64 {
        self.services.iter().filter_map(Service::cpu_seconds).sum()
    }

    /// Rows for a delivery phase: the rate, its share of the loopback limit,
    /// and the service's CPU time per delivery.
    fn delivery_rows(&mut self, what: &str, delivered: u64, took: Duration, cpu: f64) {
        self.rate_rows(what, "service CPU", delivered, took, cpu);
    }

    /// [`Self::delivery_rows`], with `whose` CPU time it is.
    pub fn rate_rows(&mut self, what: &str, whose: &str, delivered: u64, took: Duration, cpu: f64) {
        let per_second = rate(delivered, took);
        self.row(
            format!("{what}: deliveries/s"),
            format!(
                "{per_second:.0} ({:.0}% of loopback HTTP)",
                100.0 * per_second / self.limit
            ),
        );
        self.row(
            format!("{what}: {whose} per delivery"),
            format!("{:.0} µs", cpu * 1e6 / delivered.max(1) as f64),
        );
    }

    pub async fn loopback(&mut self) -> anyhow::Result<()> {
        self.progress.phase("loopback HTTP limit");
        let length = Duration::from_secs(if self.quick { 2 } else { 5 });
        self.limit = scenarios::loopback_limit(self.address, 64, length, &self.progress).await?;
        self.row(
            "plain loopback HTTP POSTs/s (64 connections, no service)",
            format!("{:.0}", self.limit),
        );
        Ok(())
    }

    /// Emit throughput, one subscription per event, the engine delivering meanwhile.
    pub async fn emit(&mut self) -> anyhow::Result<()> {
        let mut c = self.client();
        c.subscribe("bench_emit", &self.fast("emit"), true).await?;
        let before = self.receiver.count();
        let mut emitted = 0.0;
        for (concurrency, batch) in [(1, 1), (16, 1), (64, 1), (256, 1), (8, 10), (8, 100)] {
            self.progress
                .phase(&format!("emit c={concurrency} batch={batch}"));
            let (received, started) = (self.receiver.count(), std::time::Instant::now());
            let per_second = scenarios::emit_rate(
                &self.clients,
                "bench_emit",
                concurrency,
                batch,
                Until::Elapsed(self.step),
                &self.progress,
            )
            .await?;
            // The engine delivers while the callers emit, on the same cores:
            // how far it keeps up is part of the figure.
            let delivered = crate::stats::rate(
                self.receiver.count().saturating_sub(received),
                started.elapsed(),
            );
            emitted += per_second * self.step.as_secs_f64();
            let label = if batch == 1 {
                format!("acknowledged emits/s, EmitEvent, {concurrency} concurrent callers")
            } else {
                format!(
                    "acknowledged emits/s, BatchEmitEvents of {batch}, {concurrency} concurrent callers"
                )
            };
            self.row(
                label,
                format!("{per_second:.0} (deliveries meanwhile: {delivered:.0}/s)"),
            );
        }
        self.progress.phase("draining the emit runs' deliveries");
        scenarios::until_received(
            &self.receiver,
            before + (emitted * 0.999) as u64,
            Duration::from_secs(300),
        )
        .await?;
        Ok(())
    }

    /// End-to-end deliveries/s: events stored while the subscriptions are
    /// disabled, their deliveries created by replay (still disabled, so they
    /// wait), then released by reactivation: the clock runs from the first
    /// reactivation to the last receipt, spread over several subscriptions
    /// as real traffic is.
    pub async fn deliver(&mut self, deliveries: u64, subscriptions: u64) -> anyhow::Result<()> {
        self.progress
            .phase("pre-loading events for the delivery run");
        let mut c = self.client();
        let mut subs = Vec::new();
        for _ in 0..subscriptions {
            subs.push(
                c.subscribe("bench_deliver", &self.fast("deliver"), false)
                    .await?,
            );
        }
        for _ in 0..(deliveries / subscriptions).div_ceil(500) {
            c.emit_batch("bench_deliver", 500).await?;
        }
        let mut created = 0u64;
        for sub in &subs {
            created += u64::from(c.replay("bench_deliver", sub).await?);
        }
        self.progress.phase("delivering");
        let before = self.receiver.count();
        let cpu = self.cpu_seconds();
        let started = Instant::now();
        for sub in &subs {
            c.reactivate("bench_deliver", sub).await?;
        }
        scenarios::until_received(&self.receiver, before + created, Duration::from_secs(600))
            .await?;
        let took = started.elapsed();
        let cpu = self.cpu_seconds() - cpu;
        self.delivery_rows(
            &format!(
                "end-to-end ({created} waiting over {} subscriptions, every attempt logged)",
                subs.len()
            ),
            created,
            took,
            cpu,
        );
        Ok(())
    }

    /// One subscription fed by 64 concurrent `EmitEvent` callers: what its
    /// concurrency allows, at a fast endpoint (callers emit for a step) and
    /// at one answering in 100 ms (2,000 events, so a low cap does not make
    /// the run endless).
    pub async fn busy_endpoint(&mut self) -> anyhow::Result<()> {
        let length = self.step.max(Duration::from_secs(2));
        for (name, url, until) in [
            ("fast", self.fast("busy"), Until::Elapsed(length)),
            (
                "100 ms",
                format!("http://{}/slow/100/busy", self.address),
                Until::Events(2000),
            ),
        ] {
            self.progress
                .phase(&format!("one busy endpoint ({name}), 64 callers"));
            let org = format!("bench_busy_{}", name.replace(' ', "_"));
            self.client().subscribe(&org, &url, true).await?;
            let before = self.receiver.count();
            let cpu = self.cpu_seconds();
            let started = Instant::now();
            let emitted =
                scenarios::emit_rate(&self.clients, &org, 64, 1, until, &self.progress).await?;
            let events = match until {
                Until::Events(n) => n,
                Until::Elapsed(length) => (emitted * length.as_secs_f64()).round() as u64,
            };
            scenarios::until_received(
                &self.receiver,
                before + events.saturating_sub(1),
                Duration::from_secs(600),
            )
            .await?;
            let took = started.elapsed();
            let delivered = self.receiver.count() - before;
            let cpu = self.cpu_seconds() - cpu;
            self.delivery_rows(
                &format!("one endpoint answering {name}, 64 EmitEvent callers"),
                delivered,
                took,
                cpu,
            );
        }
        Ok(())
    }

    pub async fn latency(&mut self) -> anyhow::Result<()> {
        self.progress.phase("latency at 1000 events/s");
        self.client()
            .subscribe("bench_latency", &self.fast("latency"), true)
            .await?;
        let length = Duration::from_secs(if self.quick { 3 } else { 10 });
        let lat = scenarios::latency(
            &self.clients,
            &self.receiver,
            "bench_latency",
            1000,
            length,
            0,
        )
        .await?;
        self.row(
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
        );
        Ok(())
    }

    pub async fn isolation(&mut self) -> anyhow::Result<()> {
        let length = Duration::from_secs(if self.quick { 2 } else { 5 });
        self.progress.phase("isolation: fast endpoint alone");
        let mut c = self.client();
        c.subscribe("bench_alone", &self.fast("alone"), true)
            .await?;
        let alone = scenarios::latency(
            &self.clients,
            &self.receiver,
            "bench_alone",
            500,
            length,
            1_000_000,
        )
        .await?;
        self.progress
            .phase("isolation: fast endpoint beside a hanging one");
        c.subscribe("bench_beside", &self.fast("beside"), true)
            .await?;
        c.subscribe(
            "bench_beside",
            &format!("http://{}/hang", self.address),
            true,
        )
        .await?;
        let beside = scenarios::latency(
            &self.clients,
            &self.receiver,
            "bench_beside",
            500,
            length,
            2_000_000,
        )
        .await?;
        self.row(
            "isolation: fast endpoint p99 alone / beside a hanging endpoint (500 events/s)",
            format!(
                "{} / {} (+{})",
                ms(alone.p99),
                ms(beside.p99),
                ms(beside.p99.saturating_sub(alone.p99))
            ),
        );
        Ok(())
    }

    pub async fn fanout(&mut self) -> anyhow::Result<()> {
        self.progress.phase("fan-out to 50 subscriptions");
        let mut c = self.client();
        for _ in 0..50 {
            c.subscribe("bench_fanout", &self.fast("fanout"), true)
                .await?;
        }
        let before = self.receiver.count();
        let cpu = self.cpu_seconds();
        let started = Instant::now();
        let fan_rate = scenarios::emit_rate(
            &self.clients,
            "bench_fanout",
            16,
            1,
            Until::Elapsed(Duration::from_secs(2)),
            &self.progress,
        )
        .await?;
        // The rate is rounded: wait for all but the rounding's worth.
        let fan_events = (fan_rate * 2.0).round() as u64;
        scenarios::until_received(
            &self.receiver,
            before + fan_events.saturating_sub(1) * 50,
            Duration::from_secs(300),
        )
        .await?;
        let took = started.elapsed();
        let delivered = self.receiver.count() - before;
        let cpu = self.cpu_seconds() - cpu;
        self.row(
            "fan-out: events/s emitted to 50 subscriptions each",
            format!("{fan_rate:.0}"),
        );
        self.delivery_rows(
            &format!("fan-out ({delivered} deliveries)"),
            delivered,
            took,
            cpu,
        );
        Ok(())
    }

    pub async fn pending(&mut self, pending: u64) -> anyhow::Result<()> {
        self.progress.phase(&format!(
            "{pending} deliveries waiting at a hanging endpoint"
        ));
        self.client()
            .subscribe(
                "bench_pending",
                &format!("http://{}/hang", self.address),
                true,
            )
            .await?;
        let per_second = scenarios::emit_rate(
            &self.clients,
            "bench_pending",
            4,
            1000,
            Until::Events(pending),
            &self.progress,
        )
        .await?;
        self.row(
            "acknowledged emits/s, BatchEmitEvents of 1000, 4 concurrent callers (pending run)",
            format!("{per_second:.0}"),
        );
        let rss = self
            .services
            .iter()
            .filter_map(Service::peak_rss_mib)
            .reduce(f64::max)
            .map(|m| format!("{m:.0} MiB"))
            .unwrap_or_else(|| "unknown".into());
        let whose = if self.services.len() == 1 {
            "service".to_owned()
        } else {
            format!("largest of {} service instances'", self.services.len())
        };
        self.row(
            format!(
                "{whose} peak RSS over the whole run, ending with {pending} deliveries waiting"
            ),
            rss,
        );
        Ok(())
    }
}
