//! Pure types and rules of the webhook service: no I/O, no generated code.
//!
//! Everything here is decided before anything is stored or sent: what a valid
//! event, subscription or URL is ([`validation`] collects what is wrong, field
//! by field), the exact bytes a receiver gets ([`body`]), how they are signed
//! ([`signature`], [`signing`] for schemes and secret rotation,
//! [`standard_webhooks`]), how signing secrets are sealed for storage
//! ([`secret_box`]), when a failed delivery is tried again ([`retry`]),
//! what a receiver's answer means ([`answer`]) and what kind of failure an
//! attempt met ([`attempt_error`]), where a delivery goes after an attempt
//! ([`delivery`], [`outcome`]) and what attempts do to their subscription
//! ([`health`]: counting failures, automatic disabling, reactivation). The store backends call these rules
//! inside their transactions instead of restating them in SQL.

pub mod answer;
pub mod api_key;
pub mod attempt_error;
pub mod body;
pub mod delivery;
pub mod embed_token;
pub mod event;
pub mod health;
pub mod ids;
pub mod limits;
pub mod outcome;
pub mod retry;
pub mod sample;
pub mod secret_box;
pub mod signature;
pub mod signing;
pub mod standard_webhooks;
pub mod subscription;
pub mod target_url;
pub mod time;
pub mod validation;
