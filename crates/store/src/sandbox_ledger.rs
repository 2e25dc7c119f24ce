//! The sandbox payment provider's own ledger. The sandbox plays a third party, so it
//! keeps its own records (payments by the shop's payment id, refunds by the shop's key)
//! rather than reading the shop's; `emporium check` compares the two.

use emporium_domain::payment::PaymentStatus;
use emporium_domain::time::Timestamp;

use crate::db::{Conn, Row, parse_column, query};
use crate::job_queue::{NewJob, enqueue_all_in};
use crate::{Store, StoreError};

/// The sandbox provider's record of a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxPayment {
    /// The shop's payment id.
    pub merchant_payment: i64,
    /// The order.
    pub order_id: i64,
    /// Amount.
    pub amount: i64,
    /// Currency.
    pub currency: String,
    /// Where it is at the provider.
    pub status: PaymentStatus,
    /// Paid back so far.
    pub refunded: i64,
}

/// The sandbox provider's record of a refund, under the shop's idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxRefund {
    /// The shop's key for the refund.
    pub key: String,
    /// The shop's payment id it pays back.
    pub merchant_payment: i64,
    /// Amount.
    pub amount: i64,
    /// Whether the money went back (else the sandbox refused).
    pub succeeded: bool,
    /// Why it was refused.
    pub reason: Option<String>,
    /// Whether this call was the key's first (a later one only answered the record).
    pub first_attempt: bool,
}

/// Makes the jobs to queue from a payment the sandbox just completed (its notifications).
/// (`Fn` behind an `Arc`: the write may be tried again on PostgreSQL.)
pub type Notify = std::sync::Arc<dyn Fn(&SandboxPayment) -> Vec<NewJob> + Send + Sync>;

fn sandbox_from(r: &Row) -> Result<SandboxPayment, StoreError> {
    Ok(SandboxPayment {
        merchant_payment: r.try_get("merchant_payment")?,
        order_id: r.try_get("order_id")?,
        amount: r.try_get("amount")?,
        currency: r.try_get("currency")?,
        status: parse_column(r, "status")?,
        refunded: r.try_get("refunded")?,
    })
}

impl Store {
    /// The sandbox provider opens its record of a payment (idempotent by the shop's id).
    pub async fn sandbox_open(
        &self,
        merchant_payment: i64,
        order_id: i64,
        amount: i64,
        currency: String,
        now: Timestamp,
    ) -> Result<SandboxPayment, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                // A repeated open answers the record as it is: the no-op update only
                // makes the row come back through RETURNING.
                sandbox_from(
                    &query(
                        "INSERT INTO sandbox_payments (merchant_payment, order_id, amount, currency, status, created_at)
                         VALUES ($1, $2, $3, $4, 'pending', $5)
                         ON CONFLICT (merchant_payment) DO UPDATE SET merchant_payment = excluded.merchant_payment
                         RETURNING *",
                    )
                    .bind(merchant_payment)
                    .bind(order_id)
                    .bind(amount)
                    .bind(&currency)
                    .bind(now.millis())
                    .fetch_one(&mut *conn)
                    .await?,
                )
            })
        })
        .await
    }

    /// The sandbox's record of a payment.
    pub async fn sandbox_payment(&self, merchant_payment: i64) -> Result<Option<SandboxPayment>, StoreError> {
        let row = query("SELECT * FROM sandbox_payments WHERE merchant_payment = $1")
            .bind(merchant_payment)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(sandbox_from).transpose()
    }

    /// The buyer finishes on the sandbox's pay page: `pending → succeeded|failed` once.
    /// Answers the record and whether this call completed it.
    pub async fn sandbox_complete(
        &self,
        merchant_payment: i64,
        succeeded: bool,
        now: Timestamp,
    ) -> Result<(SandboxPayment, bool), StoreError> {
        self.sandbox_complete_notifying(merchant_payment, succeeded, now, std::sync::Arc::new(|_| Vec::new()))
            .await
    }

    /// Like [`sandbox_complete`](Self::sandbox_complete), and queues the jobs that
    /// `notify` makes from the completed record (the notifications to the shop) in the
    /// same transaction: a crash cannot leave a payment completed at the provider that
    /// the shop will never hear about.
    pub async fn sandbox_complete_notifying(
        &self,
        merchant_payment: i64,
        succeeded: bool,
        now: Timestamp,
        notify: Notify,
    ) -> Result<(SandboxPayment, bool), StoreError> {
        self.write(move |conn| {
            Box::pin(async move { sandbox_complete_in(conn, merchant_payment, succeeded, now, notify).await })
        })
        .await
    }

    /// The sandbox pays money back at most once per `key`: the first call with a key pays
    /// (or is refused beyond what was collected) and records the outcome under the key in
    /// the same transaction; every later call with that key answers that record and pays
    /// nothing. The caller compares the record with what it asked for.
    pub async fn sandbox_refund(
        &self,
        key: String,
        merchant_payment: i64,
        amount: i64,
        now: Timestamp,
    ) -> Result<SandboxRefund, StoreError> {
        self.write(move |conn| {
            Box::pin(async move { sandbox_refund_in(conn, &key, merchant_payment, amount, now).await })
        })
        .await
    }
}

async fn sandbox_complete_in(
    conn: &mut Conn,
    merchant_payment: i64,
    succeeded: bool,
    now: Timestamp,
    notify: Notify,
) -> Result<(SandboxPayment, bool), StoreError> {
    let completed = query(
        "UPDATE sandbox_payments SET status = $1, completed_at = $2
         WHERE merchant_payment = $3 AND status = 'pending' RETURNING *",
    )
    .bind(PaymentStatus::settled(succeeded).as_str())
    .bind(now.millis())
    .bind(merchant_payment)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = completed else {
        // Completed before (or unknown): answer the record as it stands.
        let row = query("SELECT * FROM sandbox_payments WHERE merchant_payment = $1")
            .bind(merchant_payment)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound("payment"))?;
        return Ok((sandbox_from(&row)?, false));
    };
    let record = sandbox_from(&row)?;
    enqueue_all_in(conn, notify(&record)).await?;
    Ok((record, true))
}

async fn sandbox_refund_in(
    conn: &mut Conn,
    key: &str,
    merchant_payment: i64,
    amount: i64,
    now: Timestamp,
) -> Result<SandboxRefund, StoreError> {
    // On PostgreSQL a concurrent first call with the same key makes this insert wait for
    // it, then do nothing; the read below sees its committed outcome.
    let first = query(
        "INSERT INTO sandbox_refunds (idempotency_key, merchant_payment, amount, status, reason, created_at)
         VALUES ($1, $2, $3, 'failed', 'the sandbox holds no such paid amount', $4)
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(key)
    .bind(merchant_payment)
    .bind(amount)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    if first.rows_affected() == 1 {
        let paid = query(
            "UPDATE sandbox_payments SET refunded = refunded + $1 WHERE merchant_payment = $2 AND status = 'succeeded' AND refunded + $1 <= amount",
        )
        .bind(amount)
        .bind(merchant_payment)
        .execute(&mut *conn)
        .await?;
        if paid.rows_affected() == 1 {
            query("UPDATE sandbox_refunds SET status = 'succeeded', reason = NULL WHERE idempotency_key = $1")
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
    }
    let row = query("SELECT * FROM sandbox_refunds WHERE idempotency_key = $1")
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    Ok(SandboxRefund {
        key: row.try_get("idempotency_key")?,
        merchant_payment: row.try_get("merchant_payment")?,
        amount: row.try_get("amount")?,
        succeeded: row.try_get::<String, _>("status")? == "succeeded",
        reason: row.try_get("reason")?,
        first_attempt: first.rows_affected() == 1,
    })
}
