//! Embed tokens: what a dashboard hands a browser so the Integrations page can
//! act for one organization without an API key ever reaching the browser.
//!
//! A token is 256 random bits behind the `ife_` prefix (so the edge can tell
//! it from an API key without a lookup and secret scanners recognise it),
//! stored as its SHA-256 like a key. It is short-lived: a leaked one is
//! useful for at most [`MAX_TTL`], and only for the page's calls.

use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use super::api_key::KeyHash;
use super::validation::Violations;

/// How every embed token starts.
pub const TOKEN_PREFIX: &str = "ife_";
/// A token's life when the request does not say.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);
/// The longest life a token may ask for: a page left open longer asks its
/// host for a fresh token.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

/// Whether a presented bearer value is an embed token rather than an API key.
pub fn is_embed_token(presented: &str) -> bool {
    presented.starts_with(TOKEN_PREFIX)
}

/// A token as the browser sends it. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct EmbedTokenSecret(String);

impl EmbedTokenSecret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> KeyHash {
        KeyHash::of(&self.0)
    }
}

impl fmt::Debug for EmbedTokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmbedTokenSecret(***)")
    }
}

/// The life a request asks for (`None`: the default), checked against
/// [`MAX_TTL`]; a violation on `field` otherwise.
pub fn ttl(requested: Option<Duration>, field: &str, v: &mut Violations) -> Option<Duration> {
    match requested {
        None => Some(DEFAULT_TTL),
        Some(d) if d.is_zero() => {
            v.add(field, "must be more than 0");
            None
        }
        Some(d) if d > MAX_TTL => {
            v.add(field, "must be at most 24 hours");
            None
        }
        Some(d) => Some(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hidden_in_debug_output() {
        let a = EmbedTokenSecret::generate();
        let b = EmbedTokenSecret::generate();
        assert_ne!(a, b);
        assert!(is_embed_token(a.expose()));
        assert!(!is_embed_token("ifk_something"));
        assert_eq!(a.hash(), KeyHash::of(a.expose()));
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn life_defaults_to_an_hour_and_is_capped_at_a_day() {
        let mut v = Violations::new();
        assert_eq!(ttl(None, "ttl", &mut v), Some(DEFAULT_TTL));
        assert_eq!(ttl(Some(MAX_TTL), "ttl", &mut v), Some(MAX_TTL));
        assert!(v.is_empty());
        assert_eq!(
            ttl(Some(MAX_TTL + Duration::from_secs(1)), "ttl", &mut v),
            None
        );
        assert_eq!(ttl(Some(Duration::ZERO), "ttl", &mut v), None);
        assert_eq!(v.into_vec().len(), 2);
    }
}
