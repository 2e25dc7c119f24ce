//! A product's variants (staff): add one, change one, withdraw one. Each answers the
//! whole product, so the caller sees the new price range and every sibling.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::variants::{self, VariantEdit};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::catalog::{CreateVariantRequest, ProductView};
use crate::error::{ApiResult, Problem};
use crate::extract::{JsonBody, Path, Staff, area};

/// Adds a variant to a product (staff). Its `option_values` must be a combination of the
/// product's options not taken by another variant.
#[utoipa::path(post, path = "/api/v1/products/{id}/variants", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = CreateVariantRequest,
    responses(
        (status = 201, description = "Added; the product", body = ProductView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SKU taken, or 100 variants already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_variant(
    State(state): State<AppState>,
    _staff: Staff<area::Catalogue>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<CreateVariantRequest>,
) -> ApiResult<(StatusCode, Json<ProductView>)> {
    let product = variants::add_variant(&state, id, req.into()).await?;
    Ok((StatusCode::CREATED, Json(ProductView::staff(product))))
}

/// Changes to a variant; absent fields stay as they are, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVariantRequest {
    /// Unique code; `null` clears it.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<String>)]
    pub sku: Option<Option<String>>,
    /// A new combination of the product's option values, not taken by another variant.
    pub option_values: Option<Vec<String>>,
    /// Minor units, > 0 (below `compare_at_price` when that stays).
    pub price: Option<i64>,
    /// Above the price; `null` clears it.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<i64>)]
    pub compare_at_price: Option<Option<i64>>,
    /// 0–10,000,000 grams.
    pub weight_grams: Option<i64>,
    /// 4–32 ASCII letters and digits; `null` clears it.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<String>)]
    pub barcode: Option<Option<String>>,
    /// An http(s) URL or a path; `null` clears it.
    #[serde(default, deserialize_with = "crate::present")]
    #[schema(value_type = Option<String>)]
    pub image: Option<Option<String>>,
    /// `active`, `draft` or `archived`.
    pub status: Option<String>,
}

impl From<UpdateVariantRequest> for VariantEdit {
    fn from(r: UpdateVariantRequest) -> Self {
        Self {
            sku: r.sku,
            option_values: r.option_values,
            price: r.price,
            compare_at_price: r.compare_at_price,
            weight_grams: r.weight_grams,
            barcode: r.barcode,
            image: r.image,
            status: r.status,
        }
    }
}

/// Changes a variant (staff).
#[utoipa::path(patch, path = "/api/v1/products/{id}/variants/{variant_id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id"), ("variant_id" = i64, Path, description = "Variant id")),
    request_body = UpdateVariantRequest,
    responses(
        (status = 200, description = "Changed; the product", body = ProductView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product or variant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SKU taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_variant(
    State(state): State<AppState>,
    _staff: Staff<area::Catalogue>,
    Path((id, variant_id)): Path<(i64, i64)>,
    JsonBody(req): JsonBody<UpdateVariantRequest>,
) -> ApiResult<Json<ProductView>> {
    let product = variants::update_variant(&state, id, variant_id, req.into()).await?;
    Ok(Json(ProductView::staff(product)))
}

/// Withdraws a variant from sale (staff): it leaves carts and the storefront, and stays
/// in past orders with its lots. The last variant on sale cannot go (409 `last_variant`;
/// archive the product instead).
#[utoipa::path(delete, path = "/api/v1/products/{id}/variants/{variant_id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id"), ("variant_id" = i64, Path, description = "Variant id")),
    responses(
        (status = 200, description = "Archived; the product", body = ProductView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product or variant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last variant on sale", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn archive_variant(
    State(state): State<AppState>,
    _staff: Staff<area::Catalogue>,
    Path((id, variant_id)): Path<(i64, i64)>,
) -> ApiResult<Json<ProductView>> {
    Ok(Json(ProductView::staff(
        variants::archive_variant(&state, id, variant_id).await?,
    )))
}
