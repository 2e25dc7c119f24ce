//! Refunds: asked for by the buyer, claimed by staff approval (or opened by a payment
//! that arrived too late), paid back through the provider outside any transaction, and
//! finished with the provider's answer; those left `processing` are asked for again.

use emporium_domain::FieldError;
use emporium_domain::message::MessageKind;
use emporium_domain::order::{self, InvalidTransition, OrderEvent, OrderStatus};
use emporium_domain::payment::RefundStatus;
use emporium_domain::time::Timestamp;

use crate::db::{Conn, Row, parse_column, query, query_scalar};
use crate::idempotency::{AnswerKind, IdempotencyKey, Idempotent, Render, StoredAnswer, remember_answer_in};
use crate::messages::owe_for_refund_in;
use crate::order_read::order_in;
use crate::orders::{move_order, record_event, return_order_stock};
use crate::payments::{Payment, payment_from};
use crate::refund_lines::{self, RefundLine};
use crate::{Sealer, Store, StoreError};

/// A buyer's request for money back.
#[derive(Debug, Clone)]
pub struct RefundAsk {
    /// The order.
    pub order_id: i64,
    /// Who asks (must own the order).
    pub owner: i64,
    /// How much; `None` for everything still refundable (or, with `lines`, their sum).
    pub amount: Option<i64>,
    /// Why.
    pub reason: String,
    /// The lines it is for and how much of each (checked, distinct); empty for the order
    /// as a whole.
    pub lines: Vec<RefundLine>,
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
    /// Where it is.
    pub status: RefundStatus,
    /// Who asked (0 for the system).
    pub requested_by: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Decided.
    pub decided_at: Option<Timestamp>,
}

fn refund_from(r: &Row) -> Result<Refund, StoreError> {
    Ok(Refund {
        id: r.try_get("id")?,
        order_id: r.try_get("order_id")?,
        payment_id: r.try_get("payment_id")?,
        amount: r.try_get("amount")?,
        reason: r.try_get("reason")?,
        status: parse_column(r, "status")?,
        requested_by: r.try_get("requested_by")?,
        created_at: Timestamp::from_millis(r.try_get("created_at")?),
        decided_at: r.try_get::<Option<i64>, _>("decided_at")?.map(Timestamp::from_millis),
    })
}

/// Reads a refund inside a transaction.
pub(crate) async fn refund_in(conn: &mut Conn, id: i64) -> Result<Refund, StoreError> {
    refund_from(
        &query("SELECT * FROM refunds WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

impl Store {
    /// Asks for a refund of a paid order the caller owns; `amount` defaults to all that
    /// may still be refunded.
    pub async fn request_refund(
        &self,
        ask: RefundAsk,
        idempotency: Option<IdempotencyKey>,
        render: Render<Refund>,
        now: Timestamp,
    ) -> Result<Idempotent<Refund>, StoreError> {
        let sealer = self.sealer().clone();
        let key = idempotency.clone();
        self.idempotent(key, Ok, move |conn| {
            Box::pin(async move {
                let refund = request_refund_in(conn, &sealer, &ask, now).await?;
                if let Some(key) = &idempotency {
                    let answer = StoredAnswer {
                        kind: AnswerKind::Refund,
                        body: render(&refund),
                    };
                    remember_answer_in(conn, key, &answer, now).await?;
                }
                Ok(Idempotent::Fresh(refund))
            })
        })
        .await
    }

    /// Claims a requested refund for execution (staff approval): `requested → processing`.
    /// Of two concurrent approvals exactly one gets the refund and its payment; the other
    /// gets `None`.
    pub async fn claim_refund(&self, refund_id: i64, now: Timestamp) -> Result<Option<(Refund, Payment)>, StoreError> {
        self.write(move |conn| Box::pin(async move { claim_refund_in(conn, refund_id, now).await }))
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
        self.write(move |conn| Box::pin(async move { finish_refund_in(conn, refund_id, outcome, &actor, now).await }))
            .await
    }

    /// Rejects a requested refund (staff).
    pub async fn reject_refund(
        &self,
        refund_id: i64,
        actor: String,
        now: Timestamp,
    ) -> Result<Option<Refund>, StoreError> {
        self.write(move |conn| Box::pin(async move { reject_refund_in(conn, refund_id, &actor, now).await }))
            .await
    }

    /// Refunds left `processing` that are due to be asked for again: never retried and
    /// claimed at or before `claimed_before` (the grace period for the claimant to
    /// finish), or retried and past their `retry_at`. Oldest first, each with the attempts
    /// made so far.
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
        status: Option<RefundStatus>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Refund>, StoreError> {
        let rows = query("SELECT * FROM refunds WHERE ($1 = '' OR status = $1) AND id < $2 ORDER BY id DESC LIMIT $3")
            .bind(status.map_or("", RefundStatus::as_str))
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(refund_from).collect()
    }
}

async fn request_refund_in(
    conn: &mut Conn,
    sealer: &Sealer,
    ask: &RefundAsk,
    now: Timestamp,
) -> Result<Refund, StoreError> {
    let RefundAsk {
        order_id,
        owner,
        amount,
        reason,
        lines,
    } = ask;
    // Bump the version first: on PostgreSQL the update takes the order's row lock, so two
    // concurrent requests for one order queue here and the second sees the first's refund
    // when it sums what is pending (otherwise both could ask for the whole remainder). On
    // SQLite the writer is alone anyway.
    query("UPDATE orders SET version = version + 1 WHERE id = $1")
        .bind(*order_id)
        .execute(&mut *conn)
        .await?;
    let order = order_in(conn, sealer, *order_id)
        .await?
        .filter(|o| o.user_id == *owner)
        .ok_or(StoreError::NotFound("order"))?;
    if !order.status.is_paid() {
        return Err(InvalidTransition {
            from: order.status,
            event: OrderEvent::RefundInFull,
        }
        .into());
    }
    // The order's payment, not a duplicate (which is being paid back on its own).
    let payment_id: i64 =
        query_scalar("SELECT id FROM payments WHERE order_id = $1 AND status = 'succeeded' AND duplicate_of IS NULL")
            .bind(*order_id)
            .fetch_one(&mut *conn)
            .await?;
    let pending: i64 = query_scalar(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds WHERE order_id = $1 AND status IN ('requested', 'processing')",
    )
    .bind(*order_id)
    .fetch_one(&mut *conn)
    .await?;
    let remaining = order::refundable(order.paid_amount, order.refunded_amount, pending);
    let amount = if lines.is_empty() {
        amount.unwrap_or(remaining)
    } else {
        // Each line's part within what is left on it; the amount, if given, is their sum.
        let sum = refund_lines::check_lines_in(conn, *order_id, lines).await?;
        if amount.is_some_and(|a| a != sum) {
            return Err(StoreError::RefundLine(FieldError::new(
                "amount",
                format!("must be the sum of the lines' amounts ({sum}), or left out"),
            )));
        }
        sum
    };
    if amount <= 0 || amount > remaining {
        return Err(StoreError::RefundTooLarge { remaining });
    }
    let row = query(
        "INSERT INTO refunds (order_id, payment_id, amount, reason, status, requested_by, created_at)
         VALUES ($1, $2, $3, $4, 'requested', $5, $6) RETURNING *",
    )
    .bind(*order_id)
    .bind(payment_id)
    .bind(amount)
    .bind(reason)
    .bind(*owner)
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    let refund = refund_from(&row)?;
    refund_lines::record_lines_in(conn, refund.id, lines).await?;
    owe_for_refund_in(conn, refund.id, *order_id, MessageKind::StaffRefundRequested, now).await?;
    let detail = format!("refund {} of {amount} requested: {reason}", refund.id);
    let actor = format!("user:{owner}");
    record_event(
        conn,
        *order_id,
        Some(order.status),
        order.status,
        &actor,
        Some(&detail),
        now,
    )
    .await?;
    Ok(refund)
}

/// Locks the order a refund belongs to, first, as every refund write does (the store's
/// lock order: order, payment, refund, products, lots), and moves its version: the
/// order's answer shows its refunds.
async fn lock_refunds_order_in(conn: &mut Conn, refund_id: i64) -> Result<(), StoreError> {
    query("UPDATE orders SET version = version + 1 WHERE id = (SELECT order_id FROM refunds WHERE id = $1)")
        .bind(refund_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn claim_refund_in(
    conn: &mut Conn,
    refund_id: i64,
    now: Timestamp,
) -> Result<Option<(Refund, Payment)>, StoreError> {
    lock_refunds_order_in(conn, refund_id).await?;
    let claimed =
        query("UPDATE refunds SET status = 'processing', decided_at = $1 WHERE id = $2 AND status = 'requested'")
            .bind(now.millis())
            .bind(refund_id)
            .execute(&mut *conn)
            .await?;
    if claimed.rows_affected() == 0 {
        return Ok(None);
    }
    let refund = refund_in(conn, refund_id).await?;
    owe_for_refund_in(conn, refund_id, refund.order_id, MessageKind::RefundApproved, now).await?;
    let payment = payment_from(
        &query("SELECT * FROM payments WHERE id = $1")
            .bind(refund.payment_id)
            .fetch_one(&mut *conn)
            .await?,
    )?;
    Ok(Some((refund, payment)))
}

pub(crate) async fn finish_refund_in(
    conn: &mut Conn,
    refund_id: i64,
    outcome: Result<String, String>,
    actor: &str,
    now: Timestamp,
) -> Result<Refund, StoreError> {
    lock_refunds_order_in(conn, refund_id).await?;
    let refund = refund_in(conn, refund_id).await?;
    if refund.status != RefundStatus::Processing {
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
            owe_for_refund_in(conn, refund_id, refund.order_id, MessageKind::RefundPaid, now).await?;
            let row = query(
                "UPDATE orders SET refunded_amount = refunded_amount + $1, version = version + 1 WHERE id = $2
                 RETURNING status, paid_amount, refunded_amount",
            )
            .bind(refund.amount)
            .bind(refund.order_id)
            .fetch_one(&mut *conn)
            .await?;
            let status: OrderStatus = parse_column(&row, "status")?;
            let (paid, refunded): (i64, i64) = (row.try_get("paid_amount")?, row.try_get("refunded_amount")?);
            let detail = format!("refund {refund_id} of {} paid back", refund.amount);
            if refunded == paid && status.is_paid() {
                move_order(
                    conn,
                    refund.order_id,
                    None,
                    OrderEvent::RefundInFull,
                    actor,
                    Some(&detail),
                    now,
                )
                .await?;
                if status == OrderStatus::Paid {
                    // Not shipped: the goods are still here.
                    return_order_stock(conn, refund.order_id, now).await?;
                }
            } else {
                record_event(conn, refund.order_id, Some(status), status, actor, Some(&detail), now).await?;
            }
        }
    }
    refund_in(conn, refund_id).await
}

async fn reject_refund_in(
    conn: &mut Conn,
    refund_id: i64,
    actor: &str,
    now: Timestamp,
) -> Result<Option<Refund>, StoreError> {
    lock_refunds_order_in(conn, refund_id).await?;
    let done = query("UPDATE refunds SET status = 'rejected', decided_at = $1 WHERE id = $2 AND status = 'requested'")
        .bind(now.millis())
        .bind(refund_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    let refund = refund_in(conn, refund_id).await?;
    owe_for_refund_in(conn, refund_id, refund.order_id, MessageKind::RefundRejected, now).await?;
    let row = query("SELECT status FROM orders WHERE id = $1")
        .bind(refund.order_id)
        .fetch_one(&mut *conn)
        .await?;
    let status: OrderStatus = parse_column(&row, "status")?;
    let detail = format!("refund {refund_id} rejected");
    record_event(conn, refund.order_id, Some(status), status, actor, Some(&detail), now).await?;
    Ok(Some(refund))
}

/// Opens the refund of a payment that arrived after its order was cancelled: already
/// decided (`processing`, by the system), so a job pays it back without a staff approval.
pub(crate) async fn open_late_refund_in(
    conn: &mut Conn,
    payment: &Payment,
    reason: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    Ok(query_scalar(
        "INSERT INTO refunds (order_id, payment_id, amount, reason, status, requested_by, created_at, decided_at)
         VALUES ($1, $2, $3, $5, 'processing', 0, $4, $4) RETURNING id",
    )
    .bind(payment.order_id)
    .bind(payment.id)
    .bind(payment.amount)
    .bind(now.millis())
    .bind(reason)
    .fetch_one(&mut *conn)
    .await?)
}
