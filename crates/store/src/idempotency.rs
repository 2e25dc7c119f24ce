//! Idempotency keys: an operation sent with a client's key runs once, and every later
//! send of that key (however concurrent) gets the first answer back.
//!
//! The answer is stored in the operation's own transaction as a [`StoredAnswer`]: what
//! was created and the caller's rendering of it, a body the store keeps but does not
//! read. Turning it into a reply (an HTTP status and a JSON document, a redirect) is the
//! caller's business.

use std::fmt;
use std::str::FromStr;

use emporium_domain::time::Timestamp;

use crate::db::{Conn, parse_column, query};
use crate::{BoxFuture, Store, StoreError};

/// A request's `Idempotency-Key`, scoped to its user and route, with a hash of its body.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    /// The caller.
    pub user_id: i64,
    /// The route, e.g. `POST /orders`.
    pub scope: String,
    /// The key the client sent.
    pub key: String,
    /// A hash of the request body: the same key with another body is a conflict.
    pub request_hash: String,
}

/// What an idempotent operation created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// An order was placed.
    Order,
    /// A payment was opened.
    Payment,
    /// A refund was asked for.
    Refund,
}

impl AnswerKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Order => "order",
            Self::Payment => "payment",
            Self::Refund => "refund",
        }
    }
}

impl FromStr for AnswerKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Order, Self::Payment, Self::Refund]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(())
    }
}

impl fmt::Display for AnswerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first answer to an idempotent operation, as remembered under its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// What the operation created.
    pub kind: AnswerKind,
    /// The caller's rendering of it when it was created (see [`Render`]), returned as
    /// it was given.
    pub body: String,
}

/// The outcome of an idempotent operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotent<T> {
    /// It ran now.
    Fresh(T),
    /// It ran before: here is the first answer.
    Replay(StoredAnswer),
}

/// Renders the body to remember under an idempotency key, inside the transaction, so
/// that a replay answers exactly what the first send was answered. (`Fn` behind an
/// `Arc`: the write it runs in may be tried again on PostgreSQL, see `Store::write`.)
pub type Render<T> = std::sync::Arc<dyn Fn(&T) -> String + Send + Sync>;

impl Store {
    /// Runs `op`, a write that records its answer under `key`, so that one key gets one
    /// answer however often and however concurrently it is sent:
    ///
    /// - an answer already remembered is read as a point read and answered without
    ///   entering the writer (on SQLite every statement there is a hand-off that all other
    ///   writes wait behind);
    /// - if `op` fails, a concurrent first use of the key may have committed while it ran
    ///   (emptied the cart, raised the refunded total, or taken the key:
    ///   [`StoreError::IdempotencyRace`]); if that answer exists now, it is this one's too.
    ///   A failure is reported only after the commit it raced (the group commit on SQLite,
    ///   the unique index's wait on PostgreSQL), so the answer is visible by then.
    ///
    /// `open` turns a remembered body into the caller's (unsealing it where it was sealed).
    pub(crate) async fn idempotent<T, F>(
        &self,
        key: Option<IdempotencyKey>,
        open: impl Fn(String) -> Result<String, StoreError>,
        op: F,
    ) -> Result<Idempotent<T>, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<Idempotent<T>, StoreError>> + Clone + Send + 'static,
    {
        let replay = async || -> Result<Option<Idempotent<T>>, StoreError> {
            Ok(match self.replay(key.as_ref()).await? {
                Some(answer) => Some(Idempotent::Replay(StoredAnswer {
                    body: open(answer.body)?,
                    ..answer
                })),
                None => None,
            })
        };
        if let Some(replayed) = replay().await? {
            return Ok(replayed);
        }
        match self.write(op).await {
            Err(e) if key.is_some() => replay().await?.ok_or(e),
            done => done,
        }
    }

    /// The answer remembered under `key`, read as a point read, or a conflict if the key
    /// was used with another body.
    pub(crate) async fn replay(&self, key: Option<&IdempotencyKey>) -> Result<Option<StoredAnswer>, StoreError> {
        let Some(key) = key else { return Ok(None) };
        let row = query(
            "SELECT request_hash, kind, body FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3",
        )
        .bind(key.user_id)
        .bind(&key.scope)
        .bind(&key.key)
        .fetch_optional(self.point())
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<String, _>("request_hash")? != key.request_hash {
            return Err(StoreError::IdempotencyConflict);
        }
        Ok(Some(StoredAnswer {
            kind: parse_column(&row, "kind")?,
            body: row.try_get("body")?,
        }))
    }
}

/// Remembers an answer under an idempotency key (in the same transaction as its effect).
/// A key taken meanwhile by a concurrent first use is [`StoreError::IdempotencyRace`].
pub(crate) async fn remember_answer_in(
    conn: &mut Conn,
    key: &IdempotencyKey,
    answer: &StoredAnswer,
    now: Timestamp,
) -> Result<(), StoreError> {
    query("INSERT INTO idempotency_keys (user_id, scope, key, request_hash, kind, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(key.user_id)
        .bind(&key.scope)
        .bind(&key.key)
        .bind(&key.request_hash)
        .bind(answer.kind.as_str())
        .bind(&answer.body)
        .bind(now.millis())
        .execute(&mut *conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            // Another request with this key committed first; retrying replays its answer.
            e if e.is_unique_violation() => StoreError::IdempotencyRace,
            e => e,
        })?;
    Ok(())
}
