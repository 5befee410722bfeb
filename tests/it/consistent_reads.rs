//! A delivery is read as of one commit: its attempts and its own fields
//! (status, attempt count) always agree, even while attempts are recorded.

use std::time::Duration;

use inboundflow_webhooks::pb;

use super::helpers::*;
use super::receiver::{Behavior, TestReceiver};

const ORG: &str = "org_consistent_reads";

#[tokio::test]
async fn a_delivery_and_its_attempts_are_read_as_of_one_commit() {
    // One delivery failing fast, 40 times: 40 commits that each add an
    // attempt and change the delivery, while readers read it in a loop.
    let schedule = vec!["5ms"; 40].join(",");
    let mut app = spawn_app_with(&[
        "--allow-private-targets",
        "--retry-schedule",
        &schedule,
        "--retry-jitter",
        "0",
        "--failure-threshold",
        "1000",
    ])
    .await;
    let receiver = TestReceiver::start_with(Behavior::Status(500)).await;
    app.subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let id = app.emit(call_completed(ORG, "read me")).await.delivery_ids[0].clone();

    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let mut deliveries = app.deliveries.clone();
        let id = id.clone();
        readers.spawn(async move {
            let mut reads = 0u32;
            loop {
                let delivery = deliveries
                    .get_delivery(pb::GetDeliveryRequest {
                        organization_id: ORG.into(),
                        delivery_id: id.clone(),
                    })
                    .await
                    .expect("get delivery")
                    .into_inner()
                    .delivery
                    .expect("a delivery");
                reads += 1;
                assert_eq!(
                    delivery.attempts.len(),
                    delivery.attempt_count as usize,
                    "read {reads}: {delivery:?}"
                );
                if delivery.status == pb::DeliveryStatus::Failed as i32 {
                    return reads;
                }
            }
        });
    }
    while let Some(done) = readers.join_next().await {
        assert!(done.expect("every read agrees with itself") > 1);
    }
    receiver.wait_for(41, Duration::from_secs(10)).await;
}
