//! Staff pages for the pricing rules: shipping zones and methods (`shipping`),
//! promotions (`promotions`), coupons (`coupons`) and tax (`tax`).
//!
//! The pages only translate: a form's text is read here into the numbers the use cases
//! of `emporium_app::pricing_rules` take (amounts typed in yuan become fen, rates typed
//! in percent become basis points, `datetime-local` values become RFC 3339 times in
//! UTC), and the use cases' field errors are shown back beside the fields. Every rule
//! (ranges, tiers, schedules) stays in the use cases, shared with the JSON API.

pub mod coupons;
pub mod promotions;
pub mod shipping;
pub mod tax;

use emporium_app::AppError;
use emporium_domain::FieldError;
use emporium_domain::time::Timestamp;

use crate::view::{FieldErrors, parse_money, shop_zone};

/// The currency the pricing rules are kept in (the store prices every cart in it).
const CURRENCY: &str = "CNY";

/// Reads a form's text into numbers, keeping an error for each field that is not one.
/// A failed read stands in a zero, so the caller checks [`Reader::finish`] before using
/// anything it read.
#[derive(Debug, Default)]
struct Reader(Vec<FieldError>);

impl Reader {
    fn fail(&mut self, field: &str, message: &str) {
        self.0.push(FieldError::new(field, message));
    }

    /// An amount typed in yuan (`10`, `10.5`, `10.50`), in fen.
    fn yuan(&mut self, field: &str, raw: &str) -> i64 {
        parse_money(raw, CURRENCY).unwrap_or_else(|| {
            self.fail(field, "must be an amount such as 12.50");
            0
        })
    }

    /// Like [`Reader::yuan`], blank for none.
    fn yuan_opt(&mut self, field: &str, raw: &str) -> Option<i64> {
        (!raw.trim().is_empty()).then(|| self.yuan(field, raw))
    }

    /// A whole number.
    fn whole(&mut self, field: &str, raw: &str) -> i64 {
        raw.trim().parse().unwrap_or_else(|_| {
            self.fail(field, "must be a whole number");
            0
        })
    }

    /// Like [`Reader::whole`], blank for none.
    fn whole_opt(&mut self, field: &str, raw: &str) -> Option<i64> {
        (!raw.trim().is_empty()).then(|| self.whole(field, raw))
    }

    /// A rate typed in percent (`13`, `6.5`, `0.25`), in basis points.
    fn basis_points(&mut self, field: &str, raw: &str) -> i64 {
        basis_points(raw).unwrap_or_else(|| {
            self.fail(field, "must be a percentage such as 13 or 6.5");
            0
        })
    }

    /// Ids separated by commas, spaces or lines.
    fn ids(&mut self, field: &str, raw: &str) -> Vec<i64> {
        let ids: Result<Vec<i64>, _> = split_list(raw).map(str::parse).collect();
        ids.unwrap_or_else(|_| {
            self.fail(field, "must be ids separated by commas");
            Vec::new()
        })
    }

    /// A `datetime-local` value (read in the shop's time zone) as an RFC 3339 time; blank
    /// for none.
    fn time(&mut self, field: &str, raw: &str) -> Option<String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let zone = shop_zone();
        let parsed = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
            .iter()
            .find_map(|f| jiff::civil::DateTime::strptime(f, raw).ok())
            .and_then(|t| t.to_zoned(zone).ok());
        match parsed {
            Some(t) => Some(t.timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
            None => {
                self.fail(field, "must be a date and time such as 2026-11-25T08:00");
                None
            }
        }
    }

    /// `Ok` when every field was read.
    fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}

/// The variants typed in a form's `variant_ids` box (ids or SKUs) as their ids, through
/// the use case that looks them up.
async fn variant_targets(state: &emporium_app::AppState, typed: &str) -> Result<Vec<i64>, AppError> {
    let typed: Vec<String> = split_list(typed).map(str::to_owned).collect();
    emporium_app::pricing_rules::variant_targets(state, &typed).await
}

/// Both results, or every field error of either (a failure that is not about fields
/// wins).
fn both<A, B>(a: Result<A, AppError>, b: Result<B, AppError>) -> Result<(A, B), AppError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(AppError::Invalid(mut x)), Err(AppError::Invalid(y))) => {
            x.extend(y);
            Err(AppError::Invalid(x))
        }
        (Err(AppError::Invalid(_)), Err(other)) | (Err(other), _) | (_, Err(other)) => Err(other),
    }
}

/// The items of a list typed with commas, spaces or one a line (full-width commas too).
fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

/// The items of a list typed with commas or one a line; spaces stay inside an item
/// (region names may hold them).
fn split_names(raw: &str) -> Vec<String> {
    raw.split(['\n', ',', '，', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A percentage with at most two decimals as basis points (`6.5` → 650), exactly.
fn basis_points(raw: &str) -> Option<i64> {
    let raw = raw.trim().trim_end_matches('%').trim();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty()
        || whole.len() > 6
        || fraction.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let fraction = format!("{fraction:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + fraction.parse::<i64>().ok()?)
}

/// Basis points as the percentage a form shows (`650` → `6.5`).
fn percent_text(bp: i64) -> String {
    let text = format!("{}.{:02}", bp / 100, bp % 100);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Fen as the yuan a form shows (`1050` → `10.50`, `1000` → `10`).
fn yuan_text(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, fen % 100)
    }
}

/// An RFC 3339 time as a `datetime-local` value in the shop's time zone.
fn time_input(rfc3339: Option<&str>) -> String {
    rfc3339
        .and_then(Timestamp::parse_rfc3339)
        .and_then(|t| jiff::Timestamp::from_millisecond(t.millis()).ok())
        .map(|t| t.to_zoned(shop_zone()).strftime("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// A moment as the lists show it, or a dash.
fn time_cell(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "—".to_owned(), crate::view::time)
}

/// Ids as a form shows them.
fn ids_text(ids: &[i64]) -> String {
    ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// The use case's field names as the form's: `rule.tiers[2].fee` is the `tiers` box,
/// `product_ids[0]` the `product_ids` box, `rule.fee` the `fee` box.
fn on_form(errors: FieldErrors) -> FieldErrors {
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|mut e| {
                let name = e.field.strip_prefix("rule.").unwrap_or(&e.field);
                let end = name.find(['[', '.']).unwrap_or(name.len());
                e.field = name[..end].to_owned();
                e
            })
            .collect(),
    )
}

/// A checkbox's value: present and not `false`/`0`.
fn checked(raw: &str) -> bool {
    !matches!(raw.trim(), "" | "false" | "0" | "off")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_become_basis_points_exactly() {
        assert_eq!(basis_points("13"), Some(1300));
        assert_eq!(basis_points("6.5"), Some(650));
        assert_eq!(basis_points("0.25 %"), Some(25));
        assert_eq!(basis_points("6.125"), None);
        assert_eq!(basis_points("-1"), None);
        assert_eq!(basis_points(""), None);
        assert_eq!(percent_text(650), "6.5");
        assert_eq!(percent_text(1300), "13");
        assert_eq!(percent_text(25), "0.25");
    }

    #[test]
    fn amounts_and_times_go_both_ways() {
        assert_eq!(yuan_text(1050), "10.50");
        assert_eq!(yuan_text(1000), "10");
        let mut r = Reader::default();
        let t = r.time("starts_at", "2026-11-25T08:00");
        assert_eq!(t.as_deref(), Some("2026-11-25T08:00:00Z"));
        assert_eq!(time_input(t.as_deref()), "2026-11-25T08:00");
        assert_eq!(r.time("ends_at", "tomorrow"), None);
        assert_eq!(r.ids("product_ids", "3, 4，5\n6"), vec![3, 4, 5, 6]);
        assert_eq!(r.0.len(), 1);
    }

    #[test]
    fn use_case_fields_land_on_form_boxes() {
        let errors = on_form(FieldErrors(vec![
            FieldError::new("rule.tiers[2].fee", "x"),
            FieldError::new("product_ids[0]", "x"),
            FieldError::new("rule.fee", "x"),
        ]));
        let names: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["tiers", "product_ids", "fee"]);
        assert_eq!(split_names("广东, 广西\n海南"), ["广东", "广西", "海南"]);
    }
}
