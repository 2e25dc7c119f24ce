//! A zone's page (`/admin/shipping/zones/{id}`: its name, country, regions and position)
//! and a method's page (`/admin/shipping/methods/{id}`: every field of it). Saving goes
//! back to the list with a notice; a refused change is shown on the form again.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::pricing_rules::{self, MethodEdit, ZoneEdit};
use emporium_app::{AppError, AppState};
use emporium_domain::pricing::shipping::ShippingRule;
use emporium_domain::staff::Permission;
use emporium_store::pricing_admin::{MethodRecord, ZoneRecord};

use super::{MethodForm, PAGE, ZoneForm};
use crate::admin::pricing::{checked, on_form, yuan_text};
use crate::flash::{Done, after};
use crate::session::Visitor;
use crate::view::{Ctx, FieldErrors, Path, Posted, WebError, WebResult, form_errors, render, see_other};

#[derive(Template)]
#[template(path = "admin/shipping_zone.html")]
struct ZonePage {
    ctx: Ctx,
    id: i64,
    /// The name as stored (the heading), whatever was typed.
    name: String,
    form: ZoneForm,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "admin/shipping_method.html")]
struct MethodPage {
    ctx: Ctx,
    id: i64,
    zone_id: i64,
    zone_name: String,
    /// The name as stored (the heading), whatever was typed.
    name: String,
    form: MethodForm,
    errors: FieldErrors,
}

impl ZoneForm {
    /// The change form of a stored zone.
    fn of(r: &ZoneRecord) -> Self {
        Self {
            name: r.zone.name.clone(),
            country: r.zone.country.map(|c| c.as_str().to_owned()).unwrap_or_default(),
            regions: r.zone.regions.join("\n"),
            position: r.position.to_string(),
        }
    }
}

impl MethodForm {
    /// The change form of a stored method, its rule in the form's words (weight tiers one
    /// a line, `up_to_grams fee`, the open-ended last one as its fee alone).
    fn of(r: &MethodRecord) -> Self {
        let m = &r.method;
        let mut f = Self {
            name: m.name.clone(),
            name_en: m.name_en.clone().unwrap_or_default(),
            free_above: m.free_above.map(|a| yuan_text(a.minor())).unwrap_or_default(),
            estimate: m.estimate.clone().unwrap_or_default(),
            position: r.position.to_string(),
            active: r.active.to_string(),
            ..Self::default()
        };
        match &m.rule {
            ShippingRule::Flat { fee } => {
                f.kind = "flat".into();
                f.fee = yuan_text(fee.minor());
            }
            ShippingRule::Weight(tiers) => {
                f.kind = "weight".into();
                f.tiers = tiers
                    .tiers()
                    .iter()
                    .map(|t| match t.up_to_grams {
                        Some(g) => format!("{g} {}", yuan_text(t.fee.minor())),
                        None => yuan_text(t.fee.minor()),
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            ShippingRule::Count { first, each_more } => {
                f.kind = "count".into();
                f.first = yuan_text(first.minor());
                f.each_more = yuan_text(each_more.minor());
            }
        }
        f
    }

    /// Whether the active box is ticked.
    fn is_active(&self) -> bool {
        checked(&self.active)
    }
}

fn status(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// An unknown zone or method is the not-found page.
fn found<T>(r: Result<T, AppError>) -> Result<T, WebError> {
    r.map_err(|e| match e {
        AppError::NotFound(_) => WebError::NotFound,
        e => e.into(),
    })
}

async fn zone_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    form: Option<ZoneForm>,
    errors: FieldErrors,
) -> WebResult {
    let zone = found(pricing_rules::zone(state, id).await)?;
    let form = form.unwrap_or_else(|| ZoneForm::of(&zone));
    Ok(render(
        status(&errors),
        &ZonePage {
            ctx: Ctx::new(visitor),
            id,
            name: zone.zone.name,
            form,
            errors,
        },
    ))
}

/// `GET /admin/shipping/zones/{id}`: the zone's change form.
pub async fn edit_zone(State(state): State<AppState>, Path(id): Path<i64>, visitor: Visitor) -> WebResult {
    visitor.staff(Permission::Settings)?;
    zone_page(&state, &visitor, id, None, FieldErrors::default()).await
}

/// `POST /admin/shipping/zones/{id}`: saves the zone's name, country, regions and position.
pub async fn update_zone(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<ZoneForm>,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let result = match form.draft() {
        Ok(d) => {
            let edit = ZoneEdit {
                name: Some(d.name),
                country: Some(d.country),
                regions: Some(d.regions),
                position: d.position,
            };
            pricing_rules::update_zone(&state, id, edit).await.map(drop)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&after(PAGE, Done::Saved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = on_form(form_errors(e, visitor.lang)?);
            zone_page(&state, &visitor, id, Some(form), errors).await
        }
    }
}

async fn method_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    form: Option<MethodForm>,
    errors: FieldErrors,
) -> WebResult {
    let method = found(pricing_rules::method(state, id).await)?;
    let zone = found(pricing_rules::zone(state, method.zone_id).await)?;
    let form = form.unwrap_or_else(|| MethodForm::of(&method));
    Ok(render(
        status(&errors),
        &MethodPage {
            ctx: Ctx::new(visitor),
            id,
            zone_id: method.zone_id,
            zone_name: zone.zone.name,
            name: method.method.name,
            form,
            errors,
        },
    ))
}

/// `GET /admin/shipping/methods/{id}`: the method's change form.
pub async fn edit_method(State(state): State<AppState>, Path(id): Path<i64>, visitor: Visitor) -> WebResult {
    visitor.staff(Permission::Settings)?;
    method_page(&state, &visitor, id, None, FieldErrors::default()).await
}

/// `POST /admin/shipping/methods/{id}`: saves every field of the method (a blank
/// position keeps it; an unticked box pauses it).
pub async fn update_method(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<MethodForm>,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let result = match form.draft() {
        Ok(d) => {
            let edit = MethodEdit {
                name: Some(d.name),
                name_en: Some(d.name_en),
                rule: Some(d.rule),
                free_above: Some(d.free_above),
                estimate: Some(d.estimate),
                position: d.position,
                active: Some(form.is_active()),
            };
            pricing_rules::update_method(&state, id, edit).await.map(drop)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&after(PAGE, Done::Saved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = on_form(form_errors(e, visitor.lang)?);
            method_page(&state, &visitor, id, Some(form), errors).await
        }
    }
}
