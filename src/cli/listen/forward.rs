//! Re-sends one delivery to the local receiver exactly as the service would
//! have POSTed it (its headers in order, its body byte for byte), prints a
//! line about it, and makes the result the service records as the attempt.

use std::time::{Duration, Instant};

use anyhow::Context;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use inboundflow_webhooks::pb;
use inboundflow_webhooks::pb::listen_request::Payload;

/// How much of the local answer goes back to the delivery log.
const EXCERPT_BYTES: usize = 1024;

/// Sends deliveries to the local URL; cheap to clone.
#[derive(Clone)]
pub struct Forwarder {
    client: reqwest::Client,
    url: url::Url,
}

impl Forwarder {
    pub fn new(url: url::Url, timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            // As the service: a redirect is an answer, not followed.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self { client, url })
    }

    /// Forwards `delivery`, prints its line, and returns the result to send back.
    pub async fn forward(&self, delivery: pb::ListenDelivery) -> pb::ListenRequest {
        let mut headers = HeaderMap::new();
        for header in &delivery.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(header.name.as_bytes()),
                HeaderValue::from_str(&header.value),
            ) {
                headers.append(name, value);
            }
        }
        let event = headers
            .get("x-inboundflow-event")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?")
            .to_owned();
        let clock = Instant::now();
        let answer = self.post(headers, delivery.body).await;
        let took = clock.elapsed();
        let mut result = pb::ListenResult {
            forward_id: delivery.forward_id,
            duration: prost_types::Duration::try_from(took).ok(),
            ..Default::default()
        };
        let outcome = match answer {
            Ok((status, excerpt)) => {
                result.status_code = u32::from(status);
                result.response_body_excerpt = excerpt;
                status.to_string()
            }
            Err((kind, error)) => {
                result.error_kind = kind as i32;
                let line = format!("error: {error}");
                result.error = error;
                line
            }
        };
        println!(
            "{}  {:<18}  {}  {}  {} ms{}",
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S"),
            event,
            delivery.delivery_id,
            outcome,
            took.as_millis(),
            if delivery.test { "  (test)" } else { "" }
        );
        pb::ListenRequest {
            payload: Some(Payload::Result(result)),
        }
    }

    /// The local answer's status and the start of its body, or why there was none.
    async fn post(
        &self,
        headers: HeaderMap,
        body: Vec<u8>,
    ) -> Result<(u16, String), (pb::AttemptErrorKind, String)> {
        let mut response = self
            .client
            .post(self.url.clone())
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| (kind(&e), root_cause(&e)))?;
        let status = response.status().as_u16();
        let mut excerpt = Vec::new();
        // Best effort: the status code is the answer.
        while excerpt.len() < EXCERPT_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        excerpt.truncate(EXCERPT_BYTES);
        Ok((status, String::from_utf8_lossy(&excerpt).into_owned()))
    }
}

fn kind(error: &reqwest::Error) -> pb::AttemptErrorKind {
    if error.is_timeout() {
        pb::AttemptErrorKind::Timeout
    } else if error.is_connect() {
        pb::AttemptErrorKind::Connect
    } else {
        pb::AttemptErrorKind::ResponseRead
    }
}

/// The error with its root cause, e.g. `connection refused`.
fn root_cause(error: &reqwest::Error) -> String {
    let mut root: &dyn std::error::Error = error;
    while let Some(source) = root.source() {
        root = source;
    }
    if error.is_timeout() {
        "timed out".into()
    } else {
        format!("local receiver: {root}")
    }
}
