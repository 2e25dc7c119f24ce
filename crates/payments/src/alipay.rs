//! Alipay (支付宝开放平台 OpenAPI gateway, RSA2): being written (placeholder for the
//! integration branch; replaced by the adapter).
#![allow(missing_docs, clippy::missing_docs_in_private_items)]
use std::sync::Arc;

use crate::rsa::{SigningKey, VerifyingKey};
use crate::*;

pub struct AlipayConfig {
    pub app_id: String,
    pub private_key: SigningKey,
    pub alipay_public_key: VerifyingKey,
    pub gateway: String,
}
pub const PRODUCTION_GATEWAY: &str = "https://openapi.alipay.com/gateway.do";
pub struct Alipay;
impl Alipay {
    pub fn new(_: AlipayConfig, _: Arc<dyn Transport>) -> Self {
        Self
    }
}
impl PaymentProvider for Alipay {
    fn name(&self) -> &'static str {
        "alipay"
    }
    fn create_payment<'a>(&'a self, _: &'a PaymentRequest) -> BoxFuture<'a, Result<Checkout, ProviderError>> {
        Box::pin(async { Err(ProviderError::Unavailable("placeholder".into())) })
    }
    fn refund<'a>(&'a self, _: &'a RefundRequest) -> BoxFuture<'a, Result<RefundOutcome, ProviderError>> {
        Box::pin(async { Err(ProviderError::Unavailable("placeholder".into())) })
    }
    fn query<'a>(&'a self, _: i64, _: Option<&'a str>) -> BoxFuture<'a, Result<RemoteStatus, ProviderError>> {
        Box::pin(async { Err(ProviderError::Unavailable("placeholder".into())) })
    }
    fn verify_notification(&self, _: Incoming<'_>) -> Result<Notice, NotificationError> {
        Err(NotificationError::BadSignature)
    }
    fn channels(&self) -> &'static [&'static str] {
        &["page", "wap", "qr"]
    }
}
