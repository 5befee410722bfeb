//! Subcommands of the `inboundflow-webhooks` binary besides `serve`.

pub mod keys;
