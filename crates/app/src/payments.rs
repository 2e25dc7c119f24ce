//! Money: paying for orders through a provider, applying the provider's notifications,
//! and refunds (asked by the buyer, decided by staff, paid back through the provider with
//! one idempotency key per refund, so the money goes back at most once).

pub mod providers;
pub mod transport;

use std::sync::Arc;

use emporium_domain::FieldError;
use emporium_domain::payment::PaymentStatus;
use emporium_domain::text::single_line;
use emporium_payments::{
    Incoming, Notice, NotifiedStatus, PaymentProvider, PaymentRequest, ProviderError, RefundOutcome, RefundRequest,
    RemoteStatus, Reply,
};
use emporium_store::StoreError;
use emporium_store::idempotency::{IdempotencyKey, Idempotent, Render};
use emporium_store::payments::{
    NotificationFacts, NotificationOutcome, PayTerms, Payment, PaymentStart, RefundNoticeFacts,
};
use emporium_store::refund_lines::RefundLine;
use emporium_store::refunds::{Refund, RefundAsk};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The job kind that pays back a late payment.
pub const REFUND_JOB: &str = "refund_execute";

/// Which provider to pay through.
#[derive(Debug, Clone, Serialize)]
pub struct PayWith {
    /// A provider name, e.g. `sandbox`.
    pub provider: String,
    /// One of the provider's channels; `None` is its default.
    pub channel: Option<String>,
    /// The buyer's address (WeChat Pay H5 requires it). Not part of what an idempotency
    /// key stands for: a retry from another address is the same request.
    #[serde(skip)]
    pub client_ip: Option<String>,
}

/// A provider buyers can pay with now.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderOffer {
    /// Its name (`sandbox`, `alipay`, `wechatpay`).
    pub name: &'static str,
    /// Its channels, the default first (empty: it has one way to pay).
    pub channels: &'static [&'static str],
}

/// The providers offered to buyers, sorted by name: every one configured, and the sandbox
/// unless it is switched off (it then still serves refunds and notifications of its
/// earlier payments).
pub fn offered_providers(state: &AppState) -> Vec<ProviderOffer> {
    state
        .providers()
        .names()
        .into_iter()
        .filter(|name| *name != "sandbox" || state.config().payments.sandbox)
        .filter_map(|name| state.providers().get(name))
        .map(|p| ProviderOffer {
            name: p.name(),
            channels: p.channels(),
        })
        .collect()
}

/// The provider `with` names, if it is offered, and the channel to use (its default when
/// none is named); a 422 naming what is offered otherwise.
fn choose(state: &AppState, with: &PayWith) -> AppResult<(Arc<dyn PaymentProvider>, Option<String>)> {
    let offered = offered_providers(state);
    let Some(offer) = offered.iter().find(|o| o.name == with.provider) else {
        let names: Vec<&str> = offered.iter().map(|o| o.name).collect();
        return Err(AppError::Invalid(vec![FieldError::new(
            "provider",
            format!("must be one of: {}", names.join(", ")),
        )]));
    };
    let channel = match (&with.channel, offer.channels) {
        (None, []) => None,
        (None, [first, ..]) => Some((*first).to_owned()),
        (Some(c), channels) if channels.contains(&c.as_str()) => Some(c.clone()),
        (Some(_), []) => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "channel",
                format!("{} has no channels; leave it out", offer.name),
            )]));
        }
        (Some(_), channels) => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "channel",
                format!("must be one of: {}", channels.join(", ")),
            )]));
        }
    };
    let provider = state.providers().get(offer.name).ok_or(AppError::Unavailable)?;
    Ok((provider, channel))
}

/// Starts (or resumes) paying for the user's order and answers the payment with its pay
/// page. A second call while a payment is pending answers that same payment, so nobody
/// can be charged twice; with a key, a retry replays the first answer as `render` wrote it.
pub async fn start_payment(
    state: &AppState,
    user_id: i64,
    order_id: i64,
    with: &PayWith,
    key: Option<IdempotencyKey>,
    render: Render<Payment>,
) -> AppResult<Idempotent<Payment>> {
    let (provider, channel) = choose(state, with)?;
    let now = state.now();
    let checker = provider.clone();
    let accepts: emporium_store::payments::CurrencyCheck =
        Arc::new(move |currency: &str| checker.accepts_currency(currency));
    let start = state
        .store()
        .begin_payment(
            order_id,
            user_id,
            (with.provider.clone(), channel),
            accepts,
            key.clone(),
            now,
        )
        .await?;
    let payment = match start {
        PaymentStart::Replay(answer) => return Ok(Idempotent::Replay(answer)),
        PaymentStart::Existing(payment) => payment,
        PaymentStart::New(payment, terms) => {
            let request = payment_request(state, &payment, terms, with.client_ip.clone());
            let checkout = provider.create_payment(&request).await.map_err(|e| match e {
                ProviderError::Refused(why) => {
                    tracing::warn!(payment.id = payment.id, error = %why, "provider refused to start a payment");
                    AppError::Conflict {
                        code: "provider_refused",
                        detail: format!("{} refused the payment: {why}", payment.provider),
                    }
                }
                ProviderError::Unavailable(why) => {
                    tracing::warn!(payment.id = payment.id, error = %why, "provider unavailable to start a payment");
                    AppError::Unavailable
                }
            })?;
            state
                .store()
                .finish_payment(
                    payment.id,
                    (checkout.provider_ref, checkout.pay_url, checkout.qr_code),
                    key,
                    render,
                    now,
                )
                .await
                .map_err(|e| match e {
                    StoreError::IdempotencyRace => AppError::Conflict {
                        code: "idempotency_conflict",
                        detail: "a concurrent request used this key; retry".into(),
                    },
                    e => e.into(),
                })?
        }
    };
    Ok(Idempotent::Fresh(payment))
}

/// What the provider is asked to collect for `payment`: its amount, a subject the buyer
/// recognises, where to notify the shop and where to send the buyer back (the order's
/// page, a guest's by its link), and when the order stops awaiting payment.
fn payment_request(state: &AppState, payment: &Payment, terms: PayTerms, client_ip: Option<String>) -> PaymentRequest {
    let config = state.config();
    let public_url = config.public_url.trim_end_matches('/');
    let page = crate::guests::order_link(state, payment.order_id, terms.guest);
    PaymentRequest {
        payment_id: payment.id,
        order_id: payment.order_id,
        amount: payment.amount,
        currency: payment.currency.clone(),
        channel: payment.channel.clone(),
        subject: format!("{} #{}", config.shop_name, payment.order_id),
        notify_url: format!("{public_url}/api/v1/payments/notify/{}", payment.provider),
        return_url: format!("{public_url}{page}"),
        expires_at_unix: terms.pay_deadline.millis() / 1000,
        client_ip,
    }
}

/// Asks the providers to close the order's unpaid payments (it was cancelled or
/// expired), so the buyer cannot pay them any more, and marks each one they closed `failed`
/// (so reconciliation stops asking about it). Best effort: a provider that cannot be
/// reached is logged and its payment stays pending for reconciliation, and a payment
/// that still arrives is taken and refunded.
pub async fn close_unpaid(state: &AppState, order_id: i64) {
    let payments = match state.store().order_payments(order_id).await {
        Ok(payments) => payments,
        Err(e) => {
            tracing::warn!(order.id = order_id, error = %e, "cannot list payments to close");
            return;
        }
    };
    for p in payments.iter().filter(|p| p.status == PaymentStatus::Pending) {
        let Some(provider) = state.providers().get(&p.provider) else {
            continue;
        };
        match provider.close_payment(p.id, p.provider_ref.as_deref()).await {
            // The sandbox closes nothing: its payment stays pending, as its buyer may still pay.
            Ok(false) => {}
            Ok(true) => {
                if let Err(e) = state.store().fail_unpaid_payment(p.id, state.now()).await {
                    tracing::warn!(payment.id = p.id, error = %e, "could not record a closed payment");
                }
            }
            Err(e) => {
                tracing::warn!(payment.id = p.id, error = %e, "could not close an unpaid payment at its provider")
            }
        }
    }
}

/// [`close_unpaid`] in the background, so the buyer's answer does not wait on a provider.
/// Nothing is lost if this instance stops first: a payment that arrives anyway is refunded.
pub fn close_unpaid_later(state: &AppState, order_id: i64) {
    let state = state.clone();
    tokio::spawn(async move { close_unpaid(&state, order_id).await });
}

/// Applies a verified notification (or what a reconciliation query found); a payment
/// that arrived after cancellation gets its refund queued.
pub async fn apply_notification(state: &AppState, facts: NotificationFacts) -> Result<NotificationOutcome, StoreError> {
    let now = state.now();
    let outcome = state.store().apply_notification(facts, now).await?;
    match &outcome {
        NotificationOutcome::LateRefundDue { order_id, refund_id } => {
            tracing::warn!(
                order.id = order_id,
                refund.id = refund_id,
                "payment arrived after cancellation, or paid the order a second time; refunding"
            );
            state
                .store()
                .enqueue_job(REFUND_JOB, refund_id.to_string(), now, now)
                .await?;
        }
        NotificationOutcome::Applied { order_id } => {
            tracing::info!(order.id = order_id, "payment notification applied")
        }
        NotificationOutcome::Duplicate => tracing::debug!("duplicate payment notification ignored"),
    }
    Ok(outcome)
}

/// What a payment's provider said when asked where a pending payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// It succeeded or failed, and that is now applied (or already was).
    Settled,
    /// The buyer has not finished paying at the provider.
    Unfinished,
    /// The provider could not be asked or did not know the payment.
    Unknown,
}

/// Asks `payment`'s provider where it stands and applies a final answer as if its
/// notification had arrived, with a synthetic event id so it applies once however often
/// it is asked. The reconciliation job asks about payments left pending; the order page
/// asks when the buyer comes back from the provider, so it can say what happened rather
/// than wait for the notification (as shops do with Alipay's return URL).
pub async fn ask_provider(state: &AppState, payment: &Payment) -> Result<Asked, StoreError> {
    ask_provider_within(state, payment, None).await
}

/// [`ask_provider`], waiting at most `patience` for the provider's answer (the answer's
/// application is never cut short: it is one transaction, applied once).
async fn ask_provider_within(
    state: &AppState,
    payment: &Payment,
    patience: Option<std::time::Duration>,
) -> Result<Asked, StoreError> {
    let Some(provider) = state.providers().get(&payment.provider) else {
        return Ok(Asked::Unknown);
    };
    let query = provider.query(payment.id, payment.provider_ref.as_deref());
    let answer = match patience {
        Some(patience) => match tokio::time::timeout(patience, query).await {
            Ok(answer) => answer,
            Err(_) => return Ok(Asked::Unknown),
        },
        None => query.await,
    };
    let status = match answer {
        Ok(status) => status,
        Err(e) => {
            tracing::warn!(payment.id = payment.id, error = %e, "payment query failed");
            return Ok(Asked::Unknown);
        }
    };
    let (succeeded, amount, currency) = match status {
        RemoteStatus::Succeeded { amount, currency } => (true, amount, currency),
        RemoteStatus::Failed => (false, payment.amount, payment.currency.clone()),
        RemoteStatus::Pending => return Ok(Asked::Unfinished),
        RemoteStatus::Unknown => return Ok(Asked::Unknown),
    };
    let body = format!("reconciliation: the provider's query answered succeeded={succeeded} {amount} {currency}");
    let facts = NotificationFacts {
        provider: payment.provider.clone(),
        event_id: format!("reconcile-{}", payment.id),
        payment_id: payment.id,
        order_id: Some(payment.order_id),
        amount,
        currency,
        succeeded,
        provider_ref: None,
        body: Some(body),
    };
    apply_notification(state, facts).await?;
    Ok(Asked::Settled)
}

/// How long a page waits for a provider's answer about a pending payment.
const PAGE_ASK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The buyer is looking at their order while its latest payment is pending: asks the
/// provider (see [`ask_provider`]). `None` when there is no such payment.
pub async fn ask_about_pending(state: &AppState, payment_id: i64) -> AppResult<Option<Asked>> {
    let Some(payment) = state.store().payment(payment_id).await? else {
        return Ok(None);
    };
    if payment.status != PaymentStatus::Pending {
        // Settled since the caller read it (a notification, another view): read again.
        return Ok(Some(Asked::Settled));
    }
    // A page waits for the provider only briefly: one that is slow or down leaves the
    // answer to its notification and the reconciliation job, and the page says it waits.
    Ok(Some(
        ask_provider_within(state, &payment, Some(PAGE_ASK_TIMEOUT)).await?,
    ))
}

/// How a notification was answered: the provider's acknowledgement, or its refusal.
#[derive(Debug)]
pub enum Answered {
    /// Applied, applied before, or kept as telling nothing: answer this.
    Acknowledged(Reply),
    /// Refused (bad signature, stale, malformed, or not matching the payment): nothing
    /// changed. `reply` is the provider's own refusal format, `None` the shop's problem 400.
    Refused {
        /// Why (logged, and the 400's detail).
        error: AppError,
        /// The provider's format for it.
        reply: Option<Reply>,
    },
}

/// A provider's notification as it arrived: verifies it (signature, and freshness where
/// the provider signs a time), keeps it as received, and applies it at most once. A
/// notification that fails verification, or whose facts differ from the payment or
/// refund it names, is refused, logged, and changes nothing.
pub async fn receive_notification(
    state: &AppState,
    provider_name: &str,
    headers: &http::HeaderMap,
    body: &[u8],
) -> AppResult<Answered> {
    let provider = state
        .providers()
        .get(provider_name)
        .ok_or(AppError::NotFound("provider"))?;
    let incoming = Incoming {
        headers,
        body,
        now_unix: state.now().millis() / 1000,
    };
    let refused = |error: AppError| {
        tracing::warn!(provider = provider_name, %error, "payment notification refused");
        let reply = provider.refuse(&error.to_string());
        Ok(Answered::Refused { error, reply })
    };
    let notice = match provider.verify_notification(incoming) {
        Ok(notice) => notice,
        Err(e) => {
            return refused(AppError::Malformed {
                detail: e.to_string(),
                field: None,
            });
        }
    };
    // Kept as received, except the sandbox's: its ledger (`sandbox_payments`) is in this
    // database already, and writing each body again cost SQLite checkout about 6 %
    // (BENCHMARKS.md, round eleven).
    let kept = (provider_name != "sandbox").then(|| String::from_utf8_lossy(body).into_owned());
    let applied =
        match notice {
            Notice::Payment(n) => {
                let facts = NotificationFacts {
                    provider: provider_name.into(),
                    event_id: n.event_id,
                    payment_id: n.payment_id,
                    order_id: n.order_id,
                    amount: n.amount,
                    currency: n.currency,
                    succeeded: n.status == NotifiedStatus::Succeeded,
                    provider_ref: n.provider_ref,
                    body: kept,
                };
                apply_notification(state, facts).await.map(drop)
            }
            Notice::Refund(n) => {
                let outcome = match n.outcome {
                    RefundOutcome::Succeeded { provider_ref } => Some(Ok(provider_ref)),
                    RefundOutcome::Failed { reason } => Some(Err(reason)),
                    RefundOutcome::Pending => None,
                };
                let facts = RefundNoticeFacts {
                    provider: provider_name.into(),
                    event_id: n.event_id,
                    refund_id: n.refund_id,
                    outcome,
                    body: kept,
                };
                state.store().apply_refund_notice(facts, state.now()).await.map(|refund| {
                if let Some(refund) = refund {
                    tracing::info!(refund.id = refund.id, status = %refund.status, "refund notification applied");
                }
            })
            }
            Notice::Ignored { event_id, what } => {
                tracing::info!(
                    provider = provider_name,
                    event_id,
                    what,
                    "payment notification kept, nothing to apply"
                );
                state
                    .store()
                    .keep_ignored_notice(provider_name.into(), event_id, 0, kept.unwrap_or_default(), state.now())
                    .await
            }
        };
    match applied {
        Ok(()) => Ok(Answered::Acknowledged(provider.acknowledge())),
        Err(e @ StoreError::PaymentMismatch(_)) => refused(e.into()),
        Err(e) => Err(e.into()),
    }
}

/// What a buyer asks back.
#[derive(Debug, Clone, Serialize)]
pub struct RefundWish {
    /// Minor units; default: everything not yet refunded (with `lines`, their sum).
    pub amount: Option<i64>,
    /// 1–500 characters.
    pub reason: String,
    /// The lines the refund is for and how much of each; empty for the order as a whole.
    /// (Left out of the serialized wish when empty, so an `Idempotency-Key` stored before
    /// lines existed still matches the same body.)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineRefundWish>,
}

/// One line's part of a refund, as asked.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LineRefundWish {
    /// The order line (`items[].id` of the order).
    pub order_item_id: i64,
    /// Minor units, 1 or more.
    pub amount: i64,
}

/// Most lines one refund may name.
pub const MAX_REFUND_LINES: usize = 100;

/// The lines of a refund wish, checked for form: at most [`MAX_REFUND_LINES`], each a
/// distinct line with a positive amount (every bad one named). Whether each is the
/// order's and within what is left on it is the store's to check, under the order's lock.
fn refund_lines(wish: &RefundWish) -> AppResult<Vec<RefundLine>> {
    if wish.lines.len() > MAX_REFUND_LINES {
        return Err(FieldError::new("lines", format!("at most {MAX_REFUND_LINES} lines")).into());
    }
    let mut errors = Vec::new();
    for (i, line) in wish.lines.iter().enumerate() {
        if line.amount <= 0 {
            errors.push(FieldError::new(
                format!("lines[{i}].amount"),
                "must be a positive number of minor units (fen)",
            ));
        }
        if wish.lines[..i].iter().any(|l| l.order_item_id == line.order_item_id) {
            errors.push(FieldError::new(
                format!("lines[{i}].order_item_id"),
                "names a line already listed",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(wish
        .lines
        .iter()
        .map(|l| RefundLine {
            order_item_id: l.order_item_id,
            amount: l.amount,
        })
        .collect())
}

/// Opens a refund request on the user's paid order; staff approve or reject it.
pub async fn ask_refund(
    state: &AppState,
    user_id: i64,
    order_id: i64,
    req: &RefundWish,
    key: Option<IdempotencyKey>,
    render: Render<Refund>,
) -> AppResult<Idempotent<Refund>> {
    let reason = single_line("reason", &req.reason, 1, 500)?;
    let lines = refund_lines(req)?;
    let outcome = state
        .store()
        .request_refund(
            RefundAsk {
                order_id,
                owner: user_id,
                amount: req.amount,
                reason,
                lines,
            },
            key,
            render,
            state.now(),
        )
        .await?;
    Ok(outcome)
}

/// Staff approve a requested refund: it is paid back through the provider; when
/// everything paid has come back the order is `refunded`.
pub async fn approve_refund(state: &AppState, staff_id: i64, id: i64) -> AppResult<Refund> {
    let result: AppResult<Refund> = async {
        let Some((refund, payment)) = state.store().claim_refund(id, state.now()).await? else {
            return Err(refund_undecidable(state, id).await);
        };
        pay_back(state, &refund, &payment, format!("staff:{staff_id}")).await
    }
    .await;
    crate::audit::recorded(state, "refund.approve", "refund", result, |v| {
        (
            id.to_string(),
            serde_json::json!({"order_id": v.order_id, "amount": v.amount, "status": v.status.as_str()}).to_string(),
        )
    })
    .await
}

/// Pays a decided (`processing`) refund back through its provider once and answers it
/// as it stands: `refunded` or `failed` when the provider answered, still `processing`
/// when it could not (the money may or may not have gone back: the jobs ask again with
/// the same key, so it ends once, either way). Staff approvals, received returns and the
/// shop's own refunds and cancels all end here.
pub async fn pay_back(state: &AppState, refund: &Refund, payment: &Payment, actor: String) -> AppResult<Refund> {
    let refund = match drive_refund(state, refund, payment, actor).await? {
        Driven::Decided(refund) => refund,
        Driven::Unanswered { refund, error } => {
            tracing::warn!(refund.id = refund.id, %error, "refund provider did not answer; the jobs will ask again");
            refund
        }
    };
    tracing::info!(refund.id = refund.id, status = %refund.status, "refund decided");
    Ok(refund)
}

/// What asking a provider for a claimed refund came to.
#[derive(Debug)]
pub enum Driven {
    /// The provider answered and the refund is now `refunded` or `failed` (or was
    /// already decided by another attempt).
    Decided(Refund),
    /// The provider could not answer; the refund is still `processing`.
    Unanswered {
        /// The refund as it stands.
        refund: Refund,
        /// Why there was no answer.
        error: String,
    },
}

/// Asks the provider to pay back a `processing` refund and records a definite answer.
///
/// Every attempt for one refund carries the same idempotency key
/// ([`RefundRequest::key_for`]), so this is safe to call again whenever an earlier
/// attempt's outcome is unknown (a timeout, a crash after the claim): the provider pays
/// at most once and repeats its first answer, and [`Store::finish_refund`] applies only
/// to a refund still `processing`, so the order's refunded amount moves once.
///
/// [`Store::finish_refund`]: emporium_store::Store::finish_refund
pub async fn drive_refund(
    state: &AppState,
    refund: &Refund,
    payment: &Payment,
    actor: String,
) -> Result<Driven, StoreError> {
    let Some(provider) = state.providers().get(&payment.provider) else {
        return Ok(Driven::Unanswered {
            refund: refund.clone(),
            error: format!("no provider {:?} is configured", payment.provider),
        });
    };
    let request = RefundRequest {
        refund_id: refund.id,
        idempotency_key: RefundRequest::key_for(refund.id),
        payment_id: payment.id,
        provider_ref: payment.provider_ref.clone(),
        amount: refund.amount,
        currency: payment.currency.clone(),
    };
    let outcome = match provider.refund(&request).await {
        Ok(RefundOutcome::Succeeded { provider_ref }) => Ok(provider_ref),
        // Accepted, to be finished by the provider: a refund notification or the jobs'
        // query ends it.
        Ok(RefundOutcome::Pending) => {
            return Ok(Driven::Unanswered {
                refund: refund.clone(),
                error: "the provider is still paying it back".into(),
            });
        }
        Ok(RefundOutcome::Failed { reason }) => Err(reason),
        // Refused: the provider understood and said no, so nothing was paid back.
        Err(ProviderError::Refused(reason)) => Err(reason),
        Err(ProviderError::Unavailable(error)) => {
            return Ok(Driven::Unanswered {
                refund: refund.clone(),
                error,
            });
        }
    };
    let refund = state
        .store()
        .finish_refund(refund.id, outcome, actor, state.now())
        .await?;
    Ok(Driven::Decided(refund))
}

/// Staff reject a requested refund.
pub async fn reject_refund(state: &AppState, staff_id: i64, id: i64) -> AppResult<Refund> {
    let result: AppResult<Refund> = async {
        match state
            .store()
            .reject_refund(id, format!("staff:{staff_id}"), state.now())
            .await?
        {
            Some(refund) => Ok(refund),
            None => Err(refund_undecidable(state, id).await),
        }
    }
    .await;
    crate::audit::recorded(state, "refund.reject", "refund", result, |v| {
        (
            id.to_string(),
            serde_json::json!({"order_id": v.order_id, "amount": v.amount, "status": v.status.as_str()}).to_string(),
        )
    })
    .await
}

/// Why a refund could not be decided: it is decided already, or there is none.
async fn refund_undecidable(state: &AppState, id: i64) -> AppError {
    match state.store().refund(id).await {
        Ok(Some(r)) => AppError::Conflict {
            code: "invalid_transition",
            detail: format!("the refund is {}, not awaiting a decision", r.status),
        },
        Ok(None) => AppError::NotFound("refund"),
        Err(e) => e.into(),
    }
}
