//! The SQLite write-ahead log starts over under steady writes: it stays a
//! few MiB instead of growing to its limit, where a truncating checkpoint
//! would block every writer (every emit at once) for the whole copy.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_wal";

#[tokio::test]
async fn the_wal_starts_over_under_steady_writes_instead_of_growing_to_its_limit() {
    if sqlite_only("checks the SQLite write-ahead log") {
        return;
    }
    let wal_limit: u64 = 16 * 1024 * 1024;
    let mut app =
        spawn_app_with(&[FAST, &["--sqlite-wal-limit", &wal_limit.to_string()]].concat()).await;
    let receiver = TestReceiver::start().await;
    app.subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let wal = PathBuf::from(format!(
        "{}-wal",
        app.database_url.trim_start_matches("sqlite://")
    ));

    let largest = Arc::new(AtomicU64::new(0));
    let writing = Arc::new(AtomicBool::new(true));
    let watcher = {
        let (largest, writing) = (Arc::clone(&largest), Arc::clone(&writing));
        tokio::spawn(async move {
            while writing.load(Ordering::Relaxed) {
                let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
                largest.fetch_max(size, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    // About 2.5 times the limit in event data alone (40 MB), written steadily by
    // several callers while the events are delivered.
    emit_batches_concurrently(&app, ORG, 4, 25, 50, 8000).await;
    writing.store(false, Ordering::Relaxed);
    watcher.await.expect("watcher");

    let largest = largest.load(Ordering::Relaxed);
    assert!(
        largest < wal_limit / 2,
        "the WAL grew to {largest} bytes (limit {wal_limit}): it did not start over"
    );
    receiver.wait_for(5_000, Duration::from_secs(60)).await;
    app.stop().await;
}
