//! WeChat Pay API v3 (微信支付 APIv3, direct merchant): Native (QR code) and H5 payments,
//! queries, closing, refunds, and the encrypted notifications, over the [`Transport`] the
//! shop injects.
//!
//! The protocol in short:
//! - every request carries `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
//!   signature=…,timestamp=…,serial_no=…`, a SHA256withRSA signature by the merchant's key
//!   (certificate `serial_no`) over `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n`
//!   ([`signing`]), and `Wechatpay-Serial` naming the platform public key the merchant
//!   trusts, so that WeChat Pay signs its answers with that key;
//! - every answer is signed by the platform (`Wechatpay-Timestamp`, `-Nonce`,
//!   `-Signature`, `-Serial`, over `TIMESTAMP\nNONCE\nBODY\n`); an answer that does not
//!   verify, names another key or is more than five minutes off is not believed and the
//!   call reports [`ProviderError::Unavailable`], so nothing is done on its word;
//! - amounts are integers in fen (`amount.total`), currency `CNY` only;
//! - notifications are signed the same way and carry their content AES-256-GCM sealed
//!   with the merchant's 32-byte API v3 key ([`notify`]); the shop answers 204, or 4xx/5xx
//!   with `{"code":"FAIL","message":…}` to have WeChat Pay send it again later.
//!
//! The shop's `out_trade_no` is [`trade_no`] of its payment id and its `out_refund_no` is
//! [`RefundRequest::key_for`] of its refund id, so WeChat Pay's own idempotency by those
//! numbers makes every call safe to repeat.

mod answer;
mod config;
pub mod notify;
pub mod signing;

use std::fmt;
use std::sync::Arc;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use ring::rand::{SecureRandom as _, SystemRandom};
use serde_json::{Value, json};

pub use config::{ConfigError, WechatPayConfig};
pub use notify::refund_id_of;

use crate::{
    BoxFuture, Checkout, HttpRequest, HttpResponse, Incoming, Notice, NotificationError, PaymentProvider,
    PaymentRequest, ProviderError, RefundOutcome, RefundRequest, RemoteStatus, Reply, Transport, trade_no,
};
use answer::{Answer, TransactionState, quote, refund_outcome, refused, unavailable};
use signing::{Platform, RequestParts, SignedError};

/// WeChat Pay's API host.
pub const PRODUCTION_BASE_URL: &str = "https://api.mch.weixin.qq.com";

/// The only currency WeChat Pay collects for a mainland merchant.
pub const CURRENCY: &str = "CNY";

/// The longest `description` WeChat Pay accepts, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 127;

/// The channels: `native` shows a QR code the buyer scans with WeChat (the default), `h5`
/// opens WeChat from a mobile browser.
const CHANNELS: &[&str] = &["native", "h5"];

/// The clock, in unix seconds (injectable for tests).
type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Where request nonces come from (injectable for tests).
type NonceSource = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// The WeChat Pay API v3 adapter.
pub struct WechatPay {
    config: WechatPayConfig,
    transport: Arc<dyn Transport>,
    clock: Clock,
    nonce: NonceSource,
}

impl fmt::Debug for WechatPay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPay")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl WechatPay {
    /// An adapter for `config`, reaching WeChat Pay through `transport`, on the system
    /// clock and with random nonces.
    /// A trailing `/` on the base URL is dropped (the signed path must start with `/v3/`).
    pub fn new(mut config: WechatPayConfig, transport: Arc<dyn Transport>) -> Self {
        config.base_url = config.base_url.trim_end_matches('/').to_owned();
        let rng = SystemRandom::new();
        Self {
            config,
            transport,
            clock: Arc::new(system_now),
            nonce: Arc::new(move || random_nonce(&rng)),
        }
    }

    /// The same adapter reading the time from `clock` (unix seconds): tests and replays.
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The same adapter signing with nonces from `nonce`: tests that compare signatures.
    pub fn with_nonce(mut self, nonce: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.nonce = Arc::new(move || Some(nonce()));
        self
    }

    /// The settings in use.
    pub fn config(&self) -> &WechatPayConfig {
        &self.config
    }

    fn platform(&self) -> Platform<'_> {
        Platform {
            key: &self.config.platform_public_key,
            key_id: &self.config.platform_public_key_id,
        }
    }

    /// Sends one signed request and answers it once its signature is verified. 429 and
    /// 5xx answers, answers that do not verify, and no answer at all are `Unavailable`.
    async fn call(&self, method: &'static str, path: &str, body: Option<&Value>) -> Result<Answer, ProviderError> {
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let nonce = (self.nonce)().ok_or_else(|| unavailable("no random source for the request nonce".into()))?;
        let parts = RequestParts {
            method,
            path_with_query: path,
            timestamp: (self.clock)(),
            nonce: &nonce,
            body: &body,
        };
        let authorization = signing::authorization(
            &self.config.mch_id,
            &self.config.serial,
            &self.config.private_key,
            parts,
        );
        let request = HttpRequest {
            method,
            url: format!("{}{path}", self.config.base_url),
            headers: vec![
                ("Authorization".into(), authorization),
                ("Accept".into(), "application/json".into()),
                ("Content-Type".into(), "application/json".into()),
                ("User-Agent".into(), USER_AGENT.into()),
                (
                    signing::HEADER_SERIAL.into(),
                    self.config.platform_public_key_id.clone(),
                ),
            ],
            body,
        };
        let response = self
            .transport
            .send(request)
            .await
            .map_err(|e| unavailable(format!("no answer from WeChat Pay ({method} {path}): {}", quote(&e))))?;
        if response.status == 429 || response.status >= 500 {
            // Not verified, so only quoted for the log, never acted on.
            return Err(unavailable(format!(
                "WeChat Pay answered {} to {method} {path}: {}",
                response.status,
                quote(&String::from_utf8_lossy(&response.body))
            )));
        }
        self.verify_answer(&response)?;
        Ok(Answer {
            status: response.status,
            body: response.body,
        })
    }

    /// Believes an answer only when the platform key signed it, recently. Error answers
    /// and empty 204s are signed too, and checked as well: each of them is acted on.
    fn verify_answer(&self, response: &HttpResponse) -> Result<(), ProviderError> {
        signing::verify_signed(
            self.platform(),
            |name| response.header(name),
            &response.body,
            (self.clock)(),
        )
        .map_err(|e| unavailable(format!("an answer from WeChat Pay was not believed: {e}")))
    }

    async fn create(&self, request: &PaymentRequest) -> Result<Checkout, ProviderError> {
        if request.currency != CURRENCY {
            return Err(refused(format!(
                "WeChat Pay collects only {CURRENCY}, not {}",
                request.currency
            )));
        }
        if request.amount <= 0 {
            return Err(refused("the amount must be at least 1 fen".into()));
        }
        let out_trade_no = trade_no(request.payment_id);
        let mut body = json!({
            "appid": self.config.app_id,
            "mchid": self.config.mch_id,
            "description": description(&request.subject),
            "out_trade_no": out_trade_no,
            "time_expire": time_expire(request.expires_at_unix)?,
            "notify_url": request.notify_url,
            "amount": {"total": request.amount, "currency": CURRENCY},
        });
        let channel = request.channel.as_deref().unwrap_or(CHANNELS[0]);
        let (path, url_field) = match channel {
            "native" => ("/v3/pay/transactions/native", "code_url"),
            "h5" => {
                let ip = request
                    .client_ip
                    .as_deref()
                    .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
                    .ok_or_else(|| refused("the h5 channel needs the buyer's IP address (client_ip)".into()))?;
                body["scene_info"] = json!({"payer_client_ip": ip, "h5_info": {"type": "Wap"}});
                ("/v3/pay/transactions/h5", "h5_url")
            }
            other => return Err(refused(format!("WeChat Pay has no channel {other:?}"))),
        };
        let answer = self.call("POST", path, Some(&body)).await?;
        if !answer.is_success() {
            return Err(answer.error());
        }
        let fields: Value = answer.json()?;
        let url = fields[url_field]
            .as_str()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| unavailable(format!("WeChat Pay's answer has no {url_field}")))?;
        Ok(match channel {
            "native" => Checkout {
                provider_ref: out_trade_no,
                pay_url: url.to_owned(),
                qr_code: Some(url.to_owned()),
            },
            _ => Checkout {
                provider_ref: out_trade_no,
                pay_url: with_redirect(url, &request.return_url),
                qr_code: None,
            },
        })
    }

    /// The transaction by the shop's `out_trade_no`, or `None` when WeChat Pay does not
    /// know it (`ORDER_NOT_EXIST`).
    async fn transaction(&self, payment_id: i64) -> Result<Option<TransactionState>, ProviderError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}?mchid={}",
            trade_no(payment_id),
            self.config.mch_id
        );
        let answer = self.call("GET", &path, None).await?;
        if answer.status == 404 || answer.code().as_deref() == Some("ORDER_NOT_EXIST") {
            return Ok(None);
        }
        if !answer.is_success() {
            return Err(answer.error());
        }
        let tx: TransactionState = answer.json()?;
        if tx.mchid != self.config.mch_id || tx.out_trade_no != trade_no(payment_id) {
            return Err(unavailable(
                "WeChat Pay answered about another merchant or payment".into(),
            ));
        }
        Ok(Some(tx))
    }

    async fn query_status(&self, payment_id: i64) -> Result<RemoteStatus, ProviderError> {
        let Some(tx) = self.transaction(payment_id).await? else {
            return Ok(RemoteStatus::Unknown);
        };
        Ok(match tx.trade_state.as_str() {
            // REFUND: paid, then (partly) refunded; the money was collected all the same.
            "SUCCESS" | "REFUND" => {
                let amount = tx
                    .amount
                    .ok_or_else(|| unavailable("a paid transaction without an amount".into()))?;
                RemoteStatus::Succeeded {
                    amount: amount.total,
                    currency: amount.currency,
                }
            }
            "NOTPAY" | "USERPAYING" => RemoteStatus::Pending,
            "CLOSED" | "PAYERROR" | "REVOKED" => RemoteStatus::Failed,
            other => return Err(unavailable(format!("unknown trade_state {}", quote(other)))),
        })
    }

    async fn close(&self, payment_id: i64) -> Result<(), ProviderError> {
        let path = format!("/v3/pay/transactions/out-trade-no/{}/close", trade_no(payment_id));
        let answer = self
            .call("POST", &path, Some(&json!({"mchid": self.config.mch_id})))
            .await?;
        match answer.code().as_deref() {
            _ if answer.is_success() => Ok(()),
            // Closing what is already closed or was never opened leaves it as wanted.
            Some("ORDER_NOT_EXIST" | "ORDER_CLOSED") => Ok(()),
            _ => Err(answer.error()),
        }
    }

    async fn create_refund(&self, request: &RefundRequest) -> Result<RefundOutcome, ProviderError> {
        if request.currency != CURRENCY {
            return Err(refused(format!(
                "WeChat Pay refunds only {CURRENCY}, not {}",
                request.currency
            )));
        }
        if request.amount <= 0 {
            return Err(refused("the refund must be at least 1 fen".into()));
        }
        // The refund API wants the payment's total beside the amount to pay back, and
        // `RefundRequest` does not carry it. Asking WeChat Pay (a signed answer) rather
        // than trusting a figure from elsewhere also refuses early a payment it never
        // collected. A repeated request queries again, which is harmless.
        let Some(tx) = self.transaction(request.payment_id).await? else {
            return Err(refused(format!(
                "WeChat Pay does not know payment {}",
                trade_no(request.payment_id)
            )));
        };
        let total = match (tx.trade_state.as_str(), &tx.amount) {
            ("SUCCESS" | "REFUND", Some(amount)) => amount.total,
            (state, _) => return Err(refused(format!("the payment is {}, nothing to refund", quote(state)))),
        };
        let mut body = json!({
            "out_trade_no": trade_no(request.payment_id),
            "out_refund_no": request.idempotency_key,
            "amount": {"refund": request.amount, "total": total, "currency": CURRENCY},
        });
        if let Some(url) = &self.config.refund_notify_url {
            body["notify_url"] = json!(url);
        }
        let answer = self.call("POST", "/v3/refund/domestic/refunds", Some(&body)).await?;
        if !answer.is_success() {
            return Err(answer.error());
        }
        refund_outcome(&answer, &request.idempotency_key)
    }

    async fn refund_state(&self, request: &RefundRequest) -> Result<RefundOutcome, ProviderError> {
        let path = format!("/v3/refund/domestic/refunds/{}", path_segment(&request.idempotency_key));
        let answer = self.call("GET", &path, None).await?;
        if answer.status == 404 || answer.code().as_deref() == Some("RESOURCE_NOT_EXISTS") {
            // It never reached WeChat Pay: asking for it now is what the shop wants, and
            // is safe by its key.
            return self.create_refund(request).await;
        }
        if !answer.is_success() {
            return Err(answer.error());
        }
        refund_outcome(&answer, &request.idempotency_key)
    }
}

impl PaymentProvider for WechatPay {
    fn name(&self) -> &'static str {
        "wechatpay"
    }

    fn create_payment<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<Checkout, ProviderError>> {
        Box::pin(self.create(request))
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundOutcome, ProviderError>> {
        Box::pin(self.create_refund(request))
    }

    fn query<'a>(&'a self, payment_id: i64, _: Option<&'a str>) -> BoxFuture<'a, Result<RemoteStatus, ProviderError>> {
        // The shop's own out_trade_no names the payment even before WeChat Pay gave a
        // transaction_id, so provider_ref is not needed.
        Box::pin(self.query_status(payment_id))
    }

    fn verify_notification(&self, incoming: Incoming<'_>) -> Result<Notice, NotificationError> {
        signing::verify_signed(
            self.platform(),
            |name| incoming.header(name),
            incoming.body,
            incoming.now_unix,
        )
        .map_err(notification_error)?;
        let merchant = notify::Merchant {
            mch_id: &self.config.mch_id,
            app_id: &self.config.app_id,
            api_v3_key: &self.config.api_v3_key,
        };
        notify::parse(merchant, incoming.body)
    }

    fn channels(&self) -> &'static [&'static str] {
        CHANNELS
    }

    fn accepts_currency(&self, currency: &str) -> bool {
        currency == CURRENCY
    }

    fn close_payment<'a>(&'a self, payment_id: i64, _: Option<&'a str>) -> BoxFuture<'a, Result<bool, ProviderError>> {
        Box::pin(async move { self.close(payment_id).await.map(|()| true) })
    }

    fn query_refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundOutcome, ProviderError>> {
        Box::pin(self.refund_state(request))
    }

    fn acknowledge(&self) -> Reply {
        Reply::empty(204)
    }

    fn refuse(&self, reason: &str) -> Option<Reply> {
        Some(Reply::json(400, &json!({"code": "FAIL", "message": reason})))
    }
}

/// The `User-Agent` of every request.
const USER_AGENT: &str = concat!("emporium-payments/", env!("CARGO_PKG_VERSION"), " (WeChatPay-APIv3)");

/// The subject cut to [`MAX_DESCRIPTION_CHARS`] characters (never inside a character).
fn description(subject: &str) -> String {
    subject.chars().take(MAX_DESCRIPTION_CHARS).collect()
}

/// `time_expire`: RFC 3339 in China Standard Time, as WeChat Pay writes it
/// (`2026-12-07T22:28:53+08:00`).
fn time_expire(unix: i64) -> Result<String, ProviderError> {
    let utc = chrono::DateTime::from_timestamp(unix, 0).ok_or_else(|| refused("the expiry is out of range".into()))?;
    let china = chrono::FixedOffset::east_opt(8 * 3600).ok_or_else(|| refused("no +08:00 offset".into()))?;
    Ok(utc
        .with_timezone(&china)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}

/// The H5 URL with `redirect_url` (the URL-encoded return page) appended, as WeChat Pay
/// documents for sending the buyer back after paying.
fn with_redirect(h5_url: &str, return_url: &str) -> String {
    let separator = if h5_url.contains('?') { '&' } else { '?' };
    format!(
        "{h5_url}{separator}redirect_url={}",
        utf8_percent_encode(return_url, NON_ALPHANUMERIC)
    )
}

/// A value placed in a URL path, encoded (the shop's keys need none; anything else must
/// not change the path that is signed and sent).
fn path_segment(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

/// 32 random upper-case hex characters (WeChat Pay asks for at most 32).
fn random_nonce(rng: &SystemRandom) -> Option<String> {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes).ok()?;
    Some(hex::encode_upper(bytes))
}

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn notification_error(error: SignedError) -> NotificationError {
    match error {
        SignedError::Missing => NotificationError::MissingSignature,
        SignedError::Bad => NotificationError::BadSignature,
        SignedError::Stale(skew_secs) => NotificationError::Stale { skew_secs },
        other @ (SignedError::Malformed(_) | SignedError::UnknownSerial(_)) => {
            NotificationError::MalformedSignature(other.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_cut_on_character_boundaries() {
        let long = "商".repeat(200);
        assert_eq!(description(&long).chars().count(), MAX_DESCRIPTION_CHARS);
        assert_eq!(description("short"), "short");
    }

    #[test]
    fn expiry_is_china_time() {
        assert_eq!(time_expire(0).unwrap(), "1970-01-01T08:00:00+08:00");
        assert_eq!(time_expire(1_796_596_133).unwrap(), "2026-12-07T06:28:53+08:00");
    }

    #[test]
    fn the_return_page_is_url_encoded() {
        assert_eq!(
            with_redirect("https://wx.tenpay.com/pay?prepay_id=1", "https://shop.example/o/1?x=y"),
            "https://wx.tenpay.com/pay?prepay_id=1&redirect_url=https%3A%2F%2Fshop%2Eexample%2Fo%2F1%3Fx%3Dy"
        );
    }

    #[test]
    fn nonces_are_32_hex_characters() {
        let nonce = random_nonce(&SystemRandom::new()).unwrap();
        assert_eq!(nonce.len(), 32);
        assert!(nonce.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
