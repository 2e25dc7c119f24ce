//! The merchant's WeChat Pay settings and their checks.

use std::fmt;

use crate::rsa::{SigningKey, VerifyingKey};

/// A merchant's WeChat Pay settings. `Debug` shows the ids, never the keys.
pub struct WechatPayConfig {
    /// The merchant id (`mchid`), digits.
    pub mch_id: String,
    /// The app id the payments belong to (`appid`, e.g. an official account's `wx…`).
    pub app_id: String,
    /// The serial number of the merchant's API certificate (`serial_no`), naming the key
    /// that signs requests.
    pub serial: String,
    /// The merchant's API private key (`apiclient_key.pem`).
    pub private_key: SigningKey,
    /// The platform public key (微信支付公钥) that signs answers and notifications.
    pub platform_public_key: VerifyingKey,
    /// That key's id (`PUB_KEY_ID_…`), which answers name in `Wechatpay-Serial`.
    pub platform_public_key_id: String,
    /// The API v3 key that seals notifications' content (exactly 32 bytes; see
    /// [`WechatPayConfig::api_v3_key`]).
    pub api_v3_key: [u8; 32],
    /// `scheme://host[:port]` without a path ([`PRODUCTION_BASE_URL`](super::PRODUCTION_BASE_URL), or a fake's).
    pub base_url: String,
    /// Where WeChat Pay sends refund notifications; without it the shop learns refunds'
    /// ends only by [`query_refund`](crate::PaymentProvider::query_refund).
    pub refund_notify_url: Option<String>,
}

impl fmt::Debug for WechatPayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPayConfig")
            .field("mch_id", &self.mch_id)
            .field("app_id", &self.app_id)
            .field("serial", &self.serial)
            .field("private_key", &"<redacted>")
            .field("platform_public_key_id", &self.platform_public_key_id)
            .field("api_v3_key", &"<redacted>")
            .field("base_url", &self.base_url)
            .field("refund_notify_url", &self.refund_notify_url)
            .finish()
    }
}

/// Why WeChat Pay settings were refused. Never echoes a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("WeChat Pay settings: {0}")]
pub struct ConfigError(String);

impl WechatPayConfig {
    /// The API v3 key from its text as the merchant platform shows it: exactly 32 bytes
    /// (WeChat Pay's keys are 32 ASCII letters and digits), refused otherwise, because
    /// AES-256 needs 32 and a shorter or padded key would fail every notification.
    pub fn api_v3_key(text: &str) -> Result<[u8; 32], ConfigError> {
        text.as_bytes()
            .try_into()
            .map_err(|_| ConfigError(format!("the API v3 key must be exactly 32 bytes, not {}", text.len())))
    }

    /// Checks the ids and the base URL: all present, ids without characters that would
    /// break the `Authorization` header, and a base URL without a path (the signature
    /// covers the path as sent, which must start with `/v3/`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let ids = [
            ("mch_id", &self.mch_id),
            ("app_id", &self.app_id),
            ("serial", &self.serial),
            ("platform_public_key_id", &self.platform_public_key_id),
        ];
        for (name, value) in ids {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(ConfigError(format!("{name} must be letters, digits and '_'")));
            }
        }
        let base_url = self.base_url.trim_end_matches('/');
        let rest = base_url
            .strip_prefix("https://")
            .or_else(|| base_url.strip_prefix("http://"))
            .ok_or_else(|| ConfigError("base_url must start with https:// or http://".into()))?;
        if rest.is_empty() || rest.contains(['/', '?', '#']) {
            return Err(ConfigError(
                "base_url must be scheme://host[:port], without a path".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_v3_keys_must_be_32_bytes() {
        assert!(WechatPayConfig::api_v3_key(&"k".repeat(32)).is_ok());
        for bad in ["", "short", &"k".repeat(33)] {
            let error = WechatPayConfig::api_v3_key(bad).unwrap_err();
            assert!(!error.to_string().contains("kkkk"), "{error}");
        }
    }
}
