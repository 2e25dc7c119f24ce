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
    /// What the order costs to the selected address, as placing it now would price it.
    breakdown: Option<Breakdown>,
    coupon: String,
    invoice: (String, String, String),
    addresses: Vec<(i64, String)>,
    selected: i64,
    note: String,
    nonce: String,
    errors: FieldErrors,
    address: AddressForm,
    address_errors: FieldErrors,
}

impl CheckoutPage {
    /// A discounted line's cost after its discounts (shown beside its struck-through
    /// total).
    fn net_of(&self, variant_id: &i64) -> Option<&str> {
        net_of(self.breakdown.as_ref(), *variant_id)
    }

    /// The coupon field's error, unless the breakdown already says why each refused code
    /// does not apply, in the shopper's words.
    fn coupon_error(&self) -> Option<&str> {
        coupon_error(self.breakdown.as_ref(), &self.errors)
    }
}

/// What a discounted line of `variant_id` costs after its discounts, when it has any.
pub(super) fn net_of(breakdown: Option<&Breakdown>, variant_id: i64) -> Option<&str> {
    breakdown?
        .nets
        .iter()
        .find(|(v, _)| *v == variant_id)
        .map(|(_, net)| net.as_str())
}

/// The coupon field's error, unless the breakdown already says why each refused code does
/// not apply, in the shopper's words.
pub(super) fn coupon_error<'a>(breakdown: Option<&'a Breakdown>, errors: &'a FieldErrors) -> Option<&'a str> {
    match breakdown {
        Some(b) if !b.refused.is_empty() => None,
        _ => errors.get("coupon_codes"),
    }
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
    #[serde(default)]
    shipping_method_id: String,
    /// Coupon codes as typed, separated by spaces or commas.
    #[serde(default)]
    coupon: String,
    /// `apply`: price the order with the codes and method chosen, without placing it.
    #[serde(default)]
    action: String,
    /// `''` (none), `personal` or `company`.
    #[serde(default)]
    invoice_kind: String,
    #[serde(default)]
    invoice_title: String,
    #[serde(default)]
    invoice_taxpayer_id: String,
}

impl CheckoutForm {
    fn coupon_codes(&self) -> Vec<String> {
        coupon_codes(&self.coupon)
    }
}

/// Coupon codes as typed, separated by spaces or commas.
pub(super) fn coupon_codes(typed: &str) -> Vec<String> {
    typed
        .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The price breakdown shown at checkout (the pricing engine's answer, in the shopper's
/// words and yuan).
pub(super) struct Breakdown {
    /// `(label, amount)` rows between the subtotal and the total: each discount and the
    /// shipping.
    pub(super) rows: Vec<(String, String)>,
    pub(super) total: String,
    /// "of which VAT ¥…" or "VAT ¥…".
    pub(super) tax: String,
    /// `(id, label, checked)` per shipping method offered.
    pub(super) methods: Vec<(i64, String, bool)>,
    /// Why a code typed does not apply, one line per code.
    pub(super) refused: Vec<String>,
    /// What each discounted line costs after its discounts, by variant.
    pub(super) nets: Vec<(i64, String)>,
    /// `(name, why)` of each promotion that did not apply for a reason the shopper can
    /// act on or should know (not those for other items or other dates).
    pub(super) declined: Vec<(String, String)>,
}

impl Breakdown {
    /// The breakdown of a priced cart, in `visitor`'s language.
    pub(super) fn new(p: &emporium_store::pricing::CartPricing, visitor: &Visitor) -> Self {
        let (t, lang) = (visitor.t(), visitor.lang);
        let priced = &p.priced;
        let currency = priced.currency.code();
        let money = |amount: i64| super::view::money(amount, currency);
        let english = lang == super::i18n::Lang::En;
        let method_name = |name: &str, name_en: Option<&str>| match (english, name_en) {
            (true, Some(en)) => en.to_owned(),
            _ => name.to_owned(),
        };
        let mut rows: Vec<(String, String)> = priced
            .promotions
            .iter()
            .filter(|o| o.applied)
            .map(|o| (format!("{}: {}", t.discount, o.name), money(-o.amount)))
            .collect();
        rows.extend(
            priced
                .coupons
                .iter()
                .filter(|o| o.applied)
                .map(|o| (format!("{}: {}", t.coupon_code, o.code), money(-o.amount))),
        );
        let shipping = &priced.shipping;
        let fee = match shipping.fee {
            0 => t.free.to_owned(),
            fee => money(fee),
        };
        let mut method = method_name(&shipping.name, shipping.name_en.as_deref());
        if let Some(estimate) = &shipping.estimate {
            method.push_str(&format!(" · {estimate}"));
        }
        rows.push((format!("{} ({method})", t.shipping), fee));
        let tax = match priced.tax_mode {
            emporium_domain::pricing::tax::TaxMode::Inclusive => {
                format!("{} {}", t.tax_included, money(priced.tax_total))
            }
            emporium_domain::pricing::tax::TaxMode::Exclusive => format!("{} {}", t.tax_added, money(priced.tax_total)),
        };
        Self {
            rows,
            total: money(priced.total),
            tax,
            methods: p
                .options
                .iter()
                .map(|o| {
                    let mut label = method_name(&o.name, o.name_en.as_deref());
                    label.push_str(&format!(
                        " · {}",
                        if o.fee == 0 { t.free.to_owned() } else { money(o.fee) }
                    ));
                    if let Some(estimate) = &o.estimate {
                        label.push_str(&format!(" · {estimate}"));
                    }
                    (o.method_id, label, o.method_id == shipping.method_id)
                })
                .collect(),
            nets: priced
                .lines
                .iter()
                .filter(|l| l.net < l.subtotal)
                .map(|l| (l.variant_id, money(l.net)))
                .collect(),
            declined: priced
                .promotions
                .iter()
                .filter(|o| !o.applied)
                .filter_map(|o| {
                    use emporium_domain::pricing::Reason;
                    match o.reason? {
                        Reason::NoMatchingItems | Reason::NotStarted | Reason::Expired => None,
                        why => Some((o.name.clone(), super::i18n::offer_reason(lang, why.as_str()).to_owned())),
                    }
                })
                .collect(),
            refused: priced
                .coupons
                .iter()
                .filter(|o| !o.applied)
                .map(|o| {
                    let why = o.reason.map_or("", |r| r.as_str());
                    format!("{}: {}", o.code, super::i18n::offer_reason(lang, why))
                })
                .collect(),
        }
    }
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
    let mut errors = errors;
    let breakdown = match addresses.iter().any(|a| a.id == selected) {
        false => None,
        true => {
            let method = form.shipping_method_id.parse().ok();
            match emporium_app::cart::price(state, session.user.id, selected, method, &form.coupon_codes()).await {
                Ok(priced) => Some(Breakdown::new(&priced, visitor)),
                // No method ships there, or the one chosen is not offered: said beside the
                // addresses (or the methods), and nothing can be placed.
                Err(e @ (AppError::Unprocessable { .. } | AppError::Invalid(_))) => {
                    errors.0.extend(form_errors(e, visitor.lang)?.0);
                    None
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let names = super::orders::Names::load(state, visitor.lang, lines.iter().map(|l| l.product_id)).await?;
    Ok(render(
        status,
        &CheckoutPage {
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

/// `GET /checkout`: the customer's checkout, or for a visitor without a login the choice
/// of logging in, registering, or checking out as a guest.
pub async fn checkout(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    if super::shop::cart_is_short(&state, &visitor).await? {
        return Ok(see_other("/cart"));
    }
    if visitor.session.is_none() {
        return super::guest_checkout::checkout(&state, &visitor).await;
    }
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
    if form.action == "apply" {
        return checkout_page(
            &state,
            &visitor,
            form,
            FieldErrors::default(),
            AddressForm::default(),
            FieldErrors::default(),
            StatusCode::OK,
        )
        .await;
    }
    let checkout = Checkout {
        address_id,
        note: Some(form.note.clone()).filter(|n| !n.trim().is_empty()),
        shipping_method_id: form.shipping_method_id.parse().ok(),
        coupon_codes: form.coupon_codes(),
        invoice: (!form.invoice_kind.is_empty()).then(|| orders::InvoiceInput {
            kind: form.invoice_kind.clone(),
            title: form.invoice_title.clone(),
            taxpayer_id: Some(form.invoice_taxpayer_id.clone()),
        }),
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
        // Stock ran out meanwhile: the cart says which line, and offers no checkout.
        Err(AppError::Conflict {
            code: "insufficient_stock",
            ..
        }) => Ok(see_other("/cart")),
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
