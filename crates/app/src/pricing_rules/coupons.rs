//! Coupons, one by one or in generated batches.

use emporium_domain::FieldError;
use emporium_domain::money::Amount;
use emporium_domain::pricing::coupon::{Coupon, CouponCode, CouponKind, generate_coupon_codes};
use emporium_store::StoreError;
use emporium_store::pricing_admin::{CouponRecord, CouponRemoval, CouponSaved};

use super::{Errors, TargetsDraft, amount, parsed, schedule, time_text};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

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
    let result: AppResult<CouponRecord> = async {
        let coupon = parse_coupon(d)?;
        let ids = state
            .store()
            .create_coupons(vec![coupon], None, state.now())
            .await
            .map_err(code_taken)?;
        let id = parsed(ids.first().copied())?;
        Ok(state.store().coupon(id).await?)
    }
    .await;
    crate::audit::recorded(state, "coupon.create", "coupon", result, |v| {
        (
            v.coupon.id.to_string(),
            serde_json::json!({"active": v.active}).to_string(),
        )
    })
    .await
}

/// Generates and stores a batch of coupons with the same terms; answers the batch's
/// label and the codes. Randomness comes from the operating system (`getrandom`); should
/// a code collide with one already stored, the whole batch is drawn again (twice at most).
pub async fn create_coupon_batch(state: &AppState, b: CouponBatch) -> AppResult<(String, Vec<String>)> {
    let result: AppResult<(String, Vec<String>)> = async {
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
    .await;
    crate::audit::recorded(state, "coupon.create_batch", "coupon_batch", result, |v| {
        (v.0.clone(), serde_json::json!({"count": v.1.len()}).to_string())
    })
    .await
}

fn random() -> AppResult<u64> {
    getrandom::u64().map_err(|e| AppError::Internal(anyhow::anyhow!("no randomness: {e}")))
}

/// Applies changes to a coupon (validated whole; `used` is never set by hand, and the
/// usage limit cannot go below it); answers it.
pub async fn update_coupon(state: &AppState, id: i64, e: CouponEdit) -> AppResult<CouponRecord> {
    let result: AppResult<CouponRecord> = async {
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
    .await;
    crate::audit::recorded(state, "coupon.update", "coupon", result, |v| {
        (
            id.to_string(),
            serde_json::json!({"after": {"active": v.active}}).to_string(),
        )
    })
    .await
}

/// Removes a coupon no order ever held, or deactivates one that orders hold or held;
/// answers which.
pub async fn delete_coupon(state: &AppState, id: i64) -> AppResult<CouponRemoval> {
    let result: AppResult<CouponRemoval> = async { Ok(state.store().delete_coupon(id).await?) }.await;
    crate::audit::recorded(state, "coupon.delete", "coupon", result, |_v| {
        (id.to_string(), String::new())
    })
    .await
}
