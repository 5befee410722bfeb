//! Readable output: aligned columns for lists, `field  value` lines for one
//! item, and the words tables use for the API's enums, times and durations
//! (the short names the commands' flags take: `failed`, `call.completed`).

use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat};
use comfy_table::{Table, presets};

use inboundflow_webhooks::domain::event::EventType;
use inboundflow_webhooks::pb;

/// Longest text a list cell shows; `get` shows it whole.
const CELL_CHARS: usize = 60;

/// Columns under upper-case headers, separated by spaces (as `kubectl get`).
pub fn list(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_header(headers.to_vec());
    for row in rows {
        table.add_row(row);
    }
    trimmed(&mut table)
}

/// One item: a field name per line, then its value.
pub fn record(fields: Vec<(&str, String)>) -> String {
    let mut table = Table::new();
    table.load_preset(presets::NOTHING);
    for (name, value) in fields {
        table.add_row(vec![name.to_owned(), value]);
    }
    trimmed(&mut table)
}

/// Columns two spaces apart, none before the first.
fn trimmed(table: &mut Table) -> String {
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    let text = table.to_string();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n")
}

/// Writes `text` and a line break on standard output.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").context("cannot write to standard output")
}

/// Text cut to fit a list cell.
pub fn short(text: &str) -> String {
    if text.chars().count() <= CELL_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(CELL_CHARS - 1).collect();
    format!("{cut}…")
}

/// `2026-02-24T21:00:00Z`, or `-` when unset.
pub fn time(at: Option<&prost_types::Timestamp>) -> String {
    at.and_then(|t| DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).ok()?))
        .map_or_else(
            || "-".into(),
            |t| t.to_rfc3339_opts(SecondsFormat::Secs, true),
        )
}

/// `1.2s`, `350ms`, or `-` when unset.
pub fn duration(d: Option<&prost_types::Duration>) -> String {
    d.and_then(|d| std::time::Duration::try_from(*d).ok())
        .map_or_else(
            || "-".into(),
            |d| {
                humantime::format_duration(std::time::Duration::from_millis(
                    u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
                ))
                .to_string()
            },
        )
}

/// `-` for an empty value.
pub fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".into()
    } else {
        text.to_owned()
    }
}

pub fn event_type(raw: i32) -> String {
    EventType::ALL
        .into_iter()
        .find(|t| super::event_type_to_pb(*t) == raw)
        .map_or_else(|| format!("unknown ({raw})"), |t| t.as_str().to_owned())
}

pub fn event_types(raw: &[i32]) -> String {
    raw.iter()
        .map(|t| event_type(*t))
        .collect::<Vec<_>>()
        .join(",")
}

/// `enabled`, or `disabled (too many failures)`.
pub fn subscription_status(subscription: &pb::Subscription) -> String {
    let status = words(
        pb::SubscriptionStatus::try_from(subscription.status)
            .ok()
            .map(|s| s.as_str_name()),
        "SUBSCRIPTION_STATUS_",
        "-",
    );
    match pb::DisabledReason::try_from(subscription.disabled_reason) {
        Ok(pb::DisabledReason::Unspecified) | Err(_) => status,
        Ok(reason) => format!(
            "{status} ({})",
            words(Some(reason.as_str_name()), "DISABLED_REASON_", " ")
        ),
    }
}

/// `pending`, `in-flight`, `succeeded`, `failed`, `cancelled`.
pub fn delivery_status(raw: i32) -> String {
    words(
        pb::DeliveryStatus::try_from(raw)
            .ok()
            .map(|s| s.as_str_name()),
        "DELIVERY_STATUS_",
        "-",
    )
}

/// `timeout`, `http status`, … or `-` for none.
pub fn error_kind(raw: i32) -> String {
    match pb::AttemptErrorKind::try_from(raw) {
        Ok(pb::AttemptErrorKind::Unspecified) => "-".into(),
        kind => words(
            kind.ok().map(|k| k.as_str_name()),
            "ATTEMPT_ERROR_KIND_",
            " ",
        ),
    }
}

pub fn integration(raw: i32) -> String {
    words(
        pb::Integration::try_from(raw).ok().map(|i| i.as_str_name()),
        "INTEGRATION_",
        "-",
    )
}

pub fn signature_scheme(raw: i32) -> String {
    words(
        pb::SignatureScheme::try_from(raw)
            .ok()
            .map(|s| s.as_str_name()),
        "SIGNATURE_SCHEME_",
        "-",
    )
}

/// An enum value's name without its prefix, in lower case, `_` as `joiner`.
fn words(name: Option<&str>, prefix: &str, joiner: &str) -> String {
    match name {
        Some(name) => name
            .trim_start_matches(prefix)
            .to_lowercase()
            .replace('_', joiner),
        None => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_values_read_as_the_flags_name_them() {
        assert_eq!(
            delivery_status(pb::DeliveryStatus::InFlight as i32),
            "in-flight"
        );
        assert_eq!(
            error_kind(pb::AttemptErrorKind::HttpStatus as i32),
            "http status"
        );
        assert_eq!(error_kind(0), "-");
        assert_eq!(
            event_type(pb::EventType::LeadCreated as i32),
            "lead.created"
        );
        let disabled = pb::Subscription {
            status: pb::SubscriptionStatus::Disabled as i32,
            disabled_reason: pb::DisabledReason::TooManyFailures as i32,
            ..Default::default()
        };
        assert_eq!(
            subscription_status(&disabled),
            "disabled (too many failures)"
        );
        assert_eq!(
            duration(Some(&prost_types::Duration {
                seconds: 1,
                nanos: 250_000_000
            })),
            "1s 250ms"
        );
        assert_eq!(short(&"x".repeat(80)).chars().count(), CELL_CHARS);
    }

    #[test]
    fn columns_line_up_without_trailing_space() {
        let text = list(
            &["ID", "STATUS"],
            vec![
                vec!["a".into(), "enabled".into()],
                vec!["bbbb".into(), "-".into()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        let column = lines[0].find("STATUS").expect("header");
        assert_eq!(lines[1].find("enabled"), Some(column), "{text}");
        assert!(lines.iter().all(|l| !l.ends_with(' ')), "{text}");
    }
}
