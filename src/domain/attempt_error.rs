//! What kind of failure ended an attempt, so that clients and dashboards can
//! branch on it instead of reading the human message beside it. The sender
//! decides the kind from error types and OS error codes, never from text
//! (see `delivery::fault`); it is stored with each attempt, on its delivery
//! and, for the receiver's failures, on its subscription.

/// Why an attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttemptErrorKind {
    /// Not sent: the target is a private or reserved address literal, or
    /// plain `http` while private targets are not allowed.
    BlockedTarget,
    /// The host name did not resolve, or resolved only to addresses the
    /// target guard refuses: the two are told apart by nothing, so the log
    /// never says which internal names exist.
    Dns,
    /// No connection: refused, reset or unreachable.
    Connect,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// No complete answer within the attempt's timeout.
    Timeout,
    /// The receiver answered with a status other than 2xx, 3xx included.
    HttpStatus,
    /// The connection broke after it was made, or the answer was not HTTP.
    ResponseRead,
    /// The service's own failure (no file descriptor, buffer or port for a
    /// socket, a request that could not be built): never the receiver's.
    Service,
}

impl AttemptErrorKind {
    pub const ALL: [AttemptErrorKind; 8] = [
        AttemptErrorKind::BlockedTarget,
        AttemptErrorKind::Dns,
        AttemptErrorKind::Connect,
        AttemptErrorKind::Tls,
        AttemptErrorKind::Timeout,
        AttemptErrorKind::HttpStatus,
        AttemptErrorKind::ResponseRead,
        AttemptErrorKind::Service,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttemptErrorKind::BlockedTarget => "blocked_target",
            AttemptErrorKind::Dns => "dns",
            AttemptErrorKind::Connect => "connect",
            AttemptErrorKind::Tls => "tls",
            AttemptErrorKind::Timeout => "timeout",
            AttemptErrorKind::HttpStatus => "http_status",
            AttemptErrorKind::ResponseRead => "response_read",
            AttemptErrorKind::Service => "service",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip_and_are_distinct() {
        for kind in AttemptErrorKind::ALL {
            assert_eq!(AttemptErrorKind::parse(kind.as_str()), Some(kind));
        }
        let names: std::collections::HashSet<&str> = AttemptErrorKind::ALL
            .iter()
            .map(|kind| kind.as_str())
            .collect();
        assert_eq!(names.len(), AttemptErrorKind::ALL.len());
        assert_eq!(AttemptErrorKind::parse("DNS"), None);
    }
}
