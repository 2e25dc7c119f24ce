//! Reports for staff: orders, revenue, refunds, FIFO cost of goods and gross margin per
//! day, and the best-selling products, over a range of UTC days.
//!
//! Definitions (each figure is attributed to one day, so the columns add up):
//! - *orders* and *revenue*: orders paid that day and the amount received for them;
//! - *refunds*: money paid back that day (refunds that reached `refunded`);
//! - *cost of goods*: the FIFO cost of the units the orders paid that day drew from their
//!   lots, less units that went back to the lots (a refund before shipping);
//! - *gross margin*: revenue − refunds − cost of goods.
//!
//! Amounts of different currencies are summed as stored, like the inventory valuation.

use crate::db::query;
use emporium_domain::time::Timestamp;

use crate::{Store, StoreError};

/// Milliseconds in a UTC day.
pub const DAY_MILLIS: i64 = 86_400_000;

/// One day's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayStats {
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    /// Orders paid that day.
    pub orders: i64,
    /// Money received for them, minor units.
    pub revenue: i64,
    /// Money paid back that day, minor units.
    pub refunds: i64,
    /// FIFO cost of the units sold by the orders paid that day (less units returned).
    pub cost_of_goods: i64,
    /// revenue − refunds − cost of goods.
    pub gross_margin: i64,
    /// Tax of the orders paid that day (VAT inside their prices, or added to them).
    pub tax: i64,
}

/// A product among the best sellers of the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopProduct {
    /// The product.
    pub product_id: i64,
    /// Its current name.
    pub name: String,
    /// Units sold in paid orders.
    pub units: i64,
    /// Σ what those lines were paid (line totals less their discounts), minor units.
    pub revenue: i64,
}

/// The report over a range of days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Every day of the range, oldest first (days without activity hold zeros).
    pub days: Vec<DayStats>,
    /// The sums over the range (`day` is the range's first day).
    pub totals: DayStats,
    /// Best sellers by revenue, at most the number asked for.
    pub top_products: Vec<TopProduct>,
}

impl Store {
    /// The figures for the UTC days `first_day ..= last_day` (days since the epoch), with
    /// the `top` best-selling products of the range.
    pub async fn stats(&self, first_day: i64, last_day: i64, top: i64) -> Result<Stats, StoreError> {
        let from = first_day * DAY_MILLIS;
        let to = (last_day + 1) * DAY_MILLIS;
        let mut days: Vec<DayStats> = (first_day..=last_day)
            .map(|day| DayStats {
                day,
                ..DayStats::default()
            })
            .collect();
        let index = |day: i64| usize::try_from(day - first_day).ok();

        let sold = query(
            "SELECT paid_at / 86400000 AS day, COUNT(*) AS orders,
                    CAST(COALESCE(SUM(paid_amount), 0) AS BIGINT) AS revenue,
                    CAST(COALESCE(SUM(tax_total), 0) AS BIGINT) AS tax
             FROM orders WHERE paid_at >= $1 AND paid_at < $2 GROUP BY paid_at / 86400000",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        for row in &sold {
            if let Some(d) = index(row.try_get("day")?).and_then(|i| days.get_mut(i)) {
                d.orders = row.try_get("orders")?;
                d.revenue = row.try_get("revenue")?;
                d.tax = row.try_get("tax")?;
            }
        }

        let refunded = query(
            "SELECT decided_at / 86400000 AS day, CAST(SUM(amount) AS BIGINT) AS refunds
             FROM refunds WHERE status = 'refunded' AND decided_at >= $1 AND decided_at < $2
             GROUP BY decided_at / 86400000",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        for row in &refunded {
            if let Some(d) = index(row.try_get("day")?).and_then(|i| days.get_mut(i)) {
                d.refunds = row.try_get("refunds")?;
            }
        }

        // The draws of each order line carry their lots' unit costs: exact FIFO cost.
        let costs = query(
            "SELECT o.paid_at / 86400000 AS day,
                    CAST(SUM((d.quantity - d.returned) * d.unit_cost) AS BIGINT) AS cost
             FROM orders o
             JOIN order_items i ON i.order_id = o.id
             JOIN stock_draws d ON d.reference = 'order_item:' || CAST(i.id AS TEXT)
             WHERE o.paid_at >= $1 AND o.paid_at < $2
             GROUP BY o.paid_at / 86400000",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        for row in &costs {
            if let Some(d) = index(row.try_get("day")?).and_then(|i| days.get_mut(i)) {
                d.cost_of_goods = row.try_get("cost")?;
            }
        }

        let mut totals = DayStats {
            day: first_day,
            ..DayStats::default()
        };
        for d in &mut days {
            d.gross_margin = d.revenue - d.refunds - d.cost_of_goods;
            totals.orders += d.orders;
            totals.revenue += d.revenue;
            totals.refunds += d.refunds;
            totals.cost_of_goods += d.cost_of_goods;
            totals.gross_margin += d.gross_margin;
            totals.tax += d.tax;
        }

        let top_rows = query(
            "SELECT i.product_id, p.name, CAST(SUM(i.quantity) AS BIGINT) AS units,
                    CAST(SUM(i.line_total - i.discount) AS BIGINT) AS revenue
             FROM order_items i
             JOIN orders o ON o.id = i.order_id
             JOIN products p ON p.id = i.product_id
             WHERE o.paid_at >= $1 AND o.paid_at < $2
             GROUP BY i.product_id, p.name
             ORDER BY revenue DESC, i.product_id
             LIMIT $3",
        )
        .bind(from)
        .bind(to)
        .bind(top)
        .fetch_all(self.reader())
        .await?;
        let top_products = top_rows
            .iter()
            .map(|r| {
                Ok(TopProduct {
                    product_id: r.try_get("product_id")?,
                    name: r.try_get("name")?,
                    units: r.try_get("units")?,
                    revenue: r.try_get("revenue")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Stats {
            days,
            totals,
            top_products,
        })
    }
}

/// The UTC day (days since the epoch) a moment falls on.
pub fn day_of(t: Timestamp) -> i64 {
    t.millis().div_euclid(DAY_MILLIS)
}
