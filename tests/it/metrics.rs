//! The Prometheus endpoint, scraped after real traffic through the real
//! binary: values, not only names, and nothing unbounded or private in the
//! labels.

use std::collections::HashMap;
use std::time::Duration;

use inboundflow_webhooks::pb;

use super::events_fixture::{all_payloads, emit};
use super::helpers::*;
use super::receiver::{Behavior, TestReceiver};

const ORG: &str = "org_metrics_private_name";

/// `name{labels}` → value, for every sample line.
pub(super) fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

pub(super) async fn scrape(address: &str) -> String {
    reqwest::get(format!("http://{address}/metrics"))
        .await
        .expect("scrape")
        .text()
        .await
        .expect("metrics text")
}

#[tokio::test]
async fn the_metrics_count_what_happened_and_name_no_tenant_or_url() {
    let database = TestDatabase::new().await;
    let metrics_address = refused_address().await.to_string();
    let (_child, mut app) = start_binary(
        database.url(),
        &[
            "--metrics-listen",
            &metrics_address,
            "--failure-threshold",
            "2",
            "--retry-schedule",
            "100ms,100ms,100ms",
        ],
    )
    .await;
    let ok = TestReceiver::start().await;
    let failing = TestReceiver::start_with(Behavior::Status(500)).await;
    app.subscribe(ORG, &ok.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let doomed = app
        .subscribe(ORG, &failing.url(), &[pb::EventType::LeadCreated], None)
        .await;

    for i in 0..3 {
        app.emit(call_completed(ORG, &format!("metrics {i}"))).await;
    }
    let mut keyed = call_completed(ORG, "keyed");
    keyed.idempotency_key = "metrics-key".into();
    app.emit(keyed.clone()).await;
    assert!(app.emit(keyed).await.duplicate);
    let lead = all_payloads()
        .into_iter()
        .find(|(name, _)| *name == "lead.created")
        .expect("a lead.created sample")
        .1;
    app.emit(emit(ORG, lead)).await;
    ok.wait_for(4, Duration::from_secs(10)).await;
    let subscriptions = app.subscriptions.clone();
    eventually(Duration::from_secs(10), || {
        let mut subscriptions = subscriptions.clone();
        let id = doomed.id.clone();
        async move {
            let sub = subscriptions
                .get_subscription(pb::GetSubscriptionRequest {
                    organization_id: ORG.into(),
                    subscription_id: id,
                })
                .await
                .ok()?
                .into_inner()
                .subscription?;
            (sub.status == pb::SubscriptionStatus::Disabled as i32).then_some(())
        }
    })
    .await;

    // Gauges are counted every 5 s: wait for a count that saw the disabling.
    let text = eventually(Duration::from_secs(15), || {
        let address = metrics_address.clone();
        async move {
            let text = scrape(&address).await;
            let s = samples(&text);
            (s.get("inboundflow_subscriptions_disabled") == Some(&1.0)).then_some(text)
        }
    })
    .await;
    let s = samples(&text);
    let value = |key: &str| s.get(key).copied().unwrap_or(-1.0);
    assert_eq!(
        value(r#"inboundflow_emits_total{event_type="call.completed",outcome="accepted"}"#),
        4.0
    );
    assert_eq!(
        value(r#"inboundflow_emits_total{event_type="call.completed",outcome="duplicate"}"#),
        1.0
    );
    assert_eq!(
        value(r#"inboundflow_emits_total{event_type="lead.created",outcome="accepted"}"#),
        1.0
    );
    assert_eq!(
        value(r#"inboundflow_attempts_total{result="succeeded",error_kind="none"}"#),
        4.0
    );
    assert_eq!(
        value(r#"inboundflow_attempts_total{result="failed",error_kind="http_status"}"#),
        2.0
    );
    assert_eq!(
        value(r#"inboundflow_attempt_duration_seconds_count{result="succeeded"}"#),
        4.0
    );
    assert_eq!(
        value(r#"inboundflow_deliveries_finished_total{status="succeeded"}"#),
        4.0
    );
    assert_eq!(value("inboundflow_retries_scheduled_total"), 2.0);
    assert_eq!(
        value(
            r#"inboundflow_subscriptions_automatically_disabled_total{reason="too_many_failures"}"#
        ),
        1.0
    );
    // The failed delivery waits for its subscription to be reactivated; a
    // disabled subscription's work is not "due".
    assert_eq!(value("inboundflow_deliveries_waiting"), 1.0);
    assert_eq!(value("inboundflow_oldest_due_delivery_age_seconds"), 0.0);
    assert!(
        value(r#"inboundflow_store_operation_duration_seconds_count{operation="emit_events"}"#)
            >= 1.0
    );
    assert!(value("inboundflow_emit_group_events_count") >= 1.0);
    for private in [ORG, "127.0.0.1", &ok.address.port().to_string()] {
        assert!(
            !text.contains(private),
            "the metrics show {private:?}:\n{text}"
        );
    }
}
