//! Refunds tied to order lines (migration 0017): a buyer may say which lines a partial
//! refund is for, and how much of each; each line's part is capped by what is still
//! refundable on it: what was paid for it (its total less its discounts, plus its tax
//! when prices exclude tax), less its parts in live refunds, less what its received
//! returns paid back. Receiving a return caps each line's refund the same way, so the
//! two paths together never pay a line back more than was paid for it
//! (`emporium check`).

use emporium_domain::FieldError;
use emporium_domain::returns::line_paid;

use crate::StoreError;
use crate::db::{Conn, query, query_scalar};

/// One line's part of a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundLine {
    /// The order line.
    pub order_item_id: i64,
    /// Minor units, 1 or more.
    pub amount: i64,
}

/// What may still be paid back on line `order_item_id` of `order_id`: `None` when the
/// order has no such line.
pub(crate) async fn line_left_in(
    conn: &mut Conn,
    order_id: i64,
    order_item_id: i64,
) -> Result<Option<i64>, StoreError> {
    let Some(row) = query(
        "SELECT i.line_total, i.discount, i.tax, o.tax_mode FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE i.id = $1 AND i.order_id = $2",
    )
    .bind(order_item_id)
    .bind(order_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let paid = line_paid(
        row.try_get("line_total")?,
        row.try_get("discount")?,
        row.try_get("tax")?,
        row.try_get::<String, _>("tax_mode")? == "exclusive",
    );
    let refunded: i64 = query_scalar(
        "SELECT CAST(COALESCE(SUM(l.amount), 0) AS BIGINT) FROM refund_lines l JOIN refunds r ON r.id = l.refund_id
         WHERE l.order_item_id = $1 AND r.status IN ('requested', 'processing', 'refunded')",
    )
    .bind(order_item_id)
    .fetch_one(&mut *conn)
    .await?;
    let returned: i64 = query_scalar(
        "SELECT CAST(COALESCE(SUM(l.refund), 0) AS BIGINT) FROM return_lines l JOIN returns r ON r.id = l.return_id
         WHERE l.order_item_id = $1 AND r.status = 'received'",
    )
    .bind(order_item_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some((paid - refunded - returned).max(0)))
}

/// Checks each line's part against what is left on it (errors name `lines[i].…`);
/// answers their sum. Call it after the order is locked, before the refund is written.
pub(crate) async fn check_lines_in(conn: &mut Conn, order_id: i64, lines: &[RefundLine]) -> Result<i64, StoreError> {
    let mut total = 0;
    for (i, line) in lines.iter().enumerate() {
        let left = line_left_in(conn, order_id, line.order_item_id).await?.ok_or_else(|| {
            StoreError::RefundLine(FieldError::new(
                format!("lines[{i}].order_item_id"),
                "is not a line of this order",
            ))
        })?;
        if line.amount > left {
            return Err(StoreError::RefundLine(FieldError::new(
                format!("lines[{i}].amount"),
                format!("must be at most {left}, what is left to refund on this line"),
            )));
        }
        total += line.amount;
    }
    Ok(total)
}

/// Records the lines' parts of refund `refund_id`.
pub(crate) async fn record_lines_in(conn: &mut Conn, refund_id: i64, lines: &[RefundLine]) -> Result<(), StoreError> {
    for line in lines {
        query("INSERT INTO refund_lines (refund_id, order_item_id, amount) VALUES ($1, $2, $3)")
            .bind(refund_id)
            .bind(line.order_item_id)
            .bind(line.amount)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
