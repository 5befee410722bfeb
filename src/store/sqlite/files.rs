//! The files of a SQLite database, readable by their owner only: the database
//! itself (created with mode 0600 before SQLite opens it, so its `-wal` and
//! `-shm`, which SQLite gives the database's mode, are private too), and,
//! when no keys are configured, the key file `<database>.key` that seals the
//! signing secrets in it. Existing files keep their mode; one readable by
//! others is reported, not changed.

use std::io::Write;
use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnectOptions;
use tracing::{info, warn};

use crate::domain::secret_box::{KeyListError, SecretKeys};

/// Id of the key generated into a key file.
const KEY_FILE_KEY_ID: &str = "local";

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(
        "a database without a file needs keys for its signing secrets: \
         set INBOUNDFLOW_SECRET_KEYS (or --secret-keys)"
    )]
    NoKeys,
    #[error("cannot create or read {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("key file {} is invalid", path.display())]
    KeyFile {
        path: PathBuf,
        #[source]
        source: KeyListError,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The file the database lives in; `None` for an in-memory database.
pub fn database_file(url: &str, options: &SqliteConnectOptions) -> Option<PathBuf> {
    let name = options.get_filename();
    let in_memory = name.as_os_str().is_empty()
        || name
            .to_str()
            .is_some_and(|n| n == ":memory:" || n.starts_with("file:"))
        || url
            .split_once('?')
            .is_some_and(|(_, query)| query.split('&').any(|p| p == "mode=memory"));
    (!in_memory).then(|| name.to_owned())
}

/// Creates the database file, readable by its owner only, unless it exists.
pub fn prepare_database(path: &Path) -> Result<(), FileError> {
    match create_private(path) {
        Ok(_) => info!(database = %path.display(), "created the database file"),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            for suffix in ["", "-wal", "-shm"] {
                warn_if_open_to_others(&with_suffix(path, suffix));
            }
        }
        Err(e) => return Err(io_error(path)(e)),
    }
    Ok(())
}

/// The key in the file beside the database, made with a fresh random key on
/// first use.
pub fn key_file_keys(database: &Path) -> Result<SecretKeys, FileError> {
    let path = with_suffix(database, ".key");
    if !path.exists() {
        create_key_file(&path)?;
    }
    warn_if_open_to_others(&path);
    let text = std::fs::read_to_string(&path).map_err(io_error(&path))?;
    let keys = SecretKeys::parse(text.trim()).map_err(|source| FileError::KeyFile {
        path: path.clone(),
        source,
    })?;
    warn!(
        key_file = %path.display(),
        "signing secrets are sealed with the key in this file beside the database; \
         in production set INBOUNDFLOW_SECRET_KEYS and keep the key elsewhere"
    );
    Ok(keys)
}

/// Writes a fresh key to a private temporary file and links it into place
/// only if no file is there yet, so a crash never leaves a half-written key
/// and two processes starting together end up with the same one.
fn create_key_file(path: &Path) -> Result<(), FileError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let (_, text) = SecretKeys::generate(KEY_FILE_KEY_ID).map_err(|source| FileError::KeyFile {
        path: path.to_owned(),
        source,
    })?;
    // tempfile creates its files with mode 0600.
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io_error(path))?;
    file.write_all(format!("{text}\n").as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .map_err(io_error(path))?;
    match file.persist_noclobber(path) {
        Ok(_) => {
            info!(key_file = %path.display(), "created a key for signing secrets");
            Ok(())
        }
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_error(path)(e.error)),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn warn_if_open_to_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(metadata) = std::fs::metadata(path) else {
        return;
    };
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        warn!(
            file = %path.display(),
            mode = format_args!("{mode:o}"),
            "readable by group or others: it holds webhook data; chmod 600 it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_open_to_others(_path: &Path) {}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn file_of(url: &str) -> Option<PathBuf> {
        let options = SqliteConnectOptions::from_str(url).expect("valid URL");
        database_file(url, &options)
    }

    #[test]
    fn only_databases_in_a_file_have_one() {
        assert_eq!(file_of("sqlite://a/b.db"), Some(PathBuf::from("a/b.db")));
        assert_eq!(file_of("sqlite:b.db"), Some(PathBuf::from("b.db")));
        assert_eq!(file_of("sqlite::memory:"), None);
        assert_eq!(file_of("sqlite://b.db?mode=memory"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_database_file_and_key_file_are_private_and_the_key_is_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("x.db");
        prepare_database(&database).expect("created");
        let first = key_file_keys(&database).expect("created");
        let again = key_file_keys(&database).expect("read back");
        assert_eq!(first.sealing_key_id(), "local");
        let sub = crate::domain::ids::SubscriptionId::new();
        let secret = crate::domain::subscription::SigningSecret::from_stored("s".repeat(20));
        assert_eq!(again.open(&first.seal(&secret, sub), sub), Ok(secret));
        for file in [database.clone(), with_suffix(&database, ".key")] {
            let mode = std::fs::metadata(&file)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{}", file.display());
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_database_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("x.db");
        std::fs::write(&database, b"").expect("write");
        std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        prepare_database(&database).expect("existing file");
        let mode = std::fs::metadata(&database)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}
