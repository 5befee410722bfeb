//! A web origin (`https://dashboard.example.com`), as configured with
//! `--web-origins`: the hosts allowed to call gRPC-Web from their own pages and
//! to frame the Integrations page.

use std::fmt;
use std::str::FromStr;

/// A scheme, host and port, nothing else: what browsers send in `Origin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebOrigin(String);

impl WebOrigin {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for WebOrigin {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{raw}` is not an origin such as https://dashboard.example.com");
        let url = url::Url::parse(raw.trim()).map_err(|_| bad())?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some()
            && url.username().is_empty()
            && url.password().is_none()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none();
        if !plain {
            return Err(bad());
        }
        // The browser's own spelling: lower-case host, default port left out.
        Ok(Self(url.origin().ascii_serialization()))
    }
}

impl fmt::Display for WebOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        let parsed = |s: &str| s.parse::<WebOrigin>().map(|o| o.to_string());
        assert_eq!(
            parsed("https://Dashboard.Example.com").as_deref(),
            Ok("https://dashboard.example.com")
        );
        assert_eq!(
            parsed("https://a.example:443/").as_deref(),
            Ok("https://a.example")
        );
        assert_eq!(
            parsed("http://127.0.0.1:8080").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        for bad in [
            "*",
            "dashboard.example.com",
            "https://a.example/app",
            "https://u:p@a.example",
            "ftp://a.example",
            "https://a.example?x=1",
        ] {
            assert!(parsed(bad).is_err(), "{bad}");
        }
    }
}
