//! `DeliveryService`: the delivery log, redelivery and replay, and
//! attempts as they happen ([`watch`]).
//!
//! Delivery-log lists are rationed per organization ([`ListSlots`]): each is
//! a bounded index scan, but a dashboard firing many at once could still
//! hold every reader connection and make other organizations' reads wait.

mod watch;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
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
use crate::store::{DeliveryLog, DeliveryQuery, RedeliverOutcome, Store};

/// Delivery-log lists one organization may run at once: fewer than the
/// store's reader connections (4), so others always find one free.
const LISTS_PER_ORGANIZATION: usize = 2;

/// How long a list waits for its organization's turn before it is refused.
const LIST_WAIT: Duration = Duration::from_secs(2);

pub struct DeliveriesApi {
    store: Arc<dyn Store>,
    engine: Engine,
    lists: ListSlots,
}

impl DeliveriesApi {
    pub fn new(store: Arc<dyn Store>, engine: Engine) -> Self {
        Self {
            store,
            engine,
            lists: ListSlots::default(),
        }
    }
}

/// Per-organization slots for delivery-log lists. An organization has an
/// entry only while one of its lists runs or waits, so the map stays as
/// small as the traffic.
#[derive(Default)]
struct ListSlots {
    by_organization: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// A list's turn; gives it back (and forgets an idle organization) when dropped.
struct ListSlot<'a> {
    slots: &'a ListSlots,
    organization: String,
    semaphore: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
}

impl ListSlots {
    /// Waits up to [`LIST_WAIT`] for one of the organization's slots.
    async fn acquire(&self, org: &OrganizationId) -> Result<ListSlot<'_>, ApiError> {
        let semaphore = self
            .by_organization
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(org.as_str().to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(LISTS_PER_ORGANIZATION)))
            .clone();
        // The guard exists while waiting, so a list that gives up cleans up too.
        let mut slot = ListSlot {
            slots: self,
            organization: org.as_str().to_owned(),
            semaphore: semaphore.clone(),
            permit: None,
        };
        match tokio::time::timeout(LIST_WAIT, semaphore.acquire_owned()).await {
            Ok(Ok(permit)) => {
                slot.permit = Some(permit);
                Ok(slot)
            }
            _ => Err(ApiError::ListsBusy {
                retry_after: Duration::from_secs(1),
            }),
        }
    }
}

impl Drop for ListSlot<'_> {
    fn drop(&mut self) {
        self.permit.take();
        let mut map = self
            .slots
            .by_organization
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Held by the map and this slot only: nobody else runs or waits.
        let idle = map
            .get(&self.organization)
            .is_some_and(|s| Arc::ptr_eq(s, &self.semaphore))
            && Arc::strong_count(&self.semaphore) == 2;
        if idle {
            map.remove(&self.organization);
        }
    }
}

fn target(caller: &Caller, org: &str, id: &str) -> Result<(OrganizationId, DeliveryId), ApiError> {
    let mut v = Violations::new();
    let org = caller.organization_of(org, Foreign::NotFound("delivery"), &mut v)?;
    let id = DeliveryId::parse(id, "delivery_id", &mut v);
    match (org, id) {
        (Some(org), Some(id)) => Ok((org, id)),
        _ => Err(ApiError::Invalid(v)),
    }
}

#[tonic::async_trait]
impl DeliveryService for DeliveriesApi {
    type WatchDeliveriesStream = watch::Updates;

    #[tracing::instrument(name = "WatchDeliveries", skip_all)]
    async fn watch_deliveries(
        &self,
        request: Request<pb::WatchDeliveriesRequest>,
    ) -> ApiResult<Self::WatchDeliveriesStream> {
        self.watch(request).await
    }

    async fn list_deliveries(
        &self,
        request: Request<pb::ListDeliveriesRequest>,
    ) -> ApiResult<pb::ListDeliveriesResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let org = caller.organization_of(&req.organization_id, Foreign::Denied, &mut v)?;
        let limit = paging::page_size(req.page_size, &mut v);
        let query = paging::Query::of(&[
            org.as_ref().map_or("", OrganizationId::as_str),
            &req.subscription_id,
            &req.event_id,
            &req.status.to_string(),
            &format!("{:?}", req.start_time),
            &format!("{:?}", req.end_time),
        ]);
        let before = paging::decode(&req.page_token, query, &mut v).map(DeliveryId);
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
        let _slot = self.lists.acquire(&org).await?;
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
        let found = match found {
            DeliveryLog::Page(page) => page,
            DeliveryLog::NotFound(what) => return Err(ApiError::NotFound(what).into()),
        };
        let (page, next_page_token) = paging::paginate(found, limit, query, |d| d.id.0);
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
        let org = caller.organization_of(
            &req.organization_id,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_organization_gets_its_slots_then_waits_and_is_forgotten_when_idle() {
        let slots = ListSlots::default();
        let mut v = Violations::new();
        let busy = OrganizationId::parse("org_busy", "organization_id", &mut v).expect("org");
        let other = OrganizationId::parse("org_other", "organization_id", &mut v).expect("org");
        let first = slots.acquire(&busy).await.expect("first slot");
        let second = slots.acquire(&busy).await.expect("second slot");
        let elsewhere = slots
            .acquire(&other)
            .await
            .expect("another organization's own slots");
        let refused = slots.acquire(&busy).await;
        assert!(matches!(refused, Err(ApiError::ListsBusy { .. })));
        drop(first);
        let third = slots.acquire(&busy).await.expect("a freed slot");
        drop((second, third, elsewhere));
        assert!(slots.by_organization.lock().expect("map").is_empty());
    }
}
