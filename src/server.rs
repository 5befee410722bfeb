//! Wiring: store, delivery engine and the gRPC router (with health and
//! reflection). Health follows the store: NOT_SERVING (the overall service
//! and each API) while the store cannot write, SERVING when it can again.
//! The same port serves the Integrations page and gRPC-Web to browsers
//! ([`crate::web`]), in front of authentication.
//! [`run`] serves until `shutdown` fires, then stops in order:
//! health reports NOT_SERVING, new RPCs are refused and running ones finish;
//! the emit committer commits what is queued and ends; the engine stops
//! claiming work, lets running attempts finish (bounded by the attempt
//! timeout) and its recorder commit their outcomes; background work
//! (retention) ends its batch; then the store stops its own background work
//! and closes the database.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tonic::transport::Server;
use tonic_health::ServingStatus;
use tracing::{info, warn};

use crate::api::auth::Authenticator;
use crate::api::auth::layer::AuthLayer;
use crate::api::{ApiKeysApi, DeliveriesApi, EventsApi, SubscriptionsApi};
use crate::config::{Config, ConfigError, Reflection};
use crate::delivery::Engine;
use crate::listener::{Network, TlsError};
use crate::pb::api_key_service_server::ApiKeyServiceServer;
use crate::pb::delivery_service_server::DeliveryServiceServer;
use crate::pb::event_service_server::EventServiceServer;
use crate::pb::subscription_service_server::SubscriptionServiceServer;
use crate::store::group_commit::GroupCommitter;
use crate::store::monitor::StoreMonitor;
use crate::store::{self, Store, StoreError, retention};
use crate::web::PageLayer;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot open the database")]
    Store(#[from] StoreError),
    #[error("cannot start the delivery engine")]
    Engine(#[from] crate::delivery::StartError),
    #[error("cannot start the emit committer's thread")]
    Committer(#[source] std::io::Error),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot build the reflection service")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("gRPC server failed")]
    Transport(#[from] tonic::transport::Error),
    #[error("cannot listen for metrics on {address}")]
    MetricsListen {
        address: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// Runs the service on `listener` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), ServerError> {
    config.validate()?;
    let network = Network::from_config(&config)?;
    if config.allow_private_targets {
        warn!(
            "private and plain-HTTP targets are allowed: use this only for development and tests"
        );
    }
    // Everything that can fail before the store is open, so that once it is
    // open the only way out is the shutdown below.
    // HTTP/1.1 for browsers (the page, and gRPC-Web without TLS); gRPC
    // clients keep speaking HTTP/2.
    let server = network.configure(Server::builder().accept_http1(true))?;
    // Both reflection versions: older grpcurl builds speak only v1alpha. The
    // google.rpc descriptors let grpcurl decode BadRequest error details.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(crate::pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;
    let store_options = config.store_options()?;
    let metrics_listener = match config.metrics_listen {
        Some(address) => Some(
            TcpListener::bind(address)
                .await
                .map_err(|source| ServerError::MetricsListen { address, source })?,
        ),
        None => None,
    };

    let monitor = StoreMonitor::start(store::open(&config.database_url, store_options).await?);
    let writable = monitor.writable();
    let store: Arc<dyn Store> = monitor;
    let engine = match Engine::start(store.clone(), config.engine(), &shutdown) {
        Ok(engine) => engine,
        Err(e) => {
            store.close().await;
            return Err(e.into());
        }
    };
    let background = TaskTracker::new();
    background.spawn(engine.clone().purge_listen_leftovers(shutdown.clone()));
    if let Some(listener) = metrics_listener {
        info!(address = %config.metrics_listen.map(|a| a.to_string()).unwrap_or_default(), "serving metrics");
        background.spawn(crate::metrics::serve(listener, shutdown.clone()));
        background.spawn(crate::metrics::stats_loop(store.clone(), shutdown.clone()));
    }
    if let Some(age) = config.retention() {
        background.spawn(retention::run(store.clone(), age, shutdown.clone()));
    }

    let (health, health_service) = tonic_health::server::health_reporter();
    set_health(&health, ServingStatus::Serving).await;
    let health_follows_store =
        tokio::spawn(follow_store(health.clone(), writable, shutdown.clone()));

    let committer = match GroupCommitter::start(
        store.clone(),
        config.emit_commit(),
        Some(Arc::new(engine.intake())),
    ) {
        Ok(committer) => committer,
        Err(e) => {
            engine.stop(Duration::ZERO).await;
            store.close().await;
            return Err(ServerError::Committer(e));
        }
    };
    let events = EventsApi::new(store.clone(), committer.clone(), engine.clone());
    let subscriptions = SubscriptionsApi::new(
        store.clone(),
        engine.clone(),
        config.allow_private_targets,
        config.secret_rotation_grace,
    );
    let deliveries = DeliveriesApi::new(store.clone(), engine.clone());
    let auth = Arc::new(Authenticator::new(store.clone()));
    let api_keys = ApiKeysApi::new(store.clone(), auth.clone());
    let auth_layer = AuthLayer::new(auth, config.reflection == Reflection::Public);

    let address = listener
        .local_addr()
        .map_or_else(|_| config.listen.to_string(), |a| a.to_string());
    info!(%address, tls = config.tls(), database = %store::redacted_url(&config.database_url), "serving gRPC");
    let stopping = {
        let shutdown = shutdown.clone();
        let health = health.clone();
        async move {
            shutdown.cancelled().await;
            set_health(&health, ServingStatus::NotServing).await;
        }
    };
    // Outermost first: the page, CORS preflights and gRPC-Web translation
    // come before authentication, which then sees every call as gRPC.
    let served = server
        .layer(PageLayer::new(
            &config.web_origins,
            config.allow_private_targets,
        ))
        .layer(crate::web::cors::layer(&config.web_origins))
        .layer(tonic_web::GrpcWebLayer::new())
        .layer(auth_layer)
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(EventServiceServer::new(events))
        .add_service(SubscriptionServiceServer::new(subscriptions))
        .add_service(DeliveryServiceServer::new(deliveries))
        .add_service(ApiKeyServiceServer::new(api_keys))
        .serve_with_incoming_shutdown(network.incoming(listener), stopping)
        .await;

    health_follows_store.abort();
    committer.close().await;
    engine
        .stop(config.attempt_timeout + Duration::from_secs(5))
        .await;
    background.close();
    background.wait().await;
    store.close().await;
    served?;
    info!("stopped");
    Ok(())
}

/// Sets the overall status ("") and each API service's.
async fn set_health(health: &tonic_health::server::HealthReporter, status: ServingStatus) {
    health.set_service_status("", status).await;
    health
        .set_service_status(service_name::<EventServiceServer<EventsApi>>(), status)
        .await;
    health
        .set_service_status(
            service_name::<SubscriptionServiceServer<SubscriptionsApi>>(),
            status,
        )
        .await;
    health
        .set_service_status(
            service_name::<DeliveryServiceServer<DeliveriesApi>>(),
            status,
        )
        .await;
    health
        .set_service_status(service_name::<ApiKeyServiceServer<ApiKeysApi>>(), status)
        .await;
}

fn service_name<S: tonic::server::NamedService>() -> &'static str {
    S::NAME
}

/// Health follows whether the store can write, until shutdown (which sets
/// NOT_SERVING for good).
async fn follow_store(
    health: tonic_health::server::HealthReporter,
    mut writable: tokio::sync::watch::Receiver<bool>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            changed = writable.changed() => if changed.is_err() { return },
        }
        let status = if *writable.borrow_and_update() {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        if shutdown.is_cancelled() {
            return;
        }
        set_health(&health, status).await;
    }
}
