//! Customers as staff see them: searching the accounts (by username, display name and
//! email in clear, by phone through its blind index), a customer's figures, blocking.

use emporium_domain::time::Timestamp;

use crate::accounts::{PHONE_INDEX, User, user_by_id, user_columns, user_from};
use crate::db::{query, query_scalar};
use crate::sealed::{context, normalise_phone};
use crate::{Store, StoreError};

/// What a customer has done with the shop, in figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFigures {
    /// Orders placed.
    pub orders: i64,
    /// Of them, paid (in any later state).
    pub paid_orders: i64,
    /// The sum paid, in minor units (across currencies as stored; the shop sells in one).
    pub paid_amount: i64,
    /// The sum refunded, in minor units.
    pub refunded_amount: i64,
    /// Reviews written.
    pub reviews: i64,
    /// Addresses in the address book.
    pub addresses: i64,
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

impl Store {
    /// A page of customer accounts (guests left out), newest first, after the id
    /// `before`. With `q`, those whose username, display name or email contains it (any
    /// letter case), or whose phone number has the same digits (through the blind index:
    /// an exact match, as the number itself is sealed).
    pub async fn customers(&self, q: Option<&str>, before: Option<i64>, limit: i64) -> Result<Vec<User>, StoreError> {
        let q = q.map(str::trim).filter(|q| !q.is_empty());
        let pattern = q.map(|q| format!("%{}%", like_escape(&q.to_lowercase())));
        let digits = q.map(normalise_phone).filter(|d| !d.is_empty());
        let phone_index = digits.map(|d| self.sealer().blind_index(PHONE_INDEX, &d));
        let rows = query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u
              WHERE u.role = 'customer' AND u.guest = 0 AND u.id < $1
                AND ($2 = 0
                     OR LOWER(u.username) LIKE $3 ESCAPE '\\'
                     OR LOWER(COALESCE(u.display_name, '')) LIKE $3 ESCAPE '\\'
                     OR LOWER(COALESCE(u.email, '')) LIKE $3 ESCAPE '\\'
                     OR u.phone_index = $4)
              ORDER BY u.id DESC LIMIT $5"
        ))
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(q.is_some()))
        .bind(pattern.unwrap_or_default())
        .bind(phone_index.unwrap_or_default())
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(|row| user_from(row, self.sealer())).collect()
    }

    /// The customer account `id` (not staff, not a guest).
    pub async fn customer(&self, id: i64) -> Result<User, StoreError> {
        self.user(id)
            .await
            .ok()
            .filter(|u| u.role == emporium_domain::account::Role::Customer && !u.guest)
            .ok_or(StoreError::NotFound("customer"))
    }

    /// A customer's figures: orders, payments, refunds, reviews, addresses.
    pub async fn customer_figures(&self, id: i64) -> Result<CustomerFigures, StoreError> {
        let row = query(
            // PostgreSQL sums BIGINTs as NUMERIC: cast back, as the reports do.
            "SELECT COUNT(*) AS orders,
                    CAST(COALESCE(SUM(CASE WHEN paid_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS paid_orders,
                    CAST(COALESCE(SUM(paid_amount), 0) AS BIGINT) AS paid_amount,
                    CAST(COALESCE(SUM(refunded_amount), 0) AS BIGINT) AS refunded_amount
               FROM orders WHERE user_id = $1",
        )
        .bind(id)
        .fetch_one(self.reader())
        .await?;
        let count = |sql: &'static str| query_scalar::<i64>(sql).bind(id).fetch_one(self.reader());
        Ok(CustomerFigures {
            orders: row.try_get("orders")?,
            paid_orders: row.try_get("paid_orders")?,
            paid_amount: row.try_get("paid_amount")?,
            refunded_amount: row.try_get("refunded_amount")?,
            reviews: count("SELECT COUNT(*) FROM reviews WHERE user_id = $1").await?,
            addresses: count("SELECT COUNT(*) FROM addresses WHERE user_id = $1").await?,
        })
    }

    /// Blocks (`blocked`) or unblocks the customer `id`. Blocking ends their sessions in
    /// the same transaction and forgets them from the session cache after the commit;
    /// blocking twice keeps the first time.
    pub async fn set_customer_blocked(&self, id: i64, blocked: bool, now: Timestamp) -> Result<User, StoreError> {
        let sealer = self.sealer().clone();
        let changed = self
            .write(move |conn| {
                Box::pin(async move {
                    let updated = query(
                        "UPDATE users SET disabled_at = CASE WHEN $1 = 1 THEN COALESCE(disabled_at, $2) ELSE NULL END,
                                          updated_at = $2
                          WHERE id = $3 AND role = 'customer' AND guest = 0",
                    )
                    .bind(i64::from(blocked))
                    .bind(now.millis())
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                    if updated.rows_affected() == 0 {
                        return Err(StoreError::NotFound("customer"));
                    }
                    if blocked {
                        query("DELETE FROM sessions WHERE user_id = $1")
                            .bind(id)
                            .execute(&mut *conn)
                            .await?;
                    }
                    user_by_id(conn, id, &sealer).await
                })
            })
            .await;
        self.sessions.forget(|s| s.user.id == id);
        changed
    }

    /// Writes the phone blind index of every account whose index is missing or was
    /// computed under another key than the current one (rows from before migration 0015,
    /// or from before a key rotation). Run when the store opens and by the re-seal, in
    /// batches of one transaction each; a row changed meanwhile is left to its own write.
    pub async fn index_phones(&self) -> Result<u64, StoreError> {
        let current = format!("{}%", like_escape(&self.sealer().blind_index_prefix()));
        let mut written = 0;
        let mut after = 0i64;
        loop {
            let rows = query(
                "SELECT id, phone, (SELECT k.wrapped FROM user_keys k WHERE k.user_id = users.id) AS owner_key FROM users
                  WHERE id > $1 AND phone IS NOT NULL AND (phone_index IS NULL OR phone_index NOT LIKE $2 ESCAPE '\\')
                  ORDER BY id LIMIT 500",
            )
            .bind(after)
            .bind(&current)
            .fetch_all(self.reader())
            .await?;
            let Some(last) = rows.last() else { return Ok(written) };
            after = last.try_get("id")?;
            let mut updates = Vec::with_capacity(rows.len());
            for row in &rows {
                let id: i64 = row.try_get("id")?;
                let stored: String = row.try_get("phone")?;
                // A value no key opens is `emporium check`'s to report; it stays unindexed.
                // Sealed under the customer's own key (or the keyring's, before it had one).
                let sealer = self.sealer().for_owner(id, row.try_get("owner_key")?)?;
                let Ok(phone) = sealer.open(&context("users.phone", id), stored.clone()) else {
                    tracing::warn!(user.id = id, "phone number does not open; not indexed");
                    continue;
                };
                let index = self.sealer().blind_index(PHONE_INDEX, &normalise_phone(&phone));
                updates.push((id, stored, index));
            }
            written += self
                .write(move |conn| {
                    Box::pin(async move {
                        let mut done = 0u64;
                        for (id, stored, index) in &updates {
                            // Only if unchanged since read: a concurrent edit indexed itself.
                            done += query("UPDATE users SET phone_index = $1 WHERE id = $2 AND phone = $3")
                                .bind(index)
                                .bind(id)
                                .bind(stored)
                                .execute(&mut *conn)
                                .await?
                                .rows_affected();
                        }
                        Ok(done)
                    })
                })
                .await?;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(super::like_escape("a%b_c\\d"), "a\\%b\\_c\\\\d");
    }
}
