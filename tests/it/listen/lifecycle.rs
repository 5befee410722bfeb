//! A `listen` session's life beyond one run: a crash's session removed at
//! the next start, the key and arguments it needs, another instance on the
//! same database, and a service shutdown that ends it.

use super::*;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    config: Config,
}

/// The temporary subscriptions stored in the database at `url`, read directly.
async fn stored_listen_subscriptions(url: &str) -> usize {
    let mut argv = vec!["test", "--database-url", url];
    argv.extend(backend_flags(url, &[]));
    let options = Args::try_parse_from(argv)
        .expect("flags")
        .config
        .store_options()
        .expect("options");
    let store = inboundflow_webhooks::store::open(url, options)
        .await
        .expect("open the database");
    let found = store
        .list_subscriptions(SubscriptionQuery {
            organization_id: OrganizationId::from_stored(ORG.into()),
            enabled: None,
            before: None,
            limit: 10,
        })
        .await
        .expect("list");
    store.close().await;
    found
        .iter()
        .filter(|s| s.url.as_str().starts_with("listen://"))
        .count()
}

#[tokio::test]
async fn a_restart_removes_a_session_left_by_a_crash() {
    let database = TestDatabase::new().await;
    let (mut server, mut app) = start_binary(database.url(), &[]).await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let receiver = TestReceiver::start().await;
    let mut cli = ListenCli::start(app.address, &key, &receiver.url(), &[]);
    cli.secret().await;

    server.kill().await.expect("crash the service");
    let status = cli.exit().await;
    assert!(!status.success(), "the command says the session is lost");
    assert!(
        cli.stderr.text().contains("session"),
        "{}",
        cli.stderr.text()
    );
    assert_eq!(
        stored_listen_subscriptions(database.url()).await,
        1,
        "the crash left the temporary subscription behind"
    );

    let mut app = spawn_on(database.url(), FAST).await;
    gone(&mut app).await;
}

#[tokio::test]
async fn a_session_needs_an_admin_key_and_a_valid_start() {
    let mut app = spawn_app().await;
    let receiver = TestReceiver::start().await;
    let emitter = app.key(pb::ApiKeyRole::Emitter, ORG).await;
    let mut cli = ListenCli::start(app.address, &emitter, &receiver.url(), &[]);
    assert!(!cli.exit().await.success());
    assert!(
        cli.stderr.text().contains("PermissionDenied"),
        "{}",
        cli.stderr.text()
    );

    let admin = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let mut cli = ListenCli::start(
        app.address,
        &admin,
        &receiver.url(),
        &["--events", "call.finished"],
    );
    assert!(!cli.exit().await.success());
    assert!(
        cli.stderr.text().contains("--events: unknown event type"),
        "{}",
        cli.stderr.text()
    );

    let open = |payload| {
        let mut subscriptions = app.subscriptions.clone();
        async move {
            subscriptions
                .listen(tokio_stream::iter(vec![pb::ListenRequest {
                    payload: Some(payload),
                }]))
                .await
                .map(|_| ())
                .expect_err("refused")
        }
    };
    let status = open(pb::listen_request::Payload::Result(pb::ListenResult {
        forward_id: 1,
        ..Default::default()
    }))
    .await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert_eq!(violations(&status)[0].0, "start");
    let status = open(pb::listen_request::Payload::Start(pb::ListenStart {
        organization_id: ORG.into(),
        event_types: vec![],
        description: String::new(),
    }))
    .await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert_eq!(violations(&status)[0].0, "start.event_types");

    // Nobody can point a subscription at a session.
    let status = app
        .subscriptions
        .create_subscription(pb::CreateSubscriptionRequest {
            organization_id: ORG.into(),
            subscription: Some(pb::Subscription {
                url: "listen://local/0193a7c4-0000-7000-8000-000000000000".into(),
                integration: pb::Integration::Custom as i32,
                event_types: vec![pb::EventType::CallCompleted as i32],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect_err("a listen URL");
    assert_eq!(violations(&status)[0].0, "subscription.url");
}

#[tokio::test]
async fn another_instance_on_the_same_database_leaves_a_sessions_deliveries_to_its_instance() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: one process per file");
        return;
    }
    let mut first = spawn_app().await;
    let key = first.key(pb::ApiKeyRole::Admin, ORG).await;
    let receiver = TestReceiver::start().await;
    let cli = ListenCli::start(first.address, &key, &receiver.url(), &[]);
    cli.secret().await;
    // Started with the session live: its purge of leftovers must spare it.
    let mut second = spawn_on(&first.database_url, FAST).await;

    // Emitted through the instance without the session, whose engine hears
    // of them first.
    let mut ids = Vec::new();
    for i in 0..10 {
        let emitted = second
            .emit(call_completed(ORG, &format!("via the other {i}")))
            .await;
        ids.extend(emitted.delivery_ids);
    }
    for id in &ids {
        let delivery = second
            .delivery_reaches(ORG, id, pb::DeliveryStatus::Succeeded)
            .await;
        assert_eq!(
            delivery.attempt_count,
            1,
            "never failed on the instance without the session: {:?}",
            second.delivery(ORG, id).await.attempts
        );
        cli.line_for(id, "200").await;
    }
    assert_eq!(listen_subscriptions(&mut second).await.len(), 1);
}

#[tokio::test]
async fn a_service_shutdown_ends_the_session_and_removes_its_subscription() {
    let mut app = spawn_app().await;
    let key = app.key(pb::ApiKeyRole::Admin, ORG).await;
    let receiver = TestReceiver::start().await;
    let mut cli = ListenCli::start(app.address, &key, &receiver.url(), &[]);
    cli.secret().await;

    let database = tokio::time::timeout(WAIT, app.stop())
        .await
        .expect("shutdown does not wait for the session")
        .expect("the test database");
    assert!(!cli.exit().await.success());
    assert!(
        cli.stderr.text().contains("the service ended the session"),
        "{}",
        cli.stderr.text()
    );
    assert_eq!(stored_listen_subscriptions(database.url()).await, 0);
}
