//! The outbox as the delivery and the staff see it: messages read with their recipient
//! opened, claimed one at a time with a lease, finished under that lease, held when
//! nothing can send them, listed per order or customer, and resent.

use emporium_domain::message::{Channel, MessageKind, MessageStatus};
use emporium_domain::time::Timestamp;

use super::{NewMessage, enqueue_in, seal_context};
use crate::db::{Row, parse_column, query, query_scalar};
use crate::sealed::Sealer;
use crate::{Store, StoreError};

/// A message as the outbox keeps it, its recipient opened (the secret never leaves the
/// store except to the delivery that claims it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Row id.
    pub id: i64,
    /// The event and audience.
    pub event_key: String,
    /// What happened.
    pub kind: MessageKind,
    /// Email or SMS.
    pub channel: Channel,
    /// The customer it is about or for.
    pub user_id: Option<i64>,
    /// The order it is about.
    pub order_id: Option<i64>,
    /// A fixed address, when the event named one.
    pub recipient: Option<String>,
    /// `zh-CN` or `en`.
    pub locale: String,
    /// Facts of the event.
    pub detail: Option<String>,
    /// Whether a secret is still held (cleared once sent).
    pub holds_secret: bool,
    /// Where it stands.
    pub status: MessageStatus,
    /// Attempts made.
    pub attempts: i64,
    /// When it is (or was) next tried.
    pub next_attempt_at: Timestamp,
    /// Why the last attempt did not send it.
    pub last_error: Option<String>,
    /// Owed at.
    pub created_at: Timestamp,
    /// Handed to the server at.
    pub sent_at: Option<Timestamp>,
}

/// A message claimed for delivery, with its secret opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedMessage {
    /// The row.
    pub message: Message,
    /// The token its link carries.
    pub secret: Option<String>,
    /// The lease, which the delivery's [`Store::finish_message`] must still hold.
    pub lease_until: Timestamp,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Handed to the server (or provider).
    Sent,
    /// Not this time: try again at the given time.
    Retry(Timestamp, String),
    /// Given up after the last attempt.
    Failed(String),
    /// Nobody to send it to.
    Skipped(String),
}

/// The admin's list of messages: by order or by customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageFilter {
    /// About this order.
    Order(i64),
    /// For or about this customer (their account's messages and their orders').
    User(i64),
}

fn channel_of(row: &Row) -> Result<Channel, StoreError> {
    match row.try_get::<String, _>("channel")?.as_str() {
        "email" => Ok(Channel::Email),
        "sms" => Ok(Channel::Sms),
        other => Err(StoreError::Corrupt(format!("channel {other:?}"))),
    }
}

fn message_from(row: &Row, sealer: &Sealer) -> Result<(Message, Option<String>), StoreError> {
    let event_key: String = row.try_get("event_key")?;
    let context = seal_context(&event_key);
    let channel = channel_of(row)?;
    let secret = row.try_get::<Option<String>, _>("secret")?;
    let holds_secret = secret.is_some();
    let message = Message {
        id: row.try_get("id")?,
        kind: parse_column(row, "kind")?,
        channel,
        user_id: row.try_get("user_id")?,
        order_id: row.try_get("order_id")?,
        recipient: sealer.open_opt(&context, row.try_get("recipient")?)?,
        locale: row.try_get("locale")?,
        detail: row.try_get("detail")?,
        holds_secret,
        status: parse_column(row, "status")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: Timestamp::from_millis(row.try_get("next_attempt_at")?),
        last_error: row.try_get("last_error")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        sent_at: row.try_get::<Option<i64>, _>("sent_at")?.map(Timestamp::from_millis),
        event_key,
    };
    Ok((message, secret))
}

/// Why a held email was not sent once mail was configured: its single-use link was
/// forgotten when it was held.
pub const HELD_LINK_GONE: &str = "held without a mail server; its single-use link was not kept";
/// Why a held email was not sent once mail was configured: older than
/// `--mail-held-hours`.
pub const HELD_TOO_LONG: &str = "held without a mail server for too long to be sent";

/// What a claim writes on a message whose earlier claim's lease ran out without an
/// outcome (its instance stopped, or lost the database, mid-attempt): that attempt may
/// have reached the server.
pub const INTERRUPTED: &str = "an earlier attempt stopped without recording its outcome; it may have been delivered";
/// What a message sent right after such an interrupted attempt keeps saying: the person
/// may have it twice (with the same `Message-ID`).
pub const SENT_AFTER_INTERRUPTION: &str =
    "sent; an earlier attempt stopped without recording its outcome and may have been delivered too (same Message-ID)";

impl Store {
    /// The ids and channels of up to `limit` pending messages that are due and not
    /// leased, oldest first (each is then claimed with [`Store::claim_message`]). A read:
    /// a pass with nothing to send writes nothing.
    pub async fn due_messages(&self, now: Timestamp, limit: i64) -> Result<Vec<(i64, Channel)>, StoreError> {
        let rows = query(
            "SELECT id, channel FROM messages WHERE status = 'pending' AND next_attempt_at <= $1
               AND (locked_until IS NULL OR locked_until <= $1) ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, channel_of(row)?)))
            .collect()
    }

    /// Takes the lease on message `id` until `lease_until` if it is still pending, due
    /// and unleased: a conditional update, so of several instances (or two passes at
    /// once) exactly one gets it; a crashed instance's lease expires and another takes
    /// the message up.
    pub async fn claim_message(
        &self,
        id: i64,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<ClaimedMessage>, StoreError> {
        let row = self
            .write(move |conn| {
                Box::pin(async move {
                    // A lease still set here ran out without an outcome (`finish_message`
                    // clears it): say so, as that attempt may have been delivered.
                    Ok(query(
                        "UPDATE messages SET locked_until = $1,
                                last_error = CASE WHEN locked_until IS NULL THEN last_error ELSE $4 END
                         WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3
                           AND (locked_until IS NULL OR locked_until <= $3)
                         RETURNING *",
                    )
                    .bind(lease_until.millis())
                    .bind(id)
                    .bind(now.millis())
                    .bind(INTERRUPTED)
                    .fetch_optional(&mut *conn)
                    .await?)
                })
            })
            .await?;
        let Some(row) = row else { return Ok(None) };
        let (message, sealed_secret) = message_from(&row, self.sealer())?;
        let secret = self
            .sealer()
            .open_opt(&seal_context(&message.event_key), sealed_secret)?;
        Ok(Some(ClaimedMessage {
            message,
            secret,
            lease_until,
        }))
    }

    /// Records how a claimed message's attempt ended, if the claim still holds its lease
    /// (answers whether it did). Sending clears the secret: a sent link is never kept.
    pub async fn finish_message(
        &self,
        claimed: &ClaimedMessage,
        outcome: Delivered,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let (id, lease) = (claimed.message.id, claimed.lease_until.millis());
        let interrupted = claimed.message.last_error.as_deref() == Some(INTERRUPTED);
        // A buyer's paid notice owes staff's "new order" once it has been tried.
        let staff_order = claimed
            .message
            .order_id
            .filter(|_| claimed.message.kind == MessageKind::OrderPaid);
        self.write(move |conn| {
            Box::pin(async move {
                let (status, next, error) = match &outcome {
                    Delivered::Sent => (
                        MessageStatus::Sent,
                        None,
                        interrupted.then_some(SENT_AFTER_INTERRUPTION),
                    ),
                    Delivered::Retry(at, error) => (MessageStatus::Pending, Some(at.millis()), Some(error.as_str())),
                    Delivered::Failed(error) => (MessageStatus::Failed, None, Some(error.as_str())),
                    Delivered::Skipped(why) => (MessageStatus::Skipped, None, Some(why.as_str())),
                };
                let done = query(
                    "UPDATE messages SET status = $1, attempts = attempts + 1, locked_until = NULL, last_error = $2,
                            next_attempt_at = COALESCE($3, next_attempt_at),
                            sent_at = CASE WHEN $1 = 'sent' THEN $4 ELSE sent_at END,
                            secret = CASE WHEN $1 = 'pending' THEN secret ELSE NULL END
                     WHERE id = $5 AND status = 'pending' AND locked_until = $6",
                )
                .bind(status.as_str())
                .bind(error)
                .bind(next)
                .bind(now.millis())
                .bind(id)
                .bind(lease)
                .execute(&mut *conn)
                .await?;
                let done = done.rows_affected() == 1;
                if done && let Some(order_id) = staff_order {
                    super::owe_staff_new_order_in(conn, order_id, now).await?;
                }
                Ok(done)
            })
        })
        .await
    }

    /// Keeps every pending message of `channel` unsent, as `held` with `reason`: nothing
    /// is configured to send them. One statement, so a shop without a mail server pays
    /// one write per pass, not one per message.
    pub async fn hold_messages(&self, channel: Channel, reason: &str, now: Timestamp) -> Result<u64, StoreError> {
        let reason = reason.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                let held = query(
                    "UPDATE messages SET status = 'held', last_error = $1, secret = NULL
                     WHERE status = 'pending' AND channel = $2 AND next_attempt_at <= $3
                       AND (locked_until IS NULL OR locked_until <= $3)",
                )
                .bind(&reason)
                .bind(channel.as_str())
                .bind(now.millis())
                .execute(&mut *conn)
                .await?;
                Ok(held.rows_affected())
            })
        })
        .await
    }

    /// Whether any email is `held` (index `messages_held`). A read, so a pass of an
    /// instance that has a mail server, with nothing held, writes nothing.
    pub async fn any_held_email(&self) -> Result<bool, StoreError> {
        let held: Option<i64> =
            query_scalar("SELECT id FROM messages WHERE status = 'held' AND channel = 'email' LIMIT 1")
                .fetch_optional(self.reader())
                .await?;
        Ok(held.is_some())
    }

    /// A mail server is configured now: every held email written at or after `since`
    /// that carries no single-use link is made `pending` and due at `now` (the delivery
    /// then claims each with its lease, as any other, so it goes out once whichever
    /// instance releases it, and two releases at once release it once); every other held
    /// email is `skipped`, saying why. One transaction; answers (released, skipped).
    ///
    /// A held message of a kind with a link ([`MessageKind::carries_secret`]) lost its
    /// token when it was held, and the token's validity (30 minutes for a reset) is long
    /// past or would be by the time anyone read it: the person asks again.
    pub async fn release_held_emails(&self, since: Timestamp, now: Timestamp) -> Result<(u64, u64), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                // The kinds spelled here are those `MessageKind::carries_secret` names
                // (a unit test below holds them together).
                let released = query(
                    "UPDATE messages SET status = 'pending', next_attempt_at = $1, last_error = NULL, locked_until = NULL
                     WHERE status = 'held' AND channel = 'email' AND created_at >= $2
                       AND kind NOT IN ('password_reset', 'verify_email')",
                )
                .bind(now.millis())
                .bind(since.millis())
                .execute(&mut *conn)
                .await?;
                let skipped = query(
                    "UPDATE messages SET status = 'skipped', last_error = CASE
                            WHEN kind IN ('password_reset', 'verify_email') THEN $1 ELSE $2 END
                     WHERE status = 'held' AND channel = 'email'",
                )
                .bind(HELD_LINK_GONE)
                .bind(HELD_TOO_LONG)
                .execute(&mut *conn)
                .await?;
                Ok((released.rows_affected(), skipped.rows_affected()))
            })
        })
        .await
    }

    /// Messages about an order or a customer, newest first (at most `limit`).
    pub async fn messages(&self, filter: MessageFilter, limit: i64) -> Result<Vec<Message>, StoreError> {
        let (sql, id) = match filter {
            MessageFilter::Order(id) => (
                "SELECT * FROM messages WHERE order_id = $1 ORDER BY id DESC LIMIT $2",
                id,
            ),
            MessageFilter::User(id) => (
                "SELECT * FROM messages WHERE (order_id IS NULL AND user_id = $1)
                    OR order_id IN (SELECT o.id FROM orders o WHERE o.user_id = $1)
                 ORDER BY id DESC LIMIT $2",
                id,
            ),
        };
        let rows = query(sql).bind(id).bind(limit).fetch_all(self.reader()).await?;
        rows.iter().map(|r| Ok(message_from(r, self.sealer())?.0)).collect()
    }

    /// One message.
    pub async fn message(&self, id: i64) -> Result<Option<Message>, StoreError> {
        let row = query("SELECT * FROM messages WHERE id = $1")
            .bind(id)
            .fetch_optional(self.point())
            .await?;
        row.map(|r| Ok(message_from(&r, self.sealer())?.0)).transpose()
    }

    /// Owes a message again as a new row keyed `<original key>:resend:<n>` (the row
    /// itself keeps its history); answers the new row. Messages that carry a secret are
    /// refused by the caller: the person asks for a new link instead.
    pub async fn resend_message(&self, id: i64, now: Timestamp) -> Result<Message, StoreError> {
        let sealer = self.sealer().clone();
        let new_id = self
            .write(move |conn| {
                Box::pin(async move {
                    let row = query("SELECT * FROM messages WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or(StoreError::NotFound("message"))?;
                    let (original, _) = message_from(&row, &sealer)?;
                    let base = original
                        .event_key
                        .split(":resend:")
                        .next()
                        .unwrap_or(&original.event_key)
                        .to_owned();
                    // The writer serialises resends on SQLite, and on PostgreSQL the
                    // unique key makes the second of two concurrent ones fail and retry.
                    let copies: i64 = query_scalar(
                        "SELECT CAST(COUNT(*) AS BIGINT) FROM messages WHERE event_key LIKE $1 || ':resend:%'",
                    )
                    .bind(&base)
                    .fetch_one(&mut *conn)
                    .await?;
                    let copy = NewMessage {
                        event_key: format!("{base}:resend:{}", copies + 1),
                        kind: original.kind,
                        user_id: original.user_id,
                        order_id: original.order_id,
                        recipient: original.recipient,
                        detail: original.detail,
                        secret: None,
                    };
                    enqueue_in(conn, &sealer, &copy, now).await?;
                    Ok(query_scalar::<i64>("SELECT id FROM messages WHERE event_key = $1")
                        .bind(&copy.event_key)
                        .fetch_one(&mut *conn)
                        .await?)
                })
            })
            .await?;
        self.message(new_id).await?.ok_or(StoreError::NotFound("message"))
    }

    /// Where the customer of a message can be written to now: the guest order's address,
    /// else the account's (`None`: nowhere).
    pub async fn customer_email(
        &self,
        user_id: Option<i64>,
        order_id: Option<i64>,
    ) -> Result<Option<String>, StoreError> {
        let email: Option<Option<String>> = query_scalar(
            "SELECT COALESCE((SELECT o.guest_email FROM orders o WHERE o.id = $2),
                             (SELECT u.email FROM users u
                              WHERE u.id = COALESCE($1, (SELECT o.user_id FROM orders o WHERE o.id = $2))))",
        )
        .bind(user_id)
        .bind(order_id)
        .fetch_optional(self.point())
        .await?;
        Ok(email.flatten().filter(|e| !e.trim().is_empty()))
    }

    /// Every staff account's email address, for the staff messages.
    pub async fn staff_emails(&self) -> Result<Vec<String>, StoreError> {
        let emails: Vec<String> = query_scalar(
            "SELECT email FROM users WHERE role = 'staff' AND email IS NOT NULL AND email <> '' ORDER BY id",
        )
        .fetch_all(self.reader())
        .await?;
        Ok(emails)
    }
}

#[cfg(test)]
mod tests {
    use emporium_domain::message::MessageKind;

    /// `release_held_emails` spells the kinds that carry a link in its SQL.
    #[test]
    fn the_release_names_the_kinds_that_carry_a_link() {
        let kinds: Vec<&str> = MessageKind::ALL
            .into_iter()
            .filter(|k| k.carries_secret())
            .map(MessageKind::as_str)
            .collect();
        assert_eq!(kinds, ["password_reset", "verify_email"]);
    }
}
