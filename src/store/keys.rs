//! API key and embed token records, as the store reads and writes them.

use chrono::{DateTime, Utc};

use crate::domain::api_key::{ApiKeySecret, KeyHash, Role};
use crate::domain::embed_token::EmbedTokenSecret;
use crate::domain::ids::{ApiKeyId, OrganizationId};

/// An API key as stored: never the key itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    /// `None` exactly for operator keys.
    pub organization_id: Option<OrganizationId>,
    pub role: Role,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key to store, with the hash of the key its holder is given.
#[derive(Clone, Debug)]
pub struct NewApiKey {
    pub record: ApiKeyRecord,
    pub hash: KeyHash,
}

impl NewApiKey {
    /// A fresh key for `organization_id` (`None` for an operator key), and
    /// the key to hand to its holder, which is not kept.
    pub fn generate(
        organization_id: Option<OrganizationId>,
        role: Role,
        name: String,
        now: DateTime<Utc>,
    ) -> (Self, ApiKeySecret) {
        let secret = ApiKeySecret::generate();
        let new = Self {
            record: ApiKeyRecord {
                id: ApiKeyId::new(),
                organization_id,
                role,
                name,
                prefix: secret.prefix(),
                created_at: now,
                revoked_at: None,
            },
            hash: secret.hash(),
        };
        (new, secret)
    }
}

/// One page of keys, newest first: an organization's, or with
/// `organization_id: None` the operator keys.
#[derive(Clone, Debug)]
pub struct ApiKeyQuery {
    pub organization_id: Option<OrganizationId>,
    pub show_revoked: bool,
    /// Only ids older than this one (keyset paging).
    pub before: Option<ApiKeyId>,
    pub limit: u32,
}

/// An embed token as stored: never the token itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbedTokenRecord {
    pub id: uuid::Uuid,
    pub organization_id: OrganizationId,
    /// The key that minted it: the page's changes are audited as this key's,
    /// and revoking the key ends the token.
    pub api_key_id: ApiKeyId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A token to store, with the hash of the token its holder is given.
#[derive(Clone, Debug)]
pub struct NewEmbedToken {
    pub record: EmbedTokenRecord,
    pub hash: KeyHash,
}

impl NewEmbedToken {
    /// A fresh token for `organization_id`, minted by `api_key_id`, valid
    /// from `now` for `ttl`; and the token to hand over, which is not kept.
    pub fn generate(
        organization_id: OrganizationId,
        api_key_id: ApiKeyId,
        now: DateTime<Utc>,
        ttl: std::time::Duration,
    ) -> (Self, EmbedTokenSecret) {
        let secret = EmbedTokenSecret::generate();
        let life = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        let new = Self {
            record: EmbedTokenRecord {
                id: uuid::Uuid::now_v7(),
                organization_id,
                api_key_id,
                created_at: now,
                expires_at: now.checked_add_signed(life).unwrap_or(now),
            },
            hash: secret.hash(),
        };
        (new, secret)
    }
}
