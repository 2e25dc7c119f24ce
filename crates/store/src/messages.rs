//! The outbox: messages owed to customers and staff, written inside the transaction of
//! the event that owes them (so none is lost and none is sent for a change that rolled
//! back), and claimed by the delivery job with a lease, like the job queue.
//!
//! An event is told once: each row's `event_key` names the event and its audience
//! (`order:12:paid`, `order:12:paid:staff`), and a second write of the same key is
//! ignored, so a duplicated notification or a retried transaction never owes two
//! messages.

use emporium_domain::message::{Audience, MessageKind};
use emporium_domain::time::Timestamp;

use crate::StoreError;
use crate::db::{Conn, query};
use crate::sealed::Sealer;

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
    let context = format!("messages/{}", message.event_key);
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
