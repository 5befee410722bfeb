//! `subscriptions list|get|test|reactivate`: where an organization's webhooks
//! go and how that is going.

use anyhow::bail;
use clap::{Args, Subcommand, ValueEnum};

use inboundflow_webhooks::domain::event::EventType;
use inboundflow_webhooks::pb;

use super::connection::{Clients, Connection};
use super::pages::Pages;
use super::status::Answer;
use super::table::{self, or_dash, short, time};
use super::{event_type, event_type_to_pb, json};

#[derive(Args)]
pub struct SubscriptionsCommand {
    #[command(flatten)]
    pub connection: Connection,
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Subcommand)]
pub enum Action {
    /// Lists the organization's subscriptions, newest first, with their health
    /// (ListSubscriptions).
    List {
        /// Only subscriptions in this state.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        #[command(flatten)]
        pages: Pages,
    },
    /// Shows one subscription: its settings and its delivery health
    /// (GetSubscription).
    Get {
        /// The subscription's id.
        id: String,
    },
    /// Sends a sample event to the subscription now ("Test webhook") and shows
    /// the receiver's answer; exits with 1 when it was not a 2xx. Logged as a
    /// test delivery; never counts towards disabling (TestSubscription).
    Test {
        /// The subscription's id.
        id: String,
        /// Kind of sample [default: the subscription's first event type].
        #[arg(long, value_parser = event_type)]
        event_type: Option<EventType>,
    },
    /// Enables a disabled subscription again: resets its failures and sends
    /// the deliveries that waited (ReactivateSubscription).
    Reactivate {
        /// The subscription's id.
        id: String,
    },
}

#[derive(ValueEnum, Clone, Copy)]
pub enum StatusArg {
    Enabled,
    Disabled,
}

pub async fn run(command: SubscriptionsCommand) -> anyhow::Result<()> {
    let connection = &command.connection;
    let mut api = connection.connect().await?;
    let org = connection.organization();
    match command.action {
        Action::List { status, pages } => list(&api, org, status, pages, connection.json).await,
        Action::Get { id } => {
            let answer = api
                .subscriptions
                .get_subscription(pb::GetSubscriptionRequest {
                    organization_id: org,
                    subscription_id: id,
                })
                .await
                .answer()?;
            show(&answer, answer.subscription.as_ref(), connection.json)
        }
        Action::Test { id, event_type } => {
            let answer = api
                .subscriptions
                .test_subscription(pb::TestSubscriptionRequest {
                    organization_id: org,
                    subscription_id: id,
                    event_type: event_type.map_or(0, event_type_to_pb),
                })
                .await
                .answer()?;
            if connection.json {
                json::print(&answer)?;
            } else {
                table::print(&test_record(&answer))?;
            }
            if !answer.success {
                bail!("the receiver did not accept the test delivery");
            }
            Ok(())
        }
        Action::Reactivate { id } => {
            let answer = api
                .subscriptions
                .reactivate_subscription(pb::ReactivateSubscriptionRequest {
                    organization_id: org,
                    subscription_id: id,
                })
                .await
                .answer()?;
            show(&answer, answer.subscription.as_ref(), connection.json)
        }
    }
}

async fn list(
    api: &Clients,
    org: String,
    status: Option<StatusArg>,
    pages: Pages,
    as_json: bool,
) -> anyhow::Result<()> {
    let status = match status {
        None => pb::SubscriptionStatus::Unspecified,
        Some(StatusArg::Enabled) => pb::SubscriptionStatus::Enabled,
        Some(StatusArg::Disabled) => pb::SubscriptionStatus::Disabled,
    } as i32;
    let collected = pages
        .collect(|page_size, page_token| {
            let mut client = api.subscriptions.clone();
            let request = pb::ListSubscriptionsRequest {
                organization_id: org.clone(),
                page_size,
                page_token,
                status,
            };
            async move {
                let page = client.list_subscriptions(request).await.answer()?;
                Ok((page.subscriptions, page.next_page_token))
            }
        })
        .await?;
    if as_json {
        return json::print(&pb::ListSubscriptionsResponse {
            subscriptions: collected.items,
            next_page_token: collected.next_page_token,
        });
    }
    if collected.items.is_empty() {
        return table::print("no subscriptions");
    }
    let rows = collected
        .items
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                table::subscription_status(s),
                s.url.clone(),
                table::event_types(&s.event_types),
                s.consecutive_failures.to_string(),
                time(s.last_success_time.as_ref()),
                or_dash(&short(&s.last_error)),
            ]
        })
        .collect();
    let headers = [
        "ID",
        "STATUS",
        "URL",
        "EVENTS",
        "FAILURES",
        "LAST SUCCESS",
        "LAST ERROR",
    ];
    table::print(&table::list(&headers, rows))?;
    super::pages::more(&collected.next_page_token)
}

/// Prints one subscription, or the whole answer as JSON.
fn show<M: prost::Message + prost::Name>(
    answer: &M,
    subscription: Option<&pb::Subscription>,
    as_json: bool,
) -> anyhow::Result<()> {
    if as_json {
        return json::print(answer);
    }
    let Some(s) = subscription else {
        bail!("the service answered without the subscription");
    };
    table::print(&record(s))
}

pub fn record(s: &pb::Subscription) -> String {
    let signature = if s.has_signing_secret {
        table::signature_scheme(s.signature_scheme)
    } else {
        "none (unsigned)".into()
    };
    let mut fields = vec![
        ("id", s.id.clone()),
        ("organization", s.organization_id.clone()),
        ("url", s.url.clone()),
        ("integration", table::integration(s.integration)),
        ("events", table::event_types(&s.event_types)),
        ("description", or_dash(&s.description)),
        ("status", table::subscription_status(s)),
        ("signature", signature),
        ("consecutive failures", s.consecutive_failures.to_string()),
        ("last success", time(s.last_success_time.as_ref())),
        ("last failure", time(s.last_failure_time.as_ref())),
        ("last error", or_dash(&s.last_error)),
        ("last error kind", table::error_kind(s.last_error_kind)),
    ];
    if s.secret_rotation_end_time.is_some() {
        fields.push((
            "secret rotation ends",
            time(s.secret_rotation_end_time.as_ref()),
        ));
    }
    fields.push(("created", time(s.create_time.as_ref())));
    fields.push(("updated", time(s.update_time.as_ref())));
    table::record(fields)
}

fn test_record(t: &pb::TestSubscriptionResponse) -> String {
    let answer = if t.status_code == 0 {
        "none".into()
    } else {
        format!("HTTP {}", t.status_code)
    };
    table::record(vec![
        ("success", if t.success { "yes" } else { "no" }.into()),
        ("answer", answer),
        ("latency", table::duration(t.latency.as_ref())),
        ("error", or_dash(&t.error)),
        ("error kind", table::error_kind(t.error_kind)),
        ("response body", or_dash(&t.response_body_excerpt)),
        ("delivery", t.delivery_id.clone()),
    ])
}
