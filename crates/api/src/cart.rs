//! The caller's cart, with live prices and stock.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::cart;
use emporium_store::cart::CartLine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, JsonBody, Path};
use emporium_app::AppState;

/// A cart line at today's price.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CartItemView {
    /// The product.
    pub product_id: i64,
    /// Its name.
    pub name: String,
    /// Its price now, minor units.
    pub unit_price: i64,
    /// Units wanted.
    pub quantity: i64,
    /// unit_price × quantity.
    pub line_total: i64,
    /// Units on hand now.
    pub stock_available: i64,
}

/// The cart.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CartView {
    /// Lines, oldest first (archived products are left out).
    pub items: Vec<CartItemView>,
    /// Σ line totals.
    pub subtotal: i64,
    /// The lines' currency.
    pub currency: String,
}

fn view(lines: Vec<CartLine>) -> CartView {
    let currency = lines.first().map_or_else(|| "CNY".to_owned(), |l| l.currency.clone());
    let items: Vec<CartItemView> = lines
        .into_iter()
        .map(|l| CartItemView {
            product_id: l.product_id,
            name: l.name,
            unit_price: l.unit_price,
            quantity: l.quantity,
            line_total: l.unit_price * l.quantity,
            stock_available: l.stock_available,
        })
        .collect();
    CartView {
        subtotal: items.iter().map(|i| i.line_total).sum(),
        items,
        currency,
    }
}

/// The caller's cart.
#[utoipa::path(get, path = "/api/v1/cart", tag = "cart", security(("bearer" = [])),
    responses(
        (status = 200, description = "The cart", body = CartView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_cart(State(state): State<AppState>, Auth(session): Auth) -> ApiResult<Json<CartView>> {
    Ok(Json(view(state.store().cart(session.user.id).await?)))
}

/// A cart line's quantity.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetQuantityRequest {
    /// 0 removes the line; 1–999 sets it.
    #[schema(minimum = 0, maximum = 999)]
    pub quantity: i64,
}

/// Sets how many units of a product the cart holds (0 removes it).
#[utoipa::path(put, path = "/api/v1/cart/items/{product_id}", tag = "cart", security(("bearer" = [])),
    params(("product_id" = i64, Path, description = "Product id")), request_body = SetQuantityRequest,
    responses(
        (status = 200, description = "The cart", body = CartView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Product not for sale, or the cart is full", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid quantity", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_cart_item(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(product_id): Path<i64>,
    JsonBody(req): JsonBody<SetQuantityRequest>,
) -> ApiResult<Json<CartView>> {
    cart::set_quantity(&state, session.user.id, product_id, req.quantity).await?;
    Ok(Json(view(state.store().cart(session.user.id).await?)))
}

/// Removes a product from the cart.
#[utoipa::path(delete, path = "/api/v1/cart/items/{product_id}", tag = "cart", security(("bearer" = [])),
    params(("product_id" = i64, Path, description = "Product id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_cart_item(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(product_id): Path<i64>,
) -> ApiResult<StatusCode> {
    cart::remove_line(&state, session.user.id, product_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Empties the cart.
#[utoipa::path(delete, path = "/api/v1/cart", tag = "cart", security(("bearer" = [])),
    responses(
        (status = 204, description = "Emptied"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn clear_cart(State(state): State<AppState>, Auth(session): Auth) -> ApiResult<StatusCode> {
    cart::clear(&state, session.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
