//! Staff pages after the sale: returns to decide and receive, and the shop's own money
//! actions on an order (cancel a paid order with a full refund, refund on the shop's
//! initiative). Irreversible steps ask first, without JavaScript: receiving a return by a
//! ticked box, cancelling and refunding by a confirmation page (`confirm.rs`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use emporium_app::payments::RefundWish;
use emporium_app::{AppError, AppState, returns};
use emporium_domain::FieldError;
use emporium_domain::returns::{ReturnCount, ReturnStatus};
use emporium_domain::staff::Permission;
use serde::Deserialize;

use super::confirm;
use crate::flash::{self, Done};
use crate::orders::returns::ReturnRow;
use crate::session::Visitor;
use crate::view::{
    Ctx, FieldErrors, Path, Posted, WebError, WebResult, form_errors, money, next_before, page, parse_money,
    refund_errors, render, see_other,
};

#[derive(Template)]
#[template(path = "admin/returns.html")]
struct ReturnsPage {
    ctx: Ctx,
    status: String,
    statuses: [&'static str; 4],
    returns: Vec<ReturnRow>,
    next_url: Option<String>,
}

/// `?status=&before=` (default: those awaiting a decision).
#[derive(Debug, Deserialize)]
pub struct ReturnsQuery {
    status: Option<String>,
    before: Option<String>,
}

/// `GET /admin/returns`.
pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(p): Query<ReturnsQuery>) -> WebResult {
    let session = visitor.staff(Permission::Refunds)?;
    const PER_PAGE: i64 = 20;
    let status = p.status.unwrap_or_else(|| "requested".to_owned());
    let wanted = match status.as_str() {
        "" => None,
        name => Some(
            name.parse::<ReturnStatus>()
                .map_err(|()| WebError::BadRequest("unknown return status".into()))?,
        ),
    };
    let before = p.before.as_deref().and_then(|b| b.parse().ok());
    let mut rows = returns::list_returns(&state, session, wanted, before, PER_PAGE + 1).await?;
    let next_url = next_before(&mut rows, PER_PAGE, &visitor.path, |r| r.id);
    Ok(page(&ReturnsPage {
        ctx: Ctx::new(&visitor),
        status,
        statuses: ReturnStatus::ALL.map(ReturnStatus::as_str),
        returns: ReturnRow::rows(&state, &rows, visitor.lang).await?,
        next_url,
    }))
}

#[derive(Template)]
#[template(path = "admin/return.html")]
struct ReturnPage {
    ctx: Ctx,
    r: ReturnRow,
    order_id: i64,
    /// The decision forms as typed: instructions, rejection note.
    instructions: String,
    note: String,
    /// `(order line, name, asked, resellable typed, damaged typed)`.
    receive: Vec<(i64, String, i64, String, String)>,
    errors: FieldErrors,
}

async fn return_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    typed: &[(String, String)],
    errors: FieldErrors,
) -> WebResult {
    let session = visitor.staff(Permission::Refunds)?;
    let ret = returns::visible_return(state, session, id).await?;
    let field = |key: &str| typed.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let receive = ret
        .lines
        .iter()
        .map(|l| {
            (
                l.order_item_id,
                l.name.clone(),
                l.quantity,
                field(&format!("resellable_{}", l.order_item_id)).unwrap_or_else(|| l.quantity.to_string()),
                field(&format!("damaged_{}", l.order_item_id)).unwrap_or_else(|| "0".into()),
            )
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &ReturnPage {
            ctx: Ctx::new(visitor),
            order_id: ret.order_id,
            r: ReturnRow::rows(state, std::slice::from_ref(&ret), visitor.lang)
                .await?
                .remove(0),
            instructions: field("instructions").unwrap_or_default(),
            note: field("note").unwrap_or_default(),
            receive,
            errors,
        },
    ))
}

/// `GET /admin/returns/{id}`.
pub async fn detail(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> WebResult {
    return_page(&state, &visitor, id, &[], FieldErrors::default()).await
}

/// The result of a decision: to the return's page, or the page again with the errors.
async fn after(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    typed: &[(String, String)],
    outcome: Result<(), AppError>,
) -> WebResult {
    match outcome {
        Ok(()) => Ok(see_other(&flash::after(&format!("/admin/returns/{id}"), Done::Saved))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            return_page(state, visitor, id, typed, errors).await
        }
    }
}

fn value<'a>(form: &'a [(String, String)], key: &str) -> &'a str {
    form.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
}

/// `POST /admin/returns/{id}/approve`: `instructions`.
pub async fn approve(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Vec<(String, String)>>,
) -> WebResult {
    let staff = visitor.staff(Permission::Refunds)?.user.id;
    let outcome = returns::approve_return(&state, staff, id, value(&form, "instructions"))
        .await
        .map(|_| ());
    after(&state, &visitor, id, &form, outcome).await
}

/// `POST /admin/returns/{id}/reject`: `note`.
pub async fn reject(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Vec<(String, String)>>,
) -> WebResult {
    let staff = visitor.staff(Permission::Refunds)?.user.id;
    let outcome = returns::reject_return(&state, staff, id, value(&form, "note"))
        .await
        .map(|_| ());
    after(&state, &visitor, id, &form, outcome).await
}

/// `POST /admin/returns/{id}/receive`: `resellable_<line>`, `damaged_<line>`, `note`,
/// and the ticked `confirm` (it restocks and pays back).
pub async fn receive(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Vec<(String, String)>>,
) -> WebResult {
    let staff = visitor.staff(Permission::Refunds)?.user.id;
    let mut errors = Vec::new();
    let mut counts: Vec<ReturnCount> = Vec::new();
    for (key, raw) in &form {
        let (kind, item) = match key.split_once('_') {
            Some((kind @ ("resellable" | "damaged"), item)) => match item.parse::<i64>() {
                Ok(item) => (kind, item),
                Err(_) => continue,
            },
            _ => continue,
        };
        let n = match raw.trim() {
            "" => 0,
            n => match n.parse::<i64>() {
                Ok(n) => n,
                Err(_) => {
                    errors.push(FieldError::new(key.clone(), "must be a whole number of units"));
                    continue;
                }
            },
        };
        let at = match counts.iter().position(|c| c.order_item_id == item) {
            Some(at) => at,
            None => {
                counts.push(ReturnCount {
                    order_item_id: item,
                    resellable: 0,
                    damaged: 0,
                });
                counts.len() - 1
            }
        };
        if kind == "resellable" {
            counts[at].resellable = n;
        } else {
            counts[at].damaged = n;
        }
    }
    if value(&form, "confirm").is_empty() {
        errors.push(FieldError::new(
            "confirm",
            "tick the box to confirm: this restocks and pays back",
        ));
    }
    let outcome = if errors.is_empty() {
        let note = Some(value(&form, "note")).filter(|n| !n.trim().is_empty());
        returns::receive_return(&state, staff, id, &counts, note)
            .await
            .map(|_| ())
    } else {
        Err(AppError::Invalid(errors))
    };
    after(&state, &visitor, id, &form, outcome).await
}

/// The shop's money actions on an order: a reason and an amount (refunds only; blank: all
/// that is left). They go back to the customer at once, so the form asks first: the
/// confirmation page posts it again with `confirmed=1` (a ticked `confirm` box, as older
/// pages sent, counts too).
#[derive(Debug, Default, Deserialize)]
pub struct MoneyForm {
    #[serde(default)]
    pub(super) reason: String,
    #[serde(default)]
    pub(super) amount: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    confirmed: String,
}

impl MoneyForm {
    fn confirmed(&self) -> bool {
        self.confirmed == "1" || !self.confirm.is_empty()
    }

    /// The confirmation page for `message`, posting this form again to `action`.
    fn ask(&self, visitor: &Visitor, id: i64, message: String, action: &str) -> WebResult {
        let fields = vec![
            ("reason".to_owned(), self.reason.clone()),
            ("amount".to_owned(), self.amount.clone()),
        ];
        confirm::ask(visitor, message, action, fields, &format!("/admin/orders/{id}"))
    }
}

/// `POST /admin/orders/{id}/cancel`: asks first, then cancels the order (a paid one with a
/// full refund).
pub async fn cancel_order(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<MoneyForm>,
) -> WebResult {
    let staff = visitor.staff(Permission::Refunds)?.user.id;
    if !form.confirmed() {
        let order = state.store().order(id).await?.ok_or(WebError::NotFound)?;
        let message = visitor.t().adm_confirm_cancel.replace("{id}", &id.to_string()).replace(
            "{amount}",
            &money(order.paid_amount - order.refunded_amount, &order.currency),
        );
        return form.ask(&visitor, id, message, &format!("/admin/orders/{id}/cancel"));
    }
    let outcome = returns::cancel_by_staff(
        &state,
        staff,
        id,
        Some(form.reason.as_str()).filter(|r| !r.trim().is_empty()),
    )
    .await
    .map(|_| ());
    money_outcome(&state, &visitor, id, form, outcome, Done::Cancelled).await
}

/// `POST /admin/orders/{id}/refunds`: asks first, then refunds on the shop's initiative.
pub async fn refund(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<MoneyForm>,
) -> WebResult {
    let staff = visitor.staff(Permission::Refunds)?.user.id;
    let order = state.store().order(id).await?.ok_or(WebError::NotFound)?;
    let amount = match form.amount.trim() {
        "" => Ok(None),
        raw => parse_money(raw, &order.currency)
            .map(Some)
            .ok_or_else(|| AppError::from(FieldError::new("amount", "must be an amount such as 12.50"))),
    };
    let outcome = match amount {
        Ok(amount) if !form.confirmed() => {
            let t = visitor.t();
            let shown = amount.map_or_else(|| t.adm_all_left.to_owned(), |a| money(a, &order.currency));
            let message = t
                .adm_confirm_refund
                .replace("{id}", &id.to_string())
                .replace("{amount}", &shown);
            return form.ask(&visitor, id, message, &format!("/admin/orders/{id}/refunds"));
        }
        Ok(amount) => {
            let wish = RefundWish {
                amount,
                reason: form.reason.clone(),
                lines: Vec::new(),
            };
            let render = std::sync::Arc::new(|_: &emporium_store::refunds::Refund| String::new());
            returns::refund_by_staff(&state, staff, id, &wish, None, render)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    money_outcome(&state, &visitor, id, form, outcome, Done::Refunded).await
}

async fn money_outcome(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    form: MoneyForm,
    outcome: Result<(), AppError>,
    done: Done,
) -> WebResult {
    match outcome {
        Ok(()) => Ok(see_other(&flash::after(&format!("/admin/orders/{id}"), done))),
        Err(AppError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let order = state.store().order(id).await?.ok_or(WebError::NotFound)?;
            let errors = refund_errors(e, visitor.lang, &order)?;
            super::sales::order_page_for(state, visitor, id, super::sales::Failed::Money(form, errors)).await
        }
    }
}
