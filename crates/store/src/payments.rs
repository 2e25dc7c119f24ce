//! Payments, provider notifications, refunds, the durable job queue, and the sandbox
//! provider's own ledger.
//!
//! Provider calls happen outside database transactions (a network call must not hold the
//! single SQLite writer), so money operations come in two steps around the call: a first
//! transaction claims the work with a conditional update (exactly one caller wins), the
//! provider is called, and a second transaction records the outcome.

use crate::db::{Conn, Row, query, query_scalar};
use emporium_domain::order::{self, OrderEvent, OrderStatus};
use emporium_domain::time::Timestamp;

use crate::db::Value;
use crate::orders::{
    IdempotencyKey, Idempotent, Render, idempotency_record, move_order, order_in, record_event, return_order_stock,
};
use crate::sql::Sql;
use crate::{Store, StoreError};

/// A payment attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Payment id.
    pub id: i64,
    /// The order paid for.
    pub order_id: i64,
    /// Provider name.
    pub provider: String,
    /// The provider's reference.
    pub provider_ref: Option<String>,
    /// Amount.
    pub amount: i64,
    /// Currency.
    pub currency: String,
    /// `pending`, `succeeded`, `failed`.
    pub status: String,
    /// Where the buyer pays.
    pub pay_url: Option<String>,
    /// Created.
    pub created_at: Timestamp,
}

fn payment_from(r: &Row) -> Result<Payment, StoreError> {
    Ok(Payment {
        id: r.try_get("id")?,
        order_id: r.try_get("order_id")?,
        provider: r.try_get("provider")?,
        provider_ref: r.try_get("provider_ref")?,
        amount: r.try_get("amount")?,
        currency: r.try_get("currency")?,
        status: r.try_get("status")?,
        pay_url: r.try_get("pay_url")?,
        created_at: Timestamp::from_millis(r.try_get("created_at")?),
    })
}

/// What starting a payment found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStart {
    /// The idempotency key was used before: its first response.
    Replay {
        /// Status.
        status: u16,
        /// Body.
        body: String,
    },
    /// A pending payment with a pay page exists for this order: reuse it, so a buyer who
    /// clicks twice cannot be charged twice.
    Existing(Payment),
    /// A new payment row; ask the provider for a pay page, then [`Store::finish_payment`].
    New(Payment),
}

/// A verified provider notification, as the store applies it.
#[derive(Debug, Clone)]
pub struct NotificationFacts {
    /// Provider name.
    pub provider: String,
    /// The provider's event id (applied at most once).
    pub event_id: String,
    /// The shop's payment id.
    pub payment_id: i64,
    /// The order, as the provider believes.
    pub order_id: i64,
    /// The amount collected.
    pub amount: i64,
    /// Its currency.
    pub currency: String,
    /// Whether the payment succeeded.
    pub succeeded: bool,
}

/// What applying a notification did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationOutcome {
    /// This event was applied before: nothing changed now.
    Duplicate,
    /// Applied; the order moved (or the payment failed and the order still awaits payment).
    Applied {
        /// The order.
        order_id: i64,
    },
    /// The money arrived after the order was cancelled: a refund was opened and must be
    /// paid back through the provider.
    LateRefundDue {
        /// The order.
        order_id: i64,
        /// The refund to execute.
        refund_id: i64,
    },
}

/// A buyer's request for money back.
#[derive(Debug, Clone)]
pub struct RefundAsk {
    /// The order.
    pub order_id: i64,
    /// Who asks (must own the order).
    pub owner: i64,
    /// How much; `None` for everything still refundable.
    pub amount: Option<i64>,
    /// Why.
    pub reason: String,
}

/// A refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// Refund id.
    pub id: i64,
    /// The order.
    pub order_id: i64,
    /// The payment refunded.
    pub payment_id: i64,
    /// Amount.
    pub amount: i64,
    /// Why.
    pub reason: String,
    /// `requested`, `processing`, `refunded`, `rejected`, `failed`.
    pub status: String,
    /// Who asked (0 for the system).
    pub requested_by: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Decided.
    pub decided_at: Option<Timestamp>,
}

/// Reads a refund inside a transaction.
async fn refund_in(conn: &mut Conn, id: i64) -> Result<Refund, StoreError> {
    refund_from(
        &query("SELECT * FROM refunds WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

fn refund_from(r: &Row) -> Result<Refund, StoreError> {
    Ok(Refund {
        id: r.try_get("id")?,
        order_id: r.try_get("order_id")?,
        payment_id: r.try_get("payment_id")?,
        amount: r.try_get("amount")?,
        reason: r.try_get("reason")?,
        status: r.try_get("status")?,
        requested_by: r.try_get("requested_by")?,
        created_at: Timestamp::from_millis(r.try_get("created_at")?),
        decided_at: r.try_get::<Option<i64>, _>("decided_at")?.map(Timestamp::from_millis),
    })
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Job id.
    pub id: i64,
    /// What to do.
    pub kind: String,
    /// With what.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

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
    /// `pending`, `succeeded`, `failed`.
    pub status: String,
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

/// A job to queue inside another operation's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// What to do.
    pub kind: String,
    /// With what.
    pub payload: String,
    /// When.
    pub run_at: Timestamp,
    /// Queued at.
    pub created_at: Timestamp,
}

/// Makes the jobs to queue from a payment the sandbox just completed (its notifications).
pub type Notify = Box<dyn FnOnce(&SandboxPayment) -> Vec<NewJob> + Send>;

fn sandbox_from(r: &Row) -> Result<SandboxPayment, StoreError> {
    Ok(SandboxPayment {
        merchant_payment: r.try_get("merchant_payment")?,
        order_id: r.try_get("order_id")?,
        amount: r.try_get("amount")?,
        currency: r.try_get("currency")?,
        status: r.try_get("status")?,
        refunded: r.try_get("refunded")?,
    })
}

impl Store {
    /// Starts paying for an order the caller owns: it must await payment.
    pub async fn begin_payment(
        &self,
        order_id: i64,
        owner: i64,
        provider: String,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<PaymentStart, StoreError> {
        // The key is recorded with the provider's answer (`finish_payment`), whose unique
        // insert settles a race between two first uses.
        if let Some((status, body)) = self.replay(idempotency.as_ref()).await? {
            return Ok(PaymentStart::Replay { status, body });
        }
        self.write(move |conn| {
            Box::pin(async move {
                // ENGINE-SPECIFIC in effect: a no-op update takes the order's row lock on
                // PostgreSQL, so two pay clicks at once (with different keys) queue here and
                // the second finds the first's payment instead of opening a second one the
                // buyer could also pay. SQLite's single writer already serialises them.
                // It also answers what this needs of the order, in the same statement.
                let order = query(
                    "UPDATE orders SET version = version WHERE id = $1 RETURNING user_id, status, total, currency",
                )
                .bind(order_id)
                .fetch_optional(&mut *conn)
                .await?
                .filter(|o| o.try_get::<i64, _>("user_id").ok() == Some(owner))
                .ok_or(StoreError::NotFound)?;
                let status: String = order.try_get("status")?;
                let status = OrderStatus::parse("status", &status).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                if status != OrderStatus::PendingPayment {
                    return Err(order::InvalidTransition { from: status, event: OrderEvent::Pay }.into());
                }
                let (total, currency): (i64, String) = (order.try_get("total")?, order.try_get("currency")?);
                let existing = query(
                    "SELECT * FROM payments WHERE order_id = $1 AND provider = $2 AND status = 'pending' ORDER BY id DESC LIMIT 1",
                )
                .bind(order_id)
                .bind(&provider)
                .fetch_optional(&mut *conn)
                .await?;
                if let Some(row) = existing {
                    let payment = payment_from(&row)?;
                    // No pay page yet: another request is asking the provider for one, or a
                    // crash came between; ask again for the same payment (providers open
                    // one checkout per payment id, see `PaymentProvider::create_payment`).
                    return Ok(if payment.pay_url.is_some() {
                        PaymentStart::Existing(payment)
                    } else {
                        PaymentStart::New(payment)
                    });
                }
                let row = query(
                    "INSERT INTO payments (order_id, provider, amount, currency, status, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, 'pending', $5, $5) RETURNING *",
                )
                .bind(order_id)
                .bind(&provider)
                .bind(total)
                .bind(&currency)
                .bind(now.millis())
                .fetch_one(&mut *conn)
                .await?;
                Ok(PaymentStart::New(payment_from(&row)?))
            })
        })
        .await
    }

    /// Records the provider's pay page for a new payment, and the idempotency key.
    pub async fn finish_payment(
        &self,
        payment_id: i64,
        provider_ref: String,
        pay_url: String,
        idempotency: Option<IdempotencyKey>,
        render: Render<Payment>,
        now: Timestamp,
    ) -> Result<Payment, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let row = query(
                    "UPDATE payments SET provider_ref = $1, pay_url = $2, updated_at = $3 WHERE id = $4 RETURNING *",
                )
                .bind(&provider_ref)
                .bind(&pay_url)
                .bind(now.millis())
                .bind(payment_id)
                .fetch_one(&mut *conn)
                .await?;
                let payment = payment_from(&row)?;
                if let Some(key) = &idempotency {
                    let (status, body) = render(&payment);
                    idempotency_record(conn, key, status, &body, now).await?;
                }
                Ok(payment)
            })
        })
        .await
    }

    /// A payment by id.
    pub async fn payment(&self, id: i64) -> Result<Option<Payment>, StoreError> {
        let row = query("SELECT * FROM payments WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(payment_from).transpose()
    }

    /// Pending payments older than `before` (for reconciliation with the provider).
    pub async fn stale_pending_payments(&self, before: Timestamp, limit: i64) -> Result<Vec<Payment>, StoreError> {
        let rows = query("SELECT * FROM payments WHERE status = 'pending' AND created_at <= $1 ORDER BY id LIMIT $2")
            .bind(before.millis())
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(payment_from).collect()
    }

    /// Applies a verified notification exactly once: the event id is recorded in the same
    /// transaction as its effect, so a duplicate changes nothing, and a mismatch (amount,
    /// currency, order) rolls everything back.
    pub async fn apply_notification(
        &self,
        n: NotificationFacts,
        now: Timestamp,
    ) -> Result<NotificationOutcome, StoreError> {
        self.write(move |conn| Box::pin(async move { apply_notification_in(conn, &n, now).await }))
            .await
    }

    /// Asks for a refund of a paid order the caller owns; `amount` defaults to all that
    /// may still be refunded.
    pub async fn request_refund(
        &self,
        ask: RefundAsk,
        idempotency: Option<IdempotencyKey>,
        render: Render<Refund>,
        now: Timestamp,
    ) -> Result<Idempotent<Refund>, StoreError> {
        let RefundAsk {
            order_id,
            owner,
            amount,
            reason,
        } = ask;
        let key = idempotency.clone();
        self.idempotent(key, Ok, move |conn| {
            Box::pin(async move {
                // Bump the version first: on PostgreSQL the update takes the order's row
                // lock, so two concurrent requests for one order queue here and the second
                // sees the first's refund when it sums what is pending (otherwise both
                // could ask for the whole remainder). On SQLite the writer is alone anyway.
                query("UPDATE orders SET version = version + 1 WHERE id = $1").bind(order_id).execute(&mut *conn).await?;
                let order = order_in(conn, order_id).await?.filter(|o| o.user_id == owner).ok_or(StoreError::NotFound)?;
                if !order.status.is_paid() {
                    return Err(order::InvalidTransition { from: order.status, event: OrderEvent::RefundInFull }.into());
                }
                let payment_id: i64 = query_scalar("SELECT id FROM payments WHERE order_id = $1 AND status = 'succeeded'")
                    .bind(order_id)
                    .fetch_one(&mut *conn)
                    .await?;
                let pending: i64 = query_scalar(
                    "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds WHERE order_id = $1 AND status IN ('requested', 'processing')",
                )
                .bind(order_id)
                .fetch_one(&mut *conn)
                .await?;
                let remaining = order::refundable(order.paid_amount, order.refunded_amount, pending);
                let amount = amount.unwrap_or(remaining);
                if amount <= 0 || amount > remaining {
                    return Err(StoreError::RefundTooLarge { remaining });
                }
                let row = query(
                    "INSERT INTO refunds (order_id, payment_id, amount, reason, status, requested_by, created_at)
                     VALUES ($1, $2, $3, $4, 'requested', $5, $6) RETURNING *",
                )
                .bind(order_id)
                .bind(payment_id)
                .bind(amount)
                .bind(&reason)
                .bind(owner)
                .bind(now.millis())
                .fetch_one(&mut *conn)
                .await?;
                let refund = refund_from(&row)?;
                let detail = format!("refund {} of {amount} requested: {reason}", refund.id);
                record_event(conn, order_id, Some(order.status), order.status, &format!("user:{owner}"), Some(&detail), now).await?;
                if let Some(key) = &idempotency {
                    let (status, body) = render(&refund);
                    idempotency_record(conn, key, status, &body, now).await?;
                }
                Ok(Idempotent::Fresh(refund))
            })
        })
        .await
    }

    /// Claims a requested refund for execution (staff approval): `requested → processing`.
    /// Of two concurrent approvals exactly one gets the refund; the other gets
    /// [`StoreError::InvalidTransition`]-like conflict via `Ok(None)`.
    pub async fn claim_refund(&self, refund_id: i64, now: Timestamp) -> Result<Option<(Refund, Payment)>, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let claimed = query(
                    "UPDATE refunds SET status = 'processing', decided_at = $1 WHERE id = $2 AND status = 'requested'",
                )
                .bind(now.millis())
                .bind(refund_id)
                .execute(&mut *conn)
                .await?;
                if claimed.rows_affected() == 0 {
                    return Ok(None);
                }
                let refund = refund_in(conn, refund_id).await?;
                let payment = payment_from(
                    &query("SELECT * FROM payments WHERE id = $1")
                        .bind(refund.payment_id)
                        .fetch_one(&mut *conn)
                        .await?,
                )?;
                Ok(Some((refund, payment)))
            })
        })
        .await
    }

    /// Records the provider's answer to a claimed refund. On success the order's refunded
    /// amount grows (the database refuses more than was paid); when everything paid has
    /// come back the order becomes `refunded`, and if it had not shipped its units return
    /// to their lots.
    pub async fn finish_refund(
        &self,
        refund_id: i64,
        outcome: Result<String, String>,
        actor: String,
        now: Timestamp,
    ) -> Result<Refund, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let refund = refund_in(conn, refund_id).await?;
                if refund.status != "processing" {
                    return Ok(refund);
                }
                match outcome {
                    Err(reason) => {
                        query("UPDATE refunds SET status = 'failed', provider_ref = $1 WHERE id = $2")
                            .bind(format!("failed: {reason}"))
                            .bind(refund_id)
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(provider_ref) => {
                        query("UPDATE refunds SET status = 'refunded', provider_ref = $1 WHERE id = $2")
                            .bind(&provider_ref)
                            .bind(refund_id)
                            .execute(&mut *conn)
                            .await?;
                        let row = query(
                            "UPDATE orders SET refunded_amount = refunded_amount + $1, version = version + 1 WHERE id = $2
                             RETURNING status, paid_amount, refunded_amount",
                        )
                        .bind(refund.amount)
                        .bind(refund.order_id)
                        .fetch_one(&mut *conn)
                        .await?;
                        let (status, paid, refunded): (String, i64, i64) =
                            (row.try_get("status")?, row.try_get("paid_amount")?, row.try_get("refunded_amount")?);
                        let detail = format!("refund {refund_id} of {} paid back", refund.amount);
                        let status = OrderStatus::parse("status", &status).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        if refunded == paid && status.is_paid() {
                            move_order(conn, refund.order_id, None, OrderEvent::RefundInFull, &actor, Some(&detail), now).await?;
                            if status == OrderStatus::Paid {
                                // Not shipped: the goods are still here.
                                return_order_stock(conn, refund.order_id, now).await?;
                            }
                        } else {
                            record_event(conn, refund.order_id, Some(status), status, &actor, Some(&detail), now).await?;
                        }
                    }
                }
                refund_in(conn, refund_id).await
            })
        })
        .await
    }

    /// Rejects a requested refund (staff).
    pub async fn reject_refund(
        &self,
        refund_id: i64,
        actor: String,
        now: Timestamp,
    ) -> Result<Option<Refund>, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let done = query(
                    "UPDATE refunds SET status = 'rejected', decided_at = $1 WHERE id = $2 AND status = 'requested'",
                )
                .bind(now.millis())
                .bind(refund_id)
                .execute(&mut *conn)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(None);
                }
                let refund = refund_in(conn, refund_id).await?;
                let status: String = query_scalar("SELECT status FROM orders WHERE id = $1")
                    .bind(refund.order_id)
                    .fetch_one(&mut *conn)
                    .await?;
                let status = OrderStatus::parse("status", &status).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                record_event(
                    conn,
                    refund.order_id,
                    Some(status),
                    status,
                    &actor,
                    Some(&format!("refund {refund_id} rejected")),
                    now,
                )
                .await?;
                Ok(Some(refund))
            })
        })
        .await
    }

    /// Refunds left `processing` that are due to be asked for again: never retried and
    /// claimed at or before `claimed_before` (the grace period for the claimant to
    /// finish), or retried and past their `retry_at`. Oldest first.
    pub async fn refunds_to_redrive(
        &self,
        claimed_before: Timestamp,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<(Refund, i64)>, StoreError> {
        let rows = query(
            "SELECT * FROM refunds WHERE status = 'processing'
               AND ((retry_at IS NULL AND decided_at <= $1) OR retry_at <= $2)
             ORDER BY id LIMIT $3",
        )
        .bind(claimed_before.millis())
        .bind(now.millis())
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| Ok((refund_from(r)?, r.try_get("attempts")?)))
            .collect()
    }

    /// Schedules another attempt at a refund still `processing` (its provider could not
    /// answer); a refund decided meanwhile is left alone.
    pub async fn postpone_refund(&self, refund_id: i64, retry_at: Timestamp) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                query(
                    "UPDATE refunds SET attempts = attempts + 1, retry_at = $1 WHERE id = $2 AND status = 'processing'",
                )
                .bind(retry_at.millis())
                .bind(refund_id)
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// A refund by id.
    pub async fn refund(&self, id: i64) -> Result<Option<Refund>, StoreError> {
        let row = query("SELECT * FROM refunds WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(refund_from).transpose()
    }

    /// An order's refunds, oldest first (an order has a handful at most).
    pub async fn order_refunds(&self, order_id: i64) -> Result<Vec<Refund>, StoreError> {
        let rows = query("SELECT * FROM refunds WHERE order_id = $1 ORDER BY id")
            .bind(order_id)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(refund_from).collect()
    }

    /// Refunds newest first, optionally in one status, after id `before`.
    pub async fn refunds(
        &self,
        status: Option<String>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Refund>, StoreError> {
        let rows = query("SELECT * FROM refunds WHERE ($1 = '' OR status = $1) AND id < $2 ORDER BY id DESC LIMIT $3")
            .bind(status.unwrap_or_default())
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(refund_from).collect()
    }

    /// Queues a job to run at `run_at`.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        payload: String,
        run_at: Timestamp,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let kind = kind.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                Ok(query_scalar(
                    "INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&kind)
                .bind(&payload)
                .bind(run_at.millis())
                .bind(now.millis())
                .fetch_one(&mut *conn)
                .await?)
            })
        })
        .await
    }

    /// Claims up to `limit` due jobs for `lease`: each is locked with a conditional
    /// update, so of several instances exactly one runs a job; a crashed instance's lock
    /// expires and another picks the job up.
    pub async fn claim_jobs(&self, now: Timestamp, lease_until: Timestamp, limit: i64) -> Result<Vec<Job>, StoreError> {
        let due: Vec<i64> = query_scalar(
            "SELECT id FROM jobs WHERE run_at <= $1 AND (locked_until IS NULL OR locked_until <= $1) ORDER BY run_at LIMIT $2",
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let mut claimed = Vec::new();
        for id in due {
            let job = self
                .write(move |conn| {
                    Box::pin(async move {
                        let row = query(
                            "UPDATE jobs SET locked_until = $1 WHERE id = $2 AND run_at <= $3 AND (locked_until IS NULL OR locked_until <= $3)
                             RETURNING id, kind, payload, attempts",
                        )
                        .bind(lease_until.millis())
                        .bind(id)
                        .bind(now.millis())
                        .fetch_optional(&mut *conn)
                        .await?;
                        row.map(|r| Ok(Job { id: r.try_get("id")?, kind: r.try_get("kind")?, payload: r.try_get("payload")?, attempts: r.try_get("attempts")? }))
                            .transpose()
                    })
                })
                .await?;
            claimed.extend(job);
        }
        Ok(claimed)
    }

    /// Finishes a job: done (`None`) deletes it; `Some(run_at)` schedules another attempt.
    pub async fn finish_job(
        &self,
        id: i64,
        retry_at: Option<Timestamp>,
        error: Option<String>,
    ) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                match retry_at {
                    None => query("DELETE FROM jobs WHERE id = $1").bind(id).execute(&mut *conn).await?,
                    Some(at) => query("UPDATE jobs SET run_at = $1, attempts = attempts + 1, locked_until = NULL, last_error = $2 WHERE id = $3")
                        .bind(at.millis())
                        .bind(&error)
                        .bind(id)
                        .execute(&mut *conn)
                        .await?,
                };
                Ok(())
            })
        })
        .await
    }

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
        self.sandbox_complete_notifying(merchant_payment, succeeded, now, Box::new(|_| Vec::new()))
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
            Box::pin(async move {
                let completed = query(
                    "UPDATE sandbox_payments SET status = $1, completed_at = $2
                     WHERE merchant_payment = $3 AND status = 'pending' RETURNING *",
                )
                .bind(if succeeded { "succeeded" } else { "failed" })
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
                        .ok_or(StoreError::NotFound)?;
                    return Ok((sandbox_from(&row)?, false));
                };
                let record = sandbox_from(&row)?;
                let jobs = notify(&record);
                if !jobs.is_empty() {
                    // All of them in one statement.
                    let mut sql = Sql::new("INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ");
                    for (i, job) in jobs.into_iter().enumerate() {
                        if i > 0 {
                            sql.push(", ");
                        }
                        sql.bind_tuple([
                            Value::Text(job.kind),
                            Value::Text(job.payload),
                            Value::Int(job.run_at.millis()),
                            Value::Int(job.created_at.millis()),
                        ]);
                    }
                    sql.build().execute(&mut *conn).await?;
                }
                Ok((record, true))
            })
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
            Box::pin(async move {
                // On PostgreSQL a concurrent first call with the same key makes this insert
                // wait for it, then do nothing; the read below sees its committed outcome.
                let first = query(
                    "INSERT INTO sandbox_refunds (idempotency_key, merchant_payment, amount, status, reason, created_at)
                     VALUES ($1, $2, $3, 'failed', 'the sandbox holds no such paid amount', $4)
                     ON CONFLICT (idempotency_key) DO NOTHING",
                )
                .bind(&key)
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
                            .bind(&key)
                            .execute(&mut *conn)
                            .await?;
                    }
                }
                let row = query("SELECT * FROM sandbox_refunds WHERE idempotency_key = $1")
                    .bind(&key)
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
            })
        })
        .await
    }
}

async fn apply_notification_in(
    conn: &mut Conn,
    n: &NotificationFacts,
    now: Timestamp,
) -> Result<NotificationOutcome, StoreError> {
    let fresh = query(
        "INSERT INTO payment_notifications (provider, event_id, payment_id, received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (provider, event_id) DO NOTHING",
    )
    .bind(&n.provider)
    .bind(&n.event_id)
    .bind(n.payment_id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    if fresh.rows_affected() == 0 {
        return Ok(NotificationOutcome::Duplicate);
    }
    // Settle the payment first and check it after: a mismatch fails the operation, which
    // rolls the update back with everything else (one statement fewer on the common path).
    let settled =
        query("UPDATE payments SET status = $1, updated_at = $2 WHERE id = $3 AND status = 'pending' RETURNING *")
            .bind(if n.succeeded { "succeeded" } else { "failed" })
            .bind(now.millis())
            .bind(n.payment_id)
            .fetch_optional(&mut *conn)
            .await?;
    let settled_now = settled.is_some();
    let payment = match settled {
        Some(row) => Some(row),
        None => {
            query("SELECT * FROM payments WHERE id = $1")
                .bind(n.payment_id)
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    let payment =
        payment_from(&payment.ok_or_else(|| StoreError::PaymentMismatch(format!("no payment {}", n.payment_id)))?)?;
    if payment.provider != n.provider || payment.order_id != n.order_id {
        return Err(StoreError::PaymentMismatch(
            "payment and order do not belong together".into(),
        ));
    }
    if payment.amount != n.amount || payment.currency != n.currency {
        return Err(StoreError::PaymentMismatch(format!(
            "amount {} {} differs from the payment's {} {}",
            n.amount, n.currency, payment.amount, payment.currency
        )));
    }
    if !n.succeeded || !settled_now {
        // A failure changes only the payment; a payment settled before by an event with
        // another id needs nothing more.
        return Ok(NotificationOutcome::Applied {
            order_id: payment.order_id,
        });
    }
    let actor = format!("provider:{}", n.provider);
    query("UPDATE orders SET paid_amount = paid_amount + $1, version = version + 1 WHERE id = $2")
        .bind(payment.amount)
        .bind(payment.order_id)
        .execute(&mut *conn)
        .await?;
    match move_order(
        conn,
        payment.order_id,
        None,
        OrderEvent::Pay,
        &actor,
        Some(&format!("payment {}", payment.id)),
        now,
    )
    .await
    {
        Ok(_) => Ok(NotificationOutcome::Applied {
            order_id: payment.order_id,
        }),
        Err(StoreError::InvalidTransition(t)) => {
            // The money came after the order was cancelled (payment timeout): keep the
            // record straight and pay it back.
            let refund_id: i64 = query_scalar(
                "INSERT INTO refunds (order_id, payment_id, amount, reason, status, requested_by, created_at, decided_at)
                 VALUES ($1, $2, $3, 'payment arrived after the order was cancelled', 'processing', 0, $4, $4) RETURNING id",
            )
            .bind(payment.order_id)
            .bind(payment.id)
            .bind(payment.amount)
            .bind(now.millis())
            .fetch_one(&mut *conn)
            .await?;
            let detail = format!("payment {} arrived late; refund {refund_id} opened", payment.id);
            record_event(conn, payment.order_id, Some(t.from), t.from, &actor, Some(&detail), now).await?;
            Ok(NotificationOutcome::LateRefundDue {
                order_id: payment.order_id,
                refund_id,
            })
        }
        Err(e) => Err(e),
    }
}
