//! Which payment providers are on, made from the settings at start-up: the sandbox
//! (unless switched off), Alipay and WeChat Pay when their settings are complete. Keys are
//! read from files here, once; a key that cannot be read stops start-up naming the
//! setting, never showing the key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use emporium_payments::alipay::{Alipay, AlipayConfig};
use emporium_payments::rsa::{SigningKey, VerifyingKey};
use emporium_payments::wechatpay::{WechatPay, WechatPayConfig};
use emporium_payments::{Providers, Transport};

use super::transport::{HyperTransport, PROVIDER_TIMEOUT};

/// Alipay's production OpenAPI gateway (the `EMPORIUM_ALIPAY_GATEWAY` default).
pub const ALIPAY_GATEWAY: &str = emporium_payments::alipay::PRODUCTION_GATEWAY;
/// WeChat Pay's production API (the `EMPORIUM_WECHATPAY_BASE_URL` default).
pub const WECHATPAY_BASE_URL: &str = emporium_payments::wechatpay::PRODUCTION_BASE_URL;

/// The providers' settings (README's settings table, docs/PAYMENTS.md).
#[derive(Debug, Clone)]
pub struct PaymentSettings {
    /// Whether the built-in sandbox takes payments (`EMPORIUM_SANDBOX=off` turns it off).
    pub sandbox: bool,
    /// Alipay, when all of its settings are given.
    pub alipay: Option<AlipaySettings>,
    /// WeChat Pay, when all of its settings are given.
    pub wechatpay: Option<WechatPaySettings>,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        Self {
            sandbox: true,
            alipay: None,
            wechatpay: None,
        }
    }
}

/// Alipay's settings: the app, the merchant's private key, Alipay's public key.
#[derive(Debug, Clone)]
pub struct AlipaySettings {
    /// `EMPORIUM_ALIPAY_APP_ID`.
    pub app_id: String,
    /// `EMPORIUM_ALIPAY_PRIVATE_KEY_FILE`: the merchant's PKCS#8 or PKCS#1 PEM.
    pub private_key_file: PathBuf,
    /// `EMPORIUM_ALIPAY_PUBLIC_KEY_FILE`: Alipay's public key PEM.
    pub public_key_file: PathBuf,
    /// `EMPORIUM_ALIPAY_GATEWAY`.
    pub gateway: String,
}

/// WeChat Pay's settings (API v3 with the WeChat Pay public key).
#[derive(Debug, Clone)]
pub struct WechatPaySettings {
    /// `EMPORIUM_WECHATPAY_MCH_ID`.
    pub mch_id: String,
    /// `EMPORIUM_WECHATPAY_APP_ID`.
    pub app_id: String,
    /// `EMPORIUM_WECHATPAY_SERIAL`: the merchant certificate's serial number.
    pub serial: String,
    /// `EMPORIUM_WECHATPAY_PRIVATE_KEY_FILE`: the merchant's private key PEM.
    pub private_key_file: PathBuf,
    /// `EMPORIUM_WECHATPAY_PUBLIC_KEY_FILE`: WeChat Pay's public key PEM.
    pub public_key_file: PathBuf,
    /// `EMPORIUM_WECHATPAY_PUBLIC_KEY_ID`: that key's id (`PUB_KEY_ID_…`).
    pub public_key_id: String,
    /// `EMPORIUM_WECHATPAY_API_V3_KEY_FILE`: a file holding the 32-character API v3 key.
    pub api_v3_key_file: PathBuf,
    /// `EMPORIUM_WECHATPAY_BASE_URL`.
    pub base_url: String,
}

fn read(setting: &str, path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{setting}: cannot read {}: {e}", path.display()))
}

fn signing_key(setting: &str, path: &Path) -> Result<SigningKey, String> {
    SigningKey::from_pem(&read(setting, path)?).map_err(|e| format!("{setting}: {e}"))
}

fn verifying_key(setting: &str, path: &Path) -> Result<VerifyingKey, String> {
    VerifyingKey::from_pem(&read(setting, path)?).map_err(|e| format!("{setting}: {e}"))
}

/// Adds the real providers whose settings are given to `providers`; `public_url` is where
/// they reach the shop's notification routes.
pub fn add_configured(
    mut providers: Providers,
    settings: &PaymentSettings,
    public_url: &str,
) -> Result<Providers, String> {
    if settings.alipay.is_none() && settings.wechatpay.is_none() {
        return Ok(providers);
    }
    let transport: Arc<dyn Transport> = Arc::new(HyperTransport::new(PROVIDER_TIMEOUT)?);
    if let Some(a) = &settings.alipay {
        let config = AlipayConfig {
            app_id: a.app_id.clone(),
            private_key: signing_key("EMPORIUM_ALIPAY_PRIVATE_KEY_FILE", &a.private_key_file)?,
            alipay_public_key: verifying_key("EMPORIUM_ALIPAY_PUBLIC_KEY_FILE", &a.public_key_file)?,
            gateway: a.gateway.clone(),
        };
        providers = providers.with(Arc::new(Alipay::new(config, transport.clone())));
    }
    if let Some(w) = &settings.wechatpay {
        let api_v3_key = read("EMPORIUM_WECHATPAY_API_V3_KEY_FILE", &w.api_v3_key_file)?;
        let api_v3_key = WechatPayConfig::api_v3_key(api_v3_key.trim())
            .map_err(|e| format!("EMPORIUM_WECHATPAY_API_V3_KEY_FILE: {e}"))?;
        let config = WechatPayConfig {
            mch_id: w.mch_id.clone(),
            app_id: w.app_id.clone(),
            serial: w.serial.clone(),
            private_key: signing_key("EMPORIUM_WECHATPAY_PRIVATE_KEY_FILE", &w.private_key_file)?,
            platform_public_key: verifying_key("EMPORIUM_WECHATPAY_PUBLIC_KEY_FILE", &w.public_key_file)?,
            platform_public_key_id: w.public_key_id.clone(),
            api_v3_key,
            base_url: w.base_url.clone(),
            // Refunds finish later at WeChat Pay; it tells the shop here (the jobs also ask).
            refund_notify_url: Some(format!(
                "{}/api/v1/payments/notify/wechatpay",
                public_url.trim_end_matches('/')
            )),
        };
        config.validate().map_err(|e| e.to_string())?;
        providers = providers.with(Arc::new(WechatPay::new(config, transport)));
    }
    Ok(providers)
}
