//! `/admin/promotions`: the automatic promotions (满减 tiers, percent or fixed off, free
//! shipping, buy N get M), each with its targets, schedule, priority and whether it
//! combines; adding, changing and removing one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::pricing_rules::{self, PromotionDraft, PromotionEdit, TargetsDraft};
use emporium_app::{AppError, AppState};
use emporium_domain::pricing::promotion::PromotionKind;
use emporium_domain::pricing::rules::{Schedule, Targets};
use emporium_domain::staff::Permission;
use emporium_store::pricing_admin::PromotionRecord;
use serde::Deserialize;

use super::{CURRENCY, Reader, both, checked, ids_text, on_form, time_cell, time_input, variant_targets, yuan_text};
use crate::admin::confirm::Confirmed;
use crate::flash::{Done, after};
use crate::i18n::Texts;
use crate::session::Visitor;
use crate::view::{Ctx, FieldErrors, Path, Posted, WebError, WebResult, form_errors, money, render, see_other};

/// The list's address.
const PAGE: &str = "/admin/promotions";

/// A promotion as listed.
#[derive(Debug)]
pub struct PromotionRow {
    id: i64,
    name: String,
    kind: &'static str,
    details: String,
    targets: String,
    schedule: String,
    priority: i32,
    combinable: bool,
    active: bool,
}

#[derive(Template)]
#[template(path = "admin/promotions.html")]
struct PromotionsPage {
    ctx: Ctx,
    rows: Vec<PromotionRow>,
    /// The add form (as typed when it failed).
    form: PromotionForm,
    errors: FieldErrors,
    action: String,
}

#[derive(Template)]
#[template(path = "admin/promotion.html")]
struct PromotionPage {
    ctx: Ctx,
    id: i64,
    form: PromotionForm,
    errors: FieldErrors,
    action: String,
}

/// The kind of a promotion in words.
fn kind_label(t: &Texts, kind: &PromotionKind) -> &'static str {
    match kind {
        PromotionKind::Threshold(_) => t.kind_threshold,
        PromotionKind::PercentOff(_) => t.kind_percent_off,
        PromotionKind::FixedOff { .. } => t.kind_fixed_off,
        PromotionKind::FreeShipping { .. } => t.kind_free_shipping,
        PromotionKind::BuyNGetM(_) => t.kind_buy_n_get_m,
    }
}

/// What a promotion gives, briefly: `¥99.00 − ¥10.00 · ¥199.00 − ¥30.00`, `10 %`.
fn details(kind: &PromotionKind) -> String {
    let m = |v: i64| money(v, CURRENCY);
    match kind {
        PromotionKind::Threshold(tiers) => tiers
            .tiers()
            .iter()
            .map(|tier| format!("{} − {}", m(tier.min_spend.minor()), m(tier.off.minor())))
            .collect::<Vec<_>>()
            .join(" · "),
        PromotionKind::PercentOff(p) => format!("{} %", p.get()),
        PromotionKind::FixedOff { per_unit } => format!("− {} / 1", m(per_unit.minor())),
        PromotionKind::FreeShipping { min_spend } => format!("≥ {}", m(min_spend.minor())),
        PromotionKind::BuyNGetM(b) => format!("{} + {}", b.n(), b.m()),
    }
}

/// The lines an offer is about, in words.
pub(super) fn targets_text(t: &Texts, targets: &Targets) -> String {
    if targets.is_whole_cart() {
        return t.everything.to_owned();
    }
    let mut parts = Vec::new();
    if !targets.product_ids.is_empty() {
        parts.push(format!("{} {}", t.product_ids, ids_text(&targets.product_ids)));
    }
    if !targets.variant_ids.is_empty() {
        parts.push(format!("{} {}", t.variant, ids_text(&targets.variant_ids)));
    }
    if !targets.category_ids.is_empty() {
        parts.push(format!("{} {}", t.category_ids, ids_text(&targets.category_ids)));
    }
    parts.join(" · ")
}

/// A schedule in words.
pub(super) fn schedule_text(t: &Texts, s: Schedule) -> String {
    match (s.starts_at(), s.ends_at()) {
        (None, None) => t.always.to_owned(),
        (start, end) => format!("{} – {}", time_cell(start), time_cell(end)),
    }
}

fn row(t: &Texts, r: &PromotionRecord) -> PromotionRow {
    let p = &r.promotion;
    PromotionRow {
        id: p.id,
        name: p.name.clone(),
        kind: kind_label(t, &p.kind),
        details: details(&p.kind),
        targets: targets_text(t, &p.targets),
        schedule: schedule_text(t, p.schedule),
        priority: p.priority,
        combinable: p.combinable,
        active: r.active,
    }
}

async fn list_page(state: &AppState, visitor: &Visitor, form: PromotionForm, errors: FieldErrors) -> WebResult {
    let t = visitor.t();
    let rows = pricing_rules::promotions(state)
        .await?
        .iter()
        .map(|r| row(t, r))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &PromotionsPage {
            ctx: Ctx::new(visitor),
            rows,
            form,
            errors,
            action: PAGE.into(),
        },
    ))
}

/// `GET /admin/promotions`.
pub async fn list(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    visitor.staff(Permission::Settings)?;
    list_page(&state, &visitor, PromotionForm::new(), FieldErrors::default()).await
}

/// The add and change forms: every kind's fields; only the chosen kind's are read.
#[derive(Debug, Default, Deserialize)]
pub struct PromotionForm {
    #[serde(default)]
    name: String,
    /// `threshold`, `percent_off`, `fixed_off`, `free_shipping` or `buy_n_get_m`.
    #[serde(default)]
    kind: String,
    /// threshold: one tier a line, `min_spend off`, in yuan.
    #[serde(default)]
    tiers: String,
    /// percent_off: 1–100.
    #[serde(default)]
    percent: String,
    /// fixed_off: yuan off each unit.
    #[serde(default)]
    per_unit: String,
    /// free_shipping: the least spend, in yuan.
    #[serde(default)]
    min_spend: String,
    #[serde(default)]
    n: String,
    #[serde(default)]
    m: String,
    #[serde(default)]
    product_ids: String,
    /// Variant ids or SKUs.
    #[serde(default)]
    variant_ids: String,
    #[serde(default)]
    category_ids: String,
    /// `datetime-local`, in UTC.
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    priority: String,
    /// A checkbox.
    #[serde(default)]
    combinable: String,
    /// A checkbox.
    #[serde(default)]
    active: String,
}

impl PromotionForm {
    /// The empty add form: combinable and active ticked.
    fn new() -> Self {
        Self {
            kind: "threshold".into(),
            combinable: "true".into(),
            active: "true".into(),
            ..Self::default()
        }
    }

    /// The change form of a stored promotion.
    fn of(r: &PromotionRecord) -> Self {
        let p = &r.promotion;
        let mut f = Self {
            name: p.name.clone(),
            product_ids: ids_text(&p.targets.product_ids),
            variant_ids: ids_text(&p.targets.variant_ids),
            category_ids: ids_text(&p.targets.category_ids),
            starts_at: time_input(p.schedule.starts_at().map(|t| t.to_rfc3339()).as_deref()),
            ends_at: time_input(p.schedule.ends_at().map(|t| t.to_rfc3339()).as_deref()),
            priority: p.priority.to_string(),
            combinable: p.combinable.to_string(),
            active: r.active.to_string(),
            ..Self::default()
        };
        match &p.kind {
            PromotionKind::Threshold(tiers) => {
                f.kind = "threshold".into();
                f.tiers = tiers
                    .tiers()
                    .iter()
                    .map(|t| format!("{} {}", yuan_text(t.min_spend.minor()), yuan_text(t.off.minor())))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            PromotionKind::PercentOff(pc) => {
                f.kind = "percent_off".into();
                f.percent = pc.get().to_string();
            }
            PromotionKind::FixedOff { per_unit } => {
                f.kind = "fixed_off".into();
                f.per_unit = yuan_text(per_unit.minor());
            }
            PromotionKind::FreeShipping { min_spend } => {
                f.kind = "free_shipping".into();
                f.min_spend = yuan_text(min_spend.minor());
            }
            PromotionKind::BuyNGetM(b) => {
                f.kind = "buy_n_get_m".into();
                f.n = b.n().to_string();
                f.m = b.m().to_string();
            }
        }
        f
    }

    fn is_checked(&self, field: &str) -> bool {
        checked(match field {
            "combinable" => &self.combinable,
            _ => &self.active,
        })
    }

    /// The form read into the use case's draft; only the chosen kind's fields are given.
    /// The variants typed (ids or SKUs) are looked up, and their errors come with the
    /// rest.
    async fn draft(&self, state: &AppState) -> Result<PromotionDraft, AppError> {
        let (mut d, variant_ids) = both(self.read(), variant_targets(state, &self.variant_ids).await)?;
        d.targets.variant_ids = variant_ids;
        Ok(d)
    }

    /// The form's own fields read into the use case's draft (no variants yet).
    fn read(&self) -> Result<PromotionDraft, AppError> {
        let mut r = Reader::default();
        let kind = self.kind.trim();
        let mut d = PromotionDraft {
            name: self.name.clone(),
            kind: kind.to_owned(),
            targets: TargetsDraft {
                product_ids: r.ids("product_ids", &self.product_ids),
                variant_ids: Vec::new(),
                category_ids: r.ids("category_ids", &self.category_ids),
            },
            starts_at: r.time("starts_at", &self.starts_at),
            ends_at: r.time("ends_at", &self.ends_at),
            priority: r.whole_opt("priority", &self.priority),
            combinable: Some(self.is_checked("combinable")),
            active: Some(self.is_checked("active")),
            ..PromotionDraft::default()
        };
        match kind {
            "threshold" => d.tiers = Some(self.threshold_tiers(&mut r)),
            "percent_off" => d.percent = r.whole_opt("percent", &self.percent),
            "fixed_off" => d.per_unit = r.yuan_opt("per_unit", &self.per_unit),
            "free_shipping" => d.min_spend = r.yuan_opt("min_spend", &self.min_spend),
            "buy_n_get_m" => {
                d.n = r.whole_opt("n", &self.n);
                d.m = r.whole_opt("m", &self.m);
            }
            // An unknown kind is the use case's to name.
            _ => {}
        }
        r.finish()?;
        Ok(d)
    }

    fn threshold_tiers(&self, r: &mut Reader) -> Vec<(i64, i64)> {
        let mut tiers = Vec::new();
        for line in self.tiers.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let tier = match parts.as_slice() {
                [min_spend, off] => {
                    crate::view::parse_money(min_spend, CURRENCY).zip(crate::view::parse_money(off, CURRENCY))
                }
                _ => None,
            };
            match tier {
                Some(tier) => tiers.push(tier),
                None => {
                    r.fail(
                        "tiers",
                        "each line must be: the least spend, then the amount off (99 10)",
                    );
                    break;
                }
            }
        }
        tiers
    }
}

/// `POST /admin/promotions`: adds a promotion.
pub async fn create(State(state): State<AppState>, Posted { visitor, form }: Posted<PromotionForm>) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let result = match form.draft(&state).await {
        Ok(draft) => pricing_rules::create_promotion(&state, draft).await.map(drop),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(PAGE)),
        Err(e) => {
            let errors = on_form(form_errors(e, visitor.lang)?);
            list_page(&state, &visitor, form, errors).await
        }
    }
}

fn edit_page(visitor: &Visitor, id: i64, form: PromotionForm, errors: FieldErrors) -> WebResult {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &PromotionPage {
            ctx: Ctx::new(visitor),
            id,
            form,
            errors,
            action: format!("{PAGE}/{id}"),
        },
    ))
}

/// `GET /admin/promotions/{id}`: the change form.
pub async fn edit(State(state): State<AppState>, Path(id): Path<i64>, visitor: Visitor) -> WebResult {
    visitor.staff(Permission::Settings)?;
    match pricing_rules::promotion(&state, id).await {
        Ok(r) => edit_page(&visitor, id, PromotionForm::of(&r), FieldErrors::default()),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/promotions/{id}`: saves changes.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<PromotionForm>,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let result = match form.draft(&state).await {
        Ok(d) => {
            let edit = PromotionEdit {
                name: Some(d.name),
                kind: Some(d.kind),
                tiers: d.tiers,
                percent: d.percent,
                per_unit: d.per_unit,
                min_spend: d.min_spend,
                n: d.n,
                m: d.m,
                product_ids: Some(d.targets.product_ids),
                variant_ids: Some(d.targets.variant_ids),
                category_ids: Some(d.targets.category_ids),
                starts_at: Some(d.starts_at),
                ends_at: Some(d.ends_at),
                priority: Some(d.priority.unwrap_or(0)),
                combinable: d.combinable,
                active: d.active,
            };
            pricing_rules::update_promotion(&state, id, edit).await.map(drop)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&after(PAGE, Done::Saved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = on_form(form_errors(e, visitor.lang)?);
            edit_page(&visitor, id, form, errors)
        }
    }
}

/// `POST /admin/promotions/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Confirmed>,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    if let Some(ask) = form.ask_to_delete(&visitor, &format!("/admin/promotions/{id}/delete"), PAGE) {
        return ask;
    }
    match pricing_rules::delete_promotion(&state, id).await {
        Ok(()) => Ok(see_other(PAGE)),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            list_page(&state, &visitor, PromotionForm::new(), errors).await
        }
    }
}
