//! How an admin command reaches the service: its address (TLS for
//! `https://`), the API key sent with every call, and the organization it
//! acts for.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use inboundflow_webhooks::pb::delivery_service_client::DeliveryServiceClient;
use inboundflow_webhooks::pb::event_service_client::EventServiceClient;
use inboundflow_webhooks::pb::subscription_service_client::SubscriptionServiceClient;

/// Where the service is, who is calling and how to print the answer; the
/// same for every admin command, and accepted after any of its subcommands.
#[derive(Args)]
#[command(next_help_heading = "Connection and output")]
pub struct Connection {
    /// Address of the service: `http://HOST:PORT`, or `https://HOST:PORT` for
    /// TLS (checked against the system's CA certificates, or --ca-cert).
    #[arg(
        long,
        global = true,
        env = "INBOUNDFLOW_SERVER",
        default_value = "http://127.0.0.1:50051"
    )]
    pub server: String,

    /// API key, sent as `authorization: Bearer`: an admin key acts for its
    /// own organization, an operator key for the one given with --organization.
    #[arg(
        long,
        global = true,
        env = "INBOUNDFLOW_API_KEY",
        hide_env_values = true
    )]
    pub api_key: Option<String>,

    /// CA certificates (PEM) that signed the service's certificate, instead
    /// of the system's.
    #[arg(long, global = true, env = "INBOUNDFLOW_CA_CERT", value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,

    /// Organization to act for; needed with an operator key, and otherwise
    /// the key's own.
    #[arg(long, global = true, env = "INBOUNDFLOW_ORGANIZATION")]
    pub organization: Option<String>,

    /// Print the answer as JSON (protobuf's JSON mapping, every field
    /// present) instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

/// A channel that sends the API key with every call.
pub type Api = InterceptedService<Channel, Bearer>;

/// Clients of the services the admin commands use.
pub struct Clients {
    pub subscriptions: SubscriptionServiceClient<Api>,
    pub deliveries: DeliveryServiceClient<Api>,
    pub events: EventServiceClient<Api>,
}

/// Adds `authorization: Bearer <key>` to every request.
#[derive(Clone)]
pub struct Bearer(MetadataValue<Ascii>);

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

/// Longest wait for a connection; a call itself may take longer (a test
/// delivery waits for the receiver's answer).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

impl Connection {
    /// The organization requests name: empty for the key's own.
    pub fn organization(&self) -> String {
        self.organization.clone().unwrap_or_default()
    }

    pub async fn connect(&self) -> anyhow::Result<Clients> {
        let Some(key) = self.api_key.as_deref().filter(|k| !k.is_empty()) else {
            bail!("an API key is needed: give --api-key or set INBOUNDFLOW_API_KEY");
        };
        // The key is never repeated in an error: it is a credential.
        let bearer: MetadataValue<Ascii> = format!("Bearer {key}")
            .parse()
            .ok()
            .context("--api-key must be printable ASCII")?;
        let channel = self
            .endpoint()?
            .connect()
            .await
            .with_context(|| format!("cannot connect to {}", self.server))?;
        let with = || InterceptedService::new(channel.clone(), Bearer(bearer.clone()));
        Ok(Clients {
            subscriptions: SubscriptionServiceClient::new(with()),
            deliveries: DeliveryServiceClient::new(with()),
            events: EventServiceClient::new(with()),
        })
    }

    fn endpoint(&self) -> anyhow::Result<Endpoint> {
        let endpoint = Endpoint::from_shared(self.server.clone())
            .ok()
            .filter(|e| e.uri().host().is_some())
            .with_context(|| {
                format!(
                    "--server {:?} is not a URL like http://HOST:PORT",
                    self.server
                )
            })?
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(CALL_TIMEOUT);
        match endpoint.uri().scheme_str() {
            Some("https") => {
                let tls = match &self.ca_cert {
                    Some(path) => {
                        let pem = std::fs::read(path)
                            .with_context(|| format!("cannot read --ca-cert {}", path.display()))?;
                        ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem))
                    }
                    None => ClientTlsConfig::new().with_native_roots(),
                };
                endpoint.tls_config(tls).context("cannot set up TLS")
            }
            Some("http") if self.ca_cert.is_some() => {
                bail!("--ca-cert needs an https:// --server")
            }
            Some("http") => Ok(endpoint),
            _ => bail!("--server must start with http:// or https://"),
        }
    }
}
