//! Payments: opening one for an order, recording the provider's pay page, and applying
//! the provider's notifications exactly once. Refunds are [`crate::refunds`]'s.
//!
//! Provider calls happen outside database transactions (a network call must not hold the
//! single SQLite writer), so money operations come in two steps around the call: a first
//! transaction claims the work with a conditional update (exactly one caller wins), the
//! provider is called, and a second transaction records the outcome.

use emporium_domain::order::{InvalidTransition, OrderEvent, OrderStatus};
use emporium_domain::payment::PaymentStatus;
use emporium_domain::time::Timestamp;

use crate::db::{Conn, Row, parse_column, query};
use crate::idempotency::{AnswerKind, IdempotencyKey, Render, StoredAnswer, remember_answer_in};
use crate::orders::{move_order, record_event};
use crate::refunds::open_late_refund_in;
use crate::{Store, StoreError};

/// A payment attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Payment id.
    pub id: i64,
    /// The order paid for.
    pub order_id: i64,
    /// Provider name.
    pub provider: String,
    /// The provider's reference.
    pub provider_ref: Option<String>,
    /// Amount.
    pub amount: i64,
    /// Currency.
    pub currency: String,
    /// Where the attempt is.
    pub status: PaymentStatus,
    /// Where the buyer pays.
    pub pay_url: Option<String>,
    /// How the buyer pays at the provider (`qr`, `native`, …); `None` for the sandbox.
    pub channel: Option<String>,
    /// For QR channels, the text the pay page draws as a QR code.
    pub qr_code: Option<String>,
    /// Created.
    pub created_at: Timestamp,
}

pub(crate) fn payment_from(r: &Row) -> Result<Payment, StoreError> {
    Ok(Payment {
        id: r.try_get("id")?,
        order_id: r.try_get("order_id")?,
        provider: r.try_get("provider")?,
        provider_ref: r.try_get("provider_ref")?,
        amount: r.try_get("amount")?,
        currency: r.try_get("currency")?,
        status: parse_column(r, "status")?,
        pay_url: r.try_get("pay_url")?,
        channel: r.try_get("channel")?,
        qr_code: r.try_get("qr_code")?,
        created_at: Timestamp::from_millis(r.try_get("created_at")?),
    })
}

/// What starting a payment found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStart {
    /// The idempotency key was used before: its first answer.
    Replay(StoredAnswer),
    /// A pending payment with a pay page exists for this order: reuse it, so a buyer who
    /// clicks twice cannot be charged twice.
    Existing(Payment),
    /// A new payment row; ask the provider for a pay page, then [`Store::finish_payment`].
    New(Payment, PayTerms),
}

/// What a provider is told about the order being paid, read with it (no second read on
/// the pay path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayTerms {
    /// When the order stops awaiting payment.
    pub pay_deadline: Timestamp,
    /// Whether a guest placed it (its page is then its link).
    pub guest: bool,
}

/// Whether the provider asked for collects a currency (checked against the order's
/// before a payment row is made).
pub type CurrencyCheck = std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// A verified provider notification, as the store applies it.
#[derive(Debug, Clone)]
pub struct NotificationFacts {
    /// Provider name.
    pub provider: String,
    /// The provider's event id (applied at most once).
    pub event_id: String,
    /// The shop's payment id.
    pub payment_id: i64,
    /// The order, when the provider names it (the sandbox does); checked against the payment's.
    pub order_id: Option<i64>,
    /// The amount collected.
    pub amount: i64,
    /// Its currency.
    pub currency: String,
    /// Whether the payment succeeded.
    pub succeeded: bool,
    /// The provider's own id for the payment, recorded when it settles.
    pub provider_ref: Option<String>,
    /// The notification as received (kept for audit and support); `None` where the
    /// provider's own record is in this database already (the sandbox's ledger).
    pub body: Option<String>,
}

/// A verified refund notification, as the store applies it.
#[derive(Debug, Clone)]
pub struct RefundNoticeFacts {
    /// Provider name.
    pub provider: String,
    /// The provider's event id (applied at most once).
    pub event_id: String,
    /// The shop's refund id.
    pub refund_id: i64,
    /// The end: `Ok(provider's refund id)` or `Err(reason)`; `None` when it tells no end.
    pub outcome: Option<Result<String, String>>,
    /// The notification as received.
    pub body: Option<String>,
}

/// What applying a notification did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationOutcome {
    /// This event was applied before: nothing changed now.
    Duplicate,
    /// Applied; the order moved (or the payment failed and the order still awaits payment).
    Applied {
        /// The order.
        order_id: i64,
    },
    /// The money arrived after the order was cancelled, or paid an order that was paid
    /// already (a duplicate): a refund was opened and must be paid back through the provider.
    LateRefundDue {
        /// The order.
        order_id: i64,
        /// The refund to execute.
        refund_id: i64,
    },
}

impl Store {
    /// Starts paying for an order the caller owns: it must await payment.
    pub async fn begin_payment(
        &self,
        order_id: i64,
        owner: i64,
        (provider, channel): (String, Option<String>),
        accepts: CurrencyCheck,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<PaymentStart, StoreError> {
        // The key is recorded with the provider's answer (`finish_payment`), whose unique
        // insert settles a race between two first uses.
        if let Some(answer) = self.replay(idempotency.as_ref()).await? {
            return Ok(PaymentStart::Replay(answer));
        }
        self.write(move |conn| {
            Box::pin(async move {
                begin_payment_in(conn, order_id, owner, (&provider, channel.as_deref()), &accepts, now).await
            })
        })
        .await
    }

    /// Records the provider's pay page for a new payment, and the idempotency key.
    pub async fn finish_payment(
        &self,
        payment_id: i64,
        (provider_ref, pay_url, qr_code): (String, String, Option<String>),
        idempotency: Option<IdempotencyKey>,
        render: Render<Payment>,
        now: Timestamp,
    ) -> Result<Payment, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                // The order first (lock order), and its answer shows the pay page.
                touch_order_of_in(conn, payment_id).await?;
                let row = query(
                    "UPDATE payments SET provider_ref = $1, pay_url = $2, qr_code = $5, updated_at = $3 WHERE id = $4 RETURNING *",
                )
                .bind(&provider_ref)
                .bind(&pay_url)
                .bind(now.millis())
                .bind(payment_id)
                .bind(&qr_code)
                .fetch_one(&mut *conn)
                .await?;
                let payment = payment_from(&row)?;
                if let Some(key) = &idempotency {
                    let answer = StoredAnswer {
                        kind: AnswerKind::Payment,
                        body: render(&payment),
                    };
                    remember_answer_in(conn, key, &answer, now).await?;
                }
                Ok(payment)
            })
        })
        .await
    }

    /// A payment by id.
    pub async fn payment(&self, id: i64) -> Result<Option<Payment>, StoreError> {
        let row = query("SELECT * FROM payments WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(payment_from).transpose()
    }

    /// Marks a payment that is still pending `failed` (its provider closed it); answers
    /// whether it was pending. Should its provider still report it paid, the money is
    /// taken and paid back (see [`Store::apply_notification`]).
    pub async fn fail_unpaid_payment(&self, payment_id: i64, now: Timestamp) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                // The order first (lock order); its answer shows the payment's status.
                touch_order_of_in(conn, payment_id).await?;
                let failed = query(
                    "UPDATE payments SET status = 'failed', updated_at = $1 WHERE id = $2 AND status = 'pending'",
                )
                .bind(now.millis())
                .bind(payment_id)
                .execute(&mut *conn)
                .await?;
                Ok(failed.rows_affected() == 1)
            })
        })
        .await
    }

    /// The order's payments, oldest first.
    pub async fn order_payments(&self, order_id: i64) -> Result<Vec<Payment>, StoreError> {
        let rows = query("SELECT * FROM payments WHERE order_id = $1 ORDER BY id")
            .bind(order_id)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(payment_from).collect()
    }

    /// Pending payments older than `before` (for reconciliation with the provider).
    pub async fn stale_pending_payments(&self, before: Timestamp, limit: i64) -> Result<Vec<Payment>, StoreError> {
        let rows = query("SELECT * FROM payments WHERE status = 'pending' AND created_at <= $1 ORDER BY id LIMIT $2")
            .bind(before.millis())
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(payment_from).collect()
    }

    /// Applies a verified notification exactly once: the event id is recorded in the same
    /// transaction as its effect, so a duplicate changes nothing, and a mismatch (amount,
    /// currency, order) rolls everything back.
    pub async fn apply_notification(
        &self,
        n: NotificationFacts,
        now: Timestamp,
    ) -> Result<NotificationOutcome, StoreError> {
        self.write(move |conn| Box::pin(async move { apply_notification_in(conn, &n, now).await }))
            .await
    }

    /// Applies a verified refund notification once: a definite outcome ends a refund still
    /// `processing` (as [`finish_refund`](Self::finish_refund) does); anything else is only
    /// kept. A refund that is not this provider's is refused and changes nothing.
    /// Answers `None` for an event applied before, else the refund as it now stands.
    pub async fn apply_refund_notice(
        &self,
        n: RefundNoticeFacts,
        now: Timestamp,
    ) -> Result<Option<crate::refunds::Refund>, StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                let row = query(
                    "SELECT p.id, p.provider FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE r.id = $1",
                )
                .bind(n.refund_id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::PaymentMismatch(format!("no refund {}", n.refund_id)))?;
                let (payment_id, provider): (i64, String) = (row.try_get("id")?, row.try_get("provider")?);
                if provider != n.provider {
                    return Err(StoreError::PaymentMismatch(format!(
                        "refund {} is not paid through {}",
                        n.refund_id, n.provider
                    )));
                }
                if !keep_notice_in(
                    conn,
                    &n.provider,
                    &n.event_id,
                    payment_id,
                    "refund",
                    n.body.as_deref(),
                    now,
                )
                .await?
                {
                    return Ok(None);
                }
                let refund = match n.outcome {
                    Some(outcome) => {
                        let actor = format!("provider:{}", n.provider);
                        crate::refunds::finish_refund_in(conn, n.refund_id, outcome, &actor, now).await?
                    }
                    None => crate::refunds::refund_in(conn, n.refund_id).await?,
                };
                Ok(Some(refund))
            })
        })
        .await
    }

    /// Keeps a verified notification that tells nothing the shop acts on (so support can
    /// see it arrived); `payment_id` 0 when it names no payment of ours.
    pub async fn keep_ignored_notice(
        &self,
        provider: String,
        event_id: String,
        payment_id: i64,
        body: String,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                keep_notice_in(conn, &provider, &event_id, payment_id, "ignored", Some(&body), now).await?;
                Ok(())
            })
        })
        .await
    }
}

/// Moves the version of the order `payment_id` pays for, which takes the order's row lock
/// on PostgreSQL (the store's lock order: the order before its payments) and tells the
/// order's cached answers that it changed.
async fn touch_order_of_in(conn: &mut Conn, payment_id: i64) -> Result<(), StoreError> {
    query("UPDATE orders SET version = version + 1 WHERE id = (SELECT order_id FROM payments WHERE id = $1)")
        .bind(payment_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Keeps a notification as received; false when this provider's event was kept before,
/// which is how each event is applied at most once (in the transaction of its effect).
async fn keep_notice_in(
    conn: &mut Conn,
    provider: &str,
    event_id: &str,
    payment_id: i64,
    kind: &str,
    body: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let fresh = query(
        "INSERT INTO payment_notifications (provider, event_id, payment_id, received_at, kind, body)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (provider, event_id) DO NOTHING",
    )
    .bind(provider)
    .bind(event_id)
    .bind(payment_id)
    .bind(now.millis())
    .bind(kind)
    .bind(body)
    .execute(&mut *conn)
    .await?;
    Ok(fresh.rows_affected() == 1)
}

async fn begin_payment_in(
    conn: &mut Conn,
    order_id: i64,
    owner: i64,
    (provider, channel): (&str, Option<&str>),
    accepts: &CurrencyCheck,
    now: Timestamp,
) -> Result<PaymentStart, StoreError> {
    // The order first (the store's lock order): the update takes the order's row lock on
    // PostgreSQL, so two pay clicks at once (with different keys) queue here and the
    // second finds the first's payment instead of opening a second one the buyer could
    // also pay; SQLite's single writer already serialises them. The version moves because
    // the order's answer shows its payment. It also answers what this needs of the
    // order, in the same statement.
    let order =
        query("UPDATE orders SET version = version + 1 WHERE id = $1 RETURNING user_id, status, total, currency, pay_deadline, guest_email")
            .bind(order_id)
            .fetch_optional(&mut *conn)
            .await?
            .filter(|o| o.try_get::<i64, _>("user_id").ok() == Some(owner))
            .ok_or(StoreError::NotFound("order"))?;
    let status: OrderStatus = parse_column(&order, "status")?;
    if status != OrderStatus::PendingPayment {
        return Err(InvalidTransition {
            from: status,
            event: OrderEvent::Pay,
        }
        .into());
    }
    let (total, currency): (i64, String) = (order.try_get("total")?, order.try_get("currency")?);
    let terms = PayTerms {
        pay_deadline: Timestamp::from_millis(order.try_get("pay_deadline")?),
        guest: order.try_get::<Option<String>, _>("guest_email")?.is_some(),
    };
    if !accepts(&currency) {
        return Err(StoreError::CurrencyNotAccepted {
            provider: provider.into(),
            currency,
        });
    }
    let existing = query(
        "SELECT * FROM payments WHERE order_id = $1 AND provider = $2 AND COALESCE(channel, '') = $3
           AND status = 'pending' ORDER BY id DESC LIMIT 1",
    )
    .bind(order_id)
    .bind(provider)
    .bind(channel.unwrap_or(""))
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = existing {
        let payment = payment_from(&row)?;
        // No pay page yet: another request is asking the provider for one, or a crash
        // came between; ask again for the same payment (providers open one checkout per
        // payment id, see `PaymentProvider::create_payment`).
        return Ok(if payment.pay_url.is_some() {
            PaymentStart::Existing(payment)
        } else {
            PaymentStart::New(payment, terms)
        });
    }
    let row = query(
        "INSERT INTO payments (order_id, provider, channel, amount, currency, status, created_at, updated_at)
         VALUES ($1, $2, $6, $3, $4, 'pending', $5, $5) RETURNING *",
    )
    .bind(order_id)
    .bind(provider)
    .bind(total)
    .bind(&currency)
    .bind(now.millis())
    .bind(channel)
    .fetch_one(&mut *conn)
    .await?;
    Ok(PaymentStart::New(payment_from(&row)?, terms))
}

async fn apply_notification_in(
    conn: &mut Conn,
    n: &NotificationFacts,
    now: Timestamp,
) -> Result<NotificationOutcome, StoreError> {
    if !keep_notice_in(
        conn,
        &n.provider,
        &n.event_id,
        n.payment_id,
        "payment",
        n.body.as_deref(),
        now,
    )
    .await?
    {
        return Ok(NotificationOutcome::Duplicate);
    }
    // The order before the payment (the store's lock order); its version moves because
    // its answer shows the payment's status, failed ones included. A notification whose
    // order and payment do not belong together is refused below, undoing this.
    query("UPDATE orders SET version = version + 1 WHERE id = COALESCE($1, (SELECT order_id FROM payments WHERE id = $2))")
        .bind(n.order_id)
        .bind(n.payment_id)
        .execute(&mut *conn)
        .await?;
    // Settle the payment first and check it after: a mismatch fails the operation, which
    // rolls the update back with everything else (one statement fewer on the common path).
    // Money the provider says it collected is taken even for a payment the shop had
    // given up on (closed when its order was cancelled, but paid in a race with the
    // close): it is then paid back below, never ignored.
    // A second payment of one order can succeed (the buyer paid at two providers, or
    // paid a trade the shop could not close): it is marked the duplicate of the first,
    // which keeps "one succeeded payment per order" unique for the rest, and is paid back
    // below like a payment that arrived after cancellation. The order's lock (taken
    // above) makes two successes of one order see each other here.
    let settled = query(
        "UPDATE payments SET status = $1, updated_at = $2, provider_ref = COALESCE($4, provider_ref),
                duplicate_of = CASE WHEN $1 = 'succeeded' THEN
                    (SELECT q.id FROM payments q WHERE q.order_id = payments.order_id AND q.status = 'succeeded'
                       AND q.duplicate_of IS NULL AND q.id <> payments.id) END
             WHERE id = $3 AND (status = 'pending' OR ($1 = 'succeeded' AND status = 'failed')) RETURNING *",
    )
    .bind(PaymentStatus::settled(n.succeeded).as_str())
    .bind(now.millis())
    .bind(n.payment_id)
    .bind(&n.provider_ref)
    .fetch_optional(&mut *conn)
    .await?;
    let settled_now = settled.is_some();
    let payment = match settled {
        Some(row) => Some(row),
        None => {
            query("SELECT * FROM payments WHERE id = $1")
                .bind(n.payment_id)
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    let payment =
        payment_from(&payment.ok_or_else(|| StoreError::PaymentMismatch(format!("no payment {}", n.payment_id)))?)?;
    if payment.provider != n.provider || n.order_id.is_some_and(|order| order != payment.order_id) {
        return Err(StoreError::PaymentMismatch(
            "payment and order do not belong together".into(),
        ));
    }
    if payment.amount != n.amount || payment.currency != n.currency {
        return Err(StoreError::PaymentMismatch(format!(
            "amount {} {} differs from the payment's {} {}",
            n.amount, n.currency, payment.amount, payment.currency
        )));
    }
    if !n.succeeded || !settled_now {
        // A failure changes only the payment; a payment settled before by an event with
        // another id needs nothing more.
        return Ok(NotificationOutcome::Applied {
            order_id: payment.order_id,
        });
    }
    let actor = format!("provider:{}", n.provider);
    query("UPDATE orders SET paid_amount = paid_amount + $1, version = version + 1 WHERE id = $2")
        .bind(payment.amount)
        .bind(payment.order_id)
        .execute(&mut *conn)
        .await?;
    let detail = format!("payment {}", payment.id);
    match move_order(
        conn,
        payment.order_id,
        None,
        OrderEvent::Pay,
        &actor,
        Some(&detail),
        now,
    )
    .await
    {
        Ok(_) => Ok(NotificationOutcome::Applied {
            order_id: payment.order_id,
        }),
        Err(StoreError::InvalidTransition(t)) => {
            // The money came after the order was cancelled (payment timeout), or the order
            // was paid already (a duplicate): keep the record straight and pay it back.
            let (reason, detail) = if t.from == OrderStatus::Cancelled {
                ("payment arrived after the order was cancelled", "arrived late")
            } else {
                (
                    "the order was already paid; this second payment goes back",
                    "paid the order a second time",
                )
            };
            let refund_id = open_late_refund_in(conn, &payment, reason, now).await?;
            let detail = format!("payment {} {detail}; refund {refund_id} opened", payment.id);
            record_event(conn, payment.order_id, Some(t.from), t.from, &actor, Some(&detail), now).await?;
            Ok(NotificationOutcome::LateRefundDue {
                order_id: payment.order_id,
                refund_id,
            })
        }
        Err(e) => Err(e),
    }
}
