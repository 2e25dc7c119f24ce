//! Operations reports for staff: the per-day figures behind the admin dashboard.

use axum::Json;
use axum::extract::State;
use emporium_app::AppState;
use emporium_app::reports::{self, StatsRange, date_of};
use emporium_store::reports::{DayStats, Stats, TopProduct};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiResult, Problem};
use crate::extract::{Query, Staff, area};

/// Report parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// First day, `YYYY-MM-DD` (UTC), inclusive; default: 29 days before `to`.
    #[param(pattern = r"^\s*([+-]?[0-9]+-[0-9]{1,2}-[0-9]{1,2})?\s*$")]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive; default: today.
    #[param(pattern = r"^\s*([+-]?[0-9]+-[0-9]{1,2}-[0-9]{1,2})?\s*$")]
    pub to: Option<String>,
    /// How many best sellers, 1–50 (default 10; empty means the default).
    #[param(pattern = r"^\s*([+-]?[0-9]+)?\s*$")]
    pub top: Option<String>,
}

/// One day of the report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DayStatsView {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Orders paid that day.
    pub orders: i64,
    /// Money received for them, minor units.
    pub revenue: i64,
    /// Money paid back that day, minor units.
    pub refunds: i64,
    /// FIFO cost of the units those orders drew (less units returned), minor units.
    pub cost_of_goods: i64,
    /// revenue − refunds − cost_of_goods, minor units.
    pub gross_margin: i64,
    /// Tax of the orders paid that day, minor units (inside their prices when the shop's
    /// prices include tax).
    pub tax: i64,
}

/// A best seller.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TopProductView {
    /// The product.
    pub product_id: i64,
    /// Its name.
    pub name: String,
    /// Units sold.
    pub units: i64,
    /// Σ what those lines were paid (after their discounts), minor units.
    pub revenue: i64,
}

/// The report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatsView {
    /// First day (inclusive).
    pub from: String,
    /// Last day (inclusive).
    pub to: String,
    /// Every day of the range, oldest first.
    pub days: Vec<DayStatsView>,
    /// Sums over the range (`date` is the first day).
    pub totals: DayStatsView,
    /// Best sellers by revenue.
    pub top_products: Vec<TopProductView>,
}

fn day_view(d: &DayStats) -> DayStatsView {
    DayStatsView {
        date: date_of(d.day),
        orders: d.orders,
        revenue: d.revenue,
        refunds: d.refunds,
        cost_of_goods: d.cost_of_goods,
        gross_margin: d.gross_margin,
        tax: d.tax,
    }
}

impl From<&Stats> for StatsView {
    fn from(s: &Stats) -> Self {
        Self {
            from: s.days.first().map(|d| date_of(d.day)).unwrap_or_default(),
            to: s.days.last().map(|d| date_of(d.day)).unwrap_or_default(),
            days: s.days.iter().map(day_view).collect(),
            totals: day_view(&s.totals),
            top_products: s
                .top_products
                .iter()
                .map(|p: &TopProduct| TopProductView {
                    product_id: p.product_id,
                    name: p.name.clone(),
                    units: p.units,
                    revenue: p.revenue,
                })
                .collect(),
        }
    }
}

/// Orders, revenue, refunds, FIFO cost of goods and gross margin per UTC day, and the best
/// sellers of the range (staff). Days are attributed by when an order was paid and when a
/// refund was paid back; amounts in different currencies are summed as stored.
#[utoipa::path(get, path = "/api/v1/admin/stats", tag = "operations", security(("bearer" = [])), params(StatsParams),
    responses(
        (status = 200, description = "The report", body = StatsView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_stats(
    State(state): State<AppState>,
    _staff: Staff<area::Reports>,
    Query(p): Query<StatsParams>,
) -> ApiResult<Json<StatsView>> {
    let range = StatsRange {
        from: p.from.as_deref(),
        to: p.to.as_deref(),
        top: p.top.as_deref(),
    };
    Ok(Json(StatsView::from(&reports::stats(&state, range).await?)))
}
