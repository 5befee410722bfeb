//! Identifiers. Every id the service assigns is a UUIDv7: time-ordered, so new
//! rows append to the end of B-tree indexes and listing by id is listing by
//! creation time, while customers still see plain UUIDs.

use std::fmt;

use uuid::Uuid;

use super::validation::Violations;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses a client-supplied id, recording a violation on `field` when it is not a UUID.
            pub fn parse(raw: &str, field: &str, violations: &mut Violations) -> Option<Self> {
                if raw.is_empty() {
                    violations.add(field, "is required");
                    return None;
                }
                match Uuid::parse_str(raw) {
                    Ok(id) => Some(Self(id)),
                    Err(_) => {
                        violations.add(field, "must be a UUID");
                        None
                    }
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

uuid_id!(
    /// Identifies a stored event.
    EventId
);
uuid_id!(
    /// Identifies a subscription.
    SubscriptionId
);
uuid_id!(
    /// Identifies a delivery; this is the `delivery_id` receivers see.
    DeliveryId
);
uuid_id!(
    /// Identifies an API key (not the key itself).
    ApiKeyId
);

/// An organization's identifier as the rest of InboundFlow uses it: 1 to 64
/// ASCII letters, digits, `-` or `_` (UUIDs included). Everything is scoped by it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrganizationId(String);

impl OrganizationId {
    pub fn parse(raw: &str, field: &str, violations: &mut Violations) -> Option<Self> {
        if raw.is_empty() {
            violations.add(field, "is required");
            return None;
        }
        let valid = raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            violations.add(field, "must be 1 to 64 ASCII letters, digits, '-' or '_'");
            return None;
        }
        Some(Self(raw.to_owned()))
    }

    /// Wraps a value read back from the store, which only holds validated ids.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrganizationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
