//! `inboundflow-webhooks keys`: API keys managed on the database directly,
//! for the first key (before any key can call the API) and for operators who
//! have the database but no key.

use clap::{Args, Subcommand, ValueEnum};

use inboundflow_webhooks::domain::api_key::{MAX_NAME_CHARS, Role};
use inboundflow_webhooks::domain::ids::{ApiKeyId, OrganizationId};
use inboundflow_webhooks::domain::time;
use inboundflow_webhooks::domain::validation::Violations;
use inboundflow_webhooks::store::{ApiKeyQuery, ApiKeyRecord, NewApiKey, Store};

#[derive(Args, Debug)]
pub struct KeysCommand {
    #[command(subcommand)]
    pub action: KeysAction,
}

#[derive(Subcommand, Debug)]
pub enum KeysAction {
    /// Creates a key and prints it (only the key, on standard output).
    Create {
        /// What the key may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Organization the key acts for (not for operator keys).
        #[arg(long)]
        organization: Option<String>,
        /// Free text to tell keys apart.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Lists an organization's keys, or with no organization the operator keys.
    List {
        #[arg(long)]
        organization: Option<String>,
        /// Include revoked keys.
        #[arg(long)]
        all: bool,
    },
    /// Revokes a key by its id.
    Revoke {
        /// The key's id, as `keys list` shows it.
        id: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    Emitter,
    Admin,
    Operator,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Emitter => Role::Emitter,
            RoleArg::Admin => Role::Admin,
            RoleArg::Operator => Role::Operator,
        }
    }
}

/// A command that cannot be carried out, in words for the terminal.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeysError(String);

fn organization(raw: &str) -> Result<OrganizationId, KeysError> {
    let mut v = Violations::new();
    OrganizationId::parse(raw, "--organization", &mut v).ok_or_else(|| KeysError(v.to_string()))
}

/// Runs the command; what it prints goes to standard output.
pub async fn run(store: &dyn Store, action: KeysAction) -> anyhow::Result<()> {
    match action {
        KeysAction::Create {
            role,
            organization: org,
            name,
        } => {
            let role = Role::from(role);
            let org = match (role, org) {
                (Role::Operator, None) => None,
                (Role::Operator, Some(_)) => {
                    return Err(
                        KeysError("operator keys belong to no --organization".into()).into(),
                    );
                }
                (_, Some(org)) => Some(organization(&org)?),
                (_, None) => {
                    return Err(KeysError(format!("{role} keys need --organization")).into());
                }
            };
            if name.chars().count() > MAX_NAME_CHARS {
                return Err(
                    KeysError(format!("--name: at most {MAX_NAME_CHARS} characters")).into(),
                );
            }
            let (new, secret) = NewApiKey::generate(org, role, name, time::now());
            let created = store.create_api_key(new).await?;
            // Only the key goes to standard output, so `KEY=$(… keys create …)` works.
            eprintln!("created {} key {}", created.role, created.id);
            println!("{}", secret.expose());
        }
        KeysAction::List {
            organization: org,
            all,
        } => {
            let org = org.as_deref().map(organization).transpose()?;
            let keys = store
                .list_api_keys(ApiKeyQuery {
                    organization_id: org,
                    show_revoked: all,
                    before: None,
                    limit: 10_000,
                })
                .await?;
            println!(
                "{:<36}  {:<8}  {:<12}  {:<20}  NAME",
                "ID", "ROLE", "PREFIX", "CREATED"
            );
            for key in keys {
                println!("{}", line(&key));
            }
        }
        KeysAction::Revoke { id } => {
            let mut v = Violations::new();
            let id = ApiKeyId::parse(&id, "id", &mut v).ok_or_else(|| KeysError(v.to_string()))?;
            let revoked = store
                .revoke_api_key(None, id, time::now())
                .await?
                .ok_or_else(|| KeysError(format!("no API key {id}")))?;
            println!("revoked {}", line(&revoked));
        }
    }
    Ok(())
}

fn line(key: &ApiKeyRecord) -> String {
    let revoked = if key.revoked_at.is_some() {
        " (revoked)"
    } else {
        ""
    };
    format!(
        "{:<36}  {:<8}  {:<12}  {:<20}  {}{revoked}",
        key.id,
        key.role.as_str(),
        key.prefix,
        key.created_at.format("%Y-%m-%dT%H:%M:%SZ"),
        key.name
    )
}
