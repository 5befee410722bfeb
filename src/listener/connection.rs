//! One accepted gRPC connection: the TCP stream, its slot under
//! `--max-connections` (freed when the connection is dropped), and the
//! deadline that closes it when the peer stays silent.
//!
//! Until the peer has sent as many bytes as an HTTP/2 preface, it has
//! `--handshake-timeout` from the accept; after that, each byte read moves
//! the deadline to `--connection-idle-timeout` from then. The deadline is
//! checked whenever a read is pending, which is always on a live connection
//! (HTTP/2 and the TLS handshake both keep a read outstanding), so an
//! expired one fails that read, and the server drops the connection.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, Sleep};
use tonic::transport::server::{Connected, TcpConnectInfo};
use tracing::debug;

use super::Limits;

/// `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, the first bytes of every HTTP/2
/// connection. Under TLS the count is of encrypted bytes, which a client
/// hello alone exceeds; there the TLS handshake timeout does the work.
const HTTP2_PREFACE_LEN: u64 = 24;

/// An accepted connection, held to the handshake and idle timeouts.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    remote_addr: SocketAddr,
    handshake_timeout: Duration,
    idle_timeout: Duration,
    accepted_at: Instant,
    last_read_at: Instant,
    bytes_read: u64,
    /// Reset lazily: only when it fires is the real deadline worked out,
    /// so a busy connection does not touch the timer on every read (and
    /// once when the handshake ends).
    deadline: Pin<Box<Sleep>>,
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    pub(super) fn new(
        stream: TcpStream,
        remote_addr: SocketAddr,
        limits: Limits,
        slot: OwnedSemaphorePermit,
    ) -> Self {
        let now = Instant::now();
        Self {
            stream,
            remote_addr,
            handshake_timeout: limits.handshake_timeout,
            idle_timeout: limits.idle_timeout,
            accepted_at: now,
            last_read_at: now,
            bytes_read: 0,
            deadline: Box::pin(tokio::time::sleep_until(later(
                now,
                limits.handshake_timeout,
            ))),
            _slot: slot,
        }
    }

    fn handshaking(&self) -> bool {
        self.bytes_read < HTTP2_PREFACE_LEN
    }

    fn due(&self) -> Instant {
        if self.handshaking() {
            later(self.accepted_at, self.handshake_timeout)
        } else {
            later(self.last_read_at, self.idle_timeout)
        }
    }

    /// Ready with an error once the peer has been silent past its deadline.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.deadline.as_mut().poll(cx));
            let due = self.due();
            if due <= Instant::now() {
                let what = if self.handshaking() {
                    "no TLS handshake or HTTP/2 preface within --handshake-timeout"
                } else {
                    "nothing read within --connection-idle-timeout"
                };
                debug!(remote_addr = %self.remote_addr, "closing connection: {what}");
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, what)));
            }
            self.deadline.as_mut().reset(due);
        }
    }
}

/// `at + wait`, or a time too far away to matter when that overflows (a
/// timeout of centuries given on the command line).
fn later(at: Instant, wait: Duration) -> Instant {
    at.checked_add(wait)
        .unwrap_or_else(|| at + Duration::from_secs(100 * 365 * 24 * 3600))
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = buf.filled().len() - before;
                if read > 0 {
                    let was_handshaking = this.handshaking();
                    this.bytes_read = this.bytes_read.saturating_add(read as u64);
                    this.last_read_at = Instant::now();
                    // The one time the deadline can move earlier (an idle
                    // timeout shorter than the handshake timeout): lazy
                    // resetting only ever pushes it later.
                    if was_handshaking && !this.handshaking() {
                        let due = this.due();
                        this.deadline.as_mut().reset(due);
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.poll_deadline(cx),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

impl Connected for Connection {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.stream.connect_info()
    }
}
