//! Bounded fan-out: an organization's subscriptions, the deliveries one
//! request may create, the size of emit answers, and delivery-log queries are
//! all capped, so one organization's volume cannot hold up another's calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tonic_types::StatusExt;

use super::helpers::*;
use inboundflow_webhooks::pb;

mod big_organizations;

/// Flags for fan-out tests: subscriptions point at a refused port, so the
/// engine's few attempts fail fast and retries wait an hour; one attempt at
/// a time keeps the engine from competing with what is measured.
const QUIET: &[&str] = &[
    "--allow-private-targets",
    "--retry-schedule",
    "1h",
    "--max-in-flight",
    "1",
];

/// Creates `count` subscriptions of `org` to `url`, a few at a time.
async fn subscribe_many(app: &TestApp, org: &str, url: &str, count: usize) {
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let mut subs = app.subscriptions.clone();
        let (org, url) = (org.to_owned(), url.to_owned());
        tasks.spawn(async move {
            for _ in (worker..count).step_by(8) {
                subs.create_subscription(create_request(&org, &url))
                    .await
                    .expect("create subscription");
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("creator");
    }
}

fn create_request(org: &str, url: &str) -> pb::CreateSubscriptionRequest {
    pb::CreateSubscriptionRequest {
        organization_id: org.into(),
        subscription: Some(pb::Subscription {
            url: url.into(),
            integration: pb::Integration::Custom as i32,
            event_types: vec![pb::EventType::CallCompleted as i32],
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The first subscription `org` lists.
async fn first_subscription(app: &TestApp, org: &str) -> pb::Subscription {
    app.subscriptions
        .clone()
        .list_subscriptions(pb::ListSubscriptionsRequest {
            organization_id: org.into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner()
        .subscriptions
        .remove(0)
}

async fn refused_url() -> String {
    format!("http://{}/hook", refused_address().await)
}

/// `count` call.completed emits of `org`, with idempotency keys `{prefix}-{i}`.
fn batch(org: &str, prefix: &str, count: usize) -> pb::BatchEmitEventsRequest {
    pb::BatchEmitEventsRequest {
        requests: (0..count)
            .map(|i| {
                let mut request = call_completed(org, &format!("{prefix} {i}"));
                request.idempotency_key = format!("{prefix}-{i}");
                request
            })
            .collect(),
    }
}

#[tokio::test]
async fn an_organization_at_its_subscription_cap_gets_quota_failure_and_others_are_unaffected() {
    let app = spawn_app_with(QUIET).await;
    let url = refused_url().await;
    subscribe_many(&app, "org_full", &url, 1000).await;

    let mut subs = app.subscriptions.clone();
    let status = subs
        .create_subscription(create_request("org_full", &url))
        .await
        .expect_err("the 1001st subscription is past the default cap");
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    let quota = status
        .get_details_quota_failure()
        .expect("a QuotaFailure detail");
    assert_eq!(quota.violations.len(), 1);
    assert!(
        quota.violations[0].description.contains("1000"),
        "the limit is named: {quota:?}"
    );
    subs.create_subscription(create_request("org_other", &url))
        .await
        .expect("another organization is not affected");
}

#[tokio::test]
async fn subscriptions_created_all_at_once_stop_exactly_at_the_cap() {
    let app = spawn_app_with(&[
        "--allow-private-targets",
        "--max-subscriptions-per-organization",
        "10",
    ])
    .await;
    let url = refused_url().await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let mut subs = app.subscriptions.clone();
        let url = url.clone();
        tasks.spawn(async move {
            subs.create_subscription(create_request("org_race", &url))
                .await
        });
    }
    let (mut created, mut refused) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        match result.expect("creator") {
            Ok(_) => created += 1,
            Err(status) => {
                assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
                refused += 1;
            }
        }
    }
    assert_eq!((created, refused), (10, 20));
    let listed = app
        .subscriptions
        .clone()
        .list_subscriptions(pb::ListSubscriptionsRequest {
            organization_id: "org_race".into(),
            page_size: 100,
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner()
        .subscriptions
        .len();
    assert_eq!(listed, 10, "no creation raced past the cap");
}

#[tokio::test]
async fn a_batch_fanning_out_past_the_cap_is_refused_whole_without_failing_its_group() {
    let app = spawn_app_with(QUIET).await;
    let url = refused_url().await;
    subscribe_many(&app, "org_wide", &url, 200).await;
    subscribe_many(&app, "org_small", &url, 1).await;

    // 600 events to 200 subscriptions: 120,000 deliveries, past the default
    // 10,000 per request; its delivery ids alone would not fit in 4 MiB.
    let mut events = app.events.clone();
    let huge = tokio::spawn(async move {
        events
            .batch_emit_events(batch("org_wide", "huge", 600))
            .await
    });
    // Small emits of another organization, committed beside it.
    let mut small = tokio::task::JoinSet::new();
    for i in 0..20 {
        let mut events = app.events.clone();
        small.spawn(async move {
            events
                .emit_event(call_completed("org_small", &format!("small {i}")))
                .await
        });
    }
    let status = huge
        .await
        .expect("caller")
        .expect_err("a fan-out past the cap is refused");
    assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
    assert!(
        status.message().contains("10000"),
        "the message names the limit: {status:?}"
    );
    let precondition = status
        .get_details_precondition_failure()
        .expect("a PreconditionFailure detail");
    assert_eq!(precondition.violations[0].r#type, "DELIVERIES_PER_REQUEST");
    while let Some(result) = small.join_next().await {
        let answer = result
            .expect("caller")
            .expect("other callers are not failed");
        assert_eq!(answer.into_inner().delivery_ids.len(), 1);
    }

    // Nothing of the refused batch was stored: its keys are still free.
    let mut events = app.events.clone();
    let again = events
        .batch_emit_events(batch("org_wide", "huge", 1))
        .await
        .expect("one event to 200 subscriptions is within the cap")
        .into_inner();
    assert!(
        !again.results[0].duplicate,
        "the refused batch stored nothing"
    );

    // At the cap (50 × 200 = 10,000) the batch is accepted; each answer lists
    // a bounded number of its delivery ids.
    let accepted = events
        .batch_emit_events(batch("org_wide", "at-cap", 50))
        .await
        .expect("a fan-out at the cap is accepted")
        .into_inner();
    assert_eq!(accepted.results.len(), 50);
    for result in &accepted.results {
        assert_eq!(result.delivery_ids.len(), 100, "at most 100 ids per event");
        assert_eq!(result.delivery_count, 200);
        assert!(result.delivery_ids_truncated);
    }
}

#[tokio::test]
async fn a_batch_past_three_mib_is_refused_naming_requests() {
    let app = spawn_app_with(QUIET).await;
    // 1000 events of about 3.3 KB: under the 4 MiB a server decodes, over
    // the 3 MiB that keeps every answer under a client's 4 MiB.
    let mut request = batch("org_bulky", "bulky", 1000);
    for entry in &mut request.requests {
        if let Some(pb::emit_event_request::Payload::CallCompleted(call)) = &mut entry.payload {
            call.summary = Some("x".repeat(3300));
        }
    }
    let status = app
        .events
        .clone()
        .batch_emit_events(request)
        .await
        .expect_err("too large");
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    let fields: Vec<String> = violations(&status).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["requests"]);
}

#[tokio::test]
async fn one_event_past_the_cap_is_refused_and_stores_nothing() {
    let mut flags = QUIET.to_vec();
    flags.extend(["--max-deliveries-per-request", "3"]);
    let app = spawn_app_with(&flags).await;
    let url = refused_url().await;
    subscribe_many(&app, "org_four", &url, 4).await;
    let mut request = call_completed("org_four", "too wide");
    request.idempotency_key = "wide-1".into();
    let mut events = app.events.clone();
    let status = events
        .emit_event(request.clone())
        .await
        .expect_err("4 deliveries, 3 allowed");
    assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
    assert!(status.get_details_precondition_failure().is_some());

    let mut subs = app.subscriptions.clone();
    let one = first_subscription(&app, "org_four").await;
    subs.delete_subscription(pb::DeleteSubscriptionRequest {
        organization_id: "org_four".into(),
        subscription_id: one.id,
    })
    .await
    .expect("delete");
    let accepted = events
        .emit_event(request)
        .await
        .expect("3 deliveries")
        .into_inner();
    assert!(!accepted.duplicate, "the refused emit stored nothing");
    assert_eq!(
        (accepted.delivery_count, accepted.delivery_ids.len()),
        (3, 3)
    );
    assert!(!accepted.delivery_ids_truncated);
}

#[tokio::test]
async fn an_answer_lists_at_most_ten_thousand_delivery_ids_however_wide_the_fan_out() {
    let mut flags = QUIET.to_vec();
    flags.extend(["--max-deliveries-per-request", "30000"]);
    let app = spawn_app_with(&flags).await;
    let url = refused_url().await;
    subscribe_many(&app, "org_ids", &url, 200).await;
    let mut events = app.events.clone();
    // 120 events to 200 subscriptions: 24,000 deliveries, 100 ids listed
    // for each of the first 100 events, and none after.
    for round in ["first", "repeated"] {
        let answer = events
            .batch_emit_events(batch("org_ids", "wide", 120))
            .await
            .expect("within the raised cap")
            .into_inner();
        let listed: Vec<usize> = answer
            .results
            .iter()
            .map(|r| r.delivery_ids.len())
            .collect();
        assert_eq!(listed[..100], [100; 100], "{round}");
        assert_eq!(listed[100..], [0; 20], "{round}");
        for result in &answer.results {
            assert_eq!(result.delivery_count, 200, "{round}");
            assert!(result.delivery_ids_truncated, "{round}");
            assert_eq!(result.duplicate, round == "repeated");
        }
    }
}
