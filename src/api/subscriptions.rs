//! `SubscriptionService`: the dashboard's Integrations settings, and
//! `listen` sessions ([`listen`]).

mod listen;
mod rotation;

use std::sync::Arc;
use std::time::Duration;

use tonic::{Request, Response};

use super::auth::{Caller, Foreign, caller};
use super::convert::deliveries::error_kind_to_pb;
use super::convert::subscriptions::{parse_create, parse_update, subscription_to_pb};
use super::convert::{duration, event_type};
use super::error::{ApiError, ApiResult};
use super::paging;
use crate::delivery::Engine;
use crate::domain::ids::{OrganizationId, SubscriptionId};
use crate::domain::subscription::STANDARD_WEBHOOKS_SECRET;
use crate::domain::time;
use crate::domain::validation::Violations;
use crate::pb;
use crate::pb::subscription_service_server::SubscriptionService;
use crate::store::{Store, Subscription, SubscriptionPatch, SubscriptionQuery};

pub struct SubscriptionsApi {
    store: Arc<dyn Store>,
    engine: Engine,
    allow_private_targets: bool,
    /// How long a rotated-out secret keeps signing when a request does not say.
    default_grace: Duration,
}

impl SubscriptionsApi {
    pub fn new(
        store: Arc<dyn Store>,
        engine: Engine,
        allow_private_targets: bool,
        default_grace: Duration,
    ) -> Self {
        Self {
            store,
            engine,
            allow_private_targets,
            default_grace,
        }
    }

    async fn find(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
    ) -> Result<Subscription, ApiError> {
        self.store
            .get_subscription(org, id)
            .await?
            .ok_or(ApiError::NotFound("subscription"))
    }
}

/// The organization and subscription a request names, as its caller may see them.
fn target(
    caller: &Caller,
    org: &str,
    id: &str,
) -> Result<(OrganizationId, SubscriptionId), ApiError> {
    let mut v = Violations::new();
    let org = caller.organization_of(org, Foreign::NotFound("subscription"), &mut v)?;
    let id = SubscriptionId::parse(id, "subscription_id", &mut v);
    match (org, id) {
        (Some(org), Some(id)) => Ok((org, id)),
        _ => Err(ApiError::Invalid(v)),
    }
}

#[tonic::async_trait]
impl SubscriptionService for SubscriptionsApi {
    type ListenStream = listen::Messages;

    #[tracing::instrument(name = "Listen", skip_all)]
    async fn listen(
        &self,
        request: Request<tonic::Streaming<pb::ListenRequest>>,
    ) -> ApiResult<Self::ListenStream> {
        self.listen_session(request).await
    }

    #[tracing::instrument(name = "CreateSubscription", skip_all)]
    async fn create_subscription(
        &self,
        request: Request<pb::CreateSubscriptionRequest>,
    ) -> ApiResult<pb::CreateSubscriptionResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let org = caller.organization_of(&req.organization_id, Foreign::Denied, &mut v)?;
        let new = parse_create(req, org, self.allow_private_targets, time::now(), v)
            .map_err(ApiError::Invalid)?;
        let secret = new.signing_secret.as_ref().map(|s| s.expose().to_owned());
        let created = self
            .store
            .create_subscription(new)
            .await
            .map_err(ApiError::from)?;
        tracing::info!(
            target: "audit",
            action = "subscription.create",
            by_key_id = %caller.key_id,
            organization_id = %created.organization_id,
            subscription_id = %created.id,
            url = created.url.as_str(),
            signed = created.signing_secret.is_some(),
            "subscription created"
        );
        Ok(Response::new(pb::CreateSubscriptionResponse {
            subscription: Some(subscription_to_pb(created)),
            signing_secret: secret.unwrap_or_default(),
        }))
    }

    async fn get_subscription(
        &self,
        request: Request<pb::GetSubscriptionRequest>,
    ) -> ApiResult<pb::GetSubscriptionResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let (org, id) = target(&caller, &req.organization_id, &req.subscription_id)?;
        let found = self.find(&org, id).await?;
        Ok(Response::new(pb::GetSubscriptionResponse {
            subscription: Some(subscription_to_pb(found)),
        }))
    }

    async fn list_subscriptions(
        &self,
        request: Request<pb::ListSubscriptionsRequest>,
    ) -> ApiResult<pb::ListSubscriptionsResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let org = caller.organization_of(&req.organization_id, Foreign::Denied, &mut v)?;
        let limit = paging::page_size(req.page_size, &mut v);
        let query = paging::Query::of(&[
            org.as_ref().map_or("", OrganizationId::as_str),
            &req.status.to_string(),
        ]);
        let before = paging::decode(&req.page_token, query, &mut v).map(SubscriptionId);
        let enabled = match pb::SubscriptionStatus::try_from(req.status) {
            Ok(pb::SubscriptionStatus::Unspecified) => None,
            Ok(pb::SubscriptionStatus::Enabled) => Some(true),
            Ok(pb::SubscriptionStatus::Disabled) => Some(false),
            Err(_) => {
                v.add("status", format!("unknown status {}", req.status));
                None
            }
        };
        let Some(org) = org.filter(|_| v.is_empty()) else {
            return Err(ApiError::Invalid(v).into());
        };
        let found = self
            .store
            .list_subscriptions(SubscriptionQuery {
                organization_id: org,
                enabled,
                before,
                limit: limit + 1,
            })
            .await
            .map_err(ApiError::from)?;
        let (page, next_page_token) = paging::paginate(found, limit, query, |s| s.id.0);
        Ok(Response::new(pb::ListSubscriptionsResponse {
            subscriptions: page.into_iter().map(subscription_to_pb).collect(),
            next_page_token,
        }))
    }

    #[tracing::instrument(name = "UpdateSubscription", skip_all)]
    async fn update_subscription(
        &self,
        request: Request<pb::UpdateSubscriptionRequest>,
    ) -> ApiResult<pb::UpdateSubscriptionResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let org = caller.organization_of(
            &req.organization_id,
            Foreign::NotFound("subscription"),
            &mut v,
        )?;
        let (org, id, patch) =
            parse_update(req, org, self.allow_private_targets, v).map_err(ApiError::Invalid)?;
        self.check_secret_fits_scheme(&org, id, &patch).await?;
        let reactivated = patch.enabled == Some(true);
        let changed = audited_changes(&patch);
        let new_secret = patch
            .signing_secret
            .as_ref()
            .and_then(|s| s.as_ref().map(|s| s.expose().to_owned()));
        let updated = self
            .store
            .update_subscription(&org, id, patch, time::now())
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("subscription"))?;
        if reactivated {
            self.engine.due([id]);
        }
        if !changed.is_empty() {
            tracing::info!(
                target: "audit",
                action = "subscription.update",
                by_key_id = %caller.key_id,
                organization_id = %org,
                subscription_id = %id,
                changed = changed.join(","),
                url = updated.url.as_str(),
                signed = updated.signing_secret.is_some(),
                "subscription changed"
            );
        }
        Ok(Response::new(pb::UpdateSubscriptionResponse {
            subscription: Some(subscription_to_pb(updated)),
            signing_secret: new_secret.unwrap_or_default(),
        }))
    }

    #[tracing::instrument(name = "DeleteSubscription", skip_all)]
    async fn delete_subscription(
        &self,
        request: Request<pb::DeleteSubscriptionRequest>,
    ) -> ApiResult<pb::DeleteSubscriptionResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let (org, id) = target(&caller, &req.organization_id, &req.subscription_id)?;
        let cancelled = self
            .store
            .delete_subscription(&org, id, time::now())
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("subscription"))?;
        tracing::info!(
            target: "audit",
            action = "subscription.delete",
            by_key_id = %caller.key_id,
            organization_id = %org,
            subscription_id = %id,
            cancelled,
            "subscription deleted"
        );
        Ok(Response::new(pb::DeleteSubscriptionResponse {
            cancelled_deliveries: u32::try_from(cancelled).unwrap_or(u32::MAX),
        }))
    }

    #[tracing::instrument(name = "TestSubscription", skip_all)]
    async fn test_subscription(
        &self,
        request: Request<pb::TestSubscriptionRequest>,
    ) -> ApiResult<pb::TestSubscriptionResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let (org, id) = target(&caller, &req.organization_id, &req.subscription_id)?;
        let mut v = Violations::new();
        let requested = (req.event_type != 0)
            .then(|| event_type(req.event_type, "event_type", &mut v))
            .flatten();
        if !v.is_empty() {
            return Err(ApiError::Invalid(v).into());
        }
        let subscription = self.find(&org, id).await?;
        let Some(kind) = requested.or_else(|| subscription.event_types.as_slice().first().copied())
        else {
            return Err(
                ApiError::FailedPrecondition("subscription has no event types".into()).into(),
            );
        };
        let (delivery_id, report) = self
            .engine
            .test(&subscription, kind)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::TestSubscriptionResponse {
            success: report.succeeded(),
            status_code: report.status_code.map(u32::from).unwrap_or(0),
            latency: Some(duration(report.duration)),
            error: report.error.unwrap_or_default(),
            error_kind: error_kind_to_pb(report.error_kind) as i32,
            response_body_excerpt: report.response_excerpt,
            delivery_id: delivery_id.to_string(),
        }))
    }

    #[tracing::instrument(name = "ReactivateSubscription", skip_all)]
    async fn reactivate_subscription(
        &self,
        request: Request<pb::ReactivateSubscriptionRequest>,
    ) -> ApiResult<pb::ReactivateSubscriptionResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let (org, id) = target(&caller, &req.organization_id, &req.subscription_id)?;
        let patch = SubscriptionPatch {
            enabled: Some(true),
            ..SubscriptionPatch::default()
        };
        let updated = self
            .store
            .update_subscription(&org, id, patch, time::now())
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("subscription"))?;
        self.engine.due([id]);
        tracing::info!(
            target: "audit",
            action = "subscription.reactivate",
            by_key_id = %caller.key_id,
            organization_id = %org,
            subscription_id = %id,
            "subscription reactivated"
        );
        Ok(Response::new(pb::ReactivateSubscriptionResponse {
            subscription: Some(subscription_to_pb(updated)),
        }))
    }

    #[tracing::instrument(name = "RotateSigningSecret", skip_all)]
    async fn rotate_signing_secret(
        &self,
        request: Request<pb::RotateSigningSecretRequest>,
    ) -> ApiResult<pb::RotateSigningSecretResponse> {
        self.rotate(request).await
    }

    #[tracing::instrument(name = "CompleteSigningSecretRotation", skip_all)]
    async fn complete_signing_secret_rotation(
        &self,
        request: Request<pb::CompleteSigningSecretRotationRequest>,
    ) -> ApiResult<pb::CompleteSigningSecretRotationResponse> {
        self.complete_rotation(request).await
    }
}

impl SubscriptionsApi {
    /// Standard Webhooks headers need a `whsec_` secret: an update must not
    /// leave a subscription with a scheme its secret cannot sign.
    async fn check_secret_fits_scheme(
        &self,
        org: &OrganizationId,
        id: SubscriptionId,
        patch: &SubscriptionPatch,
    ) -> Result<(), ApiError> {
        if patch.signing_secret.is_none() && patch.signature_scheme.is_none() {
            return Ok(());
        }
        let current = self.find(org, id).await?;
        let scheme = patch.signature_scheme.unwrap_or(current.signature_scheme);
        let secret = match &patch.signing_secret {
            Some(secret) => secret.as_ref(),
            None => current.signing_secret.as_ref(),
        };
        if secret.is_none_or(|s| s.suits(scheme)) {
            return Ok(());
        }
        let mut v = Violations::new();
        if patch.signing_secret.is_some() {
            v.add("signing_secret", STANDARD_WEBHOOKS_SECRET);
        } else {
            v.add(
                "subscription.signature_scheme",
                format!(
                    "the current signing secret cannot sign Standard Webhooks headers: it {}; \
                     set a new one in the same update (or generate one)",
                    STANDARD_WEBHOOKS_SECRET.trim_start_matches("must be ")
                ),
            );
        }
        Err(ApiError::Invalid(v))
    }
}

/// The changes an audit line records: where deliveries go, how they are
/// signed, and whether they go at all.
fn audited_changes(patch: &SubscriptionPatch) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if patch.url.is_some() {
        changed.push("url");
    }
    if patch.signing_secret.is_some() {
        changed.push("signing_secret");
    }
    if patch.signature_scheme.is_some() {
        changed.push("signature_scheme");
    }
    if patch.enabled.is_some() {
        changed.push("status");
    }
    changed
}
