//! The pricing rules, for staff: shipping zones and their methods (here), promotions,
//! coupons and tax (in the submodules). Every route is staff only; every write is one use
//! case of `emporium_app::pricing_rules`, which validates through the domain's
//! constructors, so a bad field is a 422 naming it and the next checkout sees the change.
//! Amounts are integer minor units (fen).

pub mod coupons;
pub mod promotions;
pub mod tax;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::pricing_rules::{self, MethodDraft, MethodEdit, RuleDraft, ZoneDraft, ZoneEdit};
use emporium_domain::pricing::shipping::ShippingRule;
use emporium_store::pricing_admin::{MethodRecord, ZoneRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Page;
use crate::error::{ApiResult, Problem};
use crate::extract::{JsonBody, Path, Staff, area};

/// Times as the API writes them (RFC 3339, UTC, milliseconds).
fn rfc3339(t: Option<emporium_domain::time::Timestamp>) -> Option<String> {
    t.map(emporium_domain::time::Timestamp::to_rfc3339)
}

/// One weight tier: parcels up to `up_to_grams` (inclusive) pay `fee`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightTierBody {
    /// The heaviest parcel of the tier, grams, above the previous tier's; `null` (only
    /// on the last tier) for no limit.
    pub up_to_grams: Option<i64>,
    /// The fee, minor units.
    pub fee: i64,
}

/// How a method's fee is computed, by `kind`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleBody {
    /// The same fee for any parcel.
    Flat {
        /// The fee, minor units.
        fee: i64,
    },
    /// A fee by total weight: tiers ascending; a parcel above a bounded last tier cannot
    /// go by this method.
    Weight {
        /// The tiers.
        tiers: Vec<WeightTierBody>,
    },
    /// A fee for the first item and another for each further one.
    Count {
        /// The first item's fee, minor units.
        first: i64,
        /// Each further item's fee, minor units.
        each_more: i64,
    },
}

impl From<RuleBody> for RuleDraft {
    fn from(r: RuleBody) -> Self {
        match r {
            RuleBody::Flat { fee } => Self::Flat { fee },
            RuleBody::Count { first, each_more } => Self::Count { first, each_more },
            RuleBody::Weight { tiers } => Self::Weight {
                tiers: tiers.into_iter().map(|t| (t.up_to_grams, t.fee)).collect(),
            },
        }
    }
}

impl From<&ShippingRule> for RuleBody {
    fn from(r: &ShippingRule) -> Self {
        match r {
            ShippingRule::Flat { fee } => Self::Flat { fee: fee.minor() },
            ShippingRule::Count { first, each_more } => Self::Count {
                first: first.minor(),
                each_more: each_more.minor(),
            },
            ShippingRule::Weight(tiers) => Self::Weight {
                tiers: tiers
                    .tiers()
                    .iter()
                    .map(|t| WeightTierBody {
                        up_to_grams: t.up_to_grams,
                        fee: t.fee.minor(),
                    })
                    .collect(),
            },
        }
    }
}

/// A shipping method.
#[derive(Debug, Serialize, ToSchema)]
pub struct MethodView {
    /// Method id.
    pub id: i64,
    /// The zone it belongs to.
    pub zone_id: i64,
    /// Its name in Chinese.
    pub name: String,
    /// Its name in English.
    pub name_en: Option<String>,
    /// How the fee is computed.
    pub rule: RuleBody,
    /// Goods worth at least this much (after item discounts) ship free.
    pub free_above: Option<i64>,
    /// The delivery estimate shown to shoppers.
    pub estimate: Option<String>,
    /// Order within the zone (the first is the default).
    pub position: i64,
    /// Whether checkout offers it.
    pub active: bool,
}

impl From<&MethodRecord> for MethodView {
    fn from(r: &MethodRecord) -> Self {
        let m = &r.method;
        Self {
            id: m.id,
            zone_id: r.zone_id,
            name: m.name.clone(),
            name_en: m.name_en.clone(),
            rule: RuleBody::from(&m.rule),
            free_above: m.free_above.map(|a| a.minor()),
            estimate: m.estimate.clone(),
            position: r.position,
            active: r.active,
        }
    }
}

/// A shipping zone with its methods.
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneView {
    /// Zone id.
    pub id: i64,
    /// Its name, for staff.
    pub name: String,
    /// ISO 3166-1 alpha-2 country; `null` for the rest of the world.
    pub country: Option<String>,
    /// The regions covered; empty for the whole country.
    pub regions: Vec<String>,
    /// Order among zones.
    pub position: i64,
    /// Its methods, by position (inactive ones too).
    pub methods: Vec<MethodView>,
}

impl From<&ZoneRecord> for ZoneView {
    fn from(r: &ZoneRecord) -> Self {
        Self {
            id: r.zone.id,
            name: r.zone.name.clone(),
            country: r.zone.country.map(|c| c.as_str().to_owned()),
            regions: r.zone.regions.clone(),
            position: r.position,
            methods: r.methods.iter().map(MethodView::from).collect(),
        }
    }
}

/// A new shipping zone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateZoneRequest {
    /// 1–100 characters.
    pub name: String,
    /// ISO 3166-1 alpha-2 country (`CN`); absent or `null` for the rest of the world.
    pub country: Option<String>,
    /// Regions (provinces, states) covered, spelled as in addresses; absent for the whole
    /// country. Needs a country.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Order among zones, 0–1,000,000 (default 0).
    pub position: Option<i64>,
}

/// Changes to a zone; absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateZoneRequest {
    /// 1–100 characters.
    pub name: Option<String>,
    /// The country; `null` makes it the rest of the world.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<String>)]
    pub country: Option<Option<String>>,
    /// The regions, replacing the old; `[]` for the whole country.
    pub regions: Option<Vec<String>>,
    /// Order among zones, 0–1,000,000.
    pub position: Option<i64>,
}

/// Every shipping zone with its methods (staff).
#[utoipa::path(get, path = "/api/v1/shipping-zones", tag = "pricing", security(("bearer" = [])),
    responses(
        (status = 200, description = "Zones by position", body = Page<ZoneView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_shipping_zones(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
) -> ApiResult<Json<Page<ZoneView>>> {
    let zones = pricing_rules::zones(&state).await?;
    Ok(Json(Page {
        data: zones.iter().map(ZoneView::from).collect(),
        next_cursor: None,
    }))
}

/// Adds a shipping zone (staff).
#[utoipa::path(post, path = "/api/v1/shipping-zones", tag = "pricing", security(("bearer" = [])), request_body = CreateZoneRequest,
    responses(
        (status = 201, description = "Created", body = ZoneView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_shipping_zone(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    JsonBody(req): JsonBody<CreateZoneRequest>,
) -> ApiResult<(StatusCode, Json<ZoneView>)> {
    let draft = ZoneDraft {
        name: req.name,
        country: req.country,
        regions: req.regions,
        position: req.position,
    };
    let zone = pricing_rules::create_zone(&state, draft).await?;
    Ok((StatusCode::CREATED, Json(ZoneView::from(&zone))))
}

/// One shipping zone with its methods (staff).
#[utoipa::path(get, path = "/api/v1/shipping-zones/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Zone id")),
    responses(
        (status = 200, description = "The zone", body = ZoneView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such zone", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_shipping_zone(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ZoneView>> {
    Ok(Json(ZoneView::from(&pricing_rules::zone(&state, id).await?)))
}

/// Changes a shipping zone (staff).
#[utoipa::path(patch, path = "/api/v1/shipping-zones/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Zone id")), request_body = UpdateZoneRequest,
    responses(
        (status = 200, description = "Changed", body = ZoneView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such zone", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_shipping_zone(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<UpdateZoneRequest>,
) -> ApiResult<Json<ZoneView>> {
    let edit = ZoneEdit {
        name: req.name,
        country: req.country,
        regions: req.regions,
        position: req.position,
    };
    Ok(Json(ZoneView::from(
        &pricing_rules::update_zone(&state, id, edit).await?,
    )))
}

/// Removes a shipping zone and its methods (staff).
#[utoipa::path(delete, path = "/api/v1/shipping-zones/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Zone id")),
    responses(
        (status = 204, description = "Removed, with its methods"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such zone", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_shipping_zone(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    pricing_rules::delete_zone(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new shipping method.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMethodRequest {
    /// Its name in Chinese, 1–100 characters.
    pub name: String,
    /// Its name in English, up to 100 characters.
    pub name_en: Option<String>,
    /// How the fee is computed.
    pub rule: RuleBody,
    /// Goods worth at least this much (after item discounts) ship free; minor units.
    pub free_above: Option<i64>,
    /// The delivery estimate shown ("2–3 天"), up to 100 characters.
    pub estimate: Option<String>,
    /// Order within the zone, 0–1,000,000 (default 0; the first is the default method).
    pub position: Option<i64>,
    /// Whether checkout offers it (default true).
    pub active: Option<bool>,
}

/// Changes to a shipping method; absent fields stay, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMethodRequest {
    /// Its name in Chinese.
    pub name: Option<String>,
    /// Its name in English.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<String>)]
    pub name_en: Option<Option<String>>,
    /// A new rule, replacing the old.
    pub rule: Option<RuleBody>,
    /// The free-shipping amount.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<i64>)]
    pub free_above: Option<Option<i64>>,
    /// The delivery estimate.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<String>)]
    pub estimate: Option<Option<String>>,
    /// Order within the zone.
    pub position: Option<i64>,
    /// `false` stops offering it (orders keep it as they were priced).
    pub active: Option<bool>,
}

/// Adds a shipping method to a zone (staff).
#[utoipa::path(post, path = "/api/v1/shipping-zones/{id}/methods", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Zone id")), request_body = CreateMethodRequest,
    responses(
        (status = 201, description = "Created", body = MethodView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such zone", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_shipping_method(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(zone_id): Path<i64>,
    JsonBody(req): JsonBody<CreateMethodRequest>,
) -> ApiResult<(StatusCode, Json<MethodView>)> {
    let draft = MethodDraft {
        name: req.name,
        name_en: req.name_en,
        rule: req.rule.into(),
        free_above: req.free_above,
        estimate: req.estimate,
        position: req.position,
        active: req.active,
    };
    let method = pricing_rules::create_method(&state, zone_id, draft).await?;
    Ok((StatusCode::CREATED, Json(MethodView::from(&method))))
}

/// Changes a shipping method (staff).
#[utoipa::path(patch, path = "/api/v1/shipping-methods/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Method id")), request_body = UpdateMethodRequest,
    responses(
        (status = 200, description = "Changed", body = MethodView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such method", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_shipping_method(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<UpdateMethodRequest>,
) -> ApiResult<Json<MethodView>> {
    let edit = MethodEdit {
        name: req.name,
        name_en: req.name_en,
        rule: req.rule.map(RuleDraft::from),
        free_above: req.free_above,
        estimate: req.estimate,
        position: req.position,
        active: req.active,
    };
    Ok(Json(MethodView::from(
        &pricing_rules::update_method(&state, id, edit).await?,
    )))
}

/// Removes a shipping method (staff).
#[utoipa::path(delete, path = "/api/v1/shipping-methods/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Method id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such method", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_shipping_method(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    pricing_rules::delete_method(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
