//! `deliveries list|get|redeliver|replay`: the delivery log, and sending
//! again what a receiver missed.

use anyhow::bail;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};

use inboundflow_webhooks::pb;

use super::connection::{Clients, Connection};
use super::pages::Pages;
use super::status::Answer;
use super::table::{self, or_dash, short, time};
use super::{json, when};

#[derive(Args)]
pub struct DeliveriesCommand {
    #[command(flatten)]
    pub connection: Connection,
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Subcommand)]
pub enum Action {
    /// Lists deliveries, newest first (ListDeliveries).
    List {
        #[command(flatten)]
        filter: Filter,
        #[command(flatten)]
        pages: Pages,
    },
    /// Shows one delivery with every attempt: when, how long, the answer
    /// (GetDelivery).
    Get {
        /// The delivery's id (the `delivery_id` its receiver sees).
        id: String,
    },
    /// Sends one delivery again now, with the same delivery id and body,
    /// whatever became of it (on a disabled subscription it waits for
    /// `subscriptions reactivate`) (RedeliverDelivery).
    Redeliver {
        /// The delivery's id.
        id: String,
    },
    /// Sends a subscription every event of its types since a time that it
    /// did not receive successfully, including those emitted while it was
    /// disabled (ReplayDeliveries).
    Replay {
        /// The subscription to replay to.
        #[arg(long)]
        subscription: String,
        /// Events that occurred at or after this time: RFC 3339, or a time
        /// ago such as `2h`.
        #[arg(long, value_parser = when::instant)]
        since: DateTime<Utc>,
    },
}

/// Which deliveries `list` shows.
#[derive(Args)]
pub struct Filter {
    /// Only deliveries to this subscription.
    #[arg(long)]
    subscription: Option<String>,
    /// Only deliveries of this event.
    #[arg(long)]
    event: Option<String>,
    /// Only deliveries in this state.
    #[arg(long, value_enum)]
    status: Option<StatusArg>,
    /// Only deliveries created at or after this time: RFC 3339, or a time
    /// ago such as `1h`.
    #[arg(long, value_parser = when::instant)]
    since: Option<DateTime<Utc>>,
    /// Only deliveries created before this time: RFC 3339, or a time ago.
    #[arg(long, value_parser = when::instant)]
    until: Option<DateTime<Utc>>,
}

#[derive(ValueEnum, Clone, Copy)]
pub enum StatusArg {
    Pending,
    InFlight,
    Succeeded,
    Failed,
    Cancelled,
}

impl From<StatusArg> for pb::DeliveryStatus {
    fn from(status: StatusArg) -> Self {
        match status {
            StatusArg::Pending => Self::Pending,
            StatusArg::InFlight => Self::InFlight,
            StatusArg::Succeeded => Self::Succeeded,
            StatusArg::Failed => Self::Failed,
            StatusArg::Cancelled => Self::Cancelled,
        }
    }
}

fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub async fn run(command: DeliveriesCommand) -> anyhow::Result<()> {
    let connection = &command.connection;
    let mut api = connection.connect().await?;
    let org = connection.organization();
    let as_json = connection.json;
    match command.action {
        Action::List { filter, pages } => list(&api, org, filter, pages, as_json).await,
        Action::Get { id } => {
            let answer = api
                .deliveries
                .get_delivery(pb::GetDeliveryRequest {
                    organization_id: org,
                    delivery_id: id,
                })
                .await
                .answer()?;
            if as_json {
                return json::print(&answer);
            }
            let Some(delivery) = &answer.delivery else {
                bail!("the service answered without the delivery");
            };
            table::print(&record(delivery))?;
            table::print("")?;
            table::print(&attempts(&delivery.attempts))
        }
        Action::Redeliver { id } => {
            let answer = api
                .deliveries
                .redeliver_delivery(pb::RedeliverDeliveryRequest {
                    organization_id: org,
                    delivery_id: id,
                })
                .await
                .answer()?;
            match (&answer.delivery, as_json) {
                (_, true) => json::print(&answer),
                (Some(delivery), false) => table::print(&record(delivery)),
                (None, false) => bail!("the service answered without the delivery"),
            }
        }
        Action::Replay {
            subscription,
            since,
        } => {
            let answer = api
                .deliveries
                .replay_deliveries(pb::ReplayDeliveriesRequest {
                    organization_id: org,
                    subscription_id: subscription,
                    start_time: Some(timestamp(since)),
                })
                .await
                .answer()?;
            if as_json {
                return json::print(&answer);
            }
            table::print(&table::record(vec![
                ("new deliveries", answer.created_count.to_string()),
                (
                    "failed deliveries sent again",
                    answer.rescheduled_count.to_string(),
                ),
            ]))
        }
    }
}

async fn list(
    api: &Clients,
    org: String,
    filter: Filter,
    pages: Pages,
    as_json: bool,
) -> anyhow::Result<()> {
    let query = pb::ListDeliveriesRequest {
        organization_id: org,
        page_size: 0,
        page_token: String::new(),
        subscription_id: filter.subscription.unwrap_or_default(),
        event_id: filter.event.unwrap_or_default(),
        status: filter
            .status
            .map_or(pb::DeliveryStatus::Unspecified, Into::into) as i32,
        start_time: filter.since.map(timestamp),
        end_time: filter.until.map(timestamp),
    };
    let collected = pages
        .collect(|page_size, page_token| {
            let mut client = api.deliveries.clone();
            let request = pb::ListDeliveriesRequest {
                page_size,
                page_token,
                ..query.clone()
            };
            async move {
                let page = client.list_deliveries(request).await.answer()?;
                Ok((page.deliveries, page.next_page_token))
            }
        })
        .await?;
    if as_json {
        return json::print(&pb::ListDeliveriesResponse {
            deliveries: collected.items,
            next_page_token: collected.next_page_token,
        });
    }
    if collected.items.is_empty() {
        return table::print("no deliveries");
    }
    let rows = collected
        .items
        .iter()
        .map(|d| {
            vec![
                d.id.clone(),
                table::event_type(d.event_type),
                d.subscription_id.clone(),
                status(d),
                d.attempt_count.to_string(),
                last_answer(d.last_status_code, d.last_error_kind, &d.last_error),
                time(d.create_time.as_ref()),
                time(d.next_attempt_time.as_ref()),
            ]
        })
        .collect();
    let headers = [
        "ID",
        "EVENT",
        "SUBSCRIPTION",
        "STATUS",
        "ATTEMPTS",
        "LAST ANSWER",
        "CREATED",
        "NEXT ATTEMPT",
    ];
    table::print(&table::list(&headers, rows))?;
    super::pages::more(&collected.next_page_token)
}

/// `failed`, or `succeeded (test)` for "Test webhook" deliveries.
fn status(d: &pb::Delivery) -> String {
    let status = table::delivery_status(d.status);
    if d.test {
        format!("{status} (test)")
    } else {
        status
    }
}

/// `HTTP 500`, `timeout: …`, or `-` before any attempt or after a success.
fn last_answer(code: u32, kind: i32, error: &str) -> String {
    match (code, error.is_empty()) {
        (0, true) => "-".into(),
        (0, false) => short(&format!("{}: {error}", table::error_kind(kind))),
        (code, _) => format!("HTTP {code}"),
    }
}

fn record(d: &pb::Delivery) -> String {
    table::record(vec![
        ("id", d.id.clone()),
        ("organization", d.organization_id.clone()),
        ("event", d.event_id.clone()),
        ("event type", table::event_type(d.event_type)),
        ("subscription", d.subscription_id.clone()),
        ("status", status(d)),
        ("attempts", d.attempt_count.to_string()),
        ("next attempt", time(d.next_attempt_time.as_ref())),
        ("last status code", d.last_status_code.to_string()),
        ("last error", or_dash(&d.last_error)),
        ("last error kind", table::error_kind(d.last_error_kind)),
        ("created", time(d.create_time.as_ref())),
        ("updated", time(d.update_time.as_ref())),
    ])
}

fn attempts(attempts: &[pb::Attempt]) -> String {
    if attempts.is_empty() {
        return "no attempts yet".into();
    }
    let rows = attempts
        .iter()
        .map(|a| {
            vec![
                a.number.to_string(),
                time(a.start_time.as_ref()),
                table::duration(a.duration.as_ref()),
                if a.status_code == 0 {
                    "-".into()
                } else {
                    a.status_code.to_string()
                },
                table::error_kind(a.error_kind),
                or_dash(&short(&a.error)),
                or_dash(&short(&a.response_body_excerpt)),
            ]
        })
        .collect();
    let headers = [
        "ATTEMPT",
        "STARTED",
        "DURATION",
        "CODE",
        "ERROR KIND",
        "ERROR",
        "RESPONSE",
    ];
    table::list(&headers, rows)
}
