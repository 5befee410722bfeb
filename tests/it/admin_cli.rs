//! The admin commands (`subscriptions`, `deliveries`, `emit-sample`): the real
//! binary against a running service, as an operator on call would use it,
//! reading its tables and its `--json`.

use std::net::SocketAddr;
use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use super::helpers::*;
use inboundflow_webhooks::pb;

mod https;

/// Runs the binary with `args` against the service at `address` as `key`.
async fn admin(address: SocketAddr, key: &str, args: &[&str]) -> Output {
    admin_at(&format!("http://{address}"), key, args).await
}

/// Runs the binary with `args` against the service at the URL `server` as
/// `key`, with none of the admin commands' environment variables.
async fn admin_at(server: &str, key: &str, args: &[&str]) -> Output {
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_inboundflow-webhooks"))
        .args(args)
        .args(["--server", server, "--api-key", key])
        .env_remove("INBOUNDFLOW_SERVER")
        .env_remove("INBOUNDFLOW_API_KEY")
        .env_remove("INBOUNDFLOW_ORGANIZATION")
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the command ends")
        .expect("the binary runs")
}

/// Standard output of a command that must succeed.
async fn ok(address: SocketAddr, key: &str, args: &[&str]) -> String {
    let out = admin(address, key, args).await;
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

async fn json(address: SocketAddr, key: &str, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let text = ok(address, key, &all).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
}

/// The line of a table that mentions `needle`.
fn line_with<'a>(table: &'a str, needle: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{table}"))
}

/// The value of `field` in a one-item table (`field  value`).
fn field<'a>(table: &'a str, name: &str) -> &'a str {
    table
        .lines()
        .find_map(|l| {
            let value = l.strip_prefix(name)?;
            value.starts_with("  ").then(|| value.trim())
        })
        .unwrap_or_else(|| panic!("no field {name:?} in\n{table}"))
}

#[tokio::test]
async fn an_operator_finds_a_disabled_subscription_tests_it_and_reactivates_it() {
    const ORG: &str = "org_cli_disabled";
    let mut app = spawn_app_with(&[FAST, &["--failure-threshold", "1"]].concat()).await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let healthy = TestReceiver::start().await;
    let failing = TestReceiver::start_with(Behavior::Status(500)).await;
    let kinds = [pb::EventType::CallCompleted];
    let good = app.subscribe(ORG, &healthy.url(), &kinds, None).await;
    let bad = app.subscribe(ORG, &failing.url(), &kinds, None).await;
    let emitted = app.emit(call_completed(ORG, "brakes")).await;
    eventually(Duration::from_secs(20), || {
        let mut app = app.clients(Some(&key));
        let id = bad.id.clone();
        async move {
            let s = app
                .subscriptions
                .get_subscription(pb::GetSubscriptionRequest {
                    organization_id: String::new(),
                    subscription_id: id,
                })
                .await
                .ok()?
                .into_inner()
                .subscription?;
            (s.status == pb::SubscriptionStatus::Disabled as i32).then_some(())
        }
    })
    .await;
    let at = app.address;

    let table = ok(at, &key, &["subscriptions", "list"]).await;
    assert!(table.starts_with("ID  "), "{table}");
    let row = line_with(&table, &bad.id);
    assert!(row.contains("disabled (too many failures)"), "{row}");
    assert!(row.contains(&failing.url()), "{row}");
    assert!(line_with(&table, &good.id).contains("enabled"), "{table}");

    let disabled = json(at, &key, &["subscriptions", "list", "--status", "disabled"]).await;
    let listed = disabled["subscriptions"].as_array().expect("a list");
    assert_eq!(listed.len(), 1, "{disabled}");
    assert_eq!(listed[0]["id"], bad.id.as_str());
    assert_eq!(listed[0]["status"], "SUBSCRIPTION_STATUS_DISABLED");
    assert_eq!(
        listed[0]["disabledReason"],
        "DISABLED_REASON_TOO_MANY_FAILURES"
    );
    assert_eq!(listed[0]["consecutiveFailures"], 1);
    assert_eq!(disabled["nextPageToken"], "");

    let shown = ok(at, &key, &["subscriptions", "get", &bad.id]).await;
    assert_eq!(field(&shown, "status"), "disabled (too many failures)");
    assert_eq!(field(&shown, "last error kind"), "http status");
    assert!(field(&shown, "last error").contains("500"), "{shown}");
    let got = json(at, &key, &["subscriptions", "get", &bad.id]).await;
    assert_eq!(
        got["subscription"]["lastErrorKind"],
        "ATTEMPT_ERROR_KIND_HTTP_STATUS"
    );

    // While the receiver still fails, the test says so, in its exit code too.
    let still = admin(at, &key, &["subscriptions", "test", &bad.id]).await;
    assert_eq!(still.status.code(), Some(1));
    let table = String::from_utf8_lossy(&still.stdout);
    assert_eq!(field(&table, "success"), "no");
    assert_eq!(field(&table, "answer"), "HTTP 500");

    failing.set_default(Behavior::Status(200));
    let tested = ok(at, &key, &["subscriptions", "test", &bad.id]).await;
    assert_eq!(field(&tested, "success"), "yes");
    assert_eq!(field(&tested, "answer"), "HTTP 200");
    let tested = json(
        at,
        &key,
        &[
            "subscriptions",
            "test",
            &bad.id,
            "--event-type",
            "call.completed",
        ],
    )
    .await;
    assert_eq!(tested["success"], true);
    assert_eq!(tested["statusCode"], 200);

    let reactivated = json(at, &key, &["subscriptions", "reactivate", &bad.id]).await;
    assert_eq!(
        reactivated["subscription"]["status"],
        "SUBSCRIPTION_STATUS_ENABLED"
    );
    assert_eq!(reactivated["subscription"]["consecutiveFailures"], 0);
    let waiting = emitted
        .delivery_ids
        .iter()
        .find(|id| {
            failing
                .received()
                .iter()
                .any(|r| r.delivery_id() == id.as_str())
        })
        .expect("the failed delivery went to the failing receiver")
        .clone();
    app.delivery_reaches(ORG, &waiting, pb::DeliveryStatus::Succeeded)
        .await;
}

#[tokio::test]
async fn an_operator_finds_a_missed_event_and_sends_it_again() {
    const ORG: &str = "org_cli_missed";
    let mut app = spawn_app().await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let receiver = TestReceiver::start().await;
    let kinds = [pb::EventType::LeadCreated];
    let sub = app.subscribe(ORG, &receiver.url(), &kinds, None).await;
    let at = app.address;

    let emitted = ok(at, &key, &["emit-sample", "--event-type", "lead.created"]).await;
    assert_eq!(field(&emitted, "type"), "lead.created");
    assert_eq!(field(&emitted, "deliveries"), "1");
    let delivery = field(&emitted, "delivery").to_owned();
    let event = field(&emitted, "event").to_owned();
    app.delivery_reaches(ORG, &delivery, pb::DeliveryStatus::Succeeded)
        .await;
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(
        got[0].json()["data"]["interest"],
        "auto body work",
        "the sample"
    );

    let table = ok(at, &key, &["deliveries", "list", "--subscription", &sub.id]).await;
    let row = line_with(&table, &delivery);
    for expected in ["lead.created", "succeeded", "HTTP 200", &sub.id] {
        assert!(row.contains(expected), "{expected}: {row}");
    }
    let none = ok(at, &key, &["deliveries", "list", "--status", "failed"]).await;
    assert_eq!(none.trim(), "no deliveries");
    let listed = json(
        at,
        &key,
        &["deliveries", "list", "--event", &event, "--since", "1h"],
    )
    .await;
    assert_eq!(listed["deliveries"][0]["id"], delivery.as_str());
    assert_eq!(
        listed["deliveries"][0]["status"],
        "DELIVERY_STATUS_SUCCEEDED"
    );
    let later = json(
        at,
        &key,
        &["deliveries", "list", "--since", "2099-01-01T00:00:00Z"],
    )
    .await;
    assert_eq!(later["deliveries"], serde_json::json!([]));

    let shown = ok(at, &key, &["deliveries", "get", &delivery]).await;
    assert_eq!(field(&shown, "status"), "succeeded");
    assert_eq!(field(&shown, "attempts"), "1");
    let attempt = line_with(&shown, "ATTEMPT");
    assert!(attempt.contains("CODE"), "{shown}");
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("1  ") && l.contains("200")),
        "{shown}"
    );
    let got = json(at, &key, &["deliveries", "get", &delivery]).await;
    assert_eq!(got["delivery"]["attempts"][0]["statusCode"], 200);

    let again = ok(at, &key, &["deliveries", "redeliver", &delivery]).await;
    assert_eq!(field(&again, "id"), delivery);
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got[1].delivery_id(), delivery, "the same delivery id");

    // A subscription made after the event gets it by replay.
    let late_receiver = TestReceiver::start().await;
    let late = app.subscribe(ORG, &late_receiver.url(), &kinds, None).await;
    let replayed = ok(
        at,
        &key,
        &[
            "deliveries",
            "replay",
            "--subscription",
            &late.id,
            "--since",
            "1h",
        ],
    )
    .await;
    assert_eq!(field(&replayed, "new deliveries"), "1");
    let got = late_receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got[0].header("x-inboundflow-event"), "lead.created");
    let late_log = json(
        at,
        &key,
        &["deliveries", "list", "--subscription", &late.id],
    )
    .await;
    assert_eq!(late_log["deliveries"][0]["eventId"], event.as_str());
    let replayed = json(
        at,
        &key,
        &[
            "deliveries",
            "replay",
            "--subscription",
            &late.id,
            "--since",
            "1h",
        ],
    )
    .await;
    assert_eq!(
        replayed,
        serde_json::json!({"createdCount": 0, "rescheduledCount": 0}),
        "nothing is sent twice"
    );
}

#[tokio::test]
async fn lists_follow_pages_up_to_the_limit() {
    const ORG: &str = "org_cli_pages";
    let mut app = spawn_app().await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let kinds = [pb::EventType::CallCompleted];
    for _ in 0..5 {
        app.subscribe(ORG, "https://example.com/hook", &kinds, None)
            .await;
    }
    let at = app.address;
    let count = |v: &Value| v["subscriptions"].as_array().expect("a list").len();

    let some = json(
        at,
        &key,
        &["subscriptions", "list", "--limit", "4", "--page-size", "2"],
    )
    .await;
    assert_eq!(count(&some), 4);
    assert_ne!(some["nextPageToken"], "", "more are left");
    let all = json(
        at,
        &key,
        &["subscriptions", "list", "--limit", "10", "--page-size", "2"],
    )
    .await;
    assert_eq!(count(&all), 5);
    assert_eq!(all["nextPageToken"], "");

    let out = admin(at, &key, &["subscriptions", "list", "--limit", "2"]).await;
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("raise --limit"));
}

#[tokio::test]
async fn a_bad_key_or_a_bad_argument_is_refused_with_a_non_zero_exit() {
    const ORG: &str = "org_cli_refused";
    let mut app = spawn_app().await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let at = app.address;
    let stderr = |out: &Output| String::from_utf8_lossy(&out.stderr).into_owned();

    let made_up = "ifk_0000000000000000000000000000000000000000000";
    for args in [
        &["subscriptions", "list"][..],
        &["deliveries", "list"],
        &["emit-sample"],
    ] {
        let out = admin(at, made_up, args).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("UNAUTHENTICATED"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains(made_up), "the key is never repeated");
    }

    let out = admin(at, &key, &["subscriptions", "get", "not-a-uuid"]).await;
    assert_eq!(out.status.code(), Some(1));
    let error = stderr(&out);
    assert!(error.starts_with("error: INVALID_ARGUMENT"), "{error}");
    assert!(
        error.contains("\n  subscription_id: "),
        "the field: {error}"
    );

    let out = admin(at, &key, &["deliveries", "get", "not-a-uuid"]).await;
    assert!(stderr(&out).contains("delivery_id"), "{}", stderr(&out));

    let out = admin(at, &key, &["deliveries", "list", "--since", "yesterday"]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--since"), "{}", stderr(&out));

    let out = admin(at, "", &["subscriptions", "list"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--api-key"), "{}", stderr(&out));

    // An operator key names the organization it acts for.
    let operator = app.operator_key.clone();
    let out = admin(at, &operator, &["subscriptions", "list"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("organization_id"), "{}", stderr(&out));
    let listed = json(
        at,
        &operator,
        &["subscriptions", "list", "--organization", ORG],
    )
    .await;
    assert_eq!(listed["subscriptions"], serde_json::json!([]));
}
