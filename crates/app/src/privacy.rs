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
    /// Its history.
    pub history: Vec<OrderEventRecord>,
}

/// Everything the shop holds about one customer.
///
/// Extension point: an area that keeps more about a customer (returns, say) adds a field
/// here and fills it in [`export`]; the API's `ExportView` renders every field.
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
            orders.push(ExportedOrder {
                order,
                refunds,
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
