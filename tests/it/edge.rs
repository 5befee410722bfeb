//! The protocol edge and the target guard under hostile input: bytes that are
//! not the request's protobuf, requests whose every part is wrong, names that
//! resolve to the service's own network, and plain-HTTP targets left over
//! from a run that allowed them.

use std::time::Duration;

use prost::bytes::{Buf, BufMut};
use tonic::Code;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;

use super::helpers::*;
use inboundflow_webhooks::pb;

const ORG: &str = "org_edge";
const GET_SUBSCRIPTION: &str = "/inboundflow.webhooks.v1.SubscriptionService/GetSubscription";
/// Well under the 16 KiB of metadata that C-core clients (Python) accept,
/// where `grpc-status-details-bin` also grows by a third in base64.
const STATUS_BUDGET: usize = 8 * 1024;

/// Passes message bytes through untouched, so a test can send what no
/// generated client would.
#[derive(Clone, Copy, Debug, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Vec<u8>, buf: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        buf.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Self::Error> {
        Ok(Some(buf.copy_to_bytes(buf.remaining()).to_vec()))
    }
}

/// One unary call with `message` as the request's raw protobuf bytes.
async fn raw_unary(
    app: &TestApp,
    path: &'static str,
    message: &[u8],
) -> Result<Vec<u8>, tonic::Status> {
    let channel = tonic::service::interceptor::InterceptedService::new(
        connect(app.address).await,
        Bearer::new(Some(&app.operator_key)),
    );
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("channel ready");
    grpc.unary(
        tonic::Request::new(message.to_vec()),
        PathAndQuery::from_static(path),
        RawCodec,
    )
    .await
    .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn bytes_that_are_not_the_requests_protobuf_are_an_invalid_argument() {
    let app = spawn_app().await;
    let mut varint_too_long = vec![0x0a];
    varint_too_long.extend([0xff; 11]);
    let cases: [(&str, &[u8]); 3] = [
        (
            "organization_id holding 0xFF 0xFE",
            &[0x0a, 0x02, 0xff, 0xfe],
        ),
        ("a length varint of eleven bytes", &varint_too_long),
        ("a length running past the end", &[0x0a, 0x05, b'o']),
    ];
    for (case, message) in cases {
        let status = raw_unary(&app, GET_SUBSCRIPTION, message)
            .await
            .expect_err(case);
        assert_eq!(status.code(), Code::InvalidArgument, "{case}: {status:?}");
        assert!(
            status.message().contains("GetSubscriptionRequest"),
            "{case}: the message names the request type: {status:?}"
        );
        let violations = violations(&status);
        assert_eq!(violations.len(), 1, "{case}: {violations:?}");
        assert_eq!(violations[0].0, "", "{case}: the request as a whole");
    }
}

/// An `INVALID_ARGUMENT` small enough for every client, whose last violation,
/// on the request as a whole, counts the `omitted` ones left out.
fn assert_bounded(status: &tonic::Status, kept_first: &str, omitted: usize) {
    assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
    let size = status.message().len() + status.details().len();
    assert!(
        size < STATUS_BUDGET,
        "status of {size} bytes ({} of message)",
        status.message().len()
    );
    let violations = violations(status);
    assert_eq!(violations.len(), 21, "20 kept and one count");
    assert_eq!(violations[0].0, kept_first);
    let (field, description) = violations.last().expect("a count");
    assert_eq!(field, "");
    assert!(
        description.contains(&omitted.to_string()),
        "the count of omitted violations: {description}"
    );
}

#[tokio::test]
async fn a_batch_of_a_thousand_invalid_events_gets_a_bounded_answer() {
    let mut app = spawn_app().await;
    // Each lacks its payload: one violation apiece.
    let requests = (0..1000)
        .map(|_| pb::EmitEventRequest {
            organization_id: ORG.into(),
            ..Default::default()
        })
        .collect();
    let status = app
        .events
        .batch_emit_events(pb::BatchEmitEventsRequest { requests })
        .await
        .expect_err("every item is invalid");
    assert_bounded(&status, "requests[0].payload", 980);
}

#[tokio::test]
async fn ten_thousand_unknown_update_mask_paths_get_a_bounded_answer() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let sub = app
        .subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let mut paths: Vec<String> = (0..10_000).map(|i| format!("no_such_field_{i}")).collect();
    // Echoed back in the violation, so it must be cut there.
    paths[0] = "x".repeat(50_000);
    let status = app
        .subscriptions
        .update_subscription(pb::UpdateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(sub),
            update_mask: Some(prost_types::FieldMask { paths }),
            ..Default::default()
        })
        .await
        .expect_err("no path is updatable");
    assert_bounded(&status, "update_mask", 9_980);
}

/// This machine's host name: a name that passes URL validation yet
/// resolves, locally, to the machine itself.
async fn own_host_name() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("host name");
    let name = name.trim().to_owned();
    let addresses: Vec<_> = tokio::net::lookup_host((name.as_str(), 0))
        .await
        .expect("the host name resolves")
        .collect();
    assert!(
        addresses
            .iter()
            .all(|a| !inboundflow_webhooks::domain::subscription::is_public_ip(a.ip())),
        "the host name resolves to the machine's own addresses: {addresses:?}"
    );
    name
}

#[tokio::test]
async fn a_name_of_the_services_own_network_fails_like_a_name_that_does_not_exist() {
    // The target guard is on: no --allow-private-targets.
    let mut app = spawn_app_with(&[]).await;
    let internal = own_host_name().await;
    let missing = "no-such-host.invalid".to_owned();
    let mut errors = Vec::new();
    for host in [&internal, &missing] {
        let sub = app
            .subscribe(
                ORG,
                &format!("https://{host}/hook"),
                &[pb::EventType::CallCompleted],
                None,
            )
            .await;
        let tested = app
            .subscriptions
            .test_subscription(pb::TestSubscriptionRequest {
                organization_id: ORG.into(),
                subscription_id: sub.id,
                event_type: 0,
            })
            .await
            .expect("test webhook")
            .into_inner();
        assert!(!tested.success, "{host}: {tested:?}");
        assert_eq!(tested.status_code, 0, "{host}: no request was made");
        assert_eq!(
            tested.error_kind,
            pb::AttemptErrorKind::Dns as i32,
            "{host}: the same kind too"
        );
        errors.push(tested.error.replace(host.as_str(), "<host>"));
    }
    assert!(
        errors[0].contains("<host>"),
        "names the host: {}",
        errors[0]
    );
    assert_eq!(
        errors[0], errors[1],
        "an internal name and a missing one are told apart by nothing"
    );
}

#[tokio::test]
async fn a_plain_http_subscription_gets_no_request_once_private_targets_are_disallowed() {
    let receiver = TestReceiver::start().await;
    let mut lax = spawn_app().await;
    lax.subscribe(ORG, &receiver.url(), &[pb::EventType::CallCompleted], None)
        .await;
    let database_url = lax.database_url.clone();
    let dir = lax.stop().await;

    let strict_flags = ["--retry-schedule", "100ms", "--retry-jitter", "0"];
    let mut strict = spawn_on(&database_url, &strict_flags).await;
    let emitted = strict.emit(call_completed(ORG, "after the restart")).await;
    let delivery_id = emitted.delivery_ids[0].clone();
    let deliveries = strict.deliveries.clone();
    let attempt = eventually(Duration::from_secs(20), || {
        let mut deliveries = deliveries.clone();
        let delivery_id = delivery_id.clone();
        async move {
            let delivery = deliveries
                .get_delivery(pb::GetDeliveryRequest {
                    organization_id: ORG.into(),
                    delivery_id,
                })
                .await
                .expect("get delivery")
                .into_inner()
                .delivery?;
            delivery.attempts.into_iter().next()
        }
    })
    .await;
    assert_eq!(attempt.status_code, 0, "{attempt:?}");
    assert!(
        attempt.error.contains("https"),
        "the attempt says https is required: {attempt:?}"
    );
    assert!(receiver.received().is_empty(), "the receiver got nothing");
    drop(dir);
}
