//! The database a run uses: a fresh SQLite file (the default), or a fresh
//! database of its own on a given PostgreSQL server, dropped at the end, so
//! runs never see each other's rows.

use std::path::Path;

use sqlx::Connection;

use inboundflow_webhooks::domain::secret_box::SecretKeys;

pub enum Database {
    Sqlite {
        url: String,
    },
    Postgres {
        server: String,
        name: String,
        url: String,
        /// Keys the services seal signing secrets with (PostgreSQL has no
        /// key file): made for this run, gone with its database.
        secret_keys: String,
    },
}

impl Database {
    /// `bench.db` in `dir`.
    pub fn sqlite(dir: &Path) -> Self {
        Self::Sqlite {
            url: format!("sqlite://{}", dir.join("bench.db").display()),
        }
    }

    /// A new database `bench_<uuid>` on the server `server` names.
    pub async fn postgres(server: &str) -> anyhow::Result<Self> {
        let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(server).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await?;
        admin.close().await?;
        let mut url = url::Url::parse(server)?;
        url.set_path(&name);
        let (_, secret_keys) = SecretKeys::generate("bench")?;
        Ok(Self::Postgres {
            server: server.to_owned(),
            name,
            url: url.to_string(),
            secret_keys,
        })
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url } | Self::Postgres { url, .. } => url,
        }
    }

    /// What the report calls it.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "SQLite",
            Self::Postgres { .. } => "PostgreSQL",
        }
    }

    /// `INBOUNDFLOW_SECRET_KEYS` for the service processes, if they need it.
    pub fn secret_keys(&self) -> Option<&str> {
        match self {
            Self::Sqlite { .. } => None,
            Self::Postgres { secret_keys, .. } => Some(secret_keys),
        }
    }

    /// Drops a PostgreSQL run's database (the services are stopped by now;
    /// FORCE ends any connection left behind).
    pub async fn remove(self) -> anyhow::Result<()> {
        if let Self::Postgres { server, name, .. } = self {
            let mut admin = sqlx::PgConnection::connect(&server).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await?;
            admin.close().await?;
        }
        Ok(())
    }
}
