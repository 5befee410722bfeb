//! A fresh database for each test: a SQLite file in a temporary directory,
//! or a new database on the PostgreSQL server `INBOUNDFLOW_TEST_POSTGRES_URL`
//! names (dropped with the test), and what a test needs to know of which.

/// The PostgreSQL server the tests run against, if any (a URL whose database
/// is one to connect to, such as `postgres`).
const POSTGRES_SERVER: &str = "INBOUNDFLOW_TEST_POSTGRES_URL";

/// Keys for signing secrets on PostgreSQL when a test gives none: there is
/// no key file beside a server database.
pub const POSTGRES_SECRET_KEYS: &str = "test:VGhlIHRlc3Qgc3VpdGUncyBzaWduaW5nIGtleS4uLi4=";

fn postgres_server() -> Option<String> {
    std::env::var(POSTGRES_SERVER)
        .ok()
        .filter(|u| !u.is_empty())
}

/// Whether the tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

/// True (after saying why) when the tests run on PostgreSQL and the calling
/// test proves something only SQLite has: it then returns at once.
pub fn sqlite_only(why: &str) -> bool {
    let skip = on_postgres();
    if skip {
        eprintln!("skipped on PostgreSQL: SQLite only, as it {why}");
    }
    skip
}

/// The flags a service on `database_url` needs beside a test's own: keys for
/// signing secrets on PostgreSQL, unless the test gives some.
pub fn backend_flags<'a>(database_url: &str, flags: &[&'a str]) -> Vec<&'a str> {
    let mut all = flags.to_vec();
    if database_url.starts_with("postgres") && !flags.contains(&"--secret-keys") {
        all.extend(["--secret-keys", POSTGRES_SECRET_KEYS]);
    }
    all
}

/// A fresh, empty database for one test, gone when this is dropped.
pub struct TestDatabase {
    url: String,
    place: Place,
}

enum Place {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { server: String, name: String },
}

impl TestDatabase {
    pub async fn new() -> Self {
        match postgres_server() {
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                Self {
                    url: format!("sqlite://{}", dir.path().join("webhooks.db").display()),
                    place: Place::Sqlite { _dir: dir },
                }
            }
            Some(server) => {
                let name = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut admin = admin_connection(&server).await;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("create a test database");
                sqlx::Connection::close(admin).await.expect("disconnect");
                let mut url = url::Url::parse(&server).expect("a PostgreSQL URL");
                url.set_path(&name);
                Self {
                    url: url.to_string(),
                    place: Place::Postgres { server, name },
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

async fn admin_connection(server: &str) -> sqlx::PgConnection {
    <sqlx::PgConnection as sqlx::Connection>::connect(server)
        .await
        .unwrap_or_else(|e| panic!("cannot reach {POSTGRES_SERVER} ({server}): {e}"))
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Place::Postgres { server, name } = &self.place else {
            return;
        };
        // Drop runs inside the test's runtime: the database goes on a thread
        // of its own, waited for, so the next test never shares a cluster
        // full of leftovers. FORCE ends the connections a server left open.
        let (server, sql) = (
            server.clone(),
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        );
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let mut admin = admin_connection(&server).await;
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut admin)
                    .await
                    .map(|_| ())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {name}: {dropped:?}");
        }
    }
}
