//! Background work, safe to run on every instance at once and durable across restarts:
//! its state lives in the database, and every step is a conditional update that only one
//! instance can win.
//!
//! - unpaid orders past their deadline are cancelled and their units returned;
//! - guests whose cart expired without an order are forgotten;
//! - orders shipped ten days ago are confirmed received;
//! - queued jobs run: the sandbox's notification deliveries (retried with backoff) and
//!   refunds owed for payments that arrived after their order was cancelled;
//! - messages owed by events are delivered (`messages::deliver_due`: email, SMS), each
//!   claimed with a lease, retried with backoff;
//! - payments left pending are reconciled by asking their provider;
//! - refunds left `processing` (the instance that claimed them died, or the provider did
//!   not answer) are asked for again with the same idempotency key, with backoff;
//! - the recommendation model is rebuilt when orders moved (one instance at a time), and
//!   every instance loads the newest stored model. This runs in its own loop, so a
//!   rebuild that takes seconds never delays the jobs above.
//!
//! Time comes from the state's clock, so tests move it forward and call [`run_due`]
//! instead of sleeping through a timeout.

use std::time::Duration;

use emporium_domain::order::{AUTO_CONFIRM_AFTER, OrderEvent};
use emporium_domain::payment::RefundStatus;
use emporium_payments::{MAX_RETRY_DELAY, retry_delay};
use emporium_store::StoreError;

use crate::payments::{Driven, REFUND_JOB, drive_refund};
use crate::sandbox::{Delivery, NOTIFY_JOB};
use crate::state::AppState;

/// How long a claimed job stays locked before another instance may take it.
const LEASE: Duration = Duration::from_secs(60);
/// A payment still pending after this long is checked with its provider.
const RECONCILE_AFTER: Duration = Duration::from_secs(15 * 60);
/// How much work one pass takes on at most (the next pass continues).
const BATCH: i64 = 100;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Unpaid orders cancelled.
    pub expired: usize,
    /// Shipped orders confirmed.
    pub confirmed: usize,
    /// Jobs run to completion.
    pub jobs_done: usize,
    /// Jobs scheduled again after a failure.
    pub jobs_retried: usize,
    /// Pending payments settled by asking the provider.
    pub reconciled: usize,
    /// Refunds left `processing` that a second (or later) attempt decided.
    pub refunds_redriven: usize,
    /// Guests forgotten: no order, and their cart expired.
    pub guests_forgotten: u64,
    /// Messages delivered, retried, held…
    pub messages: crate::messages::DeliveryReport,
}

/// Runs everything that is due now, once.
pub async fn run_due(state: &AppState) -> Result<Report, StoreError> {
    let now = state.now();
    let mut report = Report::default();
    state.store().forget_old_login_attempts(now).await?;
    report.guests_forgotten = state.store().forget_idle_guests(now, BATCH).await?;
    for id in state.store().overdue_unpaid_orders(now, BATCH).await? {
        match state
            .store()
            .cancel_order(id, None, OrderEvent::Expire, "system".into(), now)
            .await
        {
            Ok(_) => {
                report.expired += 1;
                // In the background, as for a buyer's cancel: a provider that is slow or
                // down must not hold up the rest of the pass (deliveries, refunds).
                crate::payments::close_unpaid_later(state, id);
            }
            // Paid or cancelled by someone else meanwhile: nothing to do.
            Err(StoreError::InvalidTransition(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for id in state
        .store()
        .unconfirmed_shipped_orders(now.minus(AUTO_CONFIRM_AFTER), BATCH)
        .await?
    {
        match state.store().confirm_receipt(id, None, "system".into(), now).await {
            Ok(_) => report.confirmed += 1,
            Err(StoreError::InvalidTransition(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for job in state.store().claim_jobs(now, now.plus(LEASE), BATCH).await? {
        let outcome = match job.kind.as_str() {
            NOTIFY_JOB => deliver_notification(state, &job.payload).await,
            REFUND_JOB => execute_refund(state, &job.payload).await,
            other => Err(format!("unknown job kind {other:?}")),
        };
        match outcome {
            Ok(()) => {
                state.store().finish_job(job.id, None, None).await?;
                report.jobs_done += 1;
            }
            Err(error) => {
                let attempt = u32::try_from(job.attempts + 1).unwrap_or(u32::MAX);
                match retry_delay(attempt) {
                    Some(delay) => {
                        tracing::warn!(job.id = job.id, job.kind = %job.kind, attempt, %error, "job failed; will retry");
                        state
                            .store()
                            .finish_job(job.id, Some(now.plus(delay)), Some(error))
                            .await?;
                        report.jobs_retried += 1;
                    }
                    None => {
                        tracing::error!(job.id = job.id, job.kind = %job.kind, %error, "job failed for the last time; giving up");
                        state.store().finish_job(job.id, None, Some(error)).await?;
                    }
                }
            }
        }
    }
    // After the moves above, so what they owed goes out in the same pass.
    report.messages = crate::messages::deliver_due(state).await?;
    report.reconciled = reconcile(state).await?;
    report.refunds_redriven = redrive_refunds(state).await?;
    Ok(report)
}

/// Runs [`run_due`] every second, and the recommender's
/// [`refresh`](crate::recommendations::refresh) every few seconds beside it, until the task
/// is dropped.
pub async fn run_forever(state: AppState) {
    let recommender = tokio::spawn(every(Duration::from_secs(5), state.clone(), |state| async move {
        crate::recommendations::refresh(&state).await.map(drop)
    }));
    // Abort the recommender's loop when this task is dropped (the server stopping).
    let _guard = AbortOnDrop(recommender);
    every(Duration::from_secs(1), state, |state| async move {
        run_due(&state).await.map(drop)
    })
    .await;
}

async fn every<F, Fut>(period: Duration, state: AppState, pass: F)
where
    F: Fn(AppState) -> Fut,
    Fut: std::future::Future<Output = Result<(), StoreError>>,
{
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = pass(state.clone()).await {
            tracing::warn!(error = %e, "background jobs: will retry");
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn deliver_notification(state: &AppState, payload: &str) -> Result<(), String> {
    let delivery: Delivery = serde_json::from_str(payload).map_err(|e| e.to_string())?;
    let url = format!("{}/api/v1/payments/notify/sandbox", state.config().public_url);
    let now_unix = state.now().millis() / 1000;
    crate::sandbox::deliver(state.http(), &url, state.sandbox_secret(), &delivery, now_unix).await
}

/// Pays back a refund opened by the system (a payment that arrived too late).
async fn execute_refund(state: &AppState, payload: &str) -> Result<(), String> {
    let refund_id: i64 = payload
        .trim()
        .parse()
        .map_err(|_| format!("bad refund job payload {payload:?}"))?;
    let refund = state
        .store()
        .refund(refund_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no such refund")?;
    if refund.status != RefundStatus::Processing {
        // Decided already (by an earlier run of this job, or by the re-drive below).
        return Ok(());
    }
    let payment = state
        .store()
        .payment(refund.payment_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no such payment")?;
    match drive_refund(state, &refund, &payment, "system".into())
        .await
        .map_err(|e| e.to_string())?
    {
        Driven::Decided(_) => Ok(()),
        Driven::Unanswered { error, .. } => Err(error),
    }
}

/// Asks again about refunds left `processing` past the grace period: their claimant
/// crashed or its provider did not answer. The same idempotency key goes out each time,
/// so each refund ends `refunded` or `failed` once and the money goes back once. While
/// the provider stays unavailable the refund waits longer and longer between attempts
/// (the notification schedule, capped at an hour), and is never given up: money is owed.
async fn redrive_refunds(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now();
    let grace = state.config().refund_retry_after;
    let mut decided = 0;
    for (refund, attempts) in state.store().refunds_to_redrive(now.minus(grace), now, BATCH).await? {
        let Some(payment) = state.store().payment(refund.payment_id).await? else {
            return Err(StoreError::Corrupt(format!(
                "refund {} names missing payment {}",
                refund.id, refund.payment_id
            )));
        };
        match drive_refund(state, &refund, &payment, "system".into()).await? {
            Driven::Decided(refund) => {
                tracing::info!(refund.id = refund.id, status = %refund.status, attempts, "stalled refund decided");
                decided += 1;
            }
            Driven::Unanswered { refund, error } => {
                let attempt = u32::try_from(attempts + 1).unwrap_or(u32::MAX);
                let delay = retry_delay(attempt).unwrap_or(MAX_RETRY_DELAY).max(grace);
                tracing::warn!(refund.id = refund.id, attempt, %error, "refund provider did not answer; will ask again");
                state.store().postpone_refund(refund.id, now.plus(delay)).await?;
            }
        }
    }
    Ok(decided)
}

/// Asks providers about payments left pending for a while, and applies what they say as
/// if a notification had arrived (with a synthetic event id, so it applies once).
async fn reconcile(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now();
    let mut settled = 0;
    for payment in state
        .store()
        .stale_pending_payments(now.minus(RECONCILE_AFTER), BATCH)
        .await?
    {
        match crate::payments::ask_provider(state, &payment).await {
            Ok(crate::payments::Asked::Settled) => settled += 1,
            Ok(_) => {}
            Err(e) => tracing::warn!(payment.id = payment.id, error = %e, "reconciliation could not apply"),
        }
    }
    Ok(settled)
}
