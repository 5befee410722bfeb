//! Subcommands of the `inboundflow-webhooks` binary besides `serve`.

pub mod admin;
pub mod copy;
pub mod keys;
pub mod listen;
