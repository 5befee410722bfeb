//! `listen` sessions: subscriptions whose deliveries travel over a client's
//! gRPC stream (`SubscriptionService.Listen`) instead of HTTPS, for a
//! developer whose receiver has no public URL.
//!
//! A session's temporary subscription has the URL
//! `listen://<instance>/<subscription id>`, which no API call can set (the
//! API accepts only http and https). Where an attempt would POST to it, the
//! engine hands the request it would have sent (built by
//! [`Request::build`], so headers and signature are the real ones) to the
//! session registered here, and waits for the client's answer within the
//! attempt timeout. The answer is then recorded like any receiver's: 2xx is
//! success, anything else follows the retry rules.
//!
//! A delivery to a session this process does not hold fails like an
//! unreachable receiver, as the service's own failure (never counted toward
//! disabling): on SQLite that session is gone and its subscription is being
//! deleted. With a shared PostgreSQL database the store never hands this
//! instance another instance's session work (its claims skip `listen://`
//! subscriptions named for other instances), so a live session's
//! deliveries are never failed elsewhere.
//!
//! Leftovers (a session's subscription whose delete failed, or whose process
//! crashed) are deleted by [`Engine::purge_listen_leftovers`], at start and
//! then every minute.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::Engine;
use super::fault::Failure;
use super::sender::{Answer, EXCERPT_BYTES, Outgoing, Request, timed};
use crate::domain::attempt_error::AttemptErrorKind;
use crate::domain::delivery::AttemptReport;
use crate::domain::event::EventType;
use crate::domain::ids::{DeliveryId, SubscriptionId};
use crate::domain::subscription::TargetUrl;
use crate::domain::time;
use crate::telemetry::error_chain;

/// The URL scheme of a session's subscription.
pub const SCHEME: &str = "listen";

/// Attempts waiting for a session's client at most; past this an attempt
/// waits (within its timeout) for room.
const QUEUE: usize = 64;

/// How often leftovers of sessions that cannot be alive are looked for.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// One attempt for a session's client to forward.
#[derive(Debug)]
pub struct Forward {
    pub delivery_id: DeliveryId,
    pub event_type: EventType,
    /// A "Test webhook" sample.
    pub test: bool,
    pub request: Request,
    /// Where the client's answer goes; dropping it fails the attempt.
    pub answer: oneshot::Sender<LocalAnswer>,
}

/// How the client's local receiver answered.
#[derive(Clone, Debug, Default)]
pub struct LocalAnswer {
    /// `None` when it did not answer.
    pub status_code: Option<u16>,
    /// Why it did not answer.
    pub error: Option<String>,
    pub error_kind: Option<AttemptErrorKind>,
    pub excerpt: String,
}

/// The sessions this process holds, by their subscription.
#[derive(Default)]
pub struct ListenSessions {
    sessions: Mutex<HashMap<SubscriptionId, mpsc::Sender<Forward>>>,
}

/// A session, registered until this is dropped.
pub struct Session {
    engine: Engine,
    pub subscription: SubscriptionId,
    /// The subscription's URL.
    pub url: TargetUrl,
    /// Attempts for the client, in the order they are made.
    pub forwards: mpsc::Receiver<Forward>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.engine
            .inner
            .listen
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.subscription);
    }
}

/// The subscription whose session a `listen://<instance>/<id>` URL names.
fn session_of(url: &TargetUrl) -> Option<SubscriptionId> {
    let id = url.url().path().trim_start_matches('/');
    uuid::Uuid::parse_str(id).ok().map(SubscriptionId)
}

/// Whether deliveries to `url` go to a `listen` session.
pub fn is_session_url(url: &TargetUrl) -> bool {
    url.url().scheme() == SCHEME
}

impl ListenSessions {
    /// The live sessions' subscriptions.
    fn live(&self) -> Vec<SubscriptionId> {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .copied()
            .collect()
    }

    /// Where the session's attempt goes, if this process holds it.
    fn route(&self, subscription: SubscriptionId) -> Option<mpsc::Sender<Forward>> {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&subscription)
            .cloned()
    }
}

impl Engine {
    /// Makes one attempt: through its session when the target is a
    /// `listen` session's, else as an HTTPS POST.
    pub(super) async fn send(&self, webhook: Outgoing<'_>) -> AttemptReport {
        self.send_marked(webhook, false).await
    }

    /// [`Engine::send`] for a "Test webhook" sample.
    pub(super) async fn send_test(&self, webhook: Outgoing<'_>) -> AttemptReport {
        self.send_marked(webhook, true).await
    }

    async fn send_marked(&self, webhook: Outgoing<'_>, test: bool) -> AttemptReport {
        if is_session_url(webhook.url) {
            timed(self.forward(&webhook, test)).await
        } else {
            self.inner.sender.send(webhook).await
        }
    }

    /// Registers a session for a subscription about to be created with
    /// `subscription` as its id; create it only after this, so that a
    /// concurrent purge of leftovers counts it as live. `None` only if the
    /// store's name for this instance cannot be a URL's host.
    pub fn open_session(&self, subscription: SubscriptionId) -> Option<Session> {
        let raw = format!(
            "{SCHEME}://{}/{}",
            self.inner.store.listen_host(),
            subscription.0
        );
        let url = TargetUrl::from_stored(&raw)?;
        let (tx, forwards) = mpsc::channel(QUEUE);
        self.inner
            .listen
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(subscription, tx);
        Some(Session {
            engine: self.clone(),
            subscription,
            url,
            forwards,
        })
    }

    /// Sends one attempt to the session its URL names and waits, up to
    /// the attempt timeout, for its client's answer.
    async fn forward(&self, webhook: &Outgoing<'_>, test: bool) -> Result<Answer, Failure> {
        let Some(session) = session_of(webhook.url).and_then(|s| self.inner.listen.route(s)) else {
            return Err(not_connected());
        };
        let request = Request::build(webhook)?;
        let (answer, answered) = oneshot::channel();
        let forward = Forward {
            delivery_id: webhook.envelope.delivery_id,
            event_type: webhook.envelope.event_type,
            test,
            request,
            answer,
        };
        let timeout = self.inner.config.attempt_timeout;
        let exchange = async {
            session.send(forward).await.map_err(|_| not_connected())?;
            answered.await.map_err(|_| not_connected())
        };
        let local = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| Failure {
                message: format!(
                    "timed out after {} (the listen client did not answer)",
                    humantime::format_duration(timeout)
                ),
                kind: AttemptErrorKind::Timeout,
                local: false,
            })??;
        match local.status_code {
            Some(status) => {
                let mut excerpt = local.excerpt;
                truncate(&mut excerpt, EXCERPT_BYTES);
                Ok(Answer {
                    status,
                    retry_after: None,
                    excerpt,
                })
            }
            None => Err(Failure {
                message: local
                    .error
                    .filter(|e| !e.is_empty())
                    .unwrap_or_else(|| "the local receiver did not answer".into()),
                kind: local.error_kind.unwrap_or(AttemptErrorKind::Connect),
                local: false,
            }),
        }
    }

    /// Deletes, at once and then every minute until `stop`, the temporary
    /// subscriptions of sessions that cannot be alive: left by a process
    /// that crashed or whose delete failed.
    pub async fn purge_listen_leftovers(self, stop: CancellationToken) {
        loop {
            // Taken before the look, so that a session opened meanwhile
            // (registered, then created) is either listed or too new.
            let live = self.inner.listen.live();
            let before = time::now();
            match self
                .inner
                .store
                .purge_listen_subscriptions(&live, before, time::now())
                .await
            {
                Ok(0) => {}
                Ok(n) => info!(subscriptions = n, "deleted listen sessions' leftovers"),
                Err(e) if e.fault().is_some() => {}
                Err(e) => {
                    warn!(error = %error_chain(&e), "cannot delete listen sessions' leftovers")
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(PURGE_EVERY) => {}
            }
        }
    }
}

fn not_connected() -> Failure {
    Failure {
        message: "the listen session is not connected".into(),
        kind: AttemptErrorKind::Connect,
        // Its subscription is about to be deleted: nothing to count against it.
        local: true,
    }
}

fn truncate(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}
