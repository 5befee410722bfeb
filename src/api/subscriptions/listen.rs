//! `Listen`: a session that receives a temporary subscription's deliveries
//! over its stream (see [`crate::delivery::listen_sessions`]).
//!
//! The session's life is the response stream's: the first request opens it
//! (the subscription is created, its secret returned); then the stream
//! carries each attempt to the client and the client's results back to the
//! waiting attempts. It ends when the client's stream ends or breaks, or
//! the service shuts down; the subscription is then deleted before the
//! stream closes (so shutdown waits for it). A stream dropped half-way (the
//! connection reset) deletes it in a task of its own.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::{Stream, stream};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};
use tracing::{info, warn};

use super::SubscriptionsApi;
use crate::api::auth::{Foreign, caller};
use crate::api::convert::listen::{delivery_to_pb, parse_result, parse_start};
use crate::api::convert::subscriptions::subscription_to_pb;
use crate::api::error::{ApiError, ApiResult};
use crate::delivery::listen_sessions::{Forward, LocalAnswer, Session};
use crate::domain::ids::{OrganizationId, SubscriptionId};
use crate::domain::limits::DeliveryLimits;
use crate::domain::signing::SignatureScheme;
use crate::domain::subscription::{Integration, SigningSecret, SubscriptionState};
use crate::domain::time;
use crate::domain::validation::Violations;
use crate::pb;
use crate::pb::listen_request::Payload as Inbound;
use crate::pb::listen_response::Payload as Outbound;
use crate::store::{NewSubscription, Store, StoreError};
use crate::telemetry::error_chain;

/// What `Listen` streams.
pub type Messages = Pin<Box<dyn Stream<Item = Result<pb::ListenResponse, Status>> + Send>>;

impl SubscriptionsApi {
    pub(super) async fn listen_session(
        &self,
        request: Request<Streaming<pb::ListenRequest>>,
    ) -> ApiResult<Messages> {
        let caller = caller(&request)?;
        let mut inbound = request.into_inner();
        let start = match inbound.message().await?.and_then(|m| m.payload) {
            Some(Inbound::Start(start)) => start,
            _ => {
                let mut v = Violations::new();
                v.add("start", "the first message must open the session");
                return Err(ApiError::Invalid(v).into());
            }
        };
        let mut v = Violations::new();
        let org = caller.organization(
            &start.organization_id,
            "start.organization_id",
            Foreign::Denied,
            &mut v,
        )?;
        let parsed = parse_start(&start, v);
        let (org, (event_types, description)) = match (org, parsed) {
            (Some(org), Ok(parsed)) => (org, parsed),
            (_, Err(v)) => return Err(ApiError::Invalid(v).into()),
            (None, Ok(_)) => return Err(ApiError::Invalid(Violations::new()).into()),
        };
        let id = SubscriptionId::new();
        // Registered before it is created, so that no purge of leftovers
        // takes it for one.
        let session = self.engine.open_session(id).ok_or_else(|| {
            ApiError::Store(StoreError::Corrupt(
                "this instance's name cannot be a listen URL's host".into(),
            ))
        })?;
        let secret = SigningSecret::generate();
        let created = self
            .store
            .create_subscription(NewSubscription {
                id,
                organization_id: org.clone(),
                url: session.url.clone(),
                integration: Integration::Custom,
                event_types,
                description,
                signing_secret: Some(secret.clone()),
                signature_scheme: SignatureScheme::InboundFlow,
                limits: DeliveryLimits::default(),
                state: SubscriptionState::Enabled,
                now: time::now(),
            })
            .await
            .map_err(ApiError::from)?;
        info!(
            target: "audit",
            action = "subscription.listen",
            by_key_id = %caller.key_id,
            organization_id = %org,
            subscription_id = %id,
            "listen session opened"
        );
        let started = pb::ListenResponse {
            payload: Some(Outbound::Started(pb::ListenStarted {
                subscription: Some(subscription_to_pb(created)),
                signing_secret: secret.expose().to_owned(),
            })),
        };
        let live = Live {
            session,
            inbound,
            pending: HashMap::new(),
            next_forward: 1,
            stopping: self.engine.stopping(),
            cleanup: Cleanup {
                store: self.store.clone(),
                org,
                id,
                done: false,
            },
        };
        let first = stream::once(async move { Ok(started) });
        let rest = stream::unfold(Some(live), |live| async move {
            let mut live = live?;
            match live.next().await {
                Step::Send(message) => Some((Ok(*message), Some(live))),
                Step::Fail(status) => {
                    live.end().await;
                    Some((Err(status), None))
                }
                Step::End => {
                    live.end().await;
                    None
                }
            }
        });
        Ok(Response::new(Box::pin(futures_util::StreamExt::chain(
            first, rest,
        ))))
    }
}

/// An open session.
struct Live {
    session: Session,
    inbound: Streaming<pb::ListenRequest>,
    /// Attempts forwarded and not answered yet, by forward id.
    pending: HashMap<u64, oneshot::Sender<LocalAnswer>>,
    next_forward: u64,
    stopping: CancellationToken,
    cleanup: Cleanup,
}

/// What the session does next.
enum Step {
    Send(Box<pb::ListenResponse>),
    Fail(Status),
    End,
}

impl Live {
    /// Waits for the next attempt to forward, taking in the client's
    /// results meanwhile.
    async fn next(&mut self) -> Step {
        loop {
            tokio::select! {
                biased;
                _ = self.stopping.cancelled() => return Step::End,
                message = self.inbound.message() => match message {
                    Ok(Some(message)) => {
                        if let Err(status) = self.take(message) {
                            return Step::Fail(status);
                        }
                    }
                    // The client ended its stream, or the connection broke.
                    Ok(None) | Err(_) => return Step::End,
                },
                forward = self.session.forwards.recv() => match forward {
                    Some(forward) => return Step::Send(Box::new(self.send(forward))),
                    None => return Step::End,
                },
            }
        }
    }

    fn send(&mut self, forward: Forward) -> pb::ListenResponse {
        // Attempts that timed out no longer wait for their answer.
        self.pending.retain(|_, waiting| !waiting.is_closed());
        let id = self.next_forward;
        self.next_forward += 1;
        let delivery = delivery_to_pb(id, &forward);
        self.pending.insert(id, forward.answer);
        pb::ListenResponse {
            payload: Some(Outbound::Delivery(delivery)),
        }
    }

    /// A client message after `start`: a result for a waiting attempt.
    fn take(&mut self, message: pb::ListenRequest) -> Result<(), Status> {
        let result = match message.payload {
            Some(Inbound::Result(result)) => result,
            Some(Inbound::Start(_)) | None => {
                let mut v = Violations::new();
                v.add(
                    "result",
                    "after the first message, every message is a result",
                );
                return Err(ApiError::Invalid(v).into());
            }
        };
        let (forward_id, answer) = parse_result(result).map_err(ApiError::Invalid)?;
        // An answer past its attempt's timeout has no one waiting: the
        // attempt was recorded as timed out.
        if let Some(waiting) = self.pending.remove(&forward_id)
            && waiting.send(answer).is_err()
        {
            tracing::debug!(
                forward_id,
                "a listen result arrived after its attempt ended"
            );
        }
        Ok(())
    }

    /// Closes the session, then deletes its subscription.
    async fn end(mut self) {
        drop(self.session);
        self.pending.clear();
        self.cleanup.run().await;
    }
}

/// Deletes a session's subscription once: in line when the session ends,
/// else (the stream was dropped) in a task of its own.
struct Cleanup {
    store: Arc<dyn Store>,
    org: OrganizationId,
    id: SubscriptionId,
    done: bool,
}

impl Cleanup {
    async fn run(&mut self) {
        self.done = true;
        delete(self.store.as_ref(), &self.org, self.id).await;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let (store, org, id) = (self.store.clone(), self.org.clone(), self.id);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { delete(store.as_ref(), &org, id).await });
        }
    }
}

/// Deletes a session's subscription; one that cannot be deleted now is
/// left to the purge of leftovers.
async fn delete(store: &dyn Store, org: &OrganizationId, id: SubscriptionId) {
    match store.delete_subscription(org, id, time::now()).await {
        Ok(_) => info!(
            target: "audit",
            action = "subscription.delete",
            organization_id = %org,
            subscription_id = %id,
            "listen session closed"
        ),
        Err(e) => warn!(
            subscription_id = %id,
            error = %error_chain(&e),
            "cannot delete a listen session's subscription; it will be purged later"
        ),
    }
}
