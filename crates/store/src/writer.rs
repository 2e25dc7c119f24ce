//! The write path. Every write operation is a closure over a connection; the [`Writer`]
//! decides how it meets a transaction.
//!
//! - **SQLite** allows one writer at a time, and a deferred transaction that reads and
//!   then writes can fail with `SQLITE_BUSY` at once, whatever the busy timeout. So one
//!   task owns the only write connection and drains a queue: it opens a single
//!   `BEGIN IMMEDIATE` transaction, runs every queued operation inside its own savepoint,
//!   then commits them all with one flush (group commit). An operation's caller is
//!   answered only after that commit, so an acknowledged write is on disk, and the cost of
//!   the flush is shared by everyone who waited for it. Clients never see `SQLITE_BUSY`.
//! - **PostgreSQL** handles concurrent writers itself: each operation runs in its own
//!   pooled transaction.
//!
//! The code above the store is the same either way: `store.write(|conn| …)`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use futures_util::FutureExt;
use sqlx::{AnyConnection, AnyPool, Connection};
use tokio::sync::{mpsc, oneshot};

use crate::StoreError;
use crate::product_cache::{ProductCache, collecting};

/// A boxed future borrowing a connection, as write operations return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How many queued operations may share one commit. Bounds the latency one batch adds.
const MAX_BATCH: usize = 256;
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
    /// A writer that owns `conn` (an SQLite connection) and commits in groups.
    pub(crate) fn single_connection(conn: AnyConnection, products: ProductCache) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(drain(conn, rx, products.clone()));
        Writer {
            inner: Inner::Queue(tx),
            products,
        }
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
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
    {
        match &self.inner {
            Inner::Pool(pool) => {
                let mut tx = pool.begin().await?;
                // Dropping `tx` on any error (or panic) rolls the transaction back.
                let (out, changed) = collecting(AssertUnwindSafe(op(&mut tx)).catch_unwind()).await;
                let out = out.map_err(|_| StoreError::Panicked)??;
                let committed = tx.commit().await;
                // After the commit, so no reader can cache what it read before it.
                self.products.forget(&changed);
                committed?;
                Ok(out)
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
    fn run<'c>(&'c mut self, conn: &'c mut AnyConnection) -> BoxFuture<'c, bool>;
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
    F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
{
    fn run<'c>(&'c mut self, conn: &'c mut AnyConnection) -> BoxFuture<'c, bool> {
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

/// The single writer task: take whatever is queued, run it as one transaction, commit.
async fn drain(mut conn: AnyConnection, mut rx: mpsc::Receiver<Msg>, products: ProductCache) {
    let mut messages: Vec<Msg> = Vec::with_capacity(MAX_BATCH);
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    let mut closers = Vec::new();
    while rx.recv_many(&mut messages, MAX_BATCH).await > 0 {
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
            let commit = run_batch(&mut conn, &mut batch).await;
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
    let _ = conn.close().await;
    for done in closers {
        let _ = done.send(());
    }
}

async fn run_batch(conn: &mut AnyConnection, batch: &mut [Box<dyn Job>]) -> Result<(), String> {
    // Each operation runs in a savepoint of its own. The statements between operations go
    // to the connection in one call each: one hand-off to the driver's connection thread
    // instead of two or three (the hand-offs, not SQLite, are what the writer waits on).
    let mut previous: Option<bool> = None; // whether the previous operation succeeded
    for job in batch.iter_mut() {
        let between = match previous {
            None => "BEGIN IMMEDIATE; SAVEPOINT op",
            Some(true) => "RELEASE op; SAVEPOINT op",
            Some(false) => "ROLLBACK TO op; RELEASE op; SAVEPOINT op",
        };
        if let Err(e) = exec(conn, between).await {
            let _ = exec(conn, "ROLLBACK").await;
            return Err(e);
        }
        previous = Some(job.run(conn).await);
    }
    let last = match previous {
        None => return Ok(()),
        Some(true) => "RELEASE op; COMMIT",
        Some(false) => "ROLLBACK TO op; RELEASE op; COMMIT",
    };
    match exec(conn, last).await {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = exec(conn, "ROLLBACK").await;
            Err(e)
        }
    }
}

async fn exec(conn: &mut AnyConnection, sql: &'static str) -> Result<(), String> {
    sqlx::raw_sql(sql)
        .execute(conn)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}
