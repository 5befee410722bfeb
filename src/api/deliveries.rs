//! `DeliveryService`: the delivery log, redelivery and replay.

use std::sync::Arc;

use tonic::{Request, Response};

use super::auth::{Caller, Foreign, caller};
use super::convert::deliveries::{delivery_to_pb, status_filter};
use super::convert::{instant, opt_instant};
use super::error::{ApiError, ApiResult};
use super::paging;
use crate::delivery::Engine;
use crate::domain::ids::{DeliveryId, EventId, OrganizationId, SubscriptionId};
use crate::domain::time;
use crate::domain::validation::Violations;
use crate::pb;
use crate::pb::delivery_service_server::DeliveryService;
use crate::store::{DeliveryQuery, RedeliverOutcome, Store};

pub struct DeliveriesApi {
    store: Arc<dyn Store>,
    engine: Engine,
}

impl DeliveriesApi {
    pub fn new(store: Arc<dyn Store>, engine: Engine) -> Self {
        Self { store, engine }
    }
}

fn target(caller: &Caller, org: &str, id: &str) -> Result<(OrganizationId, DeliveryId), ApiError> {
    let mut v = Violations::new();
    let org = caller.organization(
        org,
        "organization_id",
        Foreign::NotFound("delivery"),
        &mut v,
    )?;
    let id = DeliveryId::parse(id, "delivery_id", &mut v);
    match (org, id) {
        (Some(org), Some(id)) => Ok((org, id)),
        _ => Err(ApiError::Invalid(v)),
    }
}

#[tonic::async_trait]
impl DeliveryService for DeliveriesApi {
    async fn list_deliveries(
        &self,
        request: Request<pb::ListDeliveriesRequest>,
    ) -> ApiResult<pb::ListDeliveriesResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let org = caller.organization(
            &req.organization_id,
            "organization_id",
            Foreign::Denied,
            &mut v,
        )?;
        let limit = paging::page_size(req.page_size, &mut v);
        let before = paging::decode(&req.page_token, &mut v).map(DeliveryId);
        let subscription_id = (!req.subscription_id.is_empty())
            .then(|| SubscriptionId::parse(&req.subscription_id, "subscription_id", &mut v))
            .flatten();
        let event_id = (!req.event_id.is_empty())
            .then(|| EventId::parse(&req.event_id, "event_id", &mut v))
            .flatten();
        let status = status_filter(req.status, "status", &mut v);
        let created_from = opt_instant(req.start_time.as_ref(), "start_time", &mut v);
        let created_before = opt_instant(req.end_time.as_ref(), "end_time", &mut v);
        let Some(org) = org.filter(|_| v.is_empty()) else {
            return Err(ApiError::Invalid(v).into());
        };
        let found = self
            .store
            .list_deliveries(DeliveryQuery {
                organization_id: org,
                subscription_id,
                event_id,
                status,
                created_from,
                created_before,
                before,
                limit: limit + 1,
            })
            .await
            .map_err(ApiError::from)?;
        let (page, next_page_token) = paging::paginate(found, limit, |d| d.id.0);
        Ok(Response::new(pb::ListDeliveriesResponse {
            deliveries: page
                .into_iter()
                .map(|d| delivery_to_pb(d, Vec::new()))
                .collect(),
            next_page_token,
        }))
    }

    async fn get_delivery(
        &self,
        request: Request<pb::GetDeliveryRequest>,
    ) -> ApiResult<pb::GetDeliveryResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let (org, id) = target(&caller, &req.organization_id, &req.delivery_id)?;
        let (delivery, attempts) = self
            .store
            .get_delivery(&org, id)
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("delivery"))?;
        Ok(Response::new(pb::GetDeliveryResponse {
            delivery: Some(delivery_to_pb(delivery, attempts)),
        }))
    }

    #[tracing::instrument(name = "RedeliverDelivery", skip_all)]
    async fn redeliver_delivery(
        &self,
        request: Request<pb::RedeliverDeliveryRequest>,
    ) -> ApiResult<pb::RedeliverDeliveryResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let (org, id) = target(&caller, &req.organization_id, &req.delivery_id)?;
        let delivery = match self
            .store
            .redeliver(&org, id, time::now())
            .await
            .map_err(ApiError::from)?
        {
            RedeliverOutcome::Scheduled(delivery) => delivery,
            RedeliverOutcome::NotFound => return Err(ApiError::NotFound("delivery").into()),
            RedeliverOutcome::InFlight => {
                return Err(ApiError::FailedPrecondition(
                    "the delivery is being attempted right now; try again when it settles".into(),
                )
                .into());
            }
            RedeliverOutcome::Test => {
                return Err(ApiError::FailedPrecondition(
                    "test deliveries are not redelivered; call TestSubscription again".into(),
                )
                .into());
            }
            RedeliverOutcome::SubscriptionDeleted => {
                return Err(ApiError::FailedPrecondition(
                    "the delivery's subscription was deleted".into(),
                )
                .into());
            }
        };
        self.engine.due([delivery.subscription_id]);
        Ok(Response::new(pb::RedeliverDeliveryResponse {
            delivery: Some(delivery_to_pb(delivery, Vec::new())),
        }))
    }

    #[tracing::instrument(name = "ReplayDeliveries", skip_all)]
    async fn replay_deliveries(
        &self,
        request: Request<pb::ReplayDeliveriesRequest>,
    ) -> ApiResult<pb::ReplayDeliveriesResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let org = caller.organization(
            &req.organization_id,
            "organization_id",
            Foreign::NotFound("subscription"),
            &mut v,
        )?;
        let id = SubscriptionId::parse(&req.subscription_id, "subscription_id", &mut v);
        let since = match &req.start_time {
            Some(ts) => instant(ts, "start_time", &mut v),
            None => {
                v.add("start_time", "is required");
                None
            }
        };
        let (Some(org), Some(id), Some(since)) = (org, id, since) else {
            return Err(ApiError::Invalid(v).into());
        };
        let counts = self
            .store
            .replay(&org, id, since, time::now())
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("subscription"))?;
        self.engine.due([id]);
        tracing::info!(target: "audit", action = "deliveries.replay", by_key_id = %caller.key_id, organization_id = %org, subscription_id = %id, created = counts.created, rescheduled = counts.rescheduled, "replay scheduled");
        Ok(Response::new(pb::ReplayDeliveriesResponse {
            created_count: u32::try_from(counts.created).unwrap_or(u32::MAX),
            rescheduled_count: u32::try_from(counts.rescheduled).unwrap_or(u32::MAX),
        }))
    }
}
