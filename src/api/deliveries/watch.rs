//! `WatchDeliveries`: a subscription's (or an organization's) attempts,
//! streamed as the engine stores them ([`crate::delivery::watch`]). The
//! stream ends when the service shuts down.

use std::pin::Pin;

use futures_util::{Stream, stream};
use tonic::{Request, Response, Status};

use super::DeliveriesApi;
use crate::api::auth::{Foreign, caller};
use crate::api::convert::listen::update_to_pb;
use crate::api::error::{ApiError, ApiResult};
use crate::delivery::watch::Topic;
use crate::domain::ids::SubscriptionId;
use crate::domain::validation::Violations;
use crate::pb;

/// What `WatchDeliveries` streams.
pub type Updates = Pin<Box<dyn Stream<Item = Result<pb::WatchDeliveriesResponse, Status>> + Send>>;

impl DeliveriesApi {
    pub(super) async fn watch(
        &self,
        request: Request<pb::WatchDeliveriesRequest>,
    ) -> ApiResult<Updates> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let whole_organization = req.subscription_id.is_empty();
        // Another organization's subscription does not exist for the caller;
        // another organization as a whole is refused, as for lists.
        let foreign = if whole_organization {
            Foreign::Denied
        } else {
            Foreign::NotFound("subscription")
        };
        let org = caller.organization_of(&req.organization_id, foreign, &mut v)?;
        let subscription = (!whole_organization)
            .then(|| SubscriptionId::parse(&req.subscription_id, "subscription_id", &mut v))
            .flatten();
        let Some(org) = org.filter(|_| v.is_empty()) else {
            return Err(ApiError::Invalid(v).into());
        };
        let topic = match subscription {
            Some(id) => {
                self.store
                    .get_subscription(&org, id)
                    .await
                    .map_err(ApiError::from)?
                    .ok_or(ApiError::NotFound("subscription"))?;
                Topic::Subscription(id)
            }
            None => Topic::Organization(org),
        };
        // Subscribed before the response goes out: a client that has the
        // stream sees every attempt stored from then on.
        let watch = self.engine.watch(topic);
        let stopping = self.engine.stopping();
        let updates = stream::unfold((watch, stopping), |(mut watch, stopping)| async move {
            let (update, missed_updates) = tokio::select! {
                biased;
                _ = stopping.cancelled() => None,
                next = watch.next() => next,
            }?;
            let message = pb::WatchDeliveriesResponse {
                update: Some(update_to_pb(&update)),
                missed_updates,
            };
            Some((Ok(message), (watch, stopping)))
        });
        Ok(Response::new(Box::pin(updates)))
    }
}
