//! The Redis backend: one string per order, `"<version>\n<json>"` under
//! `{prefix}order:{id}`, with a TTL, shared by every instance.
//!
//! Every call is bounded in time and turns failures into misses; [`Outage`] keeps a dead
//! Redis from costing every request a timeout and from flooding the log.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, ErrorKind, RedisError, RedisResult, ServerErrorKind};
use tokio::time::error::Elapsed;
use tokio::time::timeout;

use super::CacheError;
use super::outage::Outage;

/// Each connection attempt gives up after this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Each command gives up after this long once sent.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);
/// The most one cache call waits on Redis, whatever it waits for (an answer, or a
/// reconnection under way, which the response timeout does not cover): the most a Redis
/// outage adds to a request.
pub(super) const OPERATION_TIMEOUT: Duration = Duration::from_secs(1);
/// Attempts after the first when connecting. Few, because commands wait for a
/// reconnection in progress; the next command after a failed one tries again anyway.
const CONNECT_RETRIES: usize = 2;
/// The bound on start-up: three attempts of at most [`CONNECT_TIMEOUT`] with short
/// back-offs between them, then loading the script.
const START_TIMEOUT: Duration = Duration::from_secs(5);
/// How long Redis is skipped after it failed to answer.
const OUTAGE_PAUSE: Duration = Duration::from_secs(1);
/// The least time between two warnings about Redis failures.
const WARN_EVERY: Duration = Duration::from_secs(10);
/// Counter of failed Redis calls, by operation; warnings are rate-limited, this is not.
const ERRORS: &str = "emporium_order_cache_errors_total";

/// Compare-and-set for [`RedisCache::put`], atomic because Redis runs a script alone:
/// two instances storing versions 4 and 5 of an order end with 5 whatever their order.
const PUT_SCRIPT: &str = r"
-- KEYS[1] the order's key; ARGV[1] the new version (decimal); ARGV[2] the value,
-- '<version>\n<json>'; ARGV[3] the TTL in seconds.
-- Returns 1 when stored, 0 when a newer version was already there and is kept.

-- Whether decimal integer a is less than b. Compared as text because Lua numbers are
-- doubles, exact only up to 2^53, and versions are 64-bit.
local function less(a, b)
  local neg_a, neg_b = a:byte(1) == 45, b:byte(1) == 45 -- 45 is '-'
  if neg_a ~= neg_b then return neg_a end
  if a == b then return false end
  local smaller_magnitude
  if #a ~= #b then
    smaller_magnitude = #a < #b
  else
    for i = 1, #a do
      local x, y = a:byte(i), b:byte(i)
      if x ~= y then smaller_magnitude = x < y; break end
    end
  end
  if neg_a then return not smaller_magnitude end
  return smaller_magnitude
end

-- Read only the head: a version fits in 21 bytes, the document may be large.
-- A missing key reads as '', and an entry that does not parse is overwritten.
local stored = string.match(redis.call('GETRANGE', KEYS[1], 0, 20), '^(%-?%d+)\n')
if stored and less(ARGV[1], stored) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
";

/// A connection to Redis plus what it takes to use it and to survive its outages.
pub(super) struct RedisCache {
    /// Kept to build a fresh connection manager (see [`RedisCache::replace_connection`]).
    client: Client,
    config: ConnectionManagerConfig,
    /// The connection manager and its generation, bumped each time it is replaced.
    connection: RwLock<(u64, ConnectionManager)>,
    prefix: String,
    ttl_seconds: u64,
    /// SHA1 of [`PUT_SCRIPT`] as Redis reported it when loading it.
    put_sha: String,
    outage: Outage,
}

impl RedisCache {
    /// Connects to Redis at `url` and loads the put script; gives up after
    /// [`START_TIMEOUT`].
    pub(super) async fn connect(url: &str, prefix: &str, ttl: Duration) -> Result<Self, CacheError> {
        let ttl_seconds = ttl_seconds(ttl)?;
        let client = Client::open(url).map_err(CacheError::InvalidUrl)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(CONNECT_RETRIES)
            .set_max_delay(OUTAGE_PAUSE);
        let start = async {
            let mut manager = ConnectionManager::new_with_config(client.clone(), config.clone()).await?;
            // Loading the script also proves Redis answers commands, not just connections.
            let sha: String = redis::cmd("SCRIPT")
                .arg("LOAD")
                .arg(PUT_SCRIPT)
                .query_async(&mut manager)
                .await?;
            Ok::<_, RedisError>((manager, sha))
        };
        let (manager, put_sha) = timeout(START_TIMEOUT, start)
            .await
            .map_err(|_| timeout_error(START_TIMEOUT))
            .and_then(|started| started)
            .map_err(CacheError::Unreachable)?;
        Ok(Self {
            client,
            config,
            connection: RwLock::new((0, manager)),
            prefix: prefix.to_owned(),
            ttl_seconds,
            put_sha,
            outage: Outage::new(Instant::now(), OUTAGE_PAUSE, WARN_EVERY),
        })
    }

    /// The key prefix, for `Debug`.
    pub(super) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The JSON of `order_id` if Redis holds it at `version`; `None` on a miss, a stale or
    /// unreadable entry, or any failure.
    pub(super) async fn get(&self, order_id: i64, version: i64) -> Option<Arc<str>> {
        let (generation, mut conn) = self.admit()?;
        let key = self.key(order_id);
        let answer = timeout(
            OPERATION_TIMEOUT,
            redis::cmd("GET").arg(&key).query_async::<Option<Vec<u8>>>(&mut conn),
        )
        .await;
        let raw = self.settle("get", order_id, generation, answer)??;
        match parse_entry(&raw) {
            Some((stored, json)) => (stored == version).then(|| Arc::from(json)),
            None => {
                // Not something `put` wrote; the next put overwrites it.
                tracing::debug!(order.id = order_id, key, "order cache: unreadable Redis entry");
                None
            }
        }
    }

    /// Stores `json` at `version` unless Redis holds a newer version; failures are
    /// logged (rate-limited) and otherwise ignored.
    pub(super) async fn put(&self, order_id: i64, version: i64, json: &str) {
        let Some((generation, mut conn)) = self.admit() else {
            return;
        };
        let key = self.key(order_id);
        let value = encode_entry(version, json);
        let script = |command: &str, script: &str| {
            let mut cmd = redis::cmd(command);
            cmd.arg(script)
                .arg(1)
                .arg(&key)
                .arg(version)
                .arg(&value)
                .arg(self.ttl_seconds);
            cmd
        };
        let answer = timeout(OPERATION_TIMEOUT, async {
            match script("EVALSHA", &self.put_sha).query_async::<()>(&mut conn).await {
                // Redis forgot the script (restart, failover, SCRIPT FLUSH): EVAL sends
                // the source, which also caches it again for the next EVALSHA.
                Err(e) if e.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
                    script("EVAL", PUT_SCRIPT).query_async::<()>(&mut conn).await
                }
                other => other,
            }
        })
        .await;
        self.settle("put", order_id, generation, answer);
    }

    /// Deletes the entry of `order_id`; failures are logged (rate-limited) and ignored.
    pub(super) async fn remove(&self, order_id: i64) {
        let Some((generation, mut conn)) = self.admit() else {
            return;
        };
        let key = self.key(order_id);
        let answer = timeout(
            OPERATION_TIMEOUT,
            redis::cmd("DEL").arg(&key).query_async::<()>(&mut conn),
        )
        .await;
        self.settle("remove", order_id, generation, answer);
    }

    fn key(&self, order_id: i64) -> String {
        format!("{}order:{order_id}", self.prefix)
    }

    /// The connection to use, or `None` while Redis is being skipped after an outage.
    fn admit(&self) -> Option<(u64, ConnectionManager)> {
        if !self.outage.admit(Instant::now()) {
            return None;
        }
        let current = self.connection.read().unwrap_or_else(PoisonError::into_inner);
        Some((current.0, current.1.clone()))
    }

    /// Turns the outcome of one call into its value, or into `None` after recording the
    /// failure: a metric always, a warning at most every [`WARN_EVERY`], a pause if
    /// Redis did not answer, and a fresh connection if it timed out.
    fn settle<T>(
        &self,
        op: &'static str,
        order_id: i64,
        generation: u64,
        answer: Result<RedisResult<T>, Elapsed>,
    ) -> Option<T> {
        let (error, timed_out) = match answer {
            Ok(Ok(value)) => {
                self.outage.succeeded();
                return Some(value);
            }
            Ok(Err(e)) => {
                let timed_out = e.is_timeout();
                (e, timed_out)
            }
            Err(_) => (timeout_error(OPERATION_TIMEOUT), true),
        };
        let unavailable = timed_out || error.is_io_error() || error.is_unrecoverable_error();
        metrics::counter!(ERRORS, "backend" => "redis", "op" => op).increment(1);
        if timed_out {
            self.replace_connection(generation);
        }
        if let Some(unlogged) = self.outage.failed(Instant::now(), unavailable) {
            tracing::warn!(
                op,
                order.id = order_id,
                error = %error,
                unlogged,
                "order cache: Redis failed, reading from the database instead; \
                 further failures are logged at most every {} s",
                WARN_EVERY.as_secs()
            );
        }
        None
    }

    /// Swaps in a new connection manager after a timeout. The manager reconnects by
    /// itself after errors that show the connection is gone (reset, closed), but not
    /// after a timeout; so a connection whose peer vanished without a reset (a network
    /// partition, a dropped NAT or load-balancer flow) would time out every command until
    /// the kernel gives up on it, many minutes later. The new manager connects on its
    /// first command, so the cache recovers as soon as Redis is reachable again.
    /// `generation` is the connection that failed: of several calls timing out together,
    /// only the first replaces it.
    fn replace_connection(&self, generation: u64) {
        let mut current = self.connection.write().unwrap_or_else(PoisonError::into_inner);
        if current.0 != generation {
            return;
        }
        match ConnectionManager::new_lazy_with_config(self.client.clone(), self.config.clone()) {
            Ok(fresh) => *current = (generation.wrapping_add(1), fresh),
            // Only a bad configuration fails here, and `connect` already used this one.
            Err(e) => tracing::debug!(error = %e, "order cache: cannot replace the Redis connection"),
        }
    }
}

/// The error for Redis not answering within `limit`.
fn timeout_error(limit: Duration) -> RedisError {
    RedisError::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("no answer within {limit:?}"),
    ))
}

/// `ttl` in whole seconds for `SET … EX`, rounded up so an entry never lives shorter than
/// asked; zero is refused because it would cache nothing.
fn ttl_seconds(ttl: Duration) -> Result<u64, CacheError> {
    let seconds = ttl.as_secs().saturating_add(u64::from(ttl.subsec_nanos() > 0));
    if seconds == 0 {
        Err(CacheError::ZeroTtl)
    } else {
        Ok(seconds)
    }
}

/// The stored form of an entry: `"<version>\n<json>"`.
fn encode_entry(version: i64, json: &str) -> Vec<u8> {
    let mut value = format!("{version}\n").into_bytes();
    value.extend_from_slice(json.as_bytes());
    value
}

/// The version and JSON of a stored entry, or `None` if it is not in the stored form.
fn parse_entry(raw: &[u8]) -> Option<(i64, &str)> {
    let newline = raw.iter().position(|&b| b == b'\n')?;
    let version = std::str::from_utf8(&raw[..newline]).ok()?.parse().ok()?;
    let json = std::str::from_utf8(&raw[newline + 1..]).ok()?;
    Some((version, json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_including_newlines_in_the_json() {
        for (version, json) in [
            (0, ""),
            (7, r#"{"id":1}"#),
            (i64::MAX, "{\n\"a\": 1\n}"),
            (i64::MIN, "x"),
        ] {
            let raw = encode_entry(version, json);
            assert_eq!(parse_entry(&raw), Some((version, json)));
        }
        assert_eq!(encode_entry(42, "{}"), b"42\n{}");
    }

    #[test]
    fn foreign_values_do_not_parse() {
        for raw in [
            &b""[..],
            b"42",
            b"v42\n{}",
            b"4 2\n{}",
            b"99999999999999999999\n{}",
            b"1\n\xff",
        ] {
            assert_eq!(parse_entry(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn ttls_round_up_to_whole_seconds_and_zero_is_refused() {
        assert_eq!(ttl_seconds(Duration::from_secs(300)).ok(), Some(300));
        assert_eq!(ttl_seconds(Duration::from_millis(1500)).ok(), Some(2));
        assert_eq!(ttl_seconds(Duration::from_millis(1)).ok(), Some(1));
        assert!(matches!(ttl_seconds(Duration::ZERO), Err(CacheError::ZeroTtl)));
    }
}
