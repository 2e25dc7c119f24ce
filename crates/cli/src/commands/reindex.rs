//! `emporium reindex`: rebuild this data dir's search index from the database.

use std::time::Instant;

use anyhow::Context;

use super::{open_search, open_store};
use crate::settings::StoreArgs;

/// Rebuilds the index and reports how many products it holds.
pub async fn run(settings: &StoreArgs) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let (index, _) = open_search(settings)?;
    let started = Instant::now();
    let n = emporium_app::search_sync::rebuild(&store, &index)
        .await
        .context("rebuilding the search index")?;
    store.close().await;
    println!("search index rebuilt: {n} products in {:.1?}", started.elapsed());
    Ok(())
}
