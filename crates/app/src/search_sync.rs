//! Keeps this instance's search index in step with the database by following the product
//! change feed (`product_changes`), so an index stays current within about a second of any
//! change, made by this instance or by another one sharing the same PostgreSQL.
//!
//! The same entries tell this instance's product cache which products another instance
//! changed (see `emporium_store`'s product cache), and only entries that change what the
//! index holds are re-indexed: most are stock moves.
//!
//! On start the index is rebuilt from the database when it is new, was unreadable, or
//! missed feed entries that have since been pruned. Then a loop applies new feed entries
//! every [`POLL`], or at once when this instance nudges it after a write.
//!
//! PostgreSQL may commit feed rows out of sequence order (a transaction that took seq 9
//! can commit after the one that took seq 10). The follower therefore remembers the seqs
//! it has seen above its contiguous position and re-reads from that position, and treats
//! a hole that stays open for five seconds as a rolled-back transaction.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use emporium_domain::catalog::ProductStatus;
use emporium_domain::time::{Clock, SystemClock};
use emporium_search::{Opened, ProductDoc, SearchIndex};
use emporium_store::catalog::Product;
use emporium_store::categories::CategoryTree;
use emporium_store::{Store, StoreError};
use tokio::sync::{Notify, mpsc};

/// How often the feed is read when nothing nudges the follower.
pub const POLL: Duration = Duration::from_millis(250);
/// How long a hole in the feed may stay open before it is taken as a rollback.
const GAP_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the feed position is committed to the index when the entries read changed
/// nothing it holds (stock moves): a restart re-reads at most this much of the feed.
const POSITION_EVERY: Duration = Duration::from_secs(10);
/// Feed entries read at a time.
const BATCH: i64 = 1000;
/// How long feed entries are kept.
const FEED_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often the follower prunes the feed.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// A backlog this long at start-up is cheaper to rebuild than to follow.
const REBUILD_BACKLOG: i64 = 5000;

/// The index as a search document: the product, under its category's whole path (every
/// ancestor's name and each name's translations, and their ids for the facets), with the
/// option values and stock of its variants on sale.
pub fn doc(p: &Product, tree: &CategoryTree) -> ProductDoc {
    let on_sale = || p.variants.iter().filter(|v| v.status == ProductStatus::Active);
    let mut option_values: Vec<(String, String)> =
        on_sale().flat_map(|v| p.options.describe(&v.option_values)).collect();
    option_values.sort_unstable();
    option_values.dedup();
    let category_path = p
        .category_id
        .map(|id| {
            tree.path(id)
                .into_iter()
                .flat_map(|c| std::iter::once(c.name.clone()).chain(c.names.iter().map(|(_, n)| n.clone())))
                .filter(|n| Some(n) != p.category.as_ref())
                .collect()
        })
        .unwrap_or_default();
    ProductDoc {
        id: p.id,
        name: p.name.clone(),
        description: p.description.clone(),
        category: p.category.clone(),
        category_path,
        translated_names: p.translations.iter().filter_map(|(_, t)| t.name.clone()).collect(),
        translated_texts: p
            .translations
            .iter()
            .flat_map(|(_, t)| {
                t.description
                    .iter()
                    .chain(t.options.iter().map(|(_, label)| label))
                    .chain(t.values.iter().map(|(_, label)| label))
                    .cloned()
            })
            .collect(),
        price: p.price,
        status: match p.status {
            ProductStatus::Active => emporium_search::ProductStatus::Active,
            ProductStatus::Draft => emporium_search::ProductStatus::Draft,
            ProductStatus::Archived => emporium_search::ProductStatus::Archived,
        },
        rating_average: p.rating_average,
        created_at: p.created_at.millis(),
        category_ids: p
            .category_id
            .map(|id| tree.path(id).into_iter().map(|c| c.id).collect())
            .unwrap_or_default(),
        option_values,
        in_stock: on_sale().any(|v| v.stock_available > 0),
    }
}

/// Rebuilds the whole index from the database; answers how many products it holds.
pub async fn rebuild(store: &Store, index: &SearchIndex) -> Result<u64, SyncError> {
    // Changes after this position are applied by the follower afterwards (upserts are
    // idempotent), so nothing that happens during the scan is lost.
    let position = store.last_product_change().await?;
    let (tx, mut rx) = mpsc::channel::<ProductDoc>(1024);
    let writer = {
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.rebuild(std::iter::from_fn(|| rx.blocking_recv()), position))
    };
    let tree = store.category_tree().await?;
    let mut after = 0;
    loop {
        let page = store.products_after(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for p in &page {
            if tx.send(doc(p, &tree)).await.is_err() {
                break;
            }
        }
    }
    drop(tx);
    Ok(writer.await.map_err(|e| SyncError::Task(e.to_string()))??)
}

/// Why following the feed failed this time (the follower logs it and tries again).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The index.
    #[error(transparent)]
    Search(#[from] emporium_search::SearchError),
    /// The blocking task running the index.
    #[error("index task failed: {0}")]
    Task(String),
}

/// Brings the index up to date after opening it: a full rebuild when it is new or was
/// recreated, or when the feed no longer reaches back to its recorded position.
pub async fn prepare(store: &Store, index: &SearchIndex, opened: &Opened) -> Result<(), SyncError> {
    let reason = match opened {
        Opened::Created => Some("new index".to_owned()),
        Opened::Recreated { reason } => Some(reason.clone()),
        Opened::Existing { feed_position: None } => Some("index has no feed position".to_owned()),
        Opened::Existing {
            feed_position: Some(position),
        } => {
            let first = store.product_changes_after(0, 1).await?.first().map(|c| c.seq);
            let backlog = store.product_changes_after(*position, REBUILD_BACKLOG).await?.len() as i64;
            match first {
                Some(first) if first > position + 1 => Some("the feed was pruned past the index".to_owned()),
                // A bulk load while the server was down: one rebuild beats many upserts.
                _ if backlog >= REBUILD_BACKLOG => Some(format!("{backlog}+ changes to catch up on")),
                _ => None,
            }
        }
    };
    if let Some(reason) = reason {
        let started = Instant::now();
        let n = rebuild(store, index).await?;
        tracing::info!(products = n, took_ms = started.elapsed().as_millis() as u64, %reason, "search index rebuilt");
    }
    Ok(())
}

/// Applies every feed entry not yet in the index, once (tests use it to catch up without
/// waiting for the follower's next poll).
pub async fn catch_up(store: &Store, index: &SearchIndex) -> Result<(), SyncError> {
    Follower::new(index.feed_position().unwrap_or(0))
        .step(store, index)
        .await
}

/// Follows the feed until the task is dropped. `nudge` wakes it early.
pub async fn follow(store: Store, index: SearchIndex, nudge: Arc<Notify>) {
    let mut state = Follower::new(index.feed_position().unwrap_or(0));
    let mut last_prune = Instant::now();
    loop {
        if let Err(e) = state.step(&store, &index).await {
            tracing::warn!(error = %e, "search index follower: will retry");
        }
        if last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = Instant::now();
            // Any instance may prune: one that was down longer than this rebuilds at start.
            match store
                .prune_product_changes(SystemClock.now().minus(FEED_RETENTION))
                .await
            {
                Ok(n) if n > 0 => tracing::info!(entries = n, "pruned the product change feed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning the product change feed failed"),
            }
        }
        tokio::select! {
            () = nudge.notified() => {},
            () = tokio::time::sleep(POLL) => {},
        }
    }
}

/// The follower's memory of the feed.
struct Follower {
    /// Every seq up to this one has been applied.
    applied: i64,
    /// Seqs above `applied` already applied (out-of-order commits).
    seen: BTreeSet<i64>,
    /// Since when the hole just above `applied` has been open.
    gap_since: Option<Instant>,
    /// A fingerprint of each document this follower put in the index. Most feed entries
    /// are stock moves (every sale), which change nothing the index holds; re-indexing
    /// them cost 16 % of the CPU under checkout load and grew the index writer's memory.
    indexed: HashMap<i64, u64>,
    /// When the feed position was last committed to the index.
    committed_at: Instant,
}

impl Follower {
    fn new(applied: i64) -> Self {
        Self {
            applied,
            seen: BTreeSet::new(),
            gap_since: None,
            indexed: HashMap::new(),
            committed_at: Instant::now(),
        }
    }

    async fn step(&mut self, store: &Store, index: &SearchIndex) -> Result<(), SyncError> {
        loop {
            let changes = store.product_changes_after(self.applied, BATCH).await?;
            let fresh: Vec<_> = changes
                .iter()
                .filter(|c| !self.seen.contains(&c.seq))
                .copied()
                .collect();
            if !fresh.is_empty() {
                let mut ids: Vec<i64> = fresh.iter().map(|c| c.product_id).collect();
                ids.sort_unstable();
                ids.dedup();
                // Changes made by another instance reach this one's product cache here,
                // and its category tree (a renamed or moved category changes its
                // products, which is how the change shows in the feed).
                store.forget_products(&ids);
                store.forget_categories();
                let tree = store.category_tree().await?;
                let docs: Vec<(ProductDoc, u64)> = store
                    .products_by_ids(&ids)
                    .await?
                    .iter()
                    .map(|p| {
                        let d = doc(p, &tree);
                        let print = fingerprint(&d);
                        (d, print)
                    })
                    .filter(|(d, print)| self.indexed.get(&d.id) != Some(print))
                    .collect();
                self.seen.extend(fresh.iter().map(|c| c.seq));
                self.advance();
                if !docs.is_empty() || self.committed_at.elapsed() >= POSITION_EVERY {
                    let prints: Vec<(i64, u64)> = docs.iter().map(|(d, print)| (d.id, *print)).collect();
                    let docs: Vec<ProductDoc> = docs.into_iter().map(|(d, _)| d).collect();
                    let (index, applied) = (index.clone(), self.applied);
                    tokio::task::spawn_blocking(move || index.upsert(&docs, applied))
                        .await
                        .map_err(|e| SyncError::Task(e.to_string()))??;
                    self.indexed.extend(prints);
                    self.committed_at = Instant::now();
                }
            } else {
                self.advance();
                return Ok(());
            }
            if (changes.len() as i64) < BATCH {
                return Ok(());
            }
        }
    }

    /// Moves `applied` over every seen seq that continues it, and past a hole that has
    /// stayed open too long.
    fn advance(&mut self) {
        loop {
            while self.seen.remove(&(self.applied + 1)) {
                self.applied += 1;
                self.gap_since = None;
            }
            let Some(&next) = self.seen.first() else {
                self.gap_since = None;
                return;
            };
            let since = *self.gap_since.get_or_insert_with(Instant::now);
            if since.elapsed() < GAP_TIMEOUT {
                return;
            }
            // Nothing filled the hole in time: those seqs belonged to rolled-back work.
            self.applied = next - 1;
            self.gap_since = None;
        }
    }
}

/// A hash of everything the index holds of a product.
fn fingerprint(d: &ProductDoc) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    (
        &d.name,
        &d.description,
        &d.category,
        &d.category_path,
        &d.translated_names,
        &d.translated_texts,
        d.price,
        d.rating_average.to_bits(),
        d.created_at,
        &d.category_ids,
        &d.option_values,
        d.in_stock,
    )
        .hash(&mut h);
    std::mem::discriminant(&d.status).hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_seqs_advance_and_holes_wait() {
        let mut f = Follower::new(0);
        f.seen.extend([1, 2, 4]);
        f.advance();
        assert_eq!(f.applied, 2);
        assert!(f.gap_since.is_some(), "seq 3 is missing");
        f.seen.insert(3);
        f.advance();
        assert_eq!((f.applied, f.seen.len()), (4, 0));
    }

    #[test]
    fn a_hole_open_too_long_is_skipped() {
        let mut f = Follower::new(10);
        f.seen.insert(12);
        f.advance();
        assert_eq!(f.applied, 10);
        f.gap_since = Some(Instant::now() - GAP_TIMEOUT - Duration::from_millis(1));
        f.advance();
        assert_eq!(f.applied, 12);
    }
}
