//! `X-InboundFlow-Signature`: `sha256=` + lowercase hex HMAC-SHA256, keyed by
//! the secret's UTF-8 bytes, over `"{X-InboundFlow-Timestamp}.{body}"`. Exactly
//! one signature per header: the customer page compares with
//! `timingSafeEqual`, which throws when the lengths differ.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The header the customer page verifies.
pub const SIGNATURE_HEADER: &str = "X-InboundFlow-Signature";

/// The header value for one attempt.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(secret, timestamp, body)))
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Why a received webhook was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    #[error("malformed X-InboundFlow-Timestamp header: expected unix seconds")]
    MalformedTimestamp,
    #[error("malformed X-InboundFlow-Signature header: expected sha256=<64 hex digits>")]
    MalformedSignature,
    #[error("timestamp is {age_seconds}s away from now, beyond the {tolerance_seconds}s tolerance")]
    StaleTimestamp {
        age_seconds: i64,
        tolerance_seconds: i64,
    },
    #[error("signature does not match")]
    BadSignature,
}

/// The headers a receiver checks, as received (`None` when absent).
#[derive(Clone, Copy, Debug, Default)]
pub struct Received<'a> {
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
    /// `X-InboundFlow-Signature-Next`, sent during a secret rotation.
    pub signature_next: Option<&'a str>,
}

/// Checks a received webhook as a receiver should: the signature over the raw
/// body in constant time, and a timestamp within `tolerance_seconds` of `now`
/// (replay protection). Header values are passed as received (`None` when absent).
pub fn verify(
    body: &[u8],
    timestamp_header: Option<&str>,
    signature_header: Option<&str>,
    secret: &[u8],
    now_unix: i64,
    tolerance_seconds: i64,
) -> Result<(), VerifyError> {
    let received = Received {
        timestamp: timestamp_header,
        signature: signature_header,
        signature_next: None,
    };
    verify_any(body, received, &[secret], now_unix, tolerance_seconds)
}

/// [`verify`] across a secret rotation: passes when any of `secrets` matches
/// either signature header, so a receiver given the old and the new secret
/// verifies before, during and after the rotation. Every present header must
/// be well formed.
pub fn verify_any(
    body: &[u8],
    received: Received<'_>,
    secrets: &[&[u8]],
    now_unix: i64,
    tolerance_seconds: i64,
) -> Result<(), VerifyError> {
    let timestamp_header = received
        .timestamp
        .ok_or(VerifyError::MissingHeader("X-InboundFlow-Timestamp"))?;
    if received.signature.is_none() && received.signature_next.is_none() {
        return Err(VerifyError::MissingHeader(SIGNATURE_HEADER));
    }
    let timestamp: i64 = timestamp_header
        .trim()
        .parse()
        .map_err(|_| VerifyError::MalformedTimestamp)?;
    let signatures = [received.signature, received.signature_next]
        .into_iter()
        .flatten()
        .map(|header| {
            header
                .trim()
                .strip_prefix("sha256=")
                .filter(|hex| hex.len() == 64)
                .and_then(|hex| hex::decode(hex).ok())
                .ok_or(VerifyError::MalformedSignature)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let age = now_unix.saturating_sub(timestamp);
    if age.abs() > tolerance_seconds {
        return Err(VerifyError::StaleTimestamp {
            age_seconds: age,
            tolerance_seconds,
        });
    }
    // Every pair is compared, so the time taken says nothing about which matched.
    let mut matched = subtle::Choice::from(0);
    for secret in secrets {
        let expected = mac(secret, timestamp, body);
        for received in &signatures {
            matched |= expected.as_slice().ct_eq(received);
        }
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_timestamp_dot_body() {
        // Independent value: printf '1709064000.{"a":1}' | openssl dgst -sha256 -hmac secret
        let sig = sign(b"secret", 1_709_064_000, br#"{"a":1}"#);
        assert_eq!(
            sig,
            "sha256=e61cf6c9e59ecf6df09d8c5fd5aee215c1000eb17367d88d607db5ba1f67a1ec"
        );
        assert!(
            verify(
                br#"{"a":1}"#,
                Some("1709064000"),
                Some(&sig),
                b"secret",
                1_709_064_100,
                300
            )
            .is_ok()
        );
    }

    #[test]
    fn rejects_tampering_staleness_and_malformed_headers() {
        let sig = sign(b"secret", 100, b"body");
        assert_eq!(
            verify(b"bodx", Some("100"), Some(&sig), b"secret", 100, 300),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify(b"body", Some("100"), Some(&sig), b"other", 100, 300),
            Err(VerifyError::BadSignature)
        );
        assert!(matches!(
            verify(b"body", Some("100"), Some(&sig), b"secret", 1000, 300),
            Err(VerifyError::StaleTimestamp { .. })
        ));
        assert_eq!(
            verify(b"body", Some("x"), Some(&sig), b"secret", 100, 300),
            Err(VerifyError::MalformedTimestamp)
        );
        assert_eq!(
            verify(b"body", Some("100"), Some("sha256=zz"), b"secret", 100, 300),
            Err(VerifyError::MalformedSignature)
        );
        assert!(matches!(
            verify(b"body", None, Some(&sig), b"secret", 100, 300),
            Err(VerifyError::MissingHeader(_))
        ));
    }
}
