//! The staff's order list: search by number or customer, filter by status, sort, page;
//! export what it shows as CSV; and ship several orders at once (tick them, give each a
//! carrier and tracking number, each shipped by the same use case as one order, failures
//! reported per order).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use emporium_domain::money::Currency;
use emporium_domain::staff::Permission;
use emporium_store::order_read::Order;
use emporium_store::order_search::{OrderSearch, OrderSort};
use serde::Deserialize;

use emporium_app::audit::csv_field;
use emporium_app::order_search::{self, OrderListQuery};
use emporium_app::{AppError, AppState, orders};

use crate::i18n::Texts;
use crate::session::Visitor;
use crate::view::{Ctx, Posted, WebError, WebResult, form_errors, money, page, render, replace_query, time};

/// Orders per page of the list.
const PER_PAGE: i64 = 25;
/// The most orders one CSV export holds.
const CSV_CAP: i64 = 10_000;
/// The most orders shipped in one go.
const BULK_CAP: usize = 100;

/// Order statuses staff filter by.
const STATUSES: [&str; 6] = [
    "pending_payment",
    "paid",
    "shipped",
    "received",
    "refunded",
    "cancelled",
];

/// `?q=&status=&sort=&page=`.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    sort: String,
    page: Option<String>,
}

impl ListQuery {
    fn search(&self) -> Result<OrderSearch, WebError> {
        order_search::parse(OrderListQuery {
            q: &self.q,
            status: &self.status,
            sort: &self.sort,
        })
        .map_err(|e| match e {
            AppError::Invalid(errors) => {
                WebError::BadRequest(errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
            }
            other => WebError::App(other),
        })
    }

    /// The filters as a query string, for the export link and the pages.
    fn query_string(&self) -> String {
        let pairs = [("q", &self.q), ("status", &self.status), ("sort", &self.sort)];
        serde_urlencoded::to_string(pairs.iter().filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>()).unwrap_or_default()
    }
}

/// A row of the list.
#[derive(Debug)]
pub struct Row {
    id: i64,
    created_at: String,
    customer: String,
    summary: String,
    status: String,
    total: String,
}

#[derive(Template)]
#[template(path = "admin/orders.html")]
struct OrdersPage {
    ctx: Ctx,
    q: String,
    status: String,
    sort: String,
    statuses: [&'static str; 6],
    sorts: Vec<(&'static str, &'static str)>,
    orders: Vec<Row>,
    csv_url: String,
    prev_url: Option<String>,
    next_url: Option<String>,
}

fn sort_label(t: &Texts, sort: OrderSort) -> &'static str {
    match sort {
        OrderSort::Newest => t.adm_sort_newest,
        OrderSort::Oldest => t.adm_sort_oldest,
        OrderSort::TotalHigh => t.adm_sort_total_desc,
        OrderSort::TotalLow => t.adm_sort_total_asc,
    }
}

async fn rows(state: &AppState, orders: &[Order]) -> Result<Vec<Row>, WebError> {
    let ids: Vec<i64> = orders.iter().map(|o| o.user_id).collect();
    let names = order_search::customer_names(state, &ids).await?;
    Ok(orders.iter().map(|o| row(o, &names)).collect())
}

fn row(o: &Order, names: &HashMap<i64, String>) -> Row {
    let items: Vec<String> = o.items.iter().map(|i| format!("{} × {}", i.name, i.quantity)).collect();
    Row {
        id: o.id,
        created_at: time(o.created_at),
        customer: names.get(&o.user_id).cloned().unwrap_or_default(),
        summary: items.join(", "),
        status: o.status.as_str().to_owned(),
        total: money(o.total, &o.currency),
    }
}

/// `GET /admin/orders`.
pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(p): Query<ListQuery>) -> WebResult {
    visitor.staff(Permission::Fulfilment)?;
    let search = p.search()?;
    let page_no = p
        .page
        .as_deref()
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let mut found = order_search::search_orders(&state, &search, (page_no - 1) * PER_PAGE, PER_PAGE + 1).await?;
    let more = found.len() as i64 > PER_PAGE;
    found.truncate(PER_PAGE as usize);
    let at_page = |n: i64| replace_query(&visitor.path, &["page", "done", "lang"], &[("page", &n.to_string())]);
    let t = visitor.t();
    let query = p.query_string();
    Ok(page(&OrdersPage {
        ctx: Ctx::new(&visitor),
        orders: rows(&state, &found).await?,
        sorts: OrderSort::ALL.iter().map(|s| (s.as_str(), sort_label(t, *s))).collect(),
        statuses: STATUSES,
        csv_url: format!("/admin/orders.csv?{query}"),
        prev_url: (page_no > 1).then(|| at_page(page_no - 1)),
        next_url: more.then(|| at_page(page_no + 1)),
        q: p.q,
        status: p.status,
        sort: if p.sort.is_empty() {
            OrderSort::default().as_str().to_owned()
        } else {
            p.sort
        },
    }))
}

/// An amount as a plain decimal in major units (`1597.00`), for spreadsheets.
pub(super) fn decimal(amount: i64, currency: &str) -> String {
    let exponent = Currency::parse("currency", currency).map_or(2, Currency::exponent);
    let scale = 10i64.pow(u32::from(exponent));
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    if exponent == 0 {
        format!("{sign}{abs}")
    } else {
        format!(
            "{sign}{}.{:0width$}",
            abs / scale.unsigned_abs(),
            abs % scale.unsigned_abs(),
            width = usize::from(exponent)
        )
    }
}

/// `GET /admin/orders.csv`: the orders the list's filters select, in its sort (up to
/// 10,000), amounts in major units.
pub async fn csv(State(state): State<AppState>, visitor: Visitor, Query(p): Query<ListQuery>) -> WebResult {
    visitor.staff(Permission::Fulfilment)?;
    let search = p.search()?;
    let mut out = String::from("number,placed_at,customer,status,items,currency,total,paid,refunded\r\n");
    let mut offset = 0;
    while offset < CSV_CAP {
        let batch = order_search::search_orders(&state, &search, offset, 500.min(CSV_CAP - offset)).await?;
        let names = order_search::customer_names(&state, &batch.iter().map(|o| o.user_id).collect::<Vec<_>>()).await?;
        for o in &batch {
            let r = row(o, &names);
            let fields = [
                o.id.to_string(),
                r.created_at,
                r.customer,
                r.status,
                r.summary,
                o.currency.clone(),
                decimal(o.total, &o.currency),
                decimal(o.paid_amount, &o.currency),
                decimal(o.refunded_amount, &o.currency),
            ];
            out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        if (batch.len() as i64) < 500 {
            break;
        }
        offset += 500;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"orders.csv\""),
        ],
        out,
    )
        .into_response())
}

/// An order of the ship-several form: as typed, and how shipping it went.
#[derive(Debug, Default)]
pub struct ShipLine {
    id: i64,
    customer: String,
    summary: String,
    total: String,
    /// The order's status when the page was drawn.
    status: String,
    carrier: String,
    tracking_number: String,
    /// Why it was not shipped (its messages), when it was tried and failed.
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/ship_several.html")]
struct ShipSeveralPage {
    ctx: Ctx,
    /// The orders still to ship (all of them before the first try; the failed ones after).
    lines: Vec<ShipLine>,
    /// The orders shipped by the last try.
    shipped: Vec<i64>,
    /// The summary after a try.
    summary: Option<String>,
}

/// The ids picked: every `id` field, once each, in order.
fn picked(pairs: &[(String, String)]) -> Vec<i64> {
    let mut ids: Vec<i64> = Vec::new();
    for (k, v) in pairs {
        if k == "id"
            && let Ok(id) = v.trim().parse::<i64>()
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids.truncate(BULK_CAP);
    ids
}

async fn lines_for(state: &AppState, ids: &[i64]) -> Result<Vec<ShipLine>, WebError> {
    let orders = state.store().orders_by_ids(ids).await?;
    let names = order_search::customer_names(state, &orders.iter().map(|o| o.user_id).collect::<Vec<_>>()).await?;
    Ok(orders
        .iter()
        .map(|o| {
            let r = row(o, &names);
            ShipLine {
                id: o.id,
                customer: r.customer,
                summary: r.summary,
                total: r.total,
                status: r.status,
                ..ShipLine::default()
            }
        })
        .collect())
}

/// Why `line` was not shipped, for the person at the page: each field's message after the
/// field's name, or the order's status when it is not one that ships.
fn ship_error(t: &'static Texts, lang: crate::i18n::Lang, line: &ShipLine, e: AppError) -> String {
    if matches!(e, AppError::Conflict { .. }) {
        return t
            .adm_ship_wrong_status
            .replace("{status}", t.order_status(&line.status));
    }
    match form_errors(e, lang) {
        Ok(errors) => errors
            .0
            .iter()
            .map(|e| {
                let field = match e.field.as_str() {
                    "carrier" => t.carrier,
                    "tracking_number" => t.tracking_number,
                    _ => return e.message.clone(),
                };
                format!("{field}: {}", e.message)
            })
            .collect::<Vec<_>>()
            .join(" "),
        Err(_) => t.adm_bulk_failed.to_owned(),
    }
}

/// `GET /admin/orders/ship?id=…&id=…`: the ship-several form for the ticked orders.
pub async fn ship_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> WebResult {
    visitor.staff(Permission::Fulfilment)?;
    let ids = picked(&pairs);
    let lines = lines_for(&state, &ids).await?;
    let summary = lines.is_empty().then(|| visitor.t().adm_bulk_none.to_owned());
    Ok(render(
        if lines.is_empty() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &ShipSeveralPage {
            ctx: Ctx::new(&visitor),
            lines,
            shipped: Vec::new(),
            summary,
        },
    ))
}

/// `POST /admin/orders/ship`: ships each order with its own carrier and tracking number
/// (`carrier_{id}`, `tracking_number_{id}`), one use-case call per order; answers the
/// orders shipped and, with their inputs and messages, those that were not.
pub async fn ship(State(state): State<AppState>, Posted { visitor, form }: Posted<Vec<(String, String)>>) -> WebResult {
    let staff = visitor.staff(Permission::Fulfilment)?.user.id;
    let t = visitor.t();
    let value = |name: String| {
        form.iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let ids = picked(&form);
    let mut shipped = Vec::new();
    let mut failed = Vec::new();
    for line in lines_for(&state, &ids).await? {
        let carrier = value(format!("carrier_{}", line.id));
        let tracking_number = value(format!("tracking_number_{}", line.id));
        match orders::ship_order(&state, staff, line.id, &carrier, &tracking_number).await {
            Ok(_) => shipped.push(line.id),
            Err(e) => {
                let error = ship_error(t, visitor.lang, &line, e);
                failed.push(ShipLine {
                    carrier,
                    tracking_number,
                    error: Some(error),
                    ..line
                });
            }
        }
    }
    let summary = if ids.is_empty() {
        t.adm_bulk_none.to_owned()
    } else {
        t.adm_bulk_summary
            .replace("{ok}", &shipped.len().to_string())
            .replace("{failed}", &failed.len().to_string())
    };
    Ok(render(
        if failed.is_empty() && !ids.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &ShipSeveralPage {
            ctx: Ctx::new(&visitor),
            lines: failed,
            shipped,
            summary: Some(summary),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_export_in_major_units() {
        assert_eq!(decimal(159_729_100, "CNY"), "1597291.00");
        assert_eq!(decimal(5, "CNY"), "0.05");
        assert_eq!(decimal(-199, "CNY"), "-1.99");
        assert_eq!(decimal(500, "JPY"), "500");
    }

    #[test]
    fn picked_ids_are_numbers_once_each() {
        let pairs = [("id", "3"), ("id", "x"), ("carrier_3", "SF"), ("id", "3"), ("id", "5")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(picked(&pairs), vec![3, 5]);
    }
}
