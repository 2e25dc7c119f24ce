//! Operations reports for staff: the per-day figures behind the admin dashboard.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use emporium_domain::{FieldError, Invalid};
use emporium_store::reports::{DAY_MILLIS, DayStats, Stats, TopProduct, day_of};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params;
use crate::error::{ApiResult, Problem};
use crate::extract::{Query, Staff};
use crate::state::AppState;

/// The longest range one report covers, in days.
pub const MAX_DAYS: i64 = 366;
/// The range when none is given: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;

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
    /// Σ line totals, minor units.
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

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
pub fn date_of(day: i64) -> String {
    chrono::DateTime::from_timestamp_millis(day * DAY_MILLIS)
        .map(|t| t.date_naive().to_string())
        .unwrap_or_default()
}

fn day_view(d: &DayStats) -> DayStatsView {
    DayStatsView {
        date: date_of(d.day),
        orders: d.orders,
        revenue: d.revenue,
        refunds: d.refunds,
        cost_of_goods: d.cost_of_goods,
        gross_margin: d.gross_margin,
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

fn parse_day(field: &str, raw: Option<&str>) -> Result<Option<i64>, FieldError> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| Some(t.and_utc().timestamp_millis().div_euclid(DAY_MILLIS)))
            .ok_or_else(|| FieldError::new(field, "must be a date such as 2026-11-25")),
    }
}

/// Parses the range and the number of best sellers: (first day, last day, top).
pub(crate) fn parse_stats_params(p: &StatsParams, today: i64) -> Result<(i64, i64, i64), Invalid> {
    let (from, to, top) = match (
        parse_day("from", p.from.as_deref()),
        parse_day("to", p.to.as_deref()),
        params::int("top", p.top.as_deref(), 1, 50),
    ) {
        (Ok(f), Ok(t), Ok(top)) => (f, t, top.unwrap_or(10)),
        (f, t, top) => return Err(Invalid::of([f.err(), t.err(), top.err()])),
    };
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - (DEFAULT_DAYS - 1));
    if from > to {
        return Err(Invalid(vec![FieldError::new("from", "must not be after to")]));
    }
    if to - from + 1 > MAX_DAYS {
        return Err(Invalid(vec![FieldError::new(
            "from",
            format!("the range may cover at most {MAX_DAYS} days"),
        )]));
    }
    Ok((from, to, top))
}

/// Loads the report for the parsed parameters (shared by the API and the dashboard).
pub(crate) async fn load_stats(state: &AppState, p: &StatsParams) -> ApiResult<Stats> {
    let (from, to, top) = parse_stats_params(p, day_of(state.now()))?;
    Ok(state.store().stats(from, to, top).await?)
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
    _staff: Staff,
    Query(p): Query<StatsParams>,
) -> ApiResult<Json<StatsView>> {
    Ok(Json(StatsView::from(&load_stats(&state, &p).await?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(from: Option<&str>, to: Option<&str>) -> Result<(i64, i64, i64), Invalid> {
        let p = StatsParams {
            from: from.map(Into::into),
            to: to.map(Into::into),
            top: None,
        };
        parse_stats_params(&p, 20_000)
    }

    #[test]
    fn ranges_default_to_the_last_30_days_and_are_checked() {
        assert_eq!(parsed(None, None).ok(), Some((19_971, 20_000, 10)));
        assert_eq!(parsed(Some("1970-01-02"), Some("1970-01-03")).ok(), Some((1, 2, 10)));
        assert_eq!(date_of(1), "1970-01-02");
        assert!(parsed(Some("1970-01-03"), Some("1970-01-02")).is_err());
        assert!(parsed(Some("2020-01-01"), Some("2022-01-01")).is_err());
        assert!(parsed(Some("yesterday"), None).is_err());
    }
}
