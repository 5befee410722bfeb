//! How a subscription's deliveries are signed: which headers (the
//! InboundFlow scheme of the customer page, Standard Webhooks, or both), with
//! which secret, and what a secret rotation does to them.
//!
//! A rotation keeps the customer page's verifier passing: that verifier
//! compares one `sha256=` value with the one secret it knows, so during the
//! grace period `X-InboundFlow-Signature` is still made with the old secret
//! and the new secret's signature travels in `X-InboundFlow-Signature-Next`.
//! Standard Webhooks carries several signatures in one header by design, so
//! there both are sent side by side. When the grace ends the new secret
//! takes over and the old one is no longer used.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::signature;
use super::standard_webhooks;
use super::subscription::SigningSecret;

/// The header that carries the new secret's signature during a rotation.
pub const SIGNATURE_NEXT_HEADER: &str = "X-InboundFlow-Signature-Next";
/// Longest grace period one rotation may ask for.
pub const MAX_GRACE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Which signature headers deliveries carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignatureScheme {
    /// `X-InboundFlow-Signature`, as the customer page verifies it.
    #[default]
    InboundFlow,
    /// `webhook-id`, `webhook-timestamp` and `webhook-signature`
    /// (standardwebhooks.com) instead of `X-InboundFlow-Signature`.
    StandardWebhooks,
    /// Both sets of headers.
    Both,
}

impl SignatureScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureScheme::InboundFlow => "inboundflow",
            SignatureScheme::StandardWebhooks => "standard_webhooks",
            SignatureScheme::Both => "both",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::InboundFlow, Self::StandardWebhooks, Self::Both]
            .into_iter()
            .find(|scheme| scheme.as_str() == s)
    }

    fn inboundflow(self) -> bool {
        matches!(self, SignatureScheme::InboundFlow | SignatureScheme::Both)
    }

    /// Whether Standard Webhooks headers are sent, so the secret must be a
    /// `whsec_` one.
    pub fn standard_webhooks(self) -> bool {
        matches!(
            self,
            SignatureScheme::StandardWebhooks | SignatureScheme::Both
        )
    }
}

/// The secret a rotation replaced, still signing until `until`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviousSecret {
    pub secret: SigningSecret,
    pub until: DateTime<Utc>,
}

/// Everything that decides a delivery's signature headers.
#[derive(Clone, Copy, Debug)]
pub struct Signing<'a> {
    pub scheme: SignatureScheme,
    /// `None`: deliveries are not signed.
    pub secret: Option<&'a SigningSecret>,
    pub previous: Option<&'a PreviousSecret>,
}

/// What is being signed: one attempt of one delivery.
#[derive(Clone, Copy, Debug)]
pub struct Signed<'a> {
    pub delivery_id: &'a str,
    /// The attempt's unix time, as sent in the timestamp headers.
    pub timestamp: i64,
    pub body: &'a [u8],
}

impl Signing<'_> {
    /// The signature headers of one attempt made at `now`, as (name, value).
    pub fn headers(&self, signed: Signed<'_>, now: DateTime<Utc>) -> Vec<(&'static str, String)> {
        let mut headers = Vec::new();
        let in_grace = self.previous.filter(|p| now < p.until).map(|p| &p.secret);
        if self.scheme.standard_webhooks() {
            headers.push(("webhook-id", signed.delivery_id.to_owned()));
            headers.push(("webhook-timestamp", signed.timestamp.to_string()));
        }
        let Some(secret) = self.secret else {
            return headers;
        };
        if self.scheme.inboundflow() {
            let sign = |s: &SigningSecret| {
                signature::sign(s.expose().as_bytes(), signed.timestamp, signed.body)
            };
            match in_grace {
                Some(old) => {
                    headers.push((signature::SIGNATURE_HEADER, sign(old)));
                    headers.push((SIGNATURE_NEXT_HEADER, sign(secret)));
                }
                None => headers.push((signature::SIGNATURE_HEADER, sign(secret))),
            }
        }
        if self.scheme.standard_webhooks() {
            // A secret that is not `whsec_` (one kept from before the scheme
            // was chosen) cannot sign here; the API refuses to pair them.
            let values: Vec<String> = [Some(secret), in_grace]
                .into_iter()
                .flatten()
                .filter_map(|s| standard_webhooks::sign(s.expose(), signed))
                .collect();
            if !values.is_empty() {
                headers.push(("webhook-signature", values.join(" ")));
            }
        }
        headers
    }
}

/// Why a secret cannot be rotated now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RotationRefusal {
    /// There is no secret to rotate away from.
    Unsigned,
    /// Another rotation's grace runs until then; rotating again with a grace
    /// would drop a secret receivers may still verify with.
    InProgress { until: DateTime<Utc> },
}

/// Whether a subscription may rotate its secret now, keeping the current
/// one for `grace` (zero: switch at once, always allowed, as for a leaked
/// secret).
pub fn may_rotate(
    signed: bool,
    previous_until: Option<DateTime<Utc>>,
    grace: Duration,
    now: DateTime<Utc>,
) -> Result<(), RotationRefusal> {
    if !signed {
        return Err(RotationRefusal::Unsigned);
    }
    match previous_until {
        Some(until) if until > now && !grace.is_zero() => {
            Err(RotationRefusal::InProgress { until })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SigningSecret {
        SigningSecret::from_stored(s.to_owned())
    }

    const NEW: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const OLD: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    fn signed() -> Signed<'static> {
        Signed {
            delivery_id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1_614_265_330,
            body: br#"{"test": 2432232314}"#,
        }
    }

    fn names(headers: &[(&'static str, String)]) -> Vec<&'static str> {
        headers.iter().map(|(name, _)| *name).collect()
    }

    #[test]
    fn each_scheme_sends_its_own_headers() {
        let new = secret(NEW);
        let now = Utc::now();
        let sign = |scheme| {
            let signing = Signing {
                scheme,
                secret: Some(&new),
                previous: None,
            };
            names(&signing.headers(signed(), now))
        };
        assert_eq!(
            sign(SignatureScheme::InboundFlow),
            ["X-InboundFlow-Signature"]
        );
        assert_eq!(
            sign(SignatureScheme::StandardWebhooks),
            ["webhook-id", "webhook-timestamp", "webhook-signature"]
        );
        assert_eq!(
            sign(SignatureScheme::Both),
            [
                "webhook-id",
                "webhook-timestamp",
                "X-InboundFlow-Signature",
                "webhook-signature"
            ]
        );
    }

    #[test]
    fn during_the_grace_the_old_secret_keeps_the_main_header_and_then_hands_over() {
        let (new, old) = (secret(NEW), secret(OLD));
        let now = Utc::now();
        let previous = PreviousSecret {
            secret: old.clone(),
            until: now + chrono::Duration::hours(1),
        };
        let signing = Signing {
            scheme: SignatureScheme::Both,
            secret: Some(&new),
            previous: Some(&previous),
        };
        let s = signed();
        let during = signing.headers(s, now);
        let value = |headers: &[(&str, String)], name: &str| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        let by =
            |key: &SigningSecret| signature::sign(key.expose().as_bytes(), s.timestamp, s.body);
        assert_eq!(value(&during, "X-InboundFlow-Signature"), Some(by(&old)));
        assert_eq!(value(&during, SIGNATURE_NEXT_HEADER), Some(by(&new)));
        let both = value(&during, "webhook-signature").expect("webhook-signature");
        assert_eq!(both.split(' ').count(), 2, "{both}");

        let after = signing.headers(s, previous.until);
        assert_eq!(value(&after, "X-InboundFlow-Signature"), Some(by(&new)));
        assert_eq!(value(&after, SIGNATURE_NEXT_HEADER), None);
        let one = value(&after, "webhook-signature").expect("webhook-signature");
        assert!(!one.contains(' '), "{one}");
    }

    #[test]
    fn unsigned_subscriptions_send_no_signature() {
        let signing = Signing {
            scheme: SignatureScheme::Both,
            secret: None,
            previous: None,
        };
        assert_eq!(
            names(&signing.headers(signed(), Utc::now())),
            ["webhook-id", "webhook-timestamp"]
        );
    }

    #[test]
    fn a_rotation_needs_a_secret_and_no_other_rotation_in_its_grace() {
        let now = Utc::now();
        let day = Duration::from_secs(86_400);
        let later = now + chrono::Duration::hours(1);
        assert_eq!(
            may_rotate(false, None, day, now),
            Err(RotationRefusal::Unsigned)
        );
        assert_eq!(may_rotate(true, None, day, now), Ok(()));
        assert_eq!(
            may_rotate(true, Some(later), day, now),
            Err(RotationRefusal::InProgress { until: later })
        );
        assert_eq!(
            may_rotate(true, Some(later), Duration::ZERO, now),
            Ok(()),
            "switching at once is always allowed"
        );
        assert_eq!(may_rotate(true, Some(now), day, now), Ok(()), "grace over");
    }
}
