//! The browser's side of the port: the Integrations page is served with its
//! security headers, gRPC-Web calls over HTTP/1.1 pass authentication like
//! gRPC ones, and CORS answers only the configured origins. (The page itself
//! is exercised in Chromium by `web/tests`.)

use reqwest::header;

use super::helpers::{FAST, spawn_app_with};
use inboundflow_webhooks::pb;

const DASHBOARD: &str = "https://dashboard.example.com";
const LIST: &str = "/inboundflow.webhooks.v1.SubscriptionService/ListSubscriptions";

fn flags() -> Vec<&'static str> {
    let mut flags = FAST.to_vec();
    flags.extend(["--web-origins", DASHBOARD]);
    flags
}

fn header_of(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_page_is_served_from_the_binary_with_its_security_policy() {
    let app = spawn_app_with(&flags()).await;
    let base = format!("http://{}", app.address);
    let http = reqwest::Client::new();

    let index = http
        .get(format!("{base}/integrations"))
        .send()
        .await
        .expect("GET the page");
    assert_eq!(index.status(), 200);
    assert!(header_of(&index, "content-type").starts_with("text/html"));
    assert_eq!(header_of(&index, "cache-control"), "no-cache");
    let policy = header_of(&index, "content-security-policy");
    assert!(
        policy.contains(&format!("frame-ancestors 'self' {DASHBOARD}")),
        "{policy}"
    );
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let html = index.text().await.expect("page");
    let script = html
        .split('"')
        .find(|s| s.starts_with("/integrations/assets/") && s.ends_with(".js"))
        .expect("the page names its script");

    let bundle = http
        .get(format!("{base}{script}"))
        .send()
        .await
        .expect("GET the bundle");
    assert_eq!(bundle.status(), 200);
    assert!(header_of(&bundle, "content-type").contains("javascript"));
    assert!(header_of(&bundle, "cache-control").contains("immutable"));
    let etag = header_of(&bundle, "etag");
    let again = http
        .get(format!("{base}{script}"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("GET again");
    assert_eq!(again.status(), 304);

    let settings = http
        .get(format!("{base}/integrations/settings.json"))
        .send()
        .await
        .expect("GET settings")
        .text()
        .await
        .expect("settings");
    let settings: serde_json::Value = serde_json::from_str(&settings).expect("JSON");
    assert_eq!(settings["allowPrivateTargets"], true);
    let missing = http
        .get(format!("{base}/integrations/assets/nothing.js"))
        .send()
        .await
        .expect("GET a missing file");
    assert_eq!(missing.status(), 404);
}

/// A gRPC-Web frame of an empty message, then the answer's status.
async fn grpc_web_list(base: &str, key: Option<&str>) -> (reqwest::StatusCode, String, Vec<u8>) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}{LIST}"))
        .header(header::CONTENT_TYPE, "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .body(vec![0u8, 0, 0, 0, 0]);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.expect("gRPC-Web call");
    let status = response.status();
    let grpc_status = header_of(&response, "grpc-status");
    let body = response.bytes().await.expect("body").to_vec();
    (status, grpc_status, body)
}

#[tokio::test]
async fn grpc_web_calls_are_authenticated_like_grpc_calls() {
    let mut app = spawn_app_with(&flags()).await;
    let base = format!("http://{}", app.address);
    let org = "org_web";
    app.subscribe(
        org,
        "https://example.com/hook",
        &[pb::EventType::LeadCreated],
        None,
    )
    .await;
    let admin = app.key(pb::ApiKeyRole::Admin, org).await;

    let (status, grpc_status, _) = grpc_web_list(&base, None).await;
    assert_eq!(status, 200);
    assert_eq!(grpc_status, "16", "no key: UNAUTHENTICATED");

    let (status, grpc_status, body) = grpc_web_list(&base, Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(
        grpc_status, "",
        "a full answer carries its status in trailers"
    );
    // A data frame with the subscription, then the trailers frame.
    assert_eq!(body.first(), Some(&0));
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("https://example.com/hook"), "{text}");
    assert!(text.contains("grpc-status:0"), "{text}");
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    let app = spawn_app_with(&flags()).await;
    let base = format!("http://{}", app.address);
    let preflight = |origin: &'static str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, format!("{base}{LIST}"))
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type,x-grpc-web,x-user-agent",
            )
            .send()
    };
    let allowed = preflight(DASHBOARD).await.expect("preflight");
    assert_eq!(
        header_of(&allowed, "access-control-allow-origin"),
        DASHBOARD
    );
    let headers = header_of(&allowed, "access-control-allow-headers");
    assert!(headers.contains("authorization"), "{headers}");
    assert!(header_of(&allowed, "access-control-allow-methods").contains("POST"));

    let refused = preflight("https://evil.example").await.expect("preflight");
    assert_eq!(header_of(&refused, "access-control-allow-origin"), "");

    // An actual call from the dashboard may read the status headers.
    let call = reqwest::Client::new()
        .post(format!("{base}{LIST}"))
        .header(header::ORIGIN, DASHBOARD)
        .header(header::CONTENT_TYPE, "application/grpc-web+proto")
        .body(vec![0u8, 0, 0, 0, 0])
        .send()
        .await
        .expect("call");
    assert_eq!(header_of(&call, "access-control-allow-origin"), DASHBOARD);
    assert!(header_of(&call, "access-control-expose-headers").contains("grpc-status"));
}
