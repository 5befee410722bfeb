//! Keeps deliveries off private networks. Checking the URL when a
//! subscription is saved is not enough: a public name can later resolve to
//! `127.0.0.1` or `169.254.169.254` (DNS rebinding). So the HTTP client
//! resolves names through this guard, which drops every non-public address
//! right before connecting; IP-literal hosts are checked by [`check_literal`].
//!
//! A name that resolves only to private addresses fails exactly like a name
//! that does not resolve at all: otherwise the attempt log would tell anyone
//! who can create a subscription which internal names exist.

use std::io;
use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::subscription::{TargetUrl, is_public_ip};

/// A resolver that only yields public addresses.
#[derive(Debug, Default, Clone)]
pub struct PublicOnlyResolver;

/// The one failure a name gets, whatever the cause (logged at debug only):
/// telling "no such name" from "only private addresses" apart would let a
/// subscription probe internal names. Both are the guard's refusal, so
/// neither counts against the receiver.
#[derive(Debug, thiserror::Error)]
#[error("could not resolve {host} to a public address")]
pub struct NoPublicAddress {
    pub host: String,
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str();
            // Port 0: reqwest puts the URL's port in afterwards.
            let looked_up = tokio::net::lookup_host((host, 0)).await;
            let found = public_only(host, looked_up)?;
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// The public addresses among what a lookup of `host` found.
fn public_only(
    host: &str,
    looked_up: io::Result<impl Iterator<Item = SocketAddr>>,
) -> Result<Vec<SocketAddr>, NoPublicAddress> {
    match looked_up {
        Ok(addresses) => {
            let (public, private): (Vec<_>, Vec<_>) =
                addresses.partition(|addr| is_public_ip(addr.ip()));
            if !public.is_empty() {
                return Ok(public);
            }
            tracing::debug!(
                host,
                addresses = ?private,
                "name resolves only to non-public addresses"
            );
        }
        Err(error) => tracing::debug!(host, %error, "name lookup failed"),
    }
    Err(NoPublicAddress {
        host: host.to_owned(),
    })
}

/// Rejects a URL whose host is a non-public IP literal (names go through the resolver).
pub fn check_literal(url: &TargetUrl) -> Result<(), String> {
    let ip = match url.url().host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        _ => return Ok(()),
    };
    if is_public_ip(ip) {
        Ok(())
    } else {
        Err(format!("target address {ip} is not public"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(ips: &[&str]) -> io::Result<std::vec::IntoIter<SocketAddr>> {
        let parsed: Vec<SocketAddr> = ips
            .iter()
            .map(|ip| SocketAddr::new(ip.parse().expect("an IP address"), 0))
            .collect();
        Ok(parsed.into_iter())
    }

    #[test]
    fn private_only_and_unknown_names_fail_with_the_same_words() {
        let private = public_only("db.corp", addresses(&["10.0.0.7", "::1"]));
        let missing = public_only(
            "db.corp",
            Err::<std::vec::IntoIter<SocketAddr>, _>(io::Error::other("Name or service not known")),
        );
        let (Err(private), Err(missing)) = (private, missing) else {
            panic!("neither name has a public address");
        };
        assert_eq!(private.to_string(), missing.to_string());
        assert_eq!(
            private.to_string(),
            "could not resolve db.corp to a public address"
        );
    }

    #[test]
    fn only_the_public_addresses_of_a_name_are_used() {
        let found = public_only("mixed.example", addresses(&["127.0.0.1", "93.184.215.14"]));
        let found = found.expect("one address is public");
        assert_eq!(found, vec![SocketAddr::new([93, 184, 215, 14].into(), 0)]);
    }
}
