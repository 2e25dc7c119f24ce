//! The catalogue: products, their listing with filters, sorts and keyset pagination,
//! categories, and the change feed search indexes follow.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::db::{Conn, Row, query, query_scalar};
use emporium_domain::catalog::{CategoryName, Description, Image, Images, ProductName, ProductStatus};
use emporium_domain::money::Currency;
use emporium_domain::time::Timestamp;
use emporium_domain::translation::ProductTranslations;
use emporium_domain::variant::ProductOptions;

use crate::categories::category_named;
use crate::db::Value;
use crate::inventory::NewLot;
use crate::sql::Sql;
use crate::variants::{
    NewVariant, Variant, VariantChanges, attach_variants, insert_variant_in, refresh_price_range_in, update_variant_in,
};
use crate::{Store, StoreError};

/// A product as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// Primary key.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Long text.
    pub description: String,
    /// The lowest price among its variants on sale, minor units (listings sort and
    /// filter by it).
    pub price: i64,
    /// The highest.
    pub price_max: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Its category's name, if any.
    pub category: Option<String>,
    /// Its category (it appears under the category's ancestors too).
    pub category_id: Option<i64>,
    /// Its images with their alt text, in their shown order.
    pub images: Vec<Image>,
    /// Where it is in its life.
    pub status: ProductStatus,
    /// Its options (none for a simple product).
    pub options: ProductOptions,
    /// Its variants, in their shown order (exactly one for a product without options).
    pub variants: Vec<Variant>,
    /// Its name, description, option names and values in other languages (shared with
    /// the product cache: a cached read clones a pointer, not the texts).
    pub translations: Arc<ProductTranslations>,
    /// Units on hand, over all its variants.
    pub stock_available: i64,
    /// Mean review rating, 0 when unrated.
    pub rating_average: f64,
    /// Number of counted reviews.
    pub rating_count: i64,
    /// The average × 1000 as stored: the key the rating sort uses.
    pub rating_milli: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Product {
    /// The variant with this id.
    pub fn variant(&self, id: i64) -> Option<&Variant> {
        self.variants.iter().find(|v| v.id == id)
    }

    /// The one variant of a product that has exactly one.
    pub fn sole_variant(&self) -> Option<&Variant> {
        match self.variants.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }
}

/// A product's columns, and its translations packed into one text (see
/// [`ProductTranslations::from_packed_rows`]): a subquery in the same statement rather than
/// a statement of its own, which cost a product read that missed the cache a quarter of
/// its throughput (BENCHMARKS.md, round eight). `string_agg` is in both engines (SQLite
/// since 3.44).
macro_rules! product_columns {
    () => {
        "id, name, description, price, price_max, currency, category, category_id, images, status, options, \
         stock_available, rating_sum, rating_count, rating_milli, created_at, updated_at, \
         (SELECT string_agg(t.locale || '\x1f' || t.field || '\x1f' || t.value, '\x1e') FROM translations t \
          WHERE t.subject = 'product' AND t.subject_id = products.id) AS translations"
    };
}

fn product_from(row: &Row) -> Result<Product, StoreError> {
    let images: String = row.try_get("images")?;
    let status: String = row.try_get("status")?;
    let rating_sum: i64 = row.try_get("rating_sum")?;
    let rating_count: i64 = row.try_get("rating_count")?;
    Ok(Product {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        price: row.try_get("price")?,
        price_max: row.try_get("price_max")?,
        currency: row.try_get("currency")?,
        category: row.try_get("category")?,
        category_id: row.try_get("category_id")?,
        images: Images::decode(&images),
        status: status
            .parse()
            .map_err(|()| StoreError::Corrupt(format!("product status {status:?}")))?,
        options: ProductOptions::decode(&row.try_get::<String, _>("options")?),
        // Filled in by `attach_variants`.
        variants: Vec::new(),
        translations: Arc::new(
            row.try_get::<Option<String>, _>("translations")?
                .map(|packed| ProductTranslations::from_packed_rows(&packed))
                .unwrap_or_default(),
        ),
        stock_available: row.try_get("stock_available")?,
        rating_average: if rating_count > 0 {
            rating_sum as f64 / rating_count as f64
        } else {
            0.0
        },
        rating_count,
        rating_milli: row.try_get("rating_milli")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        updated_at: Timestamp::from_millis(row.try_get("updated_at")?),
    })
}

/// A product to create, already validated.
#[derive(Debug, Clone)]
pub struct NewProduct {
    /// Display name.
    pub name: ProductName,
    /// Long text.
    pub description: Description,
    /// Currency of the prices.
    pub currency: Currency,
    /// Category.
    pub category: Option<CategoryName>,
    /// Images with their alt text.
    pub images: Images,
    /// Initial status.
    pub status: ProductStatus,
    /// Its options (none for a simple product).
    pub options: ProductOptions,
    /// Its variants, at least one, checked against the options and each other
    /// (`emporium_domain::variant::check_variant_set`).
    pub variants: Vec<NewVariant>,
    /// Its texts in other languages, checked against the options.
    pub translations: ProductTranslations,
}

/// Changes to a product; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ProductChanges {
    /// New name.
    pub name: Option<ProductName>,
    /// New description.
    pub description: Option<Description>,
    /// New currency.
    pub currency: Option<Currency>,
    /// New category (`Some(None)` clears it).
    pub category: Option<Option<CategoryName>>,
    /// New images.
    pub images: Option<Images>,
    /// New status.
    pub status: Option<ProductStatus>,
    /// New options (every variant's values already checked against them).
    pub options: Option<ProductOptions>,
    /// Changes to one variant (the sole one, when the product-level price or SKU changes),
    /// in the same transaction.
    pub variant: Option<(i64, VariantChanges)>,
    /// New translations, replacing all of them.
    pub translations: Option<ProductTranslations>,
}

/// How a listing is ordered. Every order ends in the id, so it is total and keyset
/// pagination never repeats or skips a product that keeps its sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductOrder {
    /// Newest first.
    #[default]
    Newest,
    /// Cheapest first.
    PriceAsc,
    /// Dearest first.
    PriceDesc,
    /// Best rated first.
    Rating,
}

impl ProductOrder {
    /// The sort key of `p` under this order, as the cursor carries it.
    pub fn key_of(self, p: &Product) -> i64 {
        match self {
            Self::Newest => p.created_at.millis(),
            Self::PriceAsc | Self::PriceDesc => p.price,
            Self::Rating => p.rating_milli,
        }
    }
}

/// Which products a listing holds.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Only this status (customers: always `Active`); `None` means every status.
    pub status: Option<ProductStatus>,
    /// Only these categories (a category and its descendants).
    pub category_ids: Option<Vec<i64>>,
    /// Price at least this.
    pub min_price: Option<i64>,
    /// Price at most this.
    pub max_price: Option<i64>,
}

/// One entry of the product change feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductChange {
    /// Position in the feed.
    pub seq: i64,
    /// The product that changed.
    pub product_id: i64,
}

impl Store {
    /// Creates a product (and its first lot, if given) in one transaction.
    pub async fn create_product(&self, new: NewProduct, now: Timestamp) -> Result<Product, StoreError> {
        let out = self.write(move |conn| {
            Box::pin(async move {
                // The price range starts at the first variant's price and is set from
                // all of them below.
                let first_price = new.variants.first().map_or(1, |v| v.price.minor());
                let category_id = match &new.category {
                    Some(name) => Some(category_named(conn, name, now).await?),
                    None => None,
                };
                let id: i64 = query_scalar(
                    "INSERT INTO products (name, description, price, price_max, currency, category, category_id, images, status, options, created_at, updated_at)
                     VALUES ($1, $2, $3, $3, $4, $5, $10, $6, $7, $8, $9, $9) RETURNING id",
                )
                .bind(new.name.as_str())
                .bind(new.description.as_str())
                .bind(first_price)
                .bind(new.currency.code())
                .bind(new.category.as_ref().map(CategoryName::as_str))
                .bind(Images::encode(new.images.as_slice()))
                .bind(new.status.as_str())
                .bind(new.options.encode())
                .bind(now.millis())
                .bind(category_id)
                .fetch_one(&mut *conn)
                .await?;
                for (position, variant) in new.variants.iter().enumerate() {
                    insert_variant_in(conn, id, variant, position as i64, now).await?;
                }
                write_translations(conn, id, &new.translations).await?;
                refresh_price_range_in(conn, id).await?;
                record_change(conn, id, now).await?;
                product_in(conn, id).await
            })
        })
        .await;
        // Product counts per category follow status and category changes.
        self.categories.clear();
        self.forget_labels();
        out
    }

    /// Applies changes to a product.
    pub async fn update_product(
        &self,
        id: i64,
        changes: ProductChanges,
        now: Timestamp,
    ) -> Result<Product, StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    // Each field is "keep" (flag 0) or "set" (flag 1), so one statement serves
                    // every combination of changed fields.
                    fn flag<T>(v: &Option<T>) -> i64 {
                        i64::from(v.is_some())
                    }
                    let c = &changes;
                    let category_id = match &c.category {
                        Some(Some(name)) => Some(category_named(conn, name, now).await?),
                        _ => None,
                    };
                    let done = query(
                        "UPDATE products SET
                        name        = CASE WHEN $1 = 1 THEN $2 ELSE name END,
                        description = CASE WHEN $3 = 1 THEN $4 ELSE description END,
                        options     = CASE WHEN $5 = 1 THEN $6 ELSE options END,
                        currency    = CASE WHEN $7 = 1 THEN $8 ELSE currency END,
                        category    = CASE WHEN $9 = 1 THEN $10 ELSE category END,
                        category_id = CASE WHEN $11 = 1 THEN $12 ELSE category_id END,
                        images      = CASE WHEN $13 = 1 THEN $14 ELSE images END,
                        status      = CASE WHEN $15 = 1 THEN $16 ELSE status END,
                        updated_at  = $17
                     WHERE id = $18",
                    )
                    .bind(flag(&c.name))
                    .bind(c.name.as_ref().map(|v| v.as_str().to_owned()))
                    .bind(flag(&c.description))
                    .bind(c.description.as_ref().map(|v| v.as_str().to_owned()))
                    .bind(flag(&c.options))
                    .bind(c.options.as_ref().map(ProductOptions::encode))
                    .bind(flag(&c.currency))
                    .bind(c.currency.map(Currency::code))
                    .bind(flag(&c.category))
                    .bind(
                        c.category
                            .as_ref()
                            .and_then(|v| v.as_ref().map(|v| v.as_str().to_owned())),
                    )
                    .bind(flag(&c.category))
                    .bind(category_id)
                    .bind(flag(&c.images))
                    .bind(c.images.as_ref().map(|v| Images::encode(v.as_slice())))
                    .bind(flag(&c.status))
                    .bind(c.status.map(ProductStatus::as_str))
                    .bind(now.millis())
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound("product"));
                    }
                    if let Some((variant_id, changes)) = &c.variant {
                        update_variant_in(conn, id, *variant_id, changes, now).await?;
                        refresh_price_range_in(conn, id).await?;
                    }
                    if let Some(translations) = &c.translations {
                        query("DELETE FROM translations WHERE subject = 'product' AND subject_id = $1")
                            .bind(id)
                            .execute(&mut *conn)
                            .await?;
                        write_translations(conn, id, translations).await?;
                    }
                    record_change(conn, id, now).await?;
                    product_in(conn, id).await
                })
            })
            .await;
        // Product counts per category follow status and category changes.
        self.categories.clear();
        self.forget_labels();
        out
    }

    /// The product with this id, whatever its status.
    pub async fn product(&self, id: i64) -> Result<Option<Product>, StoreError> {
        if let Some(p) = self.products.get(id) {
            return Ok(Some(p));
        }
        let ticket = self.products.ticket();
        let row = query(concat!("SELECT ", product_columns!(), " FROM products WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.point())
            .await?;
        let mut product = row.as_ref().map(product_from).transpose()?;
        if let Some(p) = &mut product {
            attach_variants(self.point(), std::slice::from_mut(p)).await?;
        }
        self.products.offer(ticket, &product);
        Ok(product)
    }

    /// Forgets cached copies of these products: another instance changed them (the search
    /// follower calls this for every entry it reads from the change feed).
    pub fn forget_products(&self, ids: &[i64]) {
        self.products.forget(ids);
    }

    /// The products with these ids, in the order given (missing ids are skipped).
    pub async fn products_by_ids(&self, ids: &[i64]) -> Result<Vec<Product>, StoreError> {
        let mut found: Vec<Product> = Vec::with_capacity(ids.len());
        let mut missing: Vec<i64> = Vec::new();
        for &id in ids {
            match self.products.get(id) {
                Some(p) => found.push(p),
                None => missing.push(id),
            }
        }
        if !missing.is_empty() {
            let ticket = self.products.ticket();
            let mut sql = Sql::new(concat!("SELECT ", product_columns!(), " FROM products WHERE id IN "));
            sql.bind_list(missing.iter().copied());
            let rows = sql.build().fetch_all(self.point()).await?;
            let mut read: Vec<Product> = rows.iter().map(product_from).collect::<Result<_, _>>()?;
            attach_variants(self.point(), &mut read).await?;
            self.products.offer(ticket, &read);
            found.extend(read);
            found.sort_by_key(|p| ids.iter().position(|id| *id == p.id));
        }
        Ok(found)
    }

    /// One page of products: those after `after` (a `(sort key, id)` from the previous
    /// page's last product) in `order`, at most `limit`.
    pub async fn list_products(
        &self,
        filter: &ProductFilter,
        order: ProductOrder,
        after: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<Product>, StoreError> {
        // The first pages of the usual listings are read far more often than the
        // catalogue changes; a page is kept until any product changes.
        let key = format!("{filter:?}|{order:?}|{after:?}|{limit}");
        if let Some(page) = self.products.page(&key) {
            let cached: Option<Vec<Product>> = page.iter().map(|id| self.products.get(*id)).collect();
            if let Some(products) = cached {
                return Ok(products);
            }
        }
        let ticket = self.products.ticket();
        let mut sql = Sql::new(concat!("SELECT ", product_columns!(), " FROM products WHERE 1 = 1"));
        if let Some(status) = filter.status {
            sql.push(" AND status = ").bind(Value::Text(status.as_str().into()));
        }
        if let Some(ids) = &filter.category_ids {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            sql.push(" AND category_id IN ").bind_list(ids.iter().copied());
        }
        if let Some(min) = filter.min_price {
            sql.push(" AND price >= ").bind(Value::Int(min));
        }
        if let Some(max) = filter.max_price {
            sql.push(" AND price <= ").bind(Value::Int(max));
        }
        let (column, descending) = match order {
            ProductOrder::Newest => ("created_at", true),
            ProductOrder::PriceAsc => ("price", false),
            ProductOrder::PriceDesc => ("price", true),
            ProductOrder::Rating => ("rating_milli", true),
        };
        if let Some((key, id)) = after {
            // Row values compare lexicographically on both engines and use the index.
            sql.push(" AND (")
                .push(column)
                .push(", id)")
                .push(if descending { " < (" } else { " > (" });
            sql.bind(Value::Int(key)).push(", ").bind(Value::Int(id)).push(")");
        }
        sql.push(" ORDER BY ")
            .push(column)
            .push(if descending { " DESC, id DESC" } else { " ASC, id ASC" });
        sql.push(" LIMIT ").bind(Value::Int(limit));
        let rows = sql.build().fetch_all(self.reader()).await?;
        let mut products: Vec<Product> = rows.iter().map(product_from).collect::<Result<_, _>>()?;
        attach_variants(self.reader(), &mut products).await?;
        self.products.offer(ticket, &products);
        self.products
            .offer_page(ticket, key, products.iter().map(|p| p.id).collect());
        Ok(products)
    }

    /// Products in id order after `after_id`, for rebuilding derived data (the search
    /// index) page by page.
    pub async fn products_after(&self, after_id: i64, limit: i64) -> Result<Vec<Product>, StoreError> {
        let rows = query(concat!(
            "SELECT ",
            product_columns!(),
            " FROM products WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(after_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let mut products: Vec<Product> = rows.iter().map(product_from).collect::<Result<_, _>>()?;
        attach_variants(self.reader(), &mut products).await?;
        Ok(products)
    }

    /// Feed entries after `seq`, oldest first.
    pub async fn product_changes_after(&self, seq: i64, limit: i64) -> Result<Vec<ProductChange>, StoreError> {
        let rows = query("SELECT seq, product_id FROM product_changes WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(seq)
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ProductChange {
                    seq: r.try_get("seq")?,
                    product_id: r.try_get("product_id")?,
                })
            })
            .collect()
    }

    /// The newest feed position (0 when empty).
    pub async fn last_product_change(&self) -> Result<i64, StoreError> {
        let seq: Option<i64> = query_scalar("SELECT MAX(seq) FROM product_changes")
            .fetch_one(self.reader())
            .await?;
        Ok(seq.unwrap_or(0))
    }

    /// Forgets feed entries older than `before` (every follower has long applied them).
    pub async fn prune_product_changes(&self, before: Timestamp) -> Result<u64, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                // Keep the newest entry so positions never go backwards on SQLite.
                let done = query(
                    "DELETE FROM product_changes WHERE changed_at < $1 AND seq < (SELECT MAX(seq) FROM product_changes)",
                )
                .bind(before.millis())
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected())
            })
        })
        .await
    }

    /// A named setting, set to `candidate` if it has none yet. Every instance sharing the
    /// database gets the same value (used for signing secrets).
    pub async fn setting_or_insert(&self, key: &str, candidate: String) -> Result<String, StoreError> {
        let key = key.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind(&key)
                    .bind(&candidate)
                    .execute(&mut *conn)
                    .await?;
                let value: String = query_scalar("SELECT value FROM settings WHERE key = $1")
                    .bind(&key)
                    .fetch_one(&mut *conn)
                    .await?;
                Ok(value)
            })
        })
        .await
    }

    /// A named setting's value, if it has one (a point read by its key).
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(self.point())
            .await?)
    }

    /// Sets a named setting (`None` removes it).
    pub async fn put_setting(&self, key: &str, value: Option<String>) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                match value {
                    Some(value) => {
                        query(
                            "INSERT INTO settings (key, value) VALUES ($1, $2)
                             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        )
                        .bind(&key)
                        .bind(&value)
                        .execute(&mut *conn)
                        .await?;
                    }
                    None => {
                        query("DELETE FROM settings WHERE key = $1")
                            .bind(&key)
                            .execute(&mut *conn)
                            .await?;
                    }
                }
                Ok(())
            })
        })
        .await
    }
}

/// Appends to the change feed; call inside every transaction that changes a product.
pub(crate) async fn record_change(conn: &mut Conn, product_id: i64, now: Timestamp) -> Result<(), StoreError> {
    crate::product_cache::note_changed(product_id);
    query("INSERT INTO product_changes (product_id, changed_at) VALUES ($1, $2)")
        .bind(product_id)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Reads a product inside a transaction.
pub(crate) async fn product_in(conn: &mut Conn, id: i64) -> Result<Product, StoreError> {
    let row = query(concat!("SELECT ", product_columns!(), " FROM products WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("product"))?;
    let mut product = product_from(&row)?;
    attach_variants(&mut *conn, std::slice::from_mut(&mut product)).await?;
    Ok(product)
}

/// The shop's labels for option names and values in one locale: for each original, the
/// translation most products give it. Facet filters span products, so they show these.
#[derive(Debug, Default)]
pub struct OptionLabels {
    options: HashMap<String, String>,
    values: HashMap<(String, String), String>,
}

impl OptionLabels {
    /// An option's label (the name itself when untranslated).
    pub fn option<'a>(&'a self, name: &'a str) -> &'a str {
        self.options.get(name).map_or(name, String::as_str)
    }

    /// A value's label.
    pub fn value<'a>(&'a self, option: &str, value: &'a str) -> &'a str {
        self.values
            .get(&(option.to_owned(), value.to_owned()))
            .map_or(value, String::as_str)
    }
}

/// How long labels are reused: a relabelled option shows within this (at once on the
/// instance that made the change).
const LABELS_FOR: Duration = Duration::from_secs(60);

/// [`OptionLabels`] per locale, read at most once per [`LABELS_FOR`].
#[derive(Debug, Default)]
pub(crate) struct LabelCache(Mutex<HashMap<String, (Instant, Arc<OptionLabels>)>>);

impl Store {
    /// The shop's option labels in `locale` (a tag).
    pub async fn option_labels(&self, locale: &str) -> Result<Arc<OptionLabels>, StoreError> {
        if let Some((at, labels)) = self.labels.0.lock().unwrap_or_else(PoisonError::into_inner).get(locale)
            && at.elapsed() < LABELS_FOR
        {
            return Ok(labels.clone());
        }
        let rows = query(
            "SELECT field, value, COUNT(*) AS uses FROM translations
             WHERE subject = 'product' AND locale = $1 AND (field LIKE 'option%' OR field LIKE 'value%')
             GROUP BY field, value",
        )
        .bind(locale)
        .fetch_all(self.reader())
        .await?;
        let mut best: HashMap<String, (i64, String)> = HashMap::new();
        for row in &rows {
            let (field, value, uses): (String, String, i64) =
                (row.try_get("field")?, row.try_get("value")?, row.try_get("uses")?);
            let entry = best.entry(field).or_insert((0, String::new()));
            if uses > entry.0 || (uses == entry.0 && value < entry.1) {
                *entry = (uses, value);
            }
        }
        let mut labels = OptionLabels::default();
        for (field, (_, label)) in best {
            let mut parts = field.split('\t');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("option"), Some(option), None) => {
                    labels.options.insert(option.to_owned(), label);
                }
                (Some("value"), Some(option), Some(value)) => {
                    labels.values.insert((option.to_owned(), value.to_owned()), label);
                }
                _ => {}
            }
        }
        let labels = Arc::new(labels);
        self.labels
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(locale.to_owned(), (Instant::now(), labels.clone()));
        Ok(labels)
    }

    /// Forgets the option labels (after a product write).
    fn forget_labels(&self) {
        self.labels.0.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// Writes a product's translations (one row per translated field).
async fn write_translations(conn: &mut Conn, id: i64, t: &ProductTranslations) -> Result<(), StoreError> {
    let rows = t.rows();
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("INSERT INTO translations (subject, subject_id, locale, field, value) VALUES ");
    for (i, (locale, field, value)) in rows.into_iter().enumerate() {
        sql.push(if i == 0 { "" } else { ", " });
        sql.bind_tuple([
            Value::Text("product".into()),
            Value::Int(id),
            Value::Text(locale.into()),
            Value::Text(field),
            Value::Text(value),
        ]);
    }
    sql.build().execute(&mut *conn).await?;
    Ok(())
}

/// A product to import with the lots it arrives in. Imports are keyed by SKU.
#[derive(Debug, Clone)]
pub struct ImportProduct {
    /// The product; every variant's `sku` must be set and its `initial_stock` is ignored.
    pub product: NewProduct,
    /// The lots of each variant, by the variant's index in `product.variants`.
    pub lots: Vec<Vec<NewLot>>,
}

impl Store {
    /// Inserts many products, their variants and lots in one transaction, with multi-row
    /// statements (a bulk load of a catalogue). A product whose first variant's SKU exists
    /// already is skipped, so a repeated import adds only what is new. Answers how many
    /// products were inserted.
    pub async fn import_products(&self, items: Vec<ImportProduct>, now: Timestamp) -> Result<u64, StoreError> {
        if items
            .iter()
            .any(|i| i.product.variants.is_empty() || i.product.variants.iter().any(|v| v.sku.is_none()))
        {
            return Err(StoreError::Config("every imported variant needs a SKU".into()));
        }
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    let mut inserted = 0;
                    // Stay far below both engines' limits on bound parameters per statement.
                    for chunk in items.chunks(500) {
                        inserted += import_chunk(conn, chunk, now).await?;
                    }
                    Ok(inserted)
                })
            })
            .await;
        // Product counts per category follow status and category changes.
        self.categories.clear();
        self.forget_labels();
        out
    }
}

fn sku_of(v: &NewVariant) -> &str {
    v.sku.as_ref().map_or("", |s| s.as_str())
}

async fn import_chunk(conn: &mut Conn, items: &[ImportProduct], now: Timestamp) -> Result<u64, StoreError> {
    let mut known = Sql::new("SELECT sku FROM product_variants WHERE sku IN ");
    known.bind_tuple(
        items
            .iter()
            .map(|i| Value::Text(sku_of(&i.product.variants[0]).to_owned())),
    );
    let known: std::collections::HashSet<String> = known
        .build()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("sku"))
        .collect::<Result<_, _>>()?;
    let items: Vec<&ImportProduct> = items
        .iter()
        .filter(|i| !known.contains(sku_of(&i.product.variants[0])))
        .collect();
    if items.is_empty() {
        return Ok(0);
    }
    let mut category_ids = std::collections::HashMap::new();
    for item in &items {
        if let Some(name) = &item.product.category
            && !category_ids.contains_key(name.as_str())
        {
            category_ids.insert(name.as_str().to_owned(), category_named(conn, name, now).await?);
        }
    }
    let mut sql = Sql::new(
        "INSERT INTO products (name, description, price, price_max, currency, category, category_id, images, status, options, stock_available, created_at, updated_at) VALUES ",
    );
    for (i, item) in items.iter().enumerate() {
        let p = &item.product;
        let stock: i64 = item.lots.iter().flatten().map(|l| l.quantity.get()).sum();
        let on_sale = p.variants.iter().filter(|v| v.status == ProductStatus::Active);
        let prices: Vec<i64> = if on_sale.clone().next().is_some() {
            on_sale.map(|v| v.price.minor()).collect()
        } else {
            p.variants.iter().map(|v| v.price.minor()).collect()
        };
        sql.push(if i == 0 { "(" } else { ", (" });
        sql.bind(Value::Text(p.name.as_str().into())).push(", ");
        sql.bind(Value::Text(p.description.as_str().into())).push(", ");
        sql.bind(Value::Int(prices.iter().copied().min().unwrap_or(1)))
            .push(", ");
        sql.bind(Value::Int(prices.iter().copied().max().unwrap_or(1)))
            .push(", ");
        sql.bind(Value::Text(p.currency.code().into())).push(", ");
        match &p.category {
            Some(c) => sql
                .bind(Value::Text(c.as_str().into()))
                .push(", ")
                .bind(Value::Int(category_ids[c.as_str()])),
            None => sql.push("NULL, NULL"),
        };
        sql.push(", ");
        sql.bind(Value::Text(Images::encode(p.images.as_slice()))).push(", ");
        sql.bind(Value::Text(p.status.as_str().into())).push(", ");
        sql.bind(Value::Text(p.options.encode())).push(", ");
        sql.bind(Value::Int(stock)).push(", ");
        sql.bind(Value::Int(now.millis())).push(", ");
        sql.bind(Value::Int(now.millis())).push(")");
    }
    sql.push(" RETURNING id");
    let mut ids: Vec<i64> = sql
        .build()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>("id"))
        .collect::<Result<_, _>>()?;
    // One statement takes its ids in the order of its rows on both engines (SQLite's
    // rowids and PostgreSQL's identity both count up row by row), whatever order
    // RETURNING lists them in.
    ids.sort_unstable();
    let products: Vec<(i64, &ImportProduct)> = ids.iter().copied().zip(items.iter().copied()).collect();

    let variants: Vec<(i64, usize, &NewVariant, i64)> = products
        .iter()
        .flat_map(|(id, item)| {
            item.product.variants.iter().enumerate().map(move |(n, v)| {
                let stock = item
                    .lots
                    .get(n)
                    .map_or(0, |lots| lots.iter().map(|l| l.quantity.get()).sum());
                (*id, n, v, stock)
            })
        })
        .collect();
    let mut variant_ids = std::collections::HashMap::with_capacity(variants.len());
    for rows in variants.chunks(1000) {
        let mut sql = Sql::new(
            "INSERT INTO product_variants (product_id, sku, option_values, price, compare_at_price, weight_grams, status, stock_available, position, created_at, updated_at) VALUES ",
        );
        for (i, (product_id, position, v, stock)) in rows.iter().enumerate() {
            sql.push(if i == 0 { "" } else { ", " });
            sql.bind_tuple([
                Value::Int(*product_id),
                Value::Text(sku_of(v).to_owned()),
                Value::Text(v.option_values.encode()),
                Value::Int(v.price.minor()),
                v.compare_at_price.map(|p| p.minor()).into(),
                Value::Int(v.weight.grams()),
                Value::Text(v.status.as_str().into()),
                Value::Int(*stock),
                Value::Int(*position as i64),
                Value::Int(now.millis()),
                Value::Int(now.millis()),
            ]);
        }
        sql.push(" RETURNING id, sku");
        for r in sql.build().fetch_all(&mut *conn).await? {
            variant_ids.insert(r.try_get::<String, _>("sku")?, r.try_get::<i64, _>("id")?);
        }
    }

    let lots: Vec<(i64, i64, &NewLot)> = variants
        .iter()
        .flat_map(|(product_id, n, v, _)| {
            let variant_id = variant_ids.get(sku_of(v)).copied().unwrap_or_default();
            let item = products.iter().find(|(id, _)| id == product_id).map(|(_, item)| *item);
            item.and_then(|item| item.lots.get(*n))
                .into_iter()
                .flatten()
                .map(move |lot| (*product_id, variant_id, lot))
        })
        .collect();
    for rows in lots.chunks(1000) {
        let mut sql = Sql::new(
            "INSERT INTO stock_lots (product_id, variant_id, quantity, remaining, unit_cost, received_at, note, created_at) VALUES ",
        );
        for (i, (product_id, variant_id, lot)) in rows.iter().enumerate() {
            sql.push(if i == 0 { "" } else { ", " });
            sql.bind_tuple([
                Value::Int(*product_id),
                Value::Int(*variant_id),
                Value::Int(lot.quantity.get()),
                Value::Int(lot.quantity.get()),
                Value::Int(lot.unit_cost.minor()),
                Value::Int(lot.received_at.millis()),
                lot.note.clone().into(),
                Value::Int(now.millis()),
            ]);
        }
        sql.build().execute(&mut *conn).await?;
    }

    let translated: Vec<(i64, (&str, String, String))> = products
        .iter()
        .flat_map(|(id, item)| item.product.translations.rows().into_iter().map(move |row| (*id, row)))
        .collect();
    for rows in translated.chunks(1000) {
        let mut sql = Sql::new("INSERT INTO translations (subject, subject_id, locale, field, value) VALUES ");
        for (i, (id, (locale, field, value))) in rows.iter().enumerate() {
            sql.push(if i == 0 { "" } else { ", " });
            sql.bind_tuple([
                Value::Text("product".into()),
                Value::Int(*id),
                Value::Text((*locale).into()),
                Value::Text(field.clone()),
                Value::Text(value.clone()),
            ]);
        }
        sql.build().execute(&mut *conn).await?;
    }

    let mut feed = Sql::new("INSERT INTO product_changes (product_id, changed_at) VALUES ");
    for (i, (id, _)) in products.iter().enumerate() {
        crate::product_cache::note_changed(*id);
        feed.push(if i == 0 { "" } else { ", " });
        feed.bind_tuple([Value::Int(*id), Value::Int(now.millis())]);
    }
    feed.build().execute(&mut *conn).await?;
    Ok(products.len() as u64)
}
