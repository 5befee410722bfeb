//! Black-box tests: each starts the real service on a random port with its
//! own database and drives it over gRPC, with real HTTP receivers.

mod conformance;
mod contract;
mod events_fixture;
mod helpers;
mod load;
mod management;
mod receiver;
mod restart;
mod retries;
mod test_webhook;
mod tls;
mod updates;
mod validation;
mod vectors;
