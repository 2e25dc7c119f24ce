//! The staff pages under `/admin`, in one sidebar layout (`templates/admin/layout.html`,
//! the current section marked by `Ctx::admin_section`): the dashboard ("needs attention"
//! counters linking to their lists, charts drawn from the stats report), products (list,
//! search, sort, CSV export, create, edit, archive and unarchive, write-off, images), stock
//! lots, the low-stock list and the FIFO valuation, orders (search, sort, export, ship
//! several; `admin/order_list.rs`) with shipping and tracking, refunds to approve or
//! reject, and the pricing rules (shipping zones and methods, promotions, coupons, tax;
//! `admin/pricing.rs`), customers (`admin/customers.rs`) and staff (`admin/staff.rs`).
//! Irreversible actions ask first (`admin/confirm.rs`); saves come back with a notice
//! (`flash.rs`). Anonymous visitors are sent to log in; customers, and staff whose role
//! lacks the page's permission, get 403.

mod audit;
mod audit_words;
mod catalog;
mod categories;
mod confirm;
mod customers;
mod images;
mod messages;
mod order_list;
mod pricing;
mod product_actions;
mod returns;
mod sales;
mod staff;
mod storefront;
mod variants;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use emporium_domain::staff::Permission;

use super::chart::{Series, bar_chart, line_chart};
use super::session::Visitor;
use super::view::{Ctx, FieldErrors, WebResult, form_errors, money, page, render};
use emporium_app::AppState;
use emporium_app::reports::{self, StatsRange, date_of};
use emporium_store::attention::Attention;

/// `/admin/…`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard))
        .route("/admin/audit", get(audit::list))
        .route("/admin/audit.csv", get(audit::csv))
        .route("/admin/products", get(catalog::list).post(catalog::create))
        .route("/admin/products.csv", get(catalog::csv))
        .route("/admin/products/new", get(catalog::new_page))
        .route("/admin/products/{id}", get(catalog::edit_page).post(catalog::update))
        .route("/admin/products/{id}/archive", post(product_actions::archive))
        .route("/admin/products/{id}/unarchive", post(product_actions::unarchive))
        .route("/admin/products/{id}/write-off", post(product_actions::write_off))
        .route("/admin/products/{id}/lots", post(catalog::receive))
        // An upload is bounded by the shop's image limit as it is read, not by the 1 MiB
        // every other body gets.
        .route(
            "/admin/products/{id}/images",
            post(images::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/admin/products/{id}/images/remove", post(images::remove))
        .route("/admin/products/{id}/variants", post(variants::add))
        .route("/admin/products/{id}/variants/{variant_id}", post(variants::update))
        .route("/admin/inventory", get(catalog::inventory))
        .route("/admin/inventory/low", get(low_stock))
        .route("/admin/categories", get(categories::list).post(categories::create))
        .route("/admin/categories/{id}", post(categories::update))
        .route("/admin/categories/{id}/delete", post(categories::delete))
        .route("/admin/orders", get(order_list::list))
        .route("/admin/orders.csv", get(order_list::csv))
        .route("/admin/orders/ship", get(order_list::ship_form).post(order_list::ship))
        .route("/admin/orders/{id}", get(sales::order))
        .route("/admin/orders/{id}/ship", post(sales::ship))
        .route("/admin/orders/{id}/tracking", post(sales::track))
        .route("/admin/refunds", get(sales::refunds))
        .route("/admin/customers", get(customers::list))
        .route("/admin/customers/{id}", get(customers::show))
        .route("/admin/customers/{id}/block", post(customers::block))
        .route("/admin/customers/{id}/unblock", post(customers::unblock))
        .route("/admin/staff", get(staff::list).post(staff::create))
        .route("/admin/staff/{id}", post(staff::update))
        .route("/admin/orders/{id}/cancel", post(returns::cancel_order))
        .route("/admin/orders/{id}/refunds", post(returns::refund))
        .route("/admin/returns", get(returns::list))
        .route("/admin/returns/{id}", get(returns::detail))
        .route("/admin/returns/{id}/approve", post(returns::approve))
        .route("/admin/returns/{id}/reject", post(returns::reject))
        .route("/admin/returns/{id}/receive", post(returns::receive))
        .route("/admin/customers/{id}/messages", get(messages::customer))
        .route("/admin/messages/{id}/resend", post(messages::resend))
        .route("/admin/refunds/{id}/approve", post(sales::approve))
        .route("/admin/refunds/{id}/reject", post(sales::reject))
        .route("/admin/reviews/{id}", post(super::reviews::moderate_review))
        .route("/admin/shipping", get(pricing::shipping::list))
        .route("/admin/shipping/zones", post(pricing::shipping::create_zone))
        .route(
            "/admin/shipping/zones/{id}/delete",
            post(pricing::shipping::delete_zone),
        )
        .route(
            "/admin/shipping/zones/{id}/methods",
            post(pricing::shipping::create_method),
        )
        .route(
            "/admin/shipping/zones/{id}",
            get(pricing::shipping::edit_zone).post(pricing::shipping::update_zone),
        )
        .route(
            "/admin/shipping/methods/{id}",
            get(pricing::shipping::edit_method).post(pricing::shipping::update_method),
        )
        .route(
            "/admin/shipping/methods/{id}/active",
            post(pricing::shipping::set_method_active),
        )
        .route(
            "/admin/shipping/methods/{id}/delete",
            post(pricing::shipping::delete_method),
        )
        .route(
            "/admin/promotions",
            get(pricing::promotions::list).post(pricing::promotions::create),
        )
        .route(
            "/admin/promotions/{id}",
            get(pricing::promotions::edit).post(pricing::promotions::update),
        )
        .route("/admin/promotions/{id}/delete", post(pricing::promotions::delete))
        .route(
            "/admin/coupons",
            get(pricing::coupons::list).post(pricing::coupons::create),
        )
        .route("/admin/coupons/batch", post(pricing::coupons::create_batch))
        .route(
            "/admin/coupons/{id}",
            get(pricing::coupons::edit).post(pricing::coupons::update),
        )
        .route("/admin/coupons/{id}/delete", post(pricing::coupons::delete))
        .route("/admin/storefront", get(storefront::show).post(storefront::save))
        .route("/admin/storefront/image", post(storefront::upload))
        .route("/admin/storefront/image/remove", post(storefront::remove_image))
        .route("/admin/tax", get(pricing::tax::show).post(pricing::tax::set_settings))
        .route("/admin/tax/rates", post(pricing::tax::create_rate))
        .route("/admin/tax/rates/{id}/delete", post(pricing::tax::delete_rate))
}

impl Ctx {
    /// The admin section the page belongs to, for the sidebar's highlight: `dashboard`,
    /// `orders`, `products`, … (empty outside `/admin`).
    pub fn admin_section(&self) -> &'static str {
        let path = self.path.split(['?', '#']).next().unwrap_or_default();
        let Some(rest) = path.strip_prefix("/admin") else {
            return "";
        };
        let first = rest.trim_start_matches('/').split('/').next().unwrap_or_default();
        match first {
            "" => "dashboard",
            "inventory" if rest.starts_with("/inventory/low") => "low_stock",
            "shipping" | "promotions" | "coupons" | "tax" => "pricing",
            "messages" => "customers",
            "reviews" => "products",
            "orders" | "refunds" | "returns" | "products" | "categories" | "inventory" | "customers" | "staff"
            | "audit" | "storefront" => SECTIONS.iter().copied().find(|s| *s == first).unwrap_or_default(),
            _ => "",
        }
    }
}

/// The sidebar's sections that are named after their path.
const SECTIONS: [&str; 10] = [
    "orders",
    "refunds",
    "returns",
    "products",
    "categories",
    "inventory",
    "customers",
    "staff",
    "audit",
    "storefront",
];

/// The first admin section a staff member holding `permissions` may use.
fn landing(permissions: emporium_domain::staff::Permissions) -> Option<&'static str> {
    permissions.iter().find_map(|p| match p {
        Permission::Catalogue => Some("/admin/products"),
        Permission::Inventory => Some("/admin/inventory"),
        Permission::Fulfilment => Some("/admin/orders"),
        Permission::Refunds => Some("/admin/refunds"),
        Permission::Customers => Some("/admin/customers"),
        Permission::Reports => None,
        Permission::Settings => Some("/admin/shipping"),
        Permission::Staff => Some("/admin/staff"),
    })
}

/// The dashboard's summary figures, formatted.
#[derive(Debug, Default)]
pub struct Totals {
    orders: i64,
    revenue: String,
    refunds: String,
    cost_of_goods: String,
    gross_margin: String,
    tax: String,
}

/// A best seller, formatted.
#[derive(Debug)]
pub struct TopRow {
    product_id: i64,
    name: String,
    units: i64,
    revenue: String,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    from: String,
    to: String,
    errors: FieldErrors,
    totals: Totals,
    money_chart: String,
    orders_chart: String,
    top: Vec<TopRow>,
    attention: Attention,
}

/// The currency the dashboard shows sums in (amounts are summed as stored).
const REPORT_CURRENCY: &str = "CNY";

/// The dashboard's range, as the form sends it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct RangeForm {
    from: Option<String>,
    to: Option<String>,
    top: Option<String>,
}

/// `GET /admin?from=&to=`.
pub async fn dashboard(State(state): State<AppState>, visitor: Visitor, Query(p): Query<RangeForm>) -> WebResult {
    // `/admin` is where the admin link leads: staff without the reports go to the first
    // section they may use instead.
    if visitor.user()?.user.may(Permission::Reports) {
    } else if let Some(to) = landing(visitor.permissions()) {
        return Ok(super::view::see_other(to));
    }
    visitor.staff(Permission::Reports)?;
    let t = visitor.t();
    let ctx = Ctx::new(&visitor);
    let attention = reports::attention(&state).await?;
    let range = StatsRange {
        from: p.from.as_deref(),
        to: p.to.as_deref(),
        top: p.top.as_deref(),
    };
    let (stats, errors) = match reports::stats(&state, range).await {
        Ok(stats) => (Some(stats), FieldErrors::default()),
        Err(e) => (None, form_errors(e, visitor.lang)?),
    };
    let Some(stats) = stats else {
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &DashboardPage {
                ctx,
                from: p.from.unwrap_or_default(),
                to: p.to.unwrap_or_default(),
                errors,
                totals: Totals::default(),
                money_chart: String::new(),
                orders_chart: String::new(),
                top: Vec::new(),
                attention,
            },
        ));
    };
    let labels: Vec<String> = stats
        .days
        .iter()
        .map(|d| date_of(d.day).get(5..).unwrap_or_default().to_owned())
        .collect();
    let column = |f: fn(&emporium_store::reports::DayStats) -> i64| stats.days.iter().map(f).collect::<Vec<_>>();
    let fmt_money = |v: i64| money(v, REPORT_CURRENCY);
    let money_chart = line_chart(
        "chart-money",
        &format!("{} · {}", t.revenue, t.per_day),
        &labels,
        &[
            Series {
                name: t.revenue.into(),
                color: "#1d4f91",
                values: column(|d| d.revenue),
            },
            Series {
                name: t.cost_of_goods.into(),
                color: "#c77700",
                values: column(|d| d.cost_of_goods),
            },
            Series {
                name: t.refunds.into(),
                color: "#b00020",
                values: column(|d| d.refunds),
            },
            Series {
                name: t.gross_margin.into(),
                color: "#1f7a3a",
                values: column(|d| d.gross_margin),
            },
        ],
        &fmt_money,
    );
    let orders_chart = bar_chart(
        "chart-orders",
        &format!("{} · {}", t.orders, t.per_day),
        &labels,
        &[Series {
            name: t.orders.into(),
            color: "#b4232a",
            values: column(|d| d.orders),
        }],
        &|v| v.to_string(),
    );
    let s = &stats.totals;
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            ctx,
            from: stats.days.first().map(|d| date_of(d.day)).unwrap_or_default(),
            to: stats.days.last().map(|d| date_of(d.day)).unwrap_or_default(),
            errors,
            totals: Totals {
                orders: s.orders,
                revenue: fmt_money(s.revenue),
                refunds: fmt_money(s.refunds),
                cost_of_goods: fmt_money(s.cost_of_goods),
                gross_margin: fmt_money(s.gross_margin),
                tax: fmt_money(s.tax),
            },
            money_chart,
            orders_chart,
            top: stats
                .top_products
                .iter()
                .map(|p| TopRow {
                    product_id: p.product_id,
                    name: p.name.clone(),
                    units: p.units,
                    revenue: fmt_money(p.revenue),
                })
                .collect(),
            attention,
        },
    ))
}

/// A variant running low, for the list.
#[derive(Debug)]
pub struct LowStockRow {
    product_id: i64,
    name: String,
    /// The variant's SKU and values.
    variant: String,
    available: i64,
    threshold: i64,
}

#[derive(Template)]
#[template(path = "admin/low_stock.html")]
struct LowStockPage {
    ctx: Ctx,
    rows: Vec<LowStockRow>,
}

/// The most variants the low-stock list shows.
const LOW_STOCK_SHOWN: i64 = 200;

/// `GET /admin/inventory/low`: the variants at or below their low-stock threshold.
pub async fn low_stock(State(state): State<AppState>, visitor: Visitor) -> WebResult {
    visitor.staff(Permission::Inventory)?;
    let rows = reports::low_stock(&state, LOW_STOCK_SHOWN).await?;
    Ok(page(&LowStockPage {
        ctx: Ctx::new(&visitor),
        rows: rows
            .into_iter()
            .map(|r| LowStockRow {
                product_id: r.product_id,
                variant: [r.sku.unwrap_or_default(), r.option_values.label()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                name: r.name,
                available: r.available,
                threshold: r.threshold,
            })
            .collect(),
    }))
}
