//! A bounded cache of recently read orders in front of the database, in process or in
//! Redis (shared by every instance).
//!
//! An entry is an order's API document, already serialized, stored with the order's
//! `version`, which the database bumps on every change to the order. A reader first reads
//! the current version by primary key (cheap), then asks for the document *at that
//! version*; only on a miss does it assemble the order from its tables and `put` it. So
//! the cache can never serve an order older than its last change, and nothing has to
//! invalidate it: [`OrderCache::remove`] only frees memory early.
//!
//! ```
//! # use std::sync::Arc;
//! # use emporium_app::order_cache::OrderCache;
//! # async fn assemble(id: i64) -> Arc<str> { Arc::from("{}") }
//! # async fn example(cache: OrderCache, order_id: i64, version: i64) -> Arc<str> {
//! // `version` was just read from the database.
//! if let Some(json) = cache.get(order_id, version).await {
//!     return json;
//! }
//! let json = assemble(order_id).await;
//! cache.put(order_id, version, Arc::clone(&json)).await;
//! json
//! # }
//! ```
//!
//! The cache never fails a request: with Redis down every call is a miss, bounded in
//! time, and logged at most every few seconds.
//!
//! Metrics: `emporium_order_cache_hits_total` and `emporium_order_cache_misses_total`
//! (label `backend`: `local` or `redis`), `emporium_order_cache_entries` (local only) and
//! `emporium_order_cache_errors_total` (Redis failures, label `op`). A disabled cache
//! records nothing.

mod local;
mod outage;
mod redis_store;

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use local::LocalCache;
use redis_store::RedisCache;

/// Counter of reads served from the cache.
const HITS: &str = "emporium_order_cache_hits_total";
/// Counter of reads that found nothing usable (absent, another version, or a failure).
const MISSES: &str = "emporium_order_cache_misses_total";

/// Where cached orders live: nowhere, in this process, or in Redis. Cheap to clone
/// (one `Arc`); clones share the entries.
#[derive(Clone)]
pub struct OrderCache(Arc<Backend>);

#[expect(
    clippy::large_enum_variant,
    reason = "there is one, behind the Arc; boxing would only add a pointer hop"
)]
enum Backend {
    Disabled,
    Local(LocalCache),
    Redis(RedisCache),
}

/// Why a cache could not be set up. Once set up, a cache never fails: see [`OrderCache`].
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The Redis URL does not parse (the error never repeats the URL, which may hold a
    /// password).
    #[error("invalid Redis URL: {0}")]
    InvalidUrl(redis::RedisError),
    /// Redis could not be reached, or did not answer, at start.
    #[error("cannot reach Redis for the order cache: {0}")]
    Unreachable(redis::RedisError),
    /// A TTL of zero would expire every entry at once.
    #[error("the order cache TTL must be positive")]
    ZeroTtl,
}

impl OrderCache {
    /// An in-process LRU holding at most `capacity` orders; the least recently read (or
    /// stored) order is evicted first. Capacity 0 disables the cache: every get misses and
    /// put does nothing.
    pub fn local(capacity: usize) -> Self {
        let backend = match NonZeroUsize::new(capacity) {
            Some(capacity) => Backend::Local(LocalCache::new(capacity)),
            None => Backend::Disabled,
        };
        Self(Arc::new(backend))
    }

    /// A cache in Redis at `url` (`redis://…`), shared by every instance using the same
    /// Redis and `prefix`.
    ///
    /// Each order is one string key `{prefix}order:{id}` holding `"<version>\n<json>"`,
    /// stored with a TTL of `ttl` (rounded up to whole seconds), so memory stays bounded
    /// by the orders read within one TTL even if Redis never evicts. There is no entry
    /// count limit in Redis: in production give Redis a `maxmemory` and
    /// `maxmemory-policy allkeys-lru`, so under memory pressure it evicts the least
    /// recently used orders instead of refusing writes.
    ///
    /// Connects through a [`redis::aio::ConnectionManager`] (one multiplexed connection,
    /// reconnecting by itself) with 1 s connection and response timeouts, and fails if
    /// Redis cannot be reached or does not answer within about 5 s. Later, no call waits
    /// on Redis for more than 1 s.
    pub async fn redis(url: &str, prefix: &str, ttl: Duration) -> Result<Self, CacheError> {
        let cache = RedisCache::connect(url, prefix, ttl).await?;
        Ok(Self(Arc::new(Backend::Redis(cache))))
    }

    /// The cached JSON of `order_id` if it is cached at exactly `version`. An entry at
    /// another version, older or newer, is a miss, and so is any Redis failure: the
    /// caller then reads the database, so the cache costs at most a bounded wait. Redis
    /// failures are logged as warnings at most once per 10 s, each counting the failures
    /// it stands for, and after one that left Redis silent, Redis is skipped (every get
    /// misses at once) for a second.
    pub async fn get(&self, order_id: i64, version: i64) -> Option<Arc<str>> {
        let found = match &*self.0 {
            Backend::Disabled => return None,
            Backend::Local(local) => local.get(order_id, version),
            Backend::Redis(redis) => redis.get(order_id, version).await,
        };
        let counter = if found.is_some() { HITS } else { MISSES };
        metrics::counter!(counter, "backend" => self.backend()).increment(1);
        found
    }

    /// Stores `json` for `order_id` at `version`, unless a newer version is already
    /// stored: an entry never moves backwards, so a slow reader of version 4 cannot
    /// replace the version 5 a faster reader stored. In Redis the compare and the write
    /// are one Lua script, atomic across instances. Failures are ignored (and logged as
    /// [`get`](Self::get) says).
    pub async fn put(&self, order_id: i64, version: i64, json: Arc<str>) {
        match &*self.0 {
            Backend::Disabled => {}
            Backend::Local(local) => local.put(order_id, version, json),
            Backend::Redis(redis) => redis.put(order_id, version, &json).await,
        }
    }

    /// Drops the entry of `order_id`, e.g. after a change, to free memory early.
    /// Correctness does not depend on it: a changed order has a new version, which its
    /// old entry never matches.
    pub async fn remove(&self, order_id: i64) {
        match &*self.0 {
            Backend::Disabled => {}
            Backend::Local(local) => local.remove(order_id),
            Backend::Redis(redis) => redis.remove(order_id).await,
        }
    }

    /// `"local"`, `"redis"` or `"disabled"`, for logs and metric labels.
    pub fn backend(&self) -> &'static str {
        match &*self.0 {
            Backend::Disabled => "disabled",
            Backend::Local(_) => "local",
            Backend::Redis(_) => "redis",
        }
    }
}

impl std::fmt::Debug for OrderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("OrderCache");
        s.field("backend", &self.backend());
        if let Backend::Redis(redis) = &*self.0 {
            s.field("prefix", &redis.prefix());
        }
        s.finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Arc<str> {
        Arc::from(text)
    }

    #[tokio::test]
    async fn a_read_at_the_stored_version_hits() {
        let cache = OrderCache::local(10);
        cache.put(1, 3, doc(r#"{"id":1,"v":3}"#)).await;
        assert_eq!(cache.get(1, 3).await.as_deref(), Some(r#"{"id":1,"v":3}"#));
        assert_eq!(cache.backend(), "local");
    }

    #[tokio::test]
    async fn a_read_at_another_version_misses() {
        let cache = OrderCache::local(10);
        cache.put(1, 3, doc("v3")).await;
        assert_eq!(cache.get(1, 4).await, None, "the order changed since it was cached");
        assert_eq!(cache.get(1, 2).await, None, "the reader saw an older version");
        assert_eq!(cache.get(2, 3).await, None, "another order");
    }

    #[tokio::test]
    async fn put_never_moves_an_entry_backwards() {
        let cache = OrderCache::local(10);
        cache.put(1, 5, doc("v5")).await;
        cache.put(1, 4, doc("v4")).await;
        assert_eq!(cache.get(1, 5).await.as_deref(), Some("v5"));
        assert_eq!(cache.get(1, 4).await, None);
        cache.put(1, 6, doc("v6")).await;
        assert_eq!(cache.get(1, 6).await.as_deref(), Some("v6"));
        cache.put(1, 6, doc("v6 again")).await;
        assert_eq!(
            cache.get(1, 6).await.as_deref(),
            Some("v6 again"),
            "the same version may be stored again"
        );
    }

    #[tokio::test]
    async fn at_capacity_the_least_recently_read_order_goes() {
        let cache = OrderCache::local(3);
        for id in 1..=3 {
            cache.put(id, 1, doc("x")).await;
        }
        // Order 1 was stored first but is read now, so order 2 is the least recently used.
        assert!(cache.get(1, 1).await.is_some());
        cache.put(4, 1, doc("x")).await;
        assert!(cache.get(2, 1).await.is_none(), "order 2 was evicted");
        for id in [1, 3, 4] {
            assert!(cache.get(id, 1).await.is_some(), "order {id} stays");
        }
    }

    #[tokio::test]
    async fn remove_drops_the_entry() {
        let cache = OrderCache::local(10);
        cache.put(1, 1, doc("x")).await;
        cache.remove(1).await;
        cache.remove(2).await;
        assert_eq!(cache.get(1, 1).await, None);
        cache.put(1, 1, doc("x")).await;
        assert!(cache.get(1, 1).await.is_some(), "a removed order can be cached again");
    }

    #[tokio::test]
    async fn capacity_zero_disables_the_cache() {
        let cache = OrderCache::local(0);
        cache.put(1, 1, doc("x")).await;
        assert_eq!(cache.get(1, 1).await, None);
        cache.remove(1).await;
        assert_eq!(cache.backend(), "disabled");
        assert_eq!(format!("{cache:?}"), r#"OrderCache { backend: "disabled", .. }"#);
    }

    #[tokio::test]
    async fn clones_share_entries() {
        let cache = OrderCache::local(10);
        cache.clone().put(1, 1, doc("x")).await;
        assert!(cache.get(1, 1).await.is_some());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_puts_end_at_the_highest_version() {
        const VERSIONS: i64 = 200;
        let cache = OrderCache::local(10);
        let start = Arc::new(tokio::sync::Barrier::new(usize::try_from(VERSIONS).expect("small")));
        // A fixed permutation (61 is coprime with 200) so the highest version is not last.
        let tasks: Vec<_> = (0..VERSIONS)
            .map(|i| {
                let (cache, start) = (cache.clone(), Arc::clone(&start));
                let version = (i * 61) % VERSIONS + 1;
                tokio::spawn(async move {
                    start.wait().await;
                    cache.put(7, version, Arc::from(format!("v{version}"))).await;
                    // A reader that sees its own version may find a newer one already.
                    let _ = cache.get(7, version).await;
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(cache.get(7, VERSIONS).await.as_deref(), Some("v200"));
    }

    #[test]
    fn reads_count_hits_and_misses_by_backend() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        metrics::with_local_recorder(&recorder, || {
            runtime.block_on(async {
                let cache = OrderCache::local(10);
                cache.put(1, 1, doc("x")).await;
                cache.put(2, 1, doc("x")).await;
                cache.get(1, 1).await;
                cache.get(1, 2).await;
                cache.get(3, 1).await;
                let disabled = OrderCache::local(0);
                disabled.get(1, 1).await;
            });
        });
        let text = handle.render();
        assert!(
            text.contains(r#"emporium_order_cache_hits_total{backend="local"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"emporium_order_cache_misses_total{backend="local"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"emporium_order_cache_entries{backend="local"} 2"#),
            "{text}"
        );
        assert!(!text.contains("disabled"), "a disabled cache records nothing: {text}");
    }
}
