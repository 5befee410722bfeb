//! The rules every store backend keeps, checked on the store itself (opened
//! from its URL, as the service opens it): what a redelivery answers, and how
//! a group of attempts counts towards a subscription's health.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use inboundflow_webhooks::domain::attempt_error::AttemptErrorKind;
use inboundflow_webhooks::domain::delivery::{AttemptReport, DeliveryStatus, NextStep};
use inboundflow_webhooks::domain::event::EventType;
use inboundflow_webhooks::domain::health::HealthPolicy;
use inboundflow_webhooks::domain::ids::{DeliveryId, OrganizationId, SubscriptionId};
use inboundflow_webhooks::domain::sample::sample;
use inboundflow_webhooks::domain::subscription::{
    DisabledReason, EventTypes, Integration, SubscriptionState, TargetUrl,
};
use inboundflow_webhooks::domain::time;
use inboundflow_webhooks::domain::validation::Violations;
use inboundflow_webhooks::store::{
    self, AttemptOutcome, EmitLimits, EmitOutcome, Lease, NewEvent, NewSubscription,
    RedeliverOutcome, Store, StoreOptions,
};

const ORG: &str = "org_rules";

async fn open_store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("rules.db").display());
    let store = store::open(&url, StoreOptions::default())
        .await
        .expect("open the store");
    (store, dir)
}

async fn subscribe(store: &dyn Store) -> SubscriptionId {
    let mut v = Violations::new();
    let url = TargetUrl::parse("http://127.0.0.1:9/hook", true, "url", &mut v).expect("url");
    let types = EventTypes::parse(vec![EventType::CallCompleted], "types", &mut v).expect("types");
    let created = store
        .create_subscription(NewSubscription {
            id: SubscriptionId::new(),
            organization_id: OrganizationId::from_stored(ORG.into()),
            url,
            integration: Integration::Custom,
            event_types: types,
            description: String::new(),
            signing_secret: None,
            signature_scheme: Default::default(),
            limits: Default::default(),
            state: SubscriptionState::Enabled,
            now: time::now(),
        })
        .await
        .expect("create subscription");
    created.id
}

async fn emit(store: &dyn Store) -> DeliveryId {
    let now = time::now();
    let event = NewEvent::new(
        OrganizationId::from_stored(ORG.into()),
        &sample(EventType::CallCompleted),
        now,
        None,
        now,
    );
    let limits = EmitLimits {
        deliveries_per_request: 100,
        deliveries_per_transaction: 100,
    };
    let mut outcomes = store
        .emit_events(&[std::slice::from_ref(&event)], limits)
        .await
        .expect("emit");
    match outcomes.pop() {
        Some(EmitOutcome::Stored(results)) => results[0].delivery_ids[0],
        other => panic!("not stored: {other:?}"),
    }
}

fn failed_attempt() -> AttemptReport {
    AttemptReport {
        started_at: time::now(),
        duration: Duration::from_millis(1),
        status_code: Some(500),
        error: Some("HTTP 500".into()),
        error_kind: Some(AttemptErrorKind::HttpStatus),
        local: false,
        retry_after: None,
        response_excerpt: String::new(),
    }
}

/// Leases every due delivery of the subscription.
async fn claim(store: &dyn Store, sub: SubscriptionId, n: u32) -> Vec<DeliveryId> {
    let now = time::now();
    let lease = Lease {
        owner: "rules-test",
        now,
        until: now + chrono::Duration::minutes(1),
    };
    let claimed = store.claim(lease, &[(sub, n)]).await.expect("claim");
    claimed.into_iter().map(|item| item.delivery_id).collect()
}

fn failure_of(delivery: DeliveryId, sub: SubscriptionId) -> AttemptOutcome {
    AttemptOutcome {
        delivery_id: delivery,
        subscription_id: sub,
        report: failed_attempt(),
        next: NextStep::RetryAt(time::now()),
        round_failures: 1,
    }
}

const NEVER_DISABLED: HealthPolicy = HealthPolicy {
    failure_threshold: u32::MAX,
};

/// Redelivering while the delivery's attempt is being recorded (and while
/// reads queue behind others) answers with what the redelivery itself did:
/// a scheduled delivery is pending, and a refusal names the real reason.
#[tokio::test]
async fn a_redelivery_racing_an_attempt_answers_with_what_it_did() {
    let (store, _dir) = open_store().await;
    let sub = subscribe(store.as_ref()).await;
    let delivery = emit(store.as_ref()).await;
    let org = OrganizationId::from_stored(ORG.into());

    // Readers kept busy, as under a dashboard's load.
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let store = store.clone();
        let stop = stop.clone();
        let org = org.clone();
        readers.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                store.get_delivery(&org, delivery).await.expect("read");
            }
        });
    }

    for round in 0..100 {
        let claimed = claim(store.as_ref(), sub, 1).await;
        assert_eq!(claimed, [delivery], "round {round}: the delivery is due");

        let recording = {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_attempts(&[failure_of(delivery, sub)], NEVER_DISABLED)
                    .await
                    .expect("record")
            })
        };
        let outcome = store
            .redeliver(&org, delivery, time::now())
            .await
            .expect("redeliver");
        recording.await.expect("recording task");
        match outcome {
            RedeliverOutcome::Scheduled(d) => assert_eq!(
                d.status,
                DeliveryStatus::Pending,
                "round {round}: a redelivery answers with the delivery it scheduled"
            ),
            RedeliverOutcome::InFlight => {}
            other => panic!("round {round}: the delivery was in flight, not {other:?}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    while let Some(reader) = readers.join_next().await {
        reader.expect("reader task");
    }
}

/// Attempts of one subscription finishing together are recorded in one
/// group: each counts once, in order, and the one that reaches the
/// threshold is the one that disables.
#[tokio::test]
async fn a_group_of_attempts_counts_each_failure_once_and_disables_at_the_threshold() {
    let (store, _dir) = open_store().await;
    let sub = subscribe(store.as_ref()).await;
    for _ in 0..6 {
        emit(store.as_ref()).await;
    }
    let org = OrganizationId::from_stored(ORG.into());
    let policy = HealthPolicy {
        failure_threshold: 4,
    };

    let first = claim(store.as_ref(), sub, 6).await;
    assert_eq!(first.len(), 6);
    let group: Vec<AttemptOutcome> = first.iter().map(|d| failure_of(*d, sub)).collect();
    let after = store.record_attempts(&group, policy).await.expect("record");
    let counts: Vec<(u32, bool)> = after
        .iter()
        .map(|h| (h.consecutive_failures, h.disabled_now))
        .collect();
    assert_eq!(
        counts,
        [
            (1, false),
            (2, false),
            (3, false),
            (4, true),
            (5, false),
            (6, false)
        ]
    );
    let stored = store
        .get_subscription(&org, sub)
        .await
        .expect("read")
        .expect("subscription");
    assert_eq!(stored.consecutive_failures, 6);
    assert_eq!(
        stored.state,
        SubscriptionState::Disabled(DisabledReason::TooManyFailures)
    );
    assert_eq!(stored.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(stored.last_error_kind, Some(AttemptErrorKind::HttpStatus));
    for id in &first {
        let (delivery, attempts) = store
            .get_delivery(&org, *id)
            .await
            .expect("read")
            .expect("delivery");
        assert_eq!(
            (delivery.status, delivery.attempt_count, attempts.len()),
            (DeliveryStatus::Pending, 1, 1)
        );
    }
    assert!(
        claim(store.as_ref(), sub, 6).await.is_empty(),
        "a disabled subscription's deliveries wait"
    );
}
