//! The guest checkout page's price preview: what a guest's cart costs to the address it
//! has just typed, before it is placed. Placing is `guests::place_order`; this only
//! prices, so the page can offer the shipping methods and show coupons as a customer's
//! checkout does.

use emporium_domain::address::{AddressInput, NewAddress};
use emporium_domain::{FieldError, Invalid};
use emporium_store::accounts::Session;
use emporium_store::pricing::CartPricing;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Prices a guest's cart to `address`, which becomes the guest's one address (as placing
/// would make it), with the shipping method and coupons chosen. Nothing else is written; a
/// coupon that does not apply is reported in the answer, not refused. Errors of the
/// address are named under `address.` as `guests::place_order` names them.
pub async fn price_cart(
    state: &AppState,
    guest: &Session,
    address: AddressInput<'_>,
    shipping_method_id: Option<i64>,
    coupon_codes: &[String],
) -> AppResult<CartPricing> {
    if !guest.user.guest {
        return Err(AppError::Forbidden);
    }
    let address = NewAddress::parse(address).map_err(|Invalid(errors)| {
        AppError::Invalid(
            errors
                .into_iter()
                .map(|e| FieldError::new(format!("address.{}", e.field), e.message))
                .collect(),
        )
    })?;
    let store = state.store();
    store.forget_guest_addresses(guest.user.id).await?;
    let address = store.add_address(guest.user.id, address, state.now()).await?;
    crate::cart::price(state, guest.user.id, address.id, shipping_method_id, coupon_codes).await
}
