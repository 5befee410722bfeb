//! `--limit` and `--page-size`: how many items a list command shows, and how
//! many it asks for per call, following page tokens until it has them all.

use std::future::Future;

use clap::Args;

use super::status::RpcError;

#[derive(Args, Clone, Copy)]
pub struct Pages {
    /// Show at most this many (newest first).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,

    /// Ask the service for this many per call (it serves at most 500).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i32).range(1..=500))]
    pub page_size: i32,
}

/// What a list command gathered.
pub struct Collected<T> {
    pub items: Vec<T>,
    /// Token of the page after the last item shown; empty when nothing is left.
    pub next_page_token: String,
}

impl Pages {
    /// Calls `fetch(page_size, page_token)` until `limit` items are in or the
    /// service has no more.
    pub async fn collect<T, F, Fut>(&self, mut fetch: F) -> Result<Collected<T>, RpcError>
    where
        F: FnMut(i32, String) -> Fut,
        Fut: Future<Output = Result<(Vec<T>, String), RpcError>>,
    {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let mut items = Vec::new();
        let mut token = String::new();
        loop {
            let wanted = i32::try_from(limit - items.len()).unwrap_or(i32::MAX);
            let (page, next) = fetch(self.page_size.min(wanted), token).await?;
            items.extend(page);
            token = next;
            if token.is_empty() || items.len() >= limit {
                break;
            }
        }
        // A page may hold more than asked for if the service rounds up; the
        // token then points past items not shown, so it is dropped with them.
        if items.len() > limit {
            items.truncate(limit);
            token.clear();
        }
        Ok(Collected {
            items,
            next_page_token: token,
        })
    }
}

/// After a table: says on standard error that the list goes on.
pub fn more(next_page_token: &str) -> anyhow::Result<()> {
    if !next_page_token.is_empty() {
        use std::io::Write;
        let mut err = std::io::stderr().lock();
        anyhow::Context::context(
            writeln!(err, "(more not shown: raise --limit)"),
            "cannot write to standard error",
        )?;
    }
    Ok(())
}
