//! `/admin/tax`: the tax settings (prices with or without tax, the default and the
//! shipping rate) and the rates by category (optionally for one region); rates are
//! typed in percent and kept in basis points.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::pricing_rules::{self, TaxRateDraft, TaxSettingsDraft};
use emporium_app::{AppError, AppState, categories};
use emporium_domain::staff::Permission;
use serde::Deserialize;

use super::{Reader, on_form, percent_text};
use crate::admin::confirm::Confirmed;
use crate::session::Visitor;
use crate::view::{Ctx, FieldErrors, Path, Posted, WebError, WebResult, form_errors, render, see_other};

/// The page's address.
const PAGE: &str = "/admin/tax";

/// A category rate as listed.
#[derive(Debug)]
pub struct RateRow {
    id: i64,
    category: String,
    region: String,
    rate: String,
}

/// A category to pick, indented by its depth.
#[derive(Debug)]
pub struct CategoryOption {
    id: i64,
    depth: usize,
    name: String,
}

#[derive(Template)]
#[template(path = "admin/tax.html")]
struct TaxPage {
    ctx: Ctx,
    settings: SettingsForm,
    settings_errors: FieldErrors,
    rates: Vec<RateRow>,
    categories: Vec<CategoryOption>,
    rate_form: RateForm,
    rate_errors: FieldErrors,
}

/// Which form failed, with what was typed.
enum Failed {
    None,
    Settings(SettingsForm, FieldErrors),
    Rate(RateForm, FieldErrors),
}

async fn tax_page(state: &AppState, visitor: &Visitor, failed: Failed) -> WebResult {
    let tree = categories::tree(state).await?;
    let categories: Vec<CategoryOption> = tree
        .iter()
        .map(|(depth, c)| CategoryOption {
            id: c.id,
            depth: *depth,
            name: c.name.clone(),
        })
        .collect();
    let rates = pricing_rules::tax_rates(state)
        .await?
        .iter()
        .map(|r| RateRow {
            id: r.id,
            category: categories
                .iter()
                .find(|c| c.id == r.category_id)
                .map_or_else(|| format!("#{}", r.category_id), |c| c.name.clone()),
            region: r.region.clone().unwrap_or_default(),
            rate: format!("{} %", percent_text(i64::from(r.rate.basis_points()))),
        })
        .collect();
    let (mut settings, mut settings_errors) = (None, FieldErrors::default());
    let (mut rate_form, mut rate_errors) = (RateForm::default(), FieldErrors::default());
    let status = match failed {
        Failed::None => StatusCode::OK,
        Failed::Settings(form, errors) => {
            (settings, settings_errors) = (Some(form), errors);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Failed::Rate(form, errors) => {
            (rate_form, rate_errors) = (form, errors);
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let settings = match settings {
        Some(s) => s,
        None => {
            let now = pricing_rules::tax_settings(state).await?;
            SettingsForm {
                mode: now.mode.as_str().to_owned(),
                default_rate: percent_text(i64::from(now.default_rate.basis_points())),
                shipping_rate: percent_text(i64::from(now.shipping_rate.basis_points())),
            }
        }
    };
    Ok(render(
        status,
        &TaxPage {
            ctx: Ctx::new(visitor),
            settings,
            settings_errors,
            rates,
            categories,
            rate_form,
            rate_errors,
        },
    ))
}

/// `GET /admin/tax`.
pub async fn show(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    visitor.staff(Permission::Settings)?;
    tax_page(&state, &visitor, Failed::None).await
}

/// The settings form.
#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    /// `inclusive` or `exclusive`.
    #[serde(default)]
    mode: String,
    /// Percent.
    #[serde(default)]
    default_rate: String,
    /// Percent.
    #[serde(default)]
    shipping_rate: String,
}

/// `POST /admin/tax`: sets the mode and rates.
pub async fn set_settings(State(state): State<AppState>, Posted { visitor, form }: Posted<SettingsForm>) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let mut r = Reader::default();
    let draft = TaxSettingsDraft {
        mode: form.mode.trim().to_owned(),
        default_rate: r.basis_points("default_rate", &form.default_rate),
        shipping_rate: r.basis_points("shipping_rate", &form.shipping_rate),
    };
    let result = match r.finish() {
        Ok(()) => pricing_rules::set_tax_settings(&state, draft).await.map(drop),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(PAGE)),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            tax_page(&state, &visitor, Failed::Settings(form, errors)).await
        }
    }
}

/// The add-a-rate form.
#[derive(Debug, Default, Deserialize)]
pub struct RateForm {
    #[serde(default)]
    category_id: String,
    /// Blank for every region.
    #[serde(default)]
    region: String,
    /// Percent.
    #[serde(default)]
    rate: String,
}

/// `POST /admin/tax/rates`: adds a category rate.
pub async fn create_rate(State(state): State<AppState>, Posted { visitor, form }: Posted<RateForm>) -> WebResult {
    visitor.staff(Permission::Settings)?;
    let mut r = Reader::default();
    let draft = TaxRateDraft {
        // A category that is not a number names no category: the use case says so.
        category_id: form.category_id.trim().parse().unwrap_or(0),
        region: Some(form.region.trim().to_owned()).filter(|s| !s.is_empty()),
        rate: r.basis_points("rate", &form.rate),
    };
    let result = match r.finish() {
        Ok(()) => pricing_rules::create_tax_rate(&state, draft).await.map(drop),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(PAGE)),
        Err(e) => {
            let errors = on_form(form_errors(e, visitor.lang)?);
            tax_page(&state, &visitor, Failed::Rate(form, errors)).await
        }
    }
}

/// `POST /admin/tax/rates/{id}/delete`.
pub async fn delete_rate(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Confirmed>,
) -> WebResult {
    visitor.staff(Permission::Settings)?;
    if let Some(ask) = form.ask_to_delete(&visitor, &format!("/admin/tax/rates/{id}/delete"), PAGE) {
        return ask;
    }
    match pricing_rules::delete_tax_rate(&state, id).await {
        Ok(()) => Ok(see_other(PAGE)),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}
