//! Emporium's payment provider interface: the trait every provider implements, the types
//! the shop and a provider exchange, the sandbox's notification signature scheme and body
//! format, and the retry schedule for notifications that were not acknowledged.
//!
//! The shop talks to providers only through [`PaymentProvider`], held by name in a
//! [`Providers`] registry, so adding Alipay, WeChat Pay or Stripe means implementing the
//! trait and registering it, nothing more. The built-in sandbox provider lives in the
//! server (it needs the database); this crate deliberately has no database, HTTP client
//! or async runtime, so everything here is tested without I/O.
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
//!     fn verify_notification(&self, header: Option<&str>, body: &[u8], now: i64) -> Result<Notification, NotificationError> {
//!         signature::verify(b"generous secret", header, body, now)?;
//!         parse_notification(body)
//!     }
//! }
//!
//! let providers = Providers::new().with(Arc::new(Generous));
//! assert_eq!(providers.names(), ["generous"]);
//! ```

mod notification;
mod provider;
mod registry;
mod retry;
pub mod signature;

pub use notification::{Notification, NotificationError, NotifiedStatus, notification_body, parse_notification};
pub use provider::{
    BoxFuture, Checkout, PaymentProvider, PaymentRequest, ProviderError, RefundOutcome, RefundRequest, RemoteStatus,
};
pub use registry::Providers;
pub use retry::{MAX_ATTEMPTS, MAX_RETRY_DELAY, retry_delay};
