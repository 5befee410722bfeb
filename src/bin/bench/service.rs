//! The service under test, run as its own process (the release binary next
//! to this one), so its memory is measured alone.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use tonic::transport::Channel;

use crate::database::Database;

pub struct Service {
    child: Child,
    pub channel: Channel,
}

/// A command of the service binary on `database`, with its keys if it needs them.
fn command(binary: &Path, database: &Database) -> Command {
    let mut command = Command::new(binary);
    command.env_remove("INBOUNDFLOW_SECRET_KEYS");
    if let Some(keys) = database.secret_keys() {
        command.env("INBOUNDFLOW_SECRET_KEYS", keys);
    }
    command
}

/// Makes an operator key on `database` (migrating it first, which the
/// instances then find done).
pub async fn operator_key(binary: &Path, database: &Database) -> anyhow::Result<String> {
    let made = command(binary, database)
        .args(["keys", "create", "--role", "operator", "--database-url"])
        .arg(database.url())
        .stderr(Stdio::null())
        .output()
        .await?;
    anyhow::ensure!(made.status.success(), "could not create an API key");
    Ok(String::from_utf8(made.stdout)?.trim().to_owned())
}

impl Service {
    pub async fn start(
        binary: &Path,
        database: &Database,
        extra: &[String],
    ) -> anyhow::Result<Self> {
        let address: SocketAddr = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
            probe.local_addr()?
        };
        let child = command(binary, database)
            .args([
                "serve",
                "--allow-private-targets",
                "--listen",
                &address.to_string(),
            ])
            .arg("--database-url")
            .arg(database.url())
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        let channel = loop {
            match Channel::from_shared(format!("http://{address}"))?
                .connect()
                .await
            {
                Ok(channel) => break channel,
                Err(e) if Instant::now() > deadline => anyhow::bail!("service did not start: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        Ok(Self { child, channel })
    }

    /// Peak resident memory so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> Option<f64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }

    /// CPU time used so far (user + system), in seconds.
    pub fn cpu_seconds(&self) -> Option<f64> {
        cpu_seconds_of(&self.child.id()?.to_string())
    }

    pub async fn stop(mut self) {
        if let Err(e) = self.child.start_kill() {
            eprintln!("stopping the service: {e}");
        }
        let _exited = self.child.wait().await;
    }
}

/// This process's CPU time so far (user + system), in seconds.
pub fn own_cpu_seconds() -> Option<f64> {
    cpu_seconds_of("self")
}

fn cpu_seconds_of(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks_per_second())
}

/// The service binary built alongside this one.
pub fn sibling_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let dir = me
        .parent()
        .ok_or_else(|| anyhow::anyhow!("no parent directory"))?;
    let path = dir.join("inboundflow-webhooks");
    anyhow::ensure!(
        path.exists(),
        "build the service first: {} is missing",
        path.display()
    );
    Ok(path)
}

/// /proc/<pid>/stat counts CPU time in USER_HZ ticks, 100 per second on Linux
/// whatever the kernel's own tick rate.
fn clock_ticks_per_second() -> f64 {
    100.0
}
