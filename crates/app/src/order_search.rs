//! The staff's order list: search by order number or customer, a status filter and a
//! sort, read from the typed query of the admin page (or an export of it).

use std::collections::HashMap;

use emporium_domain::order::OrderStatus;
use emporium_domain::{FieldError, Invalid};
use emporium_store::order_read::Order;
use emporium_store::order_search::{OrderSearch, OrderSort};

use crate::error::AppResult;
use crate::state::AppState;

/// The list's query as typed: `q` (an order number, `#12` or `12`, or part of a
/// username), `status` (blank: all) and `sort` (blank: newest first).
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderListQuery<'a> {
    /// Order number or customer.
    pub q: &'a str,
    /// An order status.
    pub status: &'a str,
    /// `newest`, `oldest`, `total_desc` or `total_asc`.
    pub sort: &'a str,
}

/// Reads `query` into a search, reporting every bad field at once.
pub fn parse(query: OrderListQuery<'_>) -> AppResult<OrderSearch> {
    let status = match query.status.trim() {
        "" => Ok(None),
        raw => OrderStatus::parse("status", raw).map(Some),
    };
    let sort = match query.sort.trim() {
        "" => Ok(OrderSort::default()),
        raw => OrderSort::parse(raw).ok_or_else(|| FieldError::new("sort", "unknown sort")),
    };
    let (status, sort) = match (status, sort) {
        (Ok(status), Ok(sort)) => (status, sort),
        (status, sort) => return Err(Invalid::of([status.err(), sort.err()]).into()),
    };
    let q = query.q.trim();
    let digits = q.strip_prefix('#').unwrap_or(q);
    let (number, customer) = match digits.parse::<i64>() {
        Ok(n) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => (Some(n), None),
        _ if q.is_empty() => (None, None),
        _ => (None, Some(q.chars().take(100).collect())),
    };
    Ok(OrderSearch {
        number,
        customer,
        status,
        sort,
    })
}

/// The orders `search` finds: `limit` of them after skipping `offset`.
pub async fn search_orders(state: &AppState, search: &OrderSearch, offset: i64, limit: i64) -> AppResult<Vec<Order>> {
    Ok(state.store().search_orders(search, offset.max(0), limit).await?)
}

/// The usernames of the customers `ids`, by id (the list's customer column).
pub async fn customer_names(state: &AppState, ids: &[i64]) -> AppResult<HashMap<i64, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(state.store().usernames(&ids).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_finds_the_order_and_text_the_customer() {
        let by_number = parse(OrderListQuery {
            q: " #42 ",
            ..Default::default()
        })
        .unwrap();
        assert_eq!((by_number.number, by_number.customer), (Some(42), None));
        let by_customer = parse(OrderListQuery {
            q: "alice",
            status: "paid",
            sort: "total_desc",
        })
        .unwrap();
        assert_eq!(by_customer.customer.as_deref(), Some("alice"));
        assert_eq!(by_customer.status, Some(OrderStatus::Paid));
        assert_eq!(by_customer.sort, OrderSort::TotalHigh);
    }

    #[test]
    fn a_bad_status_and_sort_are_both_reported() {
        let Err(crate::AppError::Invalid(errors)) = parse(OrderListQuery {
            q: "",
            status: "lost",
            sort: "random",
        }) else {
            panic!("expected invalid");
        };
        assert_eq!(errors.len(), 2);
    }
}
