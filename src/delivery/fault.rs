//! Whose fault a failed attempt is, decided from the error's type and OS
//! error code, never from its text. The service's own failures (no file
//! descriptor, buffer or port for a socket, the target guard refusing an
//! address, a request that could not be built) must not count against the
//! receiver: under load they hit every tenant alike, whoever caused it.

use std::error::Error as StdError;
use std::io;

use super::target_guard::NoPublicAddress;

/// An attempt that did not get an answer, or got one that is not a success.
#[derive(Debug)]
pub struct Failure {
    /// Shown in the delivery log.
    pub message: String,
    /// The service's own failure, not the receiver's.
    pub local: bool,
}

impl Failure {
    pub fn local(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            local: true,
        }
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
    if cause.is::<NoPublicAddress>() {
        return true;
    }
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
