//! Keeps deliveries off private networks. Checking the URL when a
//! subscription is saved is not enough: a public name can later resolve to
//! `127.0.0.1` or `169.254.169.254` (DNS rebinding). So the HTTP client
//! resolves names through this guard, which drops every non-public address
//! right before connecting; IP-literal hosts are checked by [`check_literal`].

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::subscription::{TargetUrl, is_public_ip};

/// A resolver that only yields public addresses.
#[derive(Debug, Default, Clone)]
pub struct PublicOnlyResolver;

/// The guard's refusal; typed so a refused target is told apart from a
/// receiver's DNS failure.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves only to non-public addresses")]
pub struct NoPublicAddress {
    pub host: String,
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            // Port 0: reqwest puts the URL's port in afterwards.
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| is_public_ip(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(NoPublicAddress { host }) as _);
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
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
