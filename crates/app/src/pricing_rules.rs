//! Staff's management of the pricing rules: shipping zones and their methods,
//! promotions, coupons (one by one or in generated batches), tax rates and settings.
//!
//! Input arrives as raw values (drafts) and goes through the domain's validating
//! constructors (`ShippingZone::new`, `WeightTiers::new`, `CouponKind::percent`,
//! `Schedule::new`…), every bad field reported at once where the fields are independent.
//! A change (PATCH) is laid over the stored rule turned back into a draft, and the whole
//! is validated again, so a rule can never be changed into one the engine would refuse.
//! The store forgets its kept rules after each write, so the next checkout sees it.

mod coupons;
mod promotions;
mod shipping;
mod tax;

pub use coupons::{
    CouponBatch, CouponDraft, CouponEdit, CouponTerms, MAX_BATCH, coupon, coupons, create_coupon, create_coupon_batch,
    delete_coupon, update_coupon,
};
pub use promotions::{
    PromotionDraft, PromotionEdit, create_promotion, delete_promotion, promotion, promotions, update_promotion,
};
pub use shipping::{
    MethodDraft, MethodEdit, RuleDraft, ZoneDraft, ZoneEdit, create_method, create_zone, delete_method, delete_zone,
    method, update_method, update_zone, zone, zones,
};
pub use tax::{
    TaxRateDraft, TaxSettingsDraft, create_tax_rate, delete_tax_rate, set_tax_settings, tax_rates, tax_settings,
};

use emporium_domain::money::Amount;
use emporium_domain::pricing::rules::{Schedule, Targets};
use emporium_domain::time::Timestamp;
use emporium_domain::{FieldError, Invalid};

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

/// The variants an offer is about, as staff type them on the admin pages: each item a
/// variant id (digits) or a SKU (exactly as stored). Answers their ids in the order typed;
/// an item that names no variant is an error naming `variant_ids[i]`, every one at once.
pub async fn variant_targets(state: &AppState, typed: &[String]) -> AppResult<Vec<i64>> {
    if typed.len() > MAX_TARGETS {
        return Err(AppError::Invalid(vec![FieldError::new(
            "variant_ids",
            format!("must list at most {MAX_TARGETS} ids"),
        )]));
    }
    let mut errors = Errors::default();
    let mut ids = Vec::with_capacity(typed.len());
    for (i, item) in typed.iter().map(|t| t.trim()).enumerate() {
        let field = format!("variant_ids[{i}]");
        let id = if item.bytes().all(|b| b.is_ascii_digit()) {
            item.parse::<i64>().ok().filter(|&id| id > 0)
        } else {
            None
        };
        if id.is_none()
            && let Err(e) = emporium_domain::catalog::Sku::parse(item)
        {
            errors.0.push(FieldError::new(field, e.message));
            continue;
        }
        match state.store().target_variant(id, item).await? {
            Some(found) => ids.push(found),
            None => errors
                .0
                .push(FieldError::new(field, "names no variant (an id or a SKU)")),
        }
    }
    errors.finish()?;
    Ok(ids)
}
