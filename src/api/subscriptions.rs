//! `SubscriptionService`: the dashboard's Integrations settings.

use std::sync::Arc;

use tonic::{Request, Response};

use super::convert::subscriptions::{parse_create, parse_update, subscription_to_pb};
use super::convert::{duration, event_type};
use super::error::{ApiError, ApiResult};
use super::paging;
use crate::delivery::Engine;
use crate::domain::ids::{OrganizationId, SubscriptionId};
use crate::domain::time;
use crate::domain::validation::Violations;
use crate::pb;
use crate::pb::subscription_service_server::SubscriptionService;
use crate::store::{Store, Subscription, SubscriptionPatch, SubscriptionQuery};

pub struct SubscriptionsApi {
    store: Arc<dyn Store>,
    engine: Engine,
    allow_private_targets: bool,
}

impl SubscriptionsApi {
    pub fn new(store: Arc<dyn Store>, engine: Engine, allow_private_targets: bool) -> Self {
        Self {
            store,
            engine,
            allow_private_targets,
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

/// The organization and subscription a request names.
fn target(org: &str, id: &str) -> Result<(OrganizationId, SubscriptionId), ApiError> {
    let mut v = Violations::new();
    let org = OrganizationId::parse(org, "organization_id", &mut v);
    let id = SubscriptionId::parse(id, "subscription_id", &mut v);
    match (org, id) {
        (Some(org), Some(id)) => Ok((org, id)),
        _ => Err(ApiError::Invalid(v)),
    }
}

#[tonic::async_trait]
impl SubscriptionService for SubscriptionsApi {
    #[tracing::instrument(name = "CreateSubscription", skip_all)]
    async fn create_subscription(
        &self,
        request: Request<pb::CreateSubscriptionRequest>,
    ) -> ApiResult<pb::CreateSubscriptionResponse> {
        let new = parse_create(
            request.into_inner(),
            self.allow_private_targets,
            time::now(),
        )
        .map_err(ApiError::Invalid)?;
        let secret = new.signing_secret.as_ref().map(|s| s.expose().to_owned());
        let created = self
            .store
            .create_subscription(new)
            .await
            .map_err(ApiError::from)?;
        tracing::info!(subscription_id = %created.id, "subscription created");
        Ok(Response::new(pb::CreateSubscriptionResponse {
            subscription: Some(subscription_to_pb(created)),
            signing_secret: secret.unwrap_or_default(),
        }))
    }

    async fn get_subscription(
        &self,
        request: Request<pb::GetSubscriptionRequest>,
    ) -> ApiResult<pb::GetSubscriptionResponse> {
        let req = request.into_inner();
        let (org, id) = target(&req.organization_id, &req.subscription_id)?;
        let found = self.find(&org, id).await?;
        Ok(Response::new(pb::GetSubscriptionResponse {
            subscription: Some(subscription_to_pb(found)),
        }))
    }

    async fn list_subscriptions(
        &self,
        request: Request<pb::ListSubscriptionsRequest>,
    ) -> ApiResult<pb::ListSubscriptionsResponse> {
        let req = request.into_inner();
        let mut v = Violations::new();
        let org = OrganizationId::parse(&req.organization_id, "organization_id", &mut v);
        let limit = paging::page_size(req.page_size, &mut v);
        let before = paging::decode(&req.page_token, &mut v).map(SubscriptionId);
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
        let (page, next_page_token) = paging::paginate(found, limit, |s| s.id.0);
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
        let (org, id, patch) = parse_update(request.into_inner(), self.allow_private_targets)
            .map_err(ApiError::Invalid)?;
        let reactivated = patch.enabled == Some(true);
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
        let req = request.into_inner();
        let (org, id) = target(&req.organization_id, &req.subscription_id)?;
        let cancelled = self
            .store
            .delete_subscription(&org, id, time::now())
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("subscription"))?;
        tracing::info!(subscription_id = %id, cancelled, "subscription deleted");
        Ok(Response::new(pb::DeleteSubscriptionResponse {
            cancelled_deliveries: u32::try_from(cancelled).unwrap_or(u32::MAX),
        }))
    }

    #[tracing::instrument(name = "TestSubscription", skip_all)]
    async fn test_subscription(
        &self,
        request: Request<pb::TestSubscriptionRequest>,
    ) -> ApiResult<pb::TestSubscriptionResponse> {
        let req = request.into_inner();
        let (org, id) = target(&req.organization_id, &req.subscription_id)?;
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
            response_body_excerpt: report.response_excerpt,
            delivery_id: delivery_id.to_string(),
        }))
    }

    #[tracing::instrument(name = "ReactivateSubscription", skip_all)]
    async fn reactivate_subscription(
        &self,
        request: Request<pb::ReactivateSubscriptionRequest>,
    ) -> ApiResult<pb::ReactivateSubscriptionResponse> {
        let req = request.into_inner();
        let (org, id) = target(&req.organization_id, &req.subscription_id)?;
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
        tracing::info!(subscription_id = %id, "subscription reactivated");
        Ok(Response::new(pb::ReactivateSubscriptionResponse {
            subscription: Some(subscription_to_pb(updated)),
        }))
    }
}
