//! Tax, for staff: rates per category (optionally per region) and the shop's settings
//! (whether prices include tax, the default rate, the shipping rate). Rates are basis
//! points: 1300 is 13 %.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::pricing_rules::{self, TaxRateDraft, TaxSettingsDraft};
use emporium_domain::pricing::tax::TaxRules;
use emporium_store::pricing_admin::TaxRateRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Page;
use crate::error::{ApiResult, Problem};
use crate::extract::{JsonBody, Path, Staff, area};

/// A tax rate for a category.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaxRateView {
    /// Rate id.
    pub id: i64,
    /// The category (and everything below it; a deeper category's own rate wins).
    pub category_id: i64,
    /// The region it is limited to (spelled as in addresses), `null` for everywhere.
    pub region: Option<String>,
    /// Basis points (1300 = 13 %).
    pub rate: i64,
}

impl From<&TaxRateRecord> for TaxRateView {
    fn from(r: &TaxRateRecord) -> Self {
        Self {
            id: r.id,
            category_id: r.category_id,
            region: r.region.clone(),
            rate: i64::from(r.rate.basis_points()),
        }
    }
}

/// A new tax rate for a category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaxRateRequest {
    /// An existing category.
    pub category_id: i64,
    /// Only in this region (as addresses spell it); absent for everywhere.
    pub region: Option<String>,
    /// Basis points, 0–10000 (1300 = 13 %).
    pub rate: i64,
}

/// The shop's tax settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxSettingsBody {
    /// `inclusive` (prices include tax, shown inside them; the default) or `exclusive`
    /// (tax added at checkout).
    pub mode: String,
    /// The rate of goods no category rate covers, basis points 0–10000.
    pub default_rate: i64,
    /// The rate of the shipping fee, basis points 0–10000.
    pub shipping_rate: i64,
}

impl From<&TaxRules> for TaxSettingsBody {
    fn from(t: &TaxRules) -> Self {
        Self {
            mode: t.mode.as_str().to_owned(),
            default_rate: i64::from(t.default_rate.basis_points()),
            shipping_rate: i64::from(t.shipping_rate.basis_points()),
        }
    }
}

/// Every category tax rate (staff).
#[utoipa::path(get, path = "/api/v1/tax-rates", tag = "pricing", security(("bearer" = [])),
    responses(
        (status = 200, description = "Rates by id", body = Page<TaxRateView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_tax_rates(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
) -> ApiResult<Json<Page<TaxRateView>>> {
    let rates = pricing_rules::tax_rates(&state).await?;
    Ok(Json(Page {
        data: rates.iter().map(TaxRateView::from).collect(),
        next_cursor: None,
    }))
}

/// Adds a tax rate for a category (staff).
#[utoipa::path(post, path = "/api/v1/tax-rates", tag = "pricing", security(("bearer" = [])), request_body = CreateTaxRateRequest,
    responses(
        (status = 201, description = "Created", body = TaxRateView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The category has a rate for this region (`tax_rate_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, or no such category", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_tax_rate(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    JsonBody(req): JsonBody<CreateTaxRateRequest>,
) -> ApiResult<(StatusCode, Json<TaxRateView>)> {
    let draft = TaxRateDraft {
        category_id: req.category_id,
        region: req.region,
        rate: req.rate,
    };
    let rate = pricing_rules::create_tax_rate(&state, draft).await?;
    Ok((StatusCode::CREATED, Json(TaxRateView::from(&rate))))
}

/// Removes a category tax rate (staff).
#[utoipa::path(delete, path = "/api/v1/tax-rates/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Rate id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rate", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_tax_rate(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    pricing_rules::delete_tax_rate(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The tax settings (staff).
#[utoipa::path(get, path = "/api/v1/tax-settings", tag = "pricing", security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings", body = TaxSettingsBody),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_tax_settings(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
) -> ApiResult<Json<TaxSettingsBody>> {
    Ok(Json(TaxSettingsBody::from(&pricing_rules::tax_settings(&state).await?)))
}

/// Sets the tax settings, all three at once (staff).
#[utoipa::path(put, path = "/api/v1/tax-settings", tag = "pricing", security(("bearer" = [])), request_body = TaxSettingsBody,
    responses(
        (status = 200, description = "Set", body = TaxSettingsBody),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_tax_settings(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    JsonBody(req): JsonBody<TaxSettingsBody>,
) -> ApiResult<Json<TaxSettingsBody>> {
    let draft = TaxSettingsDraft {
        mode: req.mode,
        default_rate: req.default_rate,
        shipping_rate: req.shipping_rate,
    };
    Ok(Json(TaxSettingsBody::from(
        &pricing_rules::set_tax_settings(&state, draft).await?,
    )))
}
