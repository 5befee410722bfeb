//! The gRPC edge. One file per service; each service is a plain struct of its
//! dependencies whose methods parse the request into domain values
//! ([`convert`]), call the store or the engine, and convert back. Every error
//! becomes a status in one place ([`error`]). [`auth`] stands in front of all
//! of them: no request reaches a service without a key that may make it, and
//! each service acts only for its caller's organization.

mod api_keys;
pub mod auth;
pub mod codec;
mod convert;
mod deliveries;
mod embed_tokens;
mod error;
mod events;
mod paging;
mod subscriptions;

pub use api_keys::ApiKeysApi;
pub use convert::event_type_to_pb;
pub use convert::events::sample_payload;
pub use deliveries::DeliveriesApi;
pub use error::ApiError;
pub use events::EventsApi;
pub use subscriptions::SubscriptionsApi;
