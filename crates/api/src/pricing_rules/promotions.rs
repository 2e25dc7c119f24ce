//! Automatic promotions, for staff: a `kind` and that kind's own fields at the top level
//! (`threshold`: `tiers`; `percent_off`: `percent`; `fixed_off`: `per_unit`;
//! `free_shipping`: `min_spend`; `buy_n_get_m`: `n` and `m`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::pricing_rules::{self, PromotionDraft, PromotionEdit, TargetsDraft};
use emporium_domain::pricing::promotion::PromotionKind;
use emporium_store::pricing_admin::PromotionRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rfc3339;
use crate::Page;
use crate::error::{ApiResult, Problem};
use crate::extract::{JsonBody, Path, Staff, area};

/// One 满减 tier: spend at least `min_spend` on the targeted lines, get `off` off.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdTierBody {
    /// The least spend, minor units; above the previous tier's.
    pub min_spend: i64,
    /// The amount off, minor units: positive, above the previous tier's, at most
    /// `min_spend`.
    pub off: i64,
}

/// An automatic promotion.
#[derive(Debug, Serialize, ToSchema)]
pub struct PromotionView {
    /// Promotion id.
    pub id: i64,
    /// Its name as shoppers see it.
    pub name: String,
    /// `threshold`, `percent_off`, `fixed_off`, `free_shipping` or `buy_n_get_m`.
    pub kind: String,
    /// threshold: the tiers, ascending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Vec<ThresholdTierBody>>,
    /// percent_off: the percentage off the targeted lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<i64>,
    /// fixed_off: the amount off each targeted unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_unit: Option<i64>,
    /// free_shipping: the least spend on the targeted lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_spend: Option<i64>,
    /// buy_n_get_m: units bought.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<i64>,
    /// buy_n_get_m: units then free.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub m: Option<i64>,
    /// Targeted products (all three lists empty: every line).
    pub product_ids: Vec<i64>,
    /// Targeted variants.
    pub variant_ids: Vec<i64>,
    /// Targeted categories, with everything below them.
    pub category_ids: Vec<i64>,
    /// When it starts (RFC 3339), `null` for always.
    pub starts_at: Option<String>,
    /// When it ends (exclusive), `null` for never.
    pub ends_at: Option<String>,
    /// Higher applies first and wins ties.
    pub priority: i64,
    /// Whether it combines with other offers.
    pub combinable: bool,
    /// Whether checkout considers it.
    pub active: bool,
}

impl From<&PromotionRecord> for PromotionView {
    fn from(r: &PromotionRecord) -> Self {
        let p = &r.promotion;
        let mut v = Self {
            id: p.id,
            name: p.name.clone(),
            kind: String::new(),
            tiers: None,
            percent: None,
            per_unit: None,
            min_spend: None,
            n: None,
            m: None,
            product_ids: p.targets.product_ids.clone(),
            variant_ids: p.targets.variant_ids.clone(),
            category_ids: p.targets.category_ids.clone(),
            starts_at: rfc3339(p.schedule.starts_at()),
            ends_at: rfc3339(p.schedule.ends_at()),
            priority: i64::from(p.priority),
            combinable: p.combinable,
            active: r.active,
        };
        v.kind = match &p.kind {
            PromotionKind::Threshold(tiers) => {
                v.tiers = Some(
                    tiers
                        .tiers()
                        .iter()
                        .map(|t| ThresholdTierBody {
                            min_spend: t.min_spend.minor(),
                            off: t.off.minor(),
                        })
                        .collect(),
                );
                "threshold"
            }
            PromotionKind::PercentOff(percent) => {
                v.percent = Some(i64::from(percent.get()));
                "percent_off"
            }
            PromotionKind::FixedOff { per_unit } => {
                v.per_unit = Some(per_unit.minor());
                "fixed_off"
            }
            PromotionKind::FreeShipping { min_spend } => {
                v.min_spend = Some(min_spend.minor());
                "free_shipping"
            }
            PromotionKind::BuyNGetM(b) => {
                v.n = Some(i64::from(b.n()));
                v.m = Some(i64::from(b.m()));
                "buy_n_get_m"
            }
        }
        .to_owned();
        v
    }
}

/// A new promotion: `kind` and only that kind's fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePromotionRequest {
    /// Its name as shoppers see it ("满 199 减 20"), 1–100 characters.
    pub name: String,
    /// `threshold`, `percent_off`, `fixed_off`, `free_shipping` or `buy_n_get_m`.
    pub kind: String,
    /// threshold: tiers, ascending.
    pub tiers: Option<Vec<ThresholdTierBody>>,
    /// percent_off: 1–100.
    pub percent: Option<i64>,
    /// fixed_off: the amount off each targeted unit, > 0.
    pub per_unit: Option<i64>,
    /// free_shipping: the least spend on the targeted lines (0: always).
    pub min_spend: Option<i64>,
    /// buy_n_get_m: units bought, 1–100.
    pub n: Option<i64>,
    /// buy_n_get_m: units then free, 1–100.
    pub m: Option<i64>,
    /// Targeted products.
    #[serde(default)]
    pub product_ids: Vec<i64>,
    /// Targeted variants.
    #[serde(default)]
    pub variant_ids: Vec<i64>,
    /// Targeted categories (and everything below them).
    #[serde(default)]
    pub category_ids: Vec<i64>,
    /// RFC 3339 start (inclusive).
    pub starts_at: Option<String>,
    /// RFC 3339 end (exclusive), after the start.
    pub ends_at: Option<String>,
    /// -1,000,000–1,000,000, higher first (default 0).
    pub priority: Option<i64>,
    /// Whether it combines with other offers (default true).
    pub combinable: Option<bool>,
    /// Whether checkout considers it (default true).
    pub active: Option<bool>,
}

/// Changes to a promotion; absent fields stay. A new `kind` drops the old kind's fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePromotionRequest {
    /// New name.
    pub name: Option<String>,
    /// New kind (give its fields too).
    pub kind: Option<String>,
    /// threshold tiers.
    pub tiers: Option<Vec<ThresholdTierBody>>,
    /// percent_off percentage.
    pub percent: Option<i64>,
    /// fixed_off amount per unit.
    pub per_unit: Option<i64>,
    /// free_shipping minimum spend.
    pub min_spend: Option<i64>,
    /// buy_n_get_m n.
    pub n: Option<i64>,
    /// buy_n_get_m m.
    pub m: Option<i64>,
    /// Targeted products (replacing the old list).
    pub product_ids: Option<Vec<i64>>,
    /// Targeted variants.
    pub variant_ids: Option<Vec<i64>>,
    /// Targeted categories.
    pub category_ids: Option<Vec<i64>>,
    /// Start; `null` for none.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<String>)]
    pub starts_at: Option<Option<String>>,
    /// End; `null` for none.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<String>)]
    pub ends_at: Option<Option<String>>,
    /// Priority.
    pub priority: Option<i64>,
    /// Combinable or not.
    pub combinable: Option<bool>,
    /// `false` pauses it.
    pub active: Option<bool>,
}

fn tiers(t: Option<Vec<ThresholdTierBody>>) -> Option<Vec<(i64, i64)>> {
    t.map(|t| t.into_iter().map(|t| (t.min_spend, t.off)).collect())
}

/// Every promotion, active or not, by priority (staff).
#[utoipa::path(get, path = "/api/v1/promotions", tag = "pricing", security(("bearer" = [])),
    responses(
        (status = 200, description = "Promotions, highest priority first", body = Page<PromotionView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_promotions(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
) -> ApiResult<Json<Page<PromotionView>>> {
    let all = pricing_rules::promotions(&state).await?;
    Ok(Json(Page {
        data: all.iter().map(PromotionView::from).collect(),
        next_cursor: None,
    }))
}

/// Adds a promotion (staff).
#[utoipa::path(post, path = "/api/v1/promotions", tag = "pricing", security(("bearer" = [])), request_body = CreatePromotionRequest,
    responses(
        (status = 201, description = "Created", body = PromotionView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_promotion(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    JsonBody(req): JsonBody<CreatePromotionRequest>,
) -> ApiResult<(StatusCode, Json<PromotionView>)> {
    let draft = PromotionDraft {
        name: req.name,
        kind: req.kind,
        tiers: tiers(req.tiers),
        percent: req.percent,
        per_unit: req.per_unit,
        min_spend: req.min_spend,
        n: req.n,
        m: req.m,
        targets: TargetsDraft {
            product_ids: req.product_ids,
            variant_ids: req.variant_ids,
            category_ids: req.category_ids,
        },
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        priority: req.priority,
        combinable: req.combinable,
        active: req.active,
    };
    let promotion = pricing_rules::create_promotion(&state, draft).await?;
    Ok((StatusCode::CREATED, Json(PromotionView::from(&promotion))))
}

/// One promotion (staff).
#[utoipa::path(get, path = "/api/v1/promotions/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Promotion id")),
    responses(
        (status = 200, description = "The promotion", body = PromotionView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such promotion", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_promotion(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
) -> ApiResult<Json<PromotionView>> {
    Ok(Json(PromotionView::from(&pricing_rules::promotion(&state, id).await?)))
}

/// Changes a promotion (staff).
#[utoipa::path(patch, path = "/api/v1/promotions/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Promotion id")), request_body = UpdatePromotionRequest,
    responses(
        (status = 200, description = "Changed", body = PromotionView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such promotion", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_promotion(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<UpdatePromotionRequest>,
) -> ApiResult<Json<PromotionView>> {
    let edit = PromotionEdit {
        name: req.name,
        kind: req.kind,
        tiers: tiers(req.tiers),
        percent: req.percent,
        per_unit: req.per_unit,
        min_spend: req.min_spend,
        n: req.n,
        m: req.m,
        product_ids: req.product_ids,
        variant_ids: req.variant_ids,
        category_ids: req.category_ids,
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        priority: req.priority,
        combinable: req.combinable,
        active: req.active,
    };
    Ok(Json(PromotionView::from(
        &pricing_rules::update_promotion(&state, id, edit).await?,
    )))
}

/// Removes a promotion (staff); orders keep what it gave them.
#[utoipa::path(delete, path = "/api/v1/promotions/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Promotion id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such promotion", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_promotion(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    pricing_rules::delete_promotion(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
