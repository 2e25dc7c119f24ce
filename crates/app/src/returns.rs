//! After the sale: returns (售后) and the shop's own money actions (cancelling a paid
//! order, refunding on its own initiative).
//!
//! A return is asked for by the buyer within the return window
//! (`AppConfig::return_window`) on a received order, approved with instructions or
//! rejected by staff, and received by staff, which puts resellable units back into the
//! lots they came from, writes damaged ones off, and pays the lines back through the
//! provider on the refund path every refund takes ([`payments::pay_back`]).
//!
//! [`payments::pay_back`]: crate::payments::pay_back

use emporium_domain::order::{OrderEvent, OrderStatus};
use emporium_domain::returns::{self, ReturnCount, ReturnQuantity, ReturnStatus};
use emporium_domain::text::{multi_line, optional_line, single_line};
use emporium_domain::{FieldError, Invalid};
use emporium_store::accounts::Session;
use emporium_store::idempotency::{IdempotencyKey, Idempotent, Render};
use emporium_store::order_read::Order;
use emporium_store::refunds::Refund;
use emporium_store::returns::{Return, ReturnAsk, ReturnDecision};

use crate::error::{AppError, AppResult};
use crate::payments::{RefundWish, pay_back};
use crate::state::AppState;

/// What a buyer asks to send back.
#[derive(Debug, Clone)]
pub struct ReturnWish<'a> {
    /// Which units of which order lines.
    pub lines: Vec<ReturnQuantity>,
    /// Why, 1–500 characters.
    pub reason: &'a str,
}

/// The buyer asks to return units of their received order, within the return window.
pub async fn ask_return(state: &AppState, user_id: i64, order_id: i64, wish: ReturnWish<'_>) -> AppResult<Return> {
    let reason = single_line("reason", wish.reason, 1, 500);
    let lines = returns::check_lines(&wish.lines);
    let reason = match (reason, lines) {
        (Ok(reason), Ok(())) => reason,
        (reason, lines) => return Err(Invalid::of([reason.err(), lines.err()]).into()),
    };
    let ask = ReturnAsk {
        order_id,
        owner: user_id,
        lines: wish.lines,
        reason,
        window: state.config().return_window,
    };
    let ret = state.store().request_return(ask, state.now()).await?;
    tracing::info!(return.id = ret.id, order.id = order_id, "return requested");
    Ok(ret)
}

/// A return its buyer or staff may see; anyone else's is not found.
pub async fn visible_return(state: &AppState, session: &Session, id: i64) -> AppResult<Return> {
    state
        .store()
        .find_return(id)
        .await?
        .filter(|r| r.user_id == session.user.id || session.user.reads_all_orders())
        .ok_or(AppError::NotFound("return"))
}

/// An order's returns, for its buyer or staff (the caller has seen the order).
pub async fn order_returns(state: &AppState, order_id: i64) -> AppResult<Vec<Return>> {
    Ok(state.store().order_returns(order_id).await?)
}

/// What a buyer may still send back of an order: until when, and each line with the
/// units neither returned nor asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnOptions {
    /// The end of the return window.
    pub closes_at: emporium_domain::time::Timestamp,
    /// `(order line, units left)` for every line with units left.
    pub lines: Vec<(i64, i64)>,
}

/// What may still be returned of `order` now, given its `returns`: `None` when the order
/// is not received, its window has closed, or every unit is returned or asked for.
pub fn return_options(state: &AppState, order: &Order, returns: &[Return]) -> Option<ReturnOptions> {
    let received = order.received_at.filter(|_| order.status == OrderStatus::Received)?;
    let closes_at = received.plus(state.config().return_window);
    if state.now() > closes_at {
        return None;
    }
    let lines: Vec<(i64, i64)> = order
        .items
        .iter()
        .map(|item| {
            let held: i64 = returns
                .iter()
                .flat_map(|r| r.lines.iter().map(move |l| (r.status, l)))
                .filter(|(_, l)| l.order_item_id == item.id)
                .map(|(status, l)| returns::units_held(status, l.quantity, l.resellable, l.damaged))
                .sum();
            (item.id, item.quantity - held)
        })
        .filter(|(_, left)| *left > 0)
        .collect();
    (!lines.is_empty()).then_some(ReturnOptions { closes_at, lines })
}

/// Staff approve a requested return, telling the buyer how to send it (1–1000
/// characters, line breaks kept).
pub async fn approve_return(state: &AppState, staff_id: i64, id: i64, instructions: &str) -> AppResult<Return> {
    let instructions = multi_line("instructions", instructions, 1000)?;
    if instructions.is_empty() {
        return Err(FieldError::new("instructions", "say where and how to send the goods back").into());
    }
    let decision = ReturnDecision::Approve { instructions };
    let result = state
        .store()
        .decide_return(id, decision, staff_id, state.now())
        .await
        .map_err(AppError::from);
    crate::audit::recorded(state, "return.approve", "return", result, described).await
}

/// A return's id and its audit summary.
fn described(r: &Return) -> (String, String) {
    let summary = serde_json::json!({
        "order_id": r.order_id,
        "status": r.status.as_str(),
        "units": r.lines.iter().map(|l| l.quantity).sum::<i64>(),
        "refund": r.refund_amount,
    });
    (r.id.to_string(), summary.to_string())
}

/// Staff reject a requested return, saying why (1–500 characters).
pub async fn reject_return(state: &AppState, staff_id: i64, id: i64, note: &str) -> AppResult<Return> {
    let note = single_line("note", note, 1, 500)?;
    let decision = ReturnDecision::Reject { note };
    let result = state
        .store()
        .decide_return(id, decision, staff_id, state.now())
        .await
        .map_err(AppError::from);
    crate::audit::recorded(state, "return.reject", "return", result, described).await
}

/// Staff check an approved return's parcel in, saying per line how many units are
/// resellable and how many damaged (lines not named came back empty). The resellable
/// units go back into their lots, the damaged are written off, and the lines' paid
/// amounts (and the shipping, with the order's last units) are paid back.
pub async fn receive_return(
    state: &AppState,
    staff_id: i64,
    id: i64,
    counts: &[ReturnCount],
    note: Option<&str>,
) -> AppResult<Return> {
    let mut errors = Vec::new();
    for (i, count) in counts.iter().enumerate() {
        for (field, n) in [("resellable", count.resellable), ("damaged", count.damaged)] {
            if !(0..=emporium_domain::order::MAX_LINE_QUANTITY).contains(&n) {
                errors.push(FieldError::new(format!("lines[{i}].{field}"), "must be from 0 to 999"));
            }
        }
        if counts[..i].iter().any(|c| c.order_item_id == count.order_item_id) {
            errors.push(FieldError::new(
                format!("lines[{i}].order_item_id"),
                "names a line already listed",
            ));
        }
    }
    let note = optional_line("note", note, 500)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let (ret, refund) = state
        .store()
        .receive_return(id, counts.to_vec(), note, staff_id, state.now())
        .await?;
    tracing::info!(return.id = id, refund = ret.refund_amount, "return received");
    let (_, summary) = described(&ret);
    crate::audit::record(state, "return.receive", "return", id, summary).await;
    if let Some((refund, payment)) = refund {
        pay_back(state, &refund, &payment, format!("staff:{staff_id}")).await?;
    }
    Ok(ret)
}

/// Staff cancel an order: an unpaid one as its buyer could; a paid one that has not
/// shipped is cancelled with its stock back and everything paid refunded through the
/// provider. `reason` (1–500 characters) goes into the order's history and the refund.
pub async fn cancel_by_staff(state: &AppState, staff_id: i64, id: i64, reason: Option<&str>) -> AppResult<Order> {
    let reason = optional_line("reason", reason, 500)?.unwrap_or_else(|| "cancelled by the shop".into());
    let order = state.store().order(id).await?.ok_or(AppError::NotFound("order"))?;
    let actor = format!("staff:{staff_id}");
    if order.status != OrderStatus::Paid {
        // Unpaid (or a state no cancel leaves: the move refuses it with a 409).
        let order = state
            .store()
            .cancel_order(id, None, OrderEvent::Cancel, actor, state.now())
            .await?;
        crate::payments::close_unpaid_later(state, id);
        crate::audit::record(state, "order.cancel", "order", id, "unpaid").await;
        return Ok(order);
    }
    let reason_text = reason.clone();
    let (order, refund) = state
        .store()
        .cancel_paid_order(id, staff_id, reason, state.now())
        .await?;
    tracing::info!(order.id = id, "paid order cancelled by staff");
    let summary = serde_json::json!({
        "before": "paid",
        "refund": refund.as_ref().map(|(r, _)| r.amount),
        "reason": reason_text,
    });
    crate::audit::record(state, "order.cancel", "order", id, summary.to_string()).await;
    if let Some((refund, payment)) = refund {
        pay_back(state, &refund, &payment, actor).await?;
    }
    // The order as it is now, with its refund's outcome.
    Ok(state.store().order(id).await?.unwrap_or(order))
}

/// A refund on the shop's initiative (goodwill), approved at once: `amount` in minor
/// units (default: everything still refundable), `reason` 1–500 characters. Under an
/// `Idempotency-Key` a second send answers the first refund and pays nothing more.
pub async fn refund_by_staff(
    state: &AppState,
    staff_id: i64,
    order_id: i64,
    wish: &RefundWish,
    key: Option<IdempotencyKey>,
    render: Render<Refund>,
) -> AppResult<Idempotent<Refund>> {
    let reason = single_line("reason", &wish.reason, 1, 500)?;
    if !wish.lines.is_empty() {
        return Err(FieldError::new(
            "lines",
            "a refund by staff is for the order as a whole (a return pays back lines)",
        )
        .into());
    }
    if wish.amount.is_some_and(|a| a <= 0) {
        return Err(FieldError::new("amount", "must be a positive number of minor units (fen)").into());
    }
    let opened = state
        .store()
        .refund_by_staff(order_id, staff_id, wish.amount, reason, key, render, state.now())
        .await?;
    Ok(match opened {
        Idempotent::Replay(answer) => Idempotent::Replay(answer),
        Idempotent::Fresh((refund, payment)) => {
            tracing::info!(refund.id = refund.id, order.id = order_id, "refund by staff");
            let summary = serde_json::json!({"order_id": order_id, "amount": refund.amount, "reason": refund.reason});
            crate::audit::record(state, "refund.issue", "refund", refund.id, summary.to_string()).await;
            Idempotent::Fresh(pay_back(state, &refund, &payment, format!("staff:{staff_id}")).await?)
        }
    })
}

/// A customer's latest returns, newest first, for the admin's customer page.
pub async fn customer_returns(state: &AppState, user_id: i64, limit: i64) -> AppResult<Vec<Return>> {
    Ok(state.store().returns(None, Some(user_id), None, limit).await?)
}

/// Returns newest first for staff (optionally in one status), or the caller's own.
pub async fn list_returns(
    state: &AppState,
    session: &Session,
    status: Option<ReturnStatus>,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<Return>> {
    let owner = (!session.user.reads_all_orders()).then_some(session.user.id);
    Ok(state.store().returns(status, owner, before, limit).await?)
}
