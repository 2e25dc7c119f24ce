//! `/admin/coupons`: coupons newest first with their use; adding one, generating a
//! batch (the codes are shown once, on the answer to the form), changing one, and
//! removing one (which deactivates it instead when orders hold it).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use emporium_app::pricing_rules::{self, CouponBatch, CouponDraft, CouponEdit, CouponTerms, TargetsDraft};
use emporium_app::{AppError, AppState};
use emporium_domain::pricing::coupon::CouponKind;
use emporium_domain::staff::Permission;
use emporium_store::pricing_admin::{CouponRecord, CouponRemoval};
use serde::Deserialize;

use super::promotions::{schedule_text, targets_text};
use super::{CURRENCY, Reader, both, checked, ids_text, on_form, time_input, variant_targets, yuan_text};
use crate::admin::confirm::Confirmed;
use crate::flash::{Done, after};
use crate::i18n::Texts;
use crate::session::Visitor;
use crate::view::{Ctx, FieldErrors, Path, Posted, WebError, WebResult, form_errors, money, render, see_other};

/// The list's address.
const PAGE: &str = "/admin/coupons";

/// Coupons a page of the list shows.
const PAGE_SIZE: i64 = 50;

/// A coupon as listed.
#[derive(Debug)]
pub struct CouponRow {
    id: i64,
    code: String,
    value: String,
    min_spend: String,
    targets: String,
    schedule: String,
    used: u32,
    usage_limit: String,
    per_customer_limit: String,
    active: bool,
    batch: String,
}

#[derive(Template)]
#[template(path = "admin/coupons.html")]
struct CouponsPage {
    ctx: Ctx,
    rows: Vec<CouponRow>,
    /// The next (older) page's address.
    older: Option<String>,
    form: CouponForm,
    errors: FieldErrors,
    batch_form: CouponForm,
    batch_errors: FieldErrors,
    /// The codes a batch just generated, and its label.
    generated: Vec<String>,
    batch_label: String,
}

#[derive(Template)]
#[template(path = "admin/coupon.html")]
struct CouponPage {
    ctx: Ctx,
    id: i64,
    used: u32,
    form: CouponForm,
    errors: FieldErrors,
}

/// What a coupon gives: `¥10.00` or `15 % (≤ ¥50.00)`.
fn value_text(t: &Texts, kind: &CouponKind) -> String {
    match kind {
        CouponKind::Fixed { value } => money(value.minor(), CURRENCY),
        CouponKind::Percent { value, max_discount } => match max_discount {
            Some(cap) => format!(
                "{} % ({} {})",
                value.get(),
                t.max_discount,
                money(cap.minor(), CURRENCY)
            ),
            None => format!("{} %", value.get()),
        },
    }
}

fn row(t: &Texts, r: &CouponRecord) -> CouponRow {
    let c = &r.coupon;
    let limit = |l: Option<u32>| l.map_or_else(|| t.unlimited.to_owned(), |l| l.to_string());
    CouponRow {
        id: c.id,
        code: c.code.as_str().to_owned(),
        value: value_text(t, &c.kind),
        min_spend: money(c.min_spend.minor(), CURRENCY),
        targets: targets_text(t, &c.targets),
        schedule: schedule_text(t, c.schedule),
        used: c.used,
        usage_limit: limit(c.usage_limit),
        per_customer_limit: limit(c.per_customer_limit),
        active: r.active,
        batch: r.batch.clone().unwrap_or_default(),
    }
}

/// What the list page shows besides the coupons.
#[derive(Default)]
struct ListState {
    before: Option<i64>,
    form: Option<(CouponForm, FieldErrors)>,
    batch: Option<(CouponForm, FieldErrors)>,
    generated: Option<(String, Vec<String>)>,
    notice: Option<&'static str>,
}

async fn list_page(state: &AppState, visitor: &Visitor, s: ListState) -> WebResult {
    let t = visitor.t();
    let mut records = pricing_rules::coupons(state, s.before, PAGE_SIZE + 1).await?;
    let older = (records.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX)).then(|| {
        records.truncate(usize::try_from(PAGE_SIZE).unwrap_or(0));
        format!("{PAGE}?before={}", records.last().map_or(0, |r| r.coupon.id))
    });
    let failed =
        s.form.as_ref().is_some_and(|(_, e)| !e.is_empty()) || s.batch.as_ref().is_some_and(|(_, e)| !e.is_empty());
    let (form, errors) = s.form.unwrap_or_else(|| (CouponForm::new(), FieldErrors::default()));
    let (batch_form, batch_errors) = s.batch.unwrap_or_else(|| (CouponForm::new(), FieldErrors::default()));
    let (batch_label, generated) = s.generated.unwrap_or_default();
    let mut ctx = Ctx::new(visitor);
    ctx.notice = s.notice;
    Ok(render(
        if failed {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &CouponsPage {
            ctx,
            rows: records.iter().map(|r| row(t, r)).collect(),
            older,
            form,
            errors,
            batch_form,
            batch_errors,
            generated,
            batch_label,
        },
    ))
}

/// The list's query: a page (`before` an id) and what a removal did.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    before: Option<String>,
    removed: Option<String>,
}

/// `GET /admin/coupons?before=&removed=`.
pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(q): Query<ListQuery>) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let t = visitor.t();
    let s = ListState {
        before: q.before.and_then(|b| b.parse().ok()),
        notice: match q.removed.as_deref() {
            Some("deleted") => Some(t.coupon_deleted),
            Some("deactivated") => Some(t.coupon_deactivated),
            _ => None,
        },
        ..ListState::default()
    };
    list_page(&state, &visitor, s).await
}

/// The add, batch and change forms (the add form uses `code`, the batch form `prefix`
/// and `count`, the change form `active`).
#[derive(Debug, Default, Deserialize)]
pub struct CouponForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    count: String,
    /// `fixed` or `percent`.
    #[serde(default)]
    kind: String,
    /// fixed: yuan off; percent: 1–100.
    #[serde(default)]
    value: String,
    /// percent: the most taken off, in yuan.
    #[serde(default)]
    max_discount: String,
    #[serde(default)]
    min_spend: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    usage_limit: String,
    #[serde(default)]
    per_customer_limit: String,
    #[serde(default)]
    product_ids: String,
    /// Variant ids or SKUs.
    #[serde(default)]
    variant_ids: String,
    #[serde(default)]
    category_ids: String,
    /// A checkbox.
    #[serde(default)]
    combinable: String,
    /// A checkbox (the change form).
    #[serde(default)]
    active: String,
}

impl CouponForm {
    /// The empty form: a fixed amount, combinable.
    fn new() -> Self {
        Self {
            kind: "fixed".into(),
            combinable: "true".into(),
            active: "true".into(),
            ..Self::default()
        }
    }

    /// The change form of a stored coupon.
    fn of(r: &CouponRecord) -> Self {
        let c = &r.coupon;
        let (kind, value, max_discount) = match c.kind {
            CouponKind::Fixed { value } => ("fixed", yuan_text(value.minor()), String::new()),
            CouponKind::Percent { value, max_discount } => (
                "percent",
                value.get().to_string(),
                max_discount.map(|a| yuan_text(a.minor())).unwrap_or_default(),
            ),
        };
        let time = |t: Option<emporium_domain::time::Timestamp>| time_input(t.map(|t| t.to_rfc3339()).as_deref());
        Self {
            code: c.code.as_str().to_owned(),
            kind: kind.into(),
            value,
            max_discount,
            min_spend: if c.min_spend.minor() == 0 {
                String::new()
            } else {
                yuan_text(c.min_spend.minor())
            },
            starts_at: time(c.schedule.starts_at()),
            ends_at: time(c.schedule.ends_at()),
            usage_limit: c.usage_limit.map(|l| l.to_string()).unwrap_or_default(),
            per_customer_limit: c.per_customer_limit.map(|l| l.to_string()).unwrap_or_default(),
            product_ids: ids_text(&c.targets.product_ids),
            variant_ids: ids_text(&c.targets.variant_ids),
            category_ids: ids_text(&c.targets.category_ids),
            combinable: c.combinable.to_string(),
            active: r.active.to_string(),
            ..Self::default()
        }
    }

    fn is_checked(&self, field: &str) -> bool {
        checked(match field {
            "combinable" => &self.combinable,
            _ => &self.active,
        })
    }

    /// The terms as the use cases take them.
    fn terms(&self, r: &mut Reader) -> CouponTerms {
        let kind = self.kind.trim();
        let value = if kind == "percent" {
            r.whole("value", &self.value)
        } else {
            r.yuan("value", &self.value)
        };
        CouponTerms {
            kind: kind.to_owned(),
            value,
            max_discount: r.yuan_opt("max_discount", &self.max_discount),
            min_spend: r.yuan_opt("min_spend", &self.min_spend),
            starts_at: r.time("starts_at", &self.starts_at),
            ends_at: r.time("ends_at", &self.ends_at),
            usage_limit: r.whole_opt("usage_limit", &self.usage_limit),
            per_customer_limit: r.whole_opt("per_customer_limit", &self.per_customer_limit),
            targets: TargetsDraft {
                product_ids: r.ids("product_ids", &self.product_ids),
                variant_ids: Vec::new(),
                category_ids: r.ids("category_ids", &self.category_ids),
            },
            combinable: Some(self.is_checked("combinable")),
        }
    }
}

/// Reads a form with `read`, failing with every field it could not read.
fn read<T>(read: impl FnOnce(&mut Reader) -> T) -> Result<T, AppError> {
    let mut r = Reader::default();
    let value = read(&mut r);
    r.finish().map(|()| value)
}

/// `POST /admin/coupons`: adds one coupon.
pub async fn create(State(state): State<AppState>, Posted { visitor, form }: Posted<CouponForm>) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let draft = read(|r| CouponDraft {
        code: form.code.clone(),
        terms: form.terms(r),
    });
    let draft = both(draft, variant_targets(&state, &form.variant_ids).await).map(|(mut d, variant_ids)| {
        d.terms.targets.variant_ids = variant_ids;
        d
    });
    let result = match draft {
        Ok(d) => pricing_rules::create_coupon(&state, d).await.map(drop),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(PAGE)),
        Err(e) => {
            let errors = on_form(form_errors(e, visitor.lang)?);
            let s = ListState {
                form: Some((form, errors)),
                ..ListState::default()
            };
            list_page(&state, &visitor, s).await
        }
    }
}

/// `POST /admin/coupons/batch`: generates a batch and shows its codes. The answer is
/// the page itself rather than a redirect: the codes are shown this once (the list
/// shows each with its batch label afterwards).
pub async fn create_batch(State(state): State<AppState>, Posted { visitor, form }: Posted<CouponForm>) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let batch = read(|r| CouponBatch {
        prefix: form.prefix.trim().to_owned(),
        count: r.whole("count", &form.count),
        length: None,
        terms: form.terms(r),
    });
    let batch = both(batch, variant_targets(&state, &form.variant_ids).await).map(|(mut b, variant_ids)| {
        b.terms.targets.variant_ids = variant_ids;
        b
    });
    let result = match batch {
        Ok(b) => pricing_rules::create_coupon_batch(&state, b).await,
        Err(e) => Err(e),
    };
    let s = match result {
        Ok(generated) => ListState {
            generated: Some(generated),
            ..ListState::default()
        },
        Err(e) => ListState {
            batch: Some((form, on_form(form_errors(e, visitor.lang)?))),
            ..ListState::default()
        },
    };
    list_page(&state, &visitor, s).await
}

fn edit_page(visitor: &Visitor, id: i64, used: u32, form: CouponForm, errors: FieldErrors) -> WebResult {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &CouponPage {
            ctx: Ctx::new(visitor),
            id,
            used,
            form,
            errors,
        },
    ))
}

/// `GET /admin/coupons/{id}`: the change form.
pub async fn edit(State(state): State<AppState>, Path(id): Path<i64>, visitor: Visitor) -> WebResult {
    visitor.staff(Permission::Settings)?;
    match pricing_rules::coupon(&state, id).await {
        Ok(r) => edit_page(&visitor, id, r.coupon.used, CouponForm::of(&r), FieldErrors::default()),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/coupons/{id}`: saves changes.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<CouponForm>,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let current = match pricing_rules::coupon(&state, id).await {
        Ok(r) => r,
        Err(AppError::NotFound(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let edit = read(|r| {
        let t = form.terms(r);
        CouponEdit {
            code: Some(form.code.clone()),
            kind: Some(t.kind),
            value: Some(t.value),
            max_discount: Some(t.max_discount),
            min_spend: Some(t.min_spend),
            starts_at: Some(t.starts_at),
            ends_at: Some(t.ends_at),
            usage_limit: Some(t.usage_limit),
            per_customer_limit: Some(t.per_customer_limit),
            product_ids: Some(t.targets.product_ids),
            variant_ids: None,
            category_ids: Some(t.targets.category_ids),
            combinable: t.combinable,
            active: Some(form.is_checked("active")),
        }
    });
    let edit = both(edit, variant_targets(&state, &form.variant_ids).await).map(|(mut e, variant_ids)| {
        e.variant_ids = Some(variant_ids);
        e
    });
    let result = match edit {
        Ok(e) => pricing_rules::update_coupon(&state, id, e).await.map(drop),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&after(PAGE, Done::Saved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = on_form(form_errors(e, visitor.lang)?);
            edit_page(&visitor, id, current.coupon.used, form, errors)
        }
    }
}

/// `POST /admin/coupons/{id}/delete`: removes a coupon, or deactivates it when orders
/// hold it; the list then says which.
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Confirmed>,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    if let Some(ask) = form.ask_to_delete(&visitor, &format!("/admin/coupons/{id}/delete"), PAGE) {
        return ask;
    }
    match pricing_rules::delete_coupon(&state, id).await {
        Ok(CouponRemoval::Deleted) => Ok(see_other(&format!("{PAGE}?removed=deleted"))),
        Ok(CouponRemoval::Deactivated) => Ok(see_other(&format!("{PAGE}?removed=deactivated"))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}
