//! Staff pages for customers (permission `customers`): the list with its search, a
//! customer's page (profile, figures, orders, a link to their messages), and blocking or
//! unblocking with a confirmation step.

use askama::Template;
use axum::extract::{Query, State};
use emporium_app::customers::{self, CustomerSearch};
use emporium_app::{AppError, AppState};
use emporium_domain::staff::Permission;
use emporium_store::accounts::User;
use serde::Deserialize;

use super::confirm;
use crate::flash::{Done, after};
use crate::session::Visitor;
use crate::view::{Ctx, Path, Posted, WebError, WebResult, money, page, see_other, time, urlencode};

/// A customer as a row of the list or the head of their page.
#[derive(Debug)]
pub struct CustomerRow {
    id: i64,
    username: String,
    display_name: String,
    email: String,
    phone: String,
    registered: String,
    blocked: bool,
}

impl From<&User> for CustomerRow {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone().unwrap_or_default(),
            email: u.email.clone().unwrap_or_default(),
            phone: u.phone.clone().unwrap_or_default(),
            registered: time(u.created_at),
            blocked: u.disabled_at.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/customers.html")]
struct CustomersPage {
    ctx: Ctx,
    q: String,
    rows: Vec<CustomerRow>,
    next: Option<String>,
}

/// The list's query string.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    cursor: Option<String>,
}

/// `GET /admin/customers?q=&cursor=`.
pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(p): Query<ListQuery>) -> WebResult {
    visitor.staff(Permission::Customers)?;
    let search = CustomerSearch {
        q: p.q.as_deref(),
        limit: None,
        cursor: p.cursor.as_deref().filter(|c| !c.is_empty()),
    };
    let found = customers::search(&state, search).await?;
    let q = p.q.unwrap_or_default();
    Ok(page(&CustomersPage {
        ctx: Ctx::new(&visitor),
        rows: found.customers.iter().map(CustomerRow::from).collect(),
        next: found
            .next_cursor
            .map(|c| format!("/admin/customers?q={}&cursor={}", urlencode(&q), urlencode(&c))),
        q,
    }))
}

/// An order of the customer's, formatted.
#[derive(Debug)]
pub struct OrderRow {
    id: i64,
    status: String,
    total: String,
    created: String,
}

#[derive(Template)]
#[template(path = "admin/customer.html")]
struct CustomerPage {
    ctx: Ctx,
    c: CustomerRow,
    locale: String,
    orders: i64,
    paid_orders: i64,
    paid: String,
    refunded: String,
    reviews: i64,
    addresses: i64,
    recent: Vec<OrderRow>,
    /// The customer's latest returns.
    returns: Vec<crate::orders::returns::ReturnRow>,
}

/// The currency the figures are shown in (amounts are summed as stored).
const CURRENCY: &str = "CNY";

/// `GET /admin/customers/{id}`.
pub async fn show(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> WebResult {
    visitor.staff(Permission::Customers)?;
    let detail = match customers::detail(&state, id).await {
        Ok(d) => d,
        Err(AppError::NotFound(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let f = &detail.figures;
    Ok(page(&CustomerPage {
        ctx: Ctx::new(&visitor),
        c: CustomerRow::from(&detail.user),
        locale: detail.user.locale.clone(),
        orders: f.orders,
        paid_orders: f.paid_orders,
        paid: money(f.paid_amount, CURRENCY),
        refunded: money(f.refunded_amount, CURRENCY),
        reviews: f.reviews,
        addresses: f.addresses,
        recent: detail
            .recent_orders
            .iter()
            .map(|o| OrderRow {
                id: o.id,
                status: o.status.as_str().to_owned(),
                total: money(o.total, &o.currency),
                created: time(o.created_at),
            })
            .collect(),
        returns: crate::orders::returns::ReturnRow::rows(
            &state,
            &emporium_app::returns::customer_returns(&state, id, 20).await?,
            visitor.lang,
        )
        .await?,
    }))
}

/// The block and unblock forms: confirmed or not.
#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirmed: String,
}

/// `POST /admin/customers/{id}/block`: asks first, then blocks.
pub async fn block(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<ConfirmForm>,
) -> WebResult {
    set_blocked(&state, &visitor, id, true, &form).await
}

/// `POST /admin/customers/{id}/unblock`: asks first, then unblocks.
pub async fn unblock(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<ConfirmForm>,
) -> WebResult {
    set_blocked(&state, &visitor, id, false, &form).await
}

async fn set_blocked(state: &AppState, visitor: &Visitor, id: i64, blocked: bool, form: &ConfirmForm) -> WebResult {
    let staff = visitor.staff(Permission::Customers)?;
    let back = format!("/admin/customers/{id}");
    if form.confirmed != "1" {
        let t = visitor.t();
        let (message, action) = if blocked {
            (t.confirm_block, format!("/admin/customers/{id}/block"))
        } else {
            (t.confirm_unblock, format!("/admin/customers/{id}/unblock"))
        };
        return confirm::ask(visitor, message.to_owned(), &action, Vec::new(), &back);
    }
    let done = if blocked {
        customers::block(state, staff.user.id, id).await
    } else {
        customers::unblock(state, staff.user.id, id).await
    };
    match done {
        Ok(_) => Ok(see_other(&after(&back, Done::Saved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}
