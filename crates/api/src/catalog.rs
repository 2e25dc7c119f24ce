//! Products and categories: listing with filters, sorts and pagination (full-text search
//! when `q` is given), detail, and the staff operations that create, edit and archive.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::catalog::{self, ProductDraft, ProductEdit, ProductQuery};
use emporium_domain::catalog::ProductStatus;
use emporium_store::catalog::Product;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{JsonBody, MaybeAuth, Path, Query, Staff};

/// A product as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProductView {
    /// Product id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Long text.
    pub description: String,
    /// Price in minor units (1999 = 19.99).
    pub price: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Category.
    pub category: Option<String>,
    /// Stock-keeping unit.
    pub sku: Option<String>,
    /// Image URLs.
    pub images: Vec<String>,
    /// `active`, `draft` or `archived`.
    pub status: String,
    /// Units that can be ordered now.
    pub stock_available: i64,
    /// Mean review rating (0 when unrated).
    pub rating_average: f64,
    /// Number of reviews counted in the average.
    pub rating_count: i64,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        Self {
            id: p.id,
            name: p.name,
            description: p.description,
            price: p.price,
            currency: p.currency,
            category: p.category,
            sku: p.sku,
            images: p.images,
            status: p.status.as_str().to_owned(),
            stock_available: p.stock_available,
            rating_average: (p.rating_average * 100.0).round() / 100.0,
            rating_count: p.rating_count,
            created_at: p.created_at.to_rfc3339(),
            updated_at: p.updated_at.to_rfc3339(),
        }
    }
}

/// Listing parameters. All are optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListProductsParams {
    /// Full-text search, Chinese or English; up to 200 characters (after trimming).
    pub q: Option<String>,
    /// Only this category (up to 64 characters; empty means any).
    pub category: Option<String>,
    /// Lowest price, minor units, 0–100,000,000,000; empty means none (the shop's search
    /// form sends empty fields).
    #[param(pattern = r"^\s*([+-]?[0-9]+)?\s*$")]
    pub min_price: Option<String>,
    /// Highest price, minor units, 0–100,000,000,000, not below `min_price`; empty means none.
    #[param(pattern = r"^\s*([+-]?[0-9]+)?\s*$")]
    pub max_price: Option<String>,
    /// `relevance` (default with `q`), `newest` (default without), `price_asc`, `price_desc`, `rating`.
    #[param(pattern = r"^\s*(relevance|newest|price_asc|price_desc|rating)?\s*$")]
    pub sort: Option<String>,
    /// Staff only: `active`, `draft` or `archived` (default: all for staff, active for everyone else).
    #[param(pattern = "^(active|draft|archived)?$")]
    pub status: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

impl From<ListProductsParams> for ProductQuery {
    fn from(p: ListProductsParams) -> Self {
        Self {
            q: p.q,
            category: p.category,
            min_price: p.min_price,
            max_price: p.max_price,
            sort: p.sort,
            status: p.status,
            limit: p.limit,
            cursor: p.cursor,
        }
    }
}

/// Lists products: full-text search when `q` is given (Chinese is segmented into words,
/// English is stemmed and case-insensitive), else the catalogue in the chosen order.
/// Customers and visitors see active products only.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalogue", params(ListProductsParams),
    responses(
        (status = 200, description = "A page of products", body = Page<ProductView>),
        (status = 401, description = "A token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_products(
    State(state): State<AppState>,
    caller: MaybeAuth,
    Query(params): Query<ListProductsParams>,
) -> ApiResult<Json<Page<ProductView>>> {
    let (products, next_cursor) = catalog::find_products(&state, &params.into(), caller.is_staff()).await?;
    Ok(Json(Page {
        data: products.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// One product. Customers see active products only; staff see any.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalogue",
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, description = "The product", body = ProductView),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_product(
    State(state): State<AppState>,
    caller: MaybeAuth,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProductView>> {
    let product = state
        .store()
        .product(id)
        .await?
        .filter(|p| p.status == ProductStatus::Active || caller.is_staff());
    product.map(|p| Json(p.into())).ok_or(ApiError::NotFound("product"))
}

/// Stock received together with a new product.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitialStock {
    /// Units, 1–1,000,000,000.
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
    /// Cost per unit, minor units, ≥ 0.
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub unit_cost: i64,
}

/// A new product. Stock, ratings, ids and timestamps are computed and cannot be set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProductRequest {
    /// 1–200 characters.
    #[schema(min_length = 1)]
    pub name: String,
    /// Up to 10,000 characters.
    pub description: Option<String>,
    /// Minor units, > 0.
    #[schema(minimum = 1, maximum = 100_000_000_000_i64)]
    pub price: i64,
    /// ISO 4217 (default CNY).
    pub currency: Option<String>,
    /// 1–64 characters.
    pub category: Option<String>,
    /// 1–64 ASCII letters, digits, `-`, `_`, `.`; unique.
    pub sku: Option<String>,
    /// Up to 10 http(s) URLs or paths.
    pub images: Option<Vec<String>>,
    /// `active` (default), `draft` or `archived`.
    pub status: Option<String>,
    /// A first lot of stock.
    pub initial_stock: Option<InitialStock>,
}

impl From<CreateProductRequest> for ProductDraft {
    fn from(r: CreateProductRequest) -> Self {
        Self {
            name: r.name,
            description: r.description,
            price: r.price,
            currency: r.currency,
            category: r.category,
            sku: r.sku,
            images: r.images,
            status: r.status,
            initial_stock: r.initial_stock.map(|s| catalog::InitialStock {
                quantity: s.quantity,
                unit_cost: s.unit_cost,
            }),
        }
    }
}

/// Creates a product (staff).
#[utoipa::path(post, path = "/api/v1/products", tag = "catalogue", security(("bearer" = [])), request_body = CreateProductRequest,
    responses(
        (status = 201, description = "Created", body = ProductView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SKU taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_product(
    State(state): State<AppState>,
    _staff: Staff,
    JsonBody(req): JsonBody<CreateProductRequest>,
) -> ApiResult<(StatusCode, Json<ProductView>)> {
    let product = catalog::create_product(&state, req.into()).await?;
    Ok((StatusCode::CREATED, Json(product.into())))
}

/// Changes to a product: any writable field; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProductRequest {
    /// 1–200 characters.
    pub name: Option<String>,
    /// Up to 10,000 characters.
    pub description: Option<String>,
    /// Minor units, > 0.
    pub price: Option<i64>,
    /// ISO 4217.
    pub currency: Option<String>,
    /// 1–64 characters; `null` clears it.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    /// Unique code; `null` clears it.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub sku: Option<Option<String>>,
    /// Replaces the image list.
    pub images: Option<Vec<String>>,
    /// `active`, `draft` or `archived`.
    pub status: Option<String>,
}

impl From<UpdateProductRequest> for ProductEdit {
    fn from(r: UpdateProductRequest) -> Self {
        Self {
            name: r.name,
            description: r.description,
            price: r.price,
            currency: r.currency,
            category: r.category,
            sku: r.sku,
            images: r.images,
            status: r.status,
        }
    }
}

/// Edits a product (staff).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = UpdateProductRequest,
    responses(
        (status = 200, description = "Updated", body = ProductView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SKU taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_product(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<UpdateProductRequest>,
) -> ApiResult<Json<ProductView>> {
    Ok(Json(catalog::update_product(&state, id, req.into()).await?.into()))
}

/// Archives a product (staff): it leaves listings, search and carts, and stays in past
/// orders. Answers the archived product.
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, description = "Archived", body = ProductView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn archive_product(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProductView>> {
    Ok(Json(catalog::archive_product(&state, id).await?.into()))
}

/// A category and its number of active products.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CategoryView {
    /// Category name.
    pub name: String,
    /// Active products in it.
    pub product_count: i64,
}

/// Every category with active products, by name (one page: categories are few).
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalogue",
    responses((status = 200, description = "Categories", body = Page<CategoryView>)))]
pub async fn list_categories(State(state): State<AppState>) -> ApiResult<Json<Page<CategoryView>>> {
    let categories = state.store().categories().await?;
    Ok(Json(Page {
        data: categories
            .into_iter()
            .map(|c| CategoryView {
                name: c.name,
                product_count: c.product_count,
            })
            .collect(),
        next_cursor: None,
    }))
}
