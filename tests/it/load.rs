//! The engine under stress: isolation from bad endpoints, crash safety under
//! load with SIGKILL at several moments, and graceful shutdown on SIGTERM.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::process::Command;

use super::helpers::*;
use inboundflow_webhooks::pb;

#[tokio::test]
async fn a_fast_endpoint_is_not_held_up_by_a_hanging_one_and_a_slow_one() {
    let mut app = spawn_app_with(&[
        "--allow-private-targets",
        "--max-in-flight",
        "8",
        "--max-in-flight-per-subscription",
        "2",
        // One organization here: its share is the whole pool, so only the
        // per-subscription caps are at work.
        "--max-in-flight-per-organization",
        "8",
        "--retry-schedule",
        "1h",
    ])
    .await;
    let fast = TestReceiver::start().await;
    let slow = TestReceiver::start_with(Behavior::Delay(Duration::from_secs(9))).await;
    let hanging = TestReceiver::start_with(Behavior::Hang).await;
    let org = "org_isolation";
    for receiver in [&hanging, &slow, &fast] {
        app.subscribe(org, &receiver.url(), &[pb::EventType::CallCompleted], None)
            .await;
    }
    let start = Instant::now();
    for i in 0..20 {
        app.emit(call_completed(org, &format!("event {i}"))).await;
    }
    // 40 deliveries wait behind endpoints that take 9 s or forever; with one
    // shared queue they would fill the 8 global slots and stall the rest.
    fast.wait_for(20, Duration::from_secs(5)).await;
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "fast deliveries took {took:?}"
    );
    assert!(
        slow.received().len() <= 2 && hanging.received().len() <= 2,
        "per-subscription caps hold"
    );
}

#[tokio::test]
async fn sigkill_under_load_loses_nothing_and_duplicates_keep_their_delivery_id() {
    let database = TestDatabase::new().await;
    let database_url = database.url().to_owned();
    let receiver = TestReceiver::start_with(Behavior::Delay(Duration::from_millis(5))).await;
    let org = "org_crash";
    let flags = [
        "--retry-schedule",
        "100ms,100ms,100ms,100ms",
        "--retry-jitter",
        "0",
    ];

    let (mut child, mut app) = start_binary(&database_url, &flags).await;
    for _ in 0..4 {
        app.subscribe(org, &receiver.url(), &[pb::EventType::CallCompleted], None)
            .await;
    }
    let mut acknowledged: BTreeSet<String> = BTreeSet::new();
    let mut in_flight_at_kills = 0usize;
    // Three kills, each after a different amount of acknowledged load, so
    // they land at different points of the emit → attempt → outcome cycle
    // (emit RPCs are still waiting for acks at every kill).
    for (round, kill_after) in [1200usize, 1600, 2000].into_iter().enumerate() {
        let progress = Arc::new(AtomicUsize::new(0));
        let mut emitters = tokio::task::JoinSet::new();
        for caller in 0..4 {
            let mut events = app.events.clone();
            let progress = Arc::clone(&progress);
            emitters.spawn(async move {
                let mut acked = Vec::new();
                for batch in 0..100 {
                    let requests = (0..25)
                        .map(|i| {
                            call_completed(
                                org,
                                &format!("round {round} caller {caller} batch {batch} #{i}"),
                            )
                        })
                        .collect();
                    match events
                        .batch_emit_events(pb::BatchEmitEventsRequest { requests })
                        .await
                    {
                        Ok(ok) => {
                            let ids: Vec<String> = ok
                                .into_inner()
                                .results
                                .into_iter()
                                .flat_map(|r| r.delivery_ids)
                                .collect();
                            progress.fetch_add(ids.len(), Ordering::Relaxed);
                            acked.extend(ids);
                        }
                        Err(_) => break,
                    }
                }
                acked
            });
        }
        eventually(Duration::from_secs(60), || {
            std::future::ready((progress.load(Ordering::Relaxed) >= kill_after).then_some(()))
        })
        .await;
        child.start_kill().expect("SIGKILL");
        child.wait().await.expect("killed");
        while let Some(acked) = emitters.join_next().await {
            acknowledged.extend(acked.expect("emitter"));
        }
        // At most --max-in-flight (512 by default) attempts can be cut short per kill.
        in_flight_at_kills += 512;
        (child, app) = start_binary(&database_url, &flags).await;
    }
    assert!(
        acknowledged.len() >= 4000,
        "the load was real: {} deliveries acknowledged",
        acknowledged.len()
    );

    let received = eventually(Duration::from_secs(60), || {
        let got = receiver.received();
        let ids: BTreeSet<String> = got.iter().map(|r| r.delivery_id().to_owned()).collect();
        std::future::ready(acknowledged.is_subset(&ids).then_some(got))
    })
    .await;
    let per_id = bodies_by_delivery(&received);
    for request in &received {
        assert_eq!(request.json()["delivery_id"], request.delivery_id());
    }
    let duplicates = received.len() - per_id.len();
    eprintln!(
        "{} deliveries acknowledged over 3 kills; {} requests received, {duplicates} of them duplicates",
        acknowledged.len(),
        received.len()
    );
    assert!(duplicates <= in_flight_at_kills, "{duplicates} duplicates");
    for id in acknowledged.iter().take(50) {
        app.delivery_reaches(org, id, pb::DeliveryStatus::Succeeded)
            .await;
    }
    child.start_kill().expect("stop");
}

#[tokio::test]
async fn sigterm_lets_running_attempts_finish_and_exits_cleanly() {
    let database = TestDatabase::new().await;
    let database_url = database.url().to_owned();
    let receiver = TestReceiver::start_with(Behavior::Delay(Duration::from_millis(1500))).await;
    let org = "org_sigterm";
    let (child, mut app) = start_binary(&database_url, &[]).await;
    app.subscribe(org, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.extend(
            app.emit(call_completed(org, &format!("in flight {i}")))
                .await
                .delivery_ids,
        );
    }
    receiver.wait_for(5, Duration::from_secs(5)).await;
    let pid = child.id().expect("pid").to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .expect("kill -TERM");
    assert!(status.success());

    let exited = tokio::time::timeout(Duration::from_secs(15), async move {
        let mut child = child;
        child.wait().await
    })
    .await
    .expect("exits within the attempt timeout")
    .expect("exit status");
    assert!(exited.success(), "exit status {exited:?}");

    let (mut again, mut app) = start_binary(&database_url, &[]).await;
    // The restarted engine frees old leases and looks for due work before it
    // sends this new event, and takes the oldest due first: once it has
    // arrived, anything the restart would send again has been taken too.
    let marker = app.emit(call_completed(org, "after the restart")).await;
    let marker = marker.delivery_ids[0].clone();
    app.delivery_reaches(org, &marker, pb::DeliveryStatus::Succeeded)
        .await;
    for id in &ids {
        let delivery = app.delivery(org, id).await;
        assert_eq!(
            (delivery.status, delivery.attempt_count),
            (pb::DeliveryStatus::Succeeded as i32, 1),
            "finished before exit, and not sent again: {delivery:?}"
        );
    }
    let received = receiver.received();
    let ids_seen: BTreeSet<&str> = received.iter().map(|r| r.delivery_id()).collect();
    assert_eq!(
        (received.len(), ids_seen.len()),
        (6, 6),
        "nothing was sent twice"
    );
    again.start_kill().expect("stop");
}

#[tokio::test]
async fn a_full_emit_queue_refuses_with_retry_info_and_stores_exactly_what_it_acknowledged() {
    let mut app = spawn_app_with(&[
        "--allow-private-targets",
        "--emit-queue",
        "1",
        "--emit-queue-wait",
        "0s",
        "--retry-schedule",
        "1h",
    ])
    .await;
    let org = "org_backpressure";
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(org, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let mut callers = tokio::task::JoinSet::new();
    for i in 0..200 {
        let mut events = app.events.clone();
        callers.spawn(async move {
            events
                .emit_event(call_completed(org, &format!("burst {i}")))
                .await
        });
    }
    let (mut acknowledged, mut refused) = (0u32, 0u32);
    while let Some(result) = callers.join_next().await {
        match result.expect("caller") {
            Ok(_) => acknowledged += 1,
            Err(status) => {
                assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
                use tonic_types::StatusExt;
                assert!(
                    status.get_details_retry_info().is_some(),
                    "retry info tells when to come back"
                );
                refused += 1;
            }
        }
    }
    assert!(
        refused > 0,
        "a burst of 200 against a queue of 1 is refused in part"
    );
    assert!(acknowledged > 0);
    let stored = app
        .deliveries
        .list_deliveries(pb::ListDeliveriesRequest {
            organization_id: org.into(),
            subscription_id: sub.id,
            page_size: 500,
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner()
        .deliveries
        .len();
    assert_eq!(
        stored as u32, acknowledged,
        "every acknowledged emit is stored, no refused one is"
    );
}
