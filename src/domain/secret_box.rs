//! Sealing signing secrets for storage: XChaCha20-Poly1305 with a random
//! 24-byte nonce, keyed by a ring of named 256-bit keys.
//!
//! The stored form describes itself: `enc:v1:<key id>:<base64(nonce ‖ ciphertext)>`,
//! so a secret sealed with an older key still opens while the ring holds it
//! (the first key seals, every key opens). The subscription's id is the
//! associated data: a sealed secret copied into another subscription's row
//! does not open there. Anything without the `enc:` prefix is the plain text
//! that versions before sealing wrote, and is taken as it is.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::ids::SubscriptionId;
use super::subscription::SigningSecret;

const PREFIX: &str = "enc:";
const V1: &str = "enc:v1:";
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;
const MAX_KEY_ID_LEN: usize = 64;
/// Binds a ciphertext to its purpose as well as to its row.
const CONTEXT: &[u8] = b"inboundflow.subscription.signing_secret:";

/// A list of keys could not be read. Key material is never part of the message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyListError {
    #[error("no key given")]
    Empty,
    #[error("key {position} is not `key_id:base64`")]
    NotAPair { position: usize },
    #[error("key {position}: the key id must be 1 to 64 letters, digits, `_`, `-` or `.`")]
    BadId { position: usize },
    #[error("key {id:?} is not base64 of exactly 32 bytes")]
    BadKey { id: String },
    #[error("key id {id:?} is given twice")]
    Duplicate { id: String },
}

/// A stored secret could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error(
        "sealed with key id {key_id:?}, which is not among the configured keys \
         (INBOUNDFLOW_SECRET_KEYS or the key file)"
    )]
    UnknownKey { key_id: String },
    #[error("sealed with key id {key_id:?}, but it does not open with that key or in this row")]
    Rejected { key_id: String },
    #[error("sealed in an unknown or damaged form")]
    Malformed,
}

struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

/// The keys that seal and open signing secrets: the first seals, all open.
/// Cloning shares them; `Debug` shows only their ids.
#[derive(Clone)]
pub struct SecretKeys(Arc<[Key]>);

impl SecretKeys {
    /// Reads a comma-separated list of `key_id:base64(32 bytes)`.
    pub fn parse(list: &str) -> Result<Self, KeyListError> {
        let mut keys: Vec<Key> = Vec::new();
        for (index, entry) in list.split(',').map(str::trim).enumerate() {
            if entry.is_empty() {
                continue;
            }
            let position = index + 1;
            let (id, encoded) = entry
                .split_once(':')
                .ok_or(KeyListError::NotAPair { position })?;
            if !valid_key_id(id) {
                return Err(KeyListError::BadId { position });
            }
            if keys.iter().any(|k| k.id == id) {
                return Err(KeyListError::Duplicate { id: id.to_owned() });
            }
            let bad_key = || KeyListError::BadKey { id: id.to_owned() };
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|_| bad_key())?;
            if bytes.len() != KEY_LEN {
                return Err(bad_key());
            }
            let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| bad_key())?;
            keys.push(Key {
                id: id.to_owned(),
                cipher,
            });
        }
        if keys.is_empty() {
            return Err(KeyListError::Empty);
        }
        Ok(Self(keys.into()))
    }

    /// A fresh random key named `id`, and the same as text for
    /// [`SecretKeys::parse`] (`id:base64`), to be kept somewhere safe.
    pub fn generate(id: &str) -> Result<(Self, String), KeyListError> {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let text = format!(
            "{id}:{}",
            base64::engine::general_purpose::STANDARD.encode(key)
        );
        Ok((Self::parse(&text)?, text))
    }

    /// The id of the key that seals.
    pub fn sealing_key_id(&self) -> &str {
        &self.0[0].id
    }

    /// The stored form of `secret` for subscription `subscription`.
    pub fn seal(&self, secret: &SigningSecret, subscription: SubscriptionId) -> String {
        let key = &self.0[0];
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = associated_data(subscription);
        let payload = Payload {
            msg: secret.expose().as_bytes(),
            aad: &aad,
        };
        // Encryption into a Vec fails only past the cipher's length limit
        // (256 GiB), far beyond a 256-byte secret.
        let sealed = key
            .cipher
            .encrypt(&nonce, payload)
            .unwrap_or_else(|_| unreachable!("a signing secret is short"));
        let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        format!("{V1}{}:{}", key.id, STANDARD_NO_PAD.encode(bytes))
    }

    /// The secret in `stored` (as [`SecretKeys::seal`] made it for the same
    /// subscription, or the plain text of earlier versions).
    pub fn open(
        &self,
        stored: &str,
        subscription: SubscriptionId,
    ) -> Result<SigningSecret, OpenError> {
        let (key_id, encoded) = match Stored::parse(stored)? {
            Stored::Plain(text) => return Ok(SigningSecret::from_stored(text.to_owned())),
            Stored::Sealed { key_id, encoded } => (key_id, encoded),
        };
        let key = self
            .0
            .iter()
            .find(|k| k.id == key_id)
            .ok_or_else(|| OpenError::UnknownKey {
                key_id: key_id.to_owned(),
            })?;
        let bytes = STANDARD_NO_PAD
            .decode(encoded)
            .map_err(|_| OpenError::Malformed)?;
        if bytes.len() < NONCE_LEN {
            return Err(OpenError::Malformed);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let aad = associated_data(subscription);
        let rejected = || OpenError::Rejected {
            key_id: key_id.to_owned(),
        };
        let plain = key
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| rejected())?;
        let text = String::from_utf8(plain).map_err(|_| rejected())?;
        Ok(SigningSecret::from_stored(text))
    }
}

/// Whether `stored` is plain text written before secrets were sealed.
pub fn is_plaintext(stored: &str) -> bool {
    !stored.starts_with(PREFIX)
}

/// The two stored forms. A plain secret that happened to begin with `enc:`
/// cannot be told apart; earlier versions' generated secrets begin with `ifsec_`.
enum Stored<'a> {
    Plain(&'a str),
    Sealed { key_id: &'a str, encoded: &'a str },
}

impl<'a> Stored<'a> {
    fn parse(stored: &'a str) -> Result<Self, OpenError> {
        if is_plaintext(stored) {
            return Ok(Self::Plain(stored));
        }
        let (key_id, encoded) = stored
            .strip_prefix(V1)
            .and_then(|rest| rest.split_once(':'))
            .ok_or(OpenError::Malformed)?;
        Ok(Self::Sealed { key_id, encoded })
    }
}

fn valid_key_id(id: &str) -> bool {
    (1..=MAX_KEY_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn associated_data(subscription: SubscriptionId) -> Vec<u8> {
    let mut aad = CONTEXT.to_vec();
    aad.extend_from_slice(subscription.0.as_bytes());
    aad
}

impl fmt::Debug for SecretKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SecretKeys")
            .field(&self.0.iter().map(|k| k.id.as_str()).collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn key(id: &str, fill: u8) -> String {
        format!(
            "{id}:{}",
            base64::engine::general_purpose::STANDARD.encode([fill; 32])
        )
    }

    fn keys(list: &[&str]) -> SecretKeys {
        SecretKeys::parse(&list.join(",")).expect("valid keys")
    }

    fn secret() -> SigningSecret {
        SigningSecret::from_stored("a-signing-secret-of-some-length".into())
    }

    fn subscription() -> SubscriptionId {
        SubscriptionId(Uuid::now_v7())
    }

    #[test]
    fn a_sealed_secret_opens_for_its_subscription_and_hides_its_text() {
        let ring = keys(&[&key("k1", 1)]);
        let sub = subscription();
        let stored = ring.seal(&secret(), sub);
        assert!(stored.starts_with("enc:v1:k1:"), "{stored}");
        assert!(!stored.contains(secret().expose()));
        assert_eq!(ring.open(&stored, sub), Ok(secret()));
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let ring = keys(&[&key("k1", 1)]);
        let sub = subscription();
        assert_ne!(ring.seal(&secret(), sub), ring.seal(&secret(), sub));
    }

    #[test]
    fn a_sealed_secret_copied_to_another_subscription_does_not_open() {
        let ring = keys(&[&key("k1", 1)]);
        let stored = ring.seal(&secret(), subscription());
        assert_eq!(
            ring.open(&stored, subscription()),
            Err(OpenError::Rejected {
                key_id: "k1".into()
            })
        );
    }

    #[test]
    fn a_tampered_secret_does_not_open() {
        let ring = keys(&[&key("k1", 1)]);
        let sub = subscription();
        let stored = ring.seal(&secret(), sub);
        let last = stored.chars().last().expect("not empty");
        let flipped = if last == 'A' { 'B' } else { 'A' };
        let tampered = format!("{}{flipped}", &stored[..stored.len() - 1]);
        assert!(ring.open(&tampered, sub).is_err());
    }

    #[test]
    fn the_first_key_seals_and_every_key_opens() {
        let old = keys(&[&key("k1", 1)]);
        let rotated = keys(&[&key("k2", 2), &key("k1", 1)]);
        let sub = subscription();
        let sealed_by_old = old.seal(&secret(), sub);
        assert_eq!(rotated.open(&sealed_by_old, sub), Ok(secret()));
        assert_eq!(rotated.sealing_key_id(), "k2");
        assert!(rotated.seal(&secret(), sub).starts_with("enc:v1:k2:"));
    }

    #[test]
    fn a_secret_sealed_with_a_dropped_key_names_that_key() {
        let sub = subscription();
        let stored = keys(&[&key("k1", 1)]).seal(&secret(), sub);
        let error = keys(&[&key("k2", 2)])
            .open(&stored, sub)
            .expect_err("k1 is gone");
        assert_eq!(
            error,
            OpenError::UnknownKey {
                key_id: "k1".into()
            }
        );
        assert!(error.to_string().contains("\"k1\""));
    }

    #[test]
    fn the_same_key_id_with_other_key_bytes_is_rejected() {
        let sub = subscription();
        let stored = keys(&[&key("k1", 1)]).seal(&secret(), sub);
        assert!(matches!(
            keys(&[&key("k1", 9)]).open(&stored, sub),
            Err(OpenError::Rejected { .. })
        ));
    }

    #[test]
    fn plain_text_of_earlier_versions_is_taken_as_it_is() {
        let ring = keys(&[&key("k1", 1)]);
        assert!(is_plaintext("ifsec_abc"));
        assert_eq!(ring.open(secret().expose(), subscription()), Ok(secret()));
    }

    #[test]
    fn damaged_sealed_forms_are_errors_not_panics() {
        let ring = keys(&[&key("k1", 1)]);
        for stored in [
            "enc:",
            "enc:v2:k1:AAAA",
            "enc:v1:k1",
            "enc:v1:k1:!!",
            "enc:v1:k1:AAAA",
        ] {
            assert_eq!(
                ring.open(stored, subscription()),
                Err(OpenError::Malformed),
                "{stored}"
            );
        }
    }

    #[test]
    fn key_lists_are_checked_without_showing_key_material() {
        let k1 = key("k1", 1);
        assert_eq!(SecretKeys::parse("").err(), Some(KeyListError::Empty));
        assert_eq!(
            SecretKeys::parse("k1").err(),
            Some(KeyListError::NotAPair { position: 1 })
        );
        assert_eq!(
            SecretKeys::parse(&format!("{k1},bad id:AAAA")).err(),
            Some(KeyListError::BadId { position: 2 })
        );
        assert_eq!(
            SecretKeys::parse("k1:c2hvcnQ=").err(),
            Some(KeyListError::BadKey { id: "k1".into() })
        );
        assert_eq!(
            SecretKeys::parse(&format!("{k1},{k1}")).err(),
            Some(KeyListError::Duplicate { id: "k1".into() })
        );
        let ring = SecretKeys::parse(&format!(" {k1} , {} ", key("k0", 0))).expect("valid");
        assert_eq!(format!("{ring:?}"), r#"SecretKeys(["k1", "k0"])"#);
    }

    #[test]
    fn a_generated_key_reads_back_from_its_text() {
        let (ring, text) = SecretKeys::generate("local").expect("valid id");
        let sub = subscription();
        let stored = ring.seal(&secret(), sub);
        let again = SecretKeys::parse(&text).expect("its own text");
        assert_eq!(again.open(&stored, sub), Ok(secret()));
    }
}
