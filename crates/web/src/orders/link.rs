//! A guest order's link, `/orders/{id}?access=<token>` (the token is the application
//! layer's HMAC of the order id: nothing stored, nothing guessable), finding it again after
//! the pay provider's return, and `/orders/lookup`: the link again from the order's
//! number and the email it was placed with (throttled by the use case).

use askama::Template;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;

use super::super::session::{ORDER_LINK_COOKIE, Visitor, cookie, set_cookie_at};
use super::super::view::{Ctx, FieldErrors, Posted, WebResult, form_errors, render, see_other, urlencode};
use emporium_app::accounts::ClientAddress;
use emporium_app::{AppError, AppState, guests};

/// How long the pay button's cookie lets the provider's return find the link again.
const REMEMBER_SECS: u64 = 2 * 3600;

/// The page of order `id`: its link with `access`, else the buyer's own page.
pub fn order_url(id: i64, access: Option<&str>) -> String {
    match access {
        Some(token) => format!("/orders/{id}?access={}", urlencode(token)),
        None => format!("/orders/{id}"),
    }
}

/// The cookie the pay button leaves for a guest: the sandbox (like a real provider) sends
/// the buyer back to `/orders/{id}` without the link's token, and this finds it again. It
/// is scoped to that order's path, `HttpOnly` and `SameSite=Lax` (the return is a
/// top-level navigation), and holds only what the link itself holds.
pub fn remember(id: i64, access: &str, secure: bool) -> HeaderValue {
    set_cookie_at(
        &format!("/orders/{id}"),
        ORDER_LINK_COOKIE,
        access,
        REMEMBER_SECS,
        true,
        secure,
    )
}

/// The link of order `id`, when the request carries a cookie [`remember`] left for it.
pub fn remembered(state: &AppState, headers: &HeaderMap, id: i64) -> Option<String> {
    let token = cookie(headers, ORDER_LINK_COOKIE)?;
    state
        .order_links()
        .verify(id, &token)
        .then(|| order_url(id, Some(&token)))
}

#[derive(Template)]
#[template(path = "order_lookup.html")]
struct LookupPage {
    ctx: Ctx,
    order: String,
    email: String,
    errors: FieldErrors,
}

/// The lookup form.
#[derive(Debug, Default, Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    order: String,
    #[serde(default)]
    email: String,
}

/// `GET /orders/lookup`.
pub async fn lookup_page(visitor: Visitor) -> WebResult {
    Ok(render(
        StatusCode::OK,
        &LookupPage {
            ctx: Ctx::new(&visitor),
            order: String::new(),
            email: String::new(),
            errors: FieldErrors::default(),
        },
    ))
}

/// `POST /orders/lookup`: to the order's link when the number and email match a guest
/// order; otherwise the form again saying nothing matched (404), or to wait (429).
pub async fn lookup_order(
    State(state): State<AppState>,
    from: Option<Extension<ClientAddress>>,
    Posted { visitor, form }: Posted<LookupForm>,
) -> WebResult {
    let t = visitor.t();
    let from = from.map(|Extension(a)| a).unwrap_or_default();
    let number = form.order.trim().trim_start_matches('#');
    let (status, errors) = match number.parse::<i64>() {
        Err(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::one("order", t.order_number_hint),
        ),
        Ok(id) => match guests::look_up_order(&state, id, &form.email, from).await {
            Ok(token) => return Ok(see_other(&order_url(id, Some(&token)))),
            Err(AppError::NotFound(_)) => (StatusCode::NOT_FOUND, FieldErrors::one("form", t.order_not_found)),
            Err(AppError::RateLimited(_)) => (
                StatusCode::TOO_MANY_REQUESTS,
                FieldErrors::one("form", t.too_many_lookups),
            ),
            Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, form_errors(e, visitor.lang)?),
        },
    };
    Ok(render(
        status,
        &LookupPage {
            ctx: Ctx::new(&visitor),
            order: form.order,
            email: form.email,
            errors,
        },
    ))
}
