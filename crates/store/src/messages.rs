//! The outbox: messages owed to customers and staff, written inside the transaction of
//! the event that owes them (so none is lost and none is sent for a change that rolled
//! back), and claimed by the delivery job with a lease, like the job queue.
//!
//! An event is told once: each row's `event_key` names the event and its audience
//! (`order:12:paid`, `order:12:paid:staff`), and a second write of the same key is
//! ignored, so a duplicated notification or a retried transaction never owes two
//! messages. (Staff's notice of a paid order is owed from the buyer's paid notice when
//! its attempt is recorded, not by the payment: `owe_staff_new_order_in`.)

mod outbox;

use emporium_domain::message::{Audience, MessageKind};
use emporium_domain::time::Timestamp;

use crate::StoreError;
use crate::db::{Conn, query, query_scalar};
use crate::sealed::Sealer;

pub use outbox::{
    ClaimedMessage, Delivered, HELD_LINK_GONE, HELD_TOO_LONG, INTERRUPTED, Message, MessageFilter,
    SENT_AFTER_INTERRUPTION,
};

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

/// Why an email is kept unsent: no mail server is configured.
pub const NO_MAIL_SERVER: &str = "no mail server configured";

/// The setting that says whether emails can leave (`on`), written by every instance at
/// start from its mail settings (`Store::set_mail_configured`). Without it an email
/// that carries no link is written `held` at once, so a shop without mail pays one
/// INSERT per message and never a second write to hold it.
const MAIL_SETTING: &str = "outbox_email";

impl crate::Store {
    /// Records whether this shop can send email (the `outbox_email` setting): the instances of
    /// a shop share one mail configuration.
    pub async fn set_mail_configured(&self, on: bool) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(MAIL_SETTING)
                    .bind(if on { "on" } else { "off" })
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}

async fn insert_in(
    conn: &mut Conn,
    message: &NewMessage,
    recipient: Option<String>,
    secret: Option<String>,
    now: Timestamp,
) -> Result<(), StoreError> {
    // A message with a link (`secret`) stays pending even so: the delivery pass holds it
    // and forgets the link.
    query(
        "INSERT INTO messages (event_key, kind, channel, user_id, order_id, recipient, locale, detail, secret, status,
                               last_error, next_attempt_at, created_at)
         SELECT $1, $2, $3, $4, $5, $6,
                COALESCE((SELECT u.locale FROM users u
                          WHERE $9 = 0 AND u.id = COALESCE($4, (SELECT o.user_id FROM orders o WHERE o.id = $5))),
                         'zh-CN'),
                $7, $8,
                CASE WHEN h.held = 1 THEN 'held' ELSE 'pending' END,
                CASE WHEN h.held = 1 THEN $11 END,
                $10, $10
         FROM (SELECT CASE WHEN $3 = 'email' AND $8 IS NULL
                            AND NOT EXISTS (SELECT 1 FROM settings WHERE key = $12 AND value = 'on')
                       THEN 1 ELSE 0 END AS held) h
         WHERE 1 = 1
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
    .bind(NO_MAIL_SERVER)
    .bind(MAIL_SETTING)
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
        // One row on the payment's path: staff's "new order to ship" is owed from it by
        // the delivery ([`owe_staff_new_order_in`]), not by the payment.
        OrderStatus::Paid => {
            owe_in(
                conn,
                &NewMessage::about_order(MessageKind::OrderPaid, order_id, "paid"),
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

/// Owes staff's "new order to ship" for a paid order (`order:<id>:paid:staff`), from its
/// buyer's paid notice: called in the transaction that records the outcome of that
/// notice's first (and every) attempt, sent or not, so the payment's transaction writes
/// one message row rather than two (SQLite's one writer is what a checkout waits for).
/// Nothing is lost by it: the paid notice is owed with the payment and stays pending
/// until an attempt's outcome is recorded, which owes this in the same transaction; the
/// key makes a second call (a retry, a resend of the paid notice) owe nothing more. A
/// paid notice never attempted (held without a mail server, then too old to send) owes
/// staff nothing either. `emporium check` verifies that every attempted paid notice has
/// its staff notice.
pub(crate) async fn owe_staff_new_order_in(conn: &mut Conn, order_id: i64, now: Timestamp) -> Result<(), StoreError> {
    owe_in(
        conn,
        &NewMessage::about_order(MessageKind::StaffNewOrder, order_id, "paid:staff"),
        now,
    )
    .await
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

/// What a return's step owes: `requested` (to staff), `approved` or `rejected` (to the
/// customer). The detail is the return's id. (Receiving it opens a refund, which owes
/// the refund's own messages.)
pub(crate) async fn owe_for_return_in(
    conn: &mut Conn,
    return_id: i64,
    order_id: i64,
    kind: MessageKind,
    now: Timestamp,
) -> Result<(), StoreError> {
    let step = match kind {
        MessageKind::StaffReturnRequested => "requested:staff",
        MessageKind::ReturnApproved => "approved",
        _ => "rejected",
    };
    let message = NewMessage {
        event_key: format!("return:{return_id}:{step}"),
        detail: Some(return_id.to_string()),
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
