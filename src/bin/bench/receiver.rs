//! The benchmark's receiver: a plain axum server on loopback. `/fast/...`
//! answers 200 at once and counts, `/slow/<ms>/...` the same after that
//! many milliseconds; `/hang` never answers. Requests whose
//! body carries a tracked `call_id` ("lat-<n>") have their emit→receipt
//! latency recorded.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;

#[derive(Default)]
pub struct Receiver {
    pub received: AtomicU64,
    /// Emit start times of tracked events, by sequence number.
    sent: Mutex<HashMap<u64, Instant>>,
    latencies: Mutex<Vec<Duration>>,
}

impl Receiver {
    pub async fn start() -> anyhow::Result<(Arc<Self>, SocketAddr)> {
        let shared = Arc::new(Self::default());
        let app = axum::Router::new()
            .route("/fast/{name}", post(fast))
            .route("/slow/{ms}/{name}", post(slow))
            .route("/hang", post(hang))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("receiver stopped: {e}");
            }
        });
        Ok((shared, address))
    }

    pub fn count(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Notes that tracked event `seq` is being emitted now.
    pub fn track(&self, seq: u64) {
        lock(&self.sent).insert(seq, Instant::now());
    }

    /// Puts back latencies taken too early.
    pub fn restore_latencies(&self, samples: Vec<Duration>) {
        lock(&self.latencies).extend(samples);
    }

    /// Takes the latencies recorded so far.
    pub fn take_latencies(&self) -> Vec<Duration> {
        std::mem::take(&mut *lock(&self.latencies))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn fast(State(shared): State<Arc<Receiver>>, body: Bytes) -> &'static str {
    shared.received.fetch_add(1, Ordering::Relaxed);
    if let Some(seq) = tracked_seq(&body)
        && let Some(sent) = lock(&shared.sent).remove(&seq)
    {
        lock(&shared.latencies).push(sent.elapsed());
    }
    "ok"
}

/// Answers like `/fast`, after `ms` milliseconds: a receiver that does its
/// work before answering.
async fn slow(
    State(shared): State<Arc<Receiver>>,
    axum::extract::Path((ms, _name)): axum::extract::Path<(u64, String)>,
    body: Bytes,
) -> &'static str {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    fast(State(shared), body).await
}

async fn hang() -> &'static str {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    "late"
}

/// The n of `"call_id":"lat-<n>"`, found without parsing the whole body.
fn tracked_seq(body: &[u8]) -> Option<u64> {
    const MARK: &[u8] = b"\"call_id\":\"lat-";
    let at = body.windows(MARK.len()).position(|w| w == MARK)? + MARK.len();
    let digits = body[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&body[at..at + digits])
        .ok()?
        .parse()
        .ok()
}
