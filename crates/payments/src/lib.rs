//! Emporium's payment provider interface: the trait every provider implements, the types
//! the shop and a provider exchange, the sandbox's notification signature scheme and body
//! format, and the retry schedule for notifications that were not acknowledged.
//!
//! The shop talks to providers only through [`PaymentProvider`], held by name in a
//! [`Providers`] registry, so adding Alipay, WeChat Pay or Stripe means implementing the
//! trait and registering it, nothing more. The built-in sandbox provider lives in the
//! server (it needs the database); the real providers' adapters live here
//! ([`alipay`], [`wechatpay`]) and reach their servers through a [`Transport`] the shop
//! gives them, so this crate has no database, HTTP client or async runtime and its
//! protocol code is tested without I/O.
//!
//! A provider is a handful of boxed futures; here is one that accepts everything:
//!
//! ```
//! use std::sync::Arc;
//! use emporium_payments::*;
//!
//! struct Generous;
//!
//! impl PaymentProvider for Generous {
//!     fn name(&self) -> &'static str {
//!         "generous"
//!     }
//!     fn create_payment<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<Checkout, ProviderError>> {
//!         Box::pin(async move {
//!             Ok(Checkout {
//!                 provider_ref: format!("gen-{}", request.payment_id),
//!                 pay_url: format!("https://generous.example/pay/{}", request.payment_id),
//!                 qr_code: None,
//!             })
//!         })
//!     }
//!     fn refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundOutcome, ProviderError>> {
//!         // Generous pays nothing, so every attempt with a key has the same outcome.
//!         Box::pin(async move { Ok(RefundOutcome::Succeeded { provider_ref: format!("ref-{}", request.idempotency_key) }) })
//!     }
//!     fn query<'a>(&'a self, _: i64, _: Option<&'a str>) -> BoxFuture<'a, Result<RemoteStatus, ProviderError>> {
//!         Box::pin(async { Ok(RemoteStatus::Unknown) })
//!     }
//!     fn verify_notification(&self, incoming: Incoming<'_>) -> Result<Notice, NotificationError> {
//!         signature::verify(b"generous secret", incoming.header(signature::HEADER), incoming.body, incoming.now_unix)?;
//!         Ok(parse_notification(incoming.body)?.into())
//!     }
//! }
//!
//! let providers = Providers::new().with(Arc::new(Generous));
//! assert_eq!(providers.names(), ["generous"]);
//! ```

pub mod alipay;
mod notification;
mod provider;
mod registry;
mod retry;
pub mod rsa;
pub mod signature;
mod transport;
pub mod wechatpay;

pub use notification::{Notification, NotificationError, NotifiedStatus, notification_body, parse_notification};
pub use provider::{
    BoxFuture, Checkout, Incoming, Notice, PaymentNotice, PaymentProvider, PaymentRequest, ProviderError, RefundNotice,
    RefundOutcome, RefundRequest, RemoteStatus, payment_id_of, trade_no,
};
pub use registry::Providers;
pub use retry::{MAX_ATTEMPTS, MAX_RETRY_DELAY, retry_delay};
pub use transport::{HttpRequest, HttpResponse, Reply, Transport};
