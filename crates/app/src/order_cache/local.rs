//! The in-process backend: an LRU map from order id to (version, JSON) behind a mutex.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use lru::LruCache;

/// The gauge of how many orders the local cache holds.
const ENTRIES: &str = "emporium_order_cache_entries";

/// At most `capacity` orders, the least recently used one evicted first.
pub(super) struct LocalCache {
    /// A plain mutex: every critical section is one map operation, never an await, so
    /// an async lock would only add cost.
    entries: Mutex<LruCache<i64, (i64, Arc<str>)>>,
}

impl LocalCache {
    /// An empty cache holding at most `capacity` orders.
    pub(super) fn new(capacity: NonZeroUsize) -> Self {
        Self {
            entries: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The JSON of `order_id` if it is cached at `version`. Any read marks the entry as
    /// recently used, which is what keeps popular orders in.
    pub(super) fn get(&self, order_id: i64, version: i64) -> Option<Arc<str>> {
        match self.lock().get(&order_id) {
            Some((stored, json)) if *stored == version => Some(Arc::clone(json)),
            _ => None,
        }
    }

    /// Stores `json` at `version` unless a newer version is there. An equal version
    /// replaces the entry: the database bumps the version on every change, so the
    /// document is the same and replacing it just refreshes its recency.
    pub(super) fn put(&self, order_id: i64, version: i64, json: Arc<str>) {
        let len = {
            let mut entries = self.lock();
            // `peek`, not `get`: an older write losing the race is no reason to keep the entry.
            if entries.peek(&order_id).is_some_and(|(stored, _)| *stored > version) {
                return;
            }
            entries.put(order_id, (version, json));
            entries.len()
        };
        record_len(len);
    }

    /// Drops the entry of `order_id`, if any.
    pub(super) fn remove(&self, order_id: i64) {
        let len = {
            let mut entries = self.lock();
            if entries.pop(&order_id).is_none() {
                return;
            }
            entries.len()
        };
        record_len(len);
    }

    /// The map, even if a thread panicked while holding it: every critical section is a
    /// single `LruCache` call, which leaves the map consistent, and a cache must not turn
    /// one panic into failing every later request.
    fn lock(&self) -> MutexGuard<'_, LruCache<i64, (i64, Arc<str>)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Updates the entries gauge, outside the lock (a recorder may take locks of its own).
/// Racing updates can leave it one operation behind until the next put or remove.
fn record_len(len: usize) {
    // f64 holds every count below 2^53 exactly; no cache gets near that.
    metrics::gauge!(ENTRIES, "backend" => "local").set(len as f64);
}
