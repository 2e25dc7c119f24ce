//! Staff's changes to the pricing rules (shipping zones and methods, promotions, coupons,
//! tax rates and settings; migration 0011), and the reads that show them as stored,
//! inactive ones included.
//!
//! Every value written here was built by the domain's validating constructors, so what
//! `pricing.rs` reads back for checkout always validates. Each write is one transaction
//! and forgets the kept rules (`self.rules`) once it is done, so the next checkout on
//! this instance prices with it (another instance's within [`RULES_TTL`](crate::pricing::RULES_TTL)).

use emporium_domain::pricing::coupon::{Coupon, CouponKind};
use emporium_domain::pricing::promotion::{Promotion, PromotionKind};
use emporium_domain::pricing::rules::Targets;
use emporium_domain::pricing::shipping::{ShippingMethod, ShippingRule, ShippingZone};
use emporium_domain::pricing::tax::{TaxMode, TaxRate, TaxRules};
use emporium_domain::time::Timestamp;

use crate::db::{Conn, Row, query, query_scalar};
use crate::pricing::{coupon_from, encode_ids, encode_pairs, method_from, promotion_from};
use crate::{Store, StoreError};

/// A shipping zone as stored, with every method of it (inactive ones too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneRecord {
    /// The zone (its `methods` left empty: they are in [`ZoneRecord::methods`]).
    pub zone: ShippingZone,
    /// Order among zones (then the id).
    pub position: i64,
    /// Its methods by position, then id.
    pub methods: Vec<MethodRecord>,
}

/// A shipping method as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodRecord {
    /// The zone it belongs to.
    pub zone_id: i64,
    /// The method.
    pub method: ShippingMethod,
    /// Order within its zone (the first is the default).
    pub position: i64,
    /// Whether checkout offers it.
    pub active: bool,
}

/// A promotion as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRecord {
    /// The promotion.
    pub promotion: Promotion,
    /// Whether checkout considers it.
    pub active: bool,
}

/// A coupon as stored, with its use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponRecord {
    /// The coupon (`used`: orders holding it now, cancelled ones excluded).
    pub coupon: Coupon,
    /// Whether shoppers may still use it.
    pub active: bool,
    /// The batch it was generated in, if any.
    pub batch: Option<String>,
    /// Uses given back by cancelled orders.
    pub released: i64,
}

/// A tax rate for a category, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRateRecord {
    /// Its id.
    pub id: i64,
    /// The category (and everything below it).
    pub category_id: i64,
    /// The region it is limited to, if any.
    pub region: Option<String>,
    /// The rate.
    pub rate: TaxRate,
}

/// What removing a coupon did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponRemoval {
    /// No order ever held it: it is gone.
    Deleted,
    /// Orders hold (or held) it: it stays for them, and no one can use it any more.
    Deactivated,
}

/// What saving changes to a coupon did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponSaved {
    /// Saved.
    Saved,
    /// Refused: the new usage limit is below the uses so far (given).
    LimitBelowUse(u32),
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

fn targets_row(t: &Targets) -> (String, String, String) {
    (
        encode_ids(&t.product_ids),
        encode_ids(&t.variant_ids),
        encode_ids(&t.category_ids),
    )
}

/// A rule as its columns: `(rule, fee, each_more, tiers)`.
fn rule_columns(rule: &ShippingRule) -> (&'static str, i64, i64, String) {
    match rule {
        ShippingRule::Flat { fee } => ("flat", fee.minor(), 0, String::new()),
        ShippingRule::Count { first, each_more } => ("count", first.minor(), each_more.minor(), String::new()),
        ShippingRule::Weight(tiers) => {
            let pairs: Vec<(Option<i64>, i64)> = tiers.tiers().iter().map(|t| (t.up_to_grams, t.fee.minor())).collect();
            ("weight", 0, 0, encode_pairs(&pairs))
        }
    }
}

/// A promotion's kind as its columns: `(kind, tiers, value, buy_units, free_units)`.
fn kind_columns(kind: &PromotionKind) -> (&'static str, String, i64, i64, i64) {
    match kind {
        PromotionKind::Threshold(tiers) => {
            let pairs: Vec<(Option<i64>, i64)> = tiers
                .tiers()
                .iter()
                .map(|t| (Some(t.min_spend.minor()), t.off.minor()))
                .collect();
            ("threshold", encode_pairs(&pairs), 0, 0, 0)
        }
        PromotionKind::PercentOff(p) => ("percent_off", String::new(), i64::from(p.get()), 0, 0),
        PromotionKind::FixedOff { per_unit } => ("fixed_off", String::new(), per_unit.minor(), 0, 0),
        PromotionKind::FreeShipping { min_spend } => ("free_shipping", String::new(), min_spend.minor(), 0, 0),
        PromotionKind::BuyNGetM(b) => ("buy_n_get_m", String::new(), 0, i64::from(b.n()), i64::from(b.m())),
    }
}

/// A coupon's kind as its columns: `(kind, value, max_discount)`.
fn coupon_kind_columns(kind: &CouponKind) -> (&'static str, i64, Option<i64>) {
    match kind {
        CouponKind::Fixed { value } => ("fixed", value.minor(), None),
        CouponKind::Percent { value, max_discount } => {
            ("percent", i64::from(value.get()), max_discount.map(|m| m.minor()))
        }
    }
}

fn zone_from(row: &Row) -> Result<(ShippingZone, i64), StoreError> {
    let id: i64 = row.try_get("id")?;
    let regions: String = row.try_get("regions")?;
    let regions: Vec<&str> = regions.split('\t').filter(|r| !r.is_empty()).collect();
    let zone = ShippingZone::new(
        id,
        &row.try_get::<String, _>("name")?,
        row.try_get::<Option<String>, _>("country")?.as_deref(),
        &regions,
    )
    .map_err(|e| StoreError::Corrupt(format!("shipping zone {id}: {:?}", e.0)))?;
    Ok((zone, row.try_get("position")?))
}

fn method_record(row: &Row) -> Result<MethodRecord, StoreError> {
    Ok(MethodRecord {
        zone_id: row.try_get("zone_id")?,
        method: method_from(row)?,
        position: row.try_get("position")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

fn coupon_record(row: &Row) -> Result<CouponRecord, StoreError> {
    Ok(CouponRecord {
        coupon: coupon_from(row)?,
        active: row.try_get::<i64, _>("active")? != 0,
        batch: row.try_get("batch")?,
        released: row.try_get("released")?,
    })
}

fn tax_rate_from(row: &Row) -> Result<TaxRateRecord, StoreError> {
    let bp: i64 = row.try_get("rate")?;
    Ok(TaxRateRecord {
        id: row.try_get("id")?,
        category_id: row.try_get("category_id")?,
        region: row.try_get("region")?,
        rate: TaxRate::parse("rate", bp).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

/// A coupon's columns and its released uses, as the staff's reads select them.
macro_rules! coupon_select {
    ($rest:literal) => {
        concat!(
            "SELECT c.*, (SELECT COUNT(*) FROM coupon_redemptions r
               WHERE r.coupon_id = c.id AND r.released_at IS NOT NULL) AS released FROM coupons c ",
            $rest
        )
    };
}

/// A method's columns, as every read here selects them.
macro_rules! method_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, zone_id, name, name_en, rule, fee, each_more, tiers, free_above, estimate, position, active
             FROM shipping_methods ",
            $rest
        )
    };
}

/// Whether the row `noun` names with this id exists.
async fn exists_in(conn: &mut Conn, noun: &'static str, id: i64) -> Result<(), StoreError> {
    let sql = match noun {
        "shipping zone" => "SELECT id FROM shipping_zones WHERE id = $1",
        "shipping method" => "SELECT id FROM shipping_methods WHERE id = $1",
        "promotion" => "SELECT id FROM promotions WHERE id = $1",
        "coupon" => "SELECT id FROM coupons WHERE id = $1",
        "category" => "SELECT id FROM categories WHERE id = $1",
        _ => "SELECT id FROM tax_rates WHERE id = $1",
    };
    query_scalar::<i64>(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .map(drop)
        .ok_or(StoreError::NotFound(noun))
}

async fn save_coupon_in(
    conn: &mut Conn,
    id: Option<i64>,
    c: &Coupon,
    batch: Option<&str>,
    active: bool,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let (kind, value, max_discount) = coupon_kind_columns(&c.kind);
    let (products, variants, categories) = targets_row(&c.targets);
    let sql = match id {
        None => {
            "INSERT INTO coupons (code, kind, value, max_discount, min_spend, product_ids, variant_ids,
                category_ids, starts_at, ends_at, usage_limit, per_customer_limit, combinable, active, batch,
                created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id"
        }
        Some(_) => {
            "UPDATE coupons SET code = $1, kind = $2, value = $3, max_discount = $4, min_spend = $5,
                product_ids = $6, variant_ids = $7, category_ids = $8, starts_at = $9, ends_at = $10,
                usage_limit = $11, per_customer_limit = $12, combinable = $13, active = $14,
                batch = COALESCE(batch, $15), updated_at = $16
             WHERE id = $17 AND ($11 IS NULL OR used <= $11) RETURNING id"
        }
    };
    let q = query_scalar::<i64>(sql)
        .bind(c.code.as_str())
        .bind(kind)
        .bind(value)
        .bind(max_discount)
        .bind(c.min_spend.minor())
        .bind(products)
        .bind(variants)
        .bind(categories)
        .bind(c.schedule.starts_at().map(Timestamp::millis))
        .bind(c.schedule.ends_at().map(Timestamp::millis))
        .bind(c.usage_limit.map(i64::from))
        .bind(c.per_customer_limit.map(i64::from))
        .bind(flag(c.combinable))
        .bind(flag(active))
        .bind(batch)
        .bind(now.millis());
    let q = match id {
        Some(id) => q.bind(id),
        None => q,
    };
    q.fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("coupon"))
}

async fn save_promotion_in(
    conn: &mut Conn,
    id: Option<i64>,
    p: &Promotion,
    active: bool,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let (kind, tiers, value, buy, free) = kind_columns(&p.kind);
    let (products, variants, categories) = targets_row(&p.targets);
    let sql = match id {
        None => {
            "INSERT INTO promotions (name, kind, tiers, value, buy_units, free_units, product_ids, variant_ids,
                category_ids, starts_at, ends_at, priority, combinable, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id"
        }
        Some(_) => {
            "UPDATE promotions SET name = $1, kind = $2, tiers = $3, value = $4, buy_units = $5,
                free_units = $6, product_ids = $7, variant_ids = $8, category_ids = $9, starts_at = $10,
                ends_at = $11, priority = $12, combinable = $13, active = $14, updated_at = $15
             WHERE id = $16 RETURNING id"
        }
    };
    let q = query_scalar::<i64>(sql)
        .bind(p.name.as_str())
        .bind(kind)
        .bind(tiers)
        .bind(value)
        .bind(buy)
        .bind(free)
        .bind(products)
        .bind(variants)
        .bind(categories)
        .bind(p.schedule.starts_at().map(Timestamp::millis))
        .bind(p.schedule.ends_at().map(Timestamp::millis))
        .bind(i64::from(p.priority))
        .bind(flag(p.combinable))
        .bind(flag(active))
        .bind(now.millis());
    let q = match id {
        Some(id) => q.bind(id),
        None => q,
    };
    q.fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("promotion"))
}

async fn save_method_in(
    conn: &mut Conn,
    zone_id: i64,
    id: Option<i64>,
    m: &ShippingMethod,
    position: i64,
    active: bool,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let (rule, fee, each_more, tiers) = rule_columns(&m.rule);
    let sql = match id {
        None => {
            "INSERT INTO shipping_methods (zone_id, name, name_en, rule, fee, each_more, tiers, free_above,
                estimate, position, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id"
        }
        Some(_) => {
            "UPDATE shipping_methods SET name = $2, name_en = $3, rule = $4, fee = $5, each_more = $6,
                tiers = $7, free_above = $8, estimate = $9, position = $10, active = $11, updated_at = $12
             WHERE zone_id = $1 AND id = $13 RETURNING id"
        }
    };
    let q = query_scalar::<i64>(sql)
        .bind(zone_id)
        .bind(m.name.as_str())
        .bind(m.name_en.clone())
        .bind(rule)
        .bind(fee)
        .bind(each_more)
        .bind(tiers)
        .bind(m.free_above.map(|a| a.minor()))
        .bind(m.estimate.clone())
        .bind(position)
        .bind(flag(active))
        .bind(now.millis());
    let q = match id {
        Some(id) => q.bind(id),
        None => q,
    };
    q.fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("shipping method"))
}

impl Store {
    /// Every shipping zone with every method, by position then id.
    pub async fn shipping_zones(&self) -> Result<Vec<ZoneRecord>, StoreError> {
        let zones = query("SELECT id, name, country, regions, position FROM shipping_zones ORDER BY position, id")
            .fetch_all(self.reader())
            .await?;
        let methods = query(method_select!("ORDER BY zone_id, position, id"))
            .fetch_all(self.reader())
            .await?;
        let methods: Vec<MethodRecord> = methods.iter().map(method_record).collect::<Result<_, _>>()?;
        zones
            .iter()
            .map(|row| {
                let (zone, position) = zone_from(row)?;
                let methods = methods.iter().filter(|m| m.zone_id == zone.id).cloned().collect();
                Ok(ZoneRecord {
                    zone,
                    position,
                    methods,
                })
            })
            .collect()
    }

    /// The id of the variant staff name by its id or by its SKU (exactly), if it exists:
    /// for an offer's targets as typed on the admin pages.
    pub async fn target_variant(&self, id: Option<i64>, sku: &str) -> Result<Option<i64>, StoreError> {
        let q = match id {
            Some(id) => query_scalar::<i64>("SELECT id FROM product_variants WHERE id = $1").bind(id),
            None => query_scalar::<i64>("SELECT id FROM product_variants WHERE sku = $1").bind(sku),
        };
        Ok(q.fetch_optional(self.point()).await?)
    }

    /// One shipping zone with its methods.
    pub async fn shipping_zone(&self, id: i64) -> Result<ZoneRecord, StoreError> {
        let row = query("SELECT id, name, country, regions, position FROM shipping_zones WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(StoreError::NotFound("shipping zone"))?;
        let (zone, position) = zone_from(&row)?;
        let methods = query(method_select!("WHERE zone_id = $1 ORDER BY position, id"))
            .bind(id)
            .fetch_all(self.reader())
            .await?;
        Ok(ZoneRecord {
            zone,
            position,
            methods: methods.iter().map(method_record).collect::<Result<_, _>>()?,
        })
    }

    /// Creates a zone (its `id` and `methods` are ignored); answers its id.
    pub async fn create_shipping_zone(
        &self,
        zone: ShippingZone,
        position: i64,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        self.save_zone(None, zone, position, now).await
    }

    /// Replaces a zone's fields (not its methods).
    pub async fn update_shipping_zone(
        &self,
        id: i64,
        zone: ShippingZone,
        position: i64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.save_zone(Some(id), zone, position, now).await.map(drop)
    }

    async fn save_zone(
        &self,
        id: Option<i64>,
        zone: ShippingZone,
        position: i64,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    let sql = match id {
                        None => {
                            "INSERT INTO shipping_zones (name, country, regions, position, created_at, updated_at)
                             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id"
                        }
                        Some(_) => {
                            "UPDATE shipping_zones SET name = $1, country = $2, regions = $3, position = $4,
                                updated_at = $5 WHERE id = $6 RETURNING id"
                        }
                    };
                    let q = query_scalar::<i64>(sql)
                        .bind(zone.name.as_str())
                        .bind(zone.country.map(|c| c.as_str().to_owned()))
                        .bind(zone.regions.join("\t"))
                        .bind(position)
                        .bind(now.millis());
                    let q = match id {
                        Some(id) => q.bind(id),
                        None => q,
                    };
                    q.fetch_optional(&mut *conn)
                        .await?
                        .ok_or(StoreError::NotFound("shipping zone"))
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// Removes a zone and its methods (orders keep the method's name as they were priced).
    pub async fn delete_shipping_zone(&self, id: i64) -> Result<(), StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    exists_in(conn, "shipping zone", id).await?;
                    query("DELETE FROM shipping_methods WHERE zone_id = $1")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    query("DELETE FROM shipping_zones WHERE id = $1")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// One shipping method.
    pub async fn shipping_method(&self, id: i64) -> Result<MethodRecord, StoreError> {
        let row = query(method_select!("WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(StoreError::NotFound("shipping method"))?;
        method_record(&row)
    }

    /// Adds a method to a zone (`NotFound("shipping zone")` without it); answers its id.
    pub async fn create_shipping_method(
        &self,
        zone_id: i64,
        method: ShippingMethod,
        position: i64,
        active: bool,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    exists_in(conn, "shipping zone", zone_id).await?;
                    save_method_in(conn, zone_id, None, &method, position, active, now).await
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// Replaces a method's fields (it stays in its zone).
    pub async fn update_shipping_method(&self, record: MethodRecord, now: Timestamp) -> Result<(), StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    let r = &record;
                    save_method_in(conn, r.zone_id, Some(r.method.id), &r.method, r.position, r.active, now)
                        .await
                        .map(drop)
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// Removes a method.
    pub async fn delete_shipping_method(&self, id: i64) -> Result<(), StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    exists_in(conn, "shipping method", id).await?;
                    query("DELETE FROM shipping_methods WHERE id = $1")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// Every promotion, active or not, by priority (highest first) then id.
    pub async fn promotions(&self) -> Result<Vec<PromotionRecord>, StoreError> {
        let rows = query("SELECT * FROM promotions ORDER BY priority DESC, id")
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(promotion_record).collect()
    }

    /// One promotion.
    pub async fn promotion(&self, id: i64) -> Result<PromotionRecord, StoreError> {
        let row = query("SELECT * FROM promotions WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(StoreError::NotFound("promotion"))?;
        promotion_record(&row)
    }

    /// Creates a promotion (its `id` is ignored); answers its id.
    pub async fn create_promotion(
        &self,
        promotion: Promotion,
        active: bool,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let out = self
            .write(move |conn| Box::pin(async move { save_promotion_in(conn, None, &promotion, active, now).await }))
            .await;
        self.rules.clear();
        out
    }

    /// Replaces a promotion's fields.
    pub async fn update_promotion(&self, record: PromotionRecord, now: Timestamp) -> Result<(), StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    let p = &record.promotion;
                    save_promotion_in(conn, Some(p.id), p, record.active, now)
                        .await
                        .map(drop)
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// Removes a promotion (orders keep what it gave them, as they were priced).
    pub async fn delete_promotion(&self, id: i64) -> Result<(), StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    exists_in(conn, "promotion", id).await?;
                    query("DELETE FROM promotions WHERE id = $1")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// Coupons newest first, those with an id below `before`, at most `limit`.
    pub async fn coupons(&self, before: Option<i64>, limit: i64) -> Result<Vec<CouponRecord>, StoreError> {
        let rows = query(coupon_select!("WHERE c.id < $1 ORDER BY c.id DESC LIMIT $2"))
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(coupon_record).collect()
    }

    /// One coupon with its use.
    pub async fn coupon(&self, id: i64) -> Result<CouponRecord, StoreError> {
        let row = query(coupon_select!("WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(StoreError::NotFound("coupon"))?;
        coupon_record(&row)
    }

    /// Creates coupons (their `id` and `used` are ignored) in one transaction, all or
    /// none; answers their ids in order. A code already stored is a unique violation
    /// ([`StoreError::is_unique_violation`]).
    pub async fn create_coupons(
        &self,
        coupons: Vec<Coupon>,
        batch: Option<String>,
        now: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    let mut ids = Vec::with_capacity(coupons.len());
                    for c in &coupons {
                        ids.push(save_coupon_in(conn, None, c, batch.as_deref(), true, now).await?);
                    }
                    Ok(ids)
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// Replaces a coupon's terms (not its use); a usage limit below the uses so far is
    /// refused, judged inside the transaction.
    pub async fn update_coupon(&self, coupon: Coupon, active: bool, now: Timestamp) -> Result<CouponSaved, StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    let used: i64 = query_scalar("SELECT used FROM coupons WHERE id = $1")
                        .bind(coupon.id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or(StoreError::NotFound("coupon"))?;
                    if coupon.usage_limit.is_some_and(|limit| i64::from(limit) < used) {
                        return Ok(CouponSaved::LimitBelowUse(u32::try_from(used).unwrap_or(u32::MAX)));
                    }
                    // The condition is judged again on the row as it is when updated: an
                    // order counting a use meanwhile makes it miss, not break the CHECK.
                    match save_coupon_in(conn, Some(coupon.id), &coupon, None, active, now).await {
                        Ok(_) => Ok(CouponSaved::Saved),
                        Err(StoreError::NotFound(_)) => {
                            Ok(CouponSaved::LimitBelowUse(u32::try_from(used + 1).unwrap_or(u32::MAX)))
                        }
                        Err(e) => Err(e),
                    }
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// Removes a coupon no order ever held; one that orders hold or held is deactivated
    /// instead, so their records keep naming it.
    pub async fn delete_coupon(&self, id: i64) -> Result<CouponRemoval, StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    exists_in(conn, "coupon", id).await?;
                    let redemptions: i64 = query_scalar("SELECT COUNT(*) FROM coupon_redemptions WHERE coupon_id = $1")
                        .bind(id)
                        .fetch_one(&mut *conn)
                        .await?;
                    if redemptions > 0 {
                        query("UPDATE coupons SET active = 0 WHERE id = $1")
                            .bind(id)
                            .execute(&mut *conn)
                            .await?;
                        Ok(CouponRemoval::Deactivated)
                    } else {
                        query("DELETE FROM coupons WHERE id = $1")
                            .bind(id)
                            .execute(&mut *conn)
                            .await?;
                        Ok(CouponRemoval::Deleted)
                    }
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// Every category tax rate, by id.
    pub async fn tax_rates(&self) -> Result<Vec<TaxRateRecord>, StoreError> {
        let rows = query("SELECT id, category_id, region, rate FROM tax_rates ORDER BY id")
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(tax_rate_from).collect()
    }

    /// Adds a rate for a category (`NotFound("category")` without it; one rate per
    /// category and region is a unique violation); answers the record.
    pub async fn create_tax_rate(
        &self,
        category_id: i64,
        region: Option<String>,
        rate: TaxRate,
        now: Timestamp,
    ) -> Result<TaxRateRecord, StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    exists_in(conn, "category", category_id).await?;
                    let row = query(
                        "INSERT INTO tax_rates (category_id, region, rate, created_at) VALUES ($1, $2, $3, $4)
                         RETURNING id, category_id, region, rate",
                    )
                    .bind(category_id)
                    .bind(region.clone())
                    .bind(i64::from(rate.basis_points()))
                    .bind(now.millis())
                    .fetch_one(&mut *conn)
                    .await?;
                    tax_rate_from(&row)
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// Removes a category tax rate.
    pub async fn delete_tax_rate(&self, id: i64) -> Result<(), StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    exists_in(conn, "tax rate", id).await?;
                    query("DELETE FROM tax_rates WHERE id = $1")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// Sets whether prices include tax, the default rate and the shipping rate.
    pub async fn set_tax_settings(
        &self,
        mode: TaxMode,
        default_rate: TaxRate,
        shipping_rate: TaxRate,
    ) -> Result<(), StoreError> {
        let out = self
            .write(move |conn| {
                Box::pin(async move {
                    let values = [
                        (crate::pricing::TAX_MODE, mode.as_str().to_owned()),
                        (
                            crate::pricing::TAX_DEFAULT_RATE,
                            default_rate.basis_points().to_string(),
                        ),
                        (
                            crate::pricing::TAX_SHIPPING_RATE,
                            shipping_rate.basis_points().to_string(),
                        ),
                    ];
                    for (key, value) in values {
                        query(
                            "INSERT INTO settings (key, value) VALUES ($1, $2)
                             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        )
                        .bind(key)
                        .bind(value)
                        .execute(&mut *conn)
                        .await?;
                    }
                    Ok(())
                })
            })
            .await;
        self.rules.clear();
        out
    }

    /// The tax settings now (the rates by category are [`Store::tax_rates`]).
    pub async fn tax_settings(&self) -> Result<TaxRules, StoreError> {
        let rules = self.pricing_rules().await?;
        Ok(TaxRules {
            categories: Vec::new(),
            ..rules.tax.clone()
        })
    }
}

fn promotion_record(row: &Row) -> Result<PromotionRecord, StoreError> {
    Ok(PromotionRecord {
        promotion: promotion_from(row)?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}
