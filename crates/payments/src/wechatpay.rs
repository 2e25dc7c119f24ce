//! WeChat Pay API v3: being written (placeholder for the
//! integration branch; replaced by the adapter).
#![allow(missing_docs, clippy::missing_docs_in_private_items)]
use std::sync::Arc;

use crate::rsa::{SigningKey, VerifyingKey};
use crate::*;

pub struct WechatPayConfig {
    pub mch_id: String,
    pub app_id: String,
    pub serial: String,
    pub private_key: SigningKey,
    pub platform_public_key: VerifyingKey,
    pub platform_public_key_id: String,
    pub api_v3_key: [u8; 32],
    pub base_url: String,
}
pub const PRODUCTION_BASE_URL: &str = "https://api.mch.weixin.qq.com";
pub struct WechatPay;
impl WechatPay {
    pub fn new(_: WechatPayConfig, _: Arc<dyn Transport>) -> Self {
        Self
    }
}
impl PaymentProvider for WechatPay {
    fn name(&self) -> &'static str {
        "wechatpay"
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
        &["native", "h5"]
    }
}
