//! Customers as staff see them: the list and its search, a customer's profile with
//! figures and recent orders, and blocking an account (which ends its sessions).

use emporium_store::accounts::User;
use emporium_store::customers::CustomerFigures;
use emporium_store::order_read::Order;

use crate::cursor::Position;
use crate::paging::{self, cut_page, keyset};
use crate::{AppResult, AppState};

/// A page of customers and where the next one starts.
#[derive(Debug, Clone)]
pub struct CustomerPage {
    /// The customers, newest account first.
    pub customers: Vec<User>,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

/// What a search asks for, as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct CustomerSearch<'a> {
    /// Text found in the username, display name or email, or a phone number (its digits
    /// must match exactly).
    pub q: Option<&'a str>,
    /// The page size (1–100).
    pub limit: Option<&'a str>,
    /// `next_cursor` of the page before.
    pub cursor: Option<&'a str>,
}

/// A page of customer accounts matching the search.
pub async fn search(state: &AppState, input: CustomerSearch<'_>) -> AppResult<CustomerPage> {
    let q = input.q.map(str::trim).filter(|q| !q.is_empty());
    let fingerprint = format!("customers|{}", q.unwrap_or_default());
    let (limit, position) = paging::page(state.cursors(), input.limit, input.cursor, &fingerprint)?;
    let before = keyset(position)?.map(|(_, id)| id);
    let rows = state.store().customers(q, before, limit + 1).await?;
    let (customers, next) = cut_page(rows, limit, |u| Position::After(0, u.id));
    Ok(CustomerPage {
        customers,
        next_cursor: next.map(|p| state.cursors().encode(&fingerprint, p)),
    })
}

/// A customer's profile, figures and most recent orders.
#[derive(Debug, Clone)]
pub struct CustomerDetail {
    /// The account.
    pub user: User,
    /// Their figures.
    pub figures: CustomerFigures,
    /// Their last orders, newest first.
    pub recent_orders: Vec<Order>,
}

/// How many orders the customer page shows.
pub const RECENT_ORDERS: i64 = 20;

/// Customer `id` as staff see them (404 for staff accounts and guests).
pub async fn detail(state: &AppState, id: i64) -> AppResult<CustomerDetail> {
    let user = state.store().customer(id).await?;
    let figures = state.store().customer_figures(id).await?;
    let recent_orders = state.store().orders(Some(id), None, None, RECENT_ORDERS).await?;
    Ok(CustomerDetail {
        user,
        figures,
        recent_orders,
    })
}

/// Blocks customer `id`: they cannot log in, and their sessions end now.
pub async fn block(state: &AppState, staff_id: i64, id: i64) -> AppResult<User> {
    let user = state.store().set_customer_blocked(id, true, state.now()).await?;
    tracing::info!(user.id = id, actor.id = staff_id, "customer blocked");
    crate::audit::record(state, "customer.block", "user", id, user.username.clone()).await;
    Ok(user)
}

/// Unblocks customer `id`.
pub async fn unblock(state: &AppState, staff_id: i64, id: i64) -> AppResult<User> {
    let user = state.store().set_customer_blocked(id, false, state.now()).await?;
    tracing::info!(user.id = id, actor.id = staff_id, "customer unblocked");
    crate::audit::record(state, "customer.unblock", "user", id, user.username.clone()).await;
    Ok(user)
}
