//! Automatic promotions.

use emporium_domain::FieldError;
use emporium_domain::money::Amount;
use emporium_domain::pricing::promotion::{BuyNGetM, Promotion, PromotionKind, ThresholdTier, ThresholdTiers};
use emporium_domain::pricing::rules::Percent;
use emporium_store::pricing_admin::PromotionRecord;

use super::{Errors, TargetsDraft, amount, parsed, schedule, time_text};
use crate::error::AppResult;
use crate::state::AppState;

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
    let result: AppResult<PromotionRecord> = async {
        let (promotion, active) = parse_promotion(0, d)?;
        let id = state.store().create_promotion(promotion, active, state.now()).await?;
        Ok(state.store().promotion(id).await?)
    }
    .await;
    crate::audit::recorded(state, "promotion.create", "promotion", result, |v| {
        (
            v.promotion.id.to_string(),
            serde_json::json!({"active": v.active}).to_string(),
        )
    })
    .await
}

/// Applies changes to a promotion (validated whole); answers it.
pub async fn update_promotion(state: &AppState, id: i64, e: PromotionEdit) -> AppResult<PromotionRecord> {
    let result: AppResult<PromotionRecord> = async {
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
    .await;
    crate::audit::recorded(state, "promotion.update", "promotion", result, |v| {
        (
            id.to_string(),
            serde_json::json!({"after": {"active": v.active}}).to_string(),
        )
    })
    .await
}

/// Removes a promotion.
pub async fn delete_promotion(state: &AppState, id: i64) -> AppResult<()> {
    let result: AppResult<()> = async { Ok(state.store().delete_promotion(id).await?) }.await;
    crate::audit::recorded(state, "promotion.delete", "promotion", result, |_v| {
        (id.to_string(), String::new())
    })
    .await
}
