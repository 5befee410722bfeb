//! CORS for gRPC-Web: only the configured origins may call the API from their
//! own pages (the Integrations page itself is same-origin and needs none).
//! Others get no CORS headers, so browsers refuse to send their calls, which
//! all need a preflight (`application/grpc-web+proto` is no simple request).

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::WebOrigin;

/// How long a browser may reuse a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// What connect-web's and grpc-web's transports send.
const REQUEST_HEADERS: [&str; 7] = [
    "authorization",
    "content-type",
    "x-grpc-web",
    "x-user-agent",
    "grpc-timeout",
    "connect-protocol-version",
    "connect-timeout-ms",
];

/// What a gRPC-Web client reads from an answer's headers (a trailers-only
/// answer, such as a refusal, carries its status there).
const RESPONSE_HEADERS: [&str; 3] = ["grpc-status", "grpc-message", "grpc-status-details-bin"];

/// The CORS layer for `origins`; with none, no cross-origin call is allowed.
pub fn layer(origins: &[WebOrigin]) -> CorsLayer {
    let origins = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.as_str()).ok());
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::POST])
        .allow_headers(REQUEST_HEADERS.map(HeaderName::from_static))
        .expose_headers(RESPONSE_HEADERS.map(HeaderName::from_static))
        .max_age(PREFLIGHT_MAX_AGE)
}
