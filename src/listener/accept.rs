//! The accept loop: turns the bound socket into the stream of
//! [`Connection`]s that tonic's `serve_with_incoming_shutdown` serves.
//!
//! Past `--max-connections`, a new connection is accepted and closed at
//! once rather than left in the kernel's backlog: the peer learns straight
//! away (a client retries, a load balancer picks another instance) instead
//! of waiting out a connect timeout, the process never holds more sockets
//! than the cap, and a slot that frees up goes to whoever connects next
//! rather than to the oldest, possibly abandoned, entry in the backlog.
//!
//! Accept errors never end the stream: one that concerns a single peer is
//! skipped, and one that concerns the process (out of file descriptors or
//! memory) pauses accepting briefly, since retrying at once would spin.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;
use tokio_stream::Stream;
use tracing::{debug, warn};

use super::{Connection, Limits, TCP_KEEPALIVE};

/// Pause after an accept error that is not about one peer.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Connections turned away in one poll before yielding to other tasks, so
/// that a flood cannot hold the thread.
const REFUSALS_PER_POLL: usize = 64;

/// The connections accepted on a listener, within the connection cap.
#[derive(Debug)]
pub struct Incoming {
    listener: TcpListener,
    limits: Limits,
    slots: Arc<Semaphore>,
    /// Set while connections are being turned away, so that a flood logs
    /// one warning rather than one per connection.
    saturated: bool,
    pause: Option<Pin<Box<Sleep>>>,
}

impl Incoming {
    pub(super) fn new(listener: TcpListener, limits: Limits) -> Self {
        Self {
            listener,
            limits,
            slots: Arc::new(Semaphore::new(limits.max_connections)),
            saturated: false,
            pause: None,
        }
    }

    fn admit(&mut self, stream: TcpStream, remote_addr: SocketAddr) -> Option<Connection> {
        let Ok(slot) = self.slots.clone().try_acquire_owned() else {
            if !self.saturated {
                warn!(
                    max_connections = self.limits.max_connections,
                    "connection limit reached (--max-connections): closing new connections \
                     until some end"
                );
                self.saturated = true;
            }
            debug!(remote_addr = %remote_addr, "connection refused: limit reached");
            return None;
        };
        self.saturated = false;
        set_socket_options(&stream);
        Some(Connection::new(stream, remote_addr, self.limits, slot))
    }
}

impl Stream for Incoming {
    type Item = Result<Connection, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let mut refused = 0;
        loop {
            if let Some(pause) = &mut this.pause {
                if pause.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.pause = None;
            }
            match this.listener.poll_accept(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok((stream, remote_addr))) => {
                    if let Some(connection) = this.admit(stream, remote_addr) {
                        return Poll::Ready(Some(Ok(connection)));
                    }
                    refused += 1;
                    if refused == REFUSALS_PER_POLL {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                }
                Poll::Ready(Err(e)) if concerns_one_peer(&e) => {
                    debug!(error = %e, "accept failed for one connection");
                }
                Poll::Ready(Err(e)) => {
                    warn!(error = %e, "cannot accept connections; pausing briefly");
                    this.pause = Some(Box::pin(tokio::time::sleep(ACCEPT_ERROR_PAUSE)));
                }
            }
        }
    }
}

fn concerns_one_peer(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

fn set_socket_options(stream: &TcpStream) {
    // No Nagle: small gRPC answers would otherwise wait for the peer's
    // delayed ACK (about 40 ms per call).
    if let Err(e) = stream.set_nodelay(true) {
        debug!(error = %e, "cannot set TCP_NODELAY");
    }
    let keepalive = TcpKeepalive::new().with_time(TCP_KEEPALIVE);
    if let Err(e) = SockRef::from(stream).set_tcp_keepalive(&keepalive) {
        debug!(error = %e, "cannot set TCP keepalive");
    }
}
