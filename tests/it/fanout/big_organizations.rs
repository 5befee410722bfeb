//! A big organization beside small ones: its huge fan-out and its
//! delivery-log queries leave another organization's calls fast, and the
//! log's time filters split exactly at a delivery's creation.

use super::*;

/// Emits one event of `org` (one subscription); returns its delivery's id
/// and creation time.
async fn emit_one(app: &mut TestApp, org: &str, summary: &str) -> (String, prost_types::Timestamp) {
    let id = app.emit(call_completed(org, summary)).await.delivery_ids[0].clone();
    let at = app.delivery(org, &id).await.create_time.expect("time");
    (id, at)
}

#[tokio::test]
async fn delivery_log_time_filters_split_at_a_deliverys_creation_time() {
    let mut app = spawn_app_with(QUIET).await;
    let url = refused_url().await;
    subscribe_many(&app, "org_time", &url, 1).await;
    let (earlier, earlier_at) = emit_one(&mut app, "org_time", "earlier").await;
    // The next delivery created in a later millisecond.
    let (later, later_at) = loop {
        let (id, at) = emit_one(&mut app, "org_time", "later").await;
        if (at.seconds, at.nanos / 1_000_000) > (earlier_at.seconds, earlier_at.nanos / 1_000_000) {
            break (id, at);
        }
    };
    let mut deliveries = app.deliveries.clone();
    let mut listed = async |start_time, end_time| -> Vec<String> {
        let page = deliveries
            .list_deliveries(pb::ListDeliveriesRequest {
                organization_id: "org_time".into(),
                start_time,
                end_time,
                ..Default::default()
            })
            .await
            .expect("list")
            .into_inner();
        page.deliveries.into_iter().map(|d| d.id).collect()
    };
    let from_later = listed(Some(later_at), None).await;
    assert!(from_later.contains(&later) && !from_later.contains(&earlier));
    let before_later = listed(None, Some(later_at)).await;
    assert!(before_later.contains(&earlier) && !before_later.contains(&later));
    assert_eq!(
        listed(Some(later_at), Some(later_at)).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_huge_fan_out_does_not_hold_up_another_organizations_emit() {
    let app = spawn_app_with(&[
        "--allow-private-targets",
        "--retry-schedule",
        "1h",
        "--max-in-flight",
        "1",
        "--emit-queue-wait",
        "1s",
        // Caps scaled to a debug build on a shared machine, which writes
        // 5,000 deliveries in about the time a release build writes the
        // default 50,000 per transaction.
        "--max-deliveries-per-request",
        "5000",
        "--emit-group-max-deliveries",
        "5000",
    ])
    .await;
    let url = refused_url().await;
    subscribe_many(&app, "org_loud", &url, 1000).await;
    let receiver = TestReceiver::start().await;
    subscribe_many(&app, "org_quiet", &receiver.url(), 1).await;

    let stop = Arc::new(AtomicBool::new(false));
    let answered_loud = Arc::new(AtomicUsize::new(0));
    let mut loud = tokio::task::JoinSet::new();
    // One batch of 500,000 deliveries, then batches at the 5,000 cap, from
    // three callers at once: the committer stays busy the whole time.
    for caller in 0..3 {
        let mut events = app.events.clone();
        let stop = Arc::clone(&stop);
        let answered_loud = Arc::clone(&answered_loud);
        loud.spawn(async move {
            if caller == 0 {
                let status = events
                    .batch_emit_events(batch("org_loud", "huge", 500))
                    .await
                    .expect_err("past the cap");
                assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
            }
            let mut round = 0;
            while !stop.load(Ordering::Relaxed) {
                let prefix = format!("loud-{caller}-{round}");
                if let Err(status) = events
                    .batch_emit_events(batch("org_loud", &prefix, 5))
                    .await
                {
                    // Refused with retry advice and nothing stored: a full
                    // queue, or a store too busy to take the write in time.
                    assert!(
                        matches!(
                            status.code(),
                            tonic::Code::ResourceExhausted | tonic::Code::Unavailable
                        ),
                        "{status:?}"
                    );
                    assert!(status.get_details_retry_info().is_some(), "{status:?}");
                }
                answered_loud.fetch_add(1, Ordering::Relaxed);
                round += 1;
            }
        });
    }
    eventually(Duration::from_secs(20), || {
        std::future::ready((answered_loud.load(Ordering::Relaxed) >= 2).then_some(()))
    })
    .await;

    let mut events = app.events.clone();
    let mut answered = Vec::new();
    for i in 0..5 {
        let mut request = call_completed("org_quiet", &format!("quiet {i}"));
        request.idempotency_key = format!("quiet-{i}");
        let started = Instant::now();
        let result =
            tokio::time::timeout(Duration::from_secs(20), events.emit_event(request.clone()))
                .await
                .expect("answered at all");
        let took = started.elapsed();
        eprintln!("quiet emit {i}: {took:?}, accepted: {}", result.is_ok());
        assert!(took < Duration::from_secs(5), "emit {i} took {took:?}");
        match result {
            Ok(_) => answered.push((request, true)),
            Err(status) => {
                assert!(
                    matches!(
                        status.code(),
                        tonic::Code::ResourceExhausted | tonic::Code::Unavailable
                    ),
                    "{status:?}"
                );
                assert!(status.get_details_retry_info().is_some(), "{status:?}");
                answered.push((request, false));
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    while let Some(done) = loud.join_next().await {
        done.expect("loud caller");
    }

    // What was refused stored nothing; what was accepted is there.
    for (request, accepted) in answered {
        let again = events
            .emit_event(request)
            .await
            .expect("quiet emit")
            .into_inner();
        assert_eq!(again.duplicate, accepted);
    }
}

#[tokio::test]
async fn delivery_log_queries_of_a_big_organization_leave_others_fast() {
    let app = spawn_app_with(&[
        "--allow-private-targets",
        "--retry-schedule",
        "1h",
        "--max-in-flight",
        "1",
        "--failure-threshold",
        "1",
    ])
    .await;
    let url = refused_url().await;
    subscribe_many(&app, "org_big", &url, 20).await;
    let receiver = TestReceiver::start().await;
    subscribe_many(&app, "org_tiny", &receiver.url(), 1).await;
    let tiny = first_subscription(&app, "org_tiny").await;

    // 100,000 deliveries: 10 batches of 500 events to 20 subscriptions.
    let started = Instant::now();
    let from = prost_types::Timestamp::from(std::time::SystemTime::now());
    let mut emitters = tokio::task::JoinSet::new();
    for caller in 0..10 {
        let mut events = app.events.clone();
        emitters.spawn(async move {
            let request = batch("org_big", &format!("big-{caller}"), 500);
            // Ten batches at the cap outrun the emit wait on a busy machine:
            // come back when told to, as a real caller does.
            while let Err(status) = events.batch_emit_events(request.clone()).await {
                let retry = status
                    .get_details_retry_info()
                    .expect("RESOURCE_EXHAUSTED with RetryInfo");
                tokio::time::sleep(retry.retry_delay.unwrap_or_default()).await;
            }
        });
    }
    while let Some(done) = emitters.join_next().await {
        done.expect("emitter");
    }
    let until =
        prost_types::Timestamp::from(std::time::SystemTime::now() + Duration::from_secs(60));
    eprintln!("100,000 deliveries stored in {:?}", started.elapsed());

    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = tokio::task::JoinSet::new();
    for reader in 0..16 {
        let mut deliveries = app.deliveries.clone();
        let stop = Arc::clone(&stop);
        let (from, until) = (from, until);
        readers.spawn(async move {
            let mut lists = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let status = if reader % 2 == 0 {
                    pb::DeliveryStatus::Failed
                } else {
                    pb::DeliveryStatus::Succeeded
                };
                match deliveries
                    .list_deliveries(pb::ListDeliveriesRequest {
                        organization_id: "org_big".into(),
                        status: status as i32,
                        start_time: Some(from),
                        end_time: Some(until),
                        ..Default::default()
                    })
                    .await
                {
                    Ok(page) => assert!(page.into_inner().deliveries.is_empty()),
                    Err(status) => {
                        assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
                        assert!(status.get_details_retry_info().is_some());
                    }
                }
                lists += 1;
            }
            lists
        });
    }
    let mut subs = app.subscriptions.clone();
    let mut slowest = Duration::ZERO;
    let measuring = Instant::now();
    while measuring.elapsed() < Duration::from_secs(4) {
        let asked = Instant::now();
        subs.get_subscription(pb::GetSubscriptionRequest {
            organization_id: "org_tiny".into(),
            subscription_id: tiny.id.clone(),
        })
        .await
        .expect("get subscription");
        slowest = slowest.max(asked.elapsed());
    }
    stop.store(true, Ordering::Relaxed);
    let mut lists = 0;
    while let Some(done) = readers.join_next().await {
        lists += done.expect("reader");
    }
    eprintln!("{lists} delivery-log lists; slowest GetSubscription beside them {slowest:?}");
    assert!(lists >= 16, "the lists ran");
    assert!(
        slowest < Duration::from_millis(500),
        "GetSubscription took {slowest:?} beside the lists"
    );
}
