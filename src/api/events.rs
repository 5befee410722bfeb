//! `EventService`: emit events (one or a batch) and read them back.

use std::sync::Arc;

use prost::Message;
use tonic::{Request, Response, Status};
use tracing::Instrument;

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

/// Most delivery ids one answer lists over all its events (each event lists
/// at most [`LISTED_DELIVERY_IDS`](crate::store::LISTED_DELIVERY_IDS)).
const LISTED_PER_ANSWER: usize = 10_000;

/// Largest `BatchEmitEvents` request accepted, encoded. With it, an answer
/// always fits the 4 MiB (4,194,304 bytes) a gRPC client decodes by default,
/// and that is known before anything is committed. An answer echoes each
/// stored event, which is never larger than its request entry plus what the
/// service adds (id, create and occurrence times, type: under 100 bytes with
/// the result's own framing and counts), and lists delivery ids of 38 bytes
/// each on the wire. So an answer is at most
/// 3 MiB + 1000 × 100 B + 10,000 × 38 B = 3,625,728 bytes. A single
/// `EmitEvent` needs no such check: its event's data is at most 64 KiB.
const MAX_BATCH_BYTES: usize = 3 * 1024 * 1024;

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
        // Before the commit: the engine may pick the deliveries up at once.
        self.engine.remember_traces(events.iter().map(|e| e.id));
        let types: Vec<&'static str> = events.iter().map(|e| e.event_type.as_str()).collect();
        let results = match self.committer.emit(events).await {
            Ok(results) => results,
            Err(e) => {
                for event_type in types {
                    count_emit(event_type, "refused");
                }
                return Err(e.into());
            }
        };
        for result in &results {
            let outcome = if result.duplicate {
                "duplicate"
            } else {
                "accepted"
            };
            count_emit(result.event.event_type.as_str(), outcome);
        }
        self.engine.due(
            results
                .iter()
                .flat_map(|r| r.subscription_ids.iter().copied()),
        );
        Ok(results)
    }
}

fn count_emit(event_type: &'static str, outcome: &'static str) {
    crate::metrics::get()
        .emits
        .get_or_create(&[("event_type", event_type), ("outcome", outcome)])
        .inc();
}

/// The answer for one event, listing at most `listable` delivery ids.
fn emit_response(result: EmitResult, listable: usize) -> Result<pb::EmitEventResponse, ApiError> {
    let listed = result.delivery_ids.len().min(listable);
    let delivery_count = u32::try_from(result.delivery_count).unwrap_or(u32::MAX);
    Ok(pb::EmitEventResponse {
        delivery_ids: result.delivery_ids[..listed]
            .iter()
            .map(ToString::to_string)
            .collect(),
        delivery_ids_truncated: (listed as u64) < result.delivery_count,
        delivery_count,
        duplicate: result.duplicate,
        event: Some(event_to_pb(result.event)?),
    })
}

/// Answers for a batch, listing delivery ids in order until the answer's
/// budget is spent.
fn batch_responses(results: Vec<EmitResult>) -> Result<Vec<pb::EmitEventResponse>, ApiError> {
    let mut budget = LISTED_PER_ANSWER;
    results
        .into_iter()
        .map(|result| {
            let response = emit_response(result, budget)?;
            budget -= response.delivery_ids.len();
            Ok(response)
        })
        .collect()
}

impl EventsApi {
    async fn emit_one(
        &self,
        request: Request<pb::EmitEventRequest>,
    ) -> ApiResult<pb::EmitEventResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let org = caller.organization_of(&req.organization_id, Foreign::Denied, &mut v)?;
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
        tracing::debug!(event_id = %result.event.id, deliveries = result.delivery_count, "event emitted");
        Ok(Response::new(emit_response(result, LISTED_PER_ANSWER)?))
    }

    async fn emit_batch(
        &self,
        request: Request<pb::BatchEmitEventsRequest>,
    ) -> ApiResult<pb::BatchEmitEventsResponse> {
        let caller = caller(&request)?;
        let size = request.get_ref().encoded_len();
        let requests = request.into_inner().requests;
        let mut v = Violations::new();
        if requests.is_empty() {
            v.add("requests", "must hold at least one event");
        }
        if requests.len() > MAX_BATCH {
            v.add("requests", format!("must hold at most {MAX_BATCH} events"));
            return Err(ApiError::Invalid(v).into());
        }
        if size > MAX_BATCH_BYTES {
            v.add(
                "requests",
                format!("must be at most {MAX_BATCH_BYTES} bytes in all (encoded); this is {size}"),
            );
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
        let results = batch_responses(self.emit(events).await?)?;
        Ok(Response::new(pb::BatchEmitEventsResponse { results }))
    }
}

#[tonic::async_trait]
impl EventService for EventsApi {
    // Spans made here, not by `#[instrument]`: a span takes the caller's
    // trace as its parent only before it is first entered.
    async fn emit_event(
        &self,
        request: Request<pb::EmitEventRequest>,
    ) -> ApiResult<pb::EmitEventResponse> {
        let span = tracing::info_span!("EmitEvent");
        crate::telemetry::traces::continue_callers_trace(&span, request.metadata());
        self.emit_one(request).instrument(span).await
    }

    async fn batch_emit_events(
        &self,
        request: Request<pb::BatchEmitEventsRequest>,
    ) -> ApiResult<pb::BatchEmitEventsResponse> {
        let span = tracing::info_span!("BatchEmitEvents");
        crate::telemetry::traces::continue_callers_trace(&span, request.metadata());
        self.emit_batch(request).instrument(span).await
    }

    async fn get_event(
        &self,
        request: Request<pb::GetEventRequest>,
    ) -> ApiResult<pb::GetEventResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let org =
            caller.organization_of(&req.organization_id, Foreign::NotFound("event"), &mut v)?;
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
