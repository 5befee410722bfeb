//! Subscriptions: where an organization's webhooks go and which events they
//! want. A target URL and a signing secret are validated newtypes, so nothing
//! unchecked reaches the delivery engine.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use base64::Engine;
use rand::RngCore;

use super::event::EventType;
use super::signing::SignatureScheme;
use super::standard_webhooks;
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

/// Where deliveries are POSTed: an absolute `https` URL to a public host, or,
/// when the operator allows private targets, also `http` and private hosts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetUrl(url::Url);

/// Longest accepted target URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

impl TargetUrl {
    pub fn parse(raw: &str, allow_private: bool, field: &str, v: &mut Violations) -> Option<Self> {
        if raw.is_empty() {
            v.add(field, "is required");
            return None;
        }
        if raw.len() > MAX_URL_BYTES {
            v.add(field, format!("must be at most {MAX_URL_BYTES} bytes"));
            return None;
        }
        let url = match url::Url::parse(raw) {
            Ok(url) => url,
            Err(e) => {
                v.add(field, format!("must be an absolute URL ({e})"));
                return None;
            }
        };
        match (url.scheme(), allow_private) {
            ("https", _) | ("http", true) => {}
            _ => {
                v.add(field, "must use https");
                return None;
            }
        }
        // Kept in the URL they would be stored, shown on every read and sent
        // as credentials: secrets belong in the signing secret.
        if !url.username().is_empty() || url.password().is_some() {
            v.add(field, "must not contain a user name or password");
            return None;
        }
        if url.fragment().is_some() {
            v.add(field, "must not have a #fragment");
            return None;
        }
        let Some(host) = url.host() else {
            v.add(field, "must name a host");
            return None;
        };
        if !allow_private {
            let private = match host {
                url::Host::Ipv4(ip) => !is_public_ip(IpAddr::V4(ip)),
                url::Host::Ipv6(ip) => !is_public_ip(IpAddr::V6(ip)),
                url::Host::Domain(name) => is_local_name(name),
            };
            if private {
                v.add(field, "must point to a public host");
                return None;
            }
        }
        Some(Self(url))
    }

    /// Wraps a URL read back from the store, where only validated URLs are kept.
    pub fn from_stored(raw: &str) -> Option<Self> {
        url::Url::parse(raw).ok().map(Self)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }
}

fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.ends_with(".local")
        || name.ends_with(".internal")
}

/// True for addresses on the public internet; false for loopback, private,
/// link-local, shared, documentation, multicast and reserved ranges, so a
/// subscription cannot make the service call into its own network.
///
/// IPv6 ranges that carry an IPv4 address to some translator or relay (SIIT,
/// NAT64, 6to4, Teredo) are refused whole: where the packet ends up depends
/// on which box on the path does the translating, possibly one inside our
/// own network, and no webhook receiver needs them.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => {
            if let Some(v4) = ip.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = ip.segments();
            !(ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated, still routed inside sites)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x2001 && s[1] == 0) // Teredo (embeds v4)
                || s[0] == 0x2002 // 6to4 (embeds v4)
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64, well-known and local-use (embeds v4)
                || s[..4] == [0x0100, 0, 0, 0] // discard-only
                || s[..6] == [0, 0, 0, 0, 0xffff, 0] // IPv4-translated, SIIT (embeds v4)
                || s[..6] == [0, 0, 0, 0, 0, 0]) // v4-compatible
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking
        || o[0] >= 240) // reserved
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

    fn parse(raw: &str, allow_private: bool) -> Result<TargetUrl, Violations> {
        let mut v = Violations::new();
        let url = TargetUrl::parse(raw, allow_private, "subscription.url", &mut v);
        url.ok_or(v)
    }

    #[test]
    fn only_public_https_targets_by_default() {
        assert!(parse("https://hooks.zapier.com/hooks/catch/1/abc/", false).is_ok());
        assert!(parse("http://hooks.zapier.com/", false).is_err());
        assert!(parse("https://127.0.0.1/", false).is_err());
        assert!(parse("https://10.1.2.3/", false).is_err());
        assert!(parse("https://[::1]/", false).is_err());
        assert!(parse("https://[::ffff:192.168.0.1]/", false).is_err());
        assert!(parse("https://localhost:8443/", false).is_err());
        assert!(parse("https://169.254.169.254/latest/meta-data", false).is_err());
        assert!(parse("ftp://example.com/", false).is_err());
        assert!(parse("not a url", false).is_err());
    }

    #[test]
    fn ipv6_ranges_that_reach_ipv4_or_go_nowhere_are_not_public() {
        for ip in [
            "::ffff:0:7f00:1",     // IPv4-translated (SIIT), 127.0.0.1
            "::ffff:0:808:808",    // IPv4-translated, even of a public address
            "2002:7f00:1::1",      // 6to4 of 127.0.0.1
            "2002:808:808::1",     // 6to4, relayed by whoever announces it
            "2001:0:4136:e378::1", // Teredo
            "64:ff9b:1::a00:1",    // local-use NAT64
            "100::1",              // discard-only
            "fec0::1",             // site-local
        ] {
            let ip: IpAddr = ip.parse().expect("an IPv6 address");
            assert!(!is_public_ip(ip), "{ip} must not count as public");
            assert!(
                parse(&format!("https://[{ip}]/"), false).is_err(),
                "{ip} is refused as a target"
            );
        }
        for ip in [
            "2606:4700::6810:85e5",
            "2a00:1450:4001:80b::200e",
            "2001:4860::8888",
        ] {
            let ip: IpAddr = ip.parse().expect("an IPv6 address");
            assert!(is_public_ip(ip), "{ip} is public");
        }
    }

    #[test]
    fn target_urls_carry_no_user_name_or_password() {
        for raw in [
            "https://user:pass@hooks.zapier.com/hooks/catch/1/",
            "https://user@hooks.zapier.com/",
            "https://:pass@hooks.zapier.com/",
        ] {
            let violations = parse(raw, true).expect_err(raw).into_vec();
            assert_eq!(violations.len(), 1, "{raw}: {violations:?}");
            assert_eq!(violations[0].field, "subscription.url");
            assert_eq!(
                violations[0].description,
                "must not contain a user name or password"
            );
        }
    }

    #[test]
    fn operators_may_allow_private_and_plain_http_targets() {
        assert!(parse("http://127.0.0.1:8080/hook", true).is_ok());
        assert!(parse("ftp://127.0.0.1/", true).is_err());
    }

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
