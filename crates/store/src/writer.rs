//! The write path. Every write operation is a closure over a connection; the [`Writer`]
//! decides how it meets a transaction.
//!
//! - **SQLite** allows one writer at a time, and a deferred transaction that reads and
//!   then writes can fail with `SQLITE_BUSY` at once, whatever the busy timeout. So one
//!   thread owns the only write connection and drains a queue: it opens a single
//!   `BEGIN IMMEDIATE` transaction, runs every queued operation inside its own savepoint,
//!   then commits them all with one flush (group commit). An operation's caller is
//!   answered only after that commit, so an acknowledged write is on disk, and the cost of
//!   the flush is shared by everyone who waited for it. Clients never see `SQLITE_BUSY`.
//!
//!   The thread drives its connection itself (a synchronous `rusqlite` connection, see
//!   `db`), so a statement is a function call rather than a round trip to a driver's
//!   thread: every write waits behind the ones queued before it, so the writer's time per
//!   statement bounds the whole shop's write rate. Operations are async because they are
//!   written once for both engines; on this connection every query is ready at once, and
//!   the thread polls each operation to its end.
//! - **PostgreSQL** handles concurrent writers itself: each operation runs in its own
//!   pooled transaction.
//!
//! The code above the store is the same either way: `store.write(|conn| …)`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use futures_util::FutureExt;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use crate::StoreError;
use crate::db::Conn;
use crate::product_cache::{ProductCache, collecting};

/// A boxed future borrowing a connection, as write operations return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How many queued operations may share one commit. Bounds the latency one batch adds.
const MAX_BATCH: usize = 256;
/// Tries of a PostgreSQL write transaction aborted by contention before its error is
/// answered (see [`StoreError::is_contention`]).
const CONTENTION_ATTEMPTS: u32 = 8;

/// The wait before try `attempt + 1`: doubling from 2 ms, with a little jitter so the
/// transactions that collided do not collide again in step.
fn contention_backoff(attempt: u32) -> std::time::Duration {
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() % 2_000_000);
    std::time::Duration::from_nanos((2_000_000u64 << attempt.min(6)) + u64::from(jitter))
}

/// Queue length before callers wait for room (back-pressure instead of unbounded memory).
const QUEUE: usize = 4096;

/// Runs write operations as transactions (see the module docs).
#[derive(Clone, Debug)]
pub struct Writer {
    inner: Inner,
    /// Told, after each commit, which products the committed operations changed.
    products: ProductCache,
}

#[derive(Clone, Debug)]
enum Inner {
    Queue(mpsc::Sender<Msg>),
    Pool(AnyPool),
}

impl Writer {
    /// A writer whose thread owns `conn` (the SQLite connection) and commits in groups.
    pub(crate) fn single_connection(conn: rusqlite::Connection, products: ProductCache) -> Result<Self, StoreError> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let runtime = tokio::runtime::Handle::current();
        let forget = products.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                // Operations may use tokio (timers, task-locals) as they would anywhere.
                let _runtime = runtime.enter();
                drain(Conn::Lite(conn), rx, forget);
            })
            .map_err(|e| StoreError::Config(format!("cannot start the SQLite writer: {e}")))?;
        Ok(Writer {
            inner: Inner::Queue(tx),
            products,
        })
    }

    /// A writer that runs each operation in its own transaction from `pool`.
    pub(crate) fn pool(pool: AnyPool, products: ProductCache) -> Self {
        Writer {
            inner: Inner::Pool(pool),
            products,
        }
    }

    /// Runs `op` in a write transaction; see [`crate::Store::write`].
    pub(crate) async fn run<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<T, StoreError>> + Clone + Send + 'static,
    {
        match &self.inner {
            Inner::Pool(pool) => {
                // A transaction PostgreSQL aborted for a lock cycle or a serialization
                // conflict is run again from the start (its work was rolled back), a few
                // times, so the client never sees the database's own contention. Write
                // operations are `Clone` for this: each try runs a fresh copy.
                let mut attempt = 1;
                loop {
                    match self.run_pooled(pool, op.clone()).await {
                        Err(e) if e.is_contention() && attempt < CONTENTION_ATTEMPTS => {
                            metrics::counter!("emporium_store_write_retries_total").increment(1);
                            tracing::debug!(attempt, error = %e, "write transaction retried");
                            tokio::time::sleep(contention_backoff(attempt)).await;
                            attempt += 1;
                        }
                        outcome => return outcome,
                    }
                }
            }
            Inner::Queue(queue) => {
                let (done, answer) = oneshot::channel();
                let job: Box<dyn Job> = Box::new(Pending {
                    op: Some(op),
                    outcome: None,
                    changed: Vec::new(),
                    done,
                });
                queue.send(Msg::Job(job)).await.map_err(|_| StoreError::Closed)?;
                answer.await.map_err(|_| StoreError::Closed)?
            }
        }
    }

    /// One try of `op` in its own pooled transaction.
    async fn run_pooled<T, F>(&self, pool: &AnyPool, op: F) -> Result<T, StoreError>
    where
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<T, StoreError>>,
    {
        let mut conn = Conn::Tx(pool.begin().await?);
        // Dropping the transaction on any error (or panic) rolls it back.
        let (out, changed) = collecting(AssertUnwindSafe(op(&mut conn)).catch_unwind()).await;
        let out = out.map_err(|_| StoreError::Panicked)??;
        let committed = match conn {
            Conn::Tx(tx) => tx.commit().await,
            // Built as `Tx` just above; an operation cannot swap it.
            _ => Err(sqlx::Error::Protocol("write transaction lost".into())),
        };
        // After the commit, so no reader can cache what it read before it.
        self.products.forget(&changed);
        committed?;
        Ok(out)
    }

    /// Stops accepting writes once those queued are done (the pool variant just closes).
    pub(crate) async fn close(&self) {
        match &self.inner {
            Inner::Pool(pool) => pool.close().await,
            Inner::Queue(queue) => {
                let (done, closed) = oneshot::channel();
                if queue.send(Msg::Close(done)).await.is_ok() {
                    let _ = closed.await;
                }
            }
        }
    }
}

/// What the writer task receives.
enum Msg {
    Job(Box<dyn Job>),
    /// Finish what is queued, close the connection, then answer.
    Close(oneshot::Sender<()>),
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Msg::Job(_) => "Job",
            Msg::Close(_) => "Close",
        })
    }
}

/// A queued operation, type-erased so operations of any result type share one queue.
trait Job: Send {
    /// Runs the operation; returns whether it succeeded (its savepoint is kept).
    fn run<'c>(&'c mut self, conn: &'c mut Conn) -> BoxFuture<'c, bool>;
    /// The products the operation changed (known once it ran).
    fn changed(&self) -> &[i64];
    /// Answers the caller once the batch's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

struct Pending<T, F> {
    op: Option<F>,
    outcome: Option<Result<T, StoreError>>,
    changed: Vec<i64>,
    done: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
{
    fn run<'c>(&'c mut self, conn: &'c mut Conn) -> BoxFuture<'c, bool> {
        Box::pin(async move {
            let Some(op) = self.op.take() else {
                return false;
            };
            // A panicking operation must not take the only write connection down with
            // it: it becomes this operation's error and its savepoint is rolled back.
            let (outcome, changed) = collecting(AssertUnwindSafe(op(conn)).catch_unwind()).await;
            let outcome = outcome.unwrap_or(Err(StoreError::Panicked));
            let ok = outcome.is_ok();
            self.outcome = Some(outcome);
            self.changed = changed;
            ok
        })
    }

    fn changed(&self) -> &[i64] {
        &self.changed
    }

    fn finish(self: Box<Self>, commit: Result<(), String>) {
        let answer = match (self.outcome, commit) {
            // The operation's own error stands whatever happened to the batch.
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (Some(Ok(_)), Err(e)) => Err(StoreError::CommitFailed(e)),
            (None, Err(e)) => Err(StoreError::CommitFailed(e)),
            (None, Ok(())) => Err(StoreError::CommitFailed("operation did not run".into())),
        };
        // The caller may have given up (request cancelled); its write stands regardless.
        let _ = self.done.send(answer);
    }
}

/// The writer thread: take whatever is queued, run it as one transaction, commit.
fn drain(mut conn: Conn, mut rx: mpsc::Receiver<Msg>, products: ProductCache) {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut messages: Vec<Msg> = Vec::with_capacity(MAX_BATCH);
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    let mut closers = Vec::new();
    while rx.blocking_recv_many(&mut messages, MAX_BATCH) > 0 {
        for msg in messages.drain(..) {
            match msg {
                Msg::Job(job) => batch.push(job),
                Msg::Close(done) => {
                    // Refuse new work; what is already queued still runs below.
                    rx.close();
                    closers.push(done);
                }
            }
        }
        if !batch.is_empty() {
            let commit = run_batch(&mut conn, &mut batch, &waker);
            if let Err(e) = &commit {
                tracing::error!(error = %e, batch = batch.len(), "sqlite group commit failed");
            }
            metrics::histogram!("emporium_store_write_batch_size").record(batch.len() as f64);
            // After the commit and before any caller hears of it (see product_cache).
            for job in &batch {
                products.forget(job.changed());
            }
            for job in batch.drain(..) {
                job.finish(commit.clone());
            }
        }
    }
    drop(conn);
    for done in closers {
        let _ = done.send(());
    }
}

fn run_batch(conn: &mut Conn, batch: &mut [Box<dyn Job>], waker: &Waker) -> Result<(), String> {
    // Each operation runs in a savepoint of its own.
    let mut previous: Option<bool> = None; // whether the previous operation succeeded
    for job in batch.iter_mut() {
        let between = match previous {
            None => "BEGIN IMMEDIATE; SAVEPOINT op",
            Some(true) => "RELEASE op; SAVEPOINT op",
            Some(false) => "ROLLBACK TO op; RELEASE op; SAVEPOINT op",
        };
        if let Err(e) = exec(conn, between) {
            let _ = exec(conn, "ROLLBACK");
            return Err(e);
        }
        previous = Some(block_on(job.run(conn), waker));
    }
    let last = match previous {
        None => return Ok(()),
        Some(true) => "RELEASE op; COMMIT",
        Some(false) => "ROLLBACK TO op; RELEASE op; COMMIT",
    };
    exec(conn, last).inspect_err(|_| {
        let _ = exec(conn, "ROLLBACK");
    })
}

fn exec(conn: &Conn, sql: &'static str) -> Result<(), String> {
    match conn {
        Conn::Lite(conn) => conn.execute_batch(sql).map_err(|e| e.to_string()),
        _ => Err("the SQLite writer was given another kind of connection".into()),
    }
}

/// Polls `op` to its end on this thread. Every query on the writer's connection is ready
/// at once, so this parks only if an operation waits on something else.
fn block_on<F: Future>(op: F, waker: &Waker) -> F::Output {
    let mut cx = Context::from_waker(waker);
    let mut op = std::pin::pin!(op);
    loop {
        if let Poll::Ready(out) = op.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// Wakes the writer thread.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}
