//! The provider trait and the requests and answers the shop exchanges with a provider.

use std::future::Future;
use std::pin::Pin;

use crate::NotificationError;
use crate::transport::Reply;

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
    /// How the buyer pays, one of the provider's [`channels`](PaymentProvider::channels)
    /// (the shop has checked it and filled in the provider's default).
    pub channel: Option<String>,
    /// What the buyer sees on the provider's page and statement (e.g. "Emporium order 42").
    pub subject: String,
    /// The shop's public address for this provider's notifications
    /// (`{public_url}/api/v1/payments/notify/{provider}`).
    pub notify_url: String,
    /// Where the provider sends the buyer's browser afterwards (the order's page). Only a
    /// convenience: what the browser brings back is never believed.
    pub return_url: String,
    /// When the order stops awaiting payment (unix seconds): the provider should refuse to
    /// collect after it.
    pub expires_at_unix: i64,
    /// The buyer's IP address, which some channels require (WeChat Pay H5).
    pub client_ip: Option<String>,
}

/// The shop's name for a payment at a provider (`out_trade_no`): `EP` and the payment id,
/// at least 8 digits. Letters and digits only, 10 to 21 characters, which every provider
/// accepts (Alipay: up to 64, WeChat Pay: 6 to 32).
pub fn trade_no(payment_id: i64) -> String {
    format!("EP{payment_id:08}")
}

/// The payment id in a [`trade_no`], or `None` for anything the shop did not make.
pub fn payment_id_of(trade_no: &str) -> Option<i64> {
    let digits = trade_no.strip_prefix("EP")?;
    if digits.len() < 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id: &i64| *id > 0)
}

/// Where to send the buyer, and the provider's own reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The provider's id for this payment (kept for refunds and reconciliation); the
    /// shop's [`trade_no`] when the provider gives its own only once the buyer has paid.
    pub provider_ref: String,
    /// Where the buyer pays: the provider's page, or for a QR channel the code's content
    /// (which a phone also opens).
    pub pay_url: String,
    /// For QR channels (Alipay `qr`, WeChat Pay `native`): the text to show as a QR code.
    pub qr_code: Option<String>,
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
    /// The provider accepted the refund and will finish it later (WeChat Pay's
    /// `PROCESSING`): the shop keeps it `processing` and learns the end from a refund
    /// notification or [`query_refund`](PaymentProvider::query_refund).
    Pending,
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

/// A verified notification, as the shop acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// What became of a payment.
    Payment(PaymentNotice),
    /// What became of a refund.
    Refund(RefundNotice),
    /// Genuine, but nothing the shop acts on (e.g. Alipay's `WAIT_BUYER_PAY`): stored and
    /// acknowledged, so that the provider stops sending it.
    Ignored {
        /// The provider's id for this event.
        event_id: String,
        /// What it said, for the log.
        what: String,
    },
}

/// A verified payment notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentNotice {
    /// The provider's id for this event; the same event delivered twice has the same id,
    /// which is how the shop applies it once.
    pub event_id: String,
    /// The shop's payment id (from [`trade_no`] for the real providers).
    pub payment_id: i64,
    /// The shop's order id when the notification names it (the sandbox's does); the shop
    /// checks it against the payment's.
    pub order_id: Option<i64>,
    /// The amount collected, in the currency's minor unit.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// What happened.
    pub status: crate::NotifiedStatus,
    /// The provider's own id for the payment (Alipay `trade_no`, WeChat Pay
    /// `transaction_id`), when it gives one.
    pub provider_ref: Option<String>,
}

/// A verified refund notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundNotice {
    /// The provider's id for this event.
    pub event_id: String,
    /// The shop's refund id (from the refund's [`RefundRequest::key_for`] key).
    pub refund_id: i64,
    /// How it ended: `Succeeded` or `Failed` (a notice of `Pending` changes nothing).
    pub outcome: RefundOutcome,
}

/// What a notification route received: the headers and the exact body bytes.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The request's headers.
    pub headers: &'a http::HeaderMap,
    /// The body as received (signatures cover it byte for byte).
    pub body: &'a [u8],
    /// The shop's clock in unix seconds (injected so tests need no real clock).
    pub now_unix: i64,
}

impl Incoming<'_> {
    /// The value of header `name`, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
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

    /// Checks a notification's authenticity (and freshness, where the provider signs a
    /// time) and parses it. Every error means "refuse and change nothing". A provider
    /// checks what only it can (its merchant and app ids); the shop then checks the
    /// amount, currency and order against its own payment.
    fn verify_notification(&self, incoming: Incoming<'_>) -> Result<Notice, NotificationError>;

    /// The channels the buyer may choose (`page`, `wap`, `qr` for Alipay; `native`, `h5`
    /// for WeChat Pay), the first being the default; none for a provider with one way to pay.
    fn channels(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether this provider collects `currency` (ISO 4217); the shop refuses the others
    /// with a 4xx before asking.
    fn accepts_currency(&self, currency: &str) -> bool {
        let _ = currency;
        true
    }

    /// Closes an unpaid payment (the order was cancelled or expired) so that the buyer can
    /// no longer pay it; answers whether the provider closed it (`false`: it has no way to
    /// close one, as the sandbox, whose buyers may still pay late). Closing one that is
    /// already closed or unknown is a success. Best effort for the shop: a payment that
    /// still arrives is taken and refunded.
    fn close_payment<'a>(
        &'a self,
        payment_id: i64,
        provider_ref: Option<&'a str>,
    ) -> BoxFuture<'a, Result<bool, ProviderError>> {
        let _ = (payment_id, provider_ref);
        Box::pin(async { Ok(false) })
    }

    /// What became of a refund the shop asked for and left `processing` (reconciliation).
    /// By default asks [`refund`](Self::refund) again, which is idempotent by key.
    fn query_refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundOutcome, ProviderError>> {
        self.refund(request)
    }

    /// The answer to a notification that was applied (or applied before, or ignored): the
    /// sandbox's 200, Alipay's `success`, WeChat Pay's 204.
    fn acknowledge(&self) -> Reply {
        Reply::empty(200)
    }

    /// The answer to a notification that was refused; `None` answers the shop's usual
    /// problem+json 400.
    fn refuse(&self, reason: &str) -> Option<Reply> {
        let _ = reason;
        None
    }
}
