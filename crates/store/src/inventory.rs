//! FIFO stock: lots received, units drawn from the oldest lot first (the rule is
//! `emporium_domain::inventory::allocate`), units returned to the lots they left, and the
//! valuation of what is on hand.
//!
//! Stock is held per variant: each lot belongs to one variant of a product, and a
//! variant's `stock_available` is the sum of its lots, the product's the sum over its
//! variants.
//!
//! Concurrency: a draw first decrements `products.stock_available` with a conditional
//! `UPDATE … WHERE stock_available >= n`, then the variant's the same way. The first
//! statement takes the product's row lock on PostgreSQL, so concurrent draws of any of a
//! product's variants run one after another while the lots are read and decremented (and
//! every variant and lot lock is taken under its product's, which keeps the lock order
//! of the crate docs); on SQLite the single writer serialises them anyway. The second
//! refuses an oversell of the variant. The lots' own `CHECK (remaining >= 0)` is the last
//! line of defence.

use crate::db::{Conn, Row, query, query_scalar};
use emporium_domain::inventory::{self, LotBalance, Units};
use emporium_domain::money::UnitCost;
use emporium_domain::time::Timestamp;

use crate::catalog::record_change;
use crate::messages::{LowStock, owe_low_stock_in};
use crate::{Store, StoreError};

/// Stock arriving: how many units, at what cost each, when.
#[derive(Debug, Clone)]
pub struct NewLot {
    /// Units received.
    pub quantity: Units,
    /// What each unit cost.
    pub unit_cost: UnitCost,
    /// When they arrived (FIFO order follows this, then the lot id).
    pub received_at: Timestamp,
    /// Free text (supplier, invoice).
    pub note: Option<String>,
}

/// A stored lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    /// Primary key.
    pub id: i64,
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// Units received.
    pub quantity: i64,
    /// Units still on hand.
    pub remaining: i64,
    /// Cost per unit, minor units.
    pub unit_cost: i64,
    /// When it arrived.
    pub received_at: Timestamp,
    /// Free text.
    pub note: Option<String>,
}

fn lot_from(row: &Row) -> Result<Lot, StoreError> {
    Ok(Lot {
        id: row.try_get("id")?,
        product_id: row.try_get("product_id")?,
        variant_id: row
            .try_get::<Option<i64>, _>("variant_id")?
            .ok_or_else(|| StoreError::Corrupt("a lot without a variant".into()))?,
        quantity: row.try_get("quantity")?,
        remaining: row.try_get("remaining")?,
        unit_cost: row.try_get("unit_cost")?,
        received_at: Timestamp::from_millis(row.try_get("received_at")?),
        note: row.try_get("note")?,
    })
}

/// Units taken from one lot by a draw, with their cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawnUnits {
    /// The lot.
    pub lot_id: i64,
    /// Units taken.
    pub quantity: i64,
    /// Cost per unit.
    pub unit_cost: i64,
}

/// A stock adjustment (units written off: damaged, lost, samples) and what it drew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    /// Primary key.
    pub id: i64,
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// Units removed.
    pub quantity: i64,
    /// Why.
    pub reason: String,
    /// The lots they came from.
    pub draws: Vec<DrawnUnits>,
    /// Their FIFO cost.
    pub cost: i64,
    /// When.
    pub created_at: Timestamp,
}

/// A variant's stock on hand and its FIFO value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuationLine {
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// The product's name.
    pub name: String,
    /// The variant's SKU.
    pub sku: Option<String>,
    /// The variant's option values.
    pub option_values: emporium_domain::variant::OptionValues,
    /// Its currency (the unit costs' currency).
    pub currency: String,
    /// Units on hand.
    pub units_on_hand: i64,
    /// Sum over lots of remaining × unit cost.
    pub value: i64,
}

// PostgreSQL sums BIGINTs into NUMERIC, which `sqlx::Any` cannot decode: every SUM is
// cast back to BIGINT (harmless on SQLite).

impl Store {
    /// Receives a lot of stock for a variant of a product.
    pub async fn receive_stock(
        &self,
        product_id: i64,
        variant_id: i64,
        lot: NewLot,
        now: Timestamp,
    ) -> Result<Lot, StoreError> {
        self.write(move |conn| Box::pin(async move { insert_lot(conn, product_id, variant_id, &lot, now).await }))
            .await
    }

    /// A product's lots (of one variant, when given), oldest first, after `after` (a
    /// `(received_at, id)` cursor).
    pub async fn lots(
        &self,
        product_id: i64,
        variant_id: Option<i64>,
        after: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<Lot>, StoreError> {
        let (at, id) = after.unwrap_or((i64::MIN, i64::MIN));
        let rows = query(
            "SELECT * FROM stock_lots WHERE product_id = $1 AND ($2 = 0 OR variant_id = $3) AND (received_at, id) > ($4, $5)
             ORDER BY received_at, id LIMIT $6",
        )
        .bind(product_id)
        .bind(i64::from(variant_id.is_some()))
        .bind(variant_id.unwrap_or_default())
        .bind(at)
        .bind(id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(lot_from).collect()
    }

    /// Removes units of a variant from stock outside any order (write-off), FIFO.
    pub async fn adjust_stock(
        &self,
        product_id: i64,
        variant_id: i64,
        quantity: Units,
        reason: String,
        user_id: Option<i64>,
        now: Timestamp,
    ) -> Result<Adjustment, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let id: i64 = query_scalar(
                    "INSERT INTO stock_adjustments (product_id, variant_id, quantity, reason, user_id, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(product_id)
                .bind(variant_id)
                .bind(quantity.get())
                .bind(&reason)
                .bind(user_id)
                .bind(now.millis())
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| match StoreError::from(e) {
                    // The product reference failed: no such product.
                    StoreError::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                        StoreError::NotFound("product")
                    }
                    e => e,
                })?;
                let stock = StockItem { product_id, variant_id };
                let draws = draw_fifo(conn, stock, quantity, &format!("adjustment:{id}"), now).await?;
                let cost = draws.iter().map(|d| d.quantity * d.unit_cost).sum();
                Ok(Adjustment {
                    id,
                    product_id,
                    variant_id,
                    quantity: quantity.get(),
                    reason,
                    draws,
                    cost,
                    created_at: now,
                })
            })
        })
        .await
    }

    /// What one product's stock on hand is worth at FIFO cost, minor units (read through
    /// the lots' `(product_id, …)` index).
    pub async fn product_stock_value(&self, product_id: i64) -> Result<i64, StoreError> {
        Ok(query_scalar(
            "SELECT CAST(COALESCE(SUM(remaining * unit_cost), 0) AS BIGINT) FROM stock_lots
             WHERE product_id = $1 AND remaining > 0",
        )
        .bind(product_id)
        .fetch_one(self.reader())
        .await?)
    }

    /// Units on hand and their FIFO value per variant with stock, by variant id after
    /// `after_id`; and the totals over all variants.
    pub async fn valuation(&self, after_id: i64, limit: i64) -> Result<(Vec<ValuationLine>, i64, i64), StoreError> {
        let rows = query(
            "SELECT v.id AS variant_id, v.product_id, p.name, v.sku, v.option_values, p.currency,
                    CAST(SUM(l.remaining) AS BIGINT) AS units, CAST(SUM(l.remaining * l.unit_cost) AS BIGINT) AS value
             FROM product_variants v JOIN products p ON p.id = v.product_id JOIN stock_lots l ON l.variant_id = v.id
             WHERE v.id > $1 AND l.remaining > 0
             GROUP BY v.id, v.product_id, p.name, v.sku, v.option_values, p.currency ORDER BY v.id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let lines = rows
            .iter()
            .map(|r| {
                Ok(ValuationLine {
                    product_id: r.try_get("product_id")?,
                    variant_id: r.try_get("variant_id")?,
                    name: r.try_get("name")?,
                    sku: r.try_get("sku")?,
                    option_values: emporium_domain::variant::OptionValues::decode(
                        &r.try_get::<String, _>("option_values")?,
                    ),
                    currency: r.try_get("currency")?,
                    units_on_hand: r.try_get("units")?,
                    value: r.try_get("value")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // The total value in two sums that cannot overflow (each lot's value is at most
        // 10^15): the billions and the rest, put together in an i128. Past an i64 (more
        // than 9,223 products each holding the most a product may) it reads i64::MAX,
        // as docs/API.md says; no engine error, no silent wrap.
        let totals = query(
            "SELECT CAST(COALESCE(SUM(remaining), 0) AS BIGINT) AS units,
                    CAST(COALESCE(SUM((remaining * unit_cost) / 1000000000), 0) AS BIGINT) AS high,
                    CAST(COALESCE(SUM((remaining * unit_cost) % 1000000000), 0) AS BIGINT) AS low
             FROM stock_lots",
        )
        .fetch_one(self.reader())
        .await?;
        let (high, low): (i64, i64) = (totals.try_get("high")?, totals.try_get("low")?);
        let value = i128::from(high) * 1_000_000_000 + i128::from(low);
        Ok((
            lines,
            totals.try_get("units")?,
            i64::try_from(value).unwrap_or(i64::MAX),
        ))
    }
}

/// Inserts a lot and adds its units to the variant's and the product's stock. Inside a
/// transaction; the product is locked first (the crate's lock order).
pub(crate) async fn insert_lot(
    conn: &mut Conn,
    product_id: i64,
    variant_id: i64,
    lot: &NewLot,
    now: Timestamp,
) -> Result<Lot, StoreError> {
    let updated = query("UPDATE products SET stock_available = stock_available + $1, updated_at = $2 WHERE id = $3")
        .bind(lot.quantity.get())
        .bind(now.millis())
        .bind(product_id)
        .execute(&mut *conn)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::NotFound("product"));
    }
    let updated = query(
        "UPDATE product_variants SET stock_available = stock_available + $1, updated_at = $2 WHERE id = $3 AND product_id = $4",
    )
    .bind(lot.quantity.get())
    .bind(now.millis())
    .bind(variant_id)
    .bind(product_id)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::NotFound("variant"));
    }
    let row = query(
        "INSERT INTO stock_lots (product_id, variant_id, quantity, remaining, unit_cost, received_at, note, created_at)
         VALUES ($1, $2, $3, $3, $4, $5, $6, $7) RETURNING *",
    )
    .bind(product_id)
    .bind(variant_id)
    .bind(lot.quantity.get())
    .bind(lot.unit_cost.minor())
    .bind(lot.received_at.millis())
    .bind(&lot.note)
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    record_change(conn, product_id, now).await?;
    lot_from(&row)
}

/// What a draw takes from: a variant of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockItem {
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
}

/// Draws `quantity` units of a variant, oldest lot first, recording each draw under
/// `reference` so the units can be returned. All or nothing: too little stock is
/// [`StoreError::InsufficientStock`] and, as every error, rolls the transaction back.
/// Inside a transaction.
pub async fn draw_fifo(
    conn: &mut Conn,
    stock: StockItem,
    quantity: Units,
    reference: &str,
    now: Timestamp,
) -> Result<Vec<DrawnUnits>, StoreError> {
    let StockItem { product_id, variant_id } = stock;
    let n = quantity.get();
    let reserved = query(
        "UPDATE products SET stock_available = stock_available - $1, updated_at = $2 WHERE id = $3 AND stock_available >= $1",
    )
    .bind(n)
    .bind(now.millis())
    .bind(product_id)
    .execute(&mut *conn)
    .await?;
    if reserved.rows_affected() == 0 {
        let available: Option<i64> = query_scalar("SELECT stock_available FROM products WHERE id = $1")
            .bind(product_id)
            .fetch_optional(&mut *conn)
            .await?;
        return Err(match available {
            None => StoreError::NotFound("product"),
            Some(_) => insufficient(conn, stock).await?,
        });
    }
    // The same one statement as before, answering what is left, so staff are told when
    // this draw crosses the variant's low-stock threshold without another read.
    let reserved = query(
        "UPDATE product_variants SET stock_available = stock_available - $1, updated_at = $2
         WHERE id = $3 AND product_id = $4 AND stock_available >= $1
         RETURNING stock_available, low_stock_threshold",
    )
    .bind(n)
    .bind(now.millis())
    .bind(variant_id)
    .bind(product_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(left) = reserved else {
        return Err(insufficient(conn, stock).await?);
    };
    let facts = LowStock {
        product_id,
        variant_id,
        available: left.try_get("stock_available")?,
        threshold: left.try_get("low_stock_threshold")?,
    };
    owe_low_stock_in(conn, facts, n, reference, now).await?;
    let rows = query(
        "SELECT id, remaining, unit_cost FROM stock_lots WHERE variant_id = $1 AND remaining > 0 ORDER BY received_at, id",
    )
    .bind(variant_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut lots = Vec::with_capacity(rows.len());
    for r in &rows {
        lots.push((
            LotBalance {
                lot_id: r.try_get("id")?,
                remaining: r.try_get("remaining")?,
            },
            r.try_get::<i64, _>("unit_cost")?,
        ));
    }
    let balances: Vec<LotBalance> = lots.iter().map(|(b, _)| *b).collect();
    let plan = inventory::allocate(&balances, quantity).map_err(|s| {
        StoreError::Corrupt(format!(
            "variant {variant_id}: stock_available exceeds its lots ({} in lots)",
            s.available
        ))
    })?;
    let mut drawn = Vec::with_capacity(plan.len());
    for draw in plan {
        let unit_cost = lots
            .iter()
            .find(|(b, _)| b.lot_id == draw.lot_id)
            .map_or(0, |(_, c)| *c);
        let taken = query("UPDATE stock_lots SET remaining = remaining - $1 WHERE id = $2 AND remaining >= $1")
            .bind(draw.quantity)
            .bind(draw.lot_id)
            .execute(&mut *conn)
            .await?;
        if taken.rows_affected() != 1 {
            return Err(StoreError::Corrupt(format!(
                "lot {} changed during a draw",
                draw.lot_id
            )));
        }
        query(
            "INSERT INTO stock_draws (lot_id, product_id, variant_id, quantity, unit_cost, reference, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(draw.lot_id)
        .bind(product_id)
        .bind(variant_id)
        .bind(draw.quantity)
        .bind(unit_cost)
        .bind(reference)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
        drawn.push(DrawnUnits {
            lot_id: draw.lot_id,
            quantity: draw.quantity,
            unit_cost,
        });
    }
    record_change(conn, product_id, now).await?;
    Ok(drawn)
}

/// Why a draw was refused: the variant's units on hand (or that it is not the product's).
async fn insufficient(conn: &mut Conn, stock: StockItem) -> Result<StoreError, StoreError> {
    let available: Option<i64> =
        query_scalar("SELECT stock_available FROM product_variants WHERE id = $1 AND product_id = $2")
            .bind(stock.variant_id)
            .bind(stock.product_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match available {
        None => StoreError::NotFound("variant"),
        Some(available) => StoreError::InsufficientStock {
            product_id: stock.product_id,
            variant_id: stock.variant_id,
            available,
        },
    })
}

/// Units a draw took and has not given back yet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpenDraw {
    id: i64,
    lot_id: i64,
    product_id: i64,
    variant_id: i64,
    open: i64,
}

/// The draws made under `reference` (`order_item:7`, `adjustment:3`) with units still out.
pub(crate) async fn open_draws(conn: &mut Conn, reference: &str) -> Result<Vec<OpenDraw>, StoreError> {
    let rows = query(
        "SELECT id, lot_id, product_id, variant_id, quantity - returned - written_off AS open FROM stock_draws
         WHERE reference = $1 AND returned + written_off < quantity ORDER BY lot_id, id",
    )
    .bind(reference)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OpenDraw {
                id: r.try_get("id")?,
                lot_id: r.try_get("lot_id")?,
                product_id: r.try_get("product_id")?,
                variant_id: r
                    .try_get::<Option<i64>, _>("variant_id")?
                    .ok_or_else(|| StoreError::Corrupt("a draw without a variant".into()))?,
                open: r.try_get("open")?,
            })
        })
        .collect()
}

/// What came back of one order line: `resellable` units return to the lots they were
/// drawn from (the oldest lots first), `damaged` ones are written off at the unit cost
/// of the draws they came from. Answers the cost written off. Inside a transaction;
/// refuses (as corrupt) more units than the line still has out.
pub(crate) async fn take_back_units_in(
    conn: &mut Conn,
    order_item_id: i64,
    resellable: i64,
    damaged: i64,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let open = open_draws(conn, &format!("order_item:{order_item_id}")).await?;
    let (mut back, mut to_restock, mut to_write_off, mut cost) = (Vec::new(), resellable, damaged, 0);
    for draw in open {
        let mut left = draw.open;
        let restock = left.min(to_restock);
        if restock > 0 {
            back.push(OpenDraw { open: restock, ..draw });
            to_restock -= restock;
            left -= restock;
        }
        let write_off = left.min(to_write_off);
        if write_off > 0 {
            let unit_cost: i64 =
                query_scalar("UPDATE stock_draws SET written_off = written_off + $1 WHERE id = $2 RETURNING unit_cost")
                    .bind(write_off)
                    .bind(draw.id)
                    .fetch_one(&mut *conn)
                    .await?;
            cost += write_off * unit_cost;
            to_write_off -= write_off;
        }
    }
    if to_restock > 0 || to_write_off > 0 {
        return Err(StoreError::Corrupt(format!(
            "order line {order_item_id} has fewer units out than are coming back"
        )));
    }
    return_draws(conn, back, now).await?;
    Ok(cost)
}

/// Returns units drawn under `reference` to the lots they came from and to the products'
/// stock. Answers how many units came back. Inside a transaction.
pub async fn return_drawn(conn: &mut Conn, reference: &str, now: Timestamp) -> Result<i64, StoreError> {
    let draws = open_draws(conn, reference).await?;
    return_draws(conn, draws, now).await
}

/// Returns `draws` to their lots, variants and products, taking the locks in the
/// store's one order (see the crate docs): the products by id, then the variants by id,
/// then the lots by id. A draw locks its product before anything of it too, so a
/// cancellation and a purchase of the same product never wait on each other in a cycle
/// on PostgreSQL.
pub(crate) async fn return_draws(conn: &mut Conn, mut draws: Vec<OpenDraw>, now: Timestamp) -> Result<i64, StoreError> {
    let mut per_product = std::collections::BTreeMap::<i64, i64>::new();
    let mut per_variant = std::collections::BTreeMap::<i64, i64>::new();
    for d in &draws {
        *per_product.entry(d.product_id).or_default() += d.open;
        *per_variant.entry(d.variant_id).or_default() += d.open;
    }
    for (&product_id, &units) in &per_product {
        query("UPDATE products SET stock_available = stock_available + $1, updated_at = $2 WHERE id = $3")
            .bind(units)
            .bind(now.millis())
            .bind(product_id)
            .execute(&mut *conn)
            .await?;
        record_change(conn, product_id, now).await?;
    }
    for (&variant_id, &units) in &per_variant {
        query("UPDATE product_variants SET stock_available = stock_available + $1, updated_at = $2 WHERE id = $3")
            .bind(units)
            .bind(now.millis())
            .bind(variant_id)
            .execute(&mut *conn)
            .await?;
    }
    draws.sort_by_key(|d| (d.lot_id, d.id));
    for d in &draws {
        query("UPDATE stock_lots SET remaining = remaining + $1 WHERE id = $2")
            .bind(d.open)
            .bind(d.lot_id)
            .execute(&mut *conn)
            .await?;
        query("UPDATE stock_draws SET returned = returned + $1 WHERE id = $2")
            .bind(d.open)
            .bind(d.id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(per_product.values().sum())
}
