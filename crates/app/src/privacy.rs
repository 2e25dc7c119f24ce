//! The privacy duties (PIPL, GDPR): a customer downloads everything the shop holds about
//! them, and deletes their account, which anonymises it while keeping the books
//! (crypto-shredding: `emporium_store::privacy`; docs/SECURITY.md, "Retention").

use emporium_domain::FieldError;
use emporium_store::accounts::{Address, Session, User};
use emporium_store::messages::{Message, MessageFilter};
use emporium_store::order_read::{Order, OrderEventRecord};
use emporium_store::privacy::{Refusal, SessionInfo};
use emporium_store::refunds::Refund;
use emporium_store::reviews::Review;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The most orders an export carries (pages of 100 are read until then).
const MAX_EXPORTED_ORDERS: usize = 10_000;

/// One order as exported: the order (lines, payment, shipment) with its refunds and
/// history.
#[derive(Debug, Clone)]
pub struct ExportedOrder {
    /// The order.
    pub order: Order,
    /// Its refunds.
    pub refunds: Vec<Refund>,
    /// Its returns, with their lines and history.
    pub returns: Vec<emporium_store::returns::Return>,
    /// Its history.
    pub history: Vec<OrderEventRecord>,
}

/// Everything the shop holds about one customer.
///
/// An area that keeps more about a customer adds a field here (or to
/// [`ExportedOrder`], as returns did) and fills it in [`export`]; [`document`] renders
/// every field, for the API and the account page alike.
#[derive(Debug, Clone)]
pub struct Export {
    /// The profile.
    pub user: User,
    /// The address book.
    pub addresses: Vec<Address>,
    /// Every order, including guest orders attached to the account, newest first.
    pub orders: Vec<ExportedOrder>,
    /// Their reviews, hidden ones included.
    pub reviews: Vec<Review>,
    /// Messages sent (or owed) to them, newest first.
    pub messages: Vec<Message>,
    /// Their live sessions' metadata.
    pub sessions: Vec<SessionInfo>,
}

/// Everything the shop holds about the caller.
pub async fn export(state: &AppState, session: &Session) -> AppResult<Export> {
    let store = state.store();
    let user = store.user(session.user.id).await?;
    let addresses = store.addresses(user.id).await?;
    let mut orders = Vec::new();
    let mut before = None;
    while orders.len() < MAX_EXPORTED_ORDERS {
        let page = store.orders(Some(user.id), None, before, 100).await?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        let full = page.len() == 100;
        for order in page {
            let refunds = store.order_refunds(order.id).await?;
            let history = store.order_events(order.id).await?;
            let returns = store.order_returns(order.id).await?;
            orders.push(ExportedOrder {
                order,
                refunds,
                returns,
                history,
            });
        }
        if !full {
            break;
        }
    }
    let reviews = store.reviews_by(user.id).await?;
    let messages = store.messages(MessageFilter::User(user.id), 10_000).await?;
    let sessions = store.sessions_of(user.id, state.now()).await?;
    Ok(Export {
        user,
        addresses,
        orders,
        reviews,
        messages,
        sessions,
    })
}

/// Deletes the caller's account after checking their password (throttled as a password
/// change is): its data key is destroyed, its personal fields blanked, its sessions ended,
/// in one transaction that also writes the audit entry. Staff accounts are refused
/// (`403`): they are removed by another member of staff, so the audit trail keeps a name.
pub async fn delete_account(state: &AppState, session: &Session, password: &str) -> AppResult<()> {
    let user = &session.user;
    if user.role == emporium_domain::account::Role::Staff {
        return Err(AppError::Forbidden);
    }
    let now = state.now();
    let bucket = emporium_domain::throttle::password_change_bucket(user.id);
    state.store().take_login_attempt(vec![bucket], now).await?;
    let hash = state.store().password_hash(user.id).await?;
    let matches = state
        .passwords()
        .verify(password, Some(&hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    if !matches {
        return Err(FieldError::new("password", "does not match the password in use").into());
    }
    let entry = crate::audit::entry(state, "account.delete", "user", user.id, "{\"by\":\"self\"}");
    match state.store().delete_account(user.id, entry, now).await? {
        Ok(()) => {}
        Err(Refusal::Staff | Refusal::Guest) => return Err(AppError::Forbidden),
    }
    // The hot-order cache (Redis, perhaps) holds rendered orders with their addresses:
    // their versions moved on, so they would not be served again; drop them anyway.
    let mut before = None;
    loop {
        let page = state.store().order_versions(Some(user.id), None, before, 100).await?;
        let Some(&(last, _)) = page.last() else { break };
        for (id, _) in &page {
            state.order_cache().remove(*id).await;
        }
        if page.len() < 100 {
            break;
        }
        before = Some(last);
    }
    tracing::info!(user.id = user.id, "account deleted (anonymised)");
    Ok(())
}

/// The export as a portable document (JSON): one format, served by the API
/// (`GET /api/v1/me/export`) and downloaded from the account page alike. Times are
/// RFC 3339 UTC, money in minor units of the order's currency.
pub fn document(export: &Export, now: emporium_domain::time::Timestamp) -> serde_json::Value {
    use serde_json::json;
    let t = |ts: emporium_domain::time::Timestamp| ts.to_rfc3339();
    let user = &export.user;
    let orders: Vec<serde_json::Value> = export
        .orders
        .iter()
        .map(|o| {
            let order = &o.order;
            let a = &order.address;
            json!({
                "id": order.id,
                "status": order.status.as_str(),
                "currency": order.currency,
                "subtotal": order.subtotal,
                "shipping_fee": order.shipping_fee,
                "discount_total": order.discount_total,
                "tax_total": order.tax_total,
                "total": order.total,
                "paid_amount": order.paid_amount,
                "refunded_amount": order.refunded_amount,
                "shipping_method": order.shipping_method,
                "address": {
                    "recipient": a.recipient, "phone": a.phone, "line1": a.line1, "line2": a.line2,
                    "city": a.city, "region": a.region, "postal_code": a.postal_code, "country": a.country,
                },
                "invoice": order.invoice.as_ref().map(|i| json!({
                    "kind": i.kind.as_str(), "title": i.title, "taxpayer_id": i.taxpayer_id,
                })),
                "note": order.note,
                "guest_contact": order.guest.as_ref().map(|g| json!({
                    "email": g.email, "phone": g.phone, "sms_opt_in": g.sms_opt_in,
                })),
                "created_at": t(order.created_at),
                "paid_at": order.paid_at.map(t),
                "shipped_at": order.shipped_at.map(t),
                "received_at": order.received_at.map(t),
                "cancelled_at": order.cancelled_at.map(t),
                "items": order.items.iter().map(|i| json!({
                    "product_id": i.product_id, "variant_id": i.variant_id, "name": i.name, "sku": i.sku,
                    "options": i.options.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
                    "unit_price": i.unit_price, "quantity": i.quantity, "line_total": i.line_total,
                    "discount": i.discount, "tax": i.tax,
                })).collect::<Vec<_>>(),
                "payment": order.payment.as_ref().map(|p| json!({
                    "id": p.id, "provider": p.provider, "status": p.status.as_str(), "amount": p.amount,
                    "currency": p.currency, "channel": p.channel,
                })),
                "shipment": order.shipment.as_ref().map(|s| json!({
                    "carrier": s.carrier, "tracking_number": s.tracking_number, "shipped_at": t(s.shipped_at),
                })),
                "refunds": o.refunds.iter().map(|r| json!({
                    "id": r.id, "amount": r.amount, "reason": r.reason, "status": r.status.as_str(),
                })).collect::<Vec<_>>(),
                "returns": o.returns.iter().map(|r| json!({
                    "id": r.id, "status": r.status.as_str(), "reason": r.reason,
                    "instructions": r.instructions, "note": r.note, "refund_amount": r.refund_amount,
                    "created_at": t(r.created_at),
                    "lines": r.lines.iter().map(|l| json!({
                        "order_item_id": l.order_item_id, "name": l.name, "quantity": l.quantity,
                        "resellable": l.resellable, "damaged": l.damaged, "refund": l.refund,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "history": o.history.iter().map(|e| json!({
                    "from": e.from.map(|s| s.as_str()), "to": e.to.as_str(), "actor": e.actor,
                    "at": t(e.at), "detail": e.detail,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "exported_at": t(now),
        "profile": {
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "email_verified": user.email_verified,
            "display_name": user.display_name,
            "phone": user.phone,
            "locale": user.locale,
            "created_at": t(user.created_at),
        },
        "addresses": export.addresses.iter().map(|a| {
            let f = &a.fields;
            json!({
                "id": a.id, "recipient": f.recipient, "phone": f.phone, "line1": f.line1, "line2": f.line2,
                "city": f.city, "region": f.region, "postal_code": f.postal_code, "country": f.country,
                "created_at": t(a.created_at),
            })
        }).collect::<Vec<_>>(),
        "orders": orders,
        // Returns (issue 22, item 1) add their section here.
        "reviews": export.reviews.iter().map(|r| json!({
            "id": r.id, "product_id": r.product_id, "order_id": r.order_id, "rating": r.rating,
            "body": r.body, "hidden": r.hidden, "created_at": t(r.created_at),
        })).collect::<Vec<_>>(),
        "messages": export.messages.iter().map(|m| json!({
            "id": m.id, "kind": m.kind.as_str(), "channel": m.channel.as_str(), "order_id": m.order_id,
            "status": m.status.as_str(), "created_at": t(m.created_at),
        })).collect::<Vec<_>>(),
        "sessions": export.sessions.iter().map(|s| json!({
            "id": s.id, "created_at": t(s.created_at), "expires_at": t(s.expires_at),
        })).collect::<Vec<_>>(),
    })
}

/// [`document`] as indented JSON text (the account page's download).
pub fn document_text(export: &Export, now: emporium_domain::time::Timestamp) -> AppResult<String> {
    serde_json::to_string_pretty(&document(export, now)).map_err(|e| AppError::Internal(e.into()))
}
