//! A guest order's link, `/orders/{id}?access=<token>` (the token is the application
//! layer's HMAC of the order id: nothing stored, nothing guessable; the pay provider
//! returns the buyer to it, `guests::order_page`), and `/orders/lookup`: the link again from the order's
//! number and the email it was placed with (throttled by the use case).

use askama::Template;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::super::session::Visitor;
use super::super::view::{Ctx, FieldErrors, Posted, WebResult, form_errors, render, see_other, urlencode};
use emporium_app::accounts::ClientAddress;
use emporium_app::{AppError, AppState, guests};

/// The page of order `id`: its link with `access`, else the buyer's own page.
pub fn order_url(id: i64, access: Option<&str>) -> String {
    match access {
        Some(token) => format!("/orders/{id}?access={}", urlencode(token)),
        None => format!("/orders/{id}"),
    }
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
