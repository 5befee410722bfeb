//! Test fixtures: a real server on a random port with its own database, and
//! real HTTP receivers on loopback that record what they get.
//!
//! Every database is fresh: a SQLite file in a temporary directory, or, when
//! `INBOUNDFLOW_TEST_POSTGRES_URL` names a PostgreSQL server, a new database
//! on it (dropped with the test), so the same tests prove the same behaviour
//! on both backends, in parallel and isolated from each other.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio_util::sync::CancellationToken;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use inboundflow_webhooks::config::Config;
use inboundflow_webhooks::domain::api_key::Role;
use inboundflow_webhooks::domain::ids::OrganizationId;
use inboundflow_webhooks::domain::time;
use inboundflow_webhooks::pb;
use inboundflow_webhooks::pb::api_key_service_client::ApiKeyServiceClient;
use inboundflow_webhooks::pb::delivery_service_client::DeliveryServiceClient;
use inboundflow_webhooks::pb::event_service_client::EventServiceClient;
use inboundflow_webhooks::pb::subscription_service_client::SubscriptionServiceClient;

pub use super::emits::*;
pub use super::receiver::{Behavior, TestReceiver, bodies_by_delivery};
pub use super::service_binary::*;
pub use super::test_database::*;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    config: Config,
}

/// Flags every test server gets unless a test overrides them: fast retries,
/// loopback receivers allowed.
pub const FAST: &[&str] = &[
    "--allow-private-targets",
    "--retry-schedule",
    "100ms,100ms,100ms",
    "--retry-jitter",
    "0",
];

/// A channel that sends an API key with every call.
pub type Api = InterceptedService<Channel, Bearer>;

/// Adds `authorization: Bearer <key>` to every request (nothing for `None`).
#[derive(Clone)]
pub struct Bearer(Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl Bearer {
    pub fn new(key: Option<&str>) -> Self {
        Self(key.map(|k| format!("Bearer {k}").parse().expect("ASCII key")))
    }
}

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// Clients of every API, all sending the same key.
#[derive(Clone)]
pub struct Clients {
    pub events: EventServiceClient<Api>,
    pub subscriptions: SubscriptionServiceClient<Api>,
    pub deliveries: DeliveryServiceClient<Api>,
    pub api_keys: ApiKeyServiceClient<Api>,
}

impl Clients {
    pub fn new(channel: Channel, key: Option<&str>) -> Self {
        let with = |c: &Channel| InterceptedService::new(c.clone(), Bearer::new(key));
        Self {
            events: EventServiceClient::new(with(&channel)),
            subscriptions: SubscriptionServiceClient::new(with(&channel)),
            deliveries: DeliveryServiceClient::new(with(&channel)),
            api_keys: ApiKeyServiceClient::new(with(&channel)),
        }
    }
}

/// A running service and clients for its APIs, which act with an operator
/// key (any organization) unless a test makes others with [`TestApp::clients`].
pub struct TestApp {
    pub address: SocketAddr,
    pub database_url: String,
    pub events: EventServiceClient<Api>,
    pub subscriptions: SubscriptionServiceClient<Api>,
    pub deliveries: DeliveryServiceClient<Api>,
    pub api_keys: ApiKeyServiceClient<Api>,
    /// The operator key the clients above send.
    pub operator_key: String,
    channel: Channel,
    shutdown: CancellationToken,
    server: Option<tokio::task::JoinHandle<()>>,
    database: Option<TestDatabase>,
}

/// Starts the service with [`FAST`] settings on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(FAST).await
}

/// Starts the service with these flags on a fresh database.
pub async fn spawn_app_with(flags: &[&str]) -> TestApp {
    let database = TestDatabase::new().await;
    let mut app = spawn_on(database.url(), flags).await;
    app.database = Some(database);
    app
}

/// Stores a new key on the database directly (migrating it first, as the
/// `keys create` command does) for a service that runs with these flags
/// (their secret keys open the database), and returns it.
pub async fn create_key_for(
    database_url: &str,
    flags: &[&str],
    role: Role,
    org: Option<&str>,
) -> String {
    let mut argv = vec!["test", "--database-url", database_url];
    argv.extend(backend_flags(database_url, flags));
    let options = Args::try_parse_from(argv)
        .expect("valid test flags")
        .config
        .store_options()
        .expect("valid secret keys");
    let store = inboundflow_webhooks::store::open(database_url, options)
        .await
        .expect("open the database");
    let org = org.map(|o| OrganizationId::from_stored(o.to_owned()));
    let (new, key) =
        inboundflow_webhooks::store::NewApiKey::generate(org, role, "test".into(), time::now());
    store.create_api_key(new).await.expect("create a key");
    store.close().await;
    key.expose().to_owned()
}

/// Starts the service on an existing database.
pub async fn spawn_on(database_url: &str, flags: &[&str]) -> TestApp {
    init_logs();
    let operator_key = create_key_for(database_url, flags, Role::Operator, None).await;
    let mut argv = vec!["test", "--database-url", database_url];
    argv.extend(backend_flags(database_url, flags));
    let config = Args::try_parse_from(argv).expect("valid test flags").config;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let shutdown = CancellationToken::new();
    let server = tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            inboundflow_webhooks::server::run(config, listener, shutdown)
                .await
                .expect("server runs");
        }
    });
    let mut app = attach(address, &operator_key).await;
    app.database_url = database_url.to_owned();
    app.shutdown = shutdown;
    app.server = Some(server);
    app
}

/// Clients for a service already running at `address` (for example the
/// real binary started by a test), acting with `operator_key`.
pub async fn attach(address: SocketAddr, operator_key: &str) -> TestApp {
    let channel = connect(address).await;
    let clients = Clients::new(channel.clone(), Some(operator_key));
    TestApp {
        address,
        events: clients.events,
        subscriptions: clients.subscriptions,
        deliveries: clients.deliveries,
        api_keys: clients.api_keys,
        operator_key: operator_key.to_owned(),
        channel,
        database_url: String::new(),
        shutdown: CancellationToken::new(),
        server: None,
        database: None,
    }
}

/// A channel to a server that may still be starting.
pub async fn connect(address: SocketAddr) -> Channel {
    eventually(Duration::from_secs(20), || async move {
        Channel::from_shared(format!("http://{address}"))
            .ok()?
            .connect()
            .await
            .ok()
    })
    .await
}

fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        inboundflow_webhooks::telemetry::init(inboundflow_webhooks::config::LogFormat::Text);
    }
}

impl TestApp {
    /// Clients that send `key` (or no key at all).
    pub fn clients(&self, key: Option<&str>) -> Clients {
        Clients::new(self.channel.clone(), key)
    }

    /// A new key of `role` for `org`, made over the API with the operator key.
    pub async fn key(&mut self, role: pb::ApiKeyRole, org: &str) -> String {
        self.api_keys
            .create_api_key(pb::CreateApiKeyRequest {
                organization_id: if role == pb::ApiKeyRole::Operator {
                    String::new()
                } else {
                    org.into()
                },
                api_key: Some(pb::ApiKey {
                    role: role as i32,
                    name: "test".into(),
                    ..Default::default()
                }),
            })
            .await
            .expect("create API key")
            .into_inner()
            .key
    }

    /// Stops the server gracefully and waits for it; the database it made
    /// (if any) lives on in what this returns.
    pub async fn stop(self) -> Option<TestDatabase> {
        self.shutdown.cancel();
        if let Some(server) = self.server {
            server.await.expect("server task");
        }
        self.database
    }

    /// Creates an enabled subscription of organization `org` to `url`.
    pub async fn subscribe(
        &mut self,
        org: &str,
        url: &str,
        types: &[pb::EventType],
        secret: Option<&str>,
    ) -> pb::Subscription {
        let response = self
            .subscriptions
            .create_subscription(pb::CreateSubscriptionRequest {
                organization_id: org.into(),
                subscription: Some(pb::Subscription {
                    url: url.into(),
                    integration: pb::Integration::Custom as i32,
                    event_types: types.iter().map(|t| *t as i32).collect(),
                    description: "test receiver".into(),
                    ..Default::default()
                }),
                signing_secret: secret.unwrap_or_default().into(),
                generate_signing_secret: false,
            })
            .await
            .expect("create subscription")
            .into_inner();
        response.subscription.expect("subscription")
    }

    pub async fn subscription(&mut self, org: &str, id: &str) -> pb::Subscription {
        self.subscriptions
            .get_subscription(pb::GetSubscriptionRequest {
                organization_id: org.into(),
                subscription_id: id.into(),
            })
            .await
            .expect("get subscription")
            .into_inner()
            .subscription
            .expect("subscription")
    }

    pub async fn emit(&mut self, request: pb::EmitEventRequest) -> pb::EmitEventResponse {
        self.events
            .emit_event(request)
            .await
            .expect("emit")
            .into_inner()
    }

    pub async fn delivery(&mut self, org: &str, id: &str) -> pb::Delivery {
        self.deliveries
            .get_delivery(pb::GetDeliveryRequest {
                organization_id: org.into(),
                delivery_id: id.into(),
            })
            .await
            .expect("get delivery")
            .into_inner()
            .delivery
            .expect("delivery")
    }

    /// Waits until the delivery's status is `status`, and returns it.
    pub async fn delivery_reaches(
        &mut self,
        org: &str,
        id: &str,
        status: pb::DeliveryStatus,
    ) -> pb::Delivery {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let delivery = self.delivery(org, id).await;
            if delivery.status == status as i32 {
                return delivery;
            }
            assert!(
                Instant::now() < deadline,
                "delivery {id} never became {status:?}; last seen {delivery:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Polls `probe` until it yields a value, failing the test after `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "condition not met within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Where test data files live.
pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(path)
}

/// The field violations of an `INVALID_ARGUMENT` (or other) status.
pub fn violations(status: &tonic::Status) -> Vec<(String, String)> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| {
            b.field_violations
                .into_iter()
                .map(|v| (v.field, v.description))
                .collect()
        })
        .unwrap_or_default()
}

/// A loopback address nothing listens on.
pub async fn refused_address() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    address
}
