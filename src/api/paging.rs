//! Opaque page tokens (AIP-158). Ids are time-ordered, so "the next page" is
//! "ids below the last one seen"; the token wraps that id with a version tag
//! so its form can change without breaking clients holding old tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::domain::validation::Violations;

const DEFAULT_PAGE_SIZE: u32 = 50;
const MAX_PAGE_SIZE: u32 = 500;

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

pub fn encode(last: Uuid) -> String {
    URL_SAFE_NO_PAD.encode([&[1u8][..], last.as_bytes()].concat())
}

/// The id a page continues after, or `None` for the first page.
pub fn decode(token: &str, v: &mut Violations) -> Option<Uuid> {
    if token.is_empty() {
        return None;
    }
    let parsed = URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .filter(|bytes| bytes.len() == 17 && bytes[0] == 1)
        .and_then(|bytes| Uuid::from_slice(&bytes[1..]).ok());
    if parsed.is_none() {
        v.add("page_token", "is not a token returned by this API");
    }
    parsed
}

/// Cuts a result fetched with `limit + 1` rows down to one page, with the
/// token for the next page (empty when there is none).
pub fn paginate<T>(mut items: Vec<T>, limit: u32, id: impl Fn(&T) -> Uuid) -> (Vec<T>, String) {
    if items.len() <= limit as usize {
        return (items, String::new());
    }
    items.truncate(limit as usize);
    let token = items
        .last()
        .map(|last| encode(id(last)))
        .unwrap_or_default();
    (items, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_rejected() {
        let id = Uuid::now_v7();
        let mut v = Violations::new();
        assert_eq!(decode(&encode(id), &mut v), Some(id));
        assert!(v.is_empty());
        assert_eq!(decode("not-a-token", &mut v), None);
        assert!(!v.is_empty());
    }
}
