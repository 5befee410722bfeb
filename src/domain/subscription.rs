//! Subscriptions: where an organization's webhooks go and which events they
//! want. A target URL ([`super::target_url`]) and a signing secret are
//! validated newtypes, so nothing unchecked reaches the delivery engine.

use std::fmt;

use base64::Engine;
use rand::RngCore;

use super::event::EventType;
use super::signing::SignatureScheme;
use super::standard_webhooks;
pub use super::target_url::{MAX_URL_BYTES, TargetUrl, is_public_ip};
use super::validation::Violations;

/// The kind of receiver, as picked in the dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integration {
    Zapier,
    Make,
    N8n,
    Custom,
}

impl Integration {
    pub fn as_str(self) -> &'static str {
        match self {
            Integration::Zapier => "zapier",
            Integration::Make => "make",
            Integration::N8n => "n8n",
            Integration::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Zapier, Self::Make, Self::N8n, Self::Custom]
            .into_iter()
            .find(|i| i.as_str() == s)
    }
}

/// Whether a subscription receives deliveries, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionState {
    Enabled,
    Disabled(DisabledReason),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisabledReason {
    Manual,
    TooManyFailures,
    /// The receiver answered `410 Gone`.
    EndpointGone,
}

impl DisabledReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DisabledReason::Manual => "manual",
            DisabledReason::TooManyFailures => "too_many_failures",
            DisabledReason::EndpointGone => "endpoint_gone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Manual, Self::TooManyFailures, Self::EndpointGone]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// What a secret for Standard Webhooks headers must be.
pub const STANDARD_WEBHOOKS_SECRET: &str =
    "must be `whsec_` and base64 of 24 to 64 bytes for Standard Webhooks signatures";

/// A secret that signs deliveries. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(String);

impl SigningSecret {
    pub const MIN_LEN: usize = 16;
    pub const MAX_LEN: usize = 256;

    pub fn parse(raw: &str, field: &str, v: &mut Violations) -> Option<Self> {
        let printable = raw.bytes().all(|b| (0x20..0x7f).contains(&b));
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&raw.len()) || !printable {
            v.add(field, "must be 16 to 256 printable ASCII characters");
            return None;
        }
        Some(Self(raw.to_owned()))
    }

    /// Like [`Self::parse`], and when Standard Webhooks headers are sent, the
    /// secret must be one their libraries read: `whsec_` and base64 of 24 to
    /// 64 bytes.
    pub fn parse_for(
        raw: &str,
        scheme: SignatureScheme,
        field: &str,
        v: &mut Violations,
    ) -> Option<Self> {
        let secret = Self::parse(raw, field, v)?;
        if !secret.suits(scheme) {
            v.add(field, STANDARD_WEBHOOKS_SECRET);
            return None;
        }
        Some(secret)
    }

    /// Whether deliveries of `scheme` can be signed with this secret.
    pub fn suits(&self, scheme: SignatureScheme) -> bool {
        !scheme.standard_webhooks() || standard_webhooks::key(&self.0).is_some()
    }

    /// A fresh secret with 256 bits of randomness, in the `whsec_` form that
    /// both schemes sign with: the InboundFlow signature keys HMAC with the
    /// whole text, Standard Webhooks with the bytes it encodes.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!(
            "{}{}",
            standard_webhooks::SECRET_PREFIX,
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ))
    }

    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(***)")
    }
}

/// A validated, non-empty set of event types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventTypes(Vec<EventType>);

impl EventTypes {
    pub fn parse(types: Vec<EventType>, field: &str, v: &mut Violations) -> Option<Self> {
        if types.is_empty() {
            v.add(field, "must name at least one event type");
            return None;
        }
        let mut sorted = types.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != types.len() {
            v.add(field, "must not repeat an event type");
            return None;
        }
        Some(Self(types))
    }

    pub fn mask(&self) -> i64 {
        self.0.iter().fold(0, |m, t| m | t.bit())
    }

    pub fn from_mask(mask: i64) -> Self {
        Self(
            EventType::ALL
                .into_iter()
                .filter(|t| mask & t.bit() != 0)
                .collect(),
        )
    }

    pub fn as_slice(&self) -> &[EventType] {
        &self.0
    }
}

/// Longest accepted description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

pub fn check_description(description: &str, field: &str, v: &mut Violations) {
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        v.add(
            field,
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let secret = SigningSecret::generate();
        assert!(!format!("{secret:?}").contains(secret.expose()));
        assert!(secret.expose().len() > 40);
    }

    #[test]
    fn generated_secrets_carry_32_random_bytes_for_either_scheme() {
        let secret = SigningSecret::generate();
        assert_eq!(
            standard_webhooks::key(secret.expose()).map(|k| k.len()),
            Some(32)
        );
        assert!(secret.suits(SignatureScheme::Both));
        assert_ne!(secret, SigningSecret::generate());
    }

    #[test]
    fn standard_webhooks_needs_a_whsec_secret() {
        let mut v = Violations::new();
        let plain = "conformance-secret-0123456789";
        assert!(
            SigningSecret::parse_for(plain, SignatureScheme::InboundFlow, "s", &mut v).is_some()
        );
        assert!(v.is_empty());
        assert!(SigningSecret::parse_for(plain, SignatureScheme::Both, "s", &mut v).is_none());
        assert!(!v.is_empty());
        let whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let mut v = Violations::new();
        assert!(
            SigningSecret::parse_for(whsec, SignatureScheme::StandardWebhooks, "s", &mut v)
                .is_some()
        );
    }

    #[test]
    fn event_types_round_trip_through_the_mask() {
        let mut v = Violations::new();
        let types = EventTypes::parse(
            vec![EventType::LeadCreated, EventType::CallCompleted],
            "t",
            &mut v,
        );
        let types = types.expect("valid");
        assert_eq!(
            EventTypes::from_mask(types.mask()).as_slice(),
            &[EventType::CallCompleted, EventType::LeadCreated]
        );
        assert!(
            EventTypes::parse(
                vec![EventType::LeadCreated, EventType::LeadCreated],
                "t",
                &mut v
            )
            .is_none()
        );
    }
}
