//! One HTTP attempt: the contract's headers, the signature over this
//! attempt's timestamp, a POST with a total timeout and no redirects, and a
//! report of what happened, including what kind of failure it was and whose
//! fault ([`super::fault`]), and any later retry the receiver asked for
//! ([`crate::domain::answer`]). Never panics on anything the network does.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER, USER_AGENT};

use super::fault::{self, Failure};
use super::target_guard::{PublicOnlyResolver, check_literal};
use crate::domain::answer;
use crate::domain::attempt_error::AttemptErrorKind;
use crate::domain::body::{Envelope, render};
use crate::domain::delivery::AttemptReport;
use crate::domain::signing::{Signed, Signing};
use crate::domain::subscription::TargetUrl;
use crate::domain::time;

/// The `User-Agent` the contract promises.
pub const USER_AGENT_VALUE: &str = "InboundFlow-Webhook/1.0";
/// How much of a receiver's answer is kept in the log.
pub const EXCERPT_BYTES: usize = 1024;

/// A delivery to send: where, signed with what, and what its body holds.
/// The body is rendered here, so every caller sends the contract's bytes.
#[derive(Debug)]
pub struct Outgoing<'a> {
    pub url: &'a TargetUrl,
    pub signing: Signing<'a>,
    pub envelope: Envelope<'a>,
    /// The stored `data` object.
    pub data_json: &'a str,
}

/// Sends webhooks; cheap to clone (one shared connection pool).
#[derive(Clone, Debug)]
pub struct Sender {
    client: reqwest::Client,
    timeout: Duration,
    allow_private: bool,
}

impl Sender {
    /// `max_connections` idle connections are kept per host: as many as
    /// attempts can run at once, since many subscriptions share one host
    /// (hooks.zapier.com) and a new TLS handshake per attempt is costly.
    pub fn new(
        timeout: Duration,
        allow_private: bool,
        max_connections: usize,
    ) -> Result<Self, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT_VALUE)
            // An environment proxy would bypass the private-address guard.
            .no_proxy()
            .pool_max_idle_per_host(max_connections);
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnlyResolver));
        }
        Ok(Self {
            client: builder.build()?,
            timeout,
            allow_private,
        })
    }

    #[tracing::instrument(name = "attempt", skip_all, fields(url = %webhook.url.as_str()))]
    pub async fn send(&self, webhook: Outgoing<'_>) -> AttemptReport {
        timed(self.post(webhook)).await
    }

    async fn post(&self, webhook: Outgoing<'_>) -> Result<Answer, Failure> {
        if !self.allow_private {
            // Plain http was only accepted at save time under
            // --allow-private-targets; a restart without it must not honour it.
            if webhook.url.url().scheme() != "https" {
                return Err(Failure::blocked("not sent: https is required"));
            }
            check_literal(webhook.url).map_err(Failure::blocked)?;
        }
        let request = Request::build(&webhook)?;
        let headers: HeaderMap = request.headers.into_iter().collect();
        let mut response = self
            .client
            .post(webhook.url.url().clone())
            .headers(headers)
            .body(request.body)
            .send()
            .await
            .map_err(|e| Failure {
                message: self.describe(&e),
                kind: fault::kind(&e),
                local: fault::is_local(&e),
            })?;
        let status = response.status().as_u16();
        let retry_after = answer::retry_after(
            status,
            response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            SystemTime::now(),
        );
        let mut excerpt = Vec::new();
        // The excerpt is best effort: a receiver that answers and then stalls
        // or breaks its body still gave us its status code.
        while excerpt.len() < EXCERPT_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        excerpt.truncate(EXCERPT_BYTES);
        Ok(Answer {
            status,
            retry_after,
            excerpt: String::from_utf8_lossy(&excerpt).into_owned(),
        })
    }

    /// A short, human-readable reason with the root cause (`connection
    /// refused`, a TLS or DNS error), as shown in the delivery log.
    fn describe(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return format!(
                "timed out after {}",
                humantime::format_duration(self.timeout)
            );
        }
        let mut root: &dyn std::error::Error = error;
        while let Some(source) = root.source() {
            root = source;
        }
        let kind = if error.is_connect() {
            "connection failed"
        } else {
            "request failed"
        };
        format!("{kind}: {root}")
    }
}

/// What the receiver answered.
pub(super) struct Answer {
    pub status: u16,
    /// The later retry it asked for, if its status allows one.
    pub retry_after: Option<Duration>,
    pub excerpt: String,
}

/// The request an attempt sends: the contract's headers, in the order they
/// are sent, and the body. Built apart from sending, so that a `listen`
/// session forwards exactly what would have been POSTed.
#[derive(Debug)]
pub struct Request {
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: String,
}

impl Request {
    /// Renders `webhook`'s body and signs it with this moment's timestamp.
    pub(super) fn build(webhook: &Outgoing<'_>) -> Result<Self, Failure> {
        let now = Utc::now();
        let timestamp = now.timestamp();
        let delivery_id = webhook.envelope.delivery_id.to_string();
        let mut headers = vec![
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE)),
            (
                HeaderName::from_static("x-inboundflow-event"),
                HeaderValue::from_static(webhook.envelope.event_type.as_str()),
            ),
            (
                HeaderName::from_static("x-inboundflow-delivery-id"),
                header_value(&delivery_id)?,
            ),
            (
                HeaderName::from_static("x-inboundflow-timestamp"),
                HeaderValue::from(timestamp),
            ),
        ];
        let body = render(&webhook.envelope, webhook.data_json);
        let signed = Signed {
            delivery_id: &delivery_id,
            timestamp,
            body: body.as_bytes(),
        };
        for (name, value) in webhook.signing.headers(signed, now) {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| Failure::service(format!("invalid header name: {e}")))?;
            headers.push((name, header_value(&value)?));
        }
        Ok(Self { headers, body })
    }
}

/// Makes one attempt and reports it, timed from start to end.
pub(super) async fn timed(attempt: impl Future<Output = Result<Answer, Failure>>) -> AttemptReport {
    let started_at = time::now();
    let clock = Instant::now();
    let result = attempt.await;
    report(started_at, clock.elapsed(), result)
}

fn report(
    started_at: chrono::DateTime<Utc>,
    duration: Duration,
    result: Result<Answer, Failure>,
) -> AttemptReport {
    match result {
        Ok(answered) => {
            let status = answered.status;
            let error = match status {
                _ if answer::is_success(status) => None,
                300..=399 => Some(format!("HTTP {status} (redirects are not followed)")),
                _ => Some(format!("HTTP {status}")),
            };
            AttemptReport {
                started_at,
                duration,
                status_code: Some(status),
                error_kind: error.as_ref().map(|_| AttemptErrorKind::HttpStatus),
                error,
                local: false,
                retry_after: answered.retry_after,
                response_excerpt: answered.excerpt,
            }
        }
        Err(failure) => AttemptReport {
            started_at,
            duration,
            status_code: None,
            error: Some(failure.message),
            error_kind: Some(failure.kind),
            local: failure.local,
            retry_after: None,
            response_excerpt: String::new(),
        },
    }
}

fn header_value(value: &str) -> Result<HeaderValue, Failure> {
    HeaderValue::from_str(value).map_err(|e| Failure::service(format!("invalid header value: {e}")))
}
