//! The provider trait and the requests and answers the shop exchanges with a provider.

use std::future::Future;
use std::pin::Pin;

use crate::{Notification, NotificationError};

/// A boxed, sendable future: what the trait's async methods return, so that the trait
/// stays object-safe (`Arc<dyn PaymentProvider>`) without an async-trait macro.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the shop asks a provider to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// The shop's payment id, which the provider echoes in its notifications.
    pub payment_id: i64,
    /// The order being paid for.
    pub order_id: i64,
    /// The amount to collect, in the currency's minor unit.
    pub amount: i64,
    /// ISO 4217 code of `amount`, e.g. `CNY`.
    pub currency: String,
}

/// Where to send the buyer, and the provider's own reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The provider's id for this payment (kept for refunds and reconciliation).
    pub provider_ref: String,
    /// The provider's page where the buyer pays.
    pub pay_url: String,
}

/// What the shop asks a provider to pay back.
///
/// The shop may send the same request more than once: after a timeout, or when it
/// restarts with a refund it had claimed but whose answer it never recorded. Every
/// attempt carries the same [`idempotency_key`](Self::idempotency_key), and a provider
/// must pay back at most once per key, answering a repeated key with the outcome of the
/// first attempt (Stripe's `Idempotency-Key` header, Alipay's `out_request_no`,
/// WeChat Pay's `out_refund_no`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// The shop's refund id.
    pub refund_id: i64,
    /// Names this refund at the provider across retries and restarts; see
    /// [`RefundRequest::key_for`].
    pub idempotency_key: String,
    /// The shop's id of the payment being refunded.
    pub payment_id: i64,
    /// The provider's reference for that payment, when it gave one.
    pub provider_ref: Option<String>,
    /// The amount to pay back, in the currency's minor unit.
    pub amount: i64,
    /// ISO 4217 code of `amount`.
    pub currency: String,
}

impl RefundRequest {
    /// The idempotency key of the shop's refund `refund_id`: derived from the id alone, so
    /// whoever drives the refund (the approving request, a job, a restarted instance)
    /// sends the same key without having to store one.
    pub fn key_for(refund_id: i64) -> String {
        format!("emporium-refund-{refund_id}")
    }
}

/// How a refund ended, as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// The money went back; `provider_ref` is the provider's id for the refund.
    Succeeded {
        /// The provider's id for the refund.
        provider_ref: String,
    },
    /// The provider declined the refund for a reason it states (nothing was paid back).
    Failed {
        /// The provider's explanation.
        reason: String,
    },
}

/// A payment's state as the provider reports it when asked (reconciliation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteStatus {
    /// The buyer has not finished paying yet.
    Pending,
    /// The money was collected: this much, in this currency (the shop checks both).
    Succeeded {
        /// The amount collected, in the currency's minor unit.
        amount: i64,
        /// ISO 4217 code of `amount`.
        currency: String,
    },
    /// The payment failed or was abandoned.
    Failed,
    /// The provider does not know this payment.
    Unknown,
}

/// Why a provider call did not produce an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider could not be reached or failed on its side; trying again later may work.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// The provider understood the request and refused it; repeating it will not help.
    #[error("provider refused: {0}")]
    Refused(String),
}

/// A payment provider, as the shop sees it.
///
/// Implementations must be cheap to share (`Arc<dyn PaymentProvider>`) and safe to call
/// concurrently. The shop owns all bookkeeping: a provider never touches orders or
/// payments itself, it only answers.
pub trait PaymentProvider: Send + Sync + 'static {
    /// The name clients use (`{"provider": "sandbox"}`).
    fn name(&self) -> &'static str;

    /// Starts collecting a payment: where to send the buyer. Called again for the same
    /// `payment_id` (two clicks at once, or a crash before the answer was recorded), it must
    /// answer the same checkout rather than open a second one the buyer could also pay.
    fn create_payment<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<Checkout, ProviderError>>;

    /// Pays money back (never more than was paid: the shop checks; a provider may also refuse).
    ///
    /// Must be idempotent by `request.idempotency_key`: a key seen before pays nothing
    /// more and answers the first attempt's outcome, so the shop can always ask again
    /// when it does not know whether an earlier attempt went through. An
    /// [`Unavailable`](ProviderError::Unavailable) error means exactly that: the shop
    /// keeps the refund open and asks again later with the same key.
    fn refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundOutcome, ProviderError>>;

    /// Asks the provider what became of a payment (for reconciliation of payments left pending).
    fn query<'a>(
        &'a self,
        payment_id: i64,
        provider_ref: Option<&'a str>,
    ) -> BoxFuture<'a, Result<RemoteStatus, ProviderError>>;

    /// Checks a notification's authenticity and freshness and parses it.
    ///
    /// `signature` is the provider's signature header value (for the sandbox:
    /// `Sandbox-Signature`), `body` the raw bytes as received (the signature covers them
    /// byte for byte), `now_unix` the shop's clock in seconds (injected so tests need no
    /// real clock). Every error means "answer 400 and change nothing".
    fn verify_notification(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now_unix: i64,
    ) -> Result<Notification, NotificationError>;
}
