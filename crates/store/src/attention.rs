//! What needs a staff member's attention today: orders paid and waiting to ship, refunds
//! and returns waiting for a decision, and variants whose stock is at or below their
//! low-stock threshold. The admin dashboard shows these as counters linking to the lists.

use crate::db::query;
use emporium_domain::variant::OptionValues;

use crate::{Store, StoreError};

/// The dashboard's "needs attention" counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attention {
    /// Orders paid and not shipped yet.
    pub to_ship: i64,
    /// Refunds asked for and not decided.
    pub refunds_to_decide: i64,
    /// Returns asked for and not decided.
    pub returns_to_decide: i64,
    /// Variants of products on sale whose stock is at or below their threshold.
    pub low_stock: i64,
}

/// A variant running low.
#[derive(Debug, Clone)]
pub struct LowStockLine {
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// The product's name.
    pub name: String,
    /// The variant's SKU.
    pub sku: Option<String>,
    /// The variant's option values.
    pub option_values: OptionValues,
    /// Units on hand.
    pub available: i64,
    /// The threshold it is at or below.
    pub threshold: i64,
}

/// The variants that count as low: an active variant of an active product, with a
/// threshold set (0 turns the warning off, as for the low-stock message).
macro_rules! low_stock_where {
    () => {
        " FROM product_variants v JOIN products p ON p.id = v.product_id
         WHERE p.status = 'active' AND v.status = 'active'
           AND v.low_stock_threshold > 0 AND v.stock_available <= v.low_stock_threshold "
    };
}

impl Store {
    /// The "needs attention" counters, in one read.
    pub async fn attention(&self) -> Result<Attention, StoreError> {
        let row = query(concat!(
            "SELECT (SELECT COUNT(*) FROM orders WHERE status = 'paid') AS to_ship,
                    (SELECT COUNT(*) FROM refunds WHERE status = 'requested') AS refunds,
                    (SELECT COUNT(*) FROM returns WHERE status = 'requested') AS returns,
                    (SELECT COUNT(*)",
            low_stock_where!(),
            ") AS low_stock"
        ))
        .fetch_one(self.reader())
        .await?;
        Ok(Attention {
            to_ship: row.try_get("to_ship")?,
            refunds_to_decide: row.try_get("refunds")?,
            returns_to_decide: row.try_get("returns")?,
            low_stock: row.try_get("low_stock")?,
        })
    }

    /// The variants running low, fewest units first, at most `limit`.
    pub async fn low_stock(&self, limit: i64) -> Result<Vec<LowStockLine>, StoreError> {
        let rows = query(concat!(
            "SELECT v.id AS variant_id, v.product_id, p.name, v.sku, v.option_values,
                    v.stock_available, v.low_stock_threshold",
            low_stock_where!(),
            "ORDER BY v.stock_available, v.id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LowStockLine {
                    product_id: r.try_get("product_id")?,
                    variant_id: r.try_get("variant_id")?,
                    name: r.try_get("name")?,
                    sku: r.try_get("sku")?,
                    option_values: OptionValues::decode(&r.try_get::<String, _>("option_values")?),
                    available: r.try_get("stock_available")?,
                    threshold: r.try_get("low_stock_threshold")?,
                })
            })
            .collect()
    }
}
