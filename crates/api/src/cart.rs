//! The caller's cart, with live prices and stock.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::cart;
use emporium_store::cart::CartLine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, Problem};
use crate::extract::{JsonBody, Path, PreferredLocale, Shopper};
use emporium_app::AppState;

/// A cart line (one variant) at today's price.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CartItemView {
    /// The product.
    pub product_id: i64,
    /// The variant.
    pub variant_id: i64,
    /// The product's name.
    pub name: String,
    /// The variant's SKU.
    pub sku: Option<String>,
    /// The variant's option values, `[{name, value}]` in the options' order (empty for a
    /// product without options).
    pub options: Vec<OptionValueView>,
    /// The variant's price now, minor units.
    pub unit_price: i64,
    /// Units wanted.
    pub quantity: i64,
    /// unit_price × quantity.
    pub line_total: i64,
    /// The variant's units on hand now.
    pub stock_available: i64,
}

/// One option's value of a variant: `{name: "颜色", value: "黑"}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OptionValueView {
    /// The option.
    pub name: String,
    /// The value.
    pub value: String,
}

/// `(option, value)` pairs as the API shows them.
pub fn option_values(pairs: Vec<(String, String)>) -> Vec<OptionValueView> {
    pairs
        .into_iter()
        .map(|(name, value)| OptionValueView { name, value })
        .collect()
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
            variant_id: l.variant_id,
            name: l.name,
            sku: l.sku,
            options: option_values(l.options),
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
#[utoipa::path(get, path = "/api/v1/cart", tag = "cart", security(("bearer" = []), ("cart_token" = [])),
    responses(
        (status = 200, description = "The cart", body = CartView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_cart(State(state): State<AppState>, Shopper(session): Shopper) -> ApiResult<Json<CartView>> {
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

/// Sets how many units of a variant the cart holds (0 removes the line).
#[utoipa::path(put, path = "/api/v1/cart/lines/{variant_id}", tag = "cart", security(("bearer" = []), ("cart_token" = [])),
    params(("variant_id" = i64, Path, description = "Variant id")), request_body = SetQuantityRequest,
    responses(
        (status = 200, description = "The cart", body = CartView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such variant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Variant not for sale, or the cart is full", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid quantity", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_cart_line(
    State(state): State<AppState>,
    Shopper(session): Shopper,
    Path(variant_id): Path<i64>,
    JsonBody(req): JsonBody<SetQuantityRequest>,
) -> ApiResult<Json<CartView>> {
    cart::set_line(&state, session.user.id, variant_id, req.quantity).await?;
    Ok(Json(view(state.store().cart(session.user.id).await?)))
}

/// Removes a variant from the cart.
#[utoipa::path(delete, path = "/api/v1/cart/lines/{variant_id}", tag = "cart", security(("bearer" = []), ("cart_token" = [])),
    params(("variant_id" = i64, Path, description = "Variant id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_cart_line(
    State(state): State<AppState>,
    Shopper(session): Shopper,
    Path(variant_id): Path<i64>,
) -> ApiResult<StatusCode> {
    cart::remove_line(&state, session.user.id, variant_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets how many units of a product with one variant the cart holds (0 removes it); a
/// product with several variants answers 422 `variant_required` (use the lines route).
#[utoipa::path(put, path = "/api/v1/cart/items/{product_id}", tag = "cart", security(("bearer" = []), ("cart_token" = [])),
    params(("product_id" = i64, Path, description = "Product id")), request_body = SetQuantityRequest,
    responses(
        (status = 200, description = "The cart", body = CartView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Product not for sale, or the cart is full", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid quantity, or `variant_required`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_cart_item(
    State(state): State<AppState>,
    Shopper(session): Shopper,
    Path(product_id): Path<i64>,
    JsonBody(req): JsonBody<SetQuantityRequest>,
) -> ApiResult<Json<CartView>> {
    cart::set_quantity(&state, session.user.id, product_id, req.quantity).await?;
    Ok(Json(view(state.store().cart(session.user.id).await?)))
}

/// Removes a product (every variant of it) from the cart.
#[utoipa::path(delete, path = "/api/v1/cart/items/{product_id}", tag = "cart", security(("bearer" = []), ("cart_token" = [])),
    params(("product_id" = i64, Path, description = "Product id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_cart_item(
    State(state): State<AppState>,
    Shopper(session): Shopper,
    Path(product_id): Path<i64>,
) -> ApiResult<StatusCode> {
    cart::remove_product(&state, session.user.id, product_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Empties the cart.
#[utoipa::path(delete, path = "/api/v1/cart", tag = "cart", security(("bearer" = []), ("cart_token" = [])),
    responses(
        (status = 204, description = "Emptied"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn clear_cart(State(state): State<AppState>, Shopper(session): Shopper) -> ApiResult<StatusCode> {
    cart::clear(&state, session.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A guest cart just opened.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GuestCartView {
    /// Send as `Cart-Token` to the cart routes, the shipping and pricing routes, the
    /// address book routes and `POST /orders`; send it to `POST /auth/login` or
    /// `/auth/register` to bring the cart into the account. Shown once.
    pub cart_token: String,
    /// RFC 3339 UTC; the cart is forgotten then (30 days by default).
    pub expires_at: String,
}

/// Opens a cart for a visitor without an account. Its language (from `Accept-Language`)
/// is the language of its orders' messages.
#[utoipa::path(post, path = "/api/v1/carts", tag = "cart",
    responses(
        (status = 201, description = "Opened", body = GuestCartView),
    ))]
pub async fn open_guest_cart(
    State(state): State<AppState>,
    PreferredLocale(locale): PreferredLocale,
) -> ApiResult<(StatusCode, Json<GuestCartView>)> {
    let cart = emporium_app::guests::open_cart(&state, locale).await?;
    Ok((
        StatusCode::CREATED,
        Json(GuestCartView {
            cart_token: cart.token,
            expires_at: cart.expires_at.to_rfc3339(),
        }),
    ))
}
