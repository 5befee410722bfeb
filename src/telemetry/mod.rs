//! Logging, set up once per process, to standard error. `RUST_LOG` chooses
//! what is shown (default `info`), and [`traces`] exports the same spans over
//! OTLP when an endpoint is configured.

pub mod traces;

use clap::ValueEnum;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

pub fn init(format: LogFormat) {
    let _no_traces = init_with_traces(format, None);
}

/// [`init`], and traces exported to `otlp_endpoint` when given; keep the
/// returned handle until exit (dropping it exports the last spans).
pub fn init_with_traces(
    format: LogFormat,
    otlp_endpoint: Option<&str>,
) -> Result<Option<traces::Traces>, opentelemetry_otlp::ExporterBuildError> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // A broken log pipe must not take the service down (tracing-subscriber
    // would otherwise report it with eprintln!, which panics on it too).
    // Logs go to standard error, so commands that print a result (`keys
    // create`) keep standard output for it; colours only on a terminal.
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .log_internal_errors(false);
    let (fmt_text, fmt_json) = match format {
        LogFormat::Text => (Some(fmt), None),
        LogFormat::Json => (
            None,
            Some(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr)
                    .log_internal_errors(false),
            ),
        ),
    };
    let (handle, otel) = match otlp_endpoint {
        Some(endpoint) => {
            let (handle, layer) = traces::pipeline(endpoint)?;
            (Some(handle), Some(layer))
        }
        None => (None, None),
    };
    // `try_init`: a second call (several servers in one test process) keeps the first.
    let _already_set = tracing_subscriber::registry()
        .with(filter)
        .with(fmt_text)
        .with(fmt_json)
        .with(otel)
        .try_init();
    Ok(handle)
}

/// An error with its causes, `outer: inner: root`, for logs.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
