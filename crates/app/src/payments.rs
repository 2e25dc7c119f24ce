//! Money: paying for orders through a provider, applying the provider's notifications,
//! and refunds (asked by the buyer, decided by staff, paid back through the provider with
//! one idempotency key per refund, so the money goes back at most once).

use emporium_domain::FieldError;
use emporium_domain::text::single_line;
use emporium_payments::{NotifiedStatus, PaymentRequest, ProviderError, RefundOutcome, RefundRequest};
use emporium_store::StoreError;
use emporium_store::idempotency::{IdempotencyKey, Idempotent, Render};
use emporium_store::payments::{NotificationFacts, NotificationOutcome, Payment, PaymentStart};
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
    let provider = state.providers().get(&with.provider).ok_or_else(|| {
        AppError::Invalid(vec![FieldError::new(
            "provider",
            format!("must be one of: {}", state.providers().names().join(", ")),
        )])
    })?;
    let now = state.now();
    let start = state
        .store()
        .begin_payment(order_id, user_id, with.provider.clone(), key.clone(), now)
        .await?;
    let payment = match start {
        PaymentStart::Replay(answer) => return Ok(Idempotent::Replay(answer)),
        PaymentStart::Existing(payment) => payment,
        PaymentStart::New(payment) => {
            let request = PaymentRequest {
                payment_id: payment.id,
                order_id,
                amount: payment.amount,
                currency: payment.currency.clone(),
            };
            let checkout = provider.create_payment(&request).await.map_err(|e| {
                tracing::warn!(payment.id = payment.id, error = %e, "provider refused to start a payment");
                AppError::Unavailable
            })?;
            state
                .store()
                .finish_payment(payment.id, checkout.provider_ref, checkout.pay_url, key, render, now)
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
                "payment arrived after cancellation; refunding"
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

/// A provider's notification as it arrived: verifies its signature (given in the
/// provider's signature header) and freshness, then applies it. A bad or missing
/// signature, a stale timestamp, or facts that differ from the payment are refused and
/// change nothing; a notification applied before changes nothing either.
pub async fn receive_notification(
    state: &AppState,
    provider_name: &str,
    signature_header: Option<&str>,
    body: &[u8],
) -> AppResult<NotificationOutcome> {
    let provider = state
        .providers()
        .get(provider_name)
        .ok_or(AppError::NotFound("provider"))?;
    let n = provider
        .verify_notification(signature_header, body, state.now().millis() / 1000)
        .map_err(|e| AppError::Malformed {
            detail: e.to_string(),
            field: None,
        })?;
    let facts = NotificationFacts {
        provider: provider_name.into(),
        event_id: n.event_id,
        payment_id: n.payment_id,
        order_id: n.order_id,
        amount: n.amount,
        currency: n.currency,
        succeeded: n.status == NotifiedStatus::Succeeded,
    };
    Ok(apply_notification(state, facts).await?)
}

/// What a buyer asks back.
#[derive(Debug, Clone, Serialize)]
pub struct RefundWish {
    /// Minor units; default: everything not yet refunded.
    pub amount: Option<i64>,
    /// 1–500 characters.
    pub reason: String,
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
    let outcome = state
        .store()
        .request_refund(
            RefundAsk {
                order_id,
                owner: user_id,
                amount: req.amount,
                reason,
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
    let now = state.now();
    let Some((refund, payment)) = state.store().claim_refund(id, now).await? else {
        return Err(refund_undecidable(state, id).await);
    };
    let refund = match drive_refund(state, &refund, &payment, format!("staff:{staff_id}")).await? {
        Driven::Decided(refund) => refund,
        // The money may or may not have gone back: the refund stays `processing` and the
        // jobs ask again with the same key, so it ends once, either way.
        Driven::Unanswered { refund, error } => {
            tracing::warn!(refund.id = id, %error, "refund provider did not answer; the jobs will ask again");
            refund
        }
    };
    tracing::info!(refund.id = id, status = %refund.status, "refund decided");
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
    match state
        .store()
        .reject_refund(id, format!("staff:{staff_id}"), state.now())
        .await?
    {
        Some(refund) => Ok(refund),
        None => Err(refund_undecidable(state, id).await),
    }
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
