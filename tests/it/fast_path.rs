//! Fresh deliveries go out from the emit that creates them: its transaction
//! leases them to the engine, so no claim transaction runs between an emit
//! and its first attempt.

use std::time::Duration;

use inboundflow_webhooks::pb;

use super::helpers::*;
use super::metrics::{samples, scrape};
use super::receiver::TestReceiver;

const ORG: &str = "org_fast_path";

#[tokio::test]
async fn an_emits_deliveries_are_sent_without_a_claim_transaction() {
    let database = TestDatabase::new().await;
    let metrics_address = refused_address().await.to_string();
    let (_child, mut app) =
        start_binary(database.url(), &["--metrics-listen", &metrics_address]).await;
    let first = TestReceiver::start().await;
    let second = TestReceiver::start().await;
    for receiver in [&first, &second] {
        app.subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
            .await;
    }

    for i in 0..20 {
        app.emit(call_completed(ORG, &format!("fresh {i}"))).await;
    }
    first.wait_for(20, Duration::from_secs(10)).await;
    second.wait_for(20, Duration::from_secs(10)).await;

    // Every attempt is recorded before it is counted.
    let s = eventually(Duration::from_secs(10), || {
        let address = metrics_address.clone();
        async move {
            let s = samples(&scrape(&address).await);
            let attempts =
                s.get(r#"inboundflow_attempts_total{result="succeeded",error_kind="none"}"#);
            (attempts == Some(&40.0)).then_some(s)
        }
    })
    .await;
    let count = |operation: &str| {
        s.get(&format!(
            r#"inboundflow_store_operation_duration_seconds_count{{operation="{operation}"}}"#
        ))
        .copied()
        .unwrap_or(0.0)
    };
    assert_eq!(count("emit_events"), 20.0);
    assert_eq!(count("claim"), 0.0, "fresh deliveries were claimed");
}
