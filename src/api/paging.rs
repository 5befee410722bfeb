//! Opaque page tokens (AIP-158). Ids are time-ordered, so "the next page" is
//! "ids below the last one seen". A token also carries a fingerprint of the
//! query it continues (organization and filters): used with another query it
//! is refused, as AIP-158 asks, rather than silently paging something else.
//! A version tag lets the form change; version 1 tokens (no fingerprint) are
//! still read.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::validation::Violations;

const DEFAULT_PAGE_SIZE: u32 = 50;
const MAX_PAGE_SIZE: u32 = 500;
const FINGERPRINT_BYTES: usize = 8;

/// `page_size` as AIP-158 has it: 0 means the default, above the maximum is capped.
pub fn page_size(raw: i32, v: &mut Violations) -> u32 {
    match raw {
        0 => DEFAULT_PAGE_SIZE,
        n if n < 0 => {
            v.add("page_size", "must not be negative");
            DEFAULT_PAGE_SIZE
        }
        n => u32::try_from(n).unwrap_or(MAX_PAGE_SIZE).min(MAX_PAGE_SIZE),
    }
}

/// What a page token belongs to: the list's organization and every filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Query([u8; FINGERPRINT_BYTES]);

impl Query {
    /// The fingerprint of a query made of these parts (in a fixed order).
    pub fn of(parts: &[&str]) -> Self {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        let mut fingerprint = [0u8; FINGERPRINT_BYTES];
        fingerprint.copy_from_slice(&hash.finalize()[..FINGERPRINT_BYTES]);
        Self(fingerprint)
    }
}

pub fn encode(last: Uuid, query: Query) -> String {
    URL_SAFE_NO_PAD.encode([&[2u8][..], &query.0, last.as_bytes()].concat())
}

/// The id a page continues after, or `None` for the first page.
pub fn decode(token: &str, query: Query, v: &mut Violations) -> Option<Uuid> {
    if token.is_empty() {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).unwrap_or_default();
    let id = match bytes.as_slice() {
        [1, id @ ..] if id.len() == 16 => Uuid::from_slice(id).ok(),
        [2, rest @ ..] if rest.len() == FINGERPRINT_BYTES + 16 => {
            let (fingerprint, id) = rest.split_at(FINGERPRINT_BYTES);
            if fingerprint != query.0 {
                v.add(
                    "page_token",
                    "belongs to another query: list with the same organization and filters as the page it came from",
                );
                return None;
            }
            Uuid::from_slice(id).ok()
        }
        _ => None,
    };
    if id.is_none() {
        v.add("page_token", "is not a token returned by this API");
    }
    id
}

/// Cuts a result fetched with `limit + 1` rows down to one page, with the
/// token for the next page (empty when there is none).
pub fn paginate<T>(
    mut items: Vec<T>,
    limit: u32,
    query: Query,
    id: impl Fn(&T) -> Uuid,
) -> (Vec<T>, String) {
    if items.len() <= limit as usize {
        return (items, String::new());
    }
    items.truncate(limit as usize);
    let token = items
        .last()
        .map(|last| encode(id(last), query))
        .unwrap_or_default();
    (items, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_within_their_query_only() {
        let id = Uuid::now_v7();
        let mine = Query::of(&["org_a", "enabled"]);
        let mut v = Violations::new();
        assert_eq!(decode(&encode(id, mine), mine, &mut v), Some(id));
        assert!(v.is_empty());
        for other in [Query::of(&["org_b", "enabled"]), Query::of(&["org_a", ""])] {
            assert_eq!(decode(&encode(id, mine), other, &mut v), None);
        }
        assert_eq!(decode("not-a-token", mine, &mut v), None);
        assert_eq!(v.into_vec().len(), 3);
        // Parts are length-prefixed: moving a boundary changes the query.
        assert_ne!(Query::of(&["ab", "c"]), Query::of(&["a", "bc"]));
    }

    #[test]
    fn version_one_tokens_are_still_read() {
        let id = Uuid::now_v7();
        let old = URL_SAFE_NO_PAD.encode([&[1u8][..], id.as_bytes()].concat());
        let mut v = Violations::new();
        assert_eq!(decode(&old, Query::of(&["any"]), &mut v), Some(id));
        assert!(v.is_empty());
    }
}
