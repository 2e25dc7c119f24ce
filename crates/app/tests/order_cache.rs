//! The order cache against a real Redis, named by `EMPORIUM_TEST_REDIS_URL` (e.g.
//! `redis://127.0.0.1:6379`). Without it these tests pass as skipped, except under
//! `CI=true`, where that is a failure: CI must not go green without running them.
//!
//! Each test works under its own random key prefix and deletes its keys at the end; its
//! entries carry a one-minute TTL, so a test that fails half-way leaves nothing for long.
//! The start-up failure tests need no Redis and always run.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use emporium_app::order_cache::{CacheError, OrderCache};
use redis::aio::MultiplexedConnection;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Barrier, watch};
use tokio::task::{JoinHandle, JoinSet};

const REDIS_URL_VAR: &str = "EMPORIUM_TEST_REDIS_URL";
const TTL: Duration = Duration::from_secs(60);

/// One test's corner of the Redis server: a unique prefix and a plain client to look at
/// what the cache wrote.
struct TestRedis {
    url: String,
    prefix: String,
    admin: MultiplexedConnection,
}

impl TestRedis {
    /// The configured Redis, or `None` (skipped) when there is none, which panics under
    /// `CI=true`.
    async fn new() -> Option<Self> {
        let url = match std::env::var(REDIS_URL_VAR) {
            Ok(url) if !url.is_empty() => url,
            _ => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "{REDIS_URL_VAR} is not set under CI=true: the Redis suite must run in CI"
                );
                eprintln!("skipped: {REDIS_URL_VAR} is not set");
                return None;
            }
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_nanos();
        let prefix = format!("emporium-test:{}:{nanos}:{:08x}:", std::process::id(), random());
        let admin = redis::Client::open(url.as_str())
            .expect("Redis URL")
            .get_multiplexed_async_connection()
            .await
            .unwrap_or_else(|e| panic!("cannot reach Redis at {url}: {e}"));
        Some(Self { url, prefix, admin })
    }

    /// An order cache (one "instance") on this test's prefix.
    async fn cache(&self) -> OrderCache {
        OrderCache::redis(&self.url, &self.prefix, TTL)
            .await
            .expect("connect to Redis")
    }

    /// The key the cache uses for `order_id`, as documented.
    fn key(&self, order_id: i64) -> String {
        format!("{}order:{order_id}", self.prefix)
    }

    /// Runs `cmd` on the plain client.
    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> T {
        cmd.query_async(&mut self.admin.clone()).await.expect("Redis command")
    }

    /// The raw value stored for `order_id`.
    async fn raw(&self, order_id: i64) -> Option<String> {
        self.query(redis::cmd("GET").arg(self.key(order_id))).await
    }

    /// Deletes every key under this test's prefix.
    async fn cleanup(self) {
        let pattern = format!("{}*", self.prefix);
        let mut cursor = 0u64;
        loop {
            let (next, keys): (u64, Vec<String>) = self
                .query(
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(1000),
                )
                .await;
            if !keys.is_empty() {
                self.query::<()>(redis::cmd("DEL").arg(keys)).await;
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        let left: (u64, Vec<String>) = self.query(redis::cmd("SCAN").arg(0).arg("MATCH").arg(&pattern)).await;
        assert!(left.1.is_empty() || left.0 != 0, "keys left behind: {:?}", left.1);
    }
}

fn random() -> u32 {
    getrandom::u32().expect("randomness")
}

/// 1..=n in a random order (Fisher–Yates).
fn shuffled(n: i64) -> Vec<i64> {
    let mut values: Vec<i64> = (1..=n).collect();
    for i in (1..values.len()).rev() {
        let j = usize::try_from(random()).expect("u32 fits usize") % (i + 1);
        values.swap(i, j);
    }
    values
}

fn doc(text: &str) -> Arc<str> {
    Arc::from(text)
}

#[tokio::test]
async fn an_order_round_trips_in_the_documented_format() {
    let Some(redis) = TestRedis::new().await else { return };
    let cache = redis.cache().await;
    assert_eq!(cache.backend(), "redis");
    let json = "{\"id\":1,\"note\":\"deux lignes\\nou 两行\"}";

    assert_eq!(cache.get(1, 1).await, None, "nothing cached yet");
    cache.put(1, 1, doc(json)).await;
    assert_eq!(cache.get(1, 1).await.as_deref(), Some(json));
    assert_eq!(redis.raw(1).await, Some(format!("1\n{json}")));
    redis.cleanup().await;
}

#[tokio::test]
async fn a_read_at_another_version_misses() {
    let Some(redis) = TestRedis::new().await else { return };
    let cache = redis.cache().await;
    cache.put(1, 3, doc("v3")).await;
    assert_eq!(cache.get(1, 4).await, None, "the order changed since it was cached");
    assert_eq!(cache.get(1, 2).await, None, "the reader saw an older version");
    assert_eq!(
        cache.get(1, 3).await.as_deref(),
        Some("v3"),
        "a miss leaves the entry alone"
    );
    redis.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_puts_from_two_instances_never_move_an_entry_backwards() {
    let Some(redis) = TestRedis::new().await else { return };
    let instances = [redis.cache().await, redis.cache().await];
    for order_id in 1..=10 {
        let versions = shuffled(50);
        let start = Arc::new(Barrier::new(versions.len()));
        let tasks: Vec<_> = versions
            .into_iter()
            .map(|version| {
                let cache = instances[usize::from(version % 2 == 0)].clone();
                let start = Arc::clone(&start);
                tokio::spawn(async move {
                    start.wait().await;
                    cache.put(order_id, version, Arc::from(format!("v{version}"))).await;
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("put task");
        }
        assert_eq!(
            instances[0].get(order_id, 50).await.as_deref(),
            Some("v50"),
            "order {order_id}"
        );
        assert_eq!(redis.raw(order_id).await.as_deref(), Some("50\nv50"));
    }
    redis.cleanup().await;
}

#[tokio::test]
async fn versions_compare_exactly_as_64_bit_integers() {
    let Some(redis) = TestRedis::new().await else { return };
    let cache = redis.cache().await;
    // (order, versions put in this order, the version that must remain)
    let cases: [(i64, &[i64], i64); 5] = [
        // "10" sorts before "9" as text; a length check must come first.
        (1, &[10, 9], 10),
        // Lua numbers are doubles: 2^53 + 1 and 2^53 look equal as numbers.
        (2, &[(1 << 53) + 1, 1 << 53], (1 << 53) + 1),
        (3, &[i64::MAX, i64::MAX - 1, i64::MIN], i64::MAX),
        (4, &[-1, -2, -10], -1),
        (5, &[-10, -2, 0, 7], 7),
    ];
    for (order_id, versions, kept) in cases {
        for &version in versions {
            cache.put(order_id, version, Arc::from(format!("v{version}"))).await;
        }
        assert_eq!(
            cache.get(order_id, kept).await.as_deref(),
            Some(format!("v{kept}").as_str()),
            "{versions:?}"
        );
    }
    redis.cleanup().await;
}

#[tokio::test]
async fn entries_carry_the_ttl() {
    let Some(redis) = TestRedis::new().await else { return };
    let cache = redis.cache().await;
    cache.put(1, 1, doc("x")).await;
    let ttl: i64 = redis.query(redis::cmd("TTL").arg(redis.key(1))).await;
    assert!(
        (1..=60).contains(&ttl),
        "TTL {ttl} s, expected at most 60 s and not -1 (none)"
    );
    redis.cleanup().await;
}

#[tokio::test]
async fn remove_deletes_the_key() {
    let Some(redis) = TestRedis::new().await else { return };
    let cache = redis.cache().await;
    cache.put(1, 1, doc("x")).await;
    cache.remove(1).await;
    cache.remove(2).await;
    assert_eq!(cache.get(1, 1).await, None);
    let exists: i64 = redis.query(redis::cmd("EXISTS").arg(redis.key(1))).await;
    assert_eq!(exists, 0);
    redis.cleanup().await;
}

#[tokio::test]
async fn two_instances_share_entries() {
    let Some(redis) = TestRedis::new().await else { return };
    let (a, b) = (redis.cache().await, redis.cache().await);
    a.put(1, 1, doc("v1")).await;
    assert_eq!(b.get(1, 1).await.as_deref(), Some("v1"), "b reads what a stored");
    b.put(1, 2, doc("v2")).await;
    assert_eq!(a.get(1, 1).await, None, "a sees that the order changed");
    assert_eq!(a.get(1, 2).await.as_deref(), Some("v2"));
    a.put(1, 1, doc("v1")).await;
    assert_eq!(
        b.get(1, 2).await.as_deref(),
        Some("v2"),
        "a late reader of v1 does not undo b's v2"
    );
    a.remove(1).await;
    assert_eq!(b.get(1, 2).await, None);

    let elsewhere = OrderCache::redis(&redis.url, &format!("{}other:", redis.prefix), TTL)
        .await
        .expect("connect");
    a.put(1, 3, doc("v3")).await;
    assert_eq!(elsewhere.get(1, 3).await, None, "another prefix is another cache");
    redis.cleanup().await;
}

#[tokio::test]
async fn values_the_cache_did_not_write_are_misses_and_get_replaced() {
    let Some(redis) = TestRedis::new().await else { return };
    let cache = redis.cache().await;
    redis
        .query::<()>(redis::cmd("SET").arg(redis.key(1)).arg("not an entry"))
        .await;
    assert_eq!(cache.get(1, 1).await, None);
    cache.put(1, 1, doc("v1")).await;
    assert_eq!(cache.get(1, 1).await.as_deref(), Some("v1"));

    // Another type under the key: every call fails inside Redis, and none fails the caller.
    redis
        .query::<()>(redis::cmd("RPUSH").arg(redis.key(2)).arg("a list"))
        .await;
    assert_eq!(cache.get(2, 1).await, None);
    cache.put(2, 1, doc("v1")).await;
    assert_eq!(cache.get(2, 1).await, None);
    cache.remove(2).await;
    cache.put(2, 1, doc("v1")).await;
    assert_eq!(
        cache.get(2, 1).await.as_deref(),
        Some("v1"),
        "usable again after remove"
    );
    redis.cleanup().await;
}

#[tokio::test]
async fn put_survives_redis_forgetting_the_script() {
    let Some(redis) = TestRedis::new().await else { return };
    let cache = redis.cache().await;
    // As after a Redis restart or failover. (Other tests running now just reload it.)
    redis.query::<()>(&redis::cmd("SCRIPT").arg("FLUSH").to_owned()).await;
    cache.put(1, 1, doc("v1")).await;
    assert_eq!(cache.get(1, 1).await.as_deref(), Some("v1"));
    redis.cleanup().await;
}

#[tokio::test]
async fn start_fails_fast_when_redis_refuses_connections() {
    let started = Instant::now();
    let result = OrderCache::redis("redis://127.0.0.1:1", "test:", TTL).await;
    assert!(matches!(result, Err(CacheError::Unreachable(_))), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn start_fails_within_a_bound_when_redis_never_answers() {
    // Accepts connections and never says a word, like a server behind a dead link.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let _silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let started = Instant::now();
    let result = OrderCache::redis(&format!("redis://{addr}"), "test:", TTL).await;
    assert!(matches!(result, Err(CacheError::Unreachable(_))), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(7),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn start_refuses_a_bad_url_or_a_zero_ttl() {
    let result = OrderCache::redis("http://127.0.0.1:6379", "test:", TTL).await;
    assert!(matches!(result, Err(CacheError::InvalidUrl(_))), "{result:?}");
    let result = OrderCache::redis("redis://127.0.0.1:1", "test:", Duration::ZERO).await;
    assert!(matches!(result, Err(CacheError::ZeroTtl)), "{result:?}");
}

/// A TCP proxy in front of Redis that the test can freeze (connections stay open and go
/// silent, as in a network partition) or kill (connections close, as when Redis stops).
struct Proxy {
    addr: SocketAddr,
    frozen: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: String, listen: SocketAddr) -> Self {
        let listener = TcpListener::bind(listen).await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (frozen, watching) = watch::channel(false);
        let accept = tokio::spawn(async move {
            // Dropped with this task when the proxy is killed, closing every connection.
            let mut connections = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let (mut frozen, upstream) = (watching.clone(), upstream.clone());
                connections.spawn(async move {
                    let frozen_now = *frozen.borrow();
                    if frozen_now {
                        return std::future::pending::<()>().await;
                    }
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let froze = tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => false,
                        _ = frozen.wait_for(|&f| f) => true,
                    };
                    if froze {
                        // Stop relaying but keep both sockets open: silence, not a reset.
                        std::future::pending::<()>().await;
                    }
                });
            }
        });
        Self { addr, frozen, accept }
    }

    fn freeze(&self, frozen: bool) {
        self.frozen.send_replace(frozen);
    }

    async fn kill(self) -> SocketAddr {
        self.accept.abort();
        let _ = self.accept.await;
        self.addr
    }
}

/// The `host:port` Redis listens on, and the test URL with that replaced by `proxy`.
fn through_proxy(url: &str, proxy: SocketAddr) -> (String, String) {
    let client = redis::Client::open(url).expect("Redis URL");
    let redis::ConnectionAddr::Tcp(host, port) = client.get_connection_info().addr() else {
        panic!("the outage tests need a plain TCP Redis URL");
    };
    let upstream = format!("{host}:{port}");
    let proxied = if url.contains(&upstream) {
        url.replacen(&upstream, &proxy.to_string(), 1)
    } else {
        url.replacen(host.as_str(), &proxy.to_string(), 1)
    };
    (upstream, proxied)
}

/// Polls `get` until it hits, for at most `limit`: recovery happens in the background.
async fn hits_within(cache: &OrderCache, order_id: i64, version: i64, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if cache.get(order_id, version).await.is_some() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_redis_costs_one_bounded_wait_then_nothing_and_the_cache_recovers() {
    let Some(redis) = TestRedis::new().await else { return };
    let listen: SocketAddr = "127.0.0.1:0".parse().expect("address");
    let (upstream, _) = through_proxy(&redis.url, listen);
    let proxy = Proxy::start(upstream, listen).await;
    let (_, url) = through_proxy(&redis.url, proxy.addr);
    let cache = OrderCache::redis(&url, &redis.prefix, TTL)
        .await
        .expect("connect through the proxy");
    cache.put(1, 1, doc("v1")).await;
    assert!(cache.get(1, 1).await.is_some());

    proxy.freeze(true);
    let started = Instant::now();
    assert_eq!(cache.get(1, 1).await, None, "no answer is a miss");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "waited {:?}",
        started.elapsed()
    );
    // Redis is now skipped for a moment: no more waiting.
    let started = Instant::now();
    for _ in 0..100 {
        assert_eq!(cache.get(1, 1).await, None);
        cache.put(1, 1, doc("v1")).await;
        cache.remove(2).await;
    }
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "100 rounds took {:?}",
        started.elapsed()
    );

    // New connections work again; the silent one never will, so recovering proves the
    // cache gave up on it.
    proxy.freeze(false);
    assert!(
        hits_within(&cache, 1, 1, Duration::from_secs(15)).await,
        "the cache did not recover"
    );
    redis.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_redis_is_a_fast_miss_and_the_cache_reconnects() {
    let Some(redis) = TestRedis::new().await else { return };
    let (upstream, _) = through_proxy(&redis.url, "127.0.0.1:0".parse().expect("address"));
    let proxy = Proxy::start(upstream.clone(), "127.0.0.1:0".parse().expect("address")).await;
    let (_, url) = through_proxy(&redis.url, proxy.addr);
    let cache = OrderCache::redis(&url, &redis.prefix, TTL)
        .await
        .expect("connect through the proxy");
    cache.put(1, 1, doc("v1")).await;
    assert!(cache.get(1, 1).await.is_some());

    let addr = proxy.kill().await;
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(cache.get(1, 1).await, None);
        cache.put(1, 1, doc("v1")).await;
    }
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "20 rounds took {:?}",
        started.elapsed()
    );

    let _proxy = Proxy::start(upstream, addr).await;
    assert!(
        hits_within(&cache, 1, 1, Duration::from_secs(15)).await,
        "the cache did not reconnect"
    );
    redis.cleanup().await;
}
