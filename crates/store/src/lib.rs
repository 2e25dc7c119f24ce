//! Emporium's storage layer: one [`Store`] over SQLite (the embedded default) or
//! PostgreSQL, chosen by the URL scheme.
//!
//! Every query is written once, in SQL both engines accept (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT`), against [`db`]'s small sqlx-like interface, which runs it
//! on sqlx or, for the SQLite writer and SQLite's point reads, on a `rusqlite`
//! connection driven by the thread that asks; to keep one text possible the schema holds
//! only BIGINT and TEXT (money in minor units, time in epoch milliseconds).
//! Engine-specific SQL lives in `migrations/<engine>/` and in the few places marked
//! `ENGINE-SPECIFIC`.
//!
//! Operations are use-case sized (`create_user`, `create_session`) and each owns its
//! transaction. Reads go to a pool, or as point reads to `Store::point`; writes go
//! through [`writer::Writer`], which on SQLite funnels every write through one connection
//! on one thread and commits concurrent operations together (group commit), and on
//! PostgreSQL runs each in its own transaction. Products, listing pages and search
//! results are read through an in-process cache first (`product_cache`), which every
//! committed product change updates; sessions likewise (`session_cache`), which logout
//! and password changes update.

pub mod account_tokens;
pub mod accounts;
pub mod attention;
pub mod audit;
pub mod cart;
pub mod catalog;
pub mod categories;
pub mod check;
pub mod customers;
pub mod db;
mod error;
pub mod guests;
pub mod idempotency;
pub mod inventory;
pub mod job_queue;
mod kept;
pub mod messages;
pub mod order_read;
pub mod order_search;
pub mod orders;
pub mod payments;
pub mod pricing;
pub mod pricing_admin;
pub mod privacy;
mod product_cache;
pub mod product_images;
pub mod recommendations;
pub mod refund_lines;
pub mod refunds;
pub mod reports;
pub mod returns;
pub mod reviews;
pub mod sandbox_ledger;
pub mod sealed;
mod session_cache;
mod sql;
pub mod staff;
pub mod variants;
mod writer;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use product_cache::ProductCache;
use session_cache::SessionCache;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection};

pub use db::Conn;
use db::{query, query_scalar};
pub use error::StoreError;
pub use sealed::{Keyring, Sealer};
pub use writer::{BoxFuture, Writer};

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An SQLite file: zero setup, one machine.
    Sqlite,
    /// A PostgreSQL server: several stateless instances can share it.
    Postgres,
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `sqlite://path/to/file.db` or `postgres://…`.
    pub url: String,
    /// Upper bound on pooled connections (readers on SQLite, all on PostgreSQL).
    pub max_connections: u32,
    /// The keys customers' phone numbers and addresses are sealed with.
    pub sealer: Sealer,
    /// Products kept in memory for product pages, listings and search results (0: none).
    pub product_cache_capacity: usize,
    /// How long a looked-up session is reused without asking the database (zero: never).
    /// It bounds how long a session revoked by another instance is still honoured here.
    pub session_cache_lifetime: Duration,
}

impl StoreOptions {
    /// Options for `url` with a pool sized for this machine.
    pub fn new(url: impl Into<String>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        Self {
            url: url.into(),
            max_connections: (cores * 4).clamp(4, 32),
            sealer: Sealer::default(),
            product_cache_capacity: DEFAULT_PRODUCT_CACHE,
            session_cache_lifetime: DEFAULT_SESSION_CACHE,
        }
    }

    /// These options, sealing personal data with `keyring`.
    pub fn with_keys(mut self, keyring: Keyring) -> Self {
        self.sealer = Sealer::new(keyring);
        self
    }
}

/// Products the cache holds by default. Measured on the demo catalogue (about 430 bytes
/// of text per product), a full cache adds about 0.8 KB per product to the server's
/// memory, so 50,000 keep a busy server under 150 MB; raise it with the memory to spare.
pub const DEFAULT_PRODUCT_CACHE: usize = 50_000;

/// How long a looked-up session is reused by default (see `session_cache`).
pub const DEFAULT_SESSION_CACHE: Duration = Duration::from_secs(1);

/// The database: a read pool and a write path, plus the engine they run on.
#[derive(Clone, Debug)]
pub struct Store {
    engine: Engine,
    read: AnyPool,
    writer: Writer,
    sealer: Sealer,
    /// Recently read products and listing pages (see `product_cache`).
    products: ProductCache,
    /// Recently looked-up sessions (see `session_cache`).
    sessions: Arc<SessionCache>,
    /// The category tree (see `categories`).
    categories: Arc<kept::Kept<categories::CategoryTree>>,
    /// The pricing rules without coupons (see `pricing`).
    rules: Arc<kept::Kept<emporium_domain::pricing::Rules>>,
    /// The shop's option labels per locale (see `catalog::OptionLabels`).
    labels: Arc<catalog::LabelCache>,
    /// On SQLite, where point reads run (see [`db::InlineReaders`]).
    inline: Option<Arc<db::InlineReaders>>,
}

impl Store {
    /// Opens the database named by `options.url`, creating an SQLite file (and its folder)
    /// if needed, and applies pending migrations.
    pub async fn open(options: &StoreOptions) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let engine = engine_of(&options.url)?;
        let products = ProductCache::new(options.product_cache_capacity);
        let sessions = Arc::new(SessionCache::new(options.session_cache_lifetime));
        let store = match engine {
            Engine::Sqlite => {
                let path = sqlite_path(&options.url)?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
                }
                let mut conn = connect_sqlite(&path, "rwc").await?;
                // ENGINE-SPECIFIC: WAL lets readers proceed beside the writer; FULL
                // synchronous makes every commit durable before it is acknowledged.
                sqlx::raw_sql("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
                    .execute(&mut conn)
                    .await?;
                migrator(engine).run(&mut conn).await?;
                conn.close().await?;
                let read_options = any_options(&sqlite_url(&path, "ro"))?;
                let read = AnyPoolOptions::new()
                    .max_connections(options.max_connections)
                    .min_connections(1)
                    // A pooled SQLite connection is a file handle in this process: no
                    // server or network can drop it, so testing it before each use only
                    // costs a ping, a round trip to the connection's worker thread (two
                    // thread wake-ups). In the product-detail profile that ping was 14 %
                    // of the server's CPU, beside the query itself.
                    .test_before_acquire(false)
                    .connect_with(read_options)
                    .await?;
                Store {
                    engine,
                    read,
                    writer: Writer::single_connection(open_writer(&path)?, products.clone())?,
                    sealer: options.sealer.clone(),
                    products,
                    sessions,
                    categories: Arc::new(kept::Kept::new(categories::TREE_TTL)),
                    rules: Arc::new(kept::Kept::new(pricing::RULES_TTL)),
                    labels: Arc::default(),
                    inline: Some(Arc::new(db::InlineReaders::new(&path))),
                }
            }
            Engine::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(any_options(&options.url)?)
                    .await?;
                migrator(engine).run(&pool).await?;
                Store {
                    engine,
                    read: pool.clone(),
                    writer: Writer::pool(pool, products.clone()),
                    sealer: options.sealer.clone(),
                    products,
                    sessions,
                    categories: Arc::new(kept::Kept::new(categories::TREE_TTL)),
                    rules: Arc::new(kept::Kept::new(pricing::RULES_TTL)),
                    labels: Arc::default(),
                    inline: None,
                }
            }
        };
        store.verify_keys().await?;
        store.index_phones().await?;
        Ok(store)
    }

    /// The engine in use.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// What personal data is sealed with.
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// The pool for reads. On SQLite its connections are read-only.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// Where a point read goes: a statement that finds a few rows through an index. On
    /// SQLite it runs on the calling thread (see [`db::InlineReaders`]), elsewhere on the
    /// read pool. Anything that may scan uses [`Store::reader`].
    pub(crate) fn point(&self) -> db::On<'_> {
        match &self.inline {
            Some(readers) => db::On::Inline(readers),
            None => db::On::Pool(&self.read),
        }
    }

    /// Runs `op`'s reads on one snapshot of the database: on SQLite one read transaction
    /// on an inline reader (see [`db::InlineReaders::snapshot`]), on PostgreSQL a
    /// read-only transaction at `REPEATABLE READ` (its default, `READ COMMITTED`, gives
    /// each statement a snapshot of its own). For reads of several queries whose
    /// results must agree with one another.
    pub(crate) async fn snapshot<T>(
        &self,
        op: impl for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        if let Some(readers) = &self.inline {
            return readers.snapshot(op).await;
        }
        let mut conn = Conn::Tx(
            self.read
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?,
        );
        let out = op(&mut conn).await?;
        if let Conn::Tx(tx) = conn {
            tx.commit().await?;
        }
        Ok(out)
    }

    /// Runs `op` as one write transaction and returns its result once committed.
    ///
    /// On SQLite `op` may share a commit with other concurrent operations; it runs inside
    /// a savepoint, so its own failure undoes only its own changes. On PostgreSQL a try
    /// aborted by a deadlock or serialization failure is run again (a fresh clone of
    /// `op`). `op` must do all its work through the connection it is given.
    pub async fn write<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<T, StoreError>> + Clone + Send + 'static,
    {
        self.writer.run(op).await
    }

    /// Whether the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> bool {
        query("SELECT 1").execute(&self.read).await.is_ok()
    }

    /// Closes every connection, letting queued writes finish first.
    pub async fn close(&self) {
        self.writer.close().await;
        self.read.close().await;
    }
}

/// Applies pending migrations to the database at `url` without keeping it open
/// (`emporium migrate`). Returns how many migrations the database now has applied.
pub async fn migrate(options: &StoreOptions) -> Result<usize, StoreError> {
    let store = Store::open(options).await?;
    let count: i64 = query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(store.reader())
        .await
        .or_else(|_| Ok::<i64, StoreError>(0))?;
    store.close().await;
    Ok(usize::try_from(count).unwrap_or(0))
}

fn migrator(engine: Engine) -> sqlx::migrate::Migrator {
    match engine {
        Engine::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Engine::Postgres => sqlx::migrate!("./migrations/postgres"),
    }
}

fn engine_of(url: &str) -> Result<Engine, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Engine::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Engine::Postgres)
    } else {
        Err(StoreError::Config(format!(
            "unsupported database URL {:?}: use sqlite://<file> or postgres://…",
            redact(url)
        )))
    }
}

/// The file path of an `sqlite:` URL; query parameters are ignored because the store
/// sets the modes and pragmas it relies on itself.
fn sqlite_path(url: &str) -> Result<PathBuf, StoreError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return Err(StoreError::Config(
            "an SQLite database must be a file (sqlite://path/to/emporium.db)".into(),
        ));
    }
    Ok(PathBuf::from(path))
}

fn sqlite_url(path: &Path, mode: &str) -> String {
    format!("sqlite://{}?mode={mode}", path.display())
}

async fn connect_sqlite(path: &Path, mode: &str) -> Result<AnyConnection, StoreError> {
    Ok(AnyConnection::connect_with(&any_options(&sqlite_url(path, mode))?).await?)
}

/// The SQLite writer's connection (see `writer` for why it is not sqlx's).
fn open_writer(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    let lite = |e| StoreError::Database(db::lite_error(e));
    // Every statement the write operations use stays prepared.
    let mode = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_CREATE;
    let conn = db::open_lite(path, mode, 512).map_err(lite)?;
    // FULL as above (WAL is a property of the file); foreign keys as sqlx sets them on
    // its own SQLite connections.
    conn.pragma_update(None, "synchronous", "FULL").map_err(lite)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(lite)?;
    Ok(conn)
}

fn any_options(url: &str) -> Result<AnyConnectOptions, StoreError> {
    AnyConnectOptions::from_str(url).map_err(|e| StoreError::Config(format!("bad database URL {:?}: {e}", redact(url))))
}

/// A database URL with any password replaced, fit for logs and error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => {
                    format!("{}://{user}:***@{}", &url[..scheme_end], &url[at + 1..])
                }
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_follow_the_url_scheme() {
        assert_eq!(engine_of("sqlite://x.db").ok(), Some(Engine::Sqlite));
        assert_eq!(engine_of("postgres://u@h/db").ok(), Some(Engine::Postgres));
        assert!(engine_of("mysql://h/db").is_err());
        assert!(sqlite_path("sqlite::memory:").is_err());
        assert_eq!(
            sqlite_path("sqlite:///tmp/a.db?mode=rwc").ok(),
            Some(PathBuf::from("/tmp/a.db"))
        );
        assert_eq!(sqlite_path("sqlite://data/a.db").ok(), Some(PathBuf::from("data/a.db")));
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
