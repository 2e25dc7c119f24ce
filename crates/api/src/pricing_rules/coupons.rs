//! Coupons, for staff: one by one or in generated batches, with their use.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::cursor::Position;
use emporium_app::paging::{cut_page, keyset};
use emporium_app::pricing_rules::{self, CouponBatch, CouponDraft, CouponEdit, CouponTerms, TargetsDraft};
use emporium_domain::pricing::coupon::CouponKind;
use emporium_store::pricing_admin::{CouponRecord, CouponRemoval};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rfc3339;
use crate::Page;
use crate::error::{ApiResult, Problem};
use crate::extract::{JsonBody, Path, Query, Staff, area};
use crate::params::PageParams;

/// A coupon and its use.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouponView {
    /// Coupon id.
    pub id: i64,
    /// The code, upper case (shoppers may type it in any case).
    pub code: String,
    /// `fixed` or `percent`.
    pub kind: String,
    /// fixed: the amount off (minor units); percent: the percentage.
    pub value: i64,
    /// percent: the most it takes off.
    pub max_discount: Option<i64>,
    /// The least spend on the targeted lines (0: none).
    pub min_spend: i64,
    /// When it starts (RFC 3339), `null` for always.
    pub starts_at: Option<String>,
    /// When it ends (exclusive), `null` for never.
    pub ends_at: Option<String>,
    /// Orders that may use it in all; `null` for no limit.
    pub usage_limit: Option<i64>,
    /// Orders one customer may use it on; `null` for no limit.
    pub per_customer_limit: Option<i64>,
    /// Orders holding it now (cancelled ones gave their use back).
    pub used: i64,
    /// Uses given back by cancelled orders.
    pub released: i64,
    /// Targeted products (all three lists empty: every line).
    pub product_ids: Vec<i64>,
    /// Targeted variants.
    pub variant_ids: Vec<i64>,
    /// Targeted categories, with everything below them.
    pub category_ids: Vec<i64>,
    /// Whether it combines with other offers.
    pub combinable: bool,
    /// Whether shoppers may still use it.
    pub active: bool,
    /// The batch it was generated in, if any.
    pub batch: Option<String>,
}

impl From<&CouponRecord> for CouponView {
    fn from(r: &CouponRecord) -> Self {
        let c = &r.coupon;
        let (kind, value, max_discount) = match c.kind {
            CouponKind::Fixed { value } => ("fixed", value.minor(), None),
            CouponKind::Percent { value, max_discount } => {
                ("percent", i64::from(value.get()), max_discount.map(|m| m.minor()))
            }
        };
        Self {
            id: c.id,
            code: c.code.as_str().to_owned(),
            kind: kind.to_owned(),
            value,
            max_discount,
            min_spend: c.min_spend.minor(),
            starts_at: rfc3339(c.schedule.starts_at()),
            ends_at: rfc3339(c.schedule.ends_at()),
            usage_limit: c.usage_limit.map(i64::from),
            per_customer_limit: c.per_customer_limit.map(i64::from),
            used: i64::from(c.used),
            released: r.released,
            product_ids: c.targets.product_ids.clone(),
            variant_ids: c.targets.variant_ids.clone(),
            category_ids: c.targets.category_ids.clone(),
            combinable: c.combinable,
            active: r.active,
            batch: r.batch.clone(),
        }
    }
}

/// A new coupon.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCouponRequest {
    /// 3–32 letters, digits, `-`, `_`; stored upper case, unique.
    pub code: String,
    /// `fixed` or `percent`.
    pub kind: String,
    /// fixed: the amount off, minor units, > 0; percent: 1–100.
    pub value: i64,
    /// percent only: the most it takes off, > 0.
    pub max_discount: Option<i64>,
    /// The least spend on the targeted lines, before discounts.
    pub min_spend: Option<i64>,
    /// RFC 3339 start (inclusive).
    pub starts_at: Option<String>,
    /// RFC 3339 end (exclusive), after the start.
    pub ends_at: Option<String>,
    /// Orders that may use it in all, ≥ 1.
    pub usage_limit: Option<i64>,
    /// Orders one customer may use it on, ≥ 1 (guests cannot use such a coupon).
    pub per_customer_limit: Option<i64>,
    /// Targeted products.
    #[serde(default)]
    pub product_ids: Vec<i64>,
    /// Targeted variants.
    #[serde(default)]
    pub variant_ids: Vec<i64>,
    /// Targeted categories (and everything below them).
    #[serde(default)]
    pub category_ids: Vec<i64>,
    /// Whether it combines with other offers (default true).
    pub combinable: Option<bool>,
}

/// A batch of generated coupons with the same terms.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponBatchRequest {
    /// What every code starts with: letters, digits, `-`, `_` (may be empty).
    pub prefix: String,
    /// How many, 1–1000.
    pub count: i64,
    /// Random characters after the prefix, 6–16 (default 8); drawn from
    /// `ABCDEFGHJKMNPQRSTUVWXYZ23456789`.
    pub length: Option<i64>,
    /// `fixed` or `percent`.
    pub kind: String,
    /// As for one coupon.
    pub value: i64,
    /// As for one coupon.
    pub max_discount: Option<i64>,
    /// As for one coupon.
    pub min_spend: Option<i64>,
    /// As for one coupon.
    pub starts_at: Option<String>,
    /// As for one coupon.
    pub ends_at: Option<String>,
    /// As for one coupon (each code's own limit).
    pub usage_limit: Option<i64>,
    /// As for one coupon.
    pub per_customer_limit: Option<i64>,
    /// As for one coupon.
    #[serde(default)]
    pub product_ids: Vec<i64>,
    /// As for one coupon.
    #[serde(default)]
    pub variant_ids: Vec<i64>,
    /// As for one coupon.
    #[serde(default)]
    pub category_ids: Vec<i64>,
    /// As for one coupon.
    pub combinable: Option<bool>,
}

/// The codes of a new batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouponBatchView {
    /// The batch's label, as each of its coupons carries it in `batch`.
    pub batch: String,
    /// The codes made.
    pub codes: Vec<String>,
}

/// Changes to a coupon; absent fields stay, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCouponRequest {
    /// New code (unique).
    pub code: Option<String>,
    /// `fixed` or `percent`.
    pub kind: Option<String>,
    /// New value.
    pub value: Option<i64>,
    /// New cap (percent only).
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<i64>)]
    pub max_discount: Option<Option<i64>>,
    /// New minimum spend.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<i64>)]
    pub min_spend: Option<Option<i64>>,
    /// New start.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<String>)]
    pub starts_at: Option<Option<String>>,
    /// New end.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<String>)]
    pub ends_at: Option<Option<String>>,
    /// New total limit, not below `used`.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<i64>)]
    pub usage_limit: Option<Option<i64>>,
    /// New per-customer limit.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<i64>)]
    pub per_customer_limit: Option<Option<i64>>,
    /// Targeted products (replacing the old list).
    pub product_ids: Option<Vec<i64>>,
    /// Targeted variants.
    pub variant_ids: Option<Vec<i64>>,
    /// Targeted categories.
    pub category_ids: Option<Vec<i64>>,
    /// Combinable or not.
    pub combinable: Option<bool>,
    /// `false` stops shoppers using it.
    pub active: Option<bool>,
}

/// What removing a coupon did.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouponRemovedView {
    /// The coupon.
    pub id: i64,
    /// `deleted` (no order ever held it) or `deactivated` (orders hold or held it: it
    /// stays, inactive, so their records keep naming it).
    pub result: String,
}

/// Coupons, newest first (staff).
#[utoipa::path(get, path = "/api/v1/coupons", tag = "pricing", security(("bearer" = [])), params(PageParams),
    responses(
        (status = 200, description = "A page of coupons", body = Page<CouponView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_coupons(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<Page<CouponView>>> {
    let fingerprint = "coupons";
    let (limit, position) = p.parse(state.cursors(), fingerprint)?;
    let before = keyset(position)?.map(|(_, id)| id);
    let rows = pricing_rules::coupons(&state, before, limit + 1).await?;
    let (coupons, next) = cut_page(rows, limit, |c| Position::After(0, c.coupon.id));
    Ok(Json(Page {
        data: coupons.iter().map(CouponView::from).collect(),
        next_cursor: next.map(|p| state.cursors().encode(fingerprint, p)),
    }))
}

/// Adds a coupon (staff).
#[utoipa::path(post, path = "/api/v1/coupons", tag = "pricing", security(("bearer" = [])), request_body = CreateCouponRequest,
    responses(
        (status = 201, description = "Created", body = CouponView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken (`coupon_code_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_coupon(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    JsonBody(req): JsonBody<CreateCouponRequest>,
) -> ApiResult<(StatusCode, Json<CouponView>)> {
    let draft = CouponDraft {
        code: req.code,
        terms: CouponTerms {
            kind: req.kind,
            value: req.value,
            max_discount: req.max_discount,
            min_spend: req.min_spend,
            starts_at: req.starts_at,
            ends_at: req.ends_at,
            usage_limit: req.usage_limit,
            per_customer_limit: req.per_customer_limit,
            targets: TargetsDraft {
                product_ids: req.product_ids,
                variant_ids: req.variant_ids,
                category_ids: req.category_ids,
            },
            combinable: req.combinable,
        },
    };
    let coupon = pricing_rules::create_coupon(&state, draft).await?;
    Ok((StatusCode::CREATED, Json(CouponView::from(&coupon))))
}

/// Generates a batch of coupons with the same terms (staff).
#[utoipa::path(post, path = "/api/v1/coupons/batch", tag = "pricing", security(("bearer" = [])), request_body = CouponBatchRequest,
    responses(
        (status = 201, description = "Created", body = CouponBatchView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_coupon_batch(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    JsonBody(req): JsonBody<CouponBatchRequest>,
) -> ApiResult<(StatusCode, Json<CouponBatchView>)> {
    let batch = CouponBatch {
        prefix: req.prefix,
        count: req.count,
        length: req.length,
        terms: CouponTerms {
            kind: req.kind,
            value: req.value,
            max_discount: req.max_discount,
            min_spend: req.min_spend,
            starts_at: req.starts_at,
            ends_at: req.ends_at,
            usage_limit: req.usage_limit,
            per_customer_limit: req.per_customer_limit,
            targets: TargetsDraft {
                product_ids: req.product_ids,
                variant_ids: req.variant_ids,
                category_ids: req.category_ids,
            },
            combinable: req.combinable,
        },
    };
    let (batch, codes) = pricing_rules::create_coupon_batch(&state, batch).await?;
    Ok((StatusCode::CREATED, Json(CouponBatchView { batch, codes })))
}

/// One coupon with its use: `used` and `released` (staff).
#[utoipa::path(get, path = "/api/v1/coupons/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Coupon id")),
    responses(
        (status = 200, description = "The coupon", body = CouponView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such coupon", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_coupon(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
) -> ApiResult<Json<CouponView>> {
    Ok(Json(CouponView::from(&pricing_rules::coupon(&state, id).await?)))
}

/// Changes a coupon (staff).
#[utoipa::path(patch, path = "/api/v1/coupons/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Coupon id")), request_body = UpdateCouponRequest,
    responses(
        (status = 200, description = "Changed", body = CouponView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such coupon", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken (`coupon_code_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_coupon(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<UpdateCouponRequest>,
) -> ApiResult<Json<CouponView>> {
    let edit = CouponEdit {
        code: req.code,
        kind: req.kind,
        value: req.value,
        max_discount: req.max_discount,
        min_spend: req.min_spend,
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        usage_limit: req.usage_limit,
        per_customer_limit: req.per_customer_limit,
        product_ids: req.product_ids,
        variant_ids: req.variant_ids,
        category_ids: req.category_ids,
        combinable: req.combinable,
        active: req.active,
    };
    Ok(Json(CouponView::from(
        &pricing_rules::update_coupon(&state, id, edit).await?,
    )))
}

/// Removes a coupon no order ever held, or deactivates one orders hold or held (staff).
#[utoipa::path(delete, path = "/api/v1/coupons/{id}", tag = "pricing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Coupon id")),
    responses(
        (status = 200, description = "Deleted or deactivated, as `result` says", body = CouponRemovedView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such coupon", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_coupon(
    State(state): State<AppState>,
    _staff: Staff<area::Settings>,
    Path(id): Path<i64>,
) -> ApiResult<Json<CouponRemovedView>> {
    let result = match pricing_rules::delete_coupon(&state, id).await? {
        CouponRemoval::Deleted => "deleted",
        CouponRemoval::Deactivated => "deactivated",
    };
    Ok(Json(CouponRemovedView {
        id,
        result: result.to_owned(),
    }))
}
