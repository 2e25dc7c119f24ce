//! The staff's order list: found by number or by the customer's username, filtered by
//! status, sorted by date or total, read a page at a time by offset (a sort by total has
//! no keyset the way a newest-first list does).

use std::collections::HashMap;

use emporium_domain::order::OrderStatus;

use crate::db::Value;
use crate::order_read::Order;
use crate::sealed::ORDER_SELECT;
use crate::sql::Sql;
use crate::{Store, StoreError};

/// How the staff's order list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderSort {
    /// Newest first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
    /// Largest total first.
    TotalHigh,
    /// Smallest total first.
    TotalLow,
}

impl OrderSort {
    /// Every sort, in the order a page offers them.
    pub const ALL: [Self; 4] = [Self::Newest, Self::Oldest, Self::TotalHigh, Self::TotalLow];

    /// The name in a query string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::TotalHigh => "total_desc",
            Self::TotalLow => "total_asc",
        }
    }

    /// The sort named `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    fn order_by(self) -> &'static str {
        match self {
            Self::Newest => " ORDER BY id DESC",
            Self::Oldest => " ORDER BY id ASC",
            Self::TotalHigh => " ORDER BY total DESC, id DESC",
            Self::TotalLow => " ORDER BY total ASC, id DESC",
        }
    }
}

/// Which orders the staff's list shows.
#[derive(Debug, Clone, Default)]
pub struct OrderSearch {
    /// This order number only.
    pub number: Option<i64>,
    /// Customers whose username contains this text (any case).
    pub customer: Option<String>,
    /// In this status only.
    pub status: Option<OrderStatus>,
    /// The sort.
    pub sort: OrderSort,
}

impl Store {
    /// The orders `search` finds, whole, `limit` of them after skipping `offset`.
    pub async fn search_orders(&self, search: &OrderSearch, offset: i64, limit: i64) -> Result<Vec<Order>, StoreError> {
        let mut sql = Sql::new(ORDER_SELECT);
        sql.push(" WHERE 1 = 1");
        if let Some(number) = search.number {
            sql.push(" AND id = ").bind(Value::Int(number));
        }
        if let Some(customer) = &search.customer {
            let pattern = format!("%{}%", like_escaped(&customer.to_lowercase()));
            sql.push(" AND user_id IN (SELECT id FROM users WHERE LOWER(username) LIKE ")
                .bind(Value::Text(pattern))
                .push(" ESCAPE '\\')");
        }
        if let Some(status) = search.status {
            sql.push(" AND status = ").bind(Value::Text(status.as_str().into()));
        }
        sql.push(search.sort.order_by());
        sql.push(" LIMIT ").bind(Value::Int(limit));
        sql.push(" OFFSET ").bind(Value::Int(offset));
        self.whole_orders(sql).await
    }

    /// The usernames of the users `ids` (missing ids are left out): the customer column
    /// of a page of orders, in one query.
    pub async fn usernames(&self, ids: &[i64]) -> Result<HashMap<i64, String>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql = Sql::new("SELECT id, username FROM users WHERE id IN ");
        sql.bind_list(ids.iter().copied());
        let rows = sql.build().fetch_all(self.point()).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("username")?)))
            .collect()
    }
}

/// `text` with LIKE's wildcards and the escape character escaped by `\`.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
