//! Black-box tests: each starts the real service on a random port with its
//! own database and drives it over gRPC, with real HTTP receivers.

mod auth;
mod backends;
mod conformance;
mod contract;
mod copy_to_postgres;
mod edge;
mod embed_tokens;
mod events_fixture;
mod fanout;
mod helpers;
mod instances;
mod isolation;
mod load;
mod management;
mod paging;
mod postgres_faults;
mod receiver;
mod receiver_answers;
mod restart;
mod retention;
mod retries;
mod rotation;
mod rules;
mod script_receiver;
mod secret_hygiene;
mod secrets_at_rest;
mod shared_database;
mod standard_webhooks;
mod storage_faults;
mod test_webhook;
mod tls;
mod updates;
mod validation;
mod vectors;
mod web_page;
