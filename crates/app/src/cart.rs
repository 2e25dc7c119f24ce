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

/// Prices the user's cart as an order placed now would be, to one of their addresses,
/// with the shipping methods offered there (nothing is written; a coupon that does not
/// apply is reported, not refused).
pub async fn price(
    state: &AppState,
    user_id: i64,
    address_id: i64,
    shipping_method_id: Option<i64>,
    coupon_codes: &[String],
) -> AppResult<emporium_store::pricing::CartPricing> {
    crate::orders::check_coupon_codes(coupon_codes)?;
    let priced = state
        .store()
        .price_cart(user_id, address_id, shipping_method_id, coupon_codes, state.now())
        .await??;
    Ok(priced)
}

/// The caller's address a checkout ships to: the one named, else their first.
pub async fn checkout_address(state: &AppState, user_id: i64, named: Option<i64>) -> AppResult<i64> {
    if let Some(id) = named {
        return Ok(id);
    }
    let addresses = state.store().addresses(user_id).await?;
    addresses.first().map(|a| a.id).ok_or_else(|| {
        AppError::Invalid(vec![emporium_domain::FieldError::new(
            "address_id",
            "add an address first: shipping is priced by where it goes",
        )])
    })
}

/// The shipping methods offered for the user's cart (possibly empty) to one of their
/// addresses, each with its fee for the cart at list prices; none means the address
/// cannot check out.
pub async fn shipping_methods(
    state: &AppState,
    user_id: i64,
    address_id: i64,
) -> AppResult<Vec<emporium_domain::pricing::ShippingOption>> {
    Ok(state.store().shipping_options(user_id, address_id).await?)
}
