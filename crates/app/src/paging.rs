//! Paging: page sizes, keyset positions and signed cursors, as every list reads them (every
//! bad value is a field error naming its parameter: `limit`, `min_price`, `cursor`).

use emporium_domain::{FieldError, Invalid};

use crate::cursor::{Cursors, Position};
use crate::error::AppResult;

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 20;
/// Largest page size.
pub const MAX_LIMIT: i64 = 100;

/// The page size and the position to start after, from a raw `limit` and `cursor`
/// checked against the listing's fingerprint `query`.
pub fn page(
    cursors: &Cursors,
    raw_limit: Option<&str>,
    cursor: Option<&str>,
    query: &str,
) -> AppResult<(i64, Option<Position>)> {
    match (limit(raw_limit), cursor.map(|c| cursors.decode(query, c)).transpose()) {
        (Ok(limit), Ok(position)) => Ok((limit, position)),
        (l, p) => Err(Invalid::of([l.err(), p.err()]).into()),
    }
}

/// A page size: 1–100, default 20.
pub fn limit(raw: Option<&str>) -> Result<i64, FieldError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(FieldError::new(
                "limit",
                format!("must be a whole number from 1 to {MAX_LIMIT}"),
            )),
        },
    }
}

/// An optional whole number in `min..=max`.
pub fn int(field: &str, raw: Option<&str>, min: i64, max: i64) -> Result<Option<i64>, FieldError> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(FieldError::new(
                field,
                format!("must be a whole number from {min} to {max}"),
            )),
        },
    }
}

/// Cuts a page fetched with `limit + 1` rows (the extra row only tells that more exist)
/// down to `limit`, and answers where the next page starts, if there is one.
pub fn cut_page<T>(mut rows: Vec<T>, limit: i64, position_of: impl Fn(&T) -> Position) -> (Vec<T>, Option<Position>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next = rows.last().filter(|_| more).map(position_of);
    (rows, next)
}

/// The Position a keyset listing may continue from: an offset cursor is refused.
pub fn keyset(position: Option<Position>) -> AppResult<Option<(i64, i64)>> {
    match position {
        None => Ok(None),
        Some(Position::After(key, id)) => Ok(Some((key, id))),
        Some(Position::Offset(_)) => Err(FieldError::new("cursor", "belongs to another listing").into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(limit(None), Ok(20));
        assert_eq!(limit(Some("100")), Ok(100));
        for bad in ["0", "101", "-1", "ten", "1.5", ""] {
            assert!(limit(Some(bad)).is_err(), "{bad:?}");
        }
        assert_eq!(int("min_price", Some(" 5 "), 0, 10), Ok(Some(5)));
        assert_eq!(int("min_price", Some(""), 0, 10), Ok(None));
        assert!(int("min_price", Some("99999999999999999999"), 0, i64::MAX).is_err());
    }
}
