//! API keys: roles from the wire, records to the wire.

use super::timestamp;
use crate::domain::api_key::Role;
use crate::domain::validation::Violations;
use crate::pb;
use crate::store::ApiKeyRecord;

pub fn role(raw: i32, field: &str, v: &mut Violations) -> Option<Role> {
    match pb::ApiKeyRole::try_from(raw) {
        Ok(pb::ApiKeyRole::Emitter) => Some(Role::Emitter),
        Ok(pb::ApiKeyRole::Admin) => Some(Role::Admin),
        Ok(pb::ApiKeyRole::Operator) => Some(Role::Operator),
        Ok(pb::ApiKeyRole::Unspecified) => {
            v.add(field, "is required");
            None
        }
        Err(_) => {
            v.add(field, format!("unknown role {raw}"));
            None
        }
    }
}

fn role_to_pb(role: Role) -> pb::ApiKeyRole {
    match role {
        Role::Emitter => pb::ApiKeyRole::Emitter,
        Role::Admin => pb::ApiKeyRole::Admin,
        Role::Operator => pb::ApiKeyRole::Operator,
    }
}

pub fn api_key_to_pb(key: ApiKeyRecord) -> pb::ApiKey {
    pb::ApiKey {
        id: key.id.to_string(),
        organization_id: key
            .organization_id
            .map(|o| o.as_str().to_owned())
            .unwrap_or_default(),
        role: role_to_pb(key.role) as i32,
        name: key.name,
        prefix: key.prefix,
        create_time: Some(timestamp(key.created_at)),
        revoke_time: key.revoked_at.map(timestamp),
    }
}
