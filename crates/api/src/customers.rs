//! Customers in the back office (permission `customers`): search, a customer's profile
//! with figures and recent orders, blocking and unblocking.

use axum::Json;
use axum::extract::State;
use emporium_app::AppState;
use emporium_app::customers::{self, CustomerSearch};
use emporium_store::accounts::User;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use crate::error::{ApiResult, Problem};
use crate::extract::{Path, Query, Staff, area};
use crate::orders::OrderView;

/// A customer account as staff see it (phone opened: staff with `customers` only).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomerView {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown on pages.
    pub display_name: Option<String>,
    /// Contact address.
    pub email: Option<String>,
    /// Whether `email` was proven by a link.
    pub email_verified: bool,
    /// Phone number.
    pub phone: Option<String>,
    /// `zh-CN` or `en`.
    pub locale: String,
    /// Whether the account is blocked (it cannot log in).
    pub blocked: bool,
    /// RFC 3339, when it was blocked.
    pub blocked_at: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

impl From<&User> for CustomerView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            email_verified: u.email_verified,
            phone: u.phone.clone(),
            locale: u.locale.clone(),
            blocked: u.disabled_at.is_some(),
            blocked_at: u.disabled_at.map(|t| t.to_rfc3339()),
            created_at: u.created_at.to_rfc3339(),
        }
    }
}

/// What a customer has done with the shop, in figures.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomerFiguresView {
    /// Orders placed.
    pub orders: i64,
    /// Of them, paid.
    pub paid_orders: i64,
    /// Paid in total, minor units.
    pub paid_amount: i64,
    /// Refunded in total, minor units.
    pub refunded_amount: i64,
    /// Reviews written.
    pub reviews: i64,
    /// Addresses in their address book.
    pub addresses: i64,
}

/// A customer's profile, figures and latest orders.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomerDetailView {
    /// The account.
    pub customer: CustomerView,
    /// Their figures.
    pub figures: CustomerFiguresView,
    /// Their latest orders (up to 20), newest first.
    pub recent_orders: Vec<OrderView>,
}

/// The search and page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerParams {
    /// Text in the username, display name or email (any letter case), or a phone number
    /// (its digits, exactly).
    pub q: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Customer accounts, newest first, optionally searched.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", security(("bearer" = [])), params(CustomerParams),
    responses(
        (status = 200, description = "A page of customers", body = Page<CustomerView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Lacks permission `customers`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_customers(
    State(state): State<AppState>,
    _staff: Staff<area::Customers>,
    Query(p): Query<CustomerParams>,
) -> ApiResult<Json<Page<CustomerView>>> {
    let search = CustomerSearch {
        q: p.q.as_deref(),
        limit: p.limit.as_deref(),
        cursor: p.cursor.as_deref(),
    };
    let page = customers::search(&state, search).await?;
    Ok(Json(Page {
        data: page.customers.iter().map(CustomerView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A customer's profile, figures and latest orders.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The customer", body = CustomerDetailView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Lacks permission `customers`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_customer(
    State(state): State<AppState>,
    _staff: Staff<area::Customers>,
    Path(id): Path<i64>,
) -> ApiResult<Json<CustomerDetailView>> {
    let detail = customers::detail(&state, id).await?;
    let f = &detail.figures;
    Ok(Json(CustomerDetailView {
        customer: CustomerView::from(&detail.user),
        figures: CustomerFiguresView {
            orders: f.orders,
            paid_orders: f.paid_orders,
            paid_amount: f.paid_amount,
            refunded_amount: f.refunded_amount,
            reviews: f.reviews,
            addresses: f.addresses,
        },
        recent_orders: detail.recent_orders.iter().map(OrderView::from).collect(),
    }))
}

/// Blocks a customer: they cannot log in, and their sessions end now.
#[utoipa::path(post, path = "/api/v1/customers/{id}/block", tag = "customers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "Blocked", body = CustomerView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Lacks permission `customers`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn block_customer(
    State(state): State<AppState>,
    Staff(staff, _): Staff<area::Customers>,
    Path(id): Path<i64>,
) -> ApiResult<Json<CustomerView>> {
    let user = customers::block(&state, staff.user.id, id).await?;
    Ok(Json(CustomerView::from(&user)))
}

/// Unblocks a customer.
#[utoipa::path(post, path = "/api/v1/customers/{id}/unblock", tag = "customers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "Unblocked", body = CustomerView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Lacks permission `customers`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn unblock_customer(
    State(state): State<AppState>,
    Staff(staff, _): Staff<area::Customers>,
    Path(id): Path<i64>,
) -> ApiResult<Json<CustomerView>> {
    let user = customers::unblock(&state, staff.user.id, id).await?;
    Ok(Json(CustomerView::from(&user)))
}
