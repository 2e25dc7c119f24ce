//! The guest cart on a cookie: whose cart a page works on (the logged-in customer's, or
//! the guest cart whose token the `emporium_cart` cookie carries), opening one when a
//! visitor without a login first adds to the cart, and forgetting it once merged.
//!
//! The cookie is `HttpOnly; SameSite=Lax` (and `Secure` under https) like the session's,
//! and lives as long as the cart (`guest_cart_ttl`), so the cart survives a browser
//! restart. It is never a login: `Visitor` ignores guest sessions, and only the cart and
//! checkout pages read this cookie.

use axum::http::HeaderValue;
use emporium_app::{AppState, guests};
use emporium_store::accounts::Session;

use super::session::{CART_COOKIE, Visitor, set_cookie};
use super::view::WebError;

/// Whose cart the visitor's pages show: the logged-in session, else the guest cart's
/// (its `user.guest` is true), else nobody's yet.
pub async fn cart_owner(state: &AppState, visitor: &Visitor) -> Result<Option<Session>, WebError> {
    if let Some(session) = &visitor.session {
        return Ok(Some(session.clone()));
    }
    match &visitor.cart_token {
        Some(token) => Ok(guests::cart_session(state, token).await?),
        None => Ok(None),
    }
}

/// Opens a guest cart for a visitor without one, in their language; answers the guest's
/// user id and the `Set-Cookie` that hands the visitor its token.
pub async fn open_cart(state: &AppState, visitor: &Visitor, secure: bool) -> Result<(i64, HeaderValue), WebError> {
    let cart = guests::open_cart(state, Some(visitor.lang.locale())).await?;
    let ttl = state.config().guest_cart_ttl.as_secs();
    Ok((cart.user.id, set_cookie(CART_COOKIE, &cart.token, ttl, true, secure)))
}

/// The `Set-Cookie` that forgets the guest cart (after it was merged into an account).
pub fn forget_cart(secure: bool) -> HeaderValue {
    set_cookie(CART_COOKIE, "", 0, true, secure)
}
