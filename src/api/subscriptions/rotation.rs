//! Rotating a subscription's signing secret with a grace period, and ending
//! that grace early (see [`crate::domain::signing`] for what deliveries carry
//! meanwhile).

use std::time::Duration;

use tonic::{Request, Response};

use super::{SubscriptionsApi, target};
use crate::api::auth::caller;
use crate::api::convert::subscriptions::{signing_secret, subscription_to_pb};
use crate::api::error::{ApiError, ApiResult};
use crate::domain::signing::MAX_GRACE;
use crate::domain::time;
use crate::domain::validation::Violations;
use crate::pb;
use crate::store::{Rotation, SubscriptionPatch};

/// The grace a request asks for: `None` when unset (the default applies).
fn grace(raw: Option<prost_types::Duration>, v: &mut Violations) -> Option<Duration> {
    let raw = raw?;
    let valid = raw.seconds >= 0 && (0..1_000_000_000).contains(&raw.nanos);
    let grace = valid.then(|| {
        Duration::from_secs(raw.seconds.unsigned_abs())
            + Duration::from_nanos(raw.nanos.unsigned_abs().into())
    });
    match grace {
        Some(grace) if grace <= MAX_GRACE => Some(grace),
        _ => {
            v.add("grace_period", "must be between 0 and 30 days");
            None
        }
    }
}

impl SubscriptionsApi {
    pub(super) async fn rotate(
        &self,
        request: Request<pb::RotateSigningSecretRequest>,
    ) -> ApiResult<pb::RotateSigningSecretResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let (org, id) = target(&caller, &req.organization_id, &req.subscription_id)?;
        let mut v = Violations::new();
        let grace = grace(req.grace_period, &mut v).unwrap_or(self.default_grace);
        let current = self.find(&org, id).await?;
        let generate = req.signing_secret.is_empty();
        let secret = signing_secret(
            &req.signing_secret,
            generate,
            current.signature_scheme,
            &mut v,
        );
        let Some(secret) = secret.filter(|_| v.is_empty()) else {
            return Err(ApiError::Invalid(v).into());
        };
        let new_secret = secret.expose().to_owned();
        let patch = SubscriptionPatch {
            rotation: Some(Rotation::Start { secret, grace }),
            ..SubscriptionPatch::default()
        };
        let rotated = self
            .store
            .update_subscription(&org, id, patch, time::now())
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("subscription"))?;
        tracing::info!(
            target: "audit",
            action = "subscription.rotate_secret",
            by_key_id = %caller.key_id,
            organization_id = %org,
            subscription_id = %id,
            grace = %humantime::format_duration(grace),
            generated = generate,
            "signing secret rotation started"
        );
        Ok(Response::new(pb::RotateSigningSecretResponse {
            subscription: Some(subscription_to_pb(rotated)),
            signing_secret: new_secret,
        }))
    }

    pub(super) async fn complete_rotation(
        &self,
        request: Request<pb::CompleteSigningSecretRotationRequest>,
    ) -> ApiResult<pb::CompleteSigningSecretRotationResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let (org, id) = target(&caller, &req.organization_id, &req.subscription_id)?;
        let patch = SubscriptionPatch {
            rotation: Some(Rotation::Complete),
            ..SubscriptionPatch::default()
        };
        let updated = self
            .store
            .update_subscription(&org, id, patch, time::now())
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("subscription"))?;
        tracing::info!(
            target: "audit",
            action = "subscription.complete_secret_rotation",
            by_key_id = %caller.key_id,
            organization_id = %org,
            subscription_id = %id,
            "signing secret rotation completed"
        );
        Ok(Response::new(pb::CompleteSigningSecretRotationResponse {
            subscription: Some(subscription_to_pb(updated)),
        }))
    }
}
