//! `inboundflow-webhooks listen --forward-to URL`: receives a temporary
//! subscription's deliveries over a gRPC stream (`SubscriptionService.Listen`)
//! and re-sends each to a local URL with its real headers and signature,
//! for a developer whose receiver has no public URL. It prints the signing
//! secret at start and one line per delivery; the service deletes the
//! subscription when the stream ends (Ctrl-C, exit, a lost connection).

mod connect;
mod forward;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_stream::wrappers::ReceiverStream;

use inboundflow_webhooks::domain::event::EventType;
use inboundflow_webhooks::pb;
use inboundflow_webhooks::pb::listen_request::Payload as Outbound;
use inboundflow_webhooks::pb::listen_response::Payload as Inbound;
use inboundflow_webhooks::pb::subscription_service_client::SubscriptionServiceClient;

use connect::{connect, describe};
use forward::Forwarder;

/// How long, after Ctrl-C, the service gets to confirm the session is closed.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

#[derive(Args, Debug)]
pub struct ListenCommand {
    /// Local URL each delivery is POSTed to, e.g. http://localhost:3000/hook.
    #[arg(long, value_name = "URL")]
    forward_to: url::Url,
    /// Event types to receive, comma-separated (call.completed,
    /// call.transferred, appointment.booked, lead.created); all by default.
    #[arg(long, value_delimiter = ',', value_name = "TYPES")]
    events: Vec<String>,
    /// The service's gRPC address (https:// for TLS).
    #[arg(
        long,
        env = "INBOUNDFLOW_SERVER",
        default_value = "http://127.0.0.1:50051"
    )]
    server: String,
    /// API key with the admin role, sent as `authorization: Bearer`.
    #[arg(long, env = "INBOUNDFLOW_API_KEY", hide_env_values = true)]
    api_key: String,
    /// Organization to listen for; needed with an operator key, and
    /// otherwise the key's own.
    #[arg(long, env = "INBOUNDFLOW_ORGANIZATION")]
    organization: Option<String>,
    /// CA certificates (PEM) that signed the service's certificate, instead
    /// of the system's.
    #[arg(long, env = "INBOUNDFLOW_CA_CERT", value_name = "PATH")]
    ca_cert: Option<PathBuf>,
    /// How long the local receiver may take to answer.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "10s")]
    timeout: Duration,
}

pub async fn run(command: ListenCommand) -> anyhow::Result<()> {
    let mut interrupt = Interrupt::listen()?;
    let event_types = event_types(&command.events)?;
    let forwarder = Forwarder::new(command.forward_to.clone(), command.timeout)?;
    let channel = connect(&command.server, command.ca_cert.as_deref()).await?;
    let key = format!("Bearer {}", command.api_key)
        .parse::<tonic::metadata::MetadataValue<_>>()
        .context("the API key must be printable ASCII")?;
    let mut client = SubscriptionServiceClient::with_interceptor(
        channel,
        move |mut request: tonic::Request<()>| {
            request.metadata_mut().insert("authorization", key.clone());
            Ok(request)
        },
    );

    let (results, outgoing) = mpsc::channel::<pb::ListenRequest>(64);
    let start = pb::ListenRequest {
        payload: Some(Outbound::Start(pb::ListenStart {
            organization_id: command.organization.clone().unwrap_or_default(),
            event_types: event_types
                .iter()
                .map(|t| pb_event_type(*t) as i32)
                .collect(),
            description: format!("listen --forward-to {}", command.forward_to),
        })),
    };
    results
        .send(start)
        .await
        .context("cannot start the session")?;
    let mut incoming = client
        .listen(ReceiverStream::new(outgoing))
        .await
        .map_err(|status| describe(&status))?
        .into_inner();
    let started = match incoming.message().await.map_err(|s| describe(&s))? {
        Some(pb::ListenResponse {
            payload: Some(Inbound::Started(started)),
        }) => started,
        _ => bail!("the service did not open the session"),
    };
    println!(
        "Ready. Your signing secret is {} (^C to quit)",
        started.signing_secret
    );
    let names: Vec<&str> = event_types.iter().map(|t| t.as_str()).collect();
    println!(
        "Forwarding {} to {} (temporary subscription {})",
        names.join(", "),
        command.forward_to,
        started.subscription.map(|s| s.id).unwrap_or_default()
    );

    let mut forwarding = JoinSet::new();
    let ended = loop {
        tokio::select! {
            _ = interrupt.wait() => break None,
            message = incoming.message() => match message {
                Ok(Some(pb::ListenResponse { payload: Some(Inbound::Delivery(delivery)) })) => {
                    let (forwarder, results) = (forwarder.clone(), results.clone());
                    forwarding.spawn(async move {
                        let result = forwarder.forward(delivery).await;
                        if results.send(result).await.is_err() {
                            // The session is closing; the service records
                            // the attempt as unanswered.
                        }
                    });
                }
                Ok(Some(_)) => {}
                Ok(None) => break Some(anyhow!("the service ended the session")),
                Err(status) => break Some(anyhow!("the session broke: {}", describe(&status))),
            },
            Some(_) = forwarding.join_next(), if !forwarding.is_empty() => {}
        }
    };
    if let Some(error) = ended {
        return Err(error);
    }
    // Closing our side ends the session: the service deletes the temporary
    // subscription, then ends its side.
    forwarding.abort_all();
    drop(results);
    let closed = tokio::time::timeout(CLOSE_WAIT, async {
        while let Ok(Some(_)) = incoming.message().await {}
    })
    .await;
    match closed {
        Ok(()) => println!("Stopped; the temporary subscription is removed."),
        Err(_) => println!("Stopped; the service removes the temporary subscription."),
    }
    Ok(())
}

/// Ctrl-C, listened for from the start: one pressed as soon as "Ready" is
/// printed must end the session, not kill the process.
struct Interrupt {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupt {
    fn listen() -> anyhow::Result<Self> {
        Ok(Self {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .context("cannot listen for Ctrl-C")?,
        })
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        self.signal.recv().await;
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The chosen event types, all when none are named.
fn event_types(names: &[String]) -> anyhow::Result<Vec<EventType>> {
    if names.is_empty() {
        return Ok(EventType::ALL.to_vec());
    }
    let mut types = Vec::new();
    for name in names.iter().map(|n| n.trim()) {
        let Some(t) = EventType::from_wire(name) else {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            bail!(
                "--events: unknown event type {name:?}; known types: {}",
                known.join(", ")
            );
        };
        if !types.contains(&t) {
            types.push(t);
        }
    }
    Ok(types)
}

fn pb_event_type(t: EventType) -> pb::EventType {
    match t {
        EventType::CallCompleted => pb::EventType::CallCompleted,
        EventType::CallTransferred => pb::EventType::CallTransferred,
        EventType::AppointmentBooked => pb::EventType::AppointmentBooked,
        EventType::LeadCreated => pb::EventType::LeadCreated,
    }
}
