//! Products and categories: listing with filters, sorts and pagination (full-text search
//! when `q` is given), detail, and the staff operations that create, edit and archive.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_domain::catalog::{CategoryName, Description, Images, ProductName, ProductStatus, Sku};
use emporium_domain::inventory::Units;
use emporium_domain::money::{Currency, MAX_AMOUNT, Price, UnitCost};
use emporium_domain::{FieldError, Invalid};
use emporium_search::{SearchQuery, SearchSort};
use emporium_store::StoreError;
use emporium_store::catalog::{NewProduct, Product, ProductChanges, ProductFilter, ProductOrder};
use emporium_store::inventory::NewLot;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params::{self, cut_page, keyset};
use super::{Page, clearable};
use crate::cursor::Position;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{JsonBody, MaybeAuth, Path, Query, Staff};
use crate::state::AppState;

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

/// The parsed listing request.
struct Listing {
    text: Option<String>,
    filter: ProductFilter,
    sort: SearchSort,
    limit: i64,
    position: Option<Position>,
}

/// Parses the listing parameters; answers the listing and its fingerprint, the string its
/// cursors are bound to (everything that shapes the listing).
fn parse_listing(params: &ListProductsParams, staff: bool, state: &AppState) -> Result<(Listing, String), ApiError> {
    let text = match params.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > 200 => Err(FieldError::new("q", "must be at most 200 characters")),
        q => Ok(q.map(str::to_owned)),
    };
    let category = params
        .category
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|c| CategoryName::parse("category", c).map(|c| c.as_str().to_owned()))
        .transpose();
    let min_price = params::int("min_price", params.min_price.as_deref(), 0, MAX_AMOUNT);
    let max_price = params::int("max_price", params.max_price.as_deref(), 0, MAX_AMOUNT);
    let sort = match params.sort.as_deref().map(str::trim) {
        None | Some("") => Ok(if matches!(text, Ok(Some(_))) {
            SearchSort::Relevance
        } else {
            SearchSort::Newest
        }),
        Some("relevance") => Ok(SearchSort::Relevance),
        Some("newest") => Ok(SearchSort::Newest),
        Some("price_asc") => Ok(SearchSort::PriceAsc),
        Some("price_desc") => Ok(SearchSort::PriceDesc),
        Some("rating") => Ok(SearchSort::Rating),
        Some(_) => Err(FieldError::new(
            "sort",
            "must be one of relevance, newest, price_asc, price_desc, rating",
        )),
    };
    let status = match (params.status.as_deref().filter(|s| !s.is_empty()), staff) {
        (None, true) => Ok(None),
        (None, false) => Ok(Some(ProductStatus::Active)),
        (Some(s), true) => ProductStatus::parse("status", s).map(Some),
        (Some(_), false) => Err(FieldError::new("status", "only staff may list products by status")),
    };
    let limit = params::limit(params.limit.as_deref());
    let (text, category, min_price, max_price, sort, status, limit) =
        match (text, category, min_price, max_price, sort, status, limit) {
            (Ok(t), Ok(c), Ok(min), Ok(max), Ok(so), Ok(st), Ok(l)) => (t, c, min, max, so, st, l),
            (t, c, min, max, so, st, l) => {
                return Err(Invalid::of([t.err(), c.err(), min.err(), max.err(), so.err(), st.err(), l.err()]).into());
            }
        };
    if let (Some(min), Some(max)) = (min_price, max_price)
        && min > max
    {
        return Err(FieldError::new("max_price", "must not be below min_price").into());
    }
    let filter = ProductFilter {
        status,
        category,
        min_price,
        max_price,
    };
    let mut listing = Listing {
        text,
        filter,
        sort,
        limit,
        position: None,
    };
    let fingerprint = fingerprint(&listing, staff);
    listing.position = params
        .cursor
        .as_deref()
        .map(|c| state.cursors().decode(&fingerprint, c))
        .transpose()?;
    Ok((listing, fingerprint))
}

fn fingerprint(listing: &Listing, staff: bool) -> String {
    format!(
        "products|{:?}|{:?}|{:?}|{staff}",
        listing.text.as_deref(),
        listing.filter,
        listing.sort
    )
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
    let (products, next_cursor) = find_products(&state, &params, caller.is_staff()).await?;
    Ok(Json(Page {
        data: products.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// One page of a listing or search and the cursor of the next (shared by the API and the
/// shop's search pages).
pub(crate) async fn find_products(
    state: &AppState,
    params: &ListProductsParams,
    staff: bool,
) -> ApiResult<(Vec<Product>, Option<String>)> {
    let (listing, fingerprint) = parse_listing(params, staff, state)?;
    let (products, next) = match &listing.text {
        Some(text) => search(state, &listing, text).await?,
        None => {
            let order = match listing.sort {
                SearchSort::PriceAsc => ProductOrder::PriceAsc,
                SearchSort::PriceDesc => ProductOrder::PriceDesc,
                SearchSort::Rating => ProductOrder::Rating,
                SearchSort::Newest | SearchSort::Relevance => ProductOrder::Newest,
            };
            let after = keyset(listing.position)?;
            let rows = state
                .store()
                .list_products(&listing.filter, order, after, listing.limit + 1)
                .await?;
            cut_page(rows, listing.limit, |p| Position::After(order.key_of(p), p.id))
        }
    };
    Ok((products, next.map(|p| state.cursors().encode(&fingerprint, p))))
}

/// Runs a full-text query on the index, then reads the products themselves from the
/// database so prices and stock are current even if the index lags a moment behind.
async fn search(state: &AppState, listing: &Listing, text: &str) -> ApiResult<(Vec<Product>, Option<Position>)> {
    let offset = match listing.position {
        None => 0,
        Some(Position::Offset(o)) => o,
        Some(Position::After(..)) => return Err(FieldError::new("cursor", "belongs to another listing").into()),
    };
    let query = SearchQuery {
        text: text.to_owned(),
        category: listing.filter.category.clone(),
        min_price: listing.filter.min_price,
        max_price: listing.filter.max_price,
        sort: listing.sort,
        offset: usize::try_from(offset).unwrap_or(usize::MAX),
        limit: listing.limit as usize,
        active_only: listing.filter.status == Some(ProductStatus::Active),
    };
    // A kept answer is a map look-up; only a real search goes to a blocking thread.
    let hits = match state.search().kept_answer(&query) {
        Some(hits) => hits,
        None => {
            let index = state.search().clone();
            tokio::task::spawn_blocking(move || index.search(&query))
                .await
                .map_err(|e| ApiError::Internal(e.into()))?
                .map_err(|e| ApiError::Internal(e.into()))?
        }
    };
    let mut products = state.store().products_by_ids(&hits.ids).await?;
    if let Some(status) = listing.filter.status {
        products.retain(|p| p.status == status);
    }
    let next = hits.has_more.then(|| Position::Offset(offset + listing.limit as u64));
    Ok((products, next))
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
    let product = create(&state, req).await?;
    Ok((StatusCode::CREATED, Json(product.into())))
}

/// Validates and creates a product (shared by the API and the admin pages).
pub(crate) async fn create(state: &AppState, req: CreateProductRequest) -> ApiResult<Product> {
    let now = state.now();
    let initial_stock = req.initial_stock.map(|s| {
        match (
            Units::parse("initial_stock.quantity", s.quantity),
            UnitCost::parse("initial_stock.unit_cost", s.unit_cost),
        ) {
            (Ok(quantity), Ok(unit_cost)) => Ok(NewLot {
                quantity,
                unit_cost,
                received_at: now,
                note: None,
            }),
            (q, c) => Err(Invalid::of([q.err(), c.err()])),
        }
    });
    let parsed = (
        ProductName::parse(&req.name),
        Description::parse(req.description.as_deref().unwrap_or("")),
        Price::parse("price", req.price),
        req.currency
            .as_deref()
            .map_or(Ok(Currency::CNY), |c| Currency::parse("currency", c)),
        req.category
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| CategoryName::parse("category", c))
            .transpose(),
        req.sku
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(Sku::parse)
            .transpose(),
        Images::parse(req.images.as_deref().unwrap_or_default()),
        req.status
            .as_deref()
            .map_or(Ok(ProductStatus::Active), |s| ProductStatus::parse("status", s)),
    );
    let new = match (parsed, initial_stock.transpose()) {
        (
            (Ok(name), Ok(description), Ok(price), Ok(currency), Ok(category), Ok(sku), Ok(images), Ok(status)),
            Ok(initial_stock),
        ) => NewProduct {
            name,
            description,
            price,
            currency,
            category,
            sku,
            images,
            status,
            initial_stock,
        },
        ((a, b, c, d, e, f, g, h), stock) => {
            let mut errors = Invalid::of([a.err(), b.err(), c.err(), d.err(), e.err(), f.err(), g.err(), h.err()]);
            errors.0.extend(stock.err().map(|i| i.0).unwrap_or_default());
            return Err(errors.into());
        }
    };
    let product = state.store().create_product(new, now).await?;
    state.nudge_search();
    tracing::info!(product.id = product.id, "product created");
    Ok(product)
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
    Ok(Json(update(&state, id, req).await?.into()))
}

/// Validates and applies changes to a product (shared by the API and the admin pages).
pub(crate) async fn update(state: &AppState, id: i64, req: UpdateProductRequest) -> ApiResult<Product> {
    let parsed = (
        req.name.as_deref().map(ProductName::parse).transpose(),
        req.description.as_deref().map(Description::parse).transpose(),
        req.price.map(|p| Price::parse("price", p)).transpose(),
        req.currency
            .as_deref()
            .map(|c| Currency::parse("currency", c))
            .transpose(),
        clearable(req.category, |c| CategoryName::parse("category", c)),
        clearable(req.sku, Sku::parse),
        req.images.as_deref().map(Images::parse).transpose(),
        req.status
            .as_deref()
            .map(|s| ProductStatus::parse("status", s))
            .transpose(),
    );
    let changes = match parsed {
        (Ok(name), Ok(description), Ok(price), Ok(currency), Ok(category), Ok(sku), Ok(images), Ok(status)) => {
            ProductChanges {
                name,
                description,
                price,
                currency,
                category,
                sku,
                images,
                status,
            }
        }
        (a, b, c, d, e, f, g, h) => {
            return Err(Invalid::of([a.err(), b.err(), c.err(), d.err(), e.err(), f.err(), g.err(), h.err()]).into());
        }
    };
    let product = state
        .store()
        .update_product(id, changes, state.now())
        .await
        .map_err(product_not_found)?;
    state.nudge_search();
    Ok(product)
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
    Ok(Json(archive(&state, id).await?.into()))
}

/// Archives a product (shared by the API and the admin pages).
pub(crate) async fn archive(state: &AppState, id: i64) -> ApiResult<Product> {
    let changes = ProductChanges {
        status: Some(ProductStatus::Archived),
        ..Default::default()
    };
    let product = state
        .store()
        .update_product(id, changes, state.now())
        .await
        .map_err(product_not_found)?;
    state.nudge_search();
    tracing::info!(product.id = id, "product archived");
    Ok(product)
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

/// Maps the store's "no such row" to a product 404.
pub(crate) fn product_not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::NotFound("product"),
        e => e.into(),
    }
}
