//! The authorization matrix's moving parts: every RPC that needs a key, the
//! resources the calls name, and one call of each.

use tonic::Code;

use super::ORG;
use crate::helpers::*;
use inboundflow_webhooks::pb;

/// Every RPC of the API that needs a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rpc {
    EmitEvent,
    BatchEmitEvents,
    GetEvent,
    CreateSubscription,
    GetSubscription,
    ListSubscriptions,
    UpdateSubscription,
    DeleteSubscription,
    TestSubscription,
    ReactivateSubscription,
    RotateSigningSecret,
    CompleteSigningSecretRotation,
    ListDeliveries,
    GetDelivery,
    RedeliverDelivery,
    ReplayDeliveries,
    CreateApiKey,
    ListApiKeys,
    RevokeApiKey,
}

pub(super) const ALL: [Rpc; 19] = [
    Rpc::EmitEvent,
    Rpc::BatchEmitEvents,
    Rpc::GetEvent,
    Rpc::CreateSubscription,
    Rpc::GetSubscription,
    Rpc::ListSubscriptions,
    Rpc::UpdateSubscription,
    Rpc::DeleteSubscription,
    Rpc::TestSubscription,
    Rpc::ReactivateSubscription,
    Rpc::RotateSigningSecret,
    Rpc::CompleteSigningSecretRotation,
    Rpc::ListDeliveries,
    Rpc::GetDelivery,
    Rpc::RedeliverDelivery,
    Rpc::ReplayDeliveries,
    Rpc::CreateApiKey,
    Rpc::ListApiKeys,
    Rpc::RevokeApiKey,
];

impl Rpc {
    pub(super) fn emits(self) -> bool {
        matches!(self, Rpc::EmitEvent | Rpc::BatchEmitEvents)
    }

    /// Acts on an organization as a whole rather than on one of its resources:
    /// a stranger is refused rather than told "not found".
    pub(super) fn on_collection(self) -> bool {
        matches!(
            self,
            Rpc::EmitEvent
                | Rpc::BatchEmitEvents
                | Rpc::CreateSubscription
                | Rpc::ListSubscriptions
                | Rpc::ListDeliveries
                | Rpc::CreateApiKey
                | Rpc::ListApiKeys
        )
    }
}

/// Resources of [`ORG`] that the calls name; destructive calls get fresh ones.
pub(super) struct Fixture {
    receiver: TestReceiver,
    subscription_id: String,
    event_id: String,
    delivery_id: String,
}

pub(super) async fn make_fixture(app: &mut TestApp) -> Fixture {
    let receiver = TestReceiver::start().await;
    let subscription = app
        .subscribe(
            ORG,
            &receiver.url(),
            &[pb::EventType::CallCompleted],
            Some("fixture-secret-0123456789"),
        )
        .await;
    let emitted = app.emit(call_completed(ORG, "fixture")).await;
    let event_id = emitted.event.expect("event").id;
    let delivery_id = emitted.delivery_ids[0].clone();
    app.delivery_reaches(ORG, &delivery_id, pb::DeliveryStatus::Succeeded)
        .await;
    Fixture {
        receiver,
        subscription_id: subscription.id,
        event_id,
        delivery_id,
    }
}

/// Makes the call as `clients` would, naming `org` (empty: the key's own).
pub(super) async fn call(
    rpc: Rpc,
    clients: &mut Clients,
    app: &mut TestApp,
    fx: &Fixture,
    org: &str,
) -> Result<(), tonic::Status> {
    let org = org.to_owned();
    let sub_id = fx.subscription_id.clone();
    match rpc {
        Rpc::EmitEvent => clients
            .events
            .emit_event(call_completed(&org, "auth"))
            .await
            .map(drop),
        Rpc::BatchEmitEvents => clients
            .events
            .batch_emit_events(pb::BatchEmitEventsRequest {
                requests: vec![call_completed(&org, "auth")],
            })
            .await
            .map(drop),
        Rpc::GetEvent => clients
            .events
            .get_event(pb::GetEventRequest {
                organization_id: org,
                event_id: fx.event_id.clone(),
            })
            .await
            .map(drop),
        Rpc::CreateSubscription => clients
            .subscriptions
            .create_subscription(pb::CreateSubscriptionRequest {
                organization_id: org,
                subscription: Some(pb::Subscription {
                    url: fx.receiver.url(),
                    integration: pb::Integration::Zapier as i32,
                    event_types: vec![pb::EventType::LeadCreated as i32],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::GetSubscription => clients
            .subscriptions
            .get_subscription(pb::GetSubscriptionRequest {
                organization_id: org,
                subscription_id: sub_id,
            })
            .await
            .map(drop),
        Rpc::ListSubscriptions => clients
            .subscriptions
            .list_subscriptions(pb::ListSubscriptionsRequest {
                organization_id: org,
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::UpdateSubscription => clients
            .subscriptions
            .update_subscription(pb::UpdateSubscriptionRequest {
                organization_id: org,
                subscription: Some(pb::Subscription {
                    id: sub_id,
                    description: "changed".into(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["description".into()],
                }),
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::DeleteSubscription => {
            let doomed = app
                .subscribe(ORG, &fx.receiver.url(), &[pb::EventType::LeadCreated], None)
                .await;
            clients
                .subscriptions
                .delete_subscription(pb::DeleteSubscriptionRequest {
                    organization_id: org,
                    subscription_id: doomed.id,
                })
                .await
                .map(drop)
        }
        Rpc::TestSubscription => clients
            .subscriptions
            .test_subscription(pb::TestSubscriptionRequest {
                organization_id: org,
                subscription_id: sub_id,
                event_type: 0,
            })
            .await
            .map(drop),
        Rpc::ReactivateSubscription => clients
            .subscriptions
            .reactivate_subscription(pb::ReactivateSubscriptionRequest {
                organization_id: org,
                subscription_id: sub_id,
            })
            .await
            .map(drop),
        // A zero grace is allowed whatever is in progress, so every
        // permitted caller can rotate in turn.
        Rpc::RotateSigningSecret => clients
            .subscriptions
            .rotate_signing_secret(pb::RotateSigningSecretRequest {
                organization_id: org,
                subscription_id: sub_id,
                grace_period: Some(prost_types::Duration::default()),
                signing_secret: String::new(),
            })
            .await
            .map(drop),
        Rpc::CompleteSigningSecretRotation => clients
            .subscriptions
            .complete_signing_secret_rotation(pb::CompleteSigningSecretRotationRequest {
                organization_id: org,
                subscription_id: sub_id,
            })
            .await
            .map(drop),
        Rpc::ListDeliveries => clients
            .deliveries
            .list_deliveries(pb::ListDeliveriesRequest {
                organization_id: org,
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::GetDelivery => clients
            .deliveries
            .get_delivery(pb::GetDeliveryRequest {
                organization_id: org,
                delivery_id: fx.delivery_id.clone(),
            })
            .await
            .map(drop),
        Rpc::RedeliverDelivery => {
            // The previous redelivery must have settled, or this one is refused.
            app.delivery_reaches(ORG, &fx.delivery_id, pb::DeliveryStatus::Succeeded)
                .await;
            clients
                .deliveries
                .redeliver_delivery(pb::RedeliverDeliveryRequest {
                    organization_id: org,
                    delivery_id: fx.delivery_id.clone(),
                })
                .await
                .map(drop)
        }
        Rpc::ReplayDeliveries => clients
            .deliveries
            .replay_deliveries(pb::ReplayDeliveriesRequest {
                organization_id: org,
                subscription_id: sub_id,
                start_time: Some(prost_types::Timestamp::default()),
            })
            .await
            .map(drop),
        Rpc::CreateApiKey => clients
            .api_keys
            .create_api_key(pb::CreateApiKeyRequest {
                organization_id: org,
                api_key: Some(pb::ApiKey {
                    role: pb::ApiKeyRole::Emitter as i32,
                    ..Default::default()
                }),
            })
            .await
            .map(drop),
        Rpc::ListApiKeys => clients
            .api_keys
            .list_api_keys(pb::ListApiKeysRequest {
                organization_id: org,
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::RevokeApiKey => {
            let doomed = app.key(pb::ApiKeyRole::Emitter, ORG).await;
            let id = key_id(app, &doomed).await;
            clients
                .api_keys
                .revoke_api_key(pb::RevokeApiKeyRequest {
                    organization_id: org,
                    api_key_id: id,
                })
                .await
                .map(drop)
        }
    }
}

/// The id of a key of [`ORG`], found by its prefix.
pub(super) async fn key_id(app: &mut TestApp, key: &str) -> String {
    let keys = app
        .api_keys
        .list_api_keys(pb::ListApiKeysRequest {
            organization_id: ORG.into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .expect("list keys")
        .into_inner()
        .api_keys;
    keys.into_iter()
        .find(|k| key.starts_with(&k.prefix))
        .expect("the key is listed")
        .id
}

pub(super) fn code(result: &Result<(), tonic::Status>) -> Code {
    match result {
        Ok(()) => Code::Ok,
        Err(status) => status.code(),
    }
}
