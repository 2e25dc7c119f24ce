//! Alipay (支付宝开放平台), through the OpenAPI gateway (`gateway.do`) with RSA2 keys.
//!
//! Every call is a set of parameters signed with the merchant's private key: the common
//! ones (`app_id`, `method`, `format=JSON`, `charset=utf-8`, `sign_type=RSA2`,
//! `timestamp` in Beijing time, `version=1.0`, and for payments `notify_url` and
//! `return_url`) and `biz_content`, the call's own fields as JSON. The signature is
//! SHA256withRSA over the sorted `key=value&…` text of the non-empty parameters
//! ([`signing_text`]), in base64, sent as `sign`.
//!
//! - Channel `page` (computer browsers, `alipay.trade.page.pay`) and `wap` (phone
//!   browsers, `alipay.trade.wap.pay`) need no server call: the buyer's browser opens the
//!   gateway with the signed parameters, which is the `pay_url`.
//! - Channel `qr` (`alipay.trade.precreate`) asks the gateway for a code the buyer scans.
//! - Answers are JSON, `{"<method>_response": {...}, "sign": "..."}`, signed by Alipay
//!   over the exact text of the `*_response` value, and believed only after that
//!   signature is checked with Alipay's public key.
//! - Notifications are forms POSTed to the `notify_url`, signed by Alipay over every
//!   parameter but `sign` and `sign_type` ([`Alipay::verify_notification`]).
//!
//! The shop's payment id travels as `out_trade_no` ([`trade_no`]); Alipay gives its own
//! `trade_no` only once the buyer has paid (in the notification).

mod answer;
mod money;
mod notify;
mod trade;
mod wire;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde_json::{Value, json};

use self::answer::{Answer, field, read_answer};
pub use self::money::{beijing_time, parse_yuan, yuan};
use self::trade::same_trade;
pub use self::wire::{decode_form, signing_text};
use crate::rsa::{SigningKey, VerifyingKey};
use crate::transport::{HttpRequest, Reply, Transport};
use crate::{
    BoxFuture, Checkout, Incoming, Notice, NotificationError, PaymentProvider, PaymentRequest, ProviderError,
    RefundOutcome, RefundRequest, RemoteStatus, trade_no,
};

/// Alipay's production gateway.
pub const PRODUCTION_GATEWAY: &str = "https://openapi.alipay.com/gateway.do";

/// Alipay's sandbox gateway (开放平台沙箱), for a sandbox application's keys.
pub const SANDBOX_GATEWAY: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

/// The only currency this adapter collects: domestic Alipay trades are in yuan.
const CURRENCY: &str = "CNY";

/// The ways to pay, `page` first (the default).
const CHANNELS: &[&str] = &["page", "wap", "qr"];

/// How the shop reaches its Alipay application.
pub struct AlipayConfig {
    /// The application's id (`app_id`), e.g. `2021000000000000`.
    pub app_id: String,
    /// The application's private key (应用私钥), whose public half is registered with Alipay.
    pub private_key: SigningKey,
    /// Alipay's public key (支付宝公钥) as the console shows it for the application.
    pub alipay_public_key: VerifyingKey,
    /// The gateway's URL: [`PRODUCTION_GATEWAY`], [`SANDBOX_GATEWAY`], or a fake in tests.
    pub gateway: String,
}

impl AlipayConfig {
    /// A configuration for the production gateway.
    pub fn new(app_id: impl Into<String>, private_key: SigningKey, alipay_public_key: VerifyingKey) -> Self {
        Self {
            app_id: app_id.into(),
            private_key,
            alipay_public_key,
            gateway: PRODUCTION_GATEWAY.to_owned(),
        }
    }

    /// The same configuration, on another gateway.
    pub fn with_gateway(self, gateway: impl Into<String>) -> Self {
        Self {
            gateway: gateway.into(),
            ..self
        }
    }
}

impl fmt::Debug for AlipayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys stay out of logs, even their sizes: only what identifies the application.
        f.debug_struct("AlipayConfig")
            .field("app_id", &self.app_id)
            .field("private_key", &"<redacted>")
            .field("alipay_public_key", &"<redacted>")
            .field("gateway", &self.gateway)
            .finish()
    }
}

/// The Alipay adapter: a [`PaymentProvider`] named `alipay`.
pub struct Alipay {
    config: AlipayConfig,
    transport: Arc<dyn Transport>,
    /// Unix seconds now, for the requests' `timestamp` (injected so tests can fix it).
    clock: fn() -> i64,
}

impl fmt::Debug for Alipay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Alipay")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Alipay {
    /// An adapter reaching the gateway through `transport`, on the system clock.
    pub fn new(config: AlipayConfig, transport: Arc<dyn Transport>) -> Self {
        Self {
            config,
            transport,
            clock: system_clock,
        }
    }

    /// The same adapter, taking the time for `timestamp` from `clock` (unix seconds).
    pub fn with_clock(self, clock: fn() -> i64) -> Self {
        Self { clock, ..self }
    }

    /// The signed parameters of a call to `method` with these `biz_content` fields and
    /// extra common parameters (`notify_url`, `return_url`); empty values are left out,
    /// as Alipay leaves them out of the signature.
    fn signed_params(
        &self,
        method: &str,
        biz_content: &Value,
        extra: &[(&str, &str)],
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let timestamp = beijing_time((self.clock)()).ok_or_else(|| refused("the clock is out of range"))?;
        let common = [
            ("app_id", self.config.app_id.as_str()),
            ("method", method),
            ("format", "JSON"),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("timestamp", &timestamp),
            ("version", "1.0"),
        ];
        let biz_content = biz_content.to_string();
        let mut params: BTreeMap<String, String> = common
            .iter()
            .chain(extra)
            .chain(&[("biz_content", biz_content.as_str())])
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        let text = signing_text(params.iter().map(|(k, v)| (k.as_str(), v.as_str())), &["sign"]);
        params.insert("sign".to_owned(), self.config.private_key.sign_base64(text.as_bytes()));
        Ok(params)
    }

    /// The gateway's URL with `params` in its query string.
    fn gateway_url<'a>(&self, params: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let separator = if self.config.gateway.contains('?') { '&' } else { '?' };
        format!("{}{separator}{query}", self.config.gateway)
    }

    /// Calls `method` on the gateway and reads its verified answer.
    ///
    /// Sent as Alipay's SDKs send it: the common parameters and `sign` in the URL's query,
    /// `biz_content` in a form body.
    async fn call(&self, method: &str, biz_content: Value, extra: &[(&str, &str)]) -> Result<Answer, ProviderError> {
        let params = self.signed_params(method, &biz_content, extra)?;
        let (body, query): (Vec<_>, Vec<_>) = params.iter().partition(|(key, _)| *key == "biz_content");
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(body)
            .finish();
        let request = HttpRequest {
            method: "POST",
            url: self.gateway_url(query),
            headers: vec![(
                "content-type".to_owned(),
                "application/x-www-form-urlencoded;charset=utf-8".to_owned(),
            )],
            body: body.into_bytes(),
        };
        let response = self
            .transport
            .send(request)
            .await
            .map_err(|e| ProviderError::Unavailable(format!("Alipay {method}: {e}")))?;
        read_answer(method, &response, &self.config.alipay_public_key)
    }

    /// The checkout of channel `page` or `wap`: the gateway URL the browser opens.
    fn page_checkout(
        &self,
        request: &PaymentRequest,
        method: &str,
        biz_content: Value,
    ) -> Result<Checkout, ProviderError> {
        let urls = [
            ("notify_url", request.notify_url.as_str()),
            ("return_url", request.return_url.as_str()),
        ];
        let params = self.signed_params(method, &biz_content, &urls)?;
        Ok(Checkout {
            provider_ref: trade_no(request.payment_id),
            pay_url: self.gateway_url(&params),
            qr_code: None,
        })
    }

    /// The checkout of channel `qr`: `alipay.trade.precreate`'s `qr_code`. Asked again for
    /// the same unpaid trade, Alipay answers the same code.
    async fn qr_checkout(&self, request: &PaymentRequest, biz_content: Value) -> Result<Checkout, ProviderError> {
        let out_trade_no = trade_no(request.payment_id);
        let method = "alipay.trade.precreate";
        let fields = match self
            .call(method, biz_content, &[("notify_url", &request.notify_url)])
            .await?
        {
            Answer::Success(fields) => fields,
            Answer::Failure(failure) => return Err(failure.into_error()),
        };
        same_trade(&fields, &out_trade_no)?;
        let qr_code = field(&fields, "qr_code");
        if qr_code.is_empty() {
            return Err(ProviderError::Unavailable(
                "Alipay: precreate answered no qr_code".into(),
            ));
        }
        Ok(Checkout {
            provider_ref: out_trade_no,
            pay_url: qr_code.to_owned(),
            qr_code: Some(qr_code.to_owned()),
        })
    }
}

impl PaymentProvider for Alipay {
    fn name(&self) -> &'static str {
        "alipay"
    }

    fn channels(&self) -> &'static [&'static str] {
        CHANNELS
    }

    fn accepts_currency(&self, currency: &str) -> bool {
        currency == CURRENCY
    }

    fn create_payment<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<Checkout, ProviderError>> {
        Box::pin(async move {
            if request.currency != CURRENCY {
                return Err(refused("Alipay collects yuan (CNY) only"));
            }
            // Alipay's least amount is 0.01 yuan; it would refuse less with a vaguer reason.
            if request.amount <= 0 {
                return Err(refused("a payment must be at least 0.01 yuan"));
            }
            let time_expire =
                beijing_time(request.expires_at_unix).ok_or_else(|| refused("the expiry is out of range"))?;
            let mut biz_content = json!({
                "out_trade_no": trade_no(request.payment_id),
                "total_amount": yuan(request.amount),
                "subject": request.subject,
                "time_expire": time_expire,
            });
            let channel = request.channel.as_deref().unwrap_or(CHANNELS[0]);
            let (method, product_code) = match channel {
                "page" => ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
                "wap" => ("alipay.trade.wap.pay", "QUICK_WAP_WAY"),
                "qr" => return self.qr_checkout(request, biz_content).await,
                other => return Err(refused(&format!("unknown channel {other:?}"))),
            };
            biz_content["product_code"] = product_code.into();
            self.page_checkout(request, method, biz_content)
        })
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundOutcome, ProviderError>> {
        Box::pin(self.refund_trade(request))
    }

    /// Asks by `out_trade_no` (the shop's [`trade_no`]), which Alipay knows from the
    /// start; `provider_ref` is not needed.
    fn query<'a>(
        &'a self,
        payment_id: i64,
        _provider_ref: Option<&'a str>,
    ) -> BoxFuture<'a, Result<RemoteStatus, ProviderError>> {
        Box::pin(self.query_trade(payment_id))
    }

    fn verify_notification(&self, incoming: Incoming<'_>) -> Result<Notice, NotificationError> {
        notify::verify(incoming.body, &self.config.alipay_public_key, &self.config.app_id)
    }

    /// Closes an unpaid trade. A page or wap trade not yet opened by the buyer is unknown
    /// to Alipay, so closing it is a no-op and its `pay_url` keeps working until its
    /// `time_expire`; a payment after that is refunded by the shop.
    fn close_payment<'a>(
        &'a self,
        payment_id: i64,
        _provider_ref: Option<&'a str>,
    ) -> BoxFuture<'a, Result<bool, ProviderError>> {
        Box::pin(async move { self.close_trade(payment_id).await.map(|()| true) })
    }

    fn query_refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundOutcome, ProviderError>> {
        Box::pin(self.query_refund_request(request))
    }

    /// Alipay stops retrying only when the body is exactly `success`.
    fn acknowledge(&self) -> Reply {
        Reply::text(200, "success")
    }

    /// Anything but `success` makes Alipay retry; `fail` is what its documentation shows.
    fn refuse(&self, _reason: &str) -> Option<Reply> {
        Some(Reply::text(400, "fail"))
    }
}

fn refused(why: &str) -> ProviderError {
    ProviderError::Refused(why.to_owned())
}

/// Unix seconds by the system clock.
fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::answer::Failure;

    #[test]
    fn failures_are_temporary_only_on_alipays_side() {
        let failure = |code: &str, sub_code: &str| Failure {
            code: code.into(),
            sub_code: sub_code.into(),
            message: "m".into(),
        };
        assert!(failure("20000", "ACQ.SYSTEM_ERROR").is_temporary());
        assert!(failure("20000", "isp.unknow-error").is_temporary());
        assert!(failure("40004", "aop.ACQ.SYSTEM_ERROR").is_temporary());
        assert!(!failure("40004", "ACQ.TRADE_HAS_SUCCESS").is_temporary());
        assert!(!failure("40002", "isv.invalid-signature").is_temporary());
        assert_eq!(failure("40004", "").describe(), "40004: m");
    }
}
