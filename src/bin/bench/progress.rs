//! A one-line progress report on stderr, refreshed every second.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::receiver::Receiver;

/// The phase's name, its start, and the counter it advances.
type Phase = (String, Instant, Option<Arc<AtomicU64>>);

pub struct Progress {
    state: Arc<Mutex<Phase>>,
}

impl Progress {
    pub fn start(receiver: Arc<Receiver>) -> Self {
        let state: Arc<Mutex<Phase>> =
            Arc::new(Mutex::new((String::from("starting"), Instant::now(), None)));
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tick.tick().await;
                let (name, since, counter) = shared
                    .lock()
                    .map(|s| s.clone())
                    .unwrap_or_else(|p| p.into_inner().clone());
                let count = counter
                    .map(|c| c.load(Ordering::Relaxed).to_string())
                    .unwrap_or_else(|| "-".into());
                eprint!(
                    "\r\x1b[2K[{name}] {:>5.1}s  done={count}  received={}",
                    since.elapsed().as_secs_f64(),
                    receiver.count()
                );
            }
        });
        Self { state }
    }

    pub fn phase(&self, name: &str) {
        if let Ok(mut s) = self.state.lock() {
            *s = (name.to_owned(), Instant::now(), None);
        }
        eprintln!();
    }

    pub fn watch(&self, counter: &Arc<AtomicU64>) {
        if let Ok(mut s) = self.state.lock() {
            s.2 = Some(Arc::clone(counter));
        }
    }
}
