//! Variants: one per combination of a product's option values, each with its own SKU,
//! price, weight and stock (its own FIFO lots, see [`crate::inventory`]). A product's
//! `price` and `price_max` are the range of its variants' prices, kept in the same
//! transaction as every change to them.

use emporium_domain::catalog::{ProductStatus, Sku};
use emporium_domain::money::Price;
use emporium_domain::time::Timestamp;
use emporium_domain::variant::{Barcode, OptionValues, Weight};

use crate::catalog::{Product, product_in, record_change};
use crate::db::{Conn, On, Row, query, query_scalar};
use crate::inventory::{NewLot, insert_lot};
use crate::sql::Sql;
use crate::{Store, StoreError};

/// A variant as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Primary key.
    pub id: i64,
    /// The product.
    pub product_id: i64,
    /// Stock-keeping unit, unique when present.
    pub sku: Option<String>,
    /// One value per product option, in the options' order.
    pub option_values: OptionValues,
    /// Selling price, minor units.
    pub price: i64,
    /// The struck-through "was" price (划线价), above `price`.
    pub compare_at_price: Option<i64>,
    /// Shipping weight.
    pub weight_grams: i64,
    /// EAN/UPC or the shop's own code.
    pub barcode: Option<String>,
    /// An image URL of this variant (a colour, say).
    pub image: Option<String>,
    /// `active` variants can be bought (when their product is active too).
    pub status: ProductStatus,
    /// Units on hand: the sum of this variant's lots.
    pub stock_available: i64,
    /// Where it is shown among the product's variants.
    pub position: i64,
}

macro_rules! variant_columns {
    () => {
        "id, product_id, sku, option_values, price, compare_at_price, weight_grams, barcode, image, status, stock_available, position"
    };
}

pub(crate) fn variant_from(row: &Row) -> Result<Variant, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(Variant {
        id: row.try_get("id")?,
        product_id: row.try_get("product_id")?,
        sku: row.try_get("sku")?,
        option_values: OptionValues::decode(&row.try_get::<String, _>("option_values")?),
        price: row.try_get("price")?,
        compare_at_price: row.try_get("compare_at_price")?,
        weight_grams: row.try_get("weight_grams")?,
        barcode: row.try_get("barcode")?,
        image: row.try_get("image")?,
        status: status
            .parse()
            .map_err(|()| StoreError::Corrupt(format!("variant status {status:?}")))?,
        stock_available: row.try_get("stock_available")?,
        position: row.try_get("position")?,
    })
}

/// A variant to create, already validated (its values against the product's options).
#[derive(Debug, Clone)]
pub struct NewVariant {
    /// Stock-keeping unit.
    pub sku: Option<Sku>,
    /// One value per option.
    pub option_values: OptionValues,
    /// Selling price.
    pub price: Price,
    /// "Was" price, above `price`.
    pub compare_at_price: Option<Price>,
    /// Shipping weight.
    pub weight: Weight,
    /// Barcode.
    pub barcode: Option<Barcode>,
    /// Image URL.
    pub image: Option<String>,
    /// Initial status.
    pub status: ProductStatus,
    /// A first lot received with it.
    pub initial_stock: Option<NewLot>,
}

impl NewVariant {
    /// The sole variant of a product without options.
    pub fn simple(price: Price, sku: Option<Sku>, initial_stock: Option<NewLot>) -> Self {
        Self {
            sku,
            option_values: OptionValues::none(),
            price,
            compare_at_price: None,
            weight: Weight::default(),
            barcode: None,
            image: None,
            status: ProductStatus::Active,
            initial_stock,
        }
    }
}

/// Changes to a variant; `None` leaves a field alone, `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct VariantChanges {
    /// New SKU.
    pub sku: Option<Option<Sku>>,
    /// New values (validated against the options).
    pub option_values: Option<OptionValues>,
    /// New price.
    pub price: Option<Price>,
    /// New "was" price.
    pub compare_at_price: Option<Option<Price>>,
    /// New weight.
    pub weight: Option<Weight>,
    /// New barcode.
    pub barcode: Option<Option<Barcode>>,
    /// New image.
    pub image: Option<Option<String>>,
    /// New status.
    pub status: Option<ProductStatus>,
}

impl VariantChanges {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.sku.is_none()
            && self.option_values.is_none()
            && self.price.is_none()
            && self.compare_at_price.is_none()
            && self.weight.is_none()
            && self.barcode.is_none()
            && self.image.is_none()
            && self.status.is_none()
    }
}

impl Store {
    /// Adds a variant to a product (and its first lot, if given). Answers the product.
    pub async fn add_variant(&self, product_id: i64, new: NewVariant, now: Timestamp) -> Result<Product, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let count: i64 = query_scalar("SELECT COUNT(*) FROM product_variants WHERE product_id = $1")
                    .bind(product_id)
                    .fetch_one(&mut *conn)
                    .await?;
                if count >= emporium_domain::variant::MAX_VARIANTS as i64 {
                    return Err(StoreError::LimitReached("a product has at most 100 variants"));
                }
                lock_product(conn, product_id, now).await?;
                insert_variant_in(conn, product_id, &new, count, now).await?;
                refresh_price_range_in(conn, product_id).await?;
                record_change(conn, product_id, now).await?;
                product_in(conn, product_id).await
            })
        })
        .await
    }

    /// Changes a variant of a product. Answers the product.
    pub async fn update_variant(
        &self,
        product_id: i64,
        variant_id: i64,
        changes: VariantChanges,
        now: Timestamp,
    ) -> Result<Product, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                lock_product(conn, product_id, now).await?;
                update_variant_in(conn, product_id, variant_id, &changes, now).await?;
                refresh_price_range_in(conn, product_id).await?;
                record_change(conn, product_id, now).await?;
                product_in(conn, product_id).await
            })
        })
        .await
    }

    /// Withdraws a variant from sale (it stays in past orders, with its lots); it leaves
    /// every cart. The product's last variant on sale cannot go: archive the product.
    pub async fn archive_variant(
        &self,
        product_id: i64,
        variant_id: i64,
        now: Timestamp,
    ) -> Result<Product, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                lock_product(conn, product_id, now).await?;
                let others: i64 = query_scalar(
                    "SELECT COUNT(*) FROM product_variants WHERE product_id = $1 AND id <> $2 AND status = 'active'",
                )
                .bind(product_id)
                .bind(variant_id)
                .fetch_one(&mut *conn)
                .await?;
                if others == 0 {
                    return Err(StoreError::LastVariant);
                }
                let changes = VariantChanges {
                    status: Some(ProductStatus::Archived),
                    ..VariantChanges::default()
                };
                update_variant_in(conn, product_id, variant_id, &changes, now).await?;
                query("DELETE FROM cart_lines WHERE variant_id = $1")
                    .bind(variant_id)
                    .execute(&mut *conn)
                    .await?;
                refresh_price_range_in(conn, product_id).await?;
                record_change(conn, product_id, now).await?;
                product_in(conn, product_id).await
            })
        })
        .await
    }
}

/// Takes the product's row lock (the store's lock order starts with products, see the
/// crate docs) and answers `NotFound` for an unknown product.
async fn lock_product(conn: &mut Conn, product_id: i64, now: Timestamp) -> Result<(), StoreError> {
    let done = query("UPDATE products SET updated_at = $1 WHERE id = $2")
        .bind(now.millis())
        .bind(product_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("product"));
    }
    Ok(())
}

/// Inserts a variant (and its first lot). Inside a transaction holding the product.
pub(crate) async fn insert_variant_in(
    conn: &mut Conn,
    product_id: i64,
    new: &NewVariant,
    position: i64,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let id: i64 = query_scalar(
        "INSERT INTO product_variants (product_id, sku, option_values, price, compare_at_price, weight_grams, barcode, image, status, position, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(product_id)
    .bind(new.sku.as_ref().map(Sku::as_str))
    .bind(new.option_values.encode())
    .bind(new.price.minor())
    .bind(new.compare_at_price.map(Price::minor))
    .bind(new.weight.grams())
    .bind(new.barcode.as_ref().map(Barcode::as_str))
    .bind(new.image.as_deref())
    .bind(new.status.as_str())
    .bind(position)
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await
    .map_err(variant_taken)?;
    if let Some(lot) = &new.initial_stock {
        insert_lot(conn, product_id, id, lot, now).await?;
    }
    Ok(id)
}

/// Applies changes to a variant of `product_id`. Inside a transaction holding the product.
pub(crate) async fn update_variant_in(
    conn: &mut Conn,
    product_id: i64,
    variant_id: i64,
    c: &VariantChanges,
    now: Timestamp,
) -> Result<(), StoreError> {
    fn flag<T>(v: &Option<T>) -> i64 {
        i64::from(v.is_some())
    }
    // Each field is "keep" (flag 0) or "set" (flag 1), as in `update_product`.
    let done = query(
        "UPDATE product_variants SET
            sku              = CASE WHEN $1 = 1 THEN $2 ELSE sku END,
            option_values    = CASE WHEN $3 = 1 THEN $4 ELSE option_values END,
            price            = CASE WHEN $5 = 1 THEN $6 ELSE price END,
            compare_at_price = CASE WHEN $7 = 1 THEN $8 ELSE compare_at_price END,
            weight_grams     = CASE WHEN $9 = 1 THEN $10 ELSE weight_grams END,
            barcode          = CASE WHEN $11 = 1 THEN $12 ELSE barcode END,
            image            = CASE WHEN $13 = 1 THEN $14 ELSE image END,
            status           = CASE WHEN $15 = 1 THEN $16 ELSE status END,
            updated_at       = $17
         WHERE id = $18 AND product_id = $19",
    )
    .bind(flag(&c.sku))
    .bind(c.sku.as_ref().and_then(|s| s.as_ref().map(|s| s.as_str().to_owned())))
    .bind(flag(&c.option_values))
    .bind(c.option_values.as_ref().map(OptionValues::encode))
    .bind(flag(&c.price))
    .bind(c.price.map(Price::minor))
    .bind(flag(&c.compare_at_price))
    .bind(c.compare_at_price.flatten().map(Price::minor))
    .bind(flag(&c.weight))
    .bind(c.weight.map(Weight::grams))
    .bind(flag(&c.barcode))
    .bind(
        c.barcode
            .as_ref()
            .and_then(|b| b.as_ref().map(|b| b.as_str().to_owned())),
    )
    .bind(flag(&c.image))
    .bind(c.image.clone().flatten())
    .bind(flag(&c.status))
    .bind(c.status.map(ProductStatus::as_str))
    .bind(now.millis())
    .bind(variant_id)
    .bind(product_id)
    .execute(&mut *conn)
    .await
    .map_err(variant_taken)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("variant"));
    }
    if c.status.is_some_and(|s| s != ProductStatus::Active) {
        query("DELETE FROM cart_lines WHERE variant_id = $1")
            .bind(variant_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Sets the product's `price` and `price_max` to the range of its variants on sale (of
/// all its variants when none is on sale).
pub(crate) async fn refresh_price_range_in(conn: &mut Conn, product_id: i64) -> Result<(), StoreError> {
    query(
        "UPDATE products SET
            price = COALESCE(
                (SELECT MIN(price) FROM product_variants WHERE product_id = $1 AND status = 'active'),
                (SELECT MIN(price) FROM product_variants WHERE product_id = $1), price),
            price_max = COALESCE(
                (SELECT MAX(price) FROM product_variants WHERE product_id = $1 AND status = 'active'),
                (SELECT MAX(price) FROM product_variants WHERE product_id = $1), price_max)
         WHERE id = $1",
    )
    .bind(product_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Fills in each product's variants, in their shown order: one query for any number of
/// products.
pub(crate) async fn attach_variants<'a>(on: impl Into<On<'a>>, products: &mut [Product]) -> Result<(), StoreError> {
    if products.is_empty() {
        return Ok(());
    }
    let on = on.into();
    let mut sql = Sql::new(concat!(
        "SELECT ",
        variant_columns!(),
        " FROM product_variants WHERE product_id IN "
    ));
    sql.bind_list(products.iter().map(|p| p.id));
    sql.push(" ORDER BY product_id, position, id");
    let rows = sql.build().fetch_all(on).await?;
    for p in products.iter_mut() {
        p.variants.clear();
    }
    for row in &rows {
        let v = variant_from(row)?;
        if let Some(p) = products.iter_mut().find(|p| p.id == v.product_id) {
            p.variants.push(v);
        }
    }
    Ok(())
}

fn variant_taken(e: sqlx::Error) -> StoreError {
    match StoreError::from(e) {
        StoreError::Database(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            // SQLite names the columns, PostgreSQL the constraint; both mention `sku` for
            // the SKU's index only.
            if d.message().contains("sku") || d.constraint().is_some_and(|c| c.contains("sku")) {
                StoreError::SkuTaken
            } else {
                StoreError::CombinationTaken
            }
        }
        e => e,
    }
}
