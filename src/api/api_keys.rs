//! `ApiKeyService`: create, list and revoke the keys callers authenticate with.
//! An organization's admins manage its emitter and admin keys; only operators
//! manage operator keys. Embed tokens are minted in
//! [`embed_tokens`](super::embed_tokens).

use std::sync::Arc;

use tonic::{Request, Response};

use super::auth::{Authenticator, Caller, Foreign, caller};
use super::convert::api_keys::{api_key_to_pb, role};
use super::error::{ApiError, ApiResult};
use super::paging;
use crate::domain::api_key::{Role, check_name};
use crate::domain::ids::{ApiKeyId, OrganizationId};
use crate::domain::time;
use crate::domain::validation::Violations;
use crate::pb;
use crate::pb::api_key_service_server::ApiKeyService;
use crate::store::{ApiKeyQuery, NewApiKey, Store};

pub struct ApiKeysApi {
    pub(super) store: Arc<dyn Store>,
    auth: Arc<Authenticator>,
}

impl ApiKeysApi {
    pub fn new(store: Arc<dyn Store>, auth: Arc<Authenticator>) -> Self {
        Self { store, auth }
    }
}

/// The organization whose keys a request manages: `None` means the operator
/// keys, which only an operator naming no organization reaches.
fn key_owner(
    caller: &Caller,
    requested: &str,
    foreign: Foreign,
    v: &mut Violations,
) -> Result<Option<OrganizationId>, ApiError> {
    if caller.role == Role::Operator && requested.is_empty() {
        return Ok(None);
    }
    caller.organization_of(requested, foreign, v)
}

#[tonic::async_trait]
impl ApiKeyService for ApiKeysApi {
    #[tracing::instrument(name = "CreateApiKey", skip_all)]
    async fn create_api_key(
        &self,
        request: Request<pb::CreateApiKeyRequest>,
    ) -> ApiResult<pb::CreateApiKeyResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let key = req.api_key.unwrap_or_default();
        let role = role(key.role, "api_key.role", &mut v);
        check_name(&key.name, "api_key.name", &mut v);
        let owner = key_owner(&caller, &req.organization_id, Foreign::Denied, &mut v)?;
        match (role, &owner) {
            (Some(Role::Operator), _) => caller.require(Role::Operator)?,
            (Some(_), None) if v.is_empty() => {
                v.add("organization_id", "is required for emitter and admin keys")
            }
            _ => {}
        }
        if role == Some(Role::Operator) && !req.organization_id.is_empty() {
            v.add("organization_id", "must be empty for an operator key");
        }
        let Some(role) = role.filter(|_| v.is_empty()) else {
            return Err(ApiError::Invalid(v).into());
        };
        let owner = if role == Role::Operator { None } else { owner };
        let (new, secret) = NewApiKey::generate(owner, role, key.name, time::now());
        let created = self
            .store
            .create_api_key(new)
            .await
            .map_err(ApiError::from)?;
        tracing::info!(
            target: "audit",
            action = "api_key.create",
            by_key_id = %caller.key_id,
            api_key_id = %created.id,
            organization_id = created.organization_id.as_ref().map(OrganizationId::as_str),
            role = %created.role,
            "API key created"
        );
        Ok(Response::new(pb::CreateApiKeyResponse {
            api_key: Some(api_key_to_pb(created)),
            key: secret.expose().to_owned(),
        }))
    }

    async fn list_api_keys(
        &self,
        request: Request<pb::ListApiKeysRequest>,
    ) -> ApiResult<pb::ListApiKeysResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let owner = key_owner(&caller, &req.organization_id, Foreign::Denied, &mut v)?;
        let limit = paging::page_size(req.page_size, &mut v);
        let query = paging::Query::of(&[
            owner.as_ref().map_or("", OrganizationId::as_str),
            if req.show_revoked { "all" } else { "valid" },
        ]);
        let before = paging::decode(&req.page_token, query, &mut v).map(ApiKeyId);
        if !v.is_empty() {
            return Err(ApiError::Invalid(v).into());
        }
        let found = self
            .store
            .list_api_keys(ApiKeyQuery {
                organization_id: owner,
                show_revoked: req.show_revoked,
                before,
                limit: limit + 1,
            })
            .await
            .map_err(ApiError::from)?;
        let (page, next_page_token) = paging::paginate(found, limit, query, |k| k.id.0);
        Ok(Response::new(pb::ListApiKeysResponse {
            api_keys: page.into_iter().map(api_key_to_pb).collect(),
            next_page_token,
        }))
    }

    #[tracing::instrument(name = "RevokeApiKey", skip_all)]
    async fn revoke_api_key(
        &self,
        request: Request<pb::RevokeApiKeyRequest>,
    ) -> ApiResult<pb::RevokeApiKeyResponse> {
        let caller = caller(&request)?;
        let req = request.into_inner();
        let mut v = Violations::new();
        let owner = key_owner(
            &caller,
            &req.organization_id,
            Foreign::NotFound("API key"),
            &mut v,
        )?;
        let id = ApiKeyId::parse(&req.api_key_id, "api_key_id", &mut v);
        let Some(id) = id.filter(|_| v.is_empty()) else {
            return Err(ApiError::Invalid(v).into());
        };
        // An operator naming no organization may revoke any key by its id.
        let revoked = self
            .store
            .revoke_api_key(owner.as_ref(), id, time::now())
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("API key"))?;
        self.auth.forget();
        tracing::info!(
            target: "audit",
            action = "api_key.revoke",
            by_key_id = %caller.key_id,
            api_key_id = %revoked.id,
            organization_id = revoked.organization_id.as_ref().map(OrganizationId::as_str),
            "API key revoked"
        );
        Ok(Response::new(pb::RevokeApiKeyResponse {
            api_key: Some(api_key_to_pb(revoked)),
        }))
    }

    #[tracing::instrument(name = "CreateEmbedToken", skip_all)]
    async fn create_embed_token(
        &self,
        request: Request<pb::CreateEmbedTokenRequest>,
    ) -> ApiResult<pb::CreateEmbedTokenResponse> {
        self.mint_embed_token(request).await
    }
}
