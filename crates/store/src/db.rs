//! The store's one way to run SQL, over the three kinds of connection it uses:
//!
//! - sqlx's pool and pooled transactions (reads on both engines, writes on PostgreSQL);
//! - the SQLite writer's own connection, a synchronous `rusqlite` connection that the
//!   writer thread drives itself (see `writer`);
//! - on SQLite, read-only `rusqlite` connections for point reads, run on the thread that
//!   asks ([`InlineReaders`]).
//!
//! Why two drivers: sqlx runs each SQLite connection on a thread of its own and hands it
//! every statement over a channel, so a statement costs two thread wake-ups, more than an
//! indexed read or write itself. On the writer, where every write waits behind the one
//! before it, those hand-offs were the bound on checkout (profiles in BENCHMARKS.md). The
//! writer now runs a whole group of operations on its own thread, each statement a plain
//! function call, and a point read is a function call on the thread that needs it.
//!
//! The interface mirrors the part of sqlx the store used (`query(..).bind(..)
//! .fetch_one(..)`, `row.try_get(..)`), so every operation is written once and runs on
//! any of them; errors stay `sqlx::Error`, with SQLite constraint failures reported as
//! sqlx's would be (`is_unique_violation` and friends).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use rusqlite::types::{FromSql, ToSqlOutput, ValueRef};
use sqlx::any::AnyRow;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Transaction};

/// A value bound to a placeholder. The schema holds BIGINT and TEXT (and one blob), so
/// these are all there is; a NULL keeps its type because PostgreSQL wants one.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A BIGINT.
    Int(i64),
    /// A TEXT.
    Text(String),
    /// A NULL BIGINT.
    NullInt,
    /// A NULL TEXT.
    NullText,
    /// A BLOB (PostgreSQL BYTEA): a recommendation model's body.
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<&i64> for Value {
    fn from(v: &i64) -> Self {
        Value::Int(*v)
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::NullInt, Value::Int)
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        v.map_or(Value::NullText, Value::Text)
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Value::NullText, Value::from)
    }
}

impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Self {
        v.as_deref().into()
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Int(v) => ValueRef::Integer(*v),
            Value::Text(v) => ValueRef::Text(v.as_bytes()),
            Value::NullInt | Value::NullText => ValueRef::Null,
            Value::Blob(v) => ValueRef::Blob(v),
        }))
    }
}

/// A connection a write operation (or a multi-query read) runs on.
#[derive(Debug)]
pub enum Conn {
    /// A pooled connection (reads that need several queries on one snapshot).
    Pooled(PoolConnection<Any>),
    /// A pooled transaction (writes on PostgreSQL).
    Tx(Transaction<'static, Any>),
    /// The SQLite writer's connection, on the writer's thread.
    Lite(rusqlite::Connection),
}

/// Where a query runs: what `&mut Conn` or the read pool turns into.
pub enum On<'a> {
    /// Any connection from the pool.
    Pool(&'a AnyPool),
    /// A read-only SQLite connection used on the calling thread (see [`InlineReaders`]).
    Inline(&'a InlineReaders),
    /// One sqlx connection.
    Any(&'a mut AnyConnection),
    /// The SQLite writer's connection.
    Lite(&'a mut rusqlite::Connection),
}

impl On<'_> {
    /// The same place again, for one more query.
    pub fn reborrow(&mut self) -> On<'_> {
        match self {
            On::Pool(pool) => On::Pool(pool),
            On::Inline(readers) => On::Inline(readers),
            On::Any(conn) => On::Any(conn),
            On::Lite(conn) => On::Lite(conn),
        }
    }
}

impl<'a> From<&'a AnyPool> for On<'a> {
    fn from(pool: &'a AnyPool) -> Self {
        On::Pool(pool)
    }
}

impl<'a> From<&'a mut AnyConnection> for On<'a> {
    fn from(conn: &'a mut AnyConnection) -> Self {
        On::Any(conn)
    }
}

impl<'a> From<&'a mut Conn> for On<'a> {
    fn from(conn: &'a mut Conn) -> Self {
        match conn {
            Conn::Pooled(c) => On::Any(c),
            Conn::Tx(t) => On::Any(t),
            Conn::Lite(c) => On::Lite(c),
        }
    }
}

/// SQL with `$1, $2, …` placeholders and the values bound to them.
#[derive(Debug, Clone)]
pub struct Query {
    sql: Cow<'static, str>,
    args: Vec<Value>,
}

/// SQL text a query can be made of: a literal, or text assembled only from fixed
/// fragments, which the caller vouches for with `AssertSqlSafe` (as with sqlx).
pub trait SqlText {
    /// The text.
    fn text(self) -> Cow<'static, str>;
}

impl SqlText for &'static str {
    fn text(self) -> Cow<'static, str> {
        Cow::Borrowed(self)
    }
}

impl SqlText for AssertSqlSafe<String> {
    fn text(self) -> Cow<'static, str> {
        Cow::Owned(self.0)
    }
}

/// A query; bind its placeholders, then run it.
pub fn query(sql: impl SqlText) -> Query {
    Query {
        sql: sql.text(),
        args: Vec::new(),
    }
}

/// A query whose text was assembled at run time from fixed fragments (see `sql::Sql`).
pub(crate) fn query_assembled(sql: String, args: Vec<Value>) -> Query {
    Query {
        sql: Cow::Owned(sql),
        args,
    }
}

/// A query answering one value per row (its first column).
pub fn query_scalar<T: FromDb>(sql: impl SqlText) -> Scalar<T> {
    Scalar {
        query: query(sql),
        out: PhantomData,
    }
}

/// What an `execute` changed.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    rows_affected: u64,
}

impl Done {
    /// Rows inserted, updated or deleted.
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

impl Query {
    /// Binds the next placeholder.
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Runs the statement to its end.
    pub async fn execute<'a>(self, on: impl Into<On<'a>>) -> Result<Done, sqlx::Error> {
        match on.into() {
            On::Pool(pool) => Ok(done(self.any().execute(pool).await?)),
            On::Any(conn) => Ok(done(self.any().execute(conn).await?)),
            On::Lite(conn) => {
                run_lite(conn, &self.sql, &self.args, None)?;
                Ok(Done {
                    rows_affected: conn.changes(),
                })
            }
            On::Inline(readers) => {
                readers.run(&self.sql, &self.args, None)?;
                Ok(Done { rows_affected: 0 })
            }
        }
    }

    /// Every row.
    pub async fn fetch_all<'a>(self, on: impl Into<On<'a>>) -> Result<Vec<Row>, sqlx::Error> {
        Ok(match on.into() {
            On::Pool(pool) => self.any().fetch_all(pool).await?.into_iter().map(Row::Any).collect(),
            On::Any(conn) => self.any().fetch_all(conn).await?.into_iter().map(Row::Any).collect(),
            On::Lite(conn) => run_lite(conn, &self.sql, &self.args, None)?,
            On::Inline(readers) => readers.run(&self.sql, &self.args, None)?,
        })
    }

    /// The first row, if any.
    pub async fn fetch_optional<'a>(self, on: impl Into<On<'a>>) -> Result<Option<Row>, sqlx::Error> {
        Ok(match on.into() {
            On::Pool(pool) => self.any().fetch_optional(pool).await?.map(Row::Any),
            On::Any(conn) => self.any().fetch_optional(conn).await?.map(Row::Any),
            On::Lite(conn) => run_lite(conn, &self.sql, &self.args, Some(1))?.pop(),
            On::Inline(readers) => readers.run(&self.sql, &self.args, Some(1))?.pop(),
        })
    }

    /// The first row; `RowNotFound` if there is none.
    pub async fn fetch_one<'a>(self, on: impl Into<On<'a>>) -> Result<Row, sqlx::Error> {
        self.fetch_optional(on).await?.ok_or(sqlx::Error::RowNotFound)
    }

    fn any(self) -> sqlx::query::Query<'static, Any, sqlx::any::AnyArguments> {
        let mut q = match self.sql {
            Cow::Borrowed(sql) => sqlx::query(sql),
            Cow::Owned(sql) => sqlx::query(AssertSqlSafe(sql)),
        };
        for value in self.args {
            q = match value {
                Value::Int(v) => q.bind(v),
                Value::Text(v) => q.bind(v),
                Value::NullInt => q.bind(None::<i64>),
                Value::NullText => q.bind(None::<String>),
                Value::Blob(v) => q.bind(v),
            };
        }
        q
    }
}

fn done(result: sqlx::any::AnyQueryResult) -> Done {
    Done {
        rows_affected: result.rows_affected(),
    }
}

/// A query answering its rows' first column as `T`.
#[derive(Debug, Clone)]
pub struct Scalar<T> {
    query: Query,
    out: PhantomData<fn() -> T>,
}

impl<T: FromDb> Scalar<T> {
    /// Binds the next placeholder.
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.query = self.query.bind(value);
        self
    }

    /// Every row's value.
    pub async fn fetch_all<'a>(self, on: impl Into<On<'a>>) -> Result<Vec<T>, sqlx::Error> {
        self.query.fetch_all(on).await?.iter().map(|r| r.try_get(0)).collect()
    }

    /// The first row's value, if there is a row.
    pub async fn fetch_optional<'a>(self, on: impl Into<On<'a>>) -> Result<Option<T>, sqlx::Error> {
        self.query.fetch_optional(on).await?.map(|r| r.try_get(0)).transpose()
    }

    /// The first row's value; `RowNotFound` if there is none.
    pub async fn fetch_one<'a>(self, on: impl Into<On<'a>>) -> Result<T, sqlx::Error> {
        self.query.fetch_one(on).await?.try_get(0)
    }
}

/// A row from either driver.
pub enum Row {
    /// From sqlx.
    Any(AnyRow),
    /// From a `rusqlite` connection.
    Lite(LiteRow),
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Row::Any(row) => f.debug_struct("Row").field("columns", &row.columns.len()).finish(),
            Row::Lite(row) => f.debug_struct("Row").field("columns", &row.names).finish(),
        }
    }
}

/// A row read on a `rusqlite` connection (the writer's or an inline reader's): its
/// values, and the statement's column names.
#[derive(Debug)]
pub struct LiteRow {
    names: Arc<[String]>,
    values: Vec<rusqlite::types::Value>,
}

/// A type a column can be read as, by either driver.
pub trait FromDb: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any> + FromSql {}
impl<T> FromDb for T where T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any> + FromSql {}

/// A column named or numbered.
pub trait Column: sqlx::ColumnIndex<AnyRow> + fmt::Debug {
    /// Its position among `names`.
    fn position(&self, names: &[String]) -> Option<usize>;
}

impl Column for &str {
    fn position(&self, names: &[String]) -> Option<usize> {
        names.iter().position(|n| n == self)
    }
}

impl Column for usize {
    fn position(&self, names: &[String]) -> Option<usize> {
        (*self < names.len()).then_some(*self)
    }
}

impl Row {
    /// The value of `column` as a `T`.
    pub fn try_get<T: FromDb, I: Column>(&self, column: I) -> Result<T, sqlx::Error> {
        match self {
            Row::Any(row) => sqlx::Row::try_get(row, column),
            Row::Lite(row) => {
                let at = column
                    .position(&row.names)
                    .ok_or_else(|| sqlx::Error::ColumnNotFound(format!("{column:?}")))?;
                T::column_result(ValueRef::from(&row.values[at])).map_err(|e| sqlx::Error::ColumnDecode {
                    index: format!("{column:?}"),
                    source: Box::new(e),
                })
            }
        }
    }
}

/// The value of a TEXT column holding one of a few names, as its enum (a status): a name
/// the code does not know means the row was written by something else, which is
/// [`StoreError::Corrupt`] rather than a decoding error.
pub(crate) fn parse_column<T: std::str::FromStr>(row: &Row, column: &str) -> Result<T, crate::StoreError> {
    let raw: String = row.try_get(column)?;
    raw.parse()
        .map_err(|_| crate::StoreError::Corrupt(format!("{column} {raw:?}")))
}

/// Read-only SQLite connections that run a query on the calling thread, for point reads:
/// statements that use an index to find a few rows (a product by id, a session by token,
/// a customer's page of order ids). Such a read takes microseconds, less than handing it
/// to sqlx's connection thread and waking up again when it answers, which is what the
/// read pool does for every statement. Anything that may scan stays on the pool, so no
/// runtime thread is ever held up for long.
#[derive(Debug)]
pub struct InlineReaders {
    path: std::path::PathBuf,
    idle: std::sync::Mutex<Vec<rusqlite::Connection>>,
}

/// Idle connections kept; a busier moment opens more and closes the surplus.
const INLINE_IDLE: usize = 8;

impl InlineReaders {
    pub(crate) fn new(path: &std::path::Path) -> Self {
        Self {
            path: path.to_owned(),
            idle: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn run(&self, sql: &str, args: &[Value], limit: Option<usize>) -> Result<Vec<Row>, sqlx::Error> {
        let conn = self.take()?;
        let out = run_lite(&conn, sql, args, limit);
        self.give_back(conn);
        out
    }

    /// Runs `op`'s reads inside one read transaction, so they all see the same snapshot
    /// of the file (a commit landing between two of them is seen by neither). `op` runs
    /// on the calling thread like any inline read: on a `rusqlite` connection every
    /// query finishes when called, so its future never waits, and no other task can run
    /// (or cancel it) between `BEGIN` and `COMMIT`.
    pub(crate) async fn snapshot<T, E>(
        &self,
        op: impl for<'c> FnOnce(&'c mut Conn) -> crate::BoxFuture<'c, Result<T, E>>,
    ) -> Result<T, E>
    where
        E: From<sqlx::Error>,
    {
        let conn = self.take()?;
        conn.execute_batch("BEGIN").map_err(lite_error)?;
        let mut conn = Conn::Lite(conn);
        let out = op(&mut conn).await;
        if let Conn::Lite(conn) = conn
            && conn.execute_batch("COMMIT").is_ok()
        {
            self.give_back(conn);
        }
        out
    }

    fn take(&self) -> Result<rusqlite::Connection, sqlx::Error> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.open().map_err(lite_error),
        }
    }

    fn give_back(&self, conn: rusqlite::Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < INLINE_IDLE {
            idle.push(conn);
        }
    }

    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        open_lite(&self.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY, 64)
    }
}

/// A `rusqlite` connection to the file at `path`, set up as sqlx sets up its own SQLite
/// connections (5 s busy timeout), keeping up to `statements` prepared statements.
pub(crate) fn open_lite(
    path: &std::path::Path,
    mode: rusqlite::OpenFlags,
    statements: usize,
) -> rusqlite::Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        mode | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(statements);
    Ok(conn)
}

/// Runs one statement on the writer's connection; `limit` stops reading rows early (an
/// INSERT, UPDATE or DELETE has done all its work at the first row).
fn run_lite(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Value],
    limit: Option<usize>,
) -> Result<Vec<Row>, sqlx::Error> {
    let mut statement = conn.prepare_cached(sql).map_err(lite_error)?;
    for i in 1..=statement.parameter_count() {
        // `$3` is a named parameter to SQLite; a name may repeat, sharing one index.
        let n = statement
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| sqlx::Error::Protocol(format!("placeholder {i} is not $N in {sql}")))?;
        let value = n
            .checked_sub(1)
            .and_then(|at| args.get(at))
            .ok_or_else(|| sqlx::Error::Protocol(format!("nothing bound to ${n} in {sql}")))?;
        statement.raw_bind_parameter(i, value).map_err(lite_error)?;
    }
    let names: Arc<[String]> = statement.column_names().into_iter().map(String::from).collect();
    let width = names.len();
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(lite_error)? {
        let mut values = Vec::with_capacity(width);
        for at in 0..width {
            let value = row.get_ref(at).map_err(lite_error)?;
            values.push(rusqlite::types::Value::try_from(value).map_err(|e| sqlx::Error::Decode(Box::new(e)))?);
        }
        out.push(Row::Lite(LiteRow {
            names: names.clone(),
            values,
        }));
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
    }
    Ok(out)
}

/// An SQLite failure as sqlx reports it, so that callers' checks
/// (`is_unique_violation`, `is_foreign_key_violation`) hold on the writer too.
#[derive(Debug)]
struct LiteError {
    extended_code: i32,
    message: String,
}

impl fmt::Display for LiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LiteError {}

impl DatabaseError for LiteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.extended_code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        use rusqlite::ffi;
        match self.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => ErrorKind::UniqueViolation,
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

/// A `rusqlite` error as a `sqlx` one.
pub(crate) fn lite_error(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(failure, message) => sqlx::Error::Database(Box::new(LiteError {
            extended_code: failure.extended_code,
            message: message.unwrap_or_else(|| failure.to_string()),
        })),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}
