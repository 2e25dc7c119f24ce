//! The privacy duties' storage: what the export of a customer's data needs beyond the
//! other modules' reads (their sessions, their reviews), and deleting an account by
//! crypto-shredding: its data key is destroyed and its clear-text personal fields blanked
//! in one transaction, while its orders keep their amounts and lines (the books).

use emporium_domain::time::Timestamp;

use crate::audit::{Entry, record_in};
use crate::db::{Conn, query};
use crate::reviews::Review;
use crate::sealed::ERASED;
use crate::{Store, StoreError};

/// A session's metadata (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Its id.
    pub id: i64,
    /// When it began.
    pub created_at: Timestamp,
    /// When it ends.
    pub expires_at: Timestamp,
}

/// Why an account could not be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Staff accounts are not deleted this way (they hold the shop's audit trail).
    Staff,
    /// A guest row has no account to delete.
    Guest,
}

/// The name a deleted account goes by from then on.
pub fn deleted_name(user_id: i64) -> String {
    format!("deleted-{user_id}")
}

impl Store {
    /// The live sessions of a user, newest first.
    pub async fn sessions_of(&self, user_id: i64, now: Timestamp) -> Result<Vec<SessionInfo>, StoreError> {
        let rows = query(
            "SELECT id, created_at, expires_at FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY id DESC",
        )
        .bind(user_id)
        .bind(now.millis())
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SessionInfo {
                    id: r.try_get("id")?,
                    created_at: Timestamp::from_millis(r.try_get("created_at")?),
                    expires_at: Timestamp::from_millis(r.try_get("expires_at")?),
                })
            })
            .collect()
    }

    /// Every review a user wrote, hidden ones included, newest first.
    pub async fn reviews_by(&self, user_id: i64) -> Result<Vec<Review>, StoreError> {
        let rows = query(
            "SELECT r.id, r.product_id, r.order_id, r.user_id, u.display_name, u.username, r.rating, r.body, r.status, r.created_at
             FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.user_id = $1 ORDER BY r.id DESC",
        )
        .bind(user_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(crate::reviews::review_from).collect()
    }

    /// Deletes (anonymises) a customer's account and records `audit` (its actor and
    /// entity filled in here), all in one transaction; see [`delete_account_in`].
    pub async fn delete_account(
        &self,
        user_id: i64,
        audit: Entry,
        now: Timestamp,
    ) -> Result<Result<(), Refusal>, StoreError> {
        let done = self
            .write(move |conn| {
                let audit = audit.clone();
                Box::pin(async move { delete_account_in(conn, user_id, audit, now).await })
            })
            .await;
        // This instance forgets the account's sessions at once (others within the
        // session cache's lifetime, as for a logout).
        self.sessions.forget(|s| s.user.id == user_id);
        done
    }
}

/// Crypto-shreds an account inside the caller's transaction:
/// - its data key row is deleted, so everything sealed under it (`enc2:`: phone, address
///   book, the orders' address snapshots, invoice titles and guest phones) opens as
///   "(erased)" from now on, in this database and, once they age out, in its backups;
/// - clear-text personal fields are blanked: the username becomes `deleted-<id>`, email,
///   display name and phone go, the password hash can match nothing; personal values of
///   its orders that were not under its key (plain, or under the keyring from before
///   per-user keys) become "(erased)"; guest contact emails and order notes go;
/// - what only served the person goes: address book, sessions, cart, tokens, login
///   throttling rows, pending messages' recipients and details, remembered answers;
/// - its name in the audit log becomes `deleted-<id>`, and the deletion is recorded.
///
/// Orders keep their amounts, lines, payments, refunds and history; reviews stay, shown
/// under the masked new name.
pub async fn delete_account_in(
    conn: &mut Conn,
    user_id: i64,
    mut audit: Entry,
    now: Timestamp,
) -> Result<Result<(), Refusal>, StoreError> {
    let row = query("SELECT role, guest, username_key, deleted_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    if row.try_get::<Option<i64>, _>("deleted_at")?.is_some() {
        return Err(StoreError::NotFound("user"));
    }
    if row.try_get::<String, _>("role")? != "customer" {
        return Ok(Err(Refusal::Staff));
    }
    if row.try_get::<i64, _>("guest")? == 1 {
        return Ok(Err(Refusal::Guest));
    }
    let old_key: String = row.try_get("username_key")?;
    let name = deleted_name(user_id);
    query("DELETE FROM user_keys WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    // `:` cannot occur in a username's key, so no one can register this one.
    query(
        "UPDATE users SET username = $1, username_key = $2, password_hash = '!', email = NULL, display_name = NULL,
                phone = NULL, email_verified_at = NULL, sms_opt_in = 0, deleted_at = $3, updated_at = $3
         WHERE id = $4",
    )
    .bind(&name)
    .bind(format!("deleted:{user_id}"))
    .bind(now.millis())
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    // Values not under the destroyed key are blanked; those under it stay as they are,
    // unreadable.
    query(
        "UPDATE orders SET
            address     = CASE WHEN SUBSTR(address, 1, 5) = 'enc2:' THEN address ELSE $1 END,
            invoice     = CASE WHEN invoice IS NULL OR SUBSTR(invoice, 1, 5) = 'enc2:' THEN invoice ELSE $1 END,
            guest_phone = CASE WHEN guest_phone IS NULL OR SUBSTR(guest_phone, 1, 5) = 'enc2:' THEN guest_phone ELSE $1 END,
            guest_email = NULL,
            note        = NULL,
            sms_opt_in  = 0,
            version     = version + 1
         WHERE user_id = $2",
    )
    .bind(ERASED)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    for sql in [
        "DELETE FROM addresses WHERE user_id = $1",
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM cart_lines WHERE user_id = $1",
        "DELETE FROM account_tokens WHERE user_id = $1",
        "DELETE FROM idempotency_keys WHERE user_id = $1",
        "UPDATE messages SET recipient = NULL, detail = NULL, secret = NULL,
                status = CASE WHEN status = 'pending' THEN 'skipped' ELSE status END, locked_until = NULL
         WHERE user_id = $1 OR order_id IN (SELECT o.id FROM orders o WHERE o.user_id = $1)",
        // What the customer typed about their returns (their reasons) may name them.
        "UPDATE returns SET reason = '(erased)' WHERE user_id = $1",
        "UPDATE return_events SET detail = NULL WHERE actor = 'user:' || CAST($1 AS TEXT)",
        "UPDATE payment_notifications SET body = NULL
         WHERE payment_id IN (SELECT p.id FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.user_id = $1)",
    ] {
        query(sql).bind(user_id).execute(&mut *conn).await?;
    }
    for sql in [
        "DELETE FROM known_login_addresses WHERE username_key = $1",
        "DELETE FROM login_attempts WHERE bucket = 'account:' || $1 OR SUBSTR(bucket, 1, LENGTH($1) + 6) = 'pair:' || $1 || '@'",
    ] {
        query(sql).bind(&old_key).execute(&mut *conn).await?;
    }
    query("UPDATE audit_log SET actor_name = $1 WHERE actor_id = $2")
        .bind(&name)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    audit.actor_id = Some(user_id);
    audit.actor_name = name;
    audit.entity_kind = "user".into();
    audit.entity_id = Some(user_id.to_string());
    record_in(conn, &audit).await?;
    Ok(Ok(()))
}
