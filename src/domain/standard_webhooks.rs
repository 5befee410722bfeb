//! Standard Webhooks signatures (standardwebhooks.com): `webhook-signature`
//! holds `v1,<base64 HMAC-SHA256>` over `"{webhook-id}.{webhook-timestamp}.{body}"`,
//! keyed by the secret's bytes, which a `whsec_` secret carries in base64.
//! Receivers verify with that project's libraries; the service only signs.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::signing::Signed;

/// The prefix the Standard Webhooks libraries strip before decoding a secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Shortest and longest key a secret may carry, in bytes, as the
/// specification recommends.
pub const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// The key bytes of a `whsec_` secret; `None` for any other secret.
pub fn key(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX)?;
    let trimmed = encoded.trim_end_matches('=');
    let bytes = STANDARD_NO_PAD.decode(trimmed).ok()?;
    KEY_BYTES.contains(&bytes.len()).then_some(bytes)
}

/// One `v1,<base64>` signature, or `None` when `secret` is not a `whsec_` one.
pub fn sign(secret: &str, signed: Signed<'_>) -> Option<String> {
    let key = key(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(signed.delivery_id.as_bytes());
    mac.update(b".");
    mac.update(signed.timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(signed.body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_specifications_example() {
        // The example of the Standard Webhooks reference libraries, checked
        // with the `standardwebhooks` package from PyPI.
        let signed = Signed {
            delivery_id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1_614_265_330,
            body: br#"{"test": 2432232314}"#,
        };
        assert_eq!(
            sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", signed).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn only_whsec_secrets_of_24_to_64_bytes_are_keys() {
        assert_eq!(
            key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").map(|k| k.len()),
            Some(24)
        );
        let padded = format!("whsec_{}", STANDARD.encode([7u8; 32]));
        assert!(padded.ends_with('='));
        assert_eq!(key(&padded).map(|k| k.len()), Some(32));
        assert_eq!(key("conformance-secret-0123456789"), None);
        assert_eq!(key("whsec_not base64!"), None);
        assert_eq!(key(&format!("whsec_{}", STANDARD.encode([7u8; 16]))), None);
        assert_eq!(key(&format!("whsec_{}", STANDARD.encode([7u8; 65]))), None);
    }
}
