//! Checkout without an account: a visitor with a guest cart may log in or register (the
//! cart comes along) or check out as a guest with an email address, an optional phone,
//! a shipping address and the customer checkout's choices (shipping method, coupons, 发票,
//! note), and whether to get a text when it ships. Placing sends them to the order's own
//! link, where they pay.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_domain::FieldError;
use emporium_store::accounts::Session;
use emporium_store::idempotency::Idempotent;
use emporium_store::order_read::Order;
use serde::{Deserialize, Serialize};

use super::account::AddressForm;
use super::checkout::{Breakdown, coupon_codes};
use super::guest;
use super::orders::{Line, cart_subtotal};
use super::session::Visitor;
use super::view::{Ctx, FieldErrors, Posted, WebError, WebResult, form_errors, nonblank, render, see_other};
use emporium_app::guests::{self, GuestDetails};
use emporium_app::orders::{self, Checkout, InvoiceInput};
use emporium_app::{AppError, AppState};

#[derive(Template)]
#[template(path = "guest_checkout.html")]
struct GuestCheckoutPage {
    ctx: Ctx,
    lines: Vec<Line>,
    subtotal: String,
    breakdown: Option<Breakdown>,
    form: GuestCheckoutForm,
    coupon: String,
    invoice: (String, String, String),
    note: String,
    nonce: String,
    errors: FieldErrors,
    /// The shipping address, as `address_form.html` shows it.
    address: AddressForm,
    address_errors: FieldErrors,
}

impl GuestCheckoutPage {
    fn net_of(&self, variant_id: &i64) -> Option<&str> {
        super::checkout::net_of(self.breakdown.as_ref(), *variant_id)
    }

    fn coupon_error(&self) -> Option<&str> {
        super::checkout::coupon_error(self.breakdown.as_ref(), &self.errors)
    }
}

/// The guest checkout form: the contact, the address (the fields of `address_form.html`),
/// and the customer checkout's choices.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct GuestCheckoutForm {
    #[serde(default)]
    email: String,
    /// The guest's own phone (optional; the address has the recipient's).
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    sms_opt_in: String,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    line1: String,
    #[serde(default)]
    line2: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    shipping_method_id: String,
    #[serde(default)]
    coupon: String,
    #[serde(default)]
    invoice_kind: String,
    #[serde(default)]
    invoice_title: String,
    #[serde(default)]
    invoice_taxpayer_id: String,
    #[serde(default)]
    note: String,
    /// The order's idempotency key (a random value per rendered form).
    #[serde(default)]
    nonce: String,
    /// `apply`: price with the address, method and codes typed, without placing.
    #[serde(default)]
    action: String,
}

impl GuestCheckoutForm {
    fn address(&self) -> AddressForm {
        AddressForm {
            recipient: self.recipient.clone(),
            phone: self.phone.clone(),
            line1: self.line1.clone(),
            line2: self.line2.clone(),
            city: self.city.clone(),
            region: self.region.clone(),
            postal_code: self.postal_code.clone(),
            country: self.country.clone(),
            next: String::new(),
        }
    }

    fn checkout(&self) -> Checkout {
        Checkout {
            // The guest use case ships to the address typed; this one is ignored.
            address_id: 0,
            note: nonblank(&self.note).map(str::to_owned),
            shipping_method_id: self.shipping_method_id.parse().ok(),
            coupon_codes: coupon_codes(&self.coupon),
            invoice: (!self.invoice_kind.is_empty()).then(|| InvoiceInput {
                kind: self.invoice_kind.clone(),
                title: self.invoice_title.clone(),
                taxpayer_id: Some(self.invoice_taxpayer_id.clone()),
            }),
        }
    }

    /// The form with the address the guest checked with last (prices right away).
    fn from_saved(address: &emporium_store::accounts::Address) -> Self {
        let a = &address.fields;
        Self {
            recipient: a.recipient.clone(),
            phone: a.phone.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone().unwrap_or_default(),
            city: a.city.clone(),
            region: a.region.clone().unwrap_or_default(),
            postal_code: a.postal_code.clone().unwrap_or_default(),
            country: a.country.clone(),
            ..Self::default()
        }
    }
}

/// Splits the use case's field errors between the address form (`address.city` →
/// `city`) and the rest (the guest's own `phone` is the form's `contact_phone`).
fn split_errors(errors: FieldErrors) -> (FieldErrors, FieldErrors) {
    let (mut rest, mut address) = (Vec::new(), Vec::new());
    for e in errors.0 {
        match e.field.strip_prefix("address.") {
            Some(field) => address.push(FieldError::new(field, e.message)),
            None if e.field == "phone" => rest.push(FieldError::new("contact_phone", e.message)),
            None => rest.push(e),
        }
    }
    (FieldErrors(rest), FieldErrors(address))
}

/// The guest cart of the visitor's cookie, or the cart page (which says it is empty).
async fn guest_cart(state: &AppState, visitor: &Visitor) -> Result<Result<Session, WebResult>, WebError> {
    match guest::cart_owner(state, visitor).await? {
        Some(owner) if owner.user.guest => Ok(Ok(owner)),
        Some(_) => Ok(Err(Ok(see_other("/checkout")))),
        None => Ok(Err(Ok(see_other("/cart")))),
    }
}

async fn page(
    state: &AppState,
    visitor: &Visitor,
    guest: &Session,
    form: GuestCheckoutForm,
    errors: FieldErrors,
    status: StatusCode,
) -> WebResult {
    let lines = state.store().cart(guest.user.id).await?;
    if lines.is_empty() {
        return Ok(see_other("/cart"));
    }
    let (mut errors, mut address_errors) = split_errors(errors);
    // Priced to the address typed (or kept from the last try), as placing would price it.
    let has_address = !form.line1.trim().is_empty() || !form.recipient.trim().is_empty();
    let breakdown = if has_address {
        let address = form.address();
        let method = form.shipping_method_id.parse().ok();
        match guests::price_cart(state, guest, address.input(), method, &coupon_codes(&form.coupon)).await {
            Ok(priced) => Some(Breakdown::new(&priced, visitor)),
            Err(e @ (AppError::Unprocessable { .. } | AppError::Invalid(_))) => {
                let (more, more_address) = split_errors(form_errors(e, visitor.lang)?);
                // The errors of the try that brought us here are already shown.
                if errors.is_empty() && address_errors.is_empty() {
                    errors = more;
                    address_errors = more_address;
                }
                None
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let names = super::orders::Names::load(state, visitor.lang, lines.iter().map(|l| l.product_id)).await?;
    Ok(render(
        status,
        &GuestCheckoutPage {
            ctx: Ctx::new(visitor),
            subtotal: cart_subtotal(&lines),
            lines: lines.iter().map(|l| Line::of_cart(l, &names)).collect(),
            breakdown,
            coupon: form.coupon.clone(),
            invoice: (
                form.invoice_kind.clone(),
                form.invoice_title.clone(),
                form.invoice_taxpayer_id.clone(),
            ),
            note: form.note.clone(),
            nonce: emporium_app::tokens::generate().map_err(|e| WebError::App(AppError::Internal(e.into())))?,
            address: form.address(),
            form,
            errors,
            address_errors,
        },
    ))
}

/// `GET /checkout` for a visitor without a login.
pub async fn checkout(state: &AppState, visitor: &Visitor) -> WebResult {
    let guest = match guest_cart(state, visitor).await? {
        Ok(guest) => guest,
        Err(elsewhere) => return elsewhere,
    };
    let form = state
        .store()
        .addresses(guest.user.id)
        .await?
        .last()
        .map(GuestCheckoutForm::from_saved)
        .unwrap_or_default();
    page(state, visitor, &guest, form, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /checkout/guest`: prices (`action=apply`) or places the guest's order, then goes
/// to the order's link.
pub async fn place_order(
    State(state): State<AppState>,
    Posted { visitor, form }: Posted<GuestCheckoutForm>,
) -> WebResult {
    let guest = match guest_cart(&state, &visitor).await? {
        Ok(guest) => guest,
        Err(elsewhere) => return elsewhere,
    };
    if form.action == "apply" {
        return page(&state, &visitor, &guest, form, FieldErrors::default(), StatusCode::OK).await;
    }
    let checkout = form.checkout();
    let address = form.address();
    let details = GuestDetails {
        email: &form.email,
        phone: nonblank(&form.contact_phone),
        address: address.input(),
        sms_opt_in: form.sms_opt_in == "on" || form.sms_opt_in == "true",
    };
    // The form's nonce is the key, so a double submit places one order.
    let nonce = Some(form.nonce.clone()).filter(|n| (1..=255).contains(&n.len()));
    let key = orders::idempotency_key(nonce, guest.user.id, "guest checkout page".into(), &form);
    let render = std::sync::Arc::new(|o: &Order| o.id.to_string());
    let placed = guests::place_order(&state, &guest, details, &checkout, key, render).await;
    let id = match placed {
        Ok(Idempotent::Fresh(order)) => order.id,
        Ok(Idempotent::Replay(answer)) => answer.body.parse().map_err(|_| WebError::NotFound)?,
        Err(AppError::Conflict {
            code: "insufficient_stock",
            ..
        }) => return Ok(see_other("/cart")),
        Err(e) => {
            let status = if matches!(e, AppError::Conflict { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let errors = form_errors(e, visitor.lang)?;
            return page(&state, &visitor, &guest, form, errors, status).await;
        }
    };
    let token = state.order_links().token(id);
    Ok(see_other(&super::orders::order_link(id, &token)))
}
