//! API keys: who may call the API, for which organization, to do what.
//!
//! A key is 256 random bits, shown to its holder once. The store keeps only
//! its SHA-256: with that much randomness a fast hash is enough (no password
//! stretching needed), and a leaked database holds nothing a caller could send.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::validation::Violations;

/// What a key may do. Each role includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Emits events for its organization.
    Emitter,
    /// Also manages its organization's subscriptions, delivery log and keys.
    Admin,
    /// Acts for any organization; belongs to none.
    Operator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Emitter => "emitter",
            Role::Admin => "admin",
            Role::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Role::Emitter, Role::Admin, Role::Operator]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// True when a key of this role may do what `needed` may.
    pub fn includes(self, needed: Role) -> bool {
        self >= needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How every key starts, so a leaked one is easy to recognise (secret scanners).
pub const KEY_PREFIX: &str = "ifk_";
/// Characters of a key kept in the clear, to tell keys apart in a list.
const SHOWN_CHARS: usize = 12;
/// Longest accepted key name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A key as its holder sends it. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeySecret(String);

impl ApiKeySecret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> KeyHash {
        KeyHash::of(&self.0)
    }

    /// The first characters, safe to show and log.
    pub fn prefix(&self) -> String {
        self.0.chars().take(SHOWN_CHARS).collect()
    }
}

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeySecret(***)")
    }
}

/// The SHA-256 of a key: what is stored and looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyHash(pub [u8; 32]);

impl KeyHash {
    /// The hash of whatever a caller presented, valid key or not.
    pub fn of(presented: &str) -> Self {
        Self(Sha256::digest(presented.as_bytes()).into())
    }
}

pub fn check_name(name: &str, field: &str, v: &mut Violations) {
    if name.chars().count() > MAX_NAME_CHARS {
        v.add(
            field,
            format!("must be at most {MAX_NAME_CHARS} characters"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_include_the_lesser_ones_only() {
        assert!(Role::Admin.includes(Role::Emitter));
        assert!(Role::Operator.includes(Role::Admin));
        assert!(!Role::Emitter.includes(Role::Admin));
        assert!(!Role::Admin.includes(Role::Operator));
        for role in [Role::Emitter, Role::Admin, Role::Operator] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }

    #[test]
    fn keys_are_random_hashed_and_never_shown_in_debug_output() {
        let a = ApiKeySecret::generate();
        let b = ApiKeySecret::generate();
        assert_ne!(a, b);
        assert!(a.expose().starts_with(KEY_PREFIX));
        assert!(a.expose().len() >= 40);
        assert_eq!(a.hash(), KeyHash::of(a.expose()));
        assert_ne!(a.hash(), b.hash());
        assert!(!format!("{a:?}").contains(a.expose()));
        assert!(a.expose().starts_with(&a.prefix()));
    }
}
