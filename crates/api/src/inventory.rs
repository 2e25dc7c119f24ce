//! Stock (staff only): receiving lots, listing them oldest first, writing units off, and
//! the FIFO valuation of everything on hand.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::cursor::Position;
use emporium_app::inventory::{self, Receipt};
use emporium_app::paging::{cut_page, keyset};
use emporium_store::inventory::{Adjustment, DrawnUnits, Lot, ValuationLine};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use super::params::PageParams;
use crate::error::{ApiResult, Problem};
use crate::extract::{JsonBody, Path, Query, Staff, area};

/// A lot of stock.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LotView {
    /// Lot id.
    pub id: i64,
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// Units received.
    pub quantity: i64,
    /// Units still on hand.
    pub remaining: i64,
    /// Cost per unit, minor units.
    pub unit_cost: i64,
    /// RFC 3339 UTC; FIFO order follows it.
    pub received_at: String,
    /// Free text.
    pub note: Option<String>,
}

impl From<Lot> for LotView {
    fn from(l: Lot) -> Self {
        Self {
            id: l.id,
            product_id: l.product_id,
            variant_id: l.variant_id,
            quantity: l.quantity,
            remaining: l.remaining,
            unit_cost: l.unit_cost,
            received_at: l.received_at.to_rfc3339(),
            note: l.note,
        }
    }
}

/// Stock arriving.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveStockRequest {
    /// The variant receiving the lot; may be left out for a product with one variant
    /// (else 422 `variant_required`).
    pub variant_id: Option<i64>,
    /// Units, 1–1,000,000,000.
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
    /// Cost per unit, minor units, ≥ 0.
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub unit_cost: i64,
    /// RFC 3339; defaults to now; not in the future.
    pub received_at: Option<String>,
    /// Up to 500 characters (supplier, invoice number).
    pub note: Option<String>,
}

/// Receives a lot of stock for a product (staff).
#[utoipa::path(post, path = "/api/v1/products/{id}/stock-lots", tag = "inventory", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = ReceiveStockRequest,
    responses(
        (status = 201, description = "Received", body = LotView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn receive_stock(
    State(state): State<AppState>,
    _staff: Staff<area::Inventory>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<ReceiveStockRequest>,
) -> ApiResult<(StatusCode, Json<LotView>)> {
    let lot = inventory::receive_stock(
        &state,
        id,
        req.variant_id,
        Receipt {
            quantity: req.quantity,
            unit_cost: req.unit_cost,
            received_at: req.received_at.as_deref(),
            note: req.note.as_deref(),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(lot.into())))
}

/// Which variant's lots.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LotFilter {
    /// Only this variant's lots (default: every variant's).
    #[param(value_type = Option<i64>)]
    pub variant_id: Option<String>,
}

/// A product's lots, oldest first (staff).
#[utoipa::path(get, path = "/api/v1/products/{id}/stock-lots", tag = "inventory", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id"), LotFilter, PageParams),
    responses(
        (status = 200, description = "Lots, oldest first", body = Page<LotView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid limit or cursor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_lots(
    State(state): State<AppState>,
    _staff: Staff<area::Inventory>,
    Path(id): Path<i64>,
    Query(filter): Query<LotFilter>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<Page<LotView>>> {
    let variant_id = emporium_app::paging::int("variant_id", filter.variant_id.as_deref(), 1, i64::MAX)?;
    let fingerprint = format!("lots|{id}|{variant_id:?}");
    let (limit, position) = page.parse(state.cursors(), &fingerprint)?;
    let rows = inventory::lots(&state, id, variant_id, keyset(position)?, limit + 1).await?;
    let (lots, next) = cut_page(rows, limit, |l| Position::After(l.received_at.millis(), l.id));
    Ok(Json(Page {
        data: lots.into_iter().map(Into::into).collect(),
        next_cursor: next.map(|p| state.cursors().encode(&fingerprint, p)),
    }))
}

/// Units written off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustStockRequest {
    /// The variant; may be left out for a product with one variant (else 422
    /// `variant_required`).
    pub variant_id: Option<i64>,
    /// Units to remove, > 0.
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
    /// Why (damaged, lost, samples…), 1–200 characters.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// Units taken from one lot.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DrawView {
    /// The lot.
    pub lot_id: i64,
    /// Units taken from it.
    pub quantity: i64,
    /// Its cost per unit.
    pub unit_cost: i64,
}

impl From<DrawnUnits> for DrawView {
    fn from(d: DrawnUnits) -> Self {
        Self {
            lot_id: d.lot_id,
            quantity: d.quantity,
            unit_cost: d.unit_cost,
        }
    }
}

/// A stock adjustment and the lots it drew from.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AdjustmentView {
    /// Adjustment id.
    pub id: i64,
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// Units removed.
    pub quantity: i64,
    /// Why.
    pub reason: String,
    /// Units per lot, oldest lot first.
    pub draws: Vec<DrawView>,
    /// FIFO cost of the units removed, minor units.
    pub cost: i64,
    /// RFC 3339 UTC.
    pub created_at: String,
}

impl From<Adjustment> for AdjustmentView {
    fn from(a: Adjustment) -> Self {
        Self {
            id: a.id,
            product_id: a.product_id,
            variant_id: a.variant_id,
            quantity: a.quantity,
            reason: a.reason,
            draws: a.draws.into_iter().map(Into::into).collect(),
            cost: a.cost,
            created_at: a.created_at.to_rfc3339(),
        }
    }
}

/// Writes units off (staff): they leave the oldest lots first, like a sale.
#[utoipa::path(post, path = "/api/v1/products/{id}/stock-adjustments", tag = "inventory", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = AdjustStockRequest,
    responses(
        (status = 201, description = "Written off", body = AdjustmentView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not that many units on hand", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn adjust_stock(
    State(state): State<AppState>,
    Staff(staff, _): Staff<area::Inventory>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<AdjustStockRequest>,
) -> ApiResult<(StatusCode, Json<AdjustmentView>)> {
    let adjustment = inventory::write_off(&state, staff.user.id, id, req.variant_id, req.quantity, &req.reason).await?;
    Ok((StatusCode::CREATED, Json(adjustment.into())))
}

/// One variant's stock on hand and its FIFO value.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ValuationLineView {
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// The product's name.
    pub name: String,
    /// The variant's SKU.
    pub sku: Option<String>,
    /// The variant's option values, in the options' order.
    pub option_values: Vec<String>,
    /// Currency of the value.
    pub currency: String,
    /// Units on hand.
    pub units_on_hand: i64,
    /// Σ remaining × unit cost over its lots, minor units.
    pub value: i64,
}

impl From<ValuationLine> for ValuationLineView {
    fn from(v: ValuationLine) -> Self {
        Self {
            product_id: v.product_id,
            variant_id: v.variant_id,
            name: v.name,
            sku: v.sku,
            option_values: v.option_values.as_slice().to_vec(),
            currency: v.currency,
            units_on_hand: v.units_on_hand,
            value: v.value,
        }
    }
}

/// The valuation: a page of variants with stock, and the totals over all of them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ValuationView {
    /// Variants with units on hand, by variant id.
    pub data: Vec<ValuationLineView>,
    /// `?cursor=` for the next page, `null` on the last.
    pub next_cursor: Option<String>,
    /// Units on hand across every product.
    pub total_units: i64,
    /// FIFO value of all stock on hand, minor units (summed across currencies as stored).
    pub total_value: i64,
}

/// Units on hand and their FIFO cost value, per variant (staff).
#[utoipa::path(get, path = "/api/v1/inventory/valuation", tag = "inventory", security(("bearer" = [])), params(PageParams),
    responses(
        (status = 200, description = "Valuation", body = ValuationView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid limit or cursor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn valuation(
    State(state): State<AppState>,
    _staff: Staff<area::Inventory>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<ValuationView>> {
    let fingerprint = "valuation";
    let (limit, position) = page.parse(state.cursors(), fingerprint)?;
    let after = keyset(position)?.map_or(0, |(_, id)| id);
    let (rows, total_units, total_value) = state.store().valuation(after, limit + 1).await?;
    let (lines, next) = cut_page(rows, limit, |l| Position::After(0, l.variant_id));
    Ok(Json(ValuationView {
        data: lines.into_iter().map(Into::into).collect(),
        next_cursor: next.map(|p| state.cursors().encode(fingerprint, p)),
        total_units,
        total_value,
    }))
}
