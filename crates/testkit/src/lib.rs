//! Test support shared by the store and API suites: a fresh database per test, on SQLite
//! always and on PostgreSQL when `EMPORIUM_TEST_POSTGRES_URL` is set; and a real S3
//! server ([`moto::Moto`]) for the media bucket's tests.
//!
//! [`engine_test!`] turns one test body into two tests, `<name>::sqlite` and
//! `<name>::postgres`, so a suite is written once and proven on both engines. Without the
//! PostgreSQL URL the `postgres` variants pass as skipped, except under `CI=true`, where a
//! skipped engine is a failure: CI must not go green without running it.

pub mod alipay;
pub mod keys;
pub mod moto;
pub mod smtp;
pub mod transport;
pub mod wechatpay;

use emporium_store::{Engine, Store, StoreOptions};

/// The variable naming the PostgreSQL server for tests (a database the tests may create
/// schemas in), e.g. `postgres://postgres@127.0.0.1:5432/test`.
pub const POSTGRES_URL_VAR: &str = "EMPORIUM_TEST_POSTGRES_URL";

/// A database that exists for one test and is removed afterwards.
#[derive(Debug)]
pub struct TestDb {
    /// The URL to open it with.
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    /// The temporary folder holding the SQLite file; removed on drop.
    Dir(#[expect(dead_code, reason = "held only to delete the folder on drop")] tempfile::TempDir),
    /// A PostgreSQL schema to drop, and the URL of its database.
    Schema { admin_url: String, schema: String },
}

impl TestDb {
    /// A fresh database on `engine`, or `None` for PostgreSQL when no server is configured
    /// (which panics under `CI=true`).
    pub async fn new(engine: Engine) -> Option<Self> {
        match engine {
            Engine::Sqlite => Some(Self::sqlite()),
            Engine::Postgres => Self::postgres().await,
        }
    }

    /// A fresh database on each engine: SQLite always, PostgreSQL when configured (as
    /// [`TestDb::new`]), for tests that run the engines in turn within one test.
    pub async fn every_engine() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite()];
        dbs.extend(Self::postgres().await);
        dbs
    }

    /// A new SQLite file in a temporary folder.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("emporium.db").display());
        Self {
            url,
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A new schema in the configured PostgreSQL database, made the connections'
    /// `search_path` so the store's unqualified table names land in it.
    pub async fn postgres() -> Option<Self> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{POSTGRES_URL_VAR} is not set under CI=true: the PostgreSQL suite must run in CI"
            );
            eprintln!("skipped: {POSTGRES_URL_VAR} is not set");
            return None;
        };
        let mut suffix = [0u8; 8];
        getrandom::fill(&mut suffix).expect("random schema name");
        let schema = format!("t_{}", hex::encode(suffix));
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut conn)
            .await
            .expect("create test schema");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-c%20search_path%3D{schema}");
        Some(Self {
            url,
            cleanup: Cleanup::Schema { admin_url, schema },
        })
    }

    /// Opens (and migrates) the store on this database, sealing with [`test_keys`].
    pub async fn open(&self) -> Store {
        Store::open(&StoreOptions::new(&self.url).with_keys(test_keys()))
            .await
            .expect("open test store")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Schema { admin_url, schema } = &self.cleanup {
            let (admin_url, schema) = (admin_url.clone(), schema.clone());
            // Drop runs inside the test's runtime, where blocking on async work is not
            // allowed; a short-lived thread with its own runtime does the cleanup.
            let done = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                rt.block_on(async {
                    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
                        .execute(&mut conn)
                        .await
                        .map(drop)
                })
                .map_err(std::io::Error::other)
            });
            let _ = done.join();
        }
    }
}

/// Runs a test once on each engine, as `name::sqlite` and `name::postgres`. The test is
/// an ordinary `async fn` taking a [`TestDb`], so rustfmt formats its body and an editor
/// sees plain code; the macro only adds the two `#[tokio::test]` entry points. The
/// PostgreSQL variant returns early, passing, when no database is configured (and panics
/// under `CI=true`; see [`TestDb::postgres`]).
///
/// ```ignore
/// async fn users_are_unique(db: TestDb) {
///     let store = db.open().await;
///     /* … */
/// }
/// engine_test!(users_are_unique);
/// ```
///
/// `engine_test!(with path::to::spawn; name)` first turns the `TestDb` into what the test
/// takes (`async fn spawn(TestDb) -> T`); the API suite's `app_test!` is built so.
#[macro_export]
macro_rules! engine_test {
    ($($name:ident),+ $(,)?) => {
        $crate::engine_test!(with $crate::as_is; $($name),+);
    };
    (with $spawn:path; $($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($spawn($crate::TestDb::sqlite()).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::TestDb::postgres().await else { return };
                super::$name($spawn(db).await).await
            }
        }
    )+};
}

/// The identity for [`engine_test!`]'s `with` form: a test that takes the [`TestDb`] itself.
pub async fn as_is(db: TestDb) -> TestDb {
    db
}

/// The data keys every test store seals personal data with, so the suites run sealed as
/// production does, and several test instances on one database share keys as they must.
pub fn test_keys() -> emporium_store::Keyring {
    // 32 bytes of 0x2a; a test key, never used outside tests.
    emporium_store::Keyring::parse("test KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=").expect("test keyring")
}
