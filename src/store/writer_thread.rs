//! The loops that hold the store's one writer (the emit group committer, the
//! attempt recorder, SQLite's WAL checkpointer) each run on a thread of their
//! own, with a single-threaded runtime, where the store allows it
//! ([`Store::writes_from_any_thread`]: SQLite).
//!
//! A transaction is a chain of round trips: each statement's answer wakes
//! the writing task again. On the shared runtime that wake-up waits in line
//! behind every HTTP attempt and gRPC call ready at the time, while the
//! writer sits idle, held: under load a transaction took several times its
//! database time, and a checkpoint that copies 5 MB in 2 ms took 100 ms, so
//! the WAL outgrew it. On its own thread the task runs the moment its answer
//! arrives.

use std::future::Future;

use tokio_util::task::TaskTracker;

use super::Store;

/// Runs `task`, which writes to `store`, on a thread of its own when the
/// store allows it, else on the current runtime; `tracker` sees it end.
pub fn spawn_for<F>(
    store: &dyn Store,
    name: &str,
    tracker: &TaskTracker,
    task: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    if store.writes_from_any_thread() {
        spawn(name, tracker, task)
    } else {
        tracker.spawn(task);
        Ok(())
    }
}

/// Runs `task` on a new thread named `name`; `tracker` sees it end.
pub fn spawn<F>(name: &str, tracker: &TaskTracker, task: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let task = tracker.track_future(task);
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || runtime.block_on(task))?;
    Ok(())
}
