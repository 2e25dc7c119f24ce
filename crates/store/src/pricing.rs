//! The shop's pricing rules as the store keeps them (shipping zones and methods,
//! promotions, coupons, tax rates; migration 0011), read into the domain's
//! [`Rules`] for the pricing engine (`emporium_domain::pricing`), which never looks
//! anything up itself.
//!
//! A shop that has configured no shipping zone prices as it always did
//! ([`Rules::default_shop`]). Rules other than coupons change rarely and are read on every
//! checkout and cart preview, so they are kept for [`RULES_TTL`] (and forgotten at once
//! by a change made here); coupons are read inside the order's own transaction, where
//! their use is counted.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use emporium_domain::FieldError;
use emporium_domain::money::{Amount, Currency};
use emporium_domain::pricing::coupon::{Coupon, CouponCode, CouponKind};
use emporium_domain::pricing::promotion::{BuyNGetM, Promotion, PromotionKind, ThresholdTier, ThresholdTiers};
use emporium_domain::pricing::rules::{Percent, Rules, Schedule, Targets};
use emporium_domain::pricing::shipping::Destination;
use emporium_domain::pricing::shipping::{ShippingMethod, ShippingRule, ShippingZone, WeightTier, WeightTiers};
use emporium_domain::pricing::tax::{CategoryTaxRate, TaxMode, TaxRate};
use emporium_domain::pricing::{
    Checkout, Customer, Line, PriceError, PricedCart, ShippingOption, price, shipping_options,
};
use emporium_domain::time::Timestamp;

use crate::cart::{CartLine, cart_lines_in};
use crate::categories::CategoryTree;
use crate::db::{Conn, On, Row, Value, query};
use crate::kept::Lookup;
use crate::orders::snapshot_address_in;
use crate::sql::Sql;
use crate::{Store, StoreError};

/// How long another instance's rule change may take to reach this one.
pub const RULES_TTL: Duration = Duration::from_secs(5);

/// Settings keys of the tax configuration.
pub(crate) const TAX_MODE: &str = "tax.mode";
pub(crate) const TAX_DEFAULT_RATE: &str = "tax.default_rate";
pub(crate) const TAX_SHIPPING_RATE: &str = "tax.shipping_rate";

/// A list of ids as stored: `1,2,3` (`''` for none).
pub(crate) fn encode_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

fn decode_ids(text: &str) -> Result<Vec<i64>, StoreError> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| StoreError::Corrupt(format!("id list {text:?}"))))
        .collect()
}

/// Pairs as stored: `bound:amount,…`, an empty bound for none (`1000:800,:2000`).
pub(crate) fn encode_pairs(pairs: &[(Option<i64>, i64)]) -> String {
    pairs
        .iter()
        .map(|(bound, amount)| format!("{}:{amount}", bound.map(|b| b.to_string()).unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(",")
}

fn decode_pairs(text: &str) -> Result<Vec<(Option<i64>, i64)>, StoreError> {
    let corrupt = || StoreError::Corrupt(format!("tiers {text:?}"));
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (bound, amount) = pair.split_once(':').ok_or_else(corrupt)?;
            let bound = match bound {
                "" => None,
                b => Some(b.parse().map_err(|_| corrupt())?),
            };
            Ok((bound, amount.parse().map_err(|_| corrupt())?))
        })
        .collect()
}

/// A stored rule that no longer validates (a bug, or a hand edit): reported, not priced.
fn corrupt(what: &str, id: i64, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what} {id}: {e}"))
}

fn amount(row: &Row, column: &str) -> Result<Amount, StoreError> {
    let minor: i64 = row.try_get(column)?;
    Amount::parse(column, minor).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn optional_amount(row: &Row, column: &str) -> Result<Option<Amount>, StoreError> {
    row.try_get::<Option<i64>, _>(column)?
        .map(|minor| Amount::parse(column, minor).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

fn targets(row: &Row) -> Result<Targets, StoreError> {
    Ok(Targets {
        product_ids: decode_ids(&row.try_get::<String, _>("product_ids")?)?,
        variant_ids: decode_ids(&row.try_get::<String, _>("variant_ids")?)?,
        category_ids: decode_ids(&row.try_get::<String, _>("category_ids")?)?,
    })
}

fn schedule(row: &Row) -> Result<Schedule, StoreError> {
    let at = |column: &str| -> Result<Option<Timestamp>, StoreError> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(Timestamp::from_millis))
    };
    Schedule::new(at("starts_at")?, at("ends_at")?).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn method_from(row: &Row) -> Result<ShippingMethod, StoreError> {
    let id: i64 = row.try_get("id")?;
    let kind: String = row.try_get("rule")?;
    let rule = match kind.as_str() {
        "flat" => ShippingRule::Flat {
            fee: amount(row, "fee")?,
        },
        "count" => ShippingRule::Count {
            first: amount(row, "fee")?,
            each_more: amount(row, "each_more")?,
        },
        "weight" => {
            let tiers = decode_pairs(&row.try_get::<String, _>("tiers")?)?
                .into_iter()
                .map(|(up_to_grams, fee)| {
                    Ok(WeightTier {
                        up_to_grams,
                        fee: Amount::parse("fee", fee).map_err(|e| corrupt("shipping method", id, e))?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            ShippingRule::Weight(WeightTiers::new(tiers).map_err(|e| corrupt("shipping method", id, e))?)
        }
        other => return Err(corrupt("shipping method", id, format!("rule {other:?}"))),
    };
    ShippingMethod::new(
        id,
        &row.try_get::<String, _>("name")?,
        row.try_get::<Option<String>, _>("name_en")?.as_deref(),
        rule,
        optional_amount(row, "free_above")?,
        row.try_get::<Option<String>, _>("estimate")?.as_deref(),
    )
    .map_err(|e| corrupt("shipping method", id, format!("{:?}", e.0)))
}

pub(crate) fn promotion_from(row: &Row) -> Result<Promotion, StoreError> {
    let id: i64 = row.try_get("id")?;
    let bad = |e: FieldError| corrupt("promotion", id, e);
    let value: i64 = row.try_get("value")?;
    let kind = match row.try_get::<String, _>("kind")?.as_str() {
        "threshold" => {
            let tiers = decode_pairs(&row.try_get::<String, _>("tiers")?)?
                .into_iter()
                .map(|(min, off)| {
                    Ok(ThresholdTier {
                        min_spend: Amount::parse("min_spend", min.unwrap_or(0)).map_err(bad)?,
                        off: Amount::parse("off", off).map_err(bad)?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            PromotionKind::Threshold(ThresholdTiers::new(tiers).map_err(bad)?)
        }
        "percent_off" => PromotionKind::PercentOff(Percent::parse("value", value).map_err(bad)?),
        "fixed_off" => PromotionKind::FixedOff {
            per_unit: Amount::parse("value", value).map_err(bad)?,
        },
        "free_shipping" => PromotionKind::FreeShipping {
            min_spend: Amount::parse("value", value).map_err(bad)?,
        },
        "buy_n_get_m" => {
            PromotionKind::BuyNGetM(BuyNGetM::new(row.try_get("buy_units")?, row.try_get("free_units")?).map_err(bad)?)
        }
        other => return Err(corrupt("promotion", id, format!("kind {other:?}"))),
    };
    let priority: i64 = row.try_get("priority")?;
    Promotion::new(
        id,
        &row.try_get::<String, _>("name")?,
        kind,
        targets(row)?,
        schedule(row)?,
        i32::try_from(priority).unwrap_or(0),
        row.try_get::<i64, _>("combinable")? != 0,
    )
    .map_err(bad)
}

pub(crate) fn coupon_from(row: &Row) -> Result<Coupon, StoreError> {
    let id: i64 = row.try_get("id")?;
    let bad = |e: FieldError| corrupt("coupon", id, e);
    let value: i64 = row.try_get("value")?;
    let kind = match row.try_get::<String, _>("kind")?.as_str() {
        "fixed" => CouponKind::fixed(value).map_err(bad)?,
        "percent" => CouponKind::percent(value, row.try_get("max_discount")?).map_err(bad)?,
        other => return Err(corrupt("coupon", id, format!("kind {other:?}"))),
    };
    let count = |column: &str| -> Result<Option<u32>, StoreError> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
    };
    Ok(Coupon {
        id,
        code: CouponCode::parse("code", &row.try_get::<String, _>("code")?).map_err(bad)?,
        kind,
        min_spend: optional_amount(row, "min_spend")?.unwrap_or(Amount::ZERO),
        targets: targets(row)?,
        schedule: schedule(row)?,
        usage_limit: count("usage_limit")?,
        used: count("used")?.unwrap_or(0),
        per_customer_limit: count("per_customer_limit")?,
        combinable: row.try_get::<i64, _>("combinable")? != 0,
    })
}

/// The shop's rules without coupons, read from `on`.
async fn read_rules(mut on: On<'_>) -> Result<Rules, StoreError> {
    let zone_rows = query("SELECT id, name, country, regions FROM shipping_zones ORDER BY position, id")
        .fetch_all(on.reborrow())
        .await?;
    let mut rules = Rules::default_shop();
    if !zone_rows.is_empty() {
        let method_rows = query(
            "SELECT id, zone_id, name, name_en, rule, fee, each_more, tiers, free_above, estimate
             FROM shipping_methods WHERE active = 1 ORDER BY zone_id, position, id",
        )
        .fetch_all(on.reborrow())
        .await?;
        let mut zones = Vec::with_capacity(zone_rows.len());
        for row in &zone_rows {
            let id: i64 = row.try_get("id")?;
            let regions: String = row.try_get("regions")?;
            let regions: Vec<&str> = regions.split('\t').filter(|r| !r.is_empty()).collect();
            let mut zone = ShippingZone::new(
                id,
                &row.try_get::<String, _>("name")?,
                row.try_get::<Option<String>, _>("country")?.as_deref(),
                &regions,
            )
            .map_err(|e| corrupt("shipping zone", id, format!("{:?}", e.0)))?;
            for m in method_rows
                .iter()
                .filter(|m| m.try_get::<i64, _>("zone_id").ok() == Some(id))
            {
                zone.methods.push(method_from(m)?);
            }
            zones.push(zone);
        }
        rules.zones = zones;
    }
    let promotion_rows = query("SELECT * FROM promotions WHERE active = 1 ORDER BY priority DESC, id")
        .fetch_all(on.reborrow())
        .await?;
    rules.promotions = promotion_rows.iter().map(promotion_from).collect::<Result<_, _>>()?;
    let settings = query("SELECT key, value FROM settings WHERE key IN ($1, $2, $3)")
        .bind(TAX_MODE)
        .bind(TAX_DEFAULT_RATE)
        .bind(TAX_SHIPPING_RATE)
        .fetch_all(on.reborrow())
        .await?;
    for row in &settings {
        let (key, value): (String, String) = (row.try_get("key")?, row.try_get("value")?);
        let rate = || -> Result<TaxRate, StoreError> {
            let bp = value
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("{key} = {value:?}")))?;
            TaxRate::parse(&key, bp).map_err(|e| StoreError::Corrupt(e.to_string()))
        };
        match key.as_str() {
            TAX_MODE => {
                rules.tax.mode = TaxMode::parse(&key, &value).map_err(|e| StoreError::Corrupt(e.to_string()))?
            }
            TAX_DEFAULT_RATE => rules.tax.default_rate = rate()?,
            TAX_SHIPPING_RATE => rules.tax.shipping_rate = rate()?,
            _ => {}
        }
    }
    let rate_rows = query("SELECT category_id, region, rate FROM tax_rates ORDER BY id")
        .fetch_all(on)
        .await?;
    rules.tax.categories = rate_rows
        .iter()
        .map(|row| {
            let bp: i64 = row.try_get("rate")?;
            Ok(CategoryTaxRate {
                category_id: row.try_get("category_id")?,
                region: row.try_get("region")?,
                rate: TaxRate::parse("rate", bp).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    rules.currency = Currency::CNY;
    Ok(rules)
}

/// The coupons these codes name (codes already upper case), with their use now.
pub(crate) async fn coupons_named_in(conn: &mut Conn, codes: &[String]) -> Result<Vec<Coupon>, StoreError> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT * FROM coupons WHERE active = 1 AND code IN ");
    sql.bind_tuple(codes.iter().map(|c| Value::Text(c.clone())));
    let rows = sql.build().fetch_all(&mut *conn).await?;
    rows.iter().map(coupon_from).collect()
}

/// How many live orders (not cancelled) `user_id` holds with each of these coupons.
pub(crate) async fn coupon_uses_in(
    conn: &mut Conn,
    user_id: i64,
    coupon_ids: &[i64],
) -> Result<BTreeMap<i64, u32>, StoreError> {
    if coupon_ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut sql =
        Sql::new("SELECT coupon_id, COUNT(*) AS uses FROM coupon_redemptions WHERE released_at IS NULL AND user_id = ");
    sql.bind(Value::Int(user_id));
    sql.push(" AND coupon_id IN ");
    sql.bind_list(coupon_ids.iter().copied());
    sql.push(" GROUP BY coupon_id");
    let rows = sql.build().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let uses: i64 = r.try_get("uses")?;
            Ok((r.try_get("coupon_id")?, u32::try_from(uses).unwrap_or(u32::MAX)))
        })
        .collect()
}

impl Store {
    /// The shop's pricing rules without coupons (kept a few seconds; see the module docs).
    pub async fn pricing_rules(&self) -> Result<Arc<Rules>, StoreError> {
        let generation = match self.rules.get() {
            Lookup::Kept(rules) => return Ok(rules),
            Lookup::Read(generation) => generation,
        };
        match read_rules(self.reader().into()).await {
            Ok(rules) => {
                let rules = Arc::new(rules);
                self.rules.put(generation, Some(Arc::clone(&rules)));
                Ok(rules)
            }
            Err(e) => {
                self.rules.put(generation, None);
                Err(e)
            }
        }
    }
}

/// A cart priced for one shopper: what the engine answered, for the lines it was given.
#[derive(Debug, Clone)]
pub struct CartPricing {
    /// The engine's answer.
    pub priced: PricedCart,
    /// The shipping methods offered for this cart and address (for choosing).
    pub options: Vec<ShippingOption>,
}

/// Why a cart cannot be priced or ordered as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingRefusal {
    /// The engine refused the cart (no shipping method for the address, …).
    #[error("{0}")]
    Price(#[from] PriceError),
    /// A code typed on an order does not apply (an order is never placed without a code
    /// the shopper asked for).
    #[error("coupon {code} cannot be applied: {reason}")]
    Coupon {
        /// The code, upper case.
        code: String,
        /// Why, a [`emporium_domain::pricing::priced::Reason`] code.
        reason: &'static str,
    },
}

/// Cart lines as the engine takes them.
fn engine_lines(tree: Option<&CategoryTree>, lines: &[CartLine]) -> Result<Vec<Line>, StoreError> {
    lines
        .iter()
        .map(|l| -> Result<Line, StoreError> {
            // The engine wants the line's own category first, then its ancestors.
            let mut category_ids: Vec<i64> = l
                .category_id
                .zip(tree)
                .map(|(c, tree)| tree.path(c).iter().map(|c| c.id).collect())
                .unwrap_or_default();
            category_ids.reverse();
            Ok(Line {
                product_id: l.product_id,
                variant_id: l.variant_id,
                category_ids,
                unit_price: l.unit_price,
                currency: Currency::parse("currency", &l.currency).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                quantity: l.quantity,
                weight_grams: l.weight_grams,
            })
        })
        .collect()
}

/// Prices `lines` for `user_id` (`None`: a guest) shipping to `destination`, with the
/// coupons the typed codes name as they are in `conn` now (inside an order's
/// transaction, the use counts that transaction will raise).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn price_lines_in(
    conn: &mut Conn,
    rules: &Rules,
    tree: Option<&CategoryTree>,
    lines: &[CartLine],
    user_id: Option<i64>,
    destination: Destination,
    shipping_method_id: Option<i64>,
    coupon_codes: &[String],
    now: Timestamp,
) -> Result<Result<CartPricing, PricingRefusal>, StoreError> {
    let codes: Vec<String> = coupon_codes
        .iter()
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    let coupons = coupons_named_in(conn, &codes).await?;
    let coupon_uses = match user_id {
        Some(user) => coupon_uses_in(conn, user, &coupons.iter().map(|c| c.id).collect::<Vec<_>>()).await?,
        None => BTreeMap::new(),
    };
    let engine_lines = engine_lines(tree, lines)?;
    let mut rules = Rules {
        coupons,
        ..rules.clone()
    };
    // A shop that has configured nothing priced every currency alike before pricing
    // rules existed (¥10 below ¥99 meant 10.00 below 99.00 of whatever the cart is in),
    // so its default rules follow the cart's currency; configured rules are in CNY.
    if let Some(first) = engine_lines.first()
        && rules.zones == Rules::default_shop().zones
        && rules.promotions.is_empty()
        && rules.coupons.is_empty()
        && rules.tax.categories.is_empty()
    {
        rules.currency = first.currency;
    }
    let options = shipping_options(&engine_lines, &destination, &rules);
    let checkout = Checkout {
        lines: engine_lines,
        customer: Customer {
            id: user_id,
            coupon_uses,
        },
        destination,
        shipping_method_id,
        coupon_codes: codes,
        now,
    };
    Ok(price(&checkout, &rules)
        .map(|priced| CartPricing { priced, options })
        .map_err(PricingRefusal::from))
}

impl Store {
    /// The category tree when pricing needs it: some rule targets categories or taxes
    /// them (coupons are read later, so any code typed counts as such a rule). Most
    /// checkouts need none, and a flash sale's thousands of attempts then never wait for
    /// the tree to be read.
    pub(crate) async fn category_tree_for(
        &self,
        rules: &Rules,
        codes_typed: bool,
    ) -> Result<Option<Arc<CategoryTree>>, StoreError> {
        let needed = codes_typed
            || !rules.tax.categories.is_empty()
            || rules.promotions.iter().any(|p| !p.targets.category_ids.is_empty());
        match needed {
            true => Ok(Some(self.category_tree().await?)),
            false => Ok(None),
        }
    }

    /// Prices `user_id`'s cart as an order placed now would be (`POST /cart/price`), to
    /// one of their addresses; the shipping methods offered come with it. Nothing is
    /// written and no coupon use is counted; a code that does not apply is reported in
    /// the answer, not refused.
    pub async fn price_cart(
        &self,
        user_id: i64,
        address_id: i64,
        shipping_method_id: Option<i64>,
        coupon_codes: &[String],
        now: Timestamp,
    ) -> Result<Result<CartPricing, PricingRefusal>, StoreError> {
        let rules = self.pricing_rules().await?;
        let tree = self.category_tree_for(&rules, !coupon_codes.is_empty()).await?;
        let mut conn = Conn::Pooled(self.reader().acquire().await?);
        let snapshot = snapshot_address_in(&mut conn, self.sealer(), user_id, address_id).await?;
        let lines = cart_lines_in(&mut conn, user_id).await?;
        if lines.is_empty() {
            return Err(StoreError::EmptyCart);
        }
        price_lines_in(
            &mut conn,
            &rules,
            tree.as_deref(),
            &lines,
            Some(user_id),
            Destination::from(&snapshot),
            shipping_method_id,
            coupon_codes,
            now,
        )
        .await
    }

    /// The shipping methods offered for `user_id`'s cart (possibly empty) to one of their
    /// addresses, each with its fee for the cart at list prices.
    pub async fn shipping_options(&self, user_id: i64, address_id: i64) -> Result<Vec<ShippingOption>, StoreError> {
        let rules = self.pricing_rules().await?;
        let tree = self.category_tree_for(&rules, false).await?;
        let mut conn = Conn::Pooled(self.reader().acquire().await?);
        let snapshot = snapshot_address_in(&mut conn, self.sealer(), user_id, address_id).await?;
        let lines = cart_lines_in(&mut conn, user_id).await?;
        let lines = engine_lines(tree.as_deref(), &lines)?;
        Ok(shipping_options(&lines, &Destination::from(&snapshot), &rules))
    }
}
