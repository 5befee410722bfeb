//! Authentication and authorization at the edge.
//!
//! Every RPC but health checks carries `authorization: Bearer <key>`. The
//! [`layer`] checks it before any service sees the request: it finds the key
//! (through a short-lived cache, so the hot emit path costs a hash and a map
//! lookup), checks its role against what the method needs ([`access`]), and
//! hands the service a [`Caller`]. Services then scope every request to the
//! caller's organization with [`Caller::organization`]: a request naming
//! another organization's resource is answered as if it did not exist.
//!
//! An embed token (`ife_…`, minted by `CreateEmbedToken`) stands for the admin
//! key that minted it, narrowed to one organization, to the Integrations
//! page's calls ([`access::embeddable`]) and to its expiry, which is checked
//! on every call (the cache never extends a token's life).

pub mod access;
pub mod layer;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tonic::{Request, Status};

use super::error::ApiError;
use crate::domain::api_key::{KeyHash, Role};
use crate::domain::embed_token::is_embed_token;
use crate::domain::ids::{ApiKeyId, OrganizationId};
use crate::domain::validation::Violations;
use crate::store::Store;
use crate::telemetry::error_chain;

/// Who is calling: the key, its role, and its organization (none for operators).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub key_id: ApiKeyId,
    pub role: Role,
    pub organization: Option<OrganizationId>,
    /// Set when the caller holds an embed token rather than an API key.
    pub embed: Option<EmbedScope>,
}

/// What narrows an embed token's caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbedScope {
    pub token_id: uuid::Uuid,
    pub expires_at: DateTime<Utc>,
}

/// What a request naming a foreign organization is told.
#[derive(Clone, Copy, Debug)]
pub enum Foreign {
    /// A resource of another organization does not exist, as far as the caller can tell.
    NotFound(&'static str),
    /// Acting on another organization's collection (create, list, emit) is refused.
    Denied,
}

impl Caller {
    /// The organization a request acts for. An organization key acts for its
    /// own (an empty `organization_id` means it); an operator must name one.
    /// A malformed id is a violation on `field`; another organization's is
    /// refused as `foreign` says.
    pub fn organization(
        &self,
        requested: &str,
        field: &str,
        foreign: Foreign,
        v: &mut Violations,
    ) -> Result<Option<OrganizationId>, ApiError> {
        match (&self.organization, requested.is_empty()) {
            (Some(own), true) => Ok(Some(own.clone())),
            (Some(own), false) if own.as_str() == requested => Ok(Some(own.clone())),
            (Some(_), false) => {
                // Validate first: a malformed id is the caller's typo, not a probe.
                if OrganizationId::parse(requested, field, v).is_none() {
                    return Ok(None);
                }
                Err(match foreign {
                    Foreign::NotFound(what) => ApiError::NotFound(what),
                    Foreign::Denied => ApiError::PermissionDenied(
                        "this API key belongs to another organization".into(),
                    ),
                })
            }
            (None, _) => Ok(OrganizationId::parse(requested, field, v)),
        }
    }

    /// [`Caller::organization`] for a request's top-level `organization_id`.
    pub fn organization_of(
        &self,
        requested: &str,
        foreign: Foreign,
        v: &mut Violations,
    ) -> Result<Option<OrganizationId>, ApiError> {
        self.organization(requested, "organization_id", foreign, v)
    }

    /// Fails unless the caller's role includes `needed`.
    pub fn require(&self, needed: Role) -> Result<(), ApiError> {
        if self.role.includes(needed) {
            Ok(())
        } else {
            Err(ApiError::PermissionDenied(format!(
                "this needs an {needed} key; this key is {}",
                self.role
            )))
        }
    }
}

/// The caller the [`layer`] attached to a request.
pub fn caller<T>(request: &Request<T>) -> Result<Caller, Status> {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| Status::unauthenticated("missing API key"))
}

/// How long a key looked up in the store is trusted without looking again.
/// Revocations through this instance take effect at once (the cache is
/// cleared); through another instance or the CLI, within this time.
const CACHE_TTL: Duration = Duration::from_secs(10);
/// Entries kept at most; past this the cache starts over, so a flood of
/// made-up keys costs memory for a moment, never without bound.
const CACHE_MAX: usize = 10_000;

/// Finds the caller a presented key belongs to.
pub struct Authenticator {
    store: Arc<dyn Store>,
    cache: Mutex<HashMap<KeyHash, (Option<Caller>, Instant)>>,
}

/// Why a key was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing API key: send `authorization: Bearer <key>`")]
    Missing,
    #[error("invalid or revoked API key")]
    Invalid,
    #[error("the embed token has expired; ask the dashboard for a new one")]
    Expired,
    #[error("cannot check the API key right now; retry")]
    Unavailable,
}

impl Authenticator {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            cache: Mutex::default(),
        }
    }

    /// The caller holding `presented`, if it is a valid, unrevoked key.
    pub async fn authenticate(&self, presented: &str) -> Result<Caller, AuthError> {
        let hash = KeyHash::of(presented);
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&hash)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(caller, _)| caller.clone());
        let caller = match cached {
            Some(caller) => caller,
            None => {
                let caller = self.look_up(presented, &hash).await?;
                let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
                if cache.len() >= CACHE_MAX {
                    cache.clear();
                }
                cache.insert(hash, (caller.clone(), Instant::now()));
                caller
            }
        };
        let caller = caller.ok_or(AuthError::Invalid)?;
        if caller
            .embed
            .as_ref()
            .is_some_and(|scope| scope.expires_at <= crate::domain::time::now())
        {
            return Err(AuthError::Expired);
        }
        Ok(caller)
    }

    /// The caller a presented key or embed token stands for, from the store.
    async fn look_up(&self, presented: &str, hash: &KeyHash) -> Result<Option<Caller>, AuthError> {
        let unavailable = |e: crate::store::StoreError| {
            tracing::error!(error = %error_chain(&e), "looking up an API key failed");
            AuthError::Unavailable
        };
        if is_embed_token(presented) {
            let found = self
                .store
                .find_embed_token(hash)
                .await
                .map_err(unavailable)?;
            return Ok(found.map(|t| Caller {
                key_id: t.api_key_id,
                role: Role::Admin,
                organization: Some(t.organization_id),
                embed: Some(EmbedScope {
                    token_id: t.id,
                    expires_at: t.expires_at,
                }),
            }));
        }
        let found = self.store.find_api_key(hash).await.map_err(unavailable)?;
        Ok(found.filter(|k| k.revoked_at.is_none()).map(|k| Caller {
            key_id: k.id,
            role: k.role,
            organization: k.organization_id,
            embed: None,
        }))
    }

    /// Forgets every cached key, so a revocation takes effect at once.
    pub fn forget(&self) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
