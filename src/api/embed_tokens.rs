//! `ApiKeyService.CreateEmbedToken`: mints the short-lived, page-only token a
//! dashboard hands to the browser that shows the Integrations page.

use std::time::Duration;

use tonic::{Request, Response};

use super::ApiKeysApi;
use super::auth::{Foreign, caller};
use super::convert::timestamp;
use super::error::{ApiError, ApiResult};
use crate::domain::embed_token;
use crate::domain::time;
use crate::domain::validation::Violations;
use crate::pb;
use crate::store::NewEmbedToken;

/// The life a request asks for, `None` when unset; a negative or malformed
/// duration is a violation on `ttl`.
fn requested_ttl(raw: Option<prost_types::Duration>, v: &mut Violations) -> Option<Duration> {
    let raw = raw?;
    if raw.seconds < 0 || !(0..1_000_000_000).contains(&raw.nanos) {
        v.add("ttl", "must be more than 0");
        return Some(Duration::ZERO);
    }
    Some(
        Duration::from_secs(raw.seconds.unsigned_abs())
            + Duration::from_nanos(raw.nanos.unsigned_abs().into()),
    )
}

impl ApiKeysApi {
    pub(super) async fn mint_embed_token(
        &self,
        request: Request<pb::CreateEmbedTokenRequest>,
    ) -> ApiResult<pb::CreateEmbedTokenResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let org = caller.organization_of(&req.organization_id, Foreign::Denied, &mut v)?;
        let requested = requested_ttl(req.ttl, &mut v);
        let ttl = if v.is_empty() {
            embed_token::ttl(requested, "ttl", &mut v)
        } else {
            None
        };
        let (Some(org), Some(ttl)) = (org, ttl) else {
            return Err(ApiError::Invalid(v).into());
        };
        let (new, token) = NewEmbedToken::generate(org, caller.key_id, time::now(), ttl);
        let created = self
            .store
            .create_embed_token(new)
            .await
            .map_err(ApiError::from)?;
        tracing::info!(
            target: "audit",
            action = "embed_token.create",
            by_key_id = %caller.key_id,
            embed_token_id = %created.id,
            organization_id = %created.organization_id,
            expires_at = %created.expires_at,
            "embed token created"
        );
        Ok(Response::new(pb::CreateEmbedTokenResponse {
            token: token.expose().to_owned(),
            expire_time: Some(timestamp(created.expires_at)),
        }))
    }
}
