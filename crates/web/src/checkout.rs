//! Checkout: the cart's lines, the address to ship to (or a new one), and placing the
//! order, idempotently (the form's nonce is the order's `Idempotency-Key`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_store::idempotency::Idempotent;
use emporium_store::order_read::Order;
use serde::Deserialize;

use super::account::{AddressForm, address_line};
use super::orders::{Line, cart_subtotal};
use super::session::Visitor;
use super::view::{Ctx, FieldErrors, Posted, WebError, WebResult, form_errors, render, see_other};
use emporium_app::orders::{self, Checkout};
use emporium_app::{AppError, AppState};

#[derive(Template)]
#[template(path = "checkout.html")]
struct CheckoutPage {
    ctx: Ctx,
    lines: Vec<Line>,
    subtotal: String,
    addresses: Vec<(i64, String)>,
    selected: i64,
    note: String,
    nonce: String,
    errors: FieldErrors,
    address: AddressForm,
    address_errors: FieldErrors,
}

/// The checkout form.
#[derive(Debug, Default, Deserialize)]
pub struct CheckoutForm {
    #[serde(default)]
    address_id: String,
    #[serde(default)]
    note: String,
    /// A random value per rendered form: the order's idempotency key, so a double submit
    /// places one order.
    #[serde(default)]
    nonce: String,
}

async fn checkout_page(
    state: &AppState,
    visitor: &Visitor,
    form: CheckoutForm,
    errors: FieldErrors,
    address: AddressForm,
    address_errors: FieldErrors,
    status: StatusCode,
) -> WebResult {
    let session = visitor.user()?;
    let lines = state.store().cart(session.user.id).await?;
    if lines.is_empty() {
        return Ok(see_other("/cart"));
    }
    let addresses = state.store().addresses(session.user.id).await?;
    let selected = form
        .address_id
        .parse()
        .ok()
        .or_else(|| addresses.last().map(|a| a.id))
        .unwrap_or(0);
    Ok(render(
        status,
        &CheckoutPage {
            ctx: Ctx::new(visitor),
            subtotal: cart_subtotal(&lines),
            lines: lines.iter().map(Line::from).collect(),
            addresses: addresses.iter().map(|a| (a.id, address_line(a))).collect(),
            selected,
            note: form.note,
            nonce: emporium_app::tokens::generate().map_err(|e| WebError::App(AppError::Internal(e.into())))?,
            errors,
            address,
            address_errors,
        },
    ))
}

/// The checkout page again with the new-address form's errors.
pub async fn checkout_with(
    state: &AppState,
    visitor: &Visitor,
    address: AddressForm,
    errors: FieldErrors,
) -> WebResult {
    checkout_page(
        state,
        visitor,
        CheckoutForm::default(),
        FieldErrors::default(),
        address,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `GET /checkout`.
pub async fn checkout(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    checkout_page(
        &state,
        &visitor,
        CheckoutForm::default(),
        FieldErrors::default(),
        AddressForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// The checkout again, asking for an address of the buyer's own.
async fn no_address(state: &AppState, visitor: &Visitor, form: CheckoutForm) -> WebResult {
    let errors = FieldErrors::one("address_id", visitor.t().no_addresses);
    checkout_page(
        state,
        visitor,
        form,
        errors,
        AddressForm::default(),
        FieldErrors::default(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /checkout`: places the order, then shows it (where the buyer pays).
pub async fn place_order(State(state): State<AppState>, Posted { visitor, form }: Posted<CheckoutForm>) -> WebResult {
    let session = visitor.user()?;
    let Ok(address_id) = form.address_id.parse::<i64>() else {
        return no_address(&state, &visitor, form).await;
    };
    let checkout = Checkout {
        address_id,
        note: Some(form.note.clone()).filter(|n| !n.trim().is_empty()),
        shipping_method_id: None,
        coupon_codes: Vec::new(),
    };
    // The form's nonce is the key, so a double submit places one order; the page keeps
    // the order's id as its answer, to send a resubmission to the same order.
    let nonce = Some(form.nonce.clone()).filter(|n| (1..=255).contains(&n.len()));
    let key = orders::idempotency_key(nonce, session.user.id, "checkout page".into(), &checkout);
    let render = std::sync::Arc::new(|o: &Order| o.id.to_string());
    match orders::place_order(&state, session.user.id, &checkout, key, render).await {
        Ok(Idempotent::Fresh(order)) => Ok(see_other(&format!("/orders/{}", order.id))),
        Ok(Idempotent::Replay(answer)) => {
            let id: i64 = answer.body.parse().map_err(|_| WebError::NotFound)?;
            Ok(see_other(&format!("/orders/{id}")))
        }
        // Not one of the buyer's addresses (deleted meanwhile, or someone else's).
        Err(AppError::NotFound(_)) => no_address(&state, &visitor, form).await,
        Err(e) => {
            let status = if matches!(e, AppError::Conflict { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let errors = form_errors(e, visitor.lang)?;
            checkout_page(
                &state,
                &visitor,
                form,
                errors,
                AddressForm::default(),
                FieldErrors::default(),
                status,
            )
            .await
        }
    }
}
