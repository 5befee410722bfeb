//! The measurements. Each drives the service over gRPC and watches the
//! receiver; none of them sleeps to guess when work is done.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::progress::Progress;
use crate::receiver::Receiver;
use crate::stats::{Summary, summarize};

/// When an emit run stops.
#[derive(Clone, Copy, Debug)]
pub enum Until {
    /// After this long.
    Elapsed(Duration),
    /// Once this many events were sent.
    Events(u64),
}

/// Emits from `concurrency` callers, one event or `batch` events per call,
/// until `until`; events per second acknowledged. Callers are spread over
/// `clients` (one per service instance) in turn.
pub async fn emit_rate(
    clients: &[Client],
    org: &str,
    concurrency: usize,
    batch: usize,
    until: Until,
    progress: &Progress,
) -> anyhow::Result<f64> {
    let per_call = batch.max(1) as u64;
    let acked = Arc::new(AtomicU64::new(0));
    progress.watch(&acked);
    let start = Instant::now();
    let (deadline, calls) = match until {
        Until::Elapsed(length) => (Some(start + length), u64::MAX),
        Until::Events(total) => (None, total.div_ceil(per_call)),
    };
    let calls_left = Arc::new(AtomicU64::new(calls));
    let mut callers = tokio::task::JoinSet::new();
    for caller in 0..concurrency {
        let mut client = clients[caller % clients.len()].clone();
        let (acked, calls_left) = (Arc::clone(&acked), Arc::clone(&calls_left));
        let org = org.to_owned();
        callers.spawn(async move {
            let mut n = 0u64;
            while deadline.is_none_or(|d| Instant::now() < d)
                && calls_left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
            {
                if batch <= 1 {
                    client.emit(&org, format!("emit-{caller}-{n}")).await?;
                } else {
                    client.emit_batch(&org, batch).await?;
                }
                n += 1;
                acked.fetch_add(per_call, Ordering::Relaxed);
            }
            anyhow::Ok(())
        });
    }
    while let Some(result) = callers.join_next().await {
        result??;
    }
    Ok(crate::stats::rate(
        acked.load(Ordering::Relaxed),
        start.elapsed(),
    ))
}

/// Waits until the receiver has counted `target` requests; returns how long it took.
pub async fn until_received(
    receiver: &Receiver,
    target: u64,
    limit: Duration,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    while receiver.count() < target {
        anyhow::ensure!(
            start.elapsed() < limit,
            "only {} of {target} deliveries arrived within {limit:?}",
            receiver.count()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(start.elapsed())
}

/// Emits tracked events at `per_second` for `length`, spread over `clients`
/// in turn, and reports emit→receipt latency.
pub async fn latency(
    clients: &[Client],
    receiver: &Arc<Receiver>,
    org: &str,
    per_second: u32,
    length: Duration,
    first_seq: u64,
) -> anyhow::Result<Summary> {
    receiver.take_latencies();
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / per_second);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let total = u64::from(per_second) * length.as_secs();
    let mut emits = tokio::task::JoinSet::new();
    for seq in first_seq..first_seq + total {
        ticker.tick().await;
        let mut client = clients[(seq % clients.len() as u64) as usize].clone();
        let receiver = Arc::clone(receiver);
        let org = org.to_owned();
        emits.spawn(async move {
            receiver.track(seq);
            client.emit(&org, format!("lat-{seq}")).await
        });
    }
    while let Some(result) = emits.join_next().await {
        result??;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let samples = receiver.take_latencies();
        if samples.len() as u64 >= total || Instant::now() > deadline {
            return Ok(summarize(samples));
        }
        // Not all arrived yet: put them back by waiting a little and re-reading.
        tokio::time::sleep(Duration::from_millis(50)).await;
        receiver.restore_latencies(samples);
    }
}

/// Plain HTTP POSTs of a webhook-sized body straight to the receiver: what
/// this machine's loopback HTTP can do, to read deliveries/s against.
pub async fn loopback_limit(
    address: SocketAddr,
    concurrency: usize,
    length: Duration,
    progress: &Progress,
) -> anyhow::Result<f64> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let body = crate::client::sample_body();
    let done = Arc::new(AtomicU64::new(0));
    progress.watch(&done);
    let start = Instant::now();
    let deadline = start + length;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let http = http.clone();
        let done = Arc::clone(&done);
        let body = body.clone();
        let url = format!("http://{address}/fast/loopback");
        workers.spawn(async move {
            while Instant::now() < deadline {
                http.post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await?
                    .bytes()
                    .await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        });
    }
    while let Some(result) = workers.join_next().await {
        result??;
    }
    Ok(crate::stats::rate(
        done.load(Ordering::Relaxed),
        start.elapsed(),
    ))
}
