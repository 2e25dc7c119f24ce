//! Staff's management of the pricing rules: shipping zones and their methods,
//! promotions, coupons (one by one or in generated batches), tax rates and settings.
//!
//! Input arrives as raw values (drafts) and goes through the domain's validating
//! constructors (`ShippingZone::new`, `WeightTiers::new`, `CouponKind::percent`,
//! `Schedule::new`…), every bad field reported at once where the fields are independent.
//! A change (PATCH) is laid over the stored rule turned back into a draft, and the whole
//! is validated again, so a rule can never be changed into one the engine would refuse.
//! The store forgets its kept rules after each write, so the next checkout sees it.

use emporium_domain::money::Amount;
use emporium_domain::pricing::coupon::{Coupon, CouponCode, CouponKind, generate_coupon_codes};
use emporium_domain::pricing::promotion::{BuyNGetM, Promotion, PromotionKind, ThresholdTier, ThresholdTiers};
use emporium_domain::pricing::rules::{Percent, Schedule, Targets};
use emporium_domain::pricing::shipping::{ShippingMethod, ShippingRule, ShippingZone, WeightTier, WeightTiers};
use emporium_domain::pricing::tax::{TaxMode, TaxRate, TaxRules};
use emporium_domain::text::optional_line;
use emporium_domain::time::Timestamp;
use emporium_domain::{FieldError, Invalid};
use emporium_store::StoreError;
use emporium_store::pricing_admin::{
    CouponRecord, CouponRemoval, CouponSaved, MethodRecord, PromotionRecord, TaxRateRecord, ZoneRecord,
};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Collects field errors from several independent parses.
#[derive(Debug, Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    /// The value, or `None` with its error kept.
    fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        r.map_err(|e| self.0.push(e)).ok()
    }

    /// Like [`Errors::take`] for a parse that reports several fields.
    fn take_all<T>(&mut self, r: Result<T, Invalid>) -> Option<T> {
        r.map_err(|e| self.0.extend(e.0)).ok()
    }

    fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}

/// Every value here is `Some` once [`Errors::finish`] has passed; a missing one is a bug.
fn parsed<T>(v: Option<T>) -> AppResult<T> {
    v.ok_or_else(|| AppError::Internal(anyhow::anyhow!("a parsed pricing field is missing")))
}

fn position(raw: Option<i64>) -> Result<i64, FieldError> {
    match raw.unwrap_or(0) {
        p @ 0..=1_000_000 => Ok(p),
        _ => Err(FieldError::new("position", "must be from 0 to 1000000")),
    }
}

fn amount(field: &str, raw: i64) -> Result<Amount, FieldError> {
    Amount::parse(field, raw)
}

fn time(field: &str, raw: Option<&str>) -> Result<Option<Timestamp>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Timestamp::parse_rfc3339(s)
            .map(Some)
            .ok_or_else(|| FieldError::new(field, "must be an RFC 3339 time such as 2026-11-25T08:00:00Z")),
    }
}

/// Start and end, each readable, the end after the start.
fn schedule(errors: &mut Errors, starts_at: Option<&str>, ends_at: Option<&str>) -> Option<Schedule> {
    let start = errors.take(time("starts_at", starts_at));
    let end = errors.take(time("ends_at", ends_at));
    errors.take(Schedule::new(start?, end?))
}

fn time_text(t: Option<Timestamp>) -> Option<String> {
    t.map(Timestamp::to_rfc3339)
}

/// Most ids an offer may list in each of its target lists.
const MAX_TARGETS: usize = 1_000;

/// The lines an offer is about, as typed: ids of products, variants and categories.
#[derive(Debug, Clone, Default)]
pub struct TargetsDraft {
    /// Products (every variant of each).
    pub product_ids: Vec<i64>,
    /// Single variants.
    pub variant_ids: Vec<i64>,
    /// Categories and everything below them.
    pub category_ids: Vec<i64>,
}

impl TargetsDraft {
    fn parse(self, errors: &mut Errors) -> Targets {
        let mut check = |field: &str, ids: Vec<i64>| -> Vec<i64> {
            if ids.len() > MAX_TARGETS {
                errors
                    .0
                    .push(FieldError::new(field, format!("must list at most {MAX_TARGETS} ids")));
            } else if let Some(i) = ids.iter().position(|&id| id <= 0) {
                errors
                    .0
                    .push(FieldError::new(format!("{field}[{i}]"), "must be a positive id"));
            }
            let mut ids = ids;
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        Targets {
            product_ids: check("product_ids", self.product_ids),
            variant_ids: check("variant_ids", self.variant_ids),
            category_ids: check("category_ids", self.category_ids),
        }
    }

    fn of(t: &Targets) -> Self {
        Self {
            product_ids: t.product_ids.clone(),
            variant_ids: t.variant_ids.clone(),
            category_ids: t.category_ids.clone(),
        }
    }
}

// ---------------------------------------------------------------- shipping zones

/// A shipping zone as typed by staff.
#[derive(Debug, Clone, Default)]
pub struct ZoneDraft {
    /// 1–100 characters.
    pub name: String,
    /// ISO 3166-1 alpha-2 country; `None` for the rest of the world.
    pub country: Option<String>,
    /// Regions of the country covered; empty for all of it.
    pub regions: Vec<String>,
    /// Order among zones, 0–1,000,000 (default 0).
    pub position: Option<i64>,
}

/// Changes to a zone; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ZoneEdit {
    /// New name.
    pub name: Option<String>,
    /// New country; `Some(None)` makes it the rest of the world.
    pub country: Option<Option<String>>,
    /// New regions (replacing the old).
    pub regions: Option<Vec<String>>,
    /// New position.
    pub position: Option<i64>,
}

fn parse_zone(d: &ZoneDraft) -> AppResult<(ShippingZone, i64)> {
    let mut errors = Errors::default();
    let regions: Vec<&str> = d.regions.iter().map(String::as_str).collect();
    let zone = errors.take_all(ShippingZone::new(0, &d.name, d.country.as_deref(), &regions));
    let position = errors.take(position(d.position));
    errors.finish()?;
    Ok((parsed(zone)?, parsed(position)?))
}

/// Every zone with its methods (inactive ones too).
pub async fn zones(state: &AppState) -> AppResult<Vec<ZoneRecord>> {
    Ok(state.store().shipping_zones().await?)
}

/// One zone with its methods.
pub async fn zone(state: &AppState, id: i64) -> AppResult<ZoneRecord> {
    Ok(state.store().shipping_zone(id).await?)
}

/// Validates and creates a zone; answers it.
pub async fn create_zone(state: &AppState, d: ZoneDraft) -> AppResult<ZoneRecord> {
    let (zone, position) = parse_zone(&d)?;
    let id = state.store().create_shipping_zone(zone, position, state.now()).await?;
    zone_after_write(state, id).await
}

/// Applies changes to a zone (validated with the fields it keeps); answers it.
pub async fn update_zone(state: &AppState, id: i64, e: ZoneEdit) -> AppResult<ZoneRecord> {
    let current = state.store().shipping_zone(id).await?;
    let z = &current.zone;
    let d = ZoneDraft {
        name: e.name.unwrap_or_else(|| z.name.clone()),
        country: e.country.unwrap_or_else(|| z.country.map(|c| c.as_str().to_owned())),
        regions: e.regions.unwrap_or_else(|| z.regions.clone()),
        position: Some(e.position.unwrap_or(current.position)),
    };
    let (zone, position) = parse_zone(&d)?;
    state
        .store()
        .update_shipping_zone(id, zone, position, state.now())
        .await?;
    zone_after_write(state, id).await
}

/// The zone as written (gone again already only if removed meanwhile).
async fn zone_after_write(state: &AppState, id: i64) -> AppResult<ZoneRecord> {
    Ok(state.store().shipping_zone(id).await?)
}

/// Removes a zone and its methods.
pub async fn delete_zone(state: &AppState, id: i64) -> AppResult<()> {
    Ok(state.store().delete_shipping_zone(id).await?)
}

// ---------------------------------------------------------------- shipping methods

/// How a method's fee is computed, as typed.
#[derive(Debug, Clone)]
pub enum RuleDraft {
    /// The same fee for any parcel.
    Flat {
        /// The fee.
        fee: i64,
    },
    /// By total weight: `(up_to_grams, fee)` ascending, the last bound may be `None`.
    Weight {
        /// The tiers.
        tiers: Vec<(Option<i64>, i64)>,
    },
    /// A fee for the first item, another for each further one.
    Count {
        /// The first item's fee.
        first: i64,
        /// Each further item's fee.
        each_more: i64,
    },
}

impl RuleDraft {
    fn parse(&self) -> Result<ShippingRule, FieldError> {
        Ok(match self {
            Self::Flat { fee } => ShippingRule::Flat {
                fee: amount("rule.fee", *fee)?,
            },
            Self::Count { first, each_more } => ShippingRule::Count {
                first: amount("rule.first", *first)?,
                each_more: amount("rule.each_more", *each_more)?,
            },
            Self::Weight { tiers } => {
                let tiers = tiers
                    .iter()
                    .enumerate()
                    .map(|(i, &(up_to_grams, fee))| {
                        Ok(WeightTier {
                            up_to_grams,
                            fee: amount(&format!("rule.tiers[{i}].fee"), fee)?,
                        })
                    })
                    .collect::<Result<Vec<_>, FieldError>>()?;
                ShippingRule::Weight(WeightTiers::new(tiers)?)
            }
        })
    }

    fn of(rule: &ShippingRule) -> Self {
        match rule {
            ShippingRule::Flat { fee } => Self::Flat { fee: fee.minor() },
            ShippingRule::Count { first, each_more } => Self::Count {
                first: first.minor(),
                each_more: each_more.minor(),
            },
            ShippingRule::Weight(tiers) => Self::Weight {
                tiers: tiers.tiers().iter().map(|t| (t.up_to_grams, t.fee.minor())).collect(),
            },
        }
    }
}

/// A shipping method as typed by staff.
#[derive(Debug, Clone)]
pub struct MethodDraft {
    /// Its name in Chinese, 1–100 characters.
    pub name: String,
    /// Its name in English.
    pub name_en: Option<String>,
    /// How the fee is computed.
    pub rule: RuleDraft,
    /// Goods worth at least this much ship free.
    pub free_above: Option<i64>,
    /// The delivery estimate shown ("2–3 天").
    pub estimate: Option<String>,
    /// Order within the zone, 0–1,000,000 (default 0; the first is the default method).
    pub position: Option<i64>,
    /// Whether checkout offers it (default true).
    pub active: Option<bool>,
}

/// Changes to a method; `None` leaves a field alone (`Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub struct MethodEdit {
    /// New name.
    pub name: Option<String>,
    /// New English name.
    pub name_en: Option<Option<String>>,
    /// New rule.
    pub rule: Option<RuleDraft>,
    /// New free-shipping amount.
    pub free_above: Option<Option<i64>>,
    /// New estimate.
    pub estimate: Option<Option<String>>,
    /// New position.
    pub position: Option<i64>,
    /// Offered or not.
    pub active: Option<bool>,
}

fn parse_method(id: i64, d: &MethodDraft) -> AppResult<(ShippingMethod, i64)> {
    let mut errors = Errors::default();
    let rule = errors.take(d.rule.parse());
    let free_above = errors.take(d.free_above.map(|a| amount("free_above", a)).transpose());
    let position = errors.take(position(d.position));
    // The texts are checked even when the rule is bad, so every field is named at once.
    let placeholder = ShippingRule::Flat { fee: Amount::ZERO };
    let method = errors.take_all(ShippingMethod::new(
        id,
        &d.name,
        d.name_en.as_deref(),
        rule.clone().unwrap_or(placeholder),
        free_above.flatten(),
        d.estimate.as_deref(),
    ));
    errors.finish()?;
    Ok((parsed(method)?, parsed(position)?))
}

/// Validates and adds a method to a zone; answers it.
pub async fn create_method(state: &AppState, zone_id: i64, d: MethodDraft) -> AppResult<MethodRecord> {
    let (method, position) = parse_method(0, &d)?;
    let id = state
        .store()
        .create_shipping_method(zone_id, method, position, d.active.unwrap_or(true), state.now())
        .await?;
    Ok(state.store().shipping_method(id).await?)
}

/// Applies changes to a method (validated whole); answers it.
pub async fn update_method(state: &AppState, id: i64, e: MethodEdit) -> AppResult<MethodRecord> {
    let current = state.store().shipping_method(id).await?;
    let m = &current.method;
    let d = MethodDraft {
        name: e.name.unwrap_or_else(|| m.name.clone()),
        name_en: e.name_en.unwrap_or_else(|| m.name_en.clone()),
        rule: e.rule.unwrap_or_else(|| RuleDraft::of(&m.rule)),
        free_above: e.free_above.unwrap_or(m.free_above.map(Amount::minor)),
        estimate: e.estimate.unwrap_or_else(|| m.estimate.clone()),
        position: Some(e.position.unwrap_or(current.position)),
        active: Some(e.active.unwrap_or(current.active)),
    };
    let (method, position) = parse_method(id, &d)?;
    let record = MethodRecord {
        zone_id: current.zone_id,
        method,
        position,
        active: d.active.unwrap_or(true),
    };
    state.store().update_shipping_method(record, state.now()).await?;
    Ok(state.store().shipping_method(id).await?)
}

/// Removes a method.
pub async fn delete_method(state: &AppState, id: i64) -> AppResult<()> {
    Ok(state.store().delete_shipping_method(id).await?)
}

// ---------------------------------------------------------------- promotions

/// A promotion as typed by staff: `kind` names what it gives, and only that kind's
/// fields may be given (`threshold`: `tiers`; `percent_off`: `percent`; `fixed_off`:
/// `per_unit`; `free_shipping`: `min_spend`; `buy_n_get_m`: `n` and `m`).
#[derive(Debug, Clone, Default)]
pub struct PromotionDraft {
    /// Its name as shoppers see it, 1–100 characters.
    pub name: String,
    /// `threshold`, `percent_off`, `fixed_off`, `free_shipping` or `buy_n_get_m`.
    pub kind: String,
    /// threshold: `(min_spend, off)` tiers, ascending.
    pub tiers: Option<Vec<(i64, i64)>>,
    /// percent_off: 1–100.
    pub percent: Option<i64>,
    /// fixed_off: the amount off each unit.
    pub per_unit: Option<i64>,
    /// free_shipping: the least spend on the targeted lines.
    pub min_spend: Option<i64>,
    /// buy_n_get_m: units bought.
    pub n: Option<i64>,
    /// buy_n_get_m: units then free.
    pub m: Option<i64>,
    /// The lines it is about (none: every line).
    pub targets: TargetsDraft,
    /// RFC 3339 start.
    pub starts_at: Option<String>,
    /// RFC 3339 end, after the start.
    pub ends_at: Option<String>,
    /// Higher applies first (default 0), -1,000,000–1,000,000.
    pub priority: Option<i64>,
    /// Whether it combines with other offers (default true).
    pub combinable: Option<bool>,
    /// Whether checkout considers it (default true).
    pub active: Option<bool>,
}

/// Changes to a promotion; `None` leaves a field alone. Changing `kind` drops the old
/// kind's fields: give the new kind's with it.
#[derive(Debug, Clone, Default)]
pub struct PromotionEdit {
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<String>,
    /// New tiers.
    pub tiers: Option<Vec<(i64, i64)>>,
    /// New percentage.
    pub percent: Option<i64>,
    /// New amount per unit.
    pub per_unit: Option<i64>,
    /// New minimum spend.
    pub min_spend: Option<i64>,
    /// New n.
    pub n: Option<i64>,
    /// New m.
    pub m: Option<i64>,
    /// New product targets.
    pub product_ids: Option<Vec<i64>>,
    /// New variant targets.
    pub variant_ids: Option<Vec<i64>>,
    /// New category targets.
    pub category_ids: Option<Vec<i64>>,
    /// New start (`Some(None)`: none).
    pub starts_at: Option<Option<String>>,
    /// New end (`Some(None)`: none).
    pub ends_at: Option<Option<String>>,
    /// New priority.
    pub priority: Option<i64>,
    /// Combinable or not.
    pub combinable: Option<bool>,
    /// Active or not.
    pub active: Option<bool>,
}

/// The kinds of promotion and the fields each takes.
const PROMOTION_KINDS: [(&str, &[&str]); 5] = [
    ("threshold", &["tiers"]),
    ("percent_off", &["percent"]),
    ("fixed_off", &["per_unit"]),
    ("free_shipping", &["min_spend"]),
    ("buy_n_get_m", &["n", "m"]),
];

fn required<T: Copy>(errors: &mut Errors, field: &str, kind: &str, v: Option<T>) -> Option<T> {
    if v.is_none() {
        errors
            .0
            .push(FieldError::new(field, format!("is required for kind {kind}")));
    }
    v
}

fn parse_promotion_kind(errors: &mut Errors, d: &PromotionDraft) -> Option<PromotionKind> {
    let kind = d.kind.trim();
    let Some((_, own)) = PROMOTION_KINDS.iter().find(|(k, _)| *k == kind) else {
        errors.0.push(FieldError::new(
            "kind",
            "must be threshold, percent_off, fixed_off, free_shipping or buy_n_get_m",
        ));
        return None;
    };
    let given = [
        ("tiers", d.tiers.is_some()),
        ("percent", d.percent.is_some()),
        ("per_unit", d.per_unit.is_some()),
        ("min_spend", d.min_spend.is_some()),
        ("n", d.n.is_some()),
        ("m", d.m.is_some()),
    ];
    for (field, _) in given.iter().filter(|(f, present)| *present && !own.contains(f)) {
        errors
            .0
            .push(FieldError::new(*field, format!("does not apply to kind {kind}")));
    }
    match kind {
        "threshold" => {
            let Some(tiers) = &d.tiers else {
                errors
                    .0
                    .push(FieldError::new("tiers", "is required for kind threshold"));
                return None;
            };
            let tiers = tiers
                .iter()
                .enumerate()
                .map(|(i, &(min_spend, off))| {
                    Ok(ThresholdTier {
                        min_spend: amount(&format!("tiers[{i}].min_spend"), min_spend)?,
                        off: amount(&format!("tiers[{i}].off"), off)?,
                    })
                })
                .collect::<Result<Vec<_>, FieldError>>();
            let tiers = errors.take(tiers)?;
            errors.take(ThresholdTiers::new(tiers)).map(PromotionKind::Threshold)
        }
        "percent_off" => {
            let p = required(errors, "percent", kind, d.percent)?;
            errors.take(Percent::parse("percent", p)).map(PromotionKind::PercentOff)
        }
        "fixed_off" => {
            let v = required(errors, "per_unit", kind, d.per_unit)?;
            match errors.take(amount("per_unit", v))? {
                a if a == Amount::ZERO => {
                    errors.0.push(FieldError::new("per_unit", "must be greater than 0"));
                    None
                }
                per_unit => Some(PromotionKind::FixedOff { per_unit }),
            }
        }
        "free_shipping" => {
            let v = required(errors, "min_spend", kind, d.min_spend)?;
            errors
                .take(amount("min_spend", v))
                .map(|min_spend| PromotionKind::FreeShipping { min_spend })
        }
        _ => {
            let n = required(errors, "n", kind, d.n);
            let m = required(errors, "m", kind, d.m);
            errors.take(BuyNGetM::new(n?, m?)).map(PromotionKind::BuyNGetM)
        }
    }
}

fn parse_promotion(id: i64, d: PromotionDraft) -> AppResult<(Promotion, bool)> {
    let mut errors = Errors::default();
    let kind = parse_promotion_kind(&mut errors, &d);
    let schedule = schedule(&mut errors, d.starts_at.as_deref(), d.ends_at.as_deref());
    let priority = errors.take(match d.priority.unwrap_or(0) {
        p @ -1_000_000..=1_000_000 => Ok(i32::try_from(p).unwrap_or(0)),
        _ => Err(FieldError::new("priority", "must be from -1000000 to 1000000")),
    });
    let targets = d.targets.parse(&mut errors);
    let placeholder = PromotionKind::FreeShipping {
        min_spend: Amount::ZERO,
    };
    let promotion = errors.take(Promotion::new(
        id,
        &d.name,
        kind.unwrap_or(placeholder),
        targets,
        schedule.unwrap_or_default(),
        priority.unwrap_or(0),
        d.combinable.unwrap_or(true),
    ));
    // The name's error comes last from the constructor; keep the fields in form order.
    errors.0.sort_by_key(|e| e.field != "name");
    errors.finish()?;
    Ok((parsed(promotion)?, d.active.unwrap_or(true)))
}

fn promotion_draft(r: &PromotionRecord) -> PromotionDraft {
    let p = &r.promotion;
    let mut d = PromotionDraft {
        name: p.name.clone(),
        targets: TargetsDraft::of(&p.targets),
        starts_at: time_text(p.schedule.starts_at()),
        ends_at: time_text(p.schedule.ends_at()),
        priority: Some(i64::from(p.priority)),
        combinable: Some(p.combinable),
        active: Some(r.active),
        ..PromotionDraft::default()
    };
    match &p.kind {
        PromotionKind::Threshold(tiers) => {
            d.kind = "threshold".into();
            d.tiers = Some(
                tiers
                    .tiers()
                    .iter()
                    .map(|t| (t.min_spend.minor(), t.off.minor()))
                    .collect(),
            );
        }
        PromotionKind::PercentOff(p) => {
            d.kind = "percent_off".into();
            d.percent = Some(i64::from(p.get()));
        }
        PromotionKind::FixedOff { per_unit } => {
            d.kind = "fixed_off".into();
            d.per_unit = Some(per_unit.minor());
        }
        PromotionKind::FreeShipping { min_spend } => {
            d.kind = "free_shipping".into();
            d.min_spend = Some(min_spend.minor());
        }
        PromotionKind::BuyNGetM(b) => {
            d.kind = "buy_n_get_m".into();
            d.n = Some(i64::from(b.n()));
            d.m = Some(i64::from(b.m()));
        }
    }
    d
}

/// Every promotion, active or not.
pub async fn promotions(state: &AppState) -> AppResult<Vec<PromotionRecord>> {
    Ok(state.store().promotions().await?)
}

/// One promotion.
pub async fn promotion(state: &AppState, id: i64) -> AppResult<PromotionRecord> {
    Ok(state.store().promotion(id).await?)
}

/// Validates and creates a promotion; answers it.
pub async fn create_promotion(state: &AppState, d: PromotionDraft) -> AppResult<PromotionRecord> {
    let (promotion, active) = parse_promotion(0, d)?;
    let id = state.store().create_promotion(promotion, active, state.now()).await?;
    Ok(state.store().promotion(id).await?)
}

/// Applies changes to a promotion (validated whole); answers it.
pub async fn update_promotion(state: &AppState, id: i64, e: PromotionEdit) -> AppResult<PromotionRecord> {
    let current = state.store().promotion(id).await?;
    let mut d = promotion_draft(&current);
    if let Some(kind) = e.kind.filter(|k| *k != d.kind) {
        d = PromotionDraft {
            kind,
            tiers: None,
            percent: None,
            per_unit: None,
            min_spend: None,
            n: None,
            m: None,
            ..d
        };
    }
    d.name = e.name.unwrap_or(d.name);
    d.tiers = e.tiers.or(d.tiers);
    d.percent = e.percent.or(d.percent);
    d.per_unit = e.per_unit.or(d.per_unit);
    d.min_spend = e.min_spend.or(d.min_spend);
    d.n = e.n.or(d.n);
    d.m = e.m.or(d.m);
    d.targets.product_ids = e.product_ids.unwrap_or(d.targets.product_ids);
    d.targets.variant_ids = e.variant_ids.unwrap_or(d.targets.variant_ids);
    d.targets.category_ids = e.category_ids.unwrap_or(d.targets.category_ids);
    d.starts_at = e.starts_at.unwrap_or(d.starts_at);
    d.ends_at = e.ends_at.unwrap_or(d.ends_at);
    d.priority = e.priority.or(d.priority);
    d.combinable = e.combinable.or(d.combinable);
    d.active = e.active.or(d.active);
    let (promotion, active) = parse_promotion(id, d)?;
    state
        .store()
        .update_promotion(PromotionRecord { promotion, active }, state.now())
        .await?;
    Ok(state.store().promotion(id).await?)
}

/// Removes a promotion.
pub async fn delete_promotion(state: &AppState, id: i64) -> AppResult<()> {
    Ok(state.store().delete_promotion(id).await?)
}

// ---------------------------------------------------------------- coupons

/// What a coupon gives and when, as typed (everything but its code).
#[derive(Debug, Clone, Default)]
pub struct CouponTerms {
    /// `fixed` or `percent`.
    pub kind: String,
    /// fixed: the amount off (> 0); percent: 1–100.
    pub value: i64,
    /// percent: the most taken off (> 0).
    pub max_discount: Option<i64>,
    /// The least spend on the targeted lines.
    pub min_spend: Option<i64>,
    /// RFC 3339 start.
    pub starts_at: Option<String>,
    /// RFC 3339 end, after the start.
    pub ends_at: Option<String>,
    /// Orders that may use it in all (≥ 1).
    pub usage_limit: Option<i64>,
    /// Orders one customer may use it on (≥ 1).
    pub per_customer_limit: Option<i64>,
    /// The lines it applies to (none: every line).
    pub targets: TargetsDraft,
    /// Whether it combines with other offers (default true).
    pub combinable: Option<bool>,
}

/// A coupon as typed by staff.
#[derive(Debug, Clone, Default)]
pub struct CouponDraft {
    /// 3–32 letters, digits, `-`, `_`; stored upper case.
    pub code: String,
    /// Its terms.
    pub terms: CouponTerms,
}

/// Changes to a coupon; `None` leaves a field alone (`Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub struct CouponEdit {
    /// New code.
    pub code: Option<String>,
    /// New kind.
    pub kind: Option<String>,
    /// New value.
    pub value: Option<i64>,
    /// New cap.
    pub max_discount: Option<Option<i64>>,
    /// New minimum spend.
    pub min_spend: Option<Option<i64>>,
    /// New start.
    pub starts_at: Option<Option<String>>,
    /// New end.
    pub ends_at: Option<Option<String>>,
    /// New total limit (not below the uses so far).
    pub usage_limit: Option<Option<i64>>,
    /// New per-customer limit.
    pub per_customer_limit: Option<Option<i64>>,
    /// New product targets.
    pub product_ids: Option<Vec<i64>>,
    /// New variant targets.
    pub variant_ids: Option<Vec<i64>>,
    /// New category targets.
    pub category_ids: Option<Vec<i64>>,
    /// Combinable or not.
    pub combinable: Option<bool>,
    /// Usable or not.
    pub active: Option<bool>,
}

/// A batch of generated coupons with the same terms.
#[derive(Debug, Clone, Default)]
pub struct CouponBatch {
    /// What every code starts with (letters, digits, `-`, `_`).
    pub prefix: String,
    /// How many, 1–1000.
    pub count: i64,
    /// Random letters after the prefix, 6–16 (default 8).
    pub length: Option<i64>,
    /// The terms of each.
    pub terms: CouponTerms,
}

/// Most coupons one batch makes.
pub const MAX_BATCH: i64 = 1_000;

fn limit(field: &str, raw: Option<i64>) -> Result<Option<u32>, FieldError> {
    match raw {
        None => Ok(None),
        Some(n @ 1..=1_000_000_000) => Ok(u32::try_from(n).ok()),
        Some(_) => Err(FieldError::new(field, "must be from 1 to 1000000000")),
    }
}

/// Parses the terms into a coupon with a placeholder code (the caller's own is set after).
fn parse_terms(errors: &mut Errors, code: CouponCode, t: CouponTerms) -> Option<Coupon> {
    let kind = match t.kind.trim() {
        "fixed" => {
            if t.max_discount.is_some() {
                errors
                    .0
                    .push(FieldError::new("max_discount", "applies only to percent coupons"));
            }
            errors.take(CouponKind::fixed(t.value))
        }
        "percent" => errors.take(CouponKind::percent(t.value, t.max_discount)),
        _ => {
            errors.0.push(FieldError::new("kind", "must be fixed or percent"));
            None
        }
    };
    let min_spend = errors.take(amount("min_spend", t.min_spend.unwrap_or(0)));
    let schedule = schedule(errors, t.starts_at.as_deref(), t.ends_at.as_deref());
    let usage_limit = errors.take(limit("usage_limit", t.usage_limit));
    let per_customer_limit = errors.take(limit("per_customer_limit", t.per_customer_limit));
    let targets = t.targets.parse(errors);
    Some(Coupon {
        id: 0,
        code,
        kind: kind?,
        min_spend: min_spend?,
        targets,
        schedule: schedule?,
        usage_limit: usage_limit?,
        used: 0,
        per_customer_limit: per_customer_limit?,
        combinable: t.combinable.unwrap_or(true),
    })
}

fn parse_coupon(d: CouponDraft) -> AppResult<Coupon> {
    let mut errors = Errors::default();
    let code = errors.take(CouponCode::parse("code", &d.code));
    let placeholder = CouponCode::parse("code", "XXX").map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let coupon = parse_terms(&mut errors, placeholder, d.terms);
    errors.finish()?;
    Ok(Coupon {
        code: parsed(code)?,
        ..parsed(coupon)?
    })
}

fn code_taken(e: StoreError) -> AppError {
    if e.is_unique_violation() {
        AppError::Conflict {
            code: "coupon_code_taken",
            detail: "another coupon has this code (codes are compared in upper case)".into(),
        }
    } else {
        e.into()
    }
}

fn coupon_terms(c: &Coupon) -> CouponTerms {
    let (kind, value, max_discount) = match c.kind {
        CouponKind::Fixed { value } => ("fixed", value.minor(), None),
        CouponKind::Percent { value, max_discount } => {
            ("percent", i64::from(value.get()), max_discount.map(Amount::minor))
        }
    };
    CouponTerms {
        kind: kind.into(),
        value,
        max_discount,
        min_spend: Some(c.min_spend.minor()),
        starts_at: time_text(c.schedule.starts_at()),
        ends_at: time_text(c.schedule.ends_at()),
        usage_limit: c.usage_limit.map(i64::from),
        per_customer_limit: c.per_customer_limit.map(i64::from),
        targets: TargetsDraft::of(&c.targets),
        combinable: Some(c.combinable),
    }
}

/// A page of coupons, newest first: those with an id below `before`, `limit + 1` at most
/// (the caller cuts the page).
pub async fn coupons(state: &AppState, before: Option<i64>, limit: i64) -> AppResult<Vec<CouponRecord>> {
    Ok(state.store().coupons(before, limit).await?)
}

/// One coupon with its use.
pub async fn coupon(state: &AppState, id: i64) -> AppResult<CouponRecord> {
    Ok(state.store().coupon(id).await?)
}

/// Validates and creates a coupon (`coupon_code_taken` when its code is); answers it.
pub async fn create_coupon(state: &AppState, d: CouponDraft) -> AppResult<CouponRecord> {
    let coupon = parse_coupon(d)?;
    let ids = state
        .store()
        .create_coupons(vec![coupon], None, state.now())
        .await
        .map_err(code_taken)?;
    let id = parsed(ids.first().copied())?;
    Ok(state.store().coupon(id).await?)
}

/// Generates and stores a batch of coupons with the same terms; answers the batch's
/// label and the codes. Randomness comes from the operating system (`getrandom`); should
/// a code collide with one already stored, the whole batch is drawn again (twice at most).
pub async fn create_coupon_batch(state: &AppState, b: CouponBatch) -> AppResult<(String, Vec<String>)> {
    let mut errors = Errors::default();
    let count = errors.take(match b.count {
        n @ 1..=MAX_BATCH => usize::try_from(n).map_err(|_| FieldError::new("count", "must be from 1 to 1000")),
        _ => Err(FieldError::new("count", format!("must be from 1 to {MAX_BATCH}"))),
    });
    let length = errors.take(match b.length.unwrap_or(8) {
        n @ 6..=16 => usize::try_from(n).map_err(|_| FieldError::new("length", "must be from 6 to 16")),
        _ => Err(FieldError::new("length", "must be from 6 to 16")),
    });
    let placeholder = CouponCode::parse("code", "XXX").map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let template = parse_terms(&mut errors, placeholder, b.terms);
    // The prefix's own checks, before any randomness is drawn.
    if let (Some(count), Some(length)) = (count, length) {
        errors.take(generate_coupon_codes(&b.prefix, count.min(1), length, || 0).map(drop));
    }
    errors.finish()?;
    let (count, length, template) = (parsed(count)?, parsed(length)?, parsed(template)?);
    let label = format!("{:016x}", random()?);
    for attempt in 0..3 {
        let mut failure = None;
        let codes = generate_coupon_codes(&b.prefix, count, length, || {
            getrandom::u64().unwrap_or_else(|e| {
                failure = Some(e);
                0
            })
        });
        if let Some(e) = failure {
            return Err(AppError::Internal(anyhow::anyhow!(
                "no randomness for coupon codes: {e}"
            )));
        }
        let codes = codes?;
        let coupons: Vec<Coupon> = codes
            .iter()
            .map(|code| Coupon {
                code: code.clone(),
                ..template.clone()
            })
            .collect();
        match state
            .store()
            .create_coupons(coupons, Some(label.clone()), state.now())
            .await
        {
            Ok(_) => return Ok((label, codes.iter().map(|c| c.as_str().to_owned()).collect())),
            Err(e) if e.is_unique_violation() && attempt < 2 => continue,
            Err(e) => return Err(code_taken(e)),
        }
    }
    Err(AppError::Internal(anyhow::anyhow!("coupon batch: no attempt left")))
}

fn random() -> AppResult<u64> {
    getrandom::u64().map_err(|e| AppError::Internal(anyhow::anyhow!("no randomness: {e}")))
}

/// Applies changes to a coupon (validated whole; `used` is never set by hand, and the
/// usage limit cannot go below it); answers it.
pub async fn update_coupon(state: &AppState, id: i64, e: CouponEdit) -> AppResult<CouponRecord> {
    let current = state.store().coupon(id).await?;
    let mut t = coupon_terms(&current.coupon);
    t.kind = e.kind.unwrap_or(t.kind);
    t.value = e.value.unwrap_or(t.value);
    t.max_discount = e.max_discount.unwrap_or(t.max_discount);
    t.min_spend = e.min_spend.unwrap_or(t.min_spend);
    t.starts_at = e.starts_at.unwrap_or(t.starts_at);
    t.ends_at = e.ends_at.unwrap_or(t.ends_at);
    t.usage_limit = e.usage_limit.unwrap_or(t.usage_limit);
    t.per_customer_limit = e.per_customer_limit.unwrap_or(t.per_customer_limit);
    t.targets.product_ids = e.product_ids.unwrap_or(t.targets.product_ids);
    t.targets.variant_ids = e.variant_ids.unwrap_or(t.targets.variant_ids);
    t.targets.category_ids = e.category_ids.unwrap_or(t.targets.category_ids);
    t.combinable = e.combinable.or(t.combinable);
    let d = CouponDraft {
        code: e.code.unwrap_or_else(|| current.coupon.code.as_str().to_owned()),
        terms: t,
    };
    let coupon = Coupon { id, ..parse_coupon(d)? };
    let saved = state
        .store()
        .update_coupon(coupon, e.active.unwrap_or(current.active), state.now())
        .await
        .map_err(code_taken)?;
    if let CouponSaved::LimitBelowUse(used) = saved {
        return Err(FieldError::new(
            "usage_limit",
            format!("must be at least {used}, the orders that hold the coupon"),
        )
        .into());
    }
    Ok(state.store().coupon(id).await?)
}

/// Removes a coupon no order ever held, or deactivates one that orders hold or held;
/// answers which.
pub async fn delete_coupon(state: &AppState, id: i64) -> AppResult<CouponRemoval> {
    Ok(state.store().delete_coupon(id).await?)
}

// ---------------------------------------------------------------- tax

/// A tax rate for a category as typed by staff.
#[derive(Debug, Clone, Default)]
pub struct TaxRateDraft {
    /// The category (and everything below it).
    pub category_id: i64,
    /// The region (spelled as in addresses), if only there.
    pub region: Option<String>,
    /// Basis points, 0–10000 (1300 is 13 %).
    pub rate: i64,
}

/// The tax settings as typed by staff.
#[derive(Debug, Clone, Default)]
pub struct TaxSettingsDraft {
    /// `inclusive` or `exclusive`.
    pub mode: String,
    /// The rate of goods no category rate covers, basis points.
    pub default_rate: i64,
    /// The rate of shipping fees, basis points.
    pub shipping_rate: i64,
}

/// Every category tax rate.
pub async fn tax_rates(state: &AppState) -> AppResult<Vec<TaxRateRecord>> {
    Ok(state.store().tax_rates().await?)
}

/// Validates and adds a category tax rate: an unknown category is a bad `category_id`,
/// a second rate for one category and region is `tax_rate_taken`.
pub async fn create_tax_rate(state: &AppState, d: TaxRateDraft) -> AppResult<TaxRateRecord> {
    let mut errors = Errors::default();
    if d.category_id <= 0 {
        errors.0.push(FieldError::new("category_id", "names no category"));
    }
    let region = errors.take(optional_line("region", d.region.as_deref(), 100));
    let rate = errors.take(TaxRate::parse("rate", d.rate));
    errors.finish()?;
    state
        .store()
        .create_tax_rate(d.category_id, parsed(region)?, parsed(rate)?, state.now())
        .await
        .map_err(|e| match e {
            StoreError::NotFound("category") => FieldError::new("category_id", "names no category").into(),
            e if e.is_unique_violation() => AppError::Conflict {
                code: "tax_rate_taken",
                detail: "this category already has a rate for this region".into(),
            },
            e => e.into(),
        })
}

/// Removes a category tax rate.
pub async fn delete_tax_rate(state: &AppState, id: i64) -> AppResult<()> {
    Ok(state.store().delete_tax_rate(id).await?)
}

/// The tax mode, default rate and shipping rate now.
pub async fn tax_settings(state: &AppState) -> AppResult<TaxRules> {
    Ok(state.store().tax_settings().await?)
}

/// Validates and sets the tax mode and rates; answers them.
pub async fn set_tax_settings(state: &AppState, d: TaxSettingsDraft) -> AppResult<TaxRules> {
    let parsed_all = (
        TaxMode::parse("mode", &d.mode),
        TaxRate::parse("default_rate", d.default_rate),
        TaxRate::parse("shipping_rate", d.shipping_rate),
    );
    let (mode, default_rate, shipping_rate) = match parsed_all {
        (Ok(m), Ok(d), Ok(s)) => (m, d, s),
        (a, b, c) => return Err(Invalid::of([a.err(), b.err(), c.err()]).into()),
    };
    state
        .store()
        .set_tax_settings(mode, default_rate, shipping_rate)
        .await?;
    tax_settings(state).await
}
