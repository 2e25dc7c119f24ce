//! Reports for staff: orders, revenue, refunds, FIFO cost of goods and margin per UTC day,
//! and the best sellers of a range.

use chrono::NaiveDate;
use emporium_domain::{FieldError, Invalid};
use emporium_store::reports::{DAY_MILLIS, Stats, day_of};

use crate::error::AppResult;
use crate::paging;
use crate::state::AppState;

/// The longest range one report covers, in days.
pub const MAX_DAYS: i64 = 366;
/// The range when none is given: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;

/// A report's range as typed: `YYYY-MM-DD` days (UTC), both inclusive, and how many best
/// sellers (1–50, default 10).
#[derive(Debug, Clone, Copy, Default)]
pub struct StatsRange<'a> {
    /// First day; default: 29 days before `to`.
    pub from: Option<&'a str>,
    /// Last day; default: today.
    pub to: Option<&'a str>,
    /// Best sellers to list.
    pub top: Option<&'a str>,
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
pub fn date_of(day: i64) -> String {
    chrono::DateTime::from_timestamp_millis(day * DAY_MILLIS)
        .map(|t| t.date_naive().to_string())
        .unwrap_or_default()
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
fn parse_range(p: StatsRange<'_>, today: i64) -> Result<(i64, i64, i64), Invalid> {
    let (from, to, top) = match (
        parse_day("from", p.from),
        parse_day("to", p.to),
        paging::int("top", p.top, 1, 50),
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

/// The report for a range.
pub async fn stats(state: &AppState, range: StatsRange<'_>) -> AppResult<Stats> {
    let (from, to, top) = parse_range(range, day_of(state.now()))?;
    Ok(state.store().stats(from, to, top).await?)
}

/// What needs attention now: orders to ship, refunds and returns to decide, variants
/// running low (the dashboard's counters).
pub async fn attention(state: &AppState) -> AppResult<emporium_store::attention::Attention> {
    Ok(state.store().attention().await?)
}

/// The variants at or below their low-stock threshold, fewest units first (1–500 of them).
pub async fn low_stock(state: &AppState, limit: i64) -> AppResult<Vec<emporium_store::attention::LowStockLine>> {
    Ok(state.store().low_stock(limit.clamp(1, 500)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(from: Option<&str>, to: Option<&str>) -> Result<(i64, i64, i64), Invalid> {
        parse_range(StatsRange { from, to, top: None }, 20_000)
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
