//! The customer's cart: lines of variants and quantities, kept until an order is placed.

use emporium_domain::order::CartQuantity;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

fn quantity(quantity: i64) -> AppResult<Option<CartQuantity>> {
    Ok(if quantity == 0 {
        None
    } else {
        Some(CartQuantity::parse(quantity)?)
    })
}

/// Sets how many units of a variant the user's cart holds; 0 removes the line.
pub async fn set_line(state: &AppState, user_id: i64, variant_id: i64, units: i64) -> AppResult<()> {
    let units = quantity(units)?;
    state
        .store()
        .set_cart_item(user_id, variant_id, units, state.now())
        .await
        .map_err(AppError::from)
}

/// Sets how many units of a product with one variant the cart holds (the older route,
/// by product); a product with several variants is `variant_required`.
pub async fn set_quantity(state: &AppState, user_id: i64, product_id: i64, units: i64) -> AppResult<()> {
    let units = quantity(units)?;
    let product = state
        .store()
        .product(product_id)
        .await?
        .ok_or(AppError::NotFound("product"))?;
    let variant_id = crate::variants::resolve(&product, None)?;
    state
        .store()
        .set_cart_item(user_id, variant_id, units, state.now())
        .await
        .map_err(AppError::from)
}

/// Removes a variant from the user's cart (nothing to do if it is not there).
pub async fn remove_line(state: &AppState, user_id: i64, variant_id: i64) -> AppResult<()> {
    Ok(state
        .store()
        .set_cart_item(user_id, variant_id, None, state.now())
        .await?)
}

/// Removes every line of a product from the user's cart.
pub async fn remove_product(state: &AppState, user_id: i64, product_id: i64) -> AppResult<()> {
    Ok(state.store().remove_product_from_cart(user_id, product_id).await?)
}

/// Empties the user's cart.
pub async fn clear(state: &AppState, user_id: i64) -> AppResult<()> {
    Ok(state.store().clear_cart(user_id).await?)
}
