//! Recommendations: "also bought" (item-based) and "for you" (user-based), answered from
//! the in-memory model (see `emporium_app::recommendations`), never from a scan of the orders.

use axum::Json;
use axum::extract::State;
use emporium_app::paging;
use emporium_app::recommendations::{self, Basis};
use emporium_domain::catalog::ProductStatus;
use emporium_store::catalog::Product;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::catalog::ProductView;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, MaybeAuth, Path, Query};
use emporium_app::AppState;

/// Default list length.
const DEFAULT_LIMIT: i64 = 10;
/// Longest list.
const MAX_LIMIT: i64 = 50;

/// `?limit=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitParams {
    /// How many products, 1–50 (default 10).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 50)]
    pub limit: Option<String>,
}

impl LimitParams {
    fn parse(&self) -> Result<usize, ApiError> {
        // Present but empty is not a number, as for the lists' `limit` (found by
        // schemathesis: `?limit=` was taken as the default).
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(raw) => paging::int("limit", Some(raw), 1, MAX_LIMIT)?.ok_or_else(|| {
                emporium_domain::FieldError::new("limit", format!("must be a whole number from 1 to {MAX_LIMIT}"))
            })?,
        };
        Ok(usize::try_from(limit).unwrap_or(0))
    }
}

/// A recommended product.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Recommended {
    /// The product, as `GET /products/{id}` shows it.
    pub product: ProductView,
    /// Why it ranks where it does: a similarity (also bought), a sum of similar users'
    /// similarities (for you), or a number of buyers (popular).
    pub score: f64,
}

/// "Also bought" products.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AlsoBought {
    /// Best first.
    pub data: Vec<Recommended>,
}

/// A "for you" list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ForYou {
    /// Best first.
    pub data: Vec<Recommended>,
    /// `personal` when similar buyers contributed, `popular` when the caller has no (or
    /// too little) history and the list is what sells best.
    pub basis: String,
}

/// Products bought by the buyers of this one, ranked by
/// `common buyers / sqrt(buyers of this × buyers of that)`. Never an archived product.
#[utoipa::path(get, path = "/api/v1/products/{id}/also-bought", tag = "recommendations",
    params(("id" = i64, Path, description = "Product id"), LimitParams),
    responses(
        (status = 200, description = "Best first; empty when nobody bought it yet", body = AlsoBought),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `limit`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn also_bought(
    State(state): State<AppState>,
    caller: MaybeAuth,
    Path(id): Path<i64>,
    Query(p): Query<LimitParams>,
) -> ApiResult<Json<AlsoBought>> {
    let limit = p.parse()?;
    state
        .store()
        .product(id)
        .await?
        .filter(|p| p.status == ProductStatus::Active || caller.is_staff())
        .ok_or(ApiError::NotFound("product"))?;
    let data = recommendations::also_bought(&state, id, limit)
        .await?
        .into_iter()
        .map(Recommended::from)
        .collect();
    Ok(Json(AlsoBought { data }))
}

/// Products that users who bought like the caller bought too, scored by those users'
/// similarity, minus what the caller bought; popular products (first in the categories
/// the caller buys from) when that gives too few. Never an archived product.
#[utoipa::path(get, path = "/api/v1/me/recommendations", tag = "recommendations", security(("bearer" = [])),
    params(LimitParams),
    responses(
        (status = 200, description = "Best first", body = ForYou),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad `limit`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn for_you(
    State(state): State<AppState>,
    Auth(session): Auth,
    Query(p): Query<LimitParams>,
) -> ApiResult<Json<ForYou>> {
    let limit = p.parse()?;
    let (list, basis) = recommendations::for_user(&state, session.user.id, limit).await?;
    let basis = match basis {
        Basis::Personal => "personal",
        Basis::Popular => "popular",
    };
    Ok(Json(ForYou {
        data: list.into_iter().map(Recommended::from).collect(),
        basis: basis.into(),
    }))
}

impl From<(Product, f64)> for Recommended {
    fn from((product, score): (Product, f64)) -> Self {
        Self {
            product: product.into(),
            score: (score * 10_000.0).round() / 10_000.0,
        }
    }
}
