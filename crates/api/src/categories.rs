//! The category tree: anyone reads it (names in the request's `Accept-Language`); staff
//! add, change and remove categories.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use emporium_app::AppState;
use emporium_app::categories::{self, CategoryDraft, CategoryEdit};
use emporium_domain::locale::Locale;
use emporium_store::categories::CategoryTree;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Page;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{JsonBody, MaybeAuth, Path, Staff, area};

/// The locale a request asks for (`Accept-Language`), if it names a supported one.
pub fn locale(headers: &HeaderMap) -> Option<Locale> {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::negotiate)
}

/// A category in the tree.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CategoryView {
    /// Category id.
    pub id: i64,
    /// The parent, `null` at the top.
    pub parent_id: Option<i64>,
    /// URL name, unique.
    pub slug: String,
    /// The name in the request's language (`Accept-Language`), else the original.
    pub name: String,
    /// The name as staff wrote it.
    pub original_name: String,
    /// Translations of the name, by locale (`en`, `zh-CN`).
    pub names: BTreeMap<String, String>,
    /// Order among its siblings.
    pub position: i64,
    /// 0 at the top.
    pub depth: usize,
    /// Active products in it and every category below it.
    pub product_count: i64,
}

fn views(tree: &CategoryTree, locale: Option<Locale>, staff: bool) -> Vec<CategoryView> {
    tree.iter()
        .map(|(depth, c)| CategoryView {
            id: c.id,
            parent_id: c.parent_id,
            slug: c.slug.clone(),
            name: c.name_in(locale.map(Locale::tag)).to_owned(),
            original_name: c.name.clone(),
            names: c.names.iter().cloned().collect(),
            position: c.position,
            depth: *depth,
            product_count: tree.product_count(c.id),
        })
        // Customers see the branches that lead to something on sale.
        .filter(|v| staff || v.product_count > 0)
        .collect()
}

/// The category tree in display order (depth first, siblings by position): every
/// category for staff, those holding active products (or above some) for everyone else.
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalogue",
    responses((status = 200, description = "Categories, depth first", body = Page<CategoryView>)))]
pub async fn list_categories(
    State(state): State<AppState>,
    caller: MaybeAuth,
    headers: HeaderMap,
) -> ApiResult<Json<Page<CategoryView>>> {
    let tree = categories::tree(&state).await?;
    Ok(Json(Page {
        data: views(&tree, locale(&headers), caller.is_staff()),
        next_cursor: None,
    }))
}

/// A new category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// 1–64 characters, unique in the shop.
    pub name: String,
    /// 1–64 lowercase letters, digits, `-`; unique; default `c<id>`.
    pub slug: Option<String>,
    /// The parent category; absent for a top-level one.
    pub parent_id: Option<i64>,
    /// Order among siblings, 0–1,000,000 (default 0).
    pub position: Option<i64>,
    /// Translations of the name by locale: `{"en": "Tea"}`.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
}

async fn one(state: &AppState, id: i64, headers: &HeaderMap) -> ApiResult<CategoryView> {
    let tree = categories::tree(state).await?;
    views(&tree, locale(headers), true)
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(ApiError::NotFound("category"))
}

/// Adds a category (staff).
#[utoipa::path(post, path = "/api/v1/categories", tag = "catalogue", security(("bearer" = [])), request_body = CreateCategoryRequest,
    responses(
        (status = 201, description = "Created", body = CategoryView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name or slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_category(
    State(state): State<AppState>,
    _staff: Staff<area::Catalogue>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<CreateCategoryRequest>,
) -> ApiResult<(StatusCode, Json<CategoryView>)> {
    let id = categories::create_category(
        &state,
        CategoryDraft {
            name: req.name,
            slug: req.slug,
            parent_id: req.parent_id,
            position: req.position,
            names: req.names.into_iter().collect(),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(one(&state, id, &headers).await?)))
}

/// Changes to a category; absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    /// 1–64 characters, unique.
    pub name: Option<String>,
    /// 1–64 lowercase letters, digits, `-`; unique.
    pub slug: Option<String>,
    /// The new parent; `null` moves it to the top. Not itself or one of its descendants.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    /// Order among siblings, 0–1,000,000.
    pub position: Option<i64>,
    /// Translations to set by locale; `""` removes one.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
}

/// Renames, moves or re-orders a category (staff). Its products follow it (they appear
/// under its new ancestors, and carry its new name).
#[utoipa::path(patch, path = "/api/v1/categories/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id")), request_body = UpdateCategoryRequest,
    responses(
        (status = 200, description = "Changed", body = CategoryView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name or slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field, or a cycle", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_category(
    State(state): State<AppState>,
    _staff: Staff<area::Catalogue>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<UpdateCategoryRequest>,
) -> ApiResult<Json<CategoryView>> {
    categories::update_category(
        &state,
        id,
        CategoryEdit {
            name: req.name,
            slug: req.slug,
            parent_id: req.parent_id,
            position: req.position,
            names: req.names.into_iter().collect(),
        },
    )
    .await?;
    Ok(Json(one(&state, id, &headers).await?))
}

/// Removes a category that holds no products and no categories (staff).
#[utoipa::path(delete, path = "/api/v1/categories/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It holds products or categories", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_category(
    State(state): State<AppState>,
    _staff: Staff<area::Catalogue>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    categories::delete_category(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
