//! Whose fault a failed attempt is, and what kind of failure it was
//! ([`AttemptErrorKind`]), decided from the error's type, reqwest's
//! predicates and OS error codes along the cause chain, never from its text.
//! The service's own failures (no file descriptor, buffer or port for a
//! socket, the target guard refusing an address, a request that could not
//! be built) must not count against the receiver: under load they hit every
//! tenant alike, whoever caused it.

use std::error::Error as StdError;
use std::io;

use super::target_guard::NoPublicAddress;
use crate::domain::attempt_error::AttemptErrorKind;

/// An attempt that did not get an answer.
#[derive(Debug)]
pub struct Failure {
    /// Shown in the delivery log.
    pub message: String,
    pub kind: AttemptErrorKind,
    /// The service's own failure, not the receiver's.
    pub local: bool,
}

impl Failure {
    /// Not sent: the target is not one the service may reach.
    pub fn blocked(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: AttemptErrorKind::BlockedTarget,
            local: true,
        }
    }

    /// Not sent: the service could not make the request.
    pub fn service(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: AttemptErrorKind::Service,
            local: true,
        }
    }
}

/// What kind of failure a request error was. The order matters: a timeout
/// while connecting is a timeout, our own exhaustion while connecting is
/// ours, a name the guard refused is a DNS failure like any other (it is
/// still [`is_local`]), and a TLS failure is also a connect error.
pub fn kind(error: &reqwest::Error) -> AttemptErrorKind {
    if error.is_timeout() {
        AttemptErrorKind::Timeout
    } else if error.is_builder() || causes(error).any(is_exhaustion) {
        AttemptErrorKind::Service
    } else if error.is_dns() {
        AttemptErrorKind::Dns
    } else if causes(error).any(|cause| cause.is::<rustls::Error>()) {
        AttemptErrorKind::Tls
    } else if error.is_connect() {
        AttemptErrorKind::Connect
    } else {
        // Connected, then the request or the answer broke: a reset or closed
        // connection, or bytes that are not HTTP.
        AttemptErrorKind::ResponseRead
    }
}

/// OS errors that say this host ran out of something, not that the far end
/// misbehaved: open files (per process and system-wide), socket buffers,
/// memory, local ports.
const LOCAL_OS_ERRORS: &[i32] = &[
    libc::EMFILE,
    libc::ENFILE,
    libc::ENOBUFS,
    libc::ENOMEM,
    libc::EADDRNOTAVAIL,
];

/// Whether a request error was the service's own.
pub fn is_local(error: &reqwest::Error) -> bool {
    error.is_builder() || causes(error).any(is_local_cause)
}

fn is_local_cause(cause: &(dyn StdError + 'static)) -> bool {
    cause.is::<NoPublicAddress>() || is_exhaustion(cause)
}

/// This host ran out of something ([`LOCAL_OS_ERRORS`]).
fn is_exhaustion(cause: &(dyn StdError + 'static)) -> bool {
    cause
        .downcast_ref::<io::Error>()
        .and_then(io::Error::raw_os_error)
        .is_some_and(|code| LOCAL_OS_ERRORS.contains(&code))
}

/// The error and every cause under it. An `io::Error` that wraps another
/// error reports that error's source as its own, skipping the wrapped error
/// itself, so the wrapped one is visited explicitly.
fn causes<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut pending: Vec<&'a (dyn StdError + 'static)> = vec![error];
    std::iter::from_fn(move || {
        let next = pending.pop()?;
        if let Some(source) = next.source() {
            pending.push(source);
        }
        if let Some(inner) = next
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            pending.push(inner);
        }
        Some(next)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("connect failed")]
    struct Wrapper(#[source] io::Error);

    #[test]
    fn resource_exhaustion_anywhere_in_the_chain_is_local() {
        let no_files = Wrapper(io::Error::from_raw_os_error(libc::EMFILE));
        assert!(causes(&no_files).any(is_local_cause));
        let refused = Wrapper(io::Error::from_raw_os_error(libc::ECONNREFUSED));
        assert!(!causes(&refused).any(is_local_cause));
    }

    #[test]
    fn a_guard_refusal_wrapped_in_an_io_error_is_local() {
        let refusal = NoPublicAddress {
            host: "internal.example".into(),
        };
        let wrapped = Wrapper(io::Error::other(refusal));
        assert!(causes(&wrapped).any(is_local_cause));
    }
}
