//! What each method needs: the one table of the API's permissions, and the
//! narrower list of calls an embed token may make.

use crate::domain::api_key::Role;
use crate::pb::delivery_service_server::SERVICE_NAME as DELIVERIES;
use crate::pb::event_service_server::SERVICE_NAME as EVENTS;
use crate::pb::subscription_service_server::SERVICE_NAME as SUBSCRIPTIONS;

/// What a request to a path needs before it reaches its service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No key (health checks; reflection when it is public).
    Open,
    /// A valid key whose role includes this one.
    Key(Role),
}

/// Reflection describes the API, which the generated clients publish anyway;
/// an operator may still want it behind a key.
pub fn required(path: &str, public_reflection: bool) -> Access {
    let (service, method) = path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or((path, ""));
    match service {
        "grpc.health.v1.Health" => Access::Open,
        "grpc.reflection.v1.ServerReflection" | "grpc.reflection.v1alpha.ServerReflection" => {
            if public_reflection {
                Access::Open
            } else {
                Access::Key(Role::Emitter)
            }
        }
        s if s == EVENTS && matches!(method, "EmitEvent" | "BatchEmitEvents") => {
            Access::Key(Role::Emitter)
        }
        // Everything else of ours, and unknown paths (which then answer
        // UNIMPLEMENTED only to a caller with a key).
        _ => Access::Key(Role::Admin),
    }
}

/// Whether an embed token may call `path`: exactly what the Integrations page
/// does. Not emitting, not reading events, not secret rotation, not keys (so
/// a token cannot mint a longer-lived credential), not reflection.
pub fn embeddable(path: &str) -> bool {
    let (service, method) = path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or((path, ""));
    match service {
        s if s == SUBSCRIPTIONS => matches!(
            method,
            "ListSubscriptions"
                | "GetSubscription"
                | "CreateSubscription"
                | "UpdateSubscription"
                | "DeleteSubscription"
                | "TestSubscription"
                | "ReactivateSubscription"
        ),
        s if s == DELIVERIES => matches!(
            method,
            "ListDeliveries" | "GetDelivery" | "RedeliverDelivery" | "ReplayDeliveries"
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embed_tokens_reach_only_the_pages_calls() {
        let sub = |m: &str| format!("/inboundflow.webhooks.v1.SubscriptionService/{m}");
        assert!(embeddable(&sub("ListSubscriptions")));
        assert!(embeddable(&sub("ReactivateSubscription")));
        assert!(embeddable(
            "/inboundflow.webhooks.v1.DeliveryService/RedeliverDelivery"
        ));
        assert!(!embeddable(&sub("RotateSigningSecret")));
        assert!(!embeddable(
            "/inboundflow.webhooks.v1.EventService/EmitEvent"
        ));
        assert!(!embeddable(
            "/inboundflow.webhooks.v1.ApiKeyService/CreateEmbedToken"
        ));
        assert!(!embeddable("/grpc.health.v1.Health/Check"));
    }

    #[test]
    fn emitters_emit_admins_manage_health_is_open() {
        let emit = "/inboundflow.webhooks.v1.EventService/EmitEvent";
        let batch = "/inboundflow.webhooks.v1.EventService/BatchEmitEvents";
        let get_event = "/inboundflow.webhooks.v1.EventService/GetEvent";
        let list = "/inboundflow.webhooks.v1.SubscriptionService/ListSubscriptions";
        assert_eq!(required(emit, true), Access::Key(Role::Emitter));
        assert_eq!(required(batch, true), Access::Key(Role::Emitter));
        assert_eq!(required(get_event, true), Access::Key(Role::Admin));
        assert_eq!(required(list, true), Access::Key(Role::Admin));
        let watch = "/inboundflow.webhooks.v1.DeliveryService/WatchDeliveries";
        let listen = "/inboundflow.webhooks.v1.SubscriptionService/Listen";
        assert_eq!(required(watch, true), Access::Key(Role::Admin));
        assert_eq!(required(listen, true), Access::Key(Role::Admin));
        assert_eq!(
            required("/grpc.health.v1.Health/Check", false),
            Access::Open
        );
        let reflect = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
        assert_eq!(required(reflect, true), Access::Open);
        assert_eq!(required(reflect, false), Access::Key(Role::Emitter));
        assert_eq!(required("/x.Y/Z", true), Access::Key(Role::Admin));
    }
}
