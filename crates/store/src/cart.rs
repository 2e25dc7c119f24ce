//! The cart: a customer's wanted units per variant, kept until they order or change it.

use emporium_domain::order::{self, CartQuantity};
use emporium_domain::pricing::CartItem;
use emporium_domain::time::Timestamp;
use emporium_domain::variant::{OptionValues, ProductOptions};

use crate::db::{Conn, Row, query, query_scalar};
use crate::{Store, StoreError};

/// A cart line with the variant as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct CartLine {
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// The product's name now.
    pub name: String,
    /// The variant's SKU.
    pub sku: Option<String>,
    /// The variant's option values as `(option, value)` pairs.
    pub options: Vec<(String, String)>,
    /// The variant's price now.
    pub unit_price: i64,
    /// Its currency.
    pub currency: String,
    /// Units wanted.
    pub quantity: i64,
    /// The variant's units on hand now.
    pub stock_available: i64,
    /// The product's category (promotions and tax rates may target it).
    pub category_id: Option<i64>,
    /// The variant's shipping weight, grams.
    pub weight_grams: i64,
}

impl CartLine {
    /// The line as pricing sees it.
    pub fn as_item(&self) -> CartItem<'_> {
        CartItem {
            product_id: self.product_id,
            variant_id: self.variant_id,
            unit_price: self.unit_price,
            currency: &self.currency,
            quantity: self.quantity,
            stock_available: self.stock_available,
        }
    }
}

/// The query for a cart's lines of variants on sale, in the order given: one text per
/// order, fixed at compile time (queries are `&'static str`, and stay prepared).
macro_rules! cart_lines_ordered_by {
    ($order:literal) => {
        concat!(
            "SELECT c.product_id, c.variant_id, c.quantity, p.name, p.options, v.sku, v.option_values, v.price,
                    p.currency, v.stock_available, p.category_id, v.weight_grams
             FROM cart_lines c JOIN products p ON p.id = c.product_id JOIN product_variants v ON v.id = c.variant_id
             WHERE c.user_id = $1 AND p.status = 'active' AND v.status = 'active' ORDER BY ",
            $order
        )
    };
}

fn cart_line_from(r: &Row) -> Result<CartLine, StoreError> {
    let options = ProductOptions::decode(&r.try_get::<String, _>("options")?);
    let values = OptionValues::decode(&r.try_get::<String, _>("option_values")?);
    Ok(CartLine {
        product_id: r.try_get("product_id")?,
        variant_id: r.try_get("variant_id")?,
        name: r.try_get("name")?,
        sku: r.try_get("sku")?,
        options: options.describe(&values),
        unit_price: r.try_get("price")?,
        currency: r.try_get("currency")?,
        quantity: r.try_get("quantity")?,
        stock_available: r.try_get("stock_available")?,
        category_id: r.try_get("category_id")?,
        weight_grams: r.try_get("weight_grams")?,
    })
}

impl Store {
    /// How many units the user's cart holds (the header's cart count, on every page: a
    /// point read of the user's few lines by their key).
    pub async fn cart_units(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(
            query_scalar("SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM cart_lines WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(self.point())
                .await?,
        )
    }

    /// The user's cart: active products only, oldest line first. A point read: at most
    /// 100 lines found by the user's key, each joined to its product and variant by theirs.
    pub async fn cart(&self, user_id: i64) -> Result<Vec<CartLine>, StoreError> {
        let rows = query(cart_lines_ordered_by!("c.added_at, c.variant_id"))
            .bind(user_id)
            .fetch_all(self.point())
            .await?;
        rows.iter().map(cart_line_from).collect()
    }

    /// Sets a cart line's quantity (`None` removes it). The variant and its product must
    /// be for sale.
    pub async fn set_cart_item(
        &self,
        user_id: i64,
        variant_id: i64,
        quantity: Option<CartQuantity>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(move |conn| Box::pin(set_cart_item_in(conn, user_id, variant_id, quantity, now)))
            .await
    }

    /// Removes every line of a product (all its variants) from the user's cart.
    pub async fn remove_product_from_cart(&self, user_id: i64, product_id: i64) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                query("DELETE FROM cart_lines WHERE user_id = $1 AND product_id = $2")
                    .bind(user_id)
                    .bind(product_id)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Empties the user's cart.
    pub async fn clear_cart(&self, user_id: i64) -> Result<(), StoreError> {
        self.write(move |conn| Box::pin(clear_cart_in(conn, user_id))).await
    }
}

async fn set_cart_item_in(
    conn: &mut Conn,
    user_id: i64,
    variant_id: i64,
    quantity: Option<CartQuantity>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(quantity) = quantity else {
        query("DELETE FROM cart_lines WHERE user_id = $1 AND variant_id = $2")
            .bind(user_id)
            .bind(variant_id)
            .execute(&mut *conn)
            .await?;
        return Ok(());
    };
    // The variant's and its product's states and the cart's other lines, in one statement.
    let row = query(
        "SELECT v.product_id, v.status AS variant_status, p.status,
                (SELECT COUNT(*) FROM cart_lines WHERE user_id = $1 AND variant_id <> $2) AS other_lines
         FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.id = $2",
    )
    .bind(user_id)
    .bind(variant_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("variant"))?;
    let product_id: i64 = row.try_get("product_id")?;
    if row.try_get::<String, _>("status")? != "active" || row.try_get::<String, _>("variant_status")? != "active" {
        return Err(StoreError::ProductUnavailable(product_id));
    }
    if row.try_get::<i64, _>("other_lines")? >= order::MAX_CART_LINES {
        return Err(StoreError::LimitReached("a cart holds at most 100 lines"));
    }
    query(
        "INSERT INTO cart_lines (user_id, variant_id, product_id, quantity, added_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, variant_id) DO UPDATE SET quantity = excluded.quantity",
    )
    .bind(user_id)
    .bind(variant_id)
    .bind(product_id)
    .bind(quantity.get())
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Empties a cart inside a transaction (after an order took its lines, say).
pub(crate) async fn clear_cart_in(conn: &mut Conn, user_id: i64) -> Result<(), StoreError> {
    query("DELETE FROM cart_lines WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The cart's lines inside a transaction, in (product, variant) order: the order in
/// which an order draws them, so concurrent orders lock products in one order on
/// PostgreSQL and two carts sharing products cannot deadlock.
pub(crate) async fn cart_lines_in(conn: &mut Conn, user_id: i64) -> Result<Vec<CartLine>, StoreError> {
    let rows = query(cart_lines_ordered_by!("c.product_id, c.variant_id"))
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(cart_line_from).collect()
}
