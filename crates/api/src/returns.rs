//! Returns (售后): the buyer asks, staff approve or reject, staff receive the parcel
//! (restock, write off, pay back).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::cursor::Position;
use emporium_app::paging::{cut_page, keyset};
use emporium_app::returns::{self, ReturnWish};
use emporium_domain::returns::{ReturnCount, ReturnQuantity, ReturnStatus};
use emporium_store::returns::{Return, ReturnHistory, ReturnLine};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use super::params;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, JsonBody, OrderCaller, Path, Query, Staff, area};

/// A return.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReturnView {
    /// Return id.
    pub id: i64,
    /// The order.
    pub order_id: i64,
    /// `requested`, `approved`, `rejected`, `received`.
    pub status: String,
    /// The buyer's reason.
    pub reason: String,
    /// How to send the goods back (once approved).
    pub instructions: Option<String>,
    /// Staff's word on rejection or receipt.
    pub note: Option<String>,
    /// The lines.
    pub lines: Vec<ReturnLineView>,
    /// The refund receiving it opened (see the order's refunds for its state).
    pub refund_id: Option<i64>,
    /// What it pays back in all, minor units (0 until received).
    pub refund_amount: i64,
    /// The part of it that is the order's shipping.
    pub shipping_refund: i64,
    /// Asked for (RFC 3339).
    pub created_at: String,
    /// Decided (RFC 3339).
    pub decided_at: Option<String>,
    /// Checked in (RFC 3339).
    pub received_at: Option<String>,
    /// The history, oldest first (empty in listings).
    pub events: Vec<ReturnEventView>,
}

/// One line of a return.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReturnLineView {
    /// The order line.
    pub order_item_id: i64,
    /// Its product.
    pub product_id: i64,
    /// Its variant.
    pub variant_id: i64,
    /// The product's name as ordered.
    pub name: String,
    /// The SKU as ordered.
    pub sku: Option<String>,
    /// Units asked back.
    pub quantity: i64,
    /// Units back in stock (once received).
    pub resellable: i64,
    /// Units written off (once received).
    pub damaged: i64,
    /// What this line pays back, minor units.
    pub refund: i64,
}

/// One step of a return's history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReturnEventView {
    /// Where it was.
    pub from: Option<String>,
    /// Where it went.
    pub to: String,
    /// Anything said (the reason, the instructions, what was found).
    pub detail: Option<String>,
    /// When (RFC 3339).
    pub at: String,
}

impl From<&ReturnLine> for ReturnLineView {
    fn from(l: &ReturnLine) -> Self {
        Self {
            order_item_id: l.order_item_id,
            product_id: l.product_id,
            variant_id: l.variant_id,
            name: l.name.clone(),
            sku: l.sku.clone(),
            quantity: l.quantity,
            resellable: l.resellable,
            damaged: l.damaged,
            refund: l.refund,
        }
    }
}

impl From<&ReturnHistory> for ReturnEventView {
    fn from(e: &ReturnHistory) -> Self {
        Self {
            from: e.from.map(|s| s.as_str().to_owned()),
            to: e.to.as_str().to_owned(),
            detail: e.detail.clone(),
            at: e.at.to_rfc3339(),
        }
    }
}

impl From<&Return> for ReturnView {
    fn from(r: &Return) -> Self {
        Self {
            id: r.id,
            order_id: r.order_id,
            status: r.status.as_str().to_owned(),
            reason: r.reason.clone(),
            instructions: r.instructions.clone(),
            note: r.note.clone(),
            lines: r.lines.iter().map(ReturnLineView::from).collect(),
            refund_id: r.refund_id,
            refund_amount: r.refund_amount,
            shipping_refund: r.shipping_refund,
            created_at: r.created_at.to_rfc3339(),
            decided_at: r.decided_at.map(|t| t.to_rfc3339()),
            received_at: r.received_at.map(|t| t.to_rfc3339()),
            events: r.events.iter().map(ReturnEventView::from).collect(),
        }
    }
}

/// Units of one order line to send back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineRequest {
    /// The order line (`items[].id` of the order).
    pub order_item_id: i64,
    /// 1–999, at most the units not yet returned.
    #[schema(minimum = 1, maximum = 999)]
    pub quantity: i64,
}

/// Asking to return goods.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// 1–100 distinct lines.
    pub lines: Vec<ReturnLineRequest>,
    /// 1–500 characters.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// Asks to return units of a received order, within the return window (7 days after
/// receipt unless the shop set another).
#[utoipa::path(post, path = "/api/v1/orders/{id}/returns", tag = "returns", security(("bearer" = []), ("order_access_token" = [])),
    params(("id" = i64, Path, description = "Order id")), request_body = ReturnRequest,
    responses(
        (status = 201, description = "Requested", body = ReturnView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`order_not_received`, `return_window_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A line not in the order, more units than are left, no reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_return(
    State(state): State<AppState>,
    OrderCaller(session): OrderCaller,
    Path(order_id): Path<i64>,
    JsonBody(req): JsonBody<ReturnRequest>,
) -> ApiResult<(StatusCode, Json<ReturnView>)> {
    let wish = ReturnWish {
        lines: req
            .lines
            .iter()
            .map(|l| ReturnQuantity {
                order_item_id: l.order_item_id,
                quantity: l.quantity,
            })
            .collect(),
        reason: &req.reason,
    };
    let ret = returns::ask_return(&state, session.user.id, order_id, wish).await?;
    Ok((StatusCode::CREATED, Json(ReturnView::from(&ret))))
}

/// An order's returns, oldest first (its buyer or staff).
#[utoipa::path(get, path = "/api/v1/orders/{id}/returns", tag = "returns", security(("bearer" = []), ("order_access_token" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "The returns", body = Vec<ReturnView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn order_returns(
    State(state): State<AppState>,
    OrderCaller(session): OrderCaller,
    Path(order_id): Path<i64>,
) -> ApiResult<Json<Vec<ReturnView>>> {
    emporium_app::orders::visible_head(&state, &session, order_id).await?;
    let all = returns::order_returns(&state, order_id).await?;
    Ok(Json(all.iter().map(ReturnView::from).collect()))
}

/// A return (its buyer or staff).
#[utoipa::path(get, path = "/api/v1/returns/{id}", tag = "returns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Return id")),
    responses(
        (status = 200, description = "The return", body = ReturnView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such return of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_return(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<ReturnView>> {
    Ok(Json(ReturnView::from(
        &returns::visible_return(&state, &session, id).await?,
    )))
}

/// Return listing parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListReturnsParams {
    /// `requested`, `approved`, `rejected` or `received`.
    #[param(pattern = "^(requested|approved|rejected|received)?$")]
    pub status: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Returns newest first: every return for staff (`?status=requested` for those awaiting
/// a decision), the caller's own for a customer.
#[utoipa::path(get, path = "/api/v1/returns", tag = "returns", security(("bearer" = [])), params(ListReturnsParams),
    responses(
        (status = 200, description = "A page of returns (lines without history)", body = Page<ReturnView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad status, limit or cursor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_returns(
    State(state): State<AppState>,
    Auth(session): Auth,
    Query(p): Query<ListReturnsParams>,
) -> ApiResult<Json<Page<ReturnView>>> {
    let wanted = p.status.clone().filter(|s| !s.is_empty());
    let status = wanted
        .as_deref()
        .map(|s| ReturnStatus::parse("status", s))
        .transpose()?;
    // The cursor is bound to the filter and the caller as they were sent.
    let fingerprint = format!("returns|{}|{wanted:?}", session.user.id);
    let (limit, position) = params::PageParams {
        limit: p.limit,
        cursor: p.cursor,
    }
    .parse(state.cursors(), &fingerprint)?;
    let before = keyset(position)?.map(|(_, id)| id);
    let rows = returns::list_returns(&state, &session, status, before, limit + 1).await?;
    let (page, next) = cut_page(rows, limit, |r| Position::After(0, r.id));
    Ok(Json(Page {
        data: page.iter().map(ReturnView::from).collect(),
        next_cursor: next.map(|p| state.cursors().encode(&fingerprint, p)),
    }))
}

/// Approving a return.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveReturnRequest {
    /// Where and how to send the goods back, 1–1000 characters.
    #[schema(min_length = 1)]
    pub instructions: String,
}

/// Approves a requested return (staff), with the instructions the buyer follows.
#[utoipa::path(post, path = "/api/v1/returns/{id}/approve", tag = "returns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Return id")), request_body = ApproveReturnRequest,
    responses(
        (status = 200, description = "Approved", body = ReturnView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such return", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting a decision (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No instructions", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn approve_return(
    State(state): State<AppState>,
    Staff(staff, _): Staff<area::Refunds>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<ApproveReturnRequest>,
) -> ApiResult<Json<ReturnView>> {
    let ret = returns::approve_return(&state, staff.user.id, id, &req.instructions).await?;
    Ok(Json(ReturnView::from(&ret)))
}

/// Rejecting a return.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectReturnRequest {
    /// Why, 1–500 characters (the buyer reads it).
    #[schema(min_length = 1)]
    pub note: String,
}

/// Rejects a requested return (staff); its units may be asked for again.
#[utoipa::path(post, path = "/api/v1/returns/{id}/reject", tag = "returns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Return id")), request_body = RejectReturnRequest,
    responses(
        (status = 200, description = "Rejected", body = ReturnView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such return", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting a decision (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reject_return(
    State(state): State<AppState>,
    Staff(staff, _): Staff<area::Refunds>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<RejectReturnRequest>,
) -> ApiResult<Json<ReturnView>> {
    let ret = returns::reject_return(&state, staff.user.id, id, &req.note).await?;
    Ok(Json(ReturnView::from(&ret)))
}

/// What came back of one line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceivedLineRequest {
    /// The order line.
    pub order_item_id: i64,
    /// Units back into stock (into the lots they were drawn from).
    #[schema(minimum = 0, maximum = 999)]
    pub resellable: i64,
    /// Units written off at their cost.
    #[schema(minimum = 0, maximum = 999)]
    pub damaged: i64,
}

/// Checking a parcel in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveReturnRequest {
    /// Per line of the return; a line not listed came back empty. `resellable + damaged`
    /// is at most the units asked back.
    pub lines: Vec<ReceivedLineRequest>,
    /// Up to 500 characters.
    pub note: Option<String>,
}

/// Receives an approved return's parcel (staff): resellable units go back into the lots
/// they were drawn from at their original cost, damaged ones are written off, and the
/// lines' paid amounts (plus the shipping, with the order's last units) are paid back
/// through the provider.
#[utoipa::path(post, path = "/api/v1/returns/{id}/receive", tag = "returns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Return id")), request_body = ReceiveReturnRequest,
    responses(
        (status = 200, description = "Received; its refund is paid back or being paid", body = ReturnView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such return", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A line not in the return, or more units than asked back", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn receive_return(
    State(state): State<AppState>,
    Staff(staff, _): Staff<area::Refunds>,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<ReceiveReturnRequest>,
) -> ApiResult<Json<ReturnView>> {
    let counts: Vec<ReturnCount> = req
        .lines
        .iter()
        .map(|l| ReturnCount {
            order_item_id: l.order_item_id,
            resellable: l.resellable,
            damaged: l.damaged,
        })
        .collect();
    let ret = returns::receive_return(&state, staff.user.id, id, &counts, req.note.as_deref()).await?;
    Ok(Json(ReturnView::from(&ret)))
}
