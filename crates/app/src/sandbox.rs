//! The sandbox payment provider: a stand-in for a real third party that behaves like one.
//!
//! - The shop side ([`SandboxProvider`]) implements `PaymentProvider` like any adapter:
//!   it opens a payment in the sandbox's own ledger and hands out the sandbox's pay page,
//!   refunds through the ledger, answers status queries, and verifies notifications.
//! - The provider side (its pages are served by `emporium-api`'s `sandbox` module, and
//!   their logic is [`payment_at`] and [`complete_payment`]): when the buyer pays or fails
//!   it queues a signed notification to the shop's notify endpoint: delivered by the job
//!   runner, retried with backoff until answered 2xx, and delivered a second time a few
//!   seconds later, because real providers do send duplicates.
//! - The pay page's address carries a MAC of the payment id (`/sandbox/pay/12.3f9a…`), as
//!   a real provider's checkout link carries a secret: knowing a payment's number is not
//!   enough to pay or fail someone else's payment.

use std::sync::Arc;
use std::time::Duration;

use emporium_domain::payment::PaymentStatus;
use emporium_domain::time::Timestamp;
use emporium_payments::{
    BoxFuture, Checkout, Incoming, Notice, Notification, NotificationError, NotifiedStatus, PaymentProvider,
    PaymentRequest, ProviderError, RefundOutcome, RefundRequest, RemoteStatus, notification_body, parse_notification,
    signature,
};
use emporium_store::Store;
use emporium_store::job_queue::NewJob;
use emporium_store::sandbox_ledger::SandboxPayment;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The job kind that delivers a sandbox notification.
pub const NOTIFY_JOB: &str = "sandbox_notify";
/// When the duplicate delivery follows the first.
const DUPLICATE_AFTER: Duration = Duration::from_secs(3);

/// The shop's adapter for the sandbox provider.
pub struct SandboxProvider {
    store: Store,
    secret: Arc<[u8]>,
}

impl SandboxProvider {
    /// An adapter over the sandbox ledger in `store`, verifying with `secret`.
    pub fn new(store: Store, secret: &[u8]) -> Self {
        Self {
            store,
            secret: Arc::from(secret),
        }
    }
}

fn unavailable(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::Unavailable(e.to_string())
}

impl PaymentProvider for SandboxProvider {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn create_payment<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<Checkout, ProviderError>> {
        Box::pin(async move {
            let now = Timestamp::from_millis(wall_clock_millis());
            let opened = self
                .store
                .sandbox_open(
                    request.payment_id,
                    request.order_id,
                    request.amount,
                    request.currency.clone(),
                    now,
                )
                .await
                .map_err(unavailable)?;
            Ok(Checkout {
                provider_ref: format!("sbx_{}", opened.merchant_payment),
                pay_url: pay_page_path(&self.secret, opened.merchant_payment),
                qr_code: None,
            })
        })
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundOutcome, ProviderError>> {
        Box::pin(async move {
            let now = Timestamp::from_millis(wall_clock_millis());
            let record = self
                .store
                .sandbox_refund(request.idempotency_key.clone(), request.payment_id, request.amount, now)
                .await
                .map_err(unavailable)?;
            // A key reused for another refund is the caller's bug: refuse, as Stripe does,
            // rather than answer an outcome that belongs to something else.
            if record.merchant_payment != request.payment_id || record.amount != request.amount {
                return Err(ProviderError::Refused(format!(
                    "idempotency key {} was used for another refund",
                    request.idempotency_key
                )));
            }
            Ok(if record.succeeded {
                RefundOutcome::Succeeded {
                    provider_ref: format!("sbx_refund_{}", request.refund_id),
                }
            } else {
                RefundOutcome::Failed {
                    reason: record.reason.unwrap_or_else(|| "the sandbox refused the refund".into()),
                }
            })
        })
    }

    fn query<'a>(
        &'a self,
        payment_id: i64,
        _provider_ref: Option<&'a str>,
    ) -> BoxFuture<'a, Result<RemoteStatus, ProviderError>> {
        Box::pin(async move {
            let record = self.store.sandbox_payment(payment_id).await.map_err(unavailable)?;
            Ok(match record {
                None => RemoteStatus::Unknown,
                Some(p) if p.status == PaymentStatus::Succeeded => RemoteStatus::Succeeded {
                    amount: p.amount,
                    currency: p.currency,
                },
                Some(p) if p.status == PaymentStatus::Failed => RemoteStatus::Failed,
                Some(_) => RemoteStatus::Pending,
            })
        })
    }

    fn verify_notification(&self, incoming: Incoming<'_>) -> Result<Notice, NotificationError> {
        signature::verify(
            &self.secret,
            incoming.header(signature::HEADER),
            incoming.body,
            incoming.now_unix,
        )?;
        Ok(parse_notification(incoming.body)?.into())
    }
}

/// The wall clock in epoch milliseconds, for the provider side, which plays an outside
/// party and so does not share the shop's injected clock.
fn wall_clock_millis() -> i64 {
    emporium_domain::time::Clock::now(&emporium_domain::time::SystemClock).millis()
}

/// What a queued delivery carries.
#[derive(Debug, Serialize, Deserialize)]
pub struct Delivery {
    /// The notification to send.
    pub notification: Notification,
}

/// The MAC that makes a pay page's address unguessable: HMAC-SHA256 of the payment id,
/// cut to 128 bits (hex).
fn pay_page_mac(secret: &[u8], payment_id: i64) -> hmac::Hmac<sha2::Sha256> {
    use hmac::Mac as _;
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("sandbox-pay-page:{payment_id}").as_bytes());
    mac
}

/// The pay page of a payment: `/sandbox/pay/<id>.<mac>`.
pub fn pay_page_path(secret: &[u8], payment_id: i64) -> String {
    use hmac::Mac as _;
    let tag = pay_page_mac(secret, payment_id).finalize().into_bytes();
    format!("/sandbox/pay/{payment_id}.{}", hex::encode(&tag[..16]))
}

/// The payment a pay page address names, if its MAC is right (compared in constant time);
/// anything else is `None`, like a payment that does not exist.
pub fn payment_of_page(secret: &[u8], page: &str) -> Option<i64> {
    use hmac::Mac as _;
    let (id, tag) = page.split_once('.')?;
    let id: i64 = id.parse().ok()?;
    let tag = hex::decode(tag).ok()?;
    if tag.len() != 16 {
        return None;
    }
    pay_page_mac(secret, id).verify_truncated_left(&tag).ok()?;
    Some(id)
}

/// The sandbox payment behind a pay page address (`<id>.<mac>`), or not found when the
/// address is forged or names no payment.
pub async fn payment_at(state: &AppState, page: &str) -> AppResult<SandboxPayment> {
    let payment_id = payment_of_page(state.sandbox_secret(), page).ok_or(AppError::NotFound("payment"))?;
    state
        .store()
        .sandbox_payment(payment_id)
        .await?
        .ok_or(AppError::NotFound("payment"))
}

/// The buyer pays (or fails) on the sandbox's pay page: the ledger records the outcome
/// and queues the signed notification to the shop (and its duplicate) in the same
/// transaction. Completing a payment twice changes nothing.
pub async fn complete_payment(state: &AppState, page: &str, succeeded: bool) -> AppResult<SandboxPayment> {
    let payment_id = payment_of_page(state.sandbox_secret(), page).ok_or(AppError::NotFound("payment"))?;
    let now = Timestamp::from_millis(wall_clock_millis());
    let event_id = format!(
        "evt_{}",
        crate::tokens::generate()
            .map_err(|e| AppError::Internal(e.into()))?
            .get(..24)
            .unwrap_or("x")
    );
    // Jobs run on the shop's clock, so tests can move deliveries forward in time.
    let shop_now = state.now();
    // The notification (and its duplicate) is queued in the transaction that completes
    // the payment, so a crash cannot leave money collected that the shop never hears of.
    let notify = std::sync::Arc::new(move |payment: &SandboxPayment| {
        let notification = Notification {
            event_id: event_id.clone(),
            payment_id,
            order_id: payment.order_id,
            amount: payment.amount,
            currency: payment.currency.clone(),
            status: if payment.status == PaymentStatus::Succeeded {
                NotifiedStatus::Succeeded
            } else {
                NotifiedStatus::Failed
            },
        };
        let Ok(payload) = serde_json::to_string(&Delivery { notification }) else {
            // Serialising plain strings and integers cannot fail; were it to, the shop's
            // reconciliation would still find the payment by asking.
            return Vec::new();
        };
        [shop_now, shop_now.plus(DUPLICATE_AFTER)]
            .into_iter()
            .map(|run_at| NewJob {
                kind: NOTIFY_JOB.into(),
                payload: payload.clone(),
                run_at,
                created_at: shop_now,
            })
            .collect()
    });
    let (payment, _completed_now) = state
        .store()
        .sandbox_complete_notifying(payment_id, succeeded, now, notify)
        .await?;
    Ok(payment)
}

/// Delivers one queued notification to the shop: signs the body with the shared secret and
/// POSTs it. Answers whether the shop acknowledged it with a 2xx.
pub async fn deliver(
    client: &reqwest::Client,
    notify_url: &str,
    secret: &[u8],
    delivery: &Delivery,
    now_unix: i64,
) -> Result<(), String> {
    let body = notification_body(&delivery.notification);
    let response = client
        .post(notify_url)
        .header("content-type", "application/json")
        .header(signature::HEADER, signature::sign(secret, now_unix, &body))
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the shop answered {}", response.status()))
    }
}

#[cfg(test)]
mod page_tests {
    use super::*;

    #[test]
    fn a_pay_page_address_opens_only_with_its_own_mac() {
        let path = pay_page_path(b"secret", 12);
        let page = path.strip_prefix("/sandbox/pay/").expect("prefix");
        assert_eq!(payment_of_page(b"secret", page), Some(12));
        let mac = page.split_once('.').expect("dot").1;
        for forged in [
            "12".to_owned(),
            format!("13.{mac}"),
            format!("12.{}", &mac[..30]),
            "12.00000000000000000000000000000000".to_owned(),
            "x.y".to_owned(),
        ] {
            assert!(payment_of_page(b"secret", &forged).is_none(), "{forged}");
        }
        assert!(payment_of_page(b"other", page).is_none(), "another shop's secret");
    }
}
