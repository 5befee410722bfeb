//! `EventService`: emit events (one or a batch) and read them back.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::auth::{Foreign, caller};
use super::convert::events::{event_to_pb, parse_emit};
use super::error::{ApiError, ApiResult};
use crate::delivery::Engine;
use crate::domain::ids::EventId;
use crate::domain::time;
use crate::domain::validation::Violations;
use crate::pb;
use crate::pb::event_service_server::EventService;
use crate::store::group_commit::GroupCommitter;
use crate::store::{EmitResult, Store, StoreError};

/// Most events accepted in one `BatchEmitEvents` call.
const MAX_BATCH: usize = 1000;

pub struct EventsApi {
    store: Arc<dyn Store>,
    committer: GroupCommitter,
    engine: Engine,
}

impl EventsApi {
    pub fn new(store: Arc<dyn Store>, committer: GroupCommitter, engine: Engine) -> Self {
        Self {
            store,
            committer,
            engine,
        }
    }

    async fn emit(&self, events: Vec<crate::store::NewEvent>) -> Result<Vec<EmitResult>, ApiError> {
        let results = self.committer.emit(events).await?;
        self.engine.due(
            results
                .iter()
                .flat_map(|r| r.subscription_ids.iter().copied()),
        );
        Ok(results)
    }
}

fn emit_response(result: EmitResult) -> Result<pb::EmitEventResponse, ApiError> {
    Ok(pb::EmitEventResponse {
        delivery_ids: result
            .delivery_ids
            .iter()
            .map(ToString::to_string)
            .collect(),
        duplicate: result.duplicate,
        event: Some(event_to_pb(result.event)?),
    })
}

#[tonic::async_trait]
impl EventService for EventsApi {
    #[tracing::instrument(name = "EmitEvent", skip_all)]
    async fn emit_event(
        &self,
        request: Request<pb::EmitEventRequest>,
    ) -> ApiResult<pb::EmitEventResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let org = caller.organization(
            &req.organization_id,
            "organization_id",
            Foreign::Denied,
            &mut v,
        )?;
        let event = parse_emit(req, org, "", time::now(), &mut v);
        let event = match (event, v.is_empty()) {
            (Some(event), true) => event,
            _ => return Err(ApiError::Invalid(v).into()),
        };
        let results = match self.emit(vec![event]).await {
            Err(ApiError::Store(StoreError::IdempotencyConflict { .. }))
            | Err(ApiError::AlreadyExists { .. }) => {
                return Err(ApiError::AlreadyExists {
                    field: "idempotency_key".into(),
                    message: "idempotency_key was already used for a different event".into(),
                }
                .into());
            }
            other => other?,
        };
        let result = results
            .into_iter()
            .next()
            .ok_or_else(|| Status::internal("no result"))?;
        tracing::debug!(event_id = %result.event.id, deliveries = result.delivery_ids.len(), "event emitted");
        Ok(Response::new(emit_response(result)?))
    }

    #[tracing::instrument(name = "BatchEmitEvents", skip_all)]
    async fn batch_emit_events(
        &self,
        request: Request<pb::BatchEmitEventsRequest>,
    ) -> ApiResult<pb::BatchEmitEventsResponse> {
        let caller = caller(&request)?;
        let requests = request.into_inner().requests;
        let mut v = Violations::new();
        if requests.is_empty() {
            v.add("requests", "must hold at least one event");
        }
        if requests.len() > MAX_BATCH {
            v.add("requests", format!("must hold at most {MAX_BATCH} events"));
            return Err(ApiError::Invalid(v).into());
        }
        let now = time::now();
        let mut events = Vec::with_capacity(requests.len());
        for (i, req) in requests.into_iter().enumerate() {
            let prefix = format!("requests[{i}].");
            let field = format!("{prefix}organization_id");
            let org = caller.organization(&req.organization_id, &field, Foreign::Denied, &mut v)?;
            events.extend(parse_emit(req, org, &prefix, now, &mut v));
        }
        if !v.is_empty() {
            return Err(ApiError::Invalid(v).into());
        }
        let results = self.emit(events).await?;
        let results = results
            .into_iter()
            .map(emit_response)
            .collect::<Result<_, _>>()?;
        Ok(Response::new(pb::BatchEmitEventsResponse { results }))
    }

    async fn get_event(
        &self,
        request: Request<pb::GetEventRequest>,
    ) -> ApiResult<pb::GetEventResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let org = caller.organization(
            &req.organization_id,
            "organization_id",
            Foreign::NotFound("event"),
            &mut v,
        )?;
        let id = EventId::parse(&req.event_id, "event_id", &mut v);
        let (Some(org), Some(id)) = (org, id) else {
            return Err(ApiError::Invalid(v).into());
        };
        let event = self
            .store
            .get_event(&org, id)
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("event"))?;
        Ok(Response::new(pb::GetEventResponse {
            event: Some(event_to_pb(event).map_err(ApiError::from)?),
        }))
    }
}
