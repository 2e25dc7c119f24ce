//! Orders: placing one from the cart (idempotently), and the moves of its life that people
//! make: the buyer cancels an unpaid order or confirms receipt, staff ship it and record
//! its tracking. (The moves the clock makes, expiry and auto-confirmation, are in
//! [`crate::jobs`].)

use emporium_domain::invoice::InvoiceRequest;
use emporium_domain::order::OrderEvent;
use emporium_domain::text::{optional_line, single_line};
use emporium_domain::time::Timestamp;
use emporium_domain::{FieldError, Invalid};
use emporium_store::accounts::Session;
use emporium_store::guests::GuestContact;
use emporium_store::idempotency::{IdempotencyKey, Idempotent, Render};
use emporium_store::order_read::{Order, TrackingEvent};
use emporium_store::orders::PlaceOrder;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What the buyer chooses at checkout; the lines come from their cart.
#[derive(Debug, Clone, Serialize)]
pub struct Checkout {
    /// One of the buyer's addresses.
    pub address_id: i64,
    /// Up to 500 characters for the shop.
    pub note: Option<String>,
    /// The shipping method (`None`: the first offered for the address).
    pub shipping_method_id: Option<i64>,
    /// Coupon codes (any case); each must apply, or nothing is placed.
    pub coupon_codes: Vec<String>,
    /// A 发票, as typed.
    pub invoice: Option<InvoiceInput>,
}

/// A 发票 as typed at checkout (checked by `emporium_domain::invoice::InvoiceRequest`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct InvoiceInput {
    /// `personal` or `company`.
    pub kind: String,
    /// 抬头: the person's or the company's name.
    pub title: String,
    /// The company's taxpayer number (统一社会信用代码).
    pub taxpayer_id: Option<String>,
}

/// Most coupon codes one checkout may carry.
pub const MAX_COUPON_CODES: usize = 5;

/// Checks the typed coupon codes' count and length (whether each applies is the
/// pricing's answer).
pub fn check_coupon_codes(codes: &[String]) -> Result<(), FieldError> {
    if codes.len() > MAX_COUPON_CODES {
        return Err(FieldError::new(
            "coupon_codes",
            format!("at most {MAX_COUPON_CODES} codes"),
        ));
    }
    if let Some(i) = codes.iter().position(|c| c.trim().is_empty() || c.chars().count() > 32) {
        return Err(FieldError::new(format!("coupon_codes[{i}]"), "must be 1–32 characters"));
    }
    Ok(())
}

/// The idempotency key of an operation: the client's key, scoped to the caller and the
/// operation (`scope`), with a hash of the request, so the same key with another request
/// is a conflict rather than a replay.
pub fn idempotency_key(
    client_key: Option<String>,
    user_id: i64,
    scope: String,
    request: &impl Serialize,
) -> Option<IdempotencyKey> {
    client_key.map(|key| IdempotencyKey {
        user_id,
        scope,
        key,
        request_hash: hex::encode(Sha256::digest(
            serde_json::to_string(request).unwrap_or_default().as_bytes(),
        )),
    })
}

/// Places an order from the user's cart: every line's stock is drawn, or none. With a
/// key, a retry (however concurrent) gets the first answer, as `render` wrote it inside
/// the order's transaction.
pub async fn place_order(
    state: &AppState,
    user_id: i64,
    checkout: &Checkout,
    key: Option<IdempotencyKey>,
    render: Render<Order>,
) -> AppResult<Idempotent<Order>> {
    place(state, user_id, checkout, None, key, render).await
}

/// Places an order for a customer or (with `guest`) a guest: [`place_order`] and
/// `guests::place_order` both end here.
pub(crate) async fn place(
    state: &AppState,
    user_id: i64,
    checkout: &Checkout,
    guest: Option<GuestContact>,
    key: Option<IdempotencyKey>,
    render: Render<Order>,
) -> AppResult<Idempotent<Order>> {
    let note = optional_line("note", checkout.note.as_deref(), 500)?;
    check_coupon_codes(&checkout.coupon_codes)?;
    let now = state.now();
    let request = PlaceOrder {
        user_id,
        address_id: checkout.address_id,
        note,
        pay_deadline: now.plus(state.config().payment_timeout),
        shipping_method_id: checkout.shipping_method_id,
        coupon_codes: checkout.coupon_codes.clone(),
        invoice: checkout
            .invoice
            .as_ref()
            .map(|i| InvoiceRequest::parse(&i.kind, &i.title, i.taxpayer_id.as_deref()))
            .transpose()?,
        guest,
    };
    let outcome = state.store().place_order(request, key, render, now).await?;
    if let Idempotent::Fresh(order) = &outcome {
        tracing::info!(
            order.id = order.id,
            user.id = user_id,
            total = order.total,
            "order placed"
        );
    }
    Ok(outcome)
}

/// The owner and version of an order `session` may see (their own; staff who read all orders any), or not
/// found: another customer's order is indistinguishable from none.
pub async fn visible_head(state: &AppState, session: &Session, id: i64) -> AppResult<(i64, i64)> {
    let head = state.store().order_head(id).await?.ok_or(AppError::NotFound("order"))?;
    if head.0 != session.user.id && !session.user.reads_all_orders() {
        return Err(AppError::NotFound("order"));
    }
    Ok(head)
}

/// A whole order `session` may see (their own; staff who read all orders any), or not found.
pub async fn visible_order(state: &AppState, session: &Session, id: i64) -> AppResult<Order> {
    state
        .store()
        .order(id)
        .await?
        .filter(|o| o.user_id == session.user.id || session.user.reads_all_orders())
        .ok_or(AppError::NotFound("order"))
}

/// The buyer cancels their unpaid order; its units go back to their lots, and its unpaid
/// payments are closed at their providers (after answering: see
/// [`close_unpaid_later`](crate::payments::close_unpaid_later)).
pub async fn cancel_order(state: &AppState, user_id: i64, id: i64) -> AppResult<Order> {
    let order = state
        .store()
        .cancel_order(
            id,
            Some(user_id),
            OrderEvent::Cancel,
            format!("user:{user_id}"),
            state.now(),
        )
        .await?;
    crate::payments::close_unpaid_later(state, id);
    Ok(order)
}

/// The buyer confirms receipt of their shipped order.
pub async fn confirm_receipt(state: &AppState, user_id: i64, id: i64) -> AppResult<Order> {
    state
        .store()
        .confirm_receipt(id, Some(user_id), format!("user:{user_id}"), state.now())
        .await
        .map_err(AppError::from)
}

/// Staff ship a paid order with its carrier and tracking number (1–64 characters each).
pub async fn ship_order(state: &AppState, staff_id: i64, id: i64, carrier: &str, tracking: &str) -> AppResult<Order> {
    let result: AppResult<Order> = async {
        let (carrier, tracking) = match (
            single_line("carrier", carrier, 1, 64),
            single_line("tracking_number", tracking, 1, 64),
        ) {
            (Ok(c), Ok(t)) => (c, t),
            (c, t) => return Err(Invalid::of([c.err(), t.err()]).into()),
        };
        state
            .store()
            .ship_order(id, carrier, tracking, format!("staff:{staff_id}"), state.now())
            .await
            .map_err(AppError::from)
    }
    .await;
    crate::audit::recorded(state, "order.ship", "order", result, |v| {
        (
            id.to_string(),
            serde_json::json!({"status": v.status.as_str(), "carrier": carrier, "tracking": tracking}).to_string(),
        )
    })
    .await
}

/// A carrier's tracking event as typed.
#[derive(Debug, Clone, Copy)]
pub struct Tracking<'a> {
    /// 1–64 characters, e.g. `in_transit`.
    pub status: &'a str,
    /// Up to 200 characters.
    pub location: Option<&'a str>,
    /// Up to 500 characters.
    pub description: Option<&'a str>,
    /// RFC 3339 (default: now).
    pub occurred_at: Option<&'a str>,
}

/// Records a tracking event on a shipped order.
pub async fn add_tracking_event(state: &AppState, id: i64, input: Tracking<'_>) -> AppResult<Order> {
    let result: AppResult<Order> = async {
        let now = state.now();
        let occurred_at = match input.occurred_at {
            None => Ok(now),
            Some(raw) => {
                Timestamp::parse_rfc3339(raw).ok_or_else(|| FieldError::new("occurred_at", "must be an RFC 3339 time"))
            }
        };
        let event = match (
            single_line("status", input.status, 1, 64),
            optional_line("location", input.location, 200),
            optional_line("description", input.description, 500),
            occurred_at,
        ) {
            (Ok(status), Ok(location), Ok(description), Ok(occurred_at)) => TrackingEvent {
                status,
                location,
                description,
                occurred_at,
            },
            (a, b, c, d) => return Err(Invalid::of([a.err(), b.err(), c.err(), d.err()]).into()),
        };
        state
            .store()
            .add_tracking_event(id, event, now)
            .await
            .map_err(AppError::from)
    }
    .await;
    crate::audit::recorded(state, "order.tracking", "order", result, |v| {
        (
            id.to_string(),
            serde_json::json!({"status": v.status.as_str()}).to_string(),
        )
    })
    .await
}
