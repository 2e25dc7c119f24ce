//! Guests: anonymous visitors who shop without an account. A guest is a customer row
//! with no usable password (`users.guest = 1`), made when the visitor first needs a cart,
//! so its cart and orders follow every rule a customer's do (limits, stock, BOLA). Its
//! cart token is a session of that row, which only the cart and checkout accept.

use emporium_domain::order::{self, MAX_CART_LINES};
use emporium_domain::time::Timestamp;

use crate::accounts::{NewSession, User, user_by_id};
use crate::db::{Conn, query, query_scalar};
use crate::sealed::{Sealer, context};
use crate::{Store, StoreError};

/// What a guest order records about its buyer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestContact {
    /// Where its messages go (already checked).
    pub email: String,
    /// A phone number for the shop, if given (already checked).
    pub phone: Option<String>,
    /// Whether they agreed to a text message when it ships.
    pub sms_opt_in: bool,
}

/// How a guest cart's lines went into an account's cart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    /// Lines added or raised.
    pub lines: usize,
    /// Lines that could not come along whole (stock, the line or cart limit).
    pub capped: usize,
}

/// A guest (`u`) with no order and no live session at `$1` (now).
macro_rules! idle_guest {
    () => {
        "u.guest = 1
           AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)
           AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id AND s.expires_at > $1)"
    };
}

impl Store {
    /// Makes a guest with its cart session (`username` is `guest-<hex>`, which nobody can
    /// register or log in as).
    pub async fn create_guest(&self, username: String, locale: &str, session: NewSession) -> Result<User, StoreError> {
        let sealer = self.sealer().clone();
        let locale = locale.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                let id: i64 = query_scalar(
                    "INSERT INTO users (username, username_key, password_hash, role, guest, locale, created_at, updated_at)
                     VALUES ($1, $2, '!', 'customer', 1, $3, $4, $4) RETURNING id",
                )
                .bind(&username)
                .bind(format!("guest:{username}"))
                .bind(&locale)
                .bind(session.created_at.millis())
                .fetch_one(&mut *conn)
                .await?;
                query("INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(&session.token_hash)
                    .bind(session.created_at.millis())
                    .bind(session.expires_at.millis())
                    .execute(&mut *conn)
                    .await?;
                user_by_id(conn, id, &sealer).await
            })
        })
        .await
    }

    /// Moves a guest's cart into a customer's: quantities add up, each line capped by the
    /// variant's stock on hand and the line limit (999), and lines past the cart's limit
    /// (100) or no longer for sale stay behind. The guest's cart is emptied either way,
    /// so a second merge (a retried login) adds nothing.
    pub async fn merge_cart(&self, guest_id: i64, into: i64, now: Timestamp) -> Result<Merged, StoreError> {
        self.write(move |conn| Box::pin(merge_cart_in(conn, guest_id, into, now)))
            .await
    }

    /// Forgets the addresses a guest typed at earlier checkouts (a guest keeps the one it
    /// checks out with).
    pub async fn forget_guest_addresses(&self, guest_id: i64) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                query("DELETE FROM addresses WHERE user_id = $1 AND user_id IN (SELECT id FROM users WHERE guest = 1)")
                    .bind(guest_id)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Forgets up to `limit` guests that never ordered and whose cart has expired: their
    /// cart lines, addresses and sessions go with them (a guest with an order stays, as
    /// the order's owner). Answers how many went.
    pub async fn forget_idle_guests(&self, now: Timestamp, limit: i64) -> Result<u64, StoreError> {
        // Found on the read pool (through the guests' own index), so a pass with none to
        // forget never holds the writer; each is checked again inside the write.
        let idle: Vec<i64> = query_scalar(concat!(
            "SELECT u.id FROM users u WHERE ",
            idle_guest!(),
            " ORDER BY u.id LIMIT $2"
        ))
        .bind(now.millis())
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        if idle.is_empty() {
            return Ok(0);
        }
        self.write(move |conn| {
            Box::pin(async move {
                let mut forgotten = 0;
                for id in &idle {
                    let still: Option<i64> =
                        query_scalar(concat!("SELECT u.id FROM users u WHERE u.id = $2 AND ", idle_guest!()))
                            .bind(now.millis())
                            .bind(*id)
                            .fetch_optional(&mut *conn)
                            .await?;
                    if still.is_none() {
                        continue;
                    }
                    for statement in [
                        "DELETE FROM cart_lines WHERE user_id = $1",
                        "DELETE FROM addresses WHERE user_id = $1",
                        "DELETE FROM sessions WHERE user_id = $1",
                        "DELETE FROM idempotency_keys WHERE user_id = $1",
                        // Its data key (made with its first address) goes with it.
                        "DELETE FROM user_keys WHERE user_id = $1",
                        "DELETE FROM users WHERE id = $1 AND guest = 1",
                    ] {
                        query(statement).bind(*id).execute(&mut *conn).await?;
                    }
                    forgotten += 1;
                }
                Ok(forgotten)
            })
        })
        .await
    }

    /// The owner of a guest order and the email it was placed with (`None`: no such order,
    /// or not a guest's).
    pub async fn guest_order_contact(&self, order_id: i64) -> Result<Option<(i64, String)>, StoreError> {
        let row = query("SELECT user_id, guest_email FROM orders WHERE id = $1 AND guest_email IS NOT NULL")
            .bind(order_id)
            .fetch_optional(self.point())
            .await?;
        row.map(|r| Ok((r.try_get("user_id")?, r.try_get("guest_email")?)))
            .transpose()
    }
}

async fn merge_cart_in(conn: &mut Conn, guest_id: i64, into: i64, now: Timestamp) -> Result<Merged, StoreError> {
    let rows = query(
        "SELECT g.variant_id, g.product_id, g.quantity, v.stock_available, COALESCE(c.quantity, 0) AS have
         FROM cart_lines g
         JOIN product_variants v ON v.id = g.variant_id
         JOIN products p ON p.id = g.product_id
         LEFT JOIN cart_lines c ON c.user_id = $2 AND c.variant_id = g.variant_id
         WHERE g.user_id = $1 AND v.status = 'active' AND p.status = 'active'
         ORDER BY g.added_at, g.variant_id",
    )
    .bind(guest_id)
    .bind(into)
    .fetch_all(&mut *conn)
    .await?;
    let mut lines: i64 = query_scalar("SELECT COUNT(*) FROM cart_lines WHERE user_id = $1")
        .bind(into)
        .fetch_one(&mut *conn)
        .await?;
    let mut merged = Merged::default();
    for row in rows {
        let (variant_id, product_id): (i64, i64) = (row.try_get("variant_id")?, row.try_get("product_id")?);
        let (wanted, stock, have): (i64, i64, i64) = (
            row.try_get("quantity")?,
            row.try_get("stock_available")?,
            row.try_get("have")?,
        );
        // A new line needs room in the cart; an existing one is never lowered.
        let room = have > 0 || lines < MAX_CART_LINES;
        let target = if room {
            (have + wanted).min(order::MAX_LINE_QUANTITY).min(stock.max(have))
        } else {
            0
        };
        if target < have + wanted {
            merged.capped += 1;
        }
        if target <= have {
            continue;
        }
        query(
            "INSERT INTO cart_lines (user_id, variant_id, product_id, quantity, added_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (user_id, variant_id) DO UPDATE SET quantity = excluded.quantity",
        )
        .bind(into)
        .bind(variant_id)
        .bind(product_id)
        .bind(target)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
        if have == 0 {
            lines += 1;
        }
        merged.lines += 1;
    }
    query("DELETE FROM cart_lines WHERE user_id = $1")
        .bind(guest_id)
        .execute(&mut *conn)
        .await?;
    Ok(merged)
}

/// Gives a newly verified address the guest orders placed with it: they move to the
/// account (their guest links keep working). Their sealed columns are sealed again under
/// the new owner, whose id their sealing context names.
pub(crate) async fn attach_guest_orders_in(
    conn: &mut Conn,
    sealer: &Sealer,
    user_id: i64,
    email: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let rows = query(
        "SELECT id, user_id, address, invoice, guest_phone,
                (SELECT k.wrapped FROM user_keys k WHERE k.user_id = orders.user_id) AS owner_key
         FROM orders
         WHERE guest_email IS NOT NULL AND LOWER(guest_email) = LOWER($1)
           AND user_id IN (SELECT id FROM users WHERE guest = 1)",
    )
    .bind(email)
    .fetch_all(&mut *conn)
    .await?;
    // Sealed again under the account's own data key (made now if it has none).
    let to = sealer.owner_key_in(conn, user_id, now.millis()).await?;
    for row in &rows {
        let owner: i64 = row.try_get("user_id")?;
        let from = sealer.for_row(owner, row)?;
        let move_sealed = |column: &str| -> Result<Option<String>, StoreError> {
            let stored: Option<String> = row.try_get(column)?;
            let name = format!("orders.{column}");
            stored
                .map(|v| from.open(&context(&name, owner), v))
                .transpose()?
                .map(|plain| to.seal(&context(&name, user_id), &plain))
                .transpose()
        };
        query(
            "UPDATE orders SET user_id = $1, address = $2, invoice = $3, guest_phone = $4, version = version + 1 WHERE id = $5",
        )
        .bind(user_id)
        .bind(move_sealed("address")?)
        .bind(move_sealed("invoice")?)
        .bind(move_sealed("guest_phone")?)
        .bind(row.try_get::<i64, _>("id")?)
        .execute(&mut *conn)
        .await?;
    }
    Ok(rows.len() as u64)
}
