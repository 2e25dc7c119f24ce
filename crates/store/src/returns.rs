//! Returns after the sale (售后) and the shop's own money actions.
//!
//! A return is asked for by the buyer on a received order, decided by staff, and received
//! by staff, who say per line how many units are resellable and how many damaged.
//! Receiving is one transaction: resellable units go back into the lots they were drawn
//! from, damaged ones are written off at their draws' cost, each line's refund is worked
//! out (`domain::returns::unit_refund`) and one refund is opened, already decided, that
//! the application layer pays back through the provider like any approved refund.
//!
//! Every write here locks the order first (a no-op version bump), as every refund write
//! does, so two decisions on one return, or a return and a refund on one order, queue on
//! PostgreSQL and one of them sees the other's result (the store's lock order).
//!
//! Staff's cancels of paid orders and refunds on the shop's initiative live here too:
//! like a received return, they open a refund that is decided at once.

use std::time::Duration;

use emporium_domain::FieldError;
use emporium_domain::message::MessageKind;
use emporium_domain::order::{self, InvalidTransition, OrderEvent, OrderStatus};
use emporium_domain::returns::{self, InvalidReturnMove, ReturnCount, ReturnEvent, ReturnQuantity, ReturnStatus};
use emporium_domain::time::Timestamp;

use crate::db::{Conn, Row, parse_column, query, query_scalar};
use crate::idempotency::{AnswerKind, IdempotencyKey, Idempotent, Render, StoredAnswer, remember_answer_in};
use crate::inventory::take_back_units_in;
use crate::messages::{owe_for_refund_in, owe_for_return_in};
use crate::order_read::{Order, order_in};
use crate::orders::{cancel_order_in, record_event};
use crate::payments::{Payment, payment_from};
use crate::refunds::{Refund, refund_in};
use crate::{Sealer, Store, StoreError};
use sqlx::AssertSqlSafe;

/// Why a return cannot be asked for or moved as requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnRefusal {
    /// Only a received order's goods can be returned.
    #[error("an order that is {0} cannot be returned; only a received order can")]
    NotReceived(OrderStatus),
    /// The return window closed.
    #[error("returns for this order closed at {}", .0.to_rfc3339())]
    WindowClosed(Timestamp),
    /// A field of the request is wrong (a line not in the order, more units than are left).
    #[error("{}: {}", .0.field, .0.message)]
    Field(FieldError),
    /// The return is not in a state that allows this (or a concurrent decision came first).
    #[error(transparent)]
    Move(#[from] InvalidReturnMove),
}

/// A buyer's request to send goods back.
#[derive(Debug, Clone)]
pub struct ReturnAsk {
    /// The order.
    pub order_id: i64,
    /// Who asks (must own the order).
    pub owner: i64,
    /// Which units of which lines.
    pub lines: Vec<ReturnQuantity>,
    /// Why, 1–500 characters.
    pub reason: String,
    /// How long after receipt returns are accepted.
    pub window: Duration,
}

/// Staff's decision on a requested return.
#[derive(Debug, Clone)]
pub enum ReturnDecision {
    /// Agree, telling the buyer how to send it back.
    Approve {
        /// Return address and what to put in the parcel.
        instructions: String,
    },
    /// Refuse, saying why.
    Reject {
        /// The reason shown to the buyer.
        note: String,
    },
}

/// A return, with its lines and history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Return {
    /// Return id.
    pub id: i64,
    /// The order.
    pub order_id: i64,
    /// The buyer.
    pub user_id: i64,
    /// The order's currency, which every amount of the return is in.
    pub currency: String,
    /// Where it is.
    pub status: ReturnStatus,
    /// The buyer's reason.
    pub reason: String,
    /// Staff's instructions, once approved.
    pub instructions: Option<String>,
    /// Staff's note on rejection or receipt.
    pub note: Option<String>,
    /// The refund receiving it opened.
    pub refund_id: Option<i64>,
    /// What receiving it paid back in all, minor units.
    pub refund_amount: i64,
    /// The part of it that was the order's shipping.
    pub shipping_refund: i64,
    /// When staff decided.
    pub decided_at: Option<Timestamp>,
    /// When staff checked the parcel in.
    pub received_at: Option<Timestamp>,
    /// Asked for.
    pub created_at: Timestamp,
    /// The lines.
    pub lines: Vec<ReturnLine>,
    /// The history, oldest first.
    pub events: Vec<ReturnHistory>,
}

/// One line of a return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLine {
    /// The order line.
    pub order_item_id: i64,
    /// Its product.
    pub product_id: i64,
    /// Its variant.
    pub variant_id: i64,
    /// The product's name as ordered.
    pub name: String,
    /// The variant's SKU as ordered.
    pub sku: Option<String>,
    /// Units asked back.
    pub quantity: i64,
    /// Units back in stock (once received).
    pub resellable: i64,
    /// Units written off (once received).
    pub damaged: i64,
    /// What the line brought back, minor units.
    pub refund: i64,
    /// The FIFO cost of the damaged units.
    pub damaged_cost: i64,
}

/// One step of a return's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnHistory {
    /// Where it was.
    pub from: Option<ReturnStatus>,
    /// Where it went.
    pub to: ReturnStatus,
    /// Who (`user:7`, `staff:2`).
    pub actor: String,
    /// Anything said.
    pub detail: Option<String>,
    /// When.
    pub at: Timestamp,
}

fn return_from(r: &Row) -> Result<Return, StoreError> {
    let at = |column: &str| -> Result<Option<Timestamp>, StoreError> {
        Ok(r.try_get::<Option<i64>, _>(column)?.map(Timestamp::from_millis))
    };
    Ok(Return {
        id: r.try_get("id")?,
        order_id: r.try_get("order_id")?,
        user_id: r.try_get("user_id")?,
        currency: r.try_get("currency")?,
        status: parse_column(r, "status")?,
        reason: r.try_get("reason")?,
        instructions: r.try_get("instructions")?,
        note: r.try_get("note")?,
        refund_id: r.try_get("refund_id")?,
        refund_amount: r.try_get("refund_amount")?,
        shipping_refund: r.try_get("shipping_refund")?,
        decided_at: at("decided_at")?,
        received_at: at("received_at")?,
        created_at: Timestamp::from_millis(r.try_get("created_at")?),
        lines: Vec::new(),
        events: Vec::new(),
    })
}

const LINES: &str =
    "SELECT l.return_id, l.order_item_id, l.quantity, l.resellable, l.damaged, l.refund, l.damaged_cost,
        i.product_id, i.variant_id, i.name, i.sku
     FROM return_lines l JOIN order_items i ON i.id = l.order_item_id";

fn line_from(r: &Row) -> Result<ReturnLine, StoreError> {
    Ok(ReturnLine {
        order_item_id: r.try_get("order_item_id")?,
        product_id: r.try_get("product_id")?,
        variant_id: r
            .try_get::<Option<i64>, _>("variant_id")?
            .ok_or_else(|| StoreError::Corrupt("an order line without a variant".into()))?,
        name: r.try_get("name")?,
        sku: r.try_get("sku")?,
        quantity: r.try_get("quantity")?,
        resellable: r.try_get("resellable")?,
        damaged: r.try_get("damaged")?,
        refund: r.try_get("refund")?,
        damaged_cost: r.try_get("damaged_cost")?,
    })
}

/// Reads a whole return (lines and history) on any connection.
async fn whole_return(conn: &mut Conn, id: i64) -> Result<Option<Return>, StoreError> {
    let Some(row) = query("SELECT r.*, o.currency FROM returns r JOIN orders o ON o.id = r.order_id WHERE r.id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut ret = return_from(&row)?;
    ret.lines = query(AssertSqlSafe(format!(
        "{LINES} WHERE l.return_id = $1 ORDER BY l.order_item_id"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(line_from)
    .collect::<Result<_, _>>()?;
    ret.events = query("SELECT * FROM return_events WHERE return_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(ReturnHistory {
                from: r
                    .try_get::<Option<String>, _>("from_status")?
                    .map(|s| {
                        s.parse()
                            .map_err(|()| StoreError::Corrupt(format!("return status {s:?}")))
                    })
                    .transpose()?,
                to: parse_column(r, "to_status")?,
                actor: r.try_get("actor")?,
                detail: r.try_get("detail")?,
                at: Timestamp::from_millis(r.try_get("at")?),
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Some(ret))
}

impl Store {
    /// Opens a return on a received order the caller owns.
    pub async fn request_return(&self, ask: ReturnAsk, now: Timestamp) -> Result<Return, StoreError> {
        self.write(move |conn| Box::pin(async move { request_return_in(conn, &ask, now).await }))
            .await
    }

    /// Approves or rejects a requested return (staff). Of two concurrent decisions one
    /// wins; the other is refused with the return's new state.
    pub async fn decide_return(
        &self,
        return_id: i64,
        decision: ReturnDecision,
        staff_id: i64,
        now: Timestamp,
    ) -> Result<Return, StoreError> {
        self.write(move |conn| {
            Box::pin(async move { decide_return_in(conn, return_id, &decision, staff_id, now).await })
        })
        .await
    }

    /// Checks an approved return's parcel in (staff): restocks and writes off its units
    /// and opens its refund, decided already, for the caller to pay back through the
    /// provider (`None` when nothing is owed).
    pub async fn receive_return(
        &self,
        return_id: i64,
        counts: Vec<ReturnCount>,
        note: Option<String>,
        staff_id: i64,
        now: Timestamp,
    ) -> Result<(Return, Option<(Refund, Payment)>), StoreError> {
        self.write(move |conn| {
            Box::pin(async move { receive_return_in(conn, return_id, &counts, note.as_deref(), staff_id, now).await })
        })
        .await
    }

    /// A return by id, whole.
    pub async fn find_return(&self, id: i64) -> Result<Option<Return>, StoreError> {
        let mut conn = Conn::Pooled(self.reader().acquire().await?);
        whole_return(&mut conn, id).await
    }

    /// An order's returns, oldest first, whole (an order has a handful at most).
    pub async fn order_returns(&self, order_id: i64) -> Result<Vec<Return>, StoreError> {
        let mut conn = Conn::Pooled(self.reader().acquire().await?);
        let ids: Vec<i64> = query_scalar("SELECT id FROM returns WHERE order_id = $1 ORDER BY id")
            .bind(order_id)
            .fetch_all(&mut conn)
            .await?;
        let mut all = Vec::with_capacity(ids.len());
        for id in ids {
            all.extend(whole_return(&mut conn, id).await?);
        }
        Ok(all)
    }

    /// Returns newest first, optionally in one status and of one buyer, after id
    /// `before`; without their history.
    pub async fn returns(
        &self,
        status: Option<ReturnStatus>,
        user_id: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Return>, StoreError> {
        let rows = query(
            "SELECT r.*, o.currency FROM returns r JOIN orders o ON o.id = r.order_id
             WHERE ($1 = '' OR r.status = $1) AND ($2 = 0 OR r.user_id = $2) AND r.id < $3
             ORDER BY r.id DESC LIMIT $4",
        )
        .bind(status.map_or("", ReturnStatus::as_str))
        .bind(user_id.unwrap_or(0))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let mut page: Vec<Return> = rows.iter().map(return_from).collect::<Result<_, _>>()?;
        if let (Some(first), Some(last)) = (page.last().map(|r| r.id), page.first().map(|r| r.id)) {
            let lines = query(AssertSqlSafe(format!(
                "{LINES} WHERE l.return_id >= $1 AND l.return_id <= $2 ORDER BY l.return_id, l.order_item_id"
            )))
            .bind(first)
            .bind(last)
            .fetch_all(self.reader())
            .await?;
            for row in &lines {
                let return_id: i64 = row.try_get("return_id")?;
                if let Some(ret) = page.iter_mut().find(|r| r.id == return_id) {
                    ret.lines.push(line_from(row)?);
                }
            }
        }
        Ok(page)
    }

    /// Staff cancel a paid order that has not shipped: it becomes `cancelled`, its units
    /// go back to their lots and its coupons are given back, refunds the buyer asked for
    /// and nobody decided are closed, and one refund of everything still paid is opened,
    /// decided already, for the caller to pay back through the provider.
    pub async fn cancel_paid_order(
        &self,
        order_id: i64,
        staff_id: i64,
        reason: String,
        now: Timestamp,
    ) -> Result<(Order, Option<(Refund, Payment)>), StoreError> {
        let sealer = self.sealer().clone();
        self.write(move |conn| {
            Box::pin(async move { cancel_paid_order_in(conn, &sealer, order_id, staff_id, &reason, now).await })
        })
        .await
    }

    /// A refund on the shop's initiative (goodwill): up to what is still refundable,
    /// decided at once; the caller pays it back through the provider. Under an
    /// `Idempotency-Key` a second send answers the first refund (as it was when opened)
    /// and opens nothing.
    #[allow(clippy::too_many_arguments)] // one transaction's inputs, each named at the call
    pub async fn refund_by_staff(
        &self,
        order_id: i64,
        staff_id: i64,
        amount: Option<i64>,
        reason: String,
        idempotency: Option<IdempotencyKey>,
        render: Render<Refund>,
        now: Timestamp,
    ) -> Result<Idempotent<(Refund, Payment)>, StoreError> {
        let key = idempotency.clone();
        self.idempotent(key, Ok, move |conn| {
            Box::pin(async move {
                let opened = refund_by_staff_in(conn, order_id, staff_id, amount, &reason, now).await?;
                if let Some(key) = &idempotency {
                    let answer = StoredAnswer {
                        kind: AnswerKind::Refund,
                        body: render(&opened.0),
                    };
                    remember_answer_in(conn, key, &answer, now).await?;
                }
                Ok(Idempotent::Fresh(opened))
            })
        })
        .await
    }
}

async fn refund_by_staff_in(
    conn: &mut Conn,
    order_id: i64,
    staff_id: i64,
    amount: Option<i64>,
    reason: &str,
    now: Timestamp,
) -> Result<(Refund, Payment), StoreError> {
    lock_order_in(conn, order_id).await?;
    let status = order_status_in(conn, order_id).await?;
    if !status.is_paid() {
        return Err(InvalidTransition {
            from: status,
            event: OrderEvent::RefundInFull,
        }
        .into());
    }
    let remaining = refundable_in(conn, order_id).await?;
    let amount = amount.unwrap_or(remaining);
    if amount <= 0 || amount > remaining {
        return Err(StoreError::RefundTooLarge { remaining });
    }
    let opened = open_staff_refund_in(conn, order_id, amount, reason, staff_id, now).await?;
    let detail = format!("refund {} of {amount} by the shop: {reason}", opened.0.id);
    record_event(
        conn,
        order_id,
        Some(status),
        status,
        &format!("staff:{staff_id}"),
        Some(&detail),
        now,
    )
    .await?;
    Ok(opened)
}

/// Takes the order's row lock (PostgreSQL) and moves its version: its answer shows its
/// returns and refunds.
async fn lock_order_in(conn: &mut Conn, order_id: i64) -> Result<(), StoreError> {
    let locked = query("UPDATE orders SET version = version + 1 WHERE id = $1")
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    if locked.rows_affected() == 0 {
        return Err(StoreError::NotFound("order"));
    }
    Ok(())
}

async fn order_status_in(conn: &mut Conn, order_id: i64) -> Result<OrderStatus, StoreError> {
    let row = query("SELECT status FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(&mut *conn)
        .await?;
    parse_column(&row, "status")
}

/// What may still be refunded on an order: paid, less refunded, less refunds asked for or
/// being paid.
async fn refundable_in(conn: &mut Conn, order_id: i64) -> Result<i64, StoreError> {
    let row = query(
        "SELECT o.paid_amount, o.refunded_amount,
                CAST(COALESCE((SELECT SUM(r.amount) FROM refunds r
                               WHERE r.order_id = o.id AND r.status IN ('requested', 'processing')), 0) AS BIGINT) AS pending
         FROM orders o WHERE o.id = $1",
    )
    .bind(order_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(order::refundable(
        row.try_get("paid_amount")?,
        row.try_get("refunded_amount")?,
        row.try_get("pending")?,
    ))
}

/// Opens a refund decided by staff (`processing`), with its message to the buyer.
async fn open_staff_refund_in(
    conn: &mut Conn,
    order_id: i64,
    amount: i64,
    reason: &str,
    staff_id: i64,
    now: Timestamp,
) -> Result<(Refund, Payment), StoreError> {
    // The order's payment, not a duplicate (which is being paid back on its own).
    let payment = payment_from(
        &query("SELECT * FROM payments WHERE order_id = $1 AND status = 'succeeded' AND duplicate_of IS NULL")
            .bind(order_id)
            .fetch_one(&mut *conn)
            .await?,
    )?;
    let id: i64 = query_scalar(
        "INSERT INTO refunds (order_id, payment_id, amount, reason, status, requested_by, decided_by, created_at, decided_at, initiated_by_staff)
         VALUES ($1, $2, $3, $4, 'processing', $5, $5, $6, $6, 1) RETURNING id",
    )
    .bind(order_id)
    .bind(payment.id)
    .bind(amount)
    .bind(reason)
    .bind(staff_id)
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    owe_for_refund_in(conn, id, order_id, MessageKind::RefundApproved, now).await?;
    Ok((refund_in(conn, id).await?, payment))
}

async fn cancel_paid_order_in(
    conn: &mut Conn,
    sealer: &Sealer,
    order_id: i64,
    staff_id: i64,
    reason: &str,
    now: Timestamp,
) -> Result<(Order, Option<(Refund, Payment)>), StoreError> {
    let actor = format!("staff:{staff_id}");
    cancel_order_in(
        conn,
        sealer,
        order_id,
        None,
        OrderEvent::CancelPaid,
        &actor,
        Some(reason),
        now,
    )
    .await?;
    // What the buyer asked back and nobody decided is part of this refund now.
    let superseded: Vec<i64> = query_scalar(
        "UPDATE refunds SET status = 'rejected', decided_at = $1, decided_by = $2
         WHERE order_id = $3 AND status = 'requested' RETURNING id",
    )
    .bind(now.millis())
    .bind(staff_id)
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await?;
    for id in superseded {
        let detail = format!("refund {id} closed: the order was cancelled and paid back in full");
        record_event(
            conn,
            order_id,
            Some(OrderStatus::Cancelled),
            OrderStatus::Cancelled,
            &actor,
            Some(&detail),
            now,
        )
        .await?;
    }
    let remaining = refundable_in(conn, order_id).await?;
    let refund = if remaining > 0 {
        let reason = format!("order cancelled by the shop: {reason}");
        Some(open_staff_refund_in(conn, order_id, remaining, &reason, staff_id, now).await?)
    } else {
        None
    };
    let order = order_in(conn, sealer, order_id)
        .await?
        .ok_or(StoreError::NotFound("order"))?;
    Ok((order, refund))
}

/// Units of an order line held by returns: asked for by returns not yet decided or
/// received, and received by those checked in (units a parcel lacked are free again).
async fn units_held_in(conn: &mut Conn, order_item_id: i64) -> Result<i64, StoreError> {
    Ok(query_scalar(
        "SELECT CAST(COALESCE(SUM(CASE WHEN r.status = 'received' THEN l.resellable + l.damaged ELSE l.quantity END), 0) AS BIGINT)
         FROM return_lines l JOIN returns r ON r.id = l.return_id
         WHERE l.order_item_id = $1 AND r.status <> 'rejected'",
    )
    .bind(order_item_id)
    .fetch_one(&mut *conn)
    .await?)
}

async fn record_return_event(
    conn: &mut Conn,
    return_id: i64,
    from: Option<ReturnStatus>,
    to: ReturnStatus,
    actor: &str,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    query("INSERT INTO return_events (return_id, from_status, to_status, actor, detail, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(return_id)
        .bind(from.map(ReturnStatus::as_str))
        .bind(to.as_str())
        .bind(actor)
        .bind(detail)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn request_return_in(conn: &mut Conn, ask: &ReturnAsk, now: Timestamp) -> Result<Return, StoreError> {
    lock_order_in(conn, ask.order_id).await?;
    let order = query("SELECT user_id, status, received_at FROM orders WHERE id = $1")
        .bind(ask.order_id)
        .fetch_one(&mut *conn)
        .await?;
    if order.try_get::<i64, _>("user_id")? != ask.owner {
        return Err(StoreError::NotFound("order"));
    }
    let status: OrderStatus = parse_column(&order, "status")?;
    if status != OrderStatus::Received {
        return Err(ReturnRefusal::NotReceived(status).into());
    }
    let received_at = Timestamp::from_millis(order.try_get::<Option<i64>, _>("received_at")?.unwrap_or(0));
    let closes = received_at.plus(ask.window);
    if now > closes {
        return Err(ReturnRefusal::WindowClosed(closes).into());
    }
    for (i, line) in ask.lines.iter().enumerate() {
        let bought: Option<i64> = query_scalar("SELECT quantity FROM order_items WHERE id = $1 AND order_id = $2")
            .bind(line.order_item_id)
            .bind(ask.order_id)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(bought) = bought else {
            return Err(ReturnRefusal::Field(FieldError::new(
                format!("lines[{i}].order_item_id"),
                "is not a line of this order",
            ))
            .into());
        };
        let left = bought - units_held_in(conn, line.order_item_id).await?;
        if line.quantity > left {
            let message = match left {
                0 => "every unit of this line is returned or being returned already".to_owned(),
                n => format!("only {n} of its {bought} units can still be returned"),
            };
            return Err(ReturnRefusal::Field(FieldError::new(format!("lines[{i}].quantity"), message)).into());
        }
    }
    let id: i64 = query_scalar(
        "INSERT INTO returns (order_id, user_id, status, reason, created_at, updated_at)
         VALUES ($1, $2, 'requested', $3, $4, $4) RETURNING id",
    )
    .bind(ask.order_id)
    .bind(ask.owner)
    .bind(&ask.reason)
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    for line in &ask.lines {
        query("INSERT INTO return_lines (return_id, order_item_id, quantity) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(line.order_item_id)
            .bind(line.quantity)
            .execute(&mut *conn)
            .await?;
    }
    let actor = format!("user:{}", ask.owner);
    record_return_event(conn, id, None, ReturnStatus::Requested, &actor, Some(&ask.reason), now).await?;
    owe_for_return_in(conn, id, ask.order_id, MessageKind::StaffReturnRequested, now).await?;
    let detail = format!("return {id} requested: {}", ask.reason);
    record_event(conn, ask.order_id, Some(status), status, &actor, Some(&detail), now).await?;
    whole_return(conn, id).await?.ok_or(StoreError::NotFound("return"))
}

/// Moves a return from the status it has to where `event` leads, if nobody moved it
/// first: the conditional update makes one of two concurrent moves win.
async fn move_return_in(
    conn: &mut Conn,
    return_id: i64,
    event: ReturnEvent,
) -> Result<(i64, ReturnStatus, ReturnStatus), StoreError> {
    let order_id: i64 = query_scalar("SELECT order_id FROM returns WHERE id = $1")
        .bind(return_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("return"))?;
    lock_order_in(conn, order_id).await?;
    let row = query("SELECT status FROM returns WHERE id = $1")
        .bind(return_id)
        .fetch_one(&mut *conn)
        .await?;
    let from: ReturnStatus = parse_column(&row, "status")?;
    let to = returns::transition(from, event).map_err(ReturnRefusal::from)?;
    query("UPDATE returns SET status = $1 WHERE id = $2 AND status = $3")
        .bind(to.as_str())
        .bind(return_id)
        .bind(from.as_str())
        .execute(&mut *conn)
        .await?;
    Ok((order_id, from, to))
}

async fn decide_return_in(
    conn: &mut Conn,
    return_id: i64,
    decision: &ReturnDecision,
    staff_id: i64,
    now: Timestamp,
) -> Result<Return, StoreError> {
    let (event, instructions, note) = match decision {
        ReturnDecision::Approve { instructions } => (ReturnEvent::Approve, Some(instructions.as_str()), None),
        ReturnDecision::Reject { note } => (ReturnEvent::Reject, None, Some(note.as_str())),
    };
    let (order_id, from, to) = move_return_in(conn, return_id, event).await?;
    query(
        "UPDATE returns SET instructions = COALESCE($1, instructions), note = COALESCE($2, note),
                decided_by = $3, decided_at = $4, updated_at = $4 WHERE id = $5",
    )
    .bind(instructions)
    .bind(note)
    .bind(staff_id)
    .bind(now.millis())
    .bind(return_id)
    .execute(&mut *conn)
    .await?;
    let actor = format!("staff:{staff_id}");
    record_return_event(conn, return_id, Some(from), to, &actor, instructions.or(note), now).await?;
    let kind = match event {
        ReturnEvent::Approve => MessageKind::ReturnApproved,
        _ => MessageKind::ReturnRejected,
    };
    owe_for_return_in(conn, return_id, order_id, kind, now).await?;
    let status = order_status_in(conn, order_id).await?;
    let detail = format!("return {return_id} {to}");
    record_event(conn, order_id, Some(status), status, &actor, Some(&detail), now).await?;
    whole_return(conn, return_id)
        .await?
        .ok_or(StoreError::NotFound("return"))
}

async fn receive_return_in(
    conn: &mut Conn,
    return_id: i64,
    counts: &[ReturnCount],
    note: Option<&str>,
    staff_id: i64,
    now: Timestamp,
) -> Result<(Return, Option<(Refund, Payment)>), StoreError> {
    let (order_id, from, to) = move_return_in(conn, return_id, ReturnEvent::Receive).await?;
    let asked = whole_return(conn, return_id)
        .await?
        .ok_or(StoreError::NotFound("return"))?;
    for (i, count) in counts.iter().enumerate() {
        if !asked.lines.iter().any(|l| l.order_item_id == count.order_item_id) {
            return Err(ReturnRefusal::Field(FieldError::new(
                format!("lines[{i}].order_item_id"),
                "is not a line of this return",
            ))
            .into());
        }
    }
    let order = query("SELECT tax_mode, shipping_fee, shipping_discount, shipping_tax FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(&mut *conn)
        .await?;
    let exclusive = order.try_get::<String, _>("tax_mode")? == "exclusive";
    let mut lines_refund = 0;
    let mut summary = Vec::new();
    for line in &asked.lines {
        let (i, count) = counts
            .iter()
            .enumerate()
            .find(|(_, c)| c.order_item_id == line.order_item_id)
            .map_or((0, (0, 0)), |(i, c)| (i, (c.resellable, c.damaged)));
        let (resellable, damaged) = count;
        if resellable < 0 || damaged < 0 || resellable + damaged > line.quantity {
            return Err(ReturnRefusal::Field(FieldError::new(
                format!("lines[{i}]"),
                format!(
                    "resellable and damaged units must add up to at most the {} asked back",
                    line.quantity
                ),
            ))
            .into());
        }
        let item = query("SELECT quantity, line_total, discount, tax FROM order_items WHERE id = $1")
            .bind(line.order_item_id)
            .fetch_one(&mut *conn)
            .await?;
        let quantity: i64 = item.try_get("quantity")?;
        let paid = returns::line_paid(
            item.try_get("line_total")?,
            item.try_get("discount")?,
            item.try_get("tax")?,
            exclusive,
        );
        // Units of this line refunded by returns received before this one.
        let before: i64 = query_scalar(
            "SELECT CAST(COALESCE(SUM(l.resellable + l.damaged), 0) AS BIGINT)
             FROM return_lines l JOIN returns r ON r.id = l.return_id
             WHERE l.order_item_id = $1 AND r.status = 'received' AND r.id <> $2",
        )
        .bind(line.order_item_id)
        .bind(return_id)
        .fetch_one(&mut *conn)
        .await?;
        // The units' share, within what refunds tied to this line left of it.
        let left = crate::refund_lines::line_left_in(conn, order_id, line.order_item_id)
            .await?
            .unwrap_or(0);
        let refund = returns::unit_refund(paid, quantity, before, resellable + damaged).min(left);
        let damaged_cost = take_back_units_in(conn, line.order_item_id, resellable, damaged, now).await?;
        query(
            "UPDATE return_lines SET resellable = $1, damaged = $2, refund = $3, damaged_cost = $4
             WHERE return_id = $5 AND order_item_id = $6",
        )
        .bind(resellable)
        .bind(damaged)
        .bind(refund)
        .bind(damaged_cost)
        .bind(return_id)
        .bind(line.order_item_id)
        .execute(&mut *conn)
        .await?;
        lines_refund += refund;
        summary.push(format!("{}: {resellable} restocked, {damaged} damaged", line.name));
    }
    // Shipping comes back with the order's last units: when, after this return, every
    // unit of every line has come back (docs/API.md, returns).
    let units_out: i64 = query_scalar(
        "SELECT CAST(COALESCE(SUM(i.quantity), 0) AS BIGINT) - CAST(COALESCE((
             SELECT SUM(l.resellable + l.damaged) FROM return_lines l JOIN returns r ON r.id = l.return_id
             JOIN order_items j ON j.id = l.order_item_id
             WHERE j.order_id = $1 AND r.status = 'received'), 0) AS BIGINT)
         FROM order_items i WHERE i.order_id = $1",
    )
    .bind(order_id)
    .fetch_one(&mut *conn)
    .await?;
    let shipping_refund = if units_out == 0 {
        let fee: i64 = order.try_get("shipping_fee")?;
        let discount: i64 = order.try_get("shipping_discount")?;
        let tax: i64 = order.try_get("shipping_tax")?;
        returns::line_paid(fee, discount, tax, exclusive)
    } else {
        0
    };
    // Never more than is left to refund (the shop may have refunded some already).
    let amount = (lines_refund + shipping_refund).min(refundable_in(conn, order_id).await?);
    let refund = if amount > 0 {
        let reason = format!("return {return_id}");
        Some(open_staff_refund_in(conn, order_id, amount, &reason, staff_id, now).await?)
    } else {
        None
    };
    query(
        "UPDATE returns SET note = COALESCE($1, note), refund_id = $2, refund_amount = $3, shipping_refund = $4,
                received_by = $5, received_at = $6, updated_at = $6 WHERE id = $7",
    )
    .bind(note)
    .bind(refund.as_ref().map(|(r, _)| r.id))
    .bind(amount)
    .bind(shipping_refund.min(amount))
    .bind(staff_id)
    .bind(now.millis())
    .bind(return_id)
    .execute(&mut *conn)
    .await?;
    let actor = format!("staff:{staff_id}");
    let detail = summary.join("; ");
    record_return_event(conn, return_id, Some(from), to, &actor, Some(&detail), now).await?;
    let status = order_status_in(conn, order_id).await?;
    let detail = format!("return {return_id} received ({detail}); {amount} to pay back");
    record_event(conn, order_id, Some(status), status, &actor, Some(&detail), now).await?;
    let ret = whole_return(conn, return_id)
        .await?
        .ok_or(StoreError::NotFound("return"))?;
    Ok((ret, refund))
}
