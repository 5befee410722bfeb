//! A real HTTP receiver on loopback. It records every request (headers and
//! raw body) and answers as told: a status code, or never (a hanging endpoint).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use tokio::sync::Notify;

/// How the receiver answers a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behavior {
    Status(u16),
    /// Answer 200 after this long.
    Delay(Duration),
    /// Accept the request and never answer.
    Hang,
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn delivery_id(&self) -> &str {
        self.header("x-inboundflow-delivery-id")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// Each delivery's body, by delivery id, having checked that every request
/// sent again for a delivery carries the same bytes.
pub fn bodies_by_delivery(received: &[Received]) -> std::collections::HashMap<&str, &[u8]> {
    let mut per_id: std::collections::HashMap<&str, &[u8]> = std::collections::HashMap::new();
    for request in received {
        let first = per_id.entry(request.delivery_id()).or_insert(&request.body);
        assert_eq!(
            *first,
            &request.body[..],
            "a duplicate carries the same delivery id and the same bytes"
        );
    }
    per_id
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// Answers for the next requests, then `default`.
    script: Mutex<VecDeque<Behavior>>,
    default: Mutex<Option<Behavior>>,
    arrived: Notify,
}

/// A running receiver; dropping it stops it.
pub struct TestReceiver {
    pub address: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl TestReceiver {
    /// A receiver that answers 200 unless told otherwise.
    pub async fn start() -> Self {
        Self::start_with(Behavior::Status(200)).await
    }

    pub async fn start_with(default: Behavior) -> Self {
        let shared = Arc::new(Shared::default());
        *shared.default.lock().expect("lock") = Some(default);
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            address,
            shared,
            server,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.address)
    }

    /// Answers the next requests with these, in order.
    pub fn script(&self, answers: &[Behavior]) {
        self.shared
            .script
            .lock()
            .expect("lock")
            .extend(answers.iter().copied());
    }

    /// Answers every later request (after any script) this way.
    pub fn set_default(&self, behavior: Behavior) {
        *self.shared.default.lock().expect("lock") = Some(behavior);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().expect("lock").clone()
    }

    /// Waits until at least `n` requests arrived (at most `limit`) and returns all.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Received> {
        let deadline = Instant::now() + limit;
        loop {
            let notified = self.shared.arrived.notified();
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "expected {n} requests within {limit:?}, got {}",
                got.len()
            );
            let _ = tokio::time::timeout(left, notified).await;
        }
    }
}

impl Drop for TestReceiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    shared
        .received
        .lock()
        .expect("lock")
        .push(Received { headers, body });
    shared.arrived.notify_waiters();
    let scripted = shared.script.lock().expect("lock").pop_front();
    let behavior = scripted
        .or(*shared.default.lock().expect("lock"))
        .unwrap_or(Behavior::Status(200));
    match behavior {
        Behavior::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, format!("answered {code}")).into_response()
        }
        Behavior::Delay(wait) => {
            tokio::time::sleep(wait).await;
            (StatusCode::OK, "answered late").into_response()
        }
        Behavior::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
    }
}
