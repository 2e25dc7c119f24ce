//! Delivering the outbox: the messages the store owes in each event's transaction
//! (`store/src/messages.rs`) are claimed here by the jobs runner, addressed, written
//! ([`mod@render`]) and sent by email ([`mail`]) or text message ([`sms`]); and the staff's
//! use cases over them (the log per order and customer, resend).
//!
//! Exactly once, as far as SMTP allows: each message is claimed with a lease by a
//! conditional update just before it is sent (of several instances, or two passes at
//! once, one gets it), its whole attempt is cut off at `ATTEMPT_BUDGET` (40 s, inside the
//! 60 s lease: no one else takes it up while it may still be on its way), and the
//! outcome is recorded only while the lease is held. The window left is a crash (or a
//! lost database) after the server accepted a message and before `sent` was written:
//! the lease then expires and the message goes again, with the same `Message-ID`
//! (`<message-<id>@<public host>>`), which mail clients and many servers use to drop the
//! repeat; the claim that finds the old lease notes it on the row
//! ([`emporium_store::messages::INTERRUPTED`]), so the admin's log says the person may
//! have it twice.

pub mod mail;
pub mod render;
pub mod sms;

use std::sync::Arc;
use std::time::Duration;

use emporium_domain::FieldError;
use emporium_domain::locale::Locale;
use emporium_domain::message::{Audience, Channel, MessageKind};
use emporium_payments::retry_delay;
use emporium_store::StoreError;
use emporium_store::messages::{ClaimedMessage, Delivered, LowStock, MAX_ATTEMPTS, Message, MessageFilter};
use emporium_store::order_read::Order;

use crate::state::AppState;
use crate::{AppError, AppResult};
use mail::{Email, MailError, Mailer};
use render::{Facts, render, sms_text};
use sms::{LogSms, SmsSender, WebhookSms};

/// What a held message says in the admin.
pub use emporium_store::messages::NO_MAIL_SERVER;
/// How long a claimed message stays locked: longer than any one attempt may take.
const LEASE: Duration = Duration::from_secs(60);
/// The most one attempt may take, all told (reading its facts, connecting, each SMTP
/// command, or the SMS webhook), leaving the lease time to record the outcome. The SMTP
/// timeout bounds each read and write, not their sum: without this, a server that
/// answers slowly enough could keep an attempt going past its lease, and another
/// instance would send the message again while the first still was.
const ATTEMPT_BUDGET: Duration = Duration::from_secs(40);
/// Messages one pass takes on at most (the next pass continues).
const BATCH: i64 = 100;
/// Messages the admin log shows.
const LOG_LIMIT: i64 = 200;
/// How young a held email must be to go out once mail is configured, unless the shop
/// says otherwise (`--mail-held-hours`): an order's news of the last day is still worth
/// telling; last month's is not.
pub const DEFAULT_HELD_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// How messages leave: the mail server (none when `EMPORIUM_SMTP_URL` is unset) and the
/// SMS sender (log-only unless `EMPORIUM_SMS_URL` is set).
#[derive(Debug)]
pub struct Outbox {
    mailer: Option<Mailer>,
    sms: Arc<dyn SmsSender>,
    /// The public URL's host, for `Message-ID`s and the SMTP greeting.
    host: String,
}

impl Outbox {
    /// The outbox `config` describes.
    pub fn from_config(config: &crate::AppConfig) -> Result<Self, String> {
        let host = url::Url::parse(&config.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".to_owned());
        let mailer = config.mail.as_ref().map(|m| Mailer::new(m, &host)).transpose()?;
        let sms: Arc<dyn SmsSender> = match &config.sms {
            Some(c) => Arc::new(WebhookSms::new(c.clone())?),
            None => Arc::new(LogSms),
        };
        Ok(Self { mailer, sms, host })
    }

    /// Whether a mail server is configured.
    pub fn can_mail(&self) -> bool {
        self.mailer.is_some()
    }
}

/// What one delivery pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Handed to the mail server or SMS sender.
    pub sent: usize,
    /// Scheduled again after a failed attempt.
    pub retried: usize,
    /// Given up after the last attempt.
    pub failed: usize,
    /// Nobody to send them to.
    pub skipped: usize,
    /// Kept unsent: no mail server.
    pub held: usize,
    /// Held ones made due again: a mail server is configured now.
    pub released: u64,
    /// Held ones given up once a mail server is configured: too old, or their link is gone.
    pub dropped: u64,
}

/// Delivers the messages that are due (called by `jobs::run_due` on every instance).
pub async fn deliver_due(state: &AppState) -> Result<DeliveryReport, StoreError> {
    let now = state.now();
    let mut report = DeliveryReport::default();
    if state.outbox().can_mail() {
        (report.released, report.dropped) = release_held(state, now).await?;
    }
    let mut due = state.store().due_messages(now, BATCH).await?;
    if !state.outbox().can_mail() && due.iter().any(|(_, c)| *c == Channel::Email) {
        let held = state.store().hold_messages(Channel::Email, NO_MAIL_SERVER, now).await?;
        report.held = usize::try_from(held).unwrap_or(usize::MAX);
        due.retain(|(_, c)| *c != Channel::Email);
    }
    for (id, _) in due {
        // Claimed one at a time, just before its attempt, so no lease runs out while
        // earlier messages of the batch are being sent.
        let now = state.now();
        let Some(claimed) = state.store().claim_message(id, now, now.plus(LEASE)).await? else {
            continue;
        };
        let outcome = match tokio::time::timeout(ATTEMPT_BUDGET, attempt(state, &claimed)).await {
            Ok(outcome) => outcome,
            // Abandoned mid-way: the server may have taken it (a repeat carries the same
            // Message-ID), or not; tried again like any failure.
            Err(_) => retry_or_fail(
                state,
                &claimed.message,
                format!(
                    "the attempt took longer than {} s and was abandoned",
                    ATTEMPT_BUDGET.as_secs()
                ),
            ),
        };
        match &outcome {
            Delivered::Sent => report.sent += 1,
            Delivered::Retry(..) => report.retried += 1,
            Delivered::Failed(_) => report.failed += 1,
            Delivered::Skipped(_) => report.skipped += 1,
        }
        let message = &claimed.message;
        if let Delivered::Retry(_, error) | Delivered::Failed(error) = &outcome {
            tracing::warn!(message.id = message.id, message.kind = message.kind.as_str(), attempts = message.attempts + 1, %error, "message not sent");
        }
        if !state.store().finish_message(&claimed, outcome, state.now()).await? {
            tracing::warn!(
                message.id = message.id,
                "message's lease ran out before its outcome was recorded"
            );
        }
    }
    Ok(report)
}

/// Emails held while the shop had no mail server, now that it has one: those at most
/// `mail_held_max_age` old that carry no single-use link become due (and go out in this
/// pass, each claimed with its lease like any other); the rest are `skipped`, saying why.
/// Asked with a read first, so a pass with nothing held writes nothing.
async fn release_held(state: &AppState, now: emporium_domain::time::Timestamp) -> Result<(u64, u64), StoreError> {
    if !state.store().any_held_email().await? {
        return Ok((0, 0));
    }
    let age = state.config().mail_held_max_age;
    // Zero: none is young enough (not even one held this very millisecond).
    let since = if age.is_zero() {
        now.plus(Duration::from_millis(1))
    } else {
        now.minus(age)
    };
    let (released, dropped) = state.store().release_held_emails(since, now).await?;
    if released > 0 || dropped > 0 {
        tracing::info!(
            released,
            dropped,
            "held emails released now that a mail server is configured"
        );
    }
    Ok((released, dropped))
}

/// A failed attempt's outcome: tried again with backoff, or given up after the last.
fn retry_or_fail(state: &AppState, message: &Message, error: String) -> Delivered {
    let attempt = u32::try_from(message.attempts + 1).unwrap_or(u32::MAX);
    match retry_delay(attempt).filter(|_| message.attempts + 1 < MAX_ATTEMPTS) {
        Some(delay) => Delivered::Retry(state.now().plus(delay), error),
        None => Delivered::Failed(error),
    }
}

/// One attempt at a claimed message.
async fn attempt(state: &AppState, claimed: &ClaimedMessage) -> Delivered {
    let message = &claimed.message;
    let retry_or_fail = |error: String| retry_or_fail(state, message, error);
    let gathered = match gather(state, message).await {
        Ok(g) => g,
        Err(e) => return retry_or_fail(format!("reading the message's facts: {e}")),
    };
    let order_link = gathered.order.as_ref().map(|o| order_link(state, o));
    let facts = Facts {
        kind: message.kind,
        locale: Locale::parse(&message.locale).unwrap_or(Locale::ZhCn),
        shop_name: &state.config().shop_name,
        public_url: state.config().public_url.trim_end_matches('/'),
        order: gathered.order.as_ref(),
        order_link: order_link.as_deref(),
        refund: gathered.refund.as_ref(),
        ret: gathered.ret.as_ref(),
        milestone: message
            .detail
            .as_deref()
            .filter(|_| message.kind == MessageKind::TrackingUpdate),
        low_stock: gathered.low_stock.as_ref().map(|(l, name)| (*l, name.as_str())),
        secret: claimed.secret.as_deref(),
    };
    let id = format!("message-{}@{}", message.id, state.outbox().host);
    match message.channel {
        Channel::Sms => {
            let Some(phone) = gathered
                .order
                .as_ref()
                .map(|o| o.address.phone.clone())
                .filter(|p| !p.trim().is_empty())
            else {
                return Delivered::Skipped("no phone number".into());
            };
            match state.outbox().sms.send(&id, &phone, &sms_text(&facts)).await {
                Ok(()) => Delivered::Sent,
                Err(e) => retry_or_fail(e),
            }
        }
        Channel::Email => {
            let Some(mailer) = &state.outbox().mailer else {
                // Not reached: without a mail server `deliver_due` holds emails before
                // claiming any. Should that change, the message waits rather than is lost.
                return Delivered::Retry(state.now().plus(LEASE), NO_MAIL_SERVER.into());
            };
            let to = match recipients(state, message).await {
                Ok(to) if to.is_empty() => return Delivered::Skipped("no email address".into()),
                Ok(to) => to,
                Err(e) => return retry_or_fail(format!("finding the address: {e}")),
            };
            let rendered = render(&facts);
            let email = Email {
                to,
                message_id: id,
                subject: rendered.subject,
                text: rendered.text,
                html: rendered.html,
            };
            match mailer.send(&email).await {
                Ok(()) => Delivered::Sent,
                Err(MailError::BadAddress(e)) => Delivered::Skipped(e),
                Err(MailError::Server(e)) => retry_or_fail(e),
            }
        }
    }
}

/// What a message is about, read at delivery (so it says how things are now).
#[derive(Debug, Default)]
struct Gathered {
    order: Option<Order>,
    refund: Option<emporium_store::refunds::Refund>,
    ret: Option<emporium_store::returns::Return>,
    low_stock: Option<(LowStock, String)>,
}

async fn gather(state: &AppState, message: &Message) -> Result<Gathered, StoreError> {
    let store = state.store();
    let mut gathered = Gathered::default();
    if let Some(order_id) = message.order_id {
        gathered.order = store.order(order_id).await?;
    }
    let refund_kinds = [
        MessageKind::RefundApproved,
        MessageKind::RefundRejected,
        MessageKind::RefundPaid,
        MessageKind::StaffRefundRequested,
    ];
    if refund_kinds.contains(&message.kind)
        && let Some(id) = message.detail.as_deref().and_then(|d| d.parse().ok())
    {
        gathered.refund = store.refund(id).await?;
    }
    let return_kinds = [
        MessageKind::ReturnApproved,
        MessageKind::ReturnRejected,
        MessageKind::StaffReturnRequested,
    ];
    if return_kinds.contains(&message.kind)
        && let Some(id) = message.detail.as_deref().and_then(|d| d.parse().ok())
    {
        gathered.ret = store.find_return(id).await?;
    }
    if message.kind == MessageKind::StaffLowStock
        && let Some(low) = message.detail.as_deref().and_then(LowStock::decode)
    {
        let name = store
            .product(low.product_id)
            .await?
            .map_or_else(|| format!("#{}", low.product_id), |p| p.name);
        gathered.low_stock = Some((low, name));
    }
    Ok(gathered)
}

/// Who an email goes to, as things are at delivery: staff kinds to every staff account
/// with an address; others to the address the event named, else the guest order's, else
/// the account's.
async fn recipients(state: &AppState, message: &Message) -> Result<Vec<String>, StoreError> {
    if message.kind.audience() == Audience::Staff {
        return state.store().staff_emails().await;
    }
    if let Some(to) = &message.recipient {
        return Ok(vec![to.clone()]);
    }
    Ok(state
        .store()
        .customer_email(message.user_id, message.order_id)
        .await?
        .into_iter()
        .collect())
}

/// The link a customer follows to an order: the guest's link when the order has one
/// ([`guest_order_link`]), else the order's page, which asks them to log in.
pub fn order_link(state: &AppState, order: &Order) -> String {
    guest_order_link(state, order).unwrap_or_else(|| {
        format!(
            "{}/orders/{}",
            state.config().public_url.trim_end_matches('/'),
            order.id
        )
    })
}

/// A guest order's link carrying its access token (`guests::OrderLinks`: derived from
/// the order id, so nothing secret is kept with the message), for guests who cannot log
/// in; `None` for a customer's order.
pub fn guest_order_link(state: &AppState, order: &Order) -> Option<String> {
    order.guest.as_ref().map(|_| {
        format!(
            "{}/orders/{}?access={}",
            state.config().public_url.trim_end_matches('/'),
            order.id,
            state.order_links().token(order.id)
        )
    })
}

/// Which log staff ask for, as typed: exactly one of an order id and a customer id.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogQuery<'a> {
    /// The messages about this order.
    pub order_id: Option<&'a str>,
    /// The messages for this customer (their account's and their orders').
    pub user_id: Option<&'a str>,
}

/// The message log staff see: about an order, or for a customer, newest first (the
/// latest 200).
pub async fn list_messages(state: &AppState, query: LogQuery<'_>) -> AppResult<Vec<Message>> {
    let id = |field: &'static str, raw: &str| {
        raw.trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| FieldError::new(field, "must be a positive whole number"))
    };
    let filter = match (
        query.order_id.filter(|s| !s.is_empty()),
        query.user_id.filter(|s| !s.is_empty()),
    ) {
        (Some(order), None) => MessageFilter::Order(id("order_id", order)?),
        (None, Some(user)) => MessageFilter::User(id("user_id", user)?),
        _ => {
            return Err(FieldError::new("order_id", "give exactly one of order_id and user_id").into());
        }
    };
    Ok(state.store().messages(filter, LOG_LIMIT).await?)
}

/// Staff send a message again: a copy is owed now (keyed `<original>:resend:<n>`), and
/// goes out with the next delivery pass. A message that carried a secret link cannot be
/// resent (its link was single-use and is gone): the person asks again.
pub async fn resend_message(state: &AppState, id: i64) -> AppResult<Message> {
    let result: AppResult<Message> = async {
        let message = state.store().message(id).await?.ok_or(AppError::NotFound("message"))?;
        if message.kind.carries_secret() {
            return Err(AppError::Conflict {
                code: "not_resendable",
                detail: "a message carrying a single-use link cannot be resent; the person asks for a new one".into(),
            });
        }
        Ok(state.store().resend_message(id, state.now()).await?)
    }
    .await;
    crate::audit::recorded(state, "message.resend", "message", result, |_v| {
        (id.to_string(), String::new())
    })
    .await
}
