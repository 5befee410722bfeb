//! API key records, as the store reads and writes them.

use chrono::{DateTime, Utc};

use crate::domain::api_key::{ApiKeySecret, KeyHash, Role};
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
