//! The metrics listener (`GET /metrics`, Prometheus text format) and the
//! loop that refreshes the gauges counted in the store.

use std::time::Duration;

use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::domain::time;
use crate::store::Store;
use crate::telemetry::error_chain;

/// How often the store's counts are taken: each is a query over the
/// pending deliveries, too costly for every scrape.
const STATS_EVERY: Duration = Duration::from_secs(5);

/// Serves `/metrics` on `listener` until `shutdown`.
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) {
    let app = axum::Router::new().route(
        "/metrics",
        get(|| async {
            (
                [(
                    axum::http::header::CONTENT_TYPE,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                )],
                super::get().render(),
            )
        }),
    );
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await;
    if let Err(e) = served {
        tracing::error!(error = %e, "the metrics listener stopped");
    }
}

/// Refreshes the store-counted gauges until `shutdown`.
pub async fn stats_loop(store: std::sync::Arc<dyn Store>, shutdown: CancellationToken) {
    let metrics = super::get();
    let mut tick = tokio::time::interval(STATS_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        let now = time::now();
        match store.stats(now).await {
            Ok(stats) => {
                metrics
                    .deliveries_waiting
                    .set(i64::try_from(stats.waiting).unwrap_or(i64::MAX));
                metrics
                    .subscriptions_disabled
                    .set(i64::try_from(stats.disabled_subscriptions).unwrap_or(i64::MAX));
                let age = stats.oldest_due.map_or(0.0, |due| {
                    (now - due).num_milliseconds().max(0) as f64 / 1000.0
                });
                metrics.oldest_due_seconds.set(age);
            }
            Err(e) => {
                tracing::debug!(error = %error_chain(&e), "metrics: counting in the store failed")
            }
        }
    }
}
