//! `/admin/shipping`: the shipping zones with their methods; adding and removing a zone,
//! adding a method to a zone (flat, by weight in tiers, or by item count, with an
//! optional free-shipping amount and estimate), pausing and removing a method. Changing
//! a zone or a method has a page of its own (`shipping/edit.rs`).

mod edit;

pub use edit::{edit_method, edit_zone, update_method, update_zone};

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::pricing_rules::{self, MethodDraft, MethodEdit, RuleDraft, ZoneDraft};
use emporium_app::{AppError, AppState};
use emporium_domain::pricing::shipping::ShippingRule;
use emporium_domain::staff::Permission;
use emporium_store::pricing_admin::{MethodRecord, ZoneRecord};
use serde::Deserialize;

use super::{CURRENCY, Reader, on_form, split_names};
use crate::admin::confirm::Confirmed;
use crate::flash::{Done, after};
use crate::i18n::Texts;
use crate::session::Visitor;
use crate::view::{Ctx, FieldErrors, Path, Posted, WebError, WebResult, form_errors, money, render, see_other};

/// The page's address, where every form comes back to.
const PAGE: &str = "/admin/shipping";

/// A zone as listed, with its methods and the form to add one.
#[derive(Debug)]
pub struct ZoneRow {
    id: i64,
    name: String,
    /// The country code, or empty for the rest of the world.
    country: String,
    regions: String,
    methods: Vec<MethodRow>,
    /// The add-a-method form: as typed when it failed, else empty.
    form: MethodForm,
    errors: FieldErrors,
}

/// A method as listed.
#[derive(Debug)]
pub struct MethodRow {
    id: i64,
    name: String,
    name_en: String,
    rule: String,
    free_above: String,
    estimate: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "admin/shipping.html")]
struct ShippingPage {
    ctx: Ctx,
    zones: Vec<ZoneRow>,
    zone_form: ZoneForm,
    zone_errors: FieldErrors,
    /// Errors of an action on a listed zone or method (shown at the top).
    errors: FieldErrors,
}

/// Which form failed, with what was typed.
enum Failed {
    None,
    Zone(ZoneForm, FieldErrors),
    Method(i64, MethodForm, FieldErrors),
    Row(FieldErrors),
}

/// A rule in words: `Flat ¥10.00`, `By weight ≤1000 g ¥10.00 · ¥20.00`, `By item count ¥12.00 + ¥3.00`.
fn describe(t: &Texts, rule: &ShippingRule) -> String {
    let m = |v: i64| money(v, CURRENCY);
    match rule {
        ShippingRule::Flat { fee } => format!("{} {}", t.rule_flat, m(fee.minor())),
        ShippingRule::Weight(tiers) => {
            let tiers: Vec<String> = tiers
                .tiers()
                .iter()
                .map(|tier| match tier.up_to_grams {
                    Some(g) => format!("≤{g} g {}", m(tier.fee.minor())),
                    None => m(tier.fee.minor()),
                })
                .collect();
            format!("{} {}", t.rule_weight, tiers.join(" · "))
        }
        ShippingRule::Count { first, each_more } => format!(
            "{} {} {} · {} {}",
            t.rule_count,
            t.first_item,
            m(first.minor()),
            t.each_more,
            m(each_more.minor())
        ),
    }
}

fn method_row(t: &Texts, r: &MethodRecord) -> MethodRow {
    let m = &r.method;
    MethodRow {
        id: m.id,
        name: m.name.clone(),
        name_en: m.name_en.clone().unwrap_or_default(),
        rule: describe(t, &m.rule),
        free_above: m.free_above.map(|a| money(a.minor(), CURRENCY)).unwrap_or_default(),
        estimate: m.estimate.clone().unwrap_or_default(),
        active: r.active,
    }
}

async fn shipping_page(state: &AppState, visitor: &Visitor, failed: Failed) -> WebResult {
    let t = visitor.t();
    let (mut zone_form, mut zone_errors, mut errors) =
        (ZoneForm::default(), FieldErrors::default(), FieldErrors::default());
    let mut method_failed = None;
    let status = match failed {
        Failed::None => StatusCode::OK,
        Failed::Zone(form, e) => {
            (zone_form, zone_errors) = (form, e);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Failed::Method(zone_id, form, e) => {
            method_failed = Some((zone_id, form, e));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Failed::Row(e) => {
            errors = e;
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let zones = pricing_rules::zones(state)
        .await?
        .iter()
        .map(|z: &ZoneRecord| {
            let (form, errors) = match method_failed.take_if(|(id, _, _)| *id == z.zone.id) {
                Some((_, form, errors)) => (form, errors),
                None => (MethodForm::default(), FieldErrors::default()),
            };
            ZoneRow {
                id: z.zone.id,
                name: z.zone.name.clone(),
                country: z.zone.country.map(|c| c.as_str().to_owned()).unwrap_or_default(),
                regions: z.zone.regions.join("、"),
                methods: z.methods.iter().map(|m| method_row(t, m)).collect(),
                form,
                errors,
            }
        })
        .collect();
    Ok(render(
        status,
        &ShippingPage {
            ctx: Ctx::new(visitor),
            zones,
            zone_form,
            zone_errors,
            errors,
        },
    ))
}

/// `GET /admin/shipping`.
pub async fn list(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    visitor.staff(Permission::Settings)?;
    shipping_page(&state, &visitor, Failed::None).await
}

/// The add-a-zone and change-a-zone forms.
#[derive(Debug, Default, Deserialize)]
pub struct ZoneForm {
    #[serde(default)]
    name: String,
    /// Two letters, or blank for the rest of the world.
    #[serde(default)]
    country: String,
    /// Separated by commas or lines.
    #[serde(default)]
    regions: String,
    /// Order among zones (the change form only); blank keeps it.
    #[serde(default)]
    position: String,
}

impl ZoneForm {
    /// The form read into the use case's draft (the position only when typed).
    fn draft(&self) -> Result<ZoneDraft, AppError> {
        let mut r = Reader::default();
        let position = r.whole_opt("position", &self.position);
        r.finish()?;
        let country = self.country.trim();
        Ok(ZoneDraft {
            name: self.name.clone(),
            country: (!country.is_empty()).then(|| country.to_uppercase()),
            regions: split_names(&self.regions),
            position,
        })
    }
}

/// `POST /admin/shipping/zones`: adds a zone.
pub async fn create_zone(State(state): State<AppState>, Posted { visitor, form }: Posted<ZoneForm>) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let result = match form.draft() {
        Ok(draft) => pricing_rules::create_zone(&state, draft).await.map(drop),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&after(PAGE, Done::Saved))),
        Err(e) => {
            let errors = on_form(form_errors(e, visitor.lang)?);
            shipping_page(&state, &visitor, Failed::Zone(form, errors)).await
        }
    }
}

/// `POST /admin/shipping/zones/{id}/delete`: removes a zone and its methods.
pub async fn delete_zone(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Confirmed>,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    if let Some(ask) = form.ask_to_delete(&visitor, &format!("/admin/shipping/zones/{id}/delete"), PAGE) {
        return ask;
    }
    row_result(&state, &visitor, pricing_rules::delete_zone(&state, id).await).await
}

/// The add-a-method and change-a-method forms.
#[derive(Debug, Default, Deserialize)]
pub struct MethodForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    /// `flat`, `weight` or `count`.
    #[serde(default)]
    kind: String,
    /// flat: the fee, in yuan.
    #[serde(default)]
    fee: String,
    /// weight: one tier a line, `up_to_grams fee`; a last line with the fee alone has no bound.
    #[serde(default)]
    tiers: String,
    /// count: the first item's fee, in yuan.
    #[serde(default)]
    first: String,
    /// count: each further item's fee, in yuan.
    #[serde(default)]
    each_more: String,
    /// Goods worth at least this much ship free; blank for never.
    #[serde(default)]
    free_above: String,
    #[serde(default)]
    estimate: String,
    /// Order within the zone (the change form only); blank keeps it.
    #[serde(default)]
    position: String,
    /// A checkbox (the change form only).
    #[serde(default)]
    active: String,
}

impl MethodForm {
    fn rule(&self, r: &mut Reader) -> RuleDraft {
        match self.kind.trim() {
            "weight" => RuleDraft::Weight {
                tiers: self.weight_tiers(r),
            },
            "count" => RuleDraft::Count {
                first: r.yuan("first", &self.first),
                each_more: r.yuan("each_more", &self.each_more),
            },
            "flat" | "" => RuleDraft::Flat {
                fee: r.yuan("fee", &self.fee),
            },
            _ => {
                r.fail("kind", "must be flat, weight or count");
                RuleDraft::Flat { fee: 0 }
            }
        }
    }

    fn weight_tiers(&self, r: &mut Reader) -> Vec<(Option<i64>, i64)> {
        let mut tiers = Vec::new();
        for line in self.tiers.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let tier = match parts.as_slice() {
                [fee] | ["*" | "-", fee] => parse_fee(fee).map(|fee| (None, fee)),
                [grams, fee] => grams.parse().ok().zip(parse_fee(fee)).map(|(g, fee)| (Some(g), fee)),
                _ => None,
            };
            match tier {
                Some(tier) => tiers.push(tier),
                None => {
                    r.fail("tiers", "each line must be: up to grams, then the fee (1000 10)");
                    break;
                }
            }
        }
        tiers
    }

    fn draft(&self) -> Result<MethodDraft, AppError> {
        let mut r = Reader::default();
        let rule = self.rule(&mut r);
        let free_above = r.yuan_opt("free_above", &self.free_above);
        let position = r.whole_opt("position", &self.position);
        r.finish()?;
        let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(MethodDraft {
            name: self.name.clone(),
            name_en: optional(&self.name_en),
            rule,
            free_above,
            estimate: optional(&self.estimate),
            position,
            active: None,
        })
    }
}

fn parse_fee(raw: &str) -> Option<i64> {
    crate::view::parse_money(raw, CURRENCY)
}

/// `POST /admin/shipping/zones/{id}/methods`: adds a method to a zone.
pub async fn create_method(
    State(state): State<AppState>,
    Path(zone_id): Path<i64>,
    Posted { visitor, form }: Posted<MethodForm>,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let result = match form.draft() {
        Ok(draft) => pricing_rules::create_method(&state, zone_id, draft).await.map(drop),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&after(PAGE, Done::Saved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = on_form(form_errors(e, visitor.lang)?);
            shipping_page(&state, &visitor, Failed::Method(zone_id, form, errors)).await
        }
    }
}

/// Pausing or resuming a method.
#[derive(Debug, Default, Deserialize)]
pub struct ActiveForm {
    /// `true` to offer it at checkout again, anything else to pause it.
    #[serde(default)]
    active: String,
}

/// `POST /admin/shipping/methods/{id}/active`: pauses or resumes a method.
pub async fn set_method_active(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<ActiveForm>,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let edit = MethodEdit {
        active: Some(super::checked(&form.active)),
        ..MethodEdit::default()
    };
    let result = pricing_rules::update_method(&state, id, edit).await.map(drop);
    row_result(&state, &visitor, result).await
}

/// `POST /admin/shipping/methods/{id}/delete`: removes a method.
pub async fn delete_method(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Confirmed>,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    if let Some(ask) = form.ask_to_delete(&visitor, &format!("/admin/shipping/methods/{id}/delete"), PAGE) {
        return ask;
    }
    row_result(&state, &visitor, pricing_rules::delete_method(&state, id).await).await
}

/// Back to the page after an action on a listed zone or method.
async fn row_result(state: &AppState, visitor: &Visitor, result: Result<(), AppError>) -> WebResult {
    match result {
        Ok(()) => Ok(see_other(PAGE)),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            shipping_page(state, visitor, Failed::Row(errors)).await
        }
    }
}
