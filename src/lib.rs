//! InboundFlow Webhooks: turns what happens on InboundFlow's AI phone calls
//! into signed HTTPS webhooks.
//!
//! # Layout
//! - [`domain`]: pure types and rules (events and their JSON body,
//!   signatures, validation, retry policy, what an attempt does to its
//!   delivery and its subscription's health); no I/O, no generated code.
//! - [`store`]: persistence behind the [`store::Store`] trait, opened from a
//!   database URL by [`store::open`]; SQLite is the embedded default. The
//!   backends apply the domain's rules inside their transactions.
//! - [`delivery`]: the engine that leases pending deliveries and POSTs them.
//! - [`api`]: the gRPC edge; converts between [`pb`] and the domain, maps
//!   errors to status codes.
//! - [`server`]: wiring of store, engine and gRPC router; [`server::run`] is
//!   the one entry point for `main` and for tests.
//! - [`config`]: the one typed configuration, from flags and `INBOUNDFLOW_*`;
//!   [`config_file`] adds a TOML file beneath them.
//! - [`listener`]: the gRPC listener's TLS, connection cap and timeouts.
//! - [`web`]: the browser's side on the same port: the Integrations page
//!   (embedded), gRPC-Web and CORS.
//!
//! Receivers written in Rust can check a webhook with [`verify_webhook`].

#![forbid(unsafe_code)]

pub mod api;
pub mod config;
pub mod config_file;
pub mod delivery;
pub mod domain;
pub mod listener;
pub mod metrics;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod web;

pub use domain::signature::{
    Received, VerifyError, sign as sign_webhook, verify as verify_webhook,
    verify_any as verify_webhook_any,
};

/// The generated protobuf API (`inboundflow.webhooks.v1`), re-exported at
/// this level: `pb::EmitEventRequest`, `pb::event_service_client::EventServiceClient`.
pub mod pb {
    #![allow(clippy::all, missing_docs)]

    pub mod google {
        pub mod r#type {
            tonic::include_proto!("google.r#type");
        }
    }

    pub mod inboundflow {
        pub mod webhooks {
            pub mod v1 {
                tonic::include_proto!("inboundflow.webhooks.v1");
            }
        }
    }

    pub use inboundflow::webhooks::v1::*;

    /// Descriptor set of the API, served by gRPC reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("inboundflow_descriptor");
}
