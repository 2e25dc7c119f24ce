//! The customer's cart: lines of products and quantities, kept until an order is placed.

use emporium_domain::order::CartQuantity;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Sets how many units of a product the user's cart holds; 0 removes the line.
pub async fn set_quantity(state: &AppState, user_id: i64, product_id: i64, quantity: i64) -> AppResult<()> {
    let quantity = if quantity == 0 {
        None
    } else {
        Some(CartQuantity::parse(quantity)?)
    };
    state
        .store()
        .set_cart_item(user_id, product_id, quantity, state.now())
        .await
        .map_err(AppError::from)
}

/// Removes a product from the user's cart (nothing to do if it is not there).
pub async fn remove_line(state: &AppState, user_id: i64, product_id: i64) -> AppResult<()> {
    Ok(state
        .store()
        .set_cart_item(user_id, product_id, None, state.now())
        .await?)
}

/// Empties the user's cart.
pub async fn clear(state: &AppState, user_id: i64) -> AppResult<()> {
    Ok(state.store().clear_cart(user_id).await?)
}
