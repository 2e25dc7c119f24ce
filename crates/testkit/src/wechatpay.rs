//! A fake WeChat Pay API v3 on 127.0.0.1 for the adapter's tests: it checks each
//! request's `Authorization` with the merchant's public key, signs every answer with a
//! platform key made at test time, keeps transactions by `out_trade_no` and refunds by
//! `out_refund_no` (idempotent, as the real API), answers the published error codes, and
//! sends signed, AES-256-GCM sealed notifications when a test says the buyer paid or a
//! refund finished.
//!
//! Endpoints: `POST /v3/pay/transactions/{native,h5}`,
//! `GET /v3/pay/transactions/out-trade-no/{no}?mchid=`,
//! `POST /v3/pay/transactions/out-trade-no/{no}/close`, `POST /v3/refund/domestic/refunds`,
//! `GET /v3/refund/domestic/refunds/{out_refund_no}`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use emporium_payments::rsa::{SigningKey, VerifyingKey};
use emporium_payments::wechatpay::signing;
use ring::aead;
use serde_json::{Value, json};

use crate::keys::{self, KeyPair};

/// The fake platform public key's id, as WeChat Pay names its keys.
pub const PLATFORM_KEY_ID: &str = "PUB_KEY_ID_0000000000000001";

/// A failure the fake answers instead of the next matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 500 `{"code":"SYSTEM_ERROR"}`, signed; nothing is done.
    SystemError,
    /// A bare 500 with a text body, unsigned; nothing is done.
    Http500,
    /// No answer for this long (then a 500); nothing is done.
    Timeout(Duration),
    /// Any signed error: `status` with `{"code": code}`; nothing is done.
    Error {
        /// The HTTP status.
        status: u16,
        /// WeChat Pay's error code, e.g. `NOT_ENOUGH`.
        code: &'static str,
    },
    /// The request is carried out, but the answer's signature is altered.
    BadSignature,
    /// The request is carried out, but the answer names another platform key.
    UnknownSerial,
}

/// A notification the fake sent, and what the shop answered.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The notification's headers (`Wechatpay-*`).
    pub headers: HeaderMap,
    /// Its body, exactly as sent.
    pub body: Vec<u8>,
    /// The shop's status and body, or `None` when the notify URL could not be reached.
    pub answer: Option<(u16, String)>,
}

/// A request the fake received (after its signature was checked).
#[derive(Debug, Clone)]
pub struct Seen {
    /// `GET` or `POST`.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Its headers.
    pub headers: HeaderMap,
}

/// The fake server; it stops when dropped.
#[derive(Debug)]
pub struct FakeWechatPay {
    inner: Arc<Inner>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeWechatPay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Inner {
    mch_id: String,
    app_id: String,
    merchant_key: VerifyingKey,
    api_v3_key: [u8; 32],
    platform: SigningKey,
    platform_pem: String,
    client: reqwest::Client,
    state: Mutex<Ledger>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("mch_id", &self.mch_id)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Ledger {
    transactions: HashMap<String, Transaction>,
    refunds: HashMap<String, Refund>,
    faults: Vec<(String, Fault)>,
    seen: Vec<Seen>,
    serial: u64,
}

struct Transaction {
    request: Value,
    trade_type: &'static str,
    pay_url: String,
    trade_state: &'static str,
    transaction_id: Option<String>,
    refunded: i64,
}

struct Refund {
    out_trade_no: String,
    refund_id: String,
    status: &'static str,
    refund: i64,
    total: i64,
    notify_url: Option<String>,
}

/// A signed answer before it is sent.
struct Answer {
    status: u16,
    body: Option<Value>,
}

fn answer(status: u16, body: Value) -> Answer {
    Answer {
        status,
        body: Some(body),
    }
}

fn error(status: u16, code: &str, message: &str) -> Answer {
    answer(status, json!({"code": code, "message": message}))
}

impl FakeWechatPay {
    /// Starts the fake for merchant `mch_id` and app `app_id`, trusting requests signed by
    /// the key of `merchant_public_key_pem` and sealing notifications with `api_v3_key`.
    pub async fn start(mch_id: &str, app_id: &str, merchant_public_key_pem: &str, api_v3_key: [u8; 32]) -> Self {
        let pair = platform_pair();
        let inner = Arc::new(Inner {
            mch_id: mch_id.to_owned(),
            app_id: app_id.to_owned(),
            merchant_key: VerifyingKey::from_pem(merchant_public_key_pem).expect("merchant public key"),
            api_v3_key,
            platform: SigningKey::from_pem(&pair.private_pkcs8).expect("platform key"),
            platform_pem: pair.public.clone(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
            state: Mutex::new(Ledger::default()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let app = axum::Router::new().fallback(handle).with_state(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { inner, addr, task }
    }

    /// `http://127.0.0.1:<port>`, the adapter's `base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The platform public key (SubjectPublicKeyInfo PEM) the answers are signed with.
    pub fn platform_public_key_pem(&self) -> String {
        self.inner.platform_pem.clone()
    }

    /// The platform public key's id, [`PLATFORM_KEY_ID`].
    pub fn platform_public_key_id(&self) -> String {
        PLATFORM_KEY_ID.to_owned()
    }

    /// Makes the next request whose path starts with `path_prefix` fail with `fault`.
    pub fn fail_next(&self, path_prefix: &str, fault: Fault) {
        self.inner.ledger().faults.push((path_prefix.to_owned(), fault));
    }

    /// The buyer pays `out_trade_no`: it becomes `SUCCESS` and a `TRANSACTION.SUCCESS`
    /// notification goes to the notify URL it was created with.
    pub async fn pay(&self, out_trade_no: &str) -> Delivery {
        self.try_pay(out_trade_no)
            .await
            .expect("only an unpaid transaction can be paid")
    }

    /// [`pay`](Self::pay), or `None` when the transaction is unknown or not `NOTPAY`
    /// (closed by the shop, say), as the buyer's app would refuse to pay it.
    pub async fn try_pay(&self, out_trade_no: &str) -> Option<Delivery> {
        let (url, plaintext) = {
            let mut ledger = self.inner.ledger();
            let id = ledger.next();
            let tx = ledger.transactions.get_mut(out_trade_no)?;
            if tx.trade_state != "NOTPAY" {
                return None;
            }
            tx.trade_state = "SUCCESS";
            tx.transaction_id = Some(format!("42000{id:023}"));
            let url = tx.request["notify_url"].as_str().unwrap_or_default().to_owned();
            (url, self.inner.transaction_json(out_trade_no, tx))
        };
        let (headers, body) = self.notification("TRANSACTION.SUCCESS", "transaction", &plaintext, now());
        Some(self.inner.deliver(&url, headers, body).await)
    }

    /// A refund finishes: `SUCCESS`, and a `REFUND.SUCCESS` notification goes to the
    /// refund's notify URL, when it was given one (`None` otherwise).
    pub async fn finish_refund(&self, out_refund_no: &str) -> Option<Delivery> {
        assert!(
            self.inner.ledger().refunds.contains_key(out_refund_no),
            "no such refund"
        );
        self.try_finish_refund(out_refund_no).await
    }

    /// [`finish_refund`](Self::finish_refund) of a refund still `PROCESSING`; `None` when
    /// there is no such refund, it has finished, or it has no notify URL.
    pub async fn try_finish_refund(&self, out_refund_no: &str) -> Option<Delivery> {
        let (url, plaintext) = {
            let mut ledger = self.inner.ledger();
            let refund = ledger.refunds.get_mut(out_refund_no)?;
            if refund.status != "PROCESSING" {
                return None;
            }
            refund.status = "SUCCESS";
            let plaintext = json!({
                "mchid": self.inner.mch_id,
                "out_trade_no": refund.out_trade_no,
                "transaction_id": "",
                "out_refund_no": out_refund_no,
                "refund_id": refund.refund_id,
                "refund_status": "SUCCESS",
                "success_time": china_time(now()),
                "user_received_account": "支付用户零钱",
                "amount": {"total": refund.total, "refund": refund.refund, "payer_total": refund.total, "payer_refund": refund.refund},
            });
            (refund.notify_url.clone(), plaintext)
        };
        let url = url?;
        let (headers, body) = self.notification("REFUND.SUCCESS", "refund", &plaintext, now());
        Some(self.inner.deliver(&url, headers, body).await)
    }

    /// A genuine notification of `event_type` whose resource (of `original_type`:
    /// `transaction` or `refund`) seals `plaintext`, signed at `timestamp`: its headers
    /// and body, for tests to send or alter.
    pub fn notification(
        &self,
        event_type: &str,
        original_type: &str,
        plaintext: &Value,
        timestamp: i64,
    ) -> (HeaderMap, Vec<u8>) {
        let id = self.inner.ledger().next();
        let nonce = random_text(12);
        let body = json!({
            "id": format!("EV-{id:018}"),
            "create_time": china_time(timestamp),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": if event_type.starts_with("REFUND") { "退款成功" } else { "支付成功" },
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": seal(&self.inner.api_v3_key, &nonce, original_type, plaintext.to_string().as_bytes()),
                "associated_data": original_type,
                "nonce": nonce,
            },
        })
        .to_string()
        .into_bytes();
        (self.signed_headers(timestamp, &body), body)
    }

    /// The platform's signature headers for any `body` at `timestamp` (to re-sign an
    /// altered notification, so that only the alteration is tested).
    pub fn signed_headers(&self, timestamp: i64, body: &[u8]) -> HeaderMap {
        signed_headers(&self.inner.platform, PLATFORM_KEY_ID, timestamp, body)
    }

    /// How much was refunded of `out_trade_no`, in fen (refunds still processing included).
    pub fn refunded(&self, out_trade_no: &str) -> i64 {
        self.inner
            .ledger()
            .transactions
            .get(out_trade_no)
            .map_or(0, |tx| tx.refunded)
    }

    /// How many refunds exist (one per `out_refund_no`).
    pub fn refund_count(&self) -> usize {
        self.inner.ledger().refunds.len()
    }

    /// The `trade_state` of `out_trade_no`, when it exists.
    pub fn trade_state(&self, out_trade_no: &str) -> Option<&'static str> {
        self.inner
            .ledger()
            .transactions
            .get(out_trade_no)
            .map(|tx| tx.trade_state)
    }

    /// How many transactions exist.
    pub fn transaction_count(&self) -> usize {
        self.inner.ledger().transactions.len()
    }

    /// The requests received whose signature was good, oldest first.
    pub fn seen(&self) -> Vec<Seen> {
        self.inner.ledger().seen.clone()
    }
}

/// The signature headers a platform key `key` named `key_id` puts on `body` at `timestamp`.
pub fn signed_headers(key: &SigningKey, key_id: &str, timestamp: i64, body: &[u8]) -> HeaderMap {
    let nonce = random_text(32);
    let signature = key.sign_base64(&signing::response_message(&timestamp.to_string(), &nonce, body));
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (signing::HEADER_TIMESTAMP, timestamp.to_string()),
        (signing::HEADER_NONCE, nonce),
        (signing::HEADER_SIGNATURE, signature),
        (signing::HEADER_SERIAL, key_id.to_owned()),
        (signing::HEADER_SIGNATURE_TYPE, signing::SCHEME.to_owned()),
    ] {
        headers.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(&value).expect("header value"),
        );
    }
    headers
}

/// AES-256-GCM seal of `plaintext` as WeChat Pay does it: `nonce` (12 characters) as the
/// IV, `associated_data` as the AAD, base64 of ciphertext and 16-byte tag.
pub fn seal(key: &[u8; 32], nonce: &str, associated_data: &str, plaintext: &[u8]) -> String {
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, key).expect("AES-256 key"));
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce.as_bytes()).expect("a 12-byte nonce");
    let mut in_out = plaintext.to_vec();
    key.seal_in_place_append_tag(nonce, aead::Aad::from(associated_data.as_bytes()), &mut in_out)
        .expect("seal");
    BASE64.encode(in_out)
}

/// The fake's platform key pair, made once per test process.
fn platform_pair() -> &'static KeyPair {
    static PAIR: OnceLock<KeyPair> = OnceLock::new();
    PAIR.get_or_init(keys::fresh)
}

impl Inner {
    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn deliver(&self, url: &str, headers: HeaderMap, body: Vec<u8>) -> Delivery {
        let mut request = self
            .client
            .post(url)
            .body(body.clone())
            .header("Content-Type", "application/json");
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_bytes());
        }
        let answer = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                Some((status, response.text().await.unwrap_or_default()))
            }
            Err(_) => None,
        };
        Delivery { headers, body, answer }
    }

    fn transaction_json(&self, out_trade_no: &str, tx: &Transaction) -> Value {
        let total = tx.request["amount"]["total"].as_i64().unwrap_or_default();
        let mut body = json!({
            "appid": self.app_id,
            "mchid": self.mch_id,
            "out_trade_no": out_trade_no,
            "trade_type": tx.trade_type,
            "trade_state": tx.trade_state,
            "trade_state_desc": trade_state_desc(tx.trade_state),
            "amount": {"total": total, "currency": "CNY", "payer_currency": "CNY"},
        });
        if let Some(id) = &tx.transaction_id {
            body["transaction_id"] = json!(id);
            body["bank_type"] = json!("OTHERS");
            body["success_time"] = json!(china_time(now()));
            body["payer"] = json!({"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"});
            body["amount"]["payer_total"] = json!(total);
        }
        body
    }

    /// Checks `Authorization`: our merchant, a fresh timestamp, and a signature by the
    /// merchant's key over `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n`.
    fn authenticate(&self, method: &Method, path: &str, headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
        let value = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .ok_or("Authorization is missing")?;
        let items = value
            .strip_prefix(signing::SCHEME)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or("the scheme is not WECHATPAY2-SHA256-RSA2048")?;
        let mut fields = HashMap::new();
        for item in items.split(',') {
            let (name, quoted) = item.trim().split_once('=').ok_or("an item without '='")?;
            let value = quoted
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or("an unquoted value")?;
            fields.insert(name, value);
        }
        let field = |name: &str| fields.get(name).copied().ok_or(format!("no {name}"));
        if field("mchid")? != self.mch_id {
            return Err("mchid is not this merchant".into());
        }
        if field("serial_no")?.is_empty() {
            return Err("serial_no is empty".into());
        }
        let timestamp: i64 = field("timestamp")?.parse().map_err(|_| "timestamp is not a number")?;
        if (now() - timestamp).abs() > signing::TOLERANCE_SECS {
            return Err("the timestamp is too old".into());
        }
        let message = signing::request_message(method.as_str(), path, timestamp, field("nonce_str")?, body);
        if !self.merchant_key.verify_base64(&message, field("signature")?) {
            return Err("签名错误: the signature does not match".into());
        }
        Ok(())
    }

    fn route(&self, method: &Method, path: &str, body: &[u8]) -> Answer {
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        let json = || serde_json::from_slice::<Value>(body);
        let parsed = if method == Method::POST {
            match json() {
                Ok(value) => value,
                Err(_) => return error(400, "PARAM_ERROR", "请求体不是JSON"),
            }
        } else {
            Value::Null
        };
        let mut ledger = self.ledger();
        match (method.as_str(), route) {
            ("POST", "/v3/pay/transactions/native") => self.create(&mut ledger, "NATIVE", parsed),
            ("POST", "/v3/pay/transactions/h5") => self.create(&mut ledger, "MWEB", parsed),
            ("POST", "/v3/refund/domestic/refunds") => self.refund(&mut ledger, parsed),
            ("GET", route) if route.starts_with("/v3/refund/domestic/refunds/") => {
                let out_refund_no = &route["/v3/refund/domestic/refunds/".len()..];
                match ledger.refunds.get(out_refund_no) {
                    Some(refund) => answer(200, self.refund_json(&ledger, out_refund_no, refund)),
                    None => error(404, "RESOURCE_NOT_EXISTS", "退款单不存在"),
                }
            }
            (_, route) if route.starts_with("/v3/pay/transactions/out-trade-no/") => {
                let rest = &route["/v3/pay/transactions/out-trade-no/".len()..];
                match (method.as_str(), rest.strip_suffix("/close")) {
                    ("POST", Some(out_trade_no)) => self.close(&mut ledger, out_trade_no, &parsed),
                    ("GET", None) => self.query(&ledger, rest, query),
                    _ => error(404, "NOT_FOUND", "无此接口"),
                }
            }
            _ => error(404, "NOT_FOUND", "无此接口"),
        }
    }

    fn create(&self, ledger: &mut Ledger, trade_type: &'static str, request: Value) -> Answer {
        if let Err(message) = self.check_order(&request, trade_type) {
            return error(400, "PARAM_ERROR", &message);
        }
        let out_trade_no = request["out_trade_no"].as_str().unwrap_or_default().to_owned();
        let url_field = if trade_type == "NATIVE" { "code_url" } else { "h5_url" };
        if let Some(tx) = ledger.transactions.get(&out_trade_no) {
            return match tx.trade_state {
                "SUCCESS" | "REFUND" => error(403, "ORDERPAID", "该订单已支付"),
                "CLOSED" => error(400, "ORDER_CLOSED", "订单已关闭"),
                _ if tx.request == request => answer(200, json!({ url_field: tx.pay_url })),
                _ => error(403, "OUT_TRADE_NO_USED", "商户订单号重复"),
            };
        }
        let id = ledger.next();
        let pay_url = if trade_type == "NATIVE" {
            format!("weixin://wxpay/bizpayurl?pr=Fake{id:07}")
        } else {
            format!("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx{id:020}&package=1037687096")
        };
        ledger.transactions.insert(
            out_trade_no,
            Transaction {
                request,
                trade_type,
                pay_url: pay_url.clone(),
                trade_state: "NOTPAY",
                transaction_id: None,
                refunded: 0,
            },
        );
        answer(200, json!({ url_field: pay_url }))
    }

    /// The published constraints of a Native or H5 order.
    fn check_order(&self, request: &Value, trade_type: &str) -> Result<(), String> {
        let text = |name: &str| {
            request[name]
                .as_str()
                .filter(|s| !s.is_empty())
                .ok_or(format!("缺少参数 {name}"))
        };
        if text("appid")? != self.app_id || text("mchid")? != self.mch_id {
            return Err("appid和mch_id不匹配".into());
        }
        if text("description")?.chars().count() > 127 {
            return Err("description 超过 127 个字符".into());
        }
        let out_trade_no = text("out_trade_no")?;
        if !(6..=32).contains(&out_trade_no.len()) {
            return Err("out_trade_no 长度应为 6 到 32".into());
        }
        text("notify_url")?;
        let time_expire = text("time_expire")?;
        if chrono::DateTime::parse_from_rfc3339(time_expire).is_err() {
            return Err("time_expire 格式错误".into());
        }
        if request["amount"]["total"].as_i64().is_none_or(|total| total <= 0) {
            return Err("amount.total 应为正整数".into());
        }
        if request["amount"]["currency"].as_str().is_some_and(|c| c != "CNY") {
            return Err("amount.currency 只能为 CNY".into());
        }
        if trade_type == "MWEB" {
            let scene = &request["scene_info"];
            if scene["payer_client_ip"].as_str().is_none_or(str::is_empty)
                || scene["h5_info"]["type"].as_str().is_none()
            {
                return Err("缺少参数 scene_info.payer_client_ip 或 h5_info.type".into());
            }
        }
        Ok(())
    }

    fn query(&self, ledger: &Ledger, out_trade_no: &str, query: &str) -> Answer {
        if query != format!("mchid={}", self.mch_id) {
            return error(400, "PARAM_ERROR", "mchid 参数错误");
        }
        match ledger.transactions.get(out_trade_no) {
            Some(tx) => answer(200, self.transaction_json(out_trade_no, tx)),
            None => error(404, "ORDER_NOT_EXIST", "订单不存在"),
        }
    }

    fn close(&self, ledger: &mut Ledger, out_trade_no: &str, request: &Value) -> Answer {
        if request["mchid"].as_str() != Some(self.mch_id.as_str()) {
            return error(400, "PARAM_ERROR", "mchid 参数错误");
        }
        let Some(tx) = ledger.transactions.get_mut(out_trade_no) else {
            return error(404, "ORDER_NOT_EXIST", "订单不存在");
        };
        match tx.trade_state {
            "SUCCESS" | "REFUND" => error(400, "ORDERPAID", "订单已支付"),
            _ => {
                tx.trade_state = "CLOSED";
                Answer {
                    status: 204,
                    body: None,
                }
            }
        }
    }

    fn refund(&self, ledger: &mut Ledger, request: Value) -> Answer {
        let out_trade_no = request["out_trade_no"].as_str().unwrap_or_default().to_owned();
        let Some(out_refund_no) = request["out_refund_no"]
            .as_str()
            .filter(|s| !s.is_empty() && s.len() <= 64)
        else {
            return error(400, "PARAM_ERROR", "缺少参数 out_refund_no");
        };
        let (refund, total) = (
            request["amount"]["refund"].as_i64(),
            request["amount"]["total"].as_i64(),
        );
        let (Some(refund), Some(total)) = (refund.filter(|r| *r > 0), total) else {
            return error(400, "PARAM_ERROR", "amount.refund 与 amount.total 必填");
        };
        if request["amount"]["currency"].as_str() != Some("CNY") {
            return error(400, "PARAM_ERROR", "amount.currency 只能为 CNY");
        }
        // A repeated out_refund_no answers the refund already made, paying nothing more.
        if let Some(existing) = ledger.refunds.get(out_refund_no) {
            if existing.out_trade_no != out_trade_no || existing.refund != refund {
                return error(400, "INVALID_REQUEST", "同一退款单号的请求参数不一致");
            }
            return answer(200, self.refund_json(ledger, out_refund_no, existing));
        }
        let Some(tx) = ledger.transactions.get(&out_trade_no) else {
            return error(404, "RESOURCE_NOT_EXISTS", "订单不存在");
        };
        if !matches!(tx.trade_state, "SUCCESS" | "REFUND") {
            return error(400, "INVALID_REQUEST", "订单未支付");
        }
        if tx.request["amount"]["total"].as_i64() != Some(total) {
            return error(400, "INVALID_REQUEST", "订单金额与实际不一致");
        }
        if tx.refunded + refund > total {
            return error(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额");
        }
        let id = ledger.next();
        let record = Refund {
            out_trade_no: out_trade_no.clone(),
            refund_id: format!("50000{id:024}"),
            status: "PROCESSING",
            refund,
            total,
            notify_url: request["notify_url"].as_str().map(str::to_owned),
        };
        if let Some(tx) = ledger.transactions.get_mut(&out_trade_no) {
            tx.refunded += refund;
            tx.trade_state = "REFUND";
        }
        let body = self.refund_json(ledger, out_refund_no, &record);
        ledger.refunds.insert(out_refund_no.to_owned(), record);
        answer(200, body)
    }

    fn refund_json(&self, ledger: &Ledger, out_refund_no: &str, refund: &Refund) -> Value {
        let transaction_id = ledger
            .transactions
            .get(&refund.out_trade_no)
            .and_then(|tx| tx.transaction_id.clone())
            .unwrap_or_default();
        json!({
            "refund_id": refund.refund_id,
            "out_refund_no": out_refund_no,
            "transaction_id": transaction_id,
            "out_trade_no": refund.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": china_time(now()),
            "status": refund.status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": refund.total, "refund": refund.refund, "payer_total": refund.total,
                "payer_refund": refund.refund, "settlement_refund": refund.refund,
                "settlement_total": refund.total, "discount_refund": 0, "currency": "CNY", "refund_fee": 0,
            },
        })
    }

    /// The answer as bytes with the platform's signature headers (altered on request).
    fn respond(&self, answer: Answer, tamper: Option<&Fault>) -> Response {
        let body = answer.body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let key_id = if tamper == Some(&Fault::UnknownSerial) {
            "PUB_KEY_ID_0000000000009999"
        } else {
            PLATFORM_KEY_ID
        };
        let mut headers = signed_headers(&self.platform, key_id, now(), &body);
        if tamper == Some(&Fault::BadSignature) {
            let signature = headers[signing::HEADER_SIGNATURE].to_str().unwrap_or_default();
            let flipped = if signature.starts_with('A') { "B" } else { "A" };
            let altered = format!("{flipped}{}", &signature[1..]);
            headers.insert(
                signing::HEADER_SIGNATURE,
                HeaderValue::from_str(&altered).expect("base64"),
            );
        }
        headers.insert(
            "request-id",
            HeaderValue::from_static("08F1CFB5A30610A80318C8CB9E8A01-0"),
        );
        if !body.is_empty() {
            headers.insert("content-type", HeaderValue::from_static("application/json"));
        }
        let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, headers, body).into_response()
    }

    /// The fault queued for `path`, removed from the queue.
    fn take_fault(&self, path: &str) -> Option<Fault> {
        let mut ledger = self.ledger();
        let index = ledger
            .faults
            .iter()
            .position(|(prefix, _)| path.starts_with(prefix.as_str()))?;
        Some(ledger.faults.remove(index).1)
    }
}

impl Ledger {
    fn next(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    if let Err(message) = inner.authenticate(&method, &path, &headers, &body) {
        return inner.respond(error(401, "SIGN_ERROR", &message), None);
    }
    inner.ledger().seen.push(Seen {
        method: method.to_string(),
        path: path.clone(),
        headers,
    });
    let fault = inner.take_fault(&path);
    match fault {
        Some(Fault::SystemError) => inner.respond(error(500, "SYSTEM_ERROR", "系统错误"), None),
        Some(Fault::Http500) => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
        Some(Fault::Timeout(delay)) => {
            tokio::time::sleep(delay).await;
            inner.respond(error(500, "SYSTEM_ERROR", "系统超时"), None)
        }
        Some(Fault::Error { status, code }) => inner.respond(error(status, code, "模拟的错误"), None),
        tamper => {
            let answer = inner.route(&method, &path, &body);
            inner.respond(answer, tamper.as_ref())
        }
    }
}

fn trade_state_desc(state: &str) -> &'static str {
    match state {
        "SUCCESS" => "支付成功",
        "REFUND" => "转入退款",
        "CLOSED" => "已关闭",
        _ => "未支付",
    }
}

/// `timestamp` in RFC 3339 with +08:00, as WeChat Pay writes times.
fn china_time(timestamp: i64) -> String {
    let china = chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00");
    chrono::DateTime::from_timestamp(timestamp, 0)
        .expect("a time in range")
        .with_timezone(&china)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Now, in unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `len` random letters and digits.
fn random_text(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("random bytes");
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}
