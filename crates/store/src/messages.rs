//! The outbox: messages owed to customers and staff, written inside the transaction of
//! the event that owes them (so none is lost and none is sent for a change that rolled
//! back), and claimed by the delivery job with a lease, like the job queue.
//!
//! An event is told once: each row's `event_key` names the event and its audience
//! (`order:12:paid`, `order:12:paid:staff`), and a second write of the same key is
//! ignored, so a duplicated notification or a retried transaction never owes two
//! messages.

use emporium_domain::message::{Audience, Channel, MessageKind, MessageStatus};
use emporium_domain::time::Timestamp;

use crate::db::{Conn, Row, parse_column, query, query_scalar};
use crate::sealed::Sealer;
use crate::{Store, StoreError};

/// Attempts at one message before it is marked `failed` (with
/// `emporium_payments::retry_delay`'s schedule, the last is about three hours after the
/// first). `emporium check` flags a pending message past it (its query spells the number:
/// change both together).
pub const MAX_ATTEMPTS: i64 = 15;

/// A message to owe, inside another operation's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The event and audience, unique: a second message with the same key is dropped.
    pub event_key: String,
    /// What happened.
    pub kind: MessageKind,
    /// The customer it is about or for.
    pub user_id: Option<i64>,
    /// The order it is about.
    pub order_id: Option<i64>,
    /// A fixed address (an email being verified); `None` sends to the user's (or guest
    /// order's) address as it is at delivery.
    pub recipient: Option<String>,
    /// Facts of the event the template needs (a tracking status, a refund id…).
    pub detail: Option<String>,
    /// A token the message carries in a link; stored sealed, cleared once sent.
    pub secret: Option<String>,
}

impl NewMessage {
    /// A message of `kind` about order `order_id`, keyed `order:<id>:<suffix>`.
    pub fn about_order(kind: MessageKind, order_id: i64, suffix: &str) -> Self {
        Self {
            event_key: format!("order:{order_id}:{suffix}"),
            kind,
            user_id: None,
            order_id: Some(order_id),
            recipient: None,
            detail: None,
            secret: None,
        }
    }
}

/// Owes `message` (nothing when its event was told already). The language is the
/// account's (the order's owner when no user is named; Chinese for staff).
pub async fn enqueue_in(
    conn: &mut Conn,
    sealer: &Sealer,
    message: &NewMessage,
    now: Timestamp,
) -> Result<(), StoreError> {
    let context = seal_context(&message.event_key);
    let recipient = message
        .recipient
        .as_deref()
        .map(|r| sealer.seal(&context, r))
        .transpose()?;
    let secret = message
        .secret
        .as_deref()
        .map(|s| sealer.seal(&context, s))
        .transpose()?;
    insert_in(conn, message, recipient, secret, now).await
}

/// Owes a message that names no address and carries no secret (the store's own events:
/// orders, refunds, stock), so nothing needs sealing; one INSERT on the event's path.
pub(crate) async fn owe_in(conn: &mut Conn, message: &NewMessage, now: Timestamp) -> Result<(), StoreError> {
    debug_assert!(
        message.recipient.is_none() && message.secret.is_none(),
        "owe_in does not seal"
    );
    insert_in(conn, message, None, None, now).await
}

/// The sealing context of a message's recipient and secret: its event key, so a sealed
/// value cannot be moved to another row.
fn seal_context(event_key: &str) -> String {
    format!("messages/{event_key}")
}

async fn insert_in(
    conn: &mut Conn,
    message: &NewMessage,
    recipient: Option<String>,
    secret: Option<String>,
    now: Timestamp,
) -> Result<(), StoreError> {
    query(
        "INSERT INTO messages (event_key, kind, channel, user_id, order_id, recipient, locale, detail, secret, status,
                               next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6,
                 COALESCE((SELECT u.locale FROM users u
                           WHERE $9 = 0 AND u.id = COALESCE($4, (SELECT o.user_id FROM orders o WHERE o.id = $5))),
                          'zh-CN'),
                 $7, $8, 'pending', $10, $10)
         ON CONFLICT (event_key) DO NOTHING",
    )
    .bind(&message.event_key)
    .bind(message.kind.as_str())
    .bind(message.kind.channel().as_str())
    .bind(message.user_id)
    .bind(message.order_id)
    .bind(&recipient)
    .bind(&message.detail)
    .bind(&secret)
    .bind(i64::from(message.kind.audience() == Audience::Staff))
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What an order's move owes its customer (and staff), inside the move's transaction:
/// called by `orders::move_order` for every move, so each way of getting there (a
/// notification, the reconciler, staff, the buyer, the jobs) tells alike.
pub(crate) async fn owe_for_move_in(
    conn: &mut Conn,
    order_id: i64,
    to: emporium_domain::order::OrderStatus,
    now: Timestamp,
) -> Result<(), StoreError> {
    use emporium_domain::order::OrderStatus;
    match to {
        OrderStatus::Paid => {
            owe_in(
                conn,
                &NewMessage::about_order(MessageKind::OrderPaid, order_id, "paid"),
                now,
            )
            .await?;
            owe_in(
                conn,
                &NewMessage::about_order(MessageKind::StaffNewOrder, order_id, "paid:staff"),
                now,
            )
            .await
        }
        OrderStatus::Shipped => {
            owe_in(
                conn,
                &NewMessage::about_order(MessageKind::OrderShipped, order_id, "shipped"),
                now,
            )
            .await?;
            let opted_in: i64 = query_scalar("SELECT sms_opt_in FROM orders WHERE id = $1")
                .bind(order_id)
                .fetch_one(&mut *conn)
                .await?;
            if opted_in == 1 {
                let sms = NewMessage::about_order(MessageKind::OrderShippedSms, order_id, "shipped:sms");
                owe_in(conn, &sms, now).await?;
            }
            Ok(())
        }
        OrderStatus::Received => {
            owe_in(
                conn,
                &NewMessage::about_order(MessageKind::OrderReceived, order_id, "received"),
                now,
            )
            .await
        }
        OrderStatus::Cancelled => {
            owe_in(
                conn,
                &NewMessage::about_order(MessageKind::OrderCancelled, order_id, "cancelled"),
                now,
            )
            .await
        }
        // Paid back in full: the refund's own message says so.
        OrderStatus::Refunded | OrderStatus::PendingPayment => Ok(()),
    }
}

/// The tracking statuses worth a message; carriers' other words (`in_transit`, …) are
/// only shown on the order page.
pub const TOLD_TRACKING: [&str; 2] = ["out_for_delivery", "delivered"];

/// What a refund's step owes: `step` is `requested` (to staff), `approved`, `rejected`
/// or `paid` (to the customer). The detail is the refund's id.
pub(crate) async fn owe_for_refund_in(
    conn: &mut Conn,
    refund_id: i64,
    order_id: i64,
    kind: MessageKind,
    now: Timestamp,
) -> Result<(), StoreError> {
    let step = match kind {
        MessageKind::StaffRefundRequested => "requested:staff",
        MessageKind::RefundApproved => "approved",
        MessageKind::RefundRejected => "rejected",
        _ => "paid",
    };
    let message = NewMessage {
        event_key: format!("refund:{refund_id}:{step}"),
        detail: Some(refund_id.to_string()),
        ..NewMessage::about_order(kind, order_id, step)
    };
    owe_in(conn, &message, now).await
}

/// The facts of a low-stock message (its `detail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowStock {
    /// The product.
    pub product_id: i64,
    /// Its variant that ran low.
    pub variant_id: i64,
    /// Units available after the draw that crossed the threshold.
    pub available: i64,
    /// The variant's threshold.
    pub threshold: i64,
}

impl LowStock {
    /// As stored in `messages.detail`.
    pub fn encode(&self) -> String {
        format!(
            "product={} variant={} available={} threshold={}",
            self.product_id, self.variant_id, self.available, self.threshold
        )
    }

    /// Reads [`LowStock::encode`]'s text back.
    pub fn decode(detail: &str) -> Option<Self> {
        let mut fields = detail.split(' ').map(|pair| pair.split_once('='));
        let mut next = |name: &str| match fields.next()? {
            Some((key, value)) if key == name => value.parse().ok(),
            _ => None,
        };
        Some(Self {
            product_id: next("product")?,
            variant_id: next("variant")?,
            available: next("available")?,
            threshold: next("threshold")?,
        })
    }
}

/// Owes staff a low-stock message when a draw of `drawn` units took a variant from above
/// its threshold to at or below it. Keyed by the draw's reference, which is unique: each
/// crossing is told once, and the next crossing (after a restock) again.
pub(crate) async fn owe_low_stock_in(
    conn: &mut Conn,
    facts: LowStock,
    drawn: i64,
    reference: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    if facts.threshold == 0 || facts.available > facts.threshold || facts.available + drawn <= facts.threshold {
        return Ok(());
    }
    let message = NewMessage {
        event_key: format!("variant:{}:low:{reference}", facts.variant_id),
        kind: MessageKind::StaffLowStock,
        user_id: None,
        order_id: None,
        recipient: None,
        detail: Some(facts.encode()),
        secret: None,
    };
    owe_in(conn, &message, now).await
}

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
                    Ok(query(
                        "UPDATE messages SET locked_until = $1
                         WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3
                           AND (locked_until IS NULL OR locked_until <= $3)
                         RETURNING *",
                    )
                    .bind(lease_until.millis())
                    .bind(id)
                    .bind(now.millis())
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
        self.write(move |conn| {
            Box::pin(async move {
                let (status, next, error) = match &outcome {
                    Delivered::Sent => (MessageStatus::Sent, None, None),
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
                Ok(done.rows_affected() == 1)
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

    /// Messages about an order or a customer, newest first (at most `limit`).
    pub async fn messages(&self, filter: MessageFilter, limit: i64) -> Result<Vec<Message>, StoreError> {
        let (sql, id) = match filter {
            MessageFilter::Order(id) => (
                "SELECT * FROM messages WHERE order_id = $1 ORDER BY id DESC LIMIT $2",
                id,
            ),
            MessageFilter::User(id) => (
                "SELECT * FROM messages WHERE user_id = $1
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
