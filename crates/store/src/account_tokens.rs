//! Single-use tokens sent by email: a password reset, or the proof that an address is
//! the account's. Only the token's SHA-256 is stored; it is taken by a conditional
//! update (unused, unexpired), so of two uses racing one wins, and using it revokes what
//! it must in the same transaction.

use emporium_domain::time::Timestamp;

use crate::accounts::{User, user_by_id};
use crate::db::{Conn, query, query_scalar};
use crate::guests::attach_guest_orders_in;
use crate::messages::{NewMessage, enqueue_in};
use crate::{Store, StoreError};

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Set a new password.
    PasswordReset,
    /// Prove an email address.
    VerifyEmail,
}

impl Purpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "password_reset",
            Purpose::VerifyEmail => "verify_email",
        }
    }
}

/// A token to issue, with the message that carries it.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// Whose.
    pub user_id: i64,
    /// What for.
    pub purpose: Purpose,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The address being proven (verification only).
    pub email: Option<String>,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// The message that carries it (its `secret` is the token).
    pub message: NewMessage,
}

/// A verified address.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The account, with its new address.
    pub user: User,
    /// Guest orders placed with the address that now belong to the account.
    pub attached_orders: u64,
}

impl Store {
    /// Issues a token and owes its message, in one transaction. The account's earlier
    /// unused tokens for the same purpose stop working: only the newest link does.
    pub async fn issue_token(&self, token: NewToken, now: Timestamp) -> Result<(), StoreError> {
        let sealer = self.sealer().clone();
        self.write(move |conn| {
            Box::pin(async move {
                retire_tokens_in(conn, token.user_id, token.purpose, now).await?;
                query(
                    "INSERT INTO account_tokens (user_id, purpose, token_hash, email, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(token.user_id)
                .bind(token.purpose.as_str())
                .bind(&token.token_hash)
                .bind(&token.email)
                .bind(now.millis())
                .bind(token.expires_at.millis())
                .execute(&mut *conn)
                .await?;
                enqueue_in(conn, &sealer, &token.message, now).await
            })
        })
        .await
    }

    /// Sets a new password with a reset token: the token is used up, and every session of
    /// the account ends (whoever had got in, and the owner's other devices, must log in
    /// again). [`StoreError::NotFound`]`("token")` for an unknown, used or expired token.
    pub async fn reset_password(
        &self,
        token_hash: String,
        password_hash: String,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let user_id = self
            .write(move |conn| {
                Box::pin(async move {
                    let user_id = take_token_in(conn, &token_hash, Purpose::PasswordReset, now).await?.0;
                    query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                        .bind(&password_hash)
                        .bind(now.millis())
                        .bind(user_id)
                        .execute(&mut *conn)
                        .await?;
                    query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&mut *conn)
                        .await?;
                    retire_tokens_in(conn, user_id, Purpose::PasswordReset, now).await?;
                    Ok(user_id)
                })
            })
            .await?;
        self.sessions.forget(|s| s.user.id == user_id);
        Ok(user_id)
    }

    /// Proves an address with its token: it becomes the account's (verified), and guest
    /// orders placed with it move to the account. [`StoreError::NotFound`]`("token")` for
    /// an unknown, used or expired token.
    pub async fn verify_email(&self, token_hash: String, now: Timestamp) -> Result<Verified, StoreError> {
        let sealer = self.sealer().clone();
        let verified = self
            .write(move |conn| {
                Box::pin(async move {
                    let (user_id, email) = take_token_in(conn, &token_hash, Purpose::VerifyEmail, now).await?;
                    let email =
                        email.ok_or_else(|| StoreError::Corrupt("a verification token without an address".into()))?;
                    query("UPDATE users SET email = $1, email_verified_at = $2, updated_at = $2 WHERE id = $3")
                        .bind(&email)
                        .bind(now.millis())
                        .bind(user_id)
                        .execute(&mut *conn)
                        .await?;
                    retire_tokens_in(conn, user_id, Purpose::VerifyEmail, now).await?;
                    let attached_orders = attach_guest_orders_in(conn, &sealer, user_id, &email, now).await?;
                    Ok(Verified {
                        user: user_by_id(conn, user_id, &sealer).await?,
                        attached_orders,
                    })
                })
            })
            .await?;
        self.sessions.forget(|s| s.user.id == verified.user.id);
        Ok(verified)
    }

    /// The address waiting for proof: that of the account's newest live verification
    /// token, if it differs from the account's address.
    pub async fn pending_email(&self, user_id: i64, now: Timestamp) -> Result<Option<String>, StoreError> {
        let email: Option<Option<String>> = query_scalar(
            "SELECT t.email FROM account_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.user_id = $1 AND t.purpose = 'verify_email' AND t.used_at IS NULL AND t.expires_at > $2
               AND (u.email IS NULL OR LOWER(u.email) <> LOWER(t.email) OR u.email_verified_at IS NULL)
             ORDER BY t.id DESC LIMIT 1",
        )
        .bind(user_id)
        .bind(now.millis())
        .fetch_optional(self.reader())
        .await?;
        Ok(email.flatten())
    }

    /// Sets the language an account's messages are written in.
    pub async fn set_locale(&self, user_id: i64, locale: &'static str) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                query("UPDATE users SET locale = $1 WHERE id = $2")
                    .bind(locale)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await?;
        self.sessions.forget(|s| s.user.id == user_id);
        Ok(())
    }
}

/// Uses a token up if it is unused and unexpired: answers its account and address.
async fn take_token_in(
    conn: &mut Conn,
    token_hash: &str,
    purpose: Purpose,
    now: Timestamp,
) -> Result<(i64, Option<String>), StoreError> {
    let row = query(
        "UPDATE account_tokens SET used_at = $1
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
         RETURNING user_id, email",
    )
    .bind(now.millis())
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("token"))?;
    Ok((row.try_get("user_id")?, row.try_get("email")?))
}

/// Ends every unused token of an account for one purpose.
async fn retire_tokens_in(conn: &mut Conn, user_id: i64, purpose: Purpose, now: Timestamp) -> Result<(), StoreError> {
    query("UPDATE account_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(now.millis())
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
