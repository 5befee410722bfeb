//! Moving up from SQLite: a service's SQLite database, copied by the real
//! binary's `copy-to-postgres`, serves the same keys, subscriptions, events
//! and deliveries from PostgreSQL, and what waited is sent signed with the
//! same secrets. PostgreSQL only: it needs a server to copy into.

use std::time::Duration;

use super::helpers::*;
use super::receiver::Received;
use inboundflow_webhooks::pb;

const ORG: &str = "org_copy";

/// A far retry: a failed delivery waits for it through the copy.
const FLAGS: &[&str] = &[
    "--allow-private-targets",
    "--retry-schedule",
    "1h",
    "--retry-jitter",
    "0",
];

const DELIVERED_SECRET: &str = "whsec_delivered_0123456789abcdef";
const WAITING_SECRET: &str = "whsec_waiting_0123456789abcdefgh";
const DISABLED_SECRET: &str = "whsec_disabled_0123456789abcdefg";

/// Everything the API shows of the organization, in a comparable form.
#[derive(Debug, PartialEq)]
struct Snapshot {
    subscriptions: Vec<pb::Subscription>,
    events: Vec<pb::Event>,
    /// Each delivery as `GetDelivery` returns it, attempts included.
    deliveries: Vec<pb::Delivery>,
}

async fn snapshot(clients: &mut Clients, subscription_ids: &[String]) -> Snapshot {
    let listed = clients
        .subscriptions
        .list_subscriptions(pb::ListSubscriptionsRequest {
            organization_id: ORG.into(),
            ..Default::default()
        })
        .await
        .expect("list subscriptions")
        .into_inner()
        .subscriptions;
    let mut subscriptions = Vec::new();
    for id in subscription_ids {
        let got = clients
            .subscriptions
            .get_subscription(pb::GetSubscriptionRequest {
                organization_id: ORG.into(),
                subscription_id: id.clone(),
            })
            .await
            .expect("get subscription")
            .into_inner()
            .subscription
            .expect("subscription");
        assert!(listed.contains(&got), "List and Get agree on {id}");
        subscriptions.push(got);
    }
    assert_eq!(listed.len(), subscription_ids.len());
    let listed = clients
        .deliveries
        .list_deliveries(pb::ListDeliveriesRequest {
            organization_id: ORG.into(),
            page_size: 100,
            ..Default::default()
        })
        .await
        .expect("list deliveries")
        .into_inner()
        .deliveries;
    let (mut deliveries, mut events) = (Vec::new(), Vec::new());
    for summary in listed {
        let delivery = clients
            .deliveries
            .get_delivery(pb::GetDeliveryRequest {
                organization_id: ORG.into(),
                delivery_id: summary.id.clone(),
            })
            .await
            .expect("get delivery")
            .into_inner()
            .delivery
            .expect("delivery");
        assert_eq!(
            pb::Delivery {
                attempts: Vec::new(),
                ..delivery.clone()
            },
            summary,
            "List and Get agree on {}",
            summary.id
        );
        if !events.iter().any(|e: &pb::Event| e.id == delivery.event_id) {
            let event = clients
                .events
                .get_event(pb::GetEventRequest {
                    organization_id: ORG.into(),
                    event_id: delivery.event_id.clone(),
                })
                .await
                .expect("get event")
                .into_inner()
                .event
                .expect("event");
            events.push(event);
        }
        deliveries.push(delivery);
    }
    Snapshot {
        subscriptions,
        events,
        deliveries,
    }
}

fn assert_signed(request: &Received, secret: &str) {
    inboundflow_webhooks::verify_webhook(
        &request.body,
        Some(request.header("x-inboundflow-timestamp")),
        Some(request.header("x-inboundflow-signature")),
        secret.as_bytes(),
        chrono::Utc::now().timestamp(),
        300,
    )
    .expect("signed with the subscription's secret");
}

/// Runs `copy-to-postgres` of the real binary; keys only as given.
async fn copy(from: &str, to: &str) -> std::process::Output {
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_inboundflow-webhooks"))
        .args(["copy-to-postgres", "--from", from, "--to", to])
        .args(["--secret-keys", POSTGRES_SECRET_KEYS])
        .env_remove("INBOUNDFLOW_SECRET_KEYS")
        .env_remove("INBOUNDFLOW_FROM_SECRET_KEYS")
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the copy ends")
        .expect("run the binary")
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[tokio::test]
async fn a_sqlite_database_moves_to_postgres_with_its_keys_secrets_schedule_and_history() {
    if !on_postgres() {
        eprintln!(
            "skipped: copy-to-postgres needs a PostgreSQL server (INBOUNDFLOW_TEST_POSTGRES_URL)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite_url = format!("sqlite://{}", dir.path().join("webhooks.db").display());
    let delivered_at = TestReceiver::start_with(Behavior::Status(200)).await;
    let waiting_at = TestReceiver::start_with(Behavior::Status(503)).await;
    let disabled_at = TestReceiver::start_with(Behavior::Status(503)).await;

    // A SQLite service (its secrets sealed with its key file) with history.
    let mut before = spawn_on(&sqlite_url, FLAGS).await;
    let types = [pb::EventType::CallCompleted];
    let mut subscription_ids = Vec::new();
    for (receiver, secret) in [
        (&delivered_at, DELIVERED_SECRET),
        (&waiting_at, WAITING_SECRET),
        (&disabled_at, DISABLED_SECRET),
    ] {
        let sub = before
            .subscribe(ORG, &receiver.url(), &types, Some(secret))
            .await;
        subscription_ids.push(sub.id);
    }
    let emitter_key = before.key(pb::ApiKeyRole::Emitter, ORG).await;
    let mut emitter = before.clients(Some(&emitter_key));
    for i in 0..2 {
        emitter
            .events
            .emit_event(call_completed(ORG, &format!("before the move {i}")))
            .await
            .expect("emit");
    }
    // Every delivery tried once: two succeeded, four wait an hour.
    let mut operator = before.clients(Some(&before.operator_key.clone()));
    eventually(Duration::from_secs(20), || {
        let mut deliveries = operator.deliveries.clone();
        async move {
            let listed = deliveries
                .list_deliveries(pb::ListDeliveriesRequest {
                    organization_id: ORG.into(),
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .deliveries;
            let succeeded = pb::DeliveryStatus::Succeeded as i32;
            let pending = pb::DeliveryStatus::Pending as i32;
            let tried = listed
                .iter()
                .filter(|d| d.attempt_count == 1 && [succeeded, pending].contains(&d.status))
                .count();
            (listed.len() == 6 && tried == 6).then_some(())
        }
    })
    .await;
    operator
        .subscriptions
        .update_subscription(pb::UpdateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                id: subscription_ids[2].clone(),
                status: pb::SubscriptionStatus::Disabled as i32,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["status".into()],
            }),
            ..Default::default()
        })
        .await
        .expect("disable");
    let expected = snapshot(&mut operator, &subscription_ids).await;
    let operator_key = before.operator_key.clone();
    before.stop().await;

    let target = TestDatabase::new().await;
    let copied = copy(&sqlite_url, target.url()).await;
    let stderr = String::from_utf8_lossy(&copied.stderr);
    assert!(copied.status.success(), "copy failed: {stderr}");
    let printed = lines(&copied.stdout);
    for line in [
        "3 subscriptions",
        "2 API keys",
        "2 events",
        "6 deliveries (4 waiting, 0 were in flight and are due now)",
        "6 attempts",
    ] {
        assert!(printed.iter().any(|l| l == line), "{line} in {printed:?}");
    }
    let again = copy(&sqlite_url, target.url()).await;
    assert!(
        !again.status.success(),
        "a second copy into the same database"
    );
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds data"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // The SQLite service's operator key works on PostgreSQL, and shows the same.
    let after = spawn_on(target.url(), FLAGS).await;
    let mut operator = after.clients(Some(&operator_key));
    assert_eq!(snapshot(&mut operator, &subscription_ids).await, expected);

    // What waited is sent, with its delivery id, signed with its own secret.
    waiting_at.set_default(Behavior::Status(200));
    disabled_at.set_default(Behavior::Status(200));
    let waiting: Vec<&pb::Delivery> = expected
        .deliveries
        .iter()
        .filter(|d| d.subscription_id == subscription_ids[1])
        .collect();
    for delivery in &waiting {
        operator
            .deliveries
            .redeliver_delivery(pb::RedeliverDeliveryRequest {
                organization_id: ORG.into(),
                delivery_id: delivery.id.clone(),
            })
            .await
            .expect("redeliver");
    }
    operator
        .subscriptions
        .reactivate_subscription(pb::ReactivateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription_id: subscription_ids[2].clone(),
        })
        .await
        .expect("reactivate");
    for (receiver, secret, subscription) in [
        (&waiting_at, WAITING_SECRET, &subscription_ids[1]),
        (&disabled_at, DISABLED_SECRET, &subscription_ids[2]),
    ] {
        let got = receiver.wait_for(4, Duration::from_secs(20)).await;
        let mut sent: Vec<&str> = got[2..].iter().map(Received::delivery_id).collect();
        let mut ids: Vec<&str> = expected
            .deliveries
            .iter()
            .filter(|d| &d.subscription_id == subscription)
            .map(|d| d.id.as_str())
            .collect();
        sent.sort_unstable();
        ids.sort_unstable();
        assert_eq!(sent, ids, "the waiting deliveries, by their ids");
        for request in &got[2..] {
            assert_signed(request, secret);
        }
    }
    let mut after = after;
    for delivery in &expected.deliveries {
        let done = after
            .delivery_reaches(ORG, &delivery.id, pb::DeliveryStatus::Succeeded)
            .await;
        let sent_again = u32::from(delivery.subscription_id != subscription_ids[0]);
        assert_eq!(done.attempt_count, delivery.attempt_count + sent_again);
    }
    assert_eq!(
        delivered_at.received().len(),
        2,
        "delivered ones stay delivered"
    );
    after.stop().await;
}

#[tokio::test]
async fn deliveries_in_flight_when_the_sqlite_service_died_are_sent_from_postgres() {
    if !on_postgres() {
        eprintln!(
            "skipped: copy-to-postgres needs a PostgreSQL server (INBOUNDFLOW_TEST_POSTGRES_URL)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite_url = format!("sqlite://{}", dir.path().join("webhooks.db").display());
    let receiver = TestReceiver::start_with(Behavior::Hang).await;
    // The real binary, killed while its request hangs: its lease stays.
    let flags = ["--attempt-timeout", "60s"];
    let (mut child, mut before) = start_binary(&sqlite_url, &flags).await;
    let sub = before
        .subscribe(
            ORG,
            &receiver.url(),
            &[pb::EventType::CallCompleted],
            Some(WAITING_SECRET),
        )
        .await;
    let emitted = before.emit(call_completed(ORG, "in flight")).await;
    receiver.wait_for(1, Duration::from_secs(10)).await;
    let delivery = before
        .delivery_reaches(ORG, &emitted.delivery_ids[0], pb::DeliveryStatus::InFlight)
        .await;
    child.start_kill().expect("SIGKILL");
    child.wait().await.expect("killed");

    let target = TestDatabase::new().await;
    let copied = copy(&sqlite_url, target.url()).await;
    assert!(
        copied.status.success(),
        "copy failed: {}",
        String::from_utf8_lossy(&copied.stderr)
    );
    let printed = lines(&copied.stdout);
    let line = "1 deliveries (0 waiting, 1 were in flight and are due now)";
    assert!(printed.iter().any(|l| l == line), "{line} in {printed:?}");

    // As copied, before any service touches it: no lease of the dead
    // process, due now.
    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(target.url())
        .await
        .expect("connect to the copy");
    let id = uuid::Uuid::parse_str(&delivery.id).expect("delivery id");
    let stored: (String, bool, bool) = sqlx::query_as(
        "SELECT status, lease_owner IS NULL AND lease_expires_at IS NULL, \
         next_attempt_at <= now() FROM deliveries WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut db)
    .await
    .expect("the copied delivery");
    assert_eq!(stored, ("pending".to_owned(), true, true));
    sqlx::Connection::close(db).await.expect("disconnect");

    // Due at once on PostgreSQL: sent again with its id and secret, no call needed.
    receiver.set_default(Behavior::Status(200));
    let mut after = spawn_on(target.url(), FAST).await;
    let got = receiver.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(got[1].delivery_id(), delivery.id);
    assert_signed(&got[1], WAITING_SECRET);
    let done = after
        .delivery_reaches(ORG, &delivery.id, pb::DeliveryStatus::Succeeded)
        .await;
    assert_eq!(done.subscription_id, sub.id);
    after.stop().await;
}
