//! The gRPC edge. One file per service; each service is a plain struct of its
//! dependencies whose methods parse the request into domain values
//! ([`convert`]), call the store or the engine, and convert back. Every error
//! becomes a status in one place ([`error`]).

pub mod codec;
mod convert;
mod deliveries;
mod error;
mod events;
mod paging;
mod subscriptions;

pub use deliveries::DeliveriesApi;
pub use error::ApiError;
pub use events::EventsApi;
pub use subscriptions::SubscriptionsApi;
