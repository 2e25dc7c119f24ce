//! Staff pages for sales: an order (ship, add tracking; the list is `order_list.rs`) and refunds (approve or
//! reject).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use emporium_domain::order::OrderStatus;
use emporium_domain::payment::RefundStatus;
use emporium_domain::staff::Permission;
use serde::Deserialize;

use emporium_app::orders::{self, Tracking};
use emporium_app::{AppError, AppState, payments};

use super::confirm::{self, Confirmed};
use crate::account::Empty;
use crate::flash::{Done, after};
use crate::orders::history::Reader;
use crate::orders::{OrderDetail, order_detail};
use crate::session::Visitor;
use crate::view::{
    Ctx, FieldErrors, Path, Posted, WebError, WebResult, form_errors, money, next_before, nonblank, page, render,
    see_other, time,
};

/// The ship and tracking forms.
#[derive(Debug, Default, Deserialize)]
pub struct ShipForm {
    #[serde(default)]
    carrier: String,
    #[serde(default)]
    tracking_number: String,
}

/// The tracking-event form.
#[derive(Debug, Default, Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    description: String,
}

#[derive(Template)]
#[template(path = "admin/order.html")]
struct OrderPage {
    ctx: Ctx,
    order: OrderDetail,
    customer: String,
    customer_id: i64,
    /// What the shop told the customer about this order.
    log: super::messages::MessageLog,
    ship: ShipForm,
    ship_errors: FieldErrors,
    track: TrackForm,
    track_errors: FieldErrors,
    /// The cancel and refund forms as typed, and their errors.
    money: super::returns::MoneyForm,
    money_errors: FieldErrors,
    /// Whether staff may cancel it with a full refund (paid, not shipped).
    cancellable: bool,
    /// The order's returns (the shared partial shows them with links to decide).
    returns: Vec<crate::orders::returns::ReturnRow>,
    return_form: Option<crate::orders::returns::ReturnFormView>,
    access: String,
}

/// A form of the admin order page that failed, to show again with its errors.
#[derive(Default)]
pub(super) enum Failed {
    /// Nothing failed.
    #[default]
    Nothing,
    /// Shipping.
    Ship(ShipForm, FieldErrors),
    /// A tracking event.
    Track(TrackForm, FieldErrors),
    /// A cancel or refund by the shop.
    Money(super::returns::MoneyForm, FieldErrors),
}

pub(super) async fn order_page_for(state: &AppState, visitor: &Visitor, id: i64, failed: Failed) -> WebResult {
    let status = if matches!(failed, Failed::Nothing) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let order = state.store().order(id).await?.ok_or(WebError::NotFound)?;
    let detail = order_detail(state, &order, visitor.lang, Reader::Staff).await?;
    let customer = state
        .store()
        .user(order.user_id)
        .await
        .map(|u| u.username)
        .unwrap_or_default();
    let id_text = id.to_string();
    let log = super::messages::MessageLog::load(
        state,
        visitor.lang,
        emporium_app::messages::LogQuery {
            order_id: Some(&id_text),
            user_id: None,
        },
    )
    .await?;
    let returns = crate::orders::returns::ReturnRow::rows(
        state,
        &emporium_app::returns::order_returns(state, id).await?,
        visitor.lang,
    )
    .await?;
    let (mut ship, mut ship_errors, mut track, mut track_errors, mut money, mut money_errors) = Default::default();
    match failed {
        Failed::Nothing => {}
        Failed::Ship(form, errors) => (ship, ship_errors) = (form, errors),
        Failed::Track(form, errors) => (track, track_errors) = (form, errors),
        Failed::Money(form, errors) => (money, money_errors) = (form, errors),
    }
    Ok(render(
        status,
        &OrderPage {
            ctx: Ctx::new(visitor),
            cancellable: order.status == OrderStatus::Paid,
            order: detail,
            customer,
            customer_id: order.user_id,
            log,
            ship,
            ship_errors,
            track,
            track_errors,
            money,
            money_errors,
            returns,
            return_form: None,
            access: String::new(),
        },
    ))
}

/// `GET /admin/orders/{id}`.
pub async fn order(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> WebResult {
    visitor.staff(Permission::Fulfilment)?;
    order_page_for(&state, &visitor, id, Failed::Nothing).await
}

/// `POST /admin/orders/{id}/ship`.
pub async fn ship(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<ShipForm>,
) -> WebResult {
    let staff = visitor.staff(Permission::Fulfilment)?.user.id;
    match orders::ship_order(&state, staff, id, &form.carrier, &form.tracking_number).await {
        Ok(_) => Ok(see_other(&after(&format!("/admin/orders/{id}"), Done::Shipped))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            order_page_for(&state, &visitor, id, Failed::Ship(form, errors)).await
        }
    }
}

/// `POST /admin/orders/{id}/tracking`.
pub async fn track(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<TrackForm>,
) -> WebResult {
    visitor.staff(Permission::Fulfilment)?;
    let tracking = Tracking {
        status: &form.status,
        location: nonblank(&form.location),
        description: nonblank(&form.description),
        occurred_at: None,
    };
    match orders::add_tracking_event(&state, id, tracking).await {
        Ok(_) => Ok(see_other(&after(&format!("/admin/orders/{id}"), Done::TrackingAdded))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            order_page_for(&state, &visitor, id, Failed::Track(form, errors)).await
        }
    }
}

/// A refund row.
#[derive(Debug)]
pub struct RefundRow {
    id: i64,
    order_id: i64,
    amount: String,
    reason: String,
    status: String,
    created_at: String,
}

#[derive(Template)]
#[template(path = "admin/refunds.html")]
struct RefundsPage {
    ctx: Ctx,
    status: String,
    statuses: [&'static str; 5],
    refunds: Vec<RefundRow>,
    next_url: Option<String>,
}

/// `?status=&before=` (default: those awaiting a decision).
#[derive(Debug, Deserialize)]
pub struct RefundsQuery {
    status: Option<String>,
    before: Option<String>,
}

/// `GET /admin/refunds`.
pub async fn refunds(State(state): State<AppState>, visitor: Visitor, Query(p): Query<RefundsQuery>) -> WebResult {
    visitor.staff(Permission::Refunds)?;
    const PER_PAGE: i64 = 20;
    let statuses = RefundStatus::ALL.map(RefundStatus::as_str);
    let status = p.status.unwrap_or_else(|| "requested".to_owned());
    let wanted = match status.as_str() {
        "" => None,
        name => Some(
            name.parse::<RefundStatus>()
                .map_err(|()| WebError::BadRequest("unknown refund status".into()))?,
        ),
    };
    let before = p.before.as_deref().and_then(|b| b.parse().ok());
    let mut rows = state.store().refunds(wanted, before, PER_PAGE + 1).await?;
    let next_url = next_before(&mut rows, PER_PAGE, &visitor.path, |r| r.id);
    let mut refunds = Vec::with_capacity(rows.len());
    for r in &rows {
        let currency = state
            .store()
            .order(r.order_id)
            .await?
            .map_or_else(|| "CNY".to_owned(), |o| o.currency);
        refunds.push(RefundRow {
            id: r.id,
            order_id: r.order_id,
            amount: money(r.amount, &currency),
            reason: r.reason.clone(),
            status: r.status.as_str().to_owned(),
            created_at: time(r.created_at),
        });
    }
    Ok(page(&RefundsPage {
        ctx: Ctx::new(&visitor),
        status,
        statuses,
        refunds,
        next_url,
    }))
}

/// `POST /admin/refunds/{id}/approve`: asks first, then pays the money back through the
/// provider.
pub async fn approve(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Confirmed>,
) -> WebResult {
    let staff = visitor.staff(Permission::Refunds)?.user.id;
    if !form.yes() {
        let refund = state.store().refund(id).await?.ok_or(WebError::NotFound)?;
        let currency = state
            .store()
            .order(refund.order_id)
            .await?
            .map_or_else(|| "CNY".to_owned(), |o| o.currency);
        let message = visitor
            .t()
            .adm_confirm_approve_refund
            .replace("{id}", &id.to_string())
            .replace("{amount}", &money(refund.amount, &currency));
        let action = format!("/admin/refunds/{id}/approve");
        return confirm::ask(&visitor, message, &action, Vec::new(), "/admin/refunds");
    }
    payments::approve_refund(&state, staff, id).await?;
    Ok(see_other(&after(
        "/admin/refunds?status=refunded",
        Done::RefundApproved,
    )))
}

/// `POST /admin/refunds/{id}/reject`.
pub async fn reject(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, .. }: Posted<Empty>,
) -> WebResult {
    let staff = visitor.staff(Permission::Refunds)?.user.id;
    payments::reject_refund(&state, staff, id).await?;
    Ok(see_other(&after(
        "/admin/refunds?status=rejected",
        Done::RefundRejected,
    )))
}
