//! gRPC calls the benchmark makes, with realistic event payloads.

use inboundflow_webhooks::pb;
use inboundflow_webhooks::pb::delivery_service_client::DeliveryServiceClient;
use inboundflow_webhooks::pb::event_service_client::EventServiceClient;
use inboundflow_webhooks::pb::subscription_service_client::SubscriptionServiceClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// Sends the API key with every call.
#[derive(Clone)]
pub struct Bearer(MetadataValue<Ascii>);

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

type Api = InterceptedService<Channel, Bearer>;

#[derive(Clone)]
pub struct Client {
    pub events: EventServiceClient<Api>,
    pub subscriptions: SubscriptionServiceClient<Api>,
    pub deliveries: DeliveryServiceClient<Api>,
}

impl Client {
    pub fn new(channel: Channel, key: &str) -> anyhow::Result<Self> {
        let bearer = Bearer(format!("Bearer {key}").parse()?);
        let with = || InterceptedService::new(channel.clone(), bearer.clone());
        Ok(Self {
            events: EventServiceClient::new(with()),
            subscriptions: SubscriptionServiceClient::new(with()),
            deliveries: DeliveryServiceClient::new(with()),
        })
    }

    pub async fn subscribe(
        &mut self,
        org: &str,
        url: &str,
        enabled: bool,
    ) -> anyhow::Result<String> {
        let status = if enabled {
            pb::SubscriptionStatus::Enabled
        } else {
            pb::SubscriptionStatus::Disabled
        };
        let created = self
            .subscriptions
            .create_subscription(pb::CreateSubscriptionRequest {
                organization_id: org.into(),
                subscription: Some(pb::Subscription {
                    url: url.into(),
                    integration: pb::Integration::Custom as i32,
                    event_types: vec![pb::EventType::CallCompleted as i32],
                    status: status as i32,
                    ..Default::default()
                }),
                signing_secret: "bench-signing-secret-0123456789".into(),
                generate_signing_secret: false,
            })
            .await?
            .into_inner();
        Ok(created.subscription.map(|s| s.id).unwrap_or_default())
    }

    pub async fn emit(&mut self, org: &str, call_id: String) -> anyhow::Result<()> {
        self.events.emit_event(event(org, call_id)).await?;
        Ok(())
    }

    pub async fn emit_batch(&mut self, org: &str, size: usize) -> anyhow::Result<()> {
        let requests = (0..size)
            .map(|i| event(org, format!("batch-{i}")))
            .collect();
        self.events
            .batch_emit_events(pb::BatchEmitEventsRequest { requests })
            .await?;
        Ok(())
    }

    /// Creates the subscription's deliveries of every event so far; they
    /// wait while it is disabled.
    pub async fn replay(&mut self, org: &str, subscription: &str) -> anyhow::Result<u32> {
        let replay = self
            .deliveries
            .replay_deliveries(pb::ReplayDeliveriesRequest {
                organization_id: org.into(),
                subscription_id: subscription.into(),
                start_time: Some(prost_types::Timestamp {
                    seconds: 0,
                    nanos: 0,
                }),
            })
            .await?
            .into_inner();
        Ok(replay.created_count)
    }

    pub async fn reactivate(&mut self, org: &str, subscription: &str) -> anyhow::Result<()> {
        self.subscriptions
            .reactivate_subscription(pb::ReactivateSubscriptionRequest {
                organization_id: org.into(),
                subscription_id: subscription.into(),
            })
            .await?;
        Ok(())
    }
}

/// A `call.completed` of about 600 bytes, like a real one.
pub fn event(org: &str, call_id: String) -> pb::EmitEventRequest {
    pb::EmitEventRequest {
        organization_id: org.into(),
        payload: Some(pb::emit_event_request::Payload::CallCompleted(pb::CallCompleted {
            call_id,
            caller_phone: Some("+1234567890".into()),
            caller_name: Some("José Ñúñez".into()),
            caller_email: Some("jose@example.com".into()),
            duration_seconds: Some(55),
            summary: Some("Called about auto repair appointment. Customer wants to bring in a 2019 Honda Civic for brake inspection and asked about weekend availability.".into()),
            intent: Some("book appointment".into()),
            urgency: pb::Urgency::Medium as i32,
            recording_url: Some("https://recordings.example.com/calls/7f1c2a9e.mp3".into()),
            started_at: Some(prost_types::Timestamp { seconds: 1_771_966_740, nanos: 0 }),
            ended_at: Some(prost_types::Timestamp { seconds: 1_771_966_800, nanos: 0 }),
        })),
        ..Default::default()
    }
}

/// A body of the size deliveries have, for the plain HTTP baseline.
pub fn sample_body() -> String {
    let mut body = String::from(
        r#"{"event":"call.completed","timestamp":"2026-02-24T21:00:00.000Z","organization_id":"bench","delivery_id":"01a216f2-7764-7235-b3bb-ab406757a092","data":{"#,
    );
    body.push_str(&"x".repeat(480));
    body.push_str("}}");
    body
}
