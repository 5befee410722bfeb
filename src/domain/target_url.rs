//! Where deliveries may be POSTed: the target URL rules, and which
//! addresses count as public (also used by the resolver guard at every
//! connection).

use std::net::{IpAddr, Ipv4Addr};

use super::validation::Violations;

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
}
