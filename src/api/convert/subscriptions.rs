//! Subscriptions: create and update requests → domain values, stored
//! subscriptions → `pb::Subscription`.

use chrono::{DateTime, Utc};

use super::deliveries::error_kind_to_pb;
use super::{event_type, event_type_to_pb, timestamp};
use crate::domain::event::EventType;
use crate::domain::ids::{OrganizationId, SubscriptionId};
use crate::domain::limits::DeliveryLimits;
use crate::domain::signing::SignatureScheme;
use crate::domain::subscription::{
    DisabledReason, EventTypes, Integration, SigningSecret, SubscriptionState, TargetUrl,
    check_description,
};
use crate::domain::validation::Violations;
use crate::pb;
use crate::store::{NewSubscription, Subscription, SubscriptionPatch};

fn integration(raw: i32, field: &str, v: &mut Violations) -> Option<Integration> {
    match pb::Integration::try_from(raw) {
        Ok(pb::Integration::Zapier) => Some(Integration::Zapier),
        Ok(pb::Integration::Make) => Some(Integration::Make),
        Ok(pb::Integration::N8n) => Some(Integration::N8n),
        Ok(pb::Integration::Custom) => Some(Integration::Custom),
        Ok(pb::Integration::Unspecified) => {
            v.add(field, "is required: ZAPIER, MAKE, N8N or CUSTOM");
            None
        }
        Err(_) => {
            v.add(field, format!("unknown integration {raw}"));
            None
        }
    }
}

fn integration_to_pb(i: Integration) -> pb::Integration {
    match i {
        Integration::Zapier => pb::Integration::Zapier,
        Integration::Make => pb::Integration::Make,
        Integration::N8n => pb::Integration::N8n,
        Integration::Custom => pb::Integration::Custom,
    }
}

pub(super) fn event_types(raw: &[i32], field: &str, v: &mut Violations) -> Option<EventTypes> {
    let mut parsed: Vec<EventType> = Vec::with_capacity(raw.len());
    let mut ok = true;
    for (i, t) in raw.iter().enumerate() {
        match event_type(*t, &format!("{field}[{i}]"), v) {
            Some(t) => parsed.push(t),
            None => ok = false,
        }
    }
    if ok {
        EventTypes::parse(parsed, field, v)
    } else {
        None
    }
}

/// `Some(enabled)` from a status, or a violation when it is not a real one.
fn enabled(raw: i32, field: &str, v: &mut Violations) -> Option<bool> {
    match pb::SubscriptionStatus::try_from(raw) {
        Ok(pb::SubscriptionStatus::Enabled) => Some(true),
        Ok(pb::SubscriptionStatus::Disabled) => Some(false),
        Ok(pb::SubscriptionStatus::Unspecified) => None,
        Err(_) => {
            v.add(field, format!("unknown status {raw}"));
            None
        }
    }
}

/// A scheme from the wire; `None` when unspecified.
fn signature_scheme(raw: i32, field: &str, v: &mut Violations) -> Option<SignatureScheme> {
    match pb::SignatureScheme::try_from(raw) {
        Ok(pb::SignatureScheme::Unspecified) => None,
        Ok(pb::SignatureScheme::Inboundflow) => Some(SignatureScheme::InboundFlow),
        Ok(pb::SignatureScheme::StandardWebhooks) => Some(SignatureScheme::StandardWebhooks),
        Ok(pb::SignatureScheme::Both) => Some(SignatureScheme::Both),
        Err(_) => {
            v.add(field, format!("unknown signature scheme {raw}"));
            None
        }
    }
}

fn signature_scheme_to_pb(scheme: SignatureScheme) -> pb::SignatureScheme {
    match scheme {
        SignatureScheme::InboundFlow => pb::SignatureScheme::Inboundflow,
        SignatureScheme::StandardWebhooks => pb::SignatureScheme::StandardWebhooks,
        SignatureScheme::Both => pb::SignatureScheme::Both,
    }
}

/// The secret a request asks for: none, the one given (fit for `scheme`),
/// or a generated one.
pub fn signing_secret(
    given: &str,
    generate: bool,
    scheme: SignatureScheme,
    v: &mut Violations,
) -> Option<SigningSecret> {
    match (given.is_empty(), generate) {
        (true, false) => None,
        (true, true) => Some(SigningSecret::generate()),
        (false, false) => SigningSecret::parse_for(given, scheme, "signing_secret", v),
        (false, true) => {
            v.add(
                "generate_signing_secret",
                "cannot be combined with signing_secret",
            );
            None
        }
    }
}

/// A create request as a new subscription, with the secret to return (if any).
/// `org` is already resolved from the request and its caller; `v` holds what
/// was found wrong so far.
pub fn parse_create(
    req: pb::CreateSubscriptionRequest,
    org: Option<OrganizationId>,
    allow_private: bool,
    now: DateTime<Utc>,
    mut v: Violations,
) -> Result<NewSubscription, Violations> {
    let Some(sub) = req.subscription else {
        v.add("subscription", "is required");
        return Err(v);
    };
    let url = TargetUrl::parse(&sub.url, allow_private, "subscription.url", &mut v);
    let integration = integration(sub.integration, "subscription.integration", &mut v);
    let types = event_types(&sub.event_types, "subscription.event_types", &mut v);
    check_description(&sub.description, "subscription.description", &mut v);
    let state = match enabled(sub.status, "subscription.status", &mut v) {
        Some(false) => SubscriptionState::Disabled(DisabledReason::Manual),
        _ => SubscriptionState::Enabled,
    };
    let scheme = signature_scheme(
        sub.signature_scheme,
        "subscription.signature_scheme",
        &mut v,
    )
    .unwrap_or_default();
    let secret = signing_secret(
        &req.signing_secret,
        req.generate_signing_secret,
        scheme,
        &mut v,
    );
    let limits = DeliveryLimits::parse(
        sub.max_in_flight,
        sub.max_deliveries_per_second,
        (
            "subscription.max_in_flight",
            "subscription.max_deliveries_per_second",
        ),
        &mut v,
    );
    let (Some(org), Some(url), Some(integration), Some(event_types)) =
        (org, url, integration, types)
    else {
        return Err(v);
    };
    v.finish(|| NewSubscription {
        id: SubscriptionId::new(),
        organization_id: org,
        url,
        integration,
        event_types,
        description: sub.description,
        signing_secret: secret,
        signature_scheme: scheme,
        limits,
        state,
        now,
    })
}

/// Fields an update may change.
const UPDATABLE: [&str; 9] = [
    "url",
    "integration",
    "event_types",
    "description",
    "status",
    "signing_secret",
    "signature_scheme",
    "max_in_flight",
    "max_deliveries_per_second",
];

/// How much of a path the client sent is repeated in a violation.
const MAX_ECHOED_PATH_CHARS: usize = 64;

/// The start of a client-supplied path, marked when cut: enough to recognise
/// it, without returning whatever size the client sent.
fn echo(path: &str) -> String {
    let mut chars = path.chars();
    let mut shown: String = chars.by_ref().take(MAX_ECHOED_PATH_CHARS).collect();
    if chars.next().is_some() {
        shown.push('…');
    }
    shown
}

/// An update request as (organization, subscription, patch).
pub fn parse_update(
    req: pb::UpdateSubscriptionRequest,
    org: Option<OrganizationId>,
    allow_private: bool,
    mut v: Violations,
) -> Result<(OrganizationId, SubscriptionId, SubscriptionPatch), Violations> {
    let Some(sub) = req.subscription else {
        v.add("subscription", "is required");
        return Err(v);
    };
    let id = SubscriptionId::parse(&sub.id, "subscription.id", &mut v);
    let paths = req.update_mask.map(|m| m.paths).unwrap_or_default();
    if paths.is_empty() {
        v.add(
            "update_mask",
            format!("must name at least one of {}", UPDATABLE.join(", ")),
        );
    }
    let mut patch = SubscriptionPatch::default();
    for path in &paths {
        let field = format!("subscription.{path}");
        match path.as_str() {
            "url" => patch.url = TargetUrl::parse(&sub.url, allow_private, &field, &mut v),
            "integration" => patch.integration = integration(sub.integration, &field, &mut v),
            "event_types" => patch.event_types = event_types(&sub.event_types, &field, &mut v),
            "description" => {
                check_description(&sub.description, &field, &mut v);
                patch.description = Some(sub.description.clone());
            }
            // Whether the secret fits the scheme depends on the stored
            // subscription too: checked once it is read.
            "signing_secret" => {
                patch.signing_secret = Some(signing_secret(
                    &req.signing_secret,
                    req.generate_signing_secret,
                    SignatureScheme::InboundFlow,
                    &mut v,
                ));
            }
            "signature_scheme" => {
                patch.signature_scheme = signature_scheme(sub.signature_scheme, &field, &mut v);
                if patch.signature_scheme.is_none() {
                    v.add(field, "must be INBOUNDFLOW, STANDARD_WEBHOOKS or BOTH");
                }
            }
            "max_in_flight" => {
                DeliveryLimits::check_max_in_flight(sub.max_in_flight, &field, &mut v);
                patch.max_in_flight = Some(sub.max_in_flight);
            }
            "max_deliveries_per_second" => {
                DeliveryLimits::check_max_per_second(sub.max_deliveries_per_second, &field, &mut v);
                patch.max_per_second = Some(sub.max_deliveries_per_second);
            }
            "status" => {
                patch.enabled = enabled(sub.status, &field, &mut v);
                if patch.enabled.is_none() {
                    v.add(field, "must be ENABLED or DISABLED");
                }
            }
            other => v.add(
                "update_mask",
                format!(
                    "unknown or read-only path '{}'; updatable: {}",
                    echo(other),
                    UPDATABLE.join(", ")
                ),
            ),
        }
    }
    let (Some(org), Some(id)) = (org, id) else {
        return Err(v);
    };
    v.finish(|| (org, id, patch))
}

pub fn subscription_to_pb(s: Subscription) -> pb::Subscription {
    let (status, reason) = match s.state {
        SubscriptionState::Enabled => (
            pb::SubscriptionStatus::Enabled,
            pb::DisabledReason::Unspecified,
        ),
        SubscriptionState::Disabled(DisabledReason::Manual) => {
            (pb::SubscriptionStatus::Disabled, pb::DisabledReason::Manual)
        }
        SubscriptionState::Disabled(DisabledReason::TooManyFailures) => (
            pb::SubscriptionStatus::Disabled,
            pb::DisabledReason::TooManyFailures,
        ),
        SubscriptionState::Disabled(DisabledReason::EndpointGone) => (
            pb::SubscriptionStatus::Disabled,
            pb::DisabledReason::EndpointGone,
        ),
    };
    pb::Subscription {
        id: s.id.to_string(),
        organization_id: s.organization_id.to_string(),
        url: s.url.as_str().to_owned(),
        integration: integration_to_pb(s.integration) as i32,
        event_types: s
            .event_types
            .as_slice()
            .iter()
            .map(|t| event_type_to_pb(*t) as i32)
            .collect(),
        description: s.description,
        has_signing_secret: s.signing_secret.is_some(),
        status: status as i32,
        disabled_reason: reason as i32,
        consecutive_failures: s.consecutive_failures,
        last_success_time: s.last_success_at.map(timestamp),
        last_failure_time: s.last_failure_at.map(timestamp),
        last_error: s.last_error.unwrap_or_default(),
        last_error_kind: error_kind_to_pb(s.last_error_kind) as i32,
        create_time: Some(timestamp(s.created_at)),
        update_time: Some(timestamp(s.updated_at)),
        signature_scheme: signature_scheme_to_pb(s.signature_scheme) as i32,
        secret_rotation_end_time: s.previous_secret.map(|p| timestamp(p.until)),
        max_in_flight: s.limits.to_stored().0,
        max_deliveries_per_second: s.limits.to_stored().1,
    }
}
