//! Black-box tests: each starts the real service on a random port with its
//! own database and drives it over gRPC, with real HTTP receivers.

mod contract;
mod events_fixture;
mod helpers;
mod receiver;
mod retries;
mod test_webhook;
mod validation;
