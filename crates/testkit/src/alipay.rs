//! A fake Alipay gateway on 127.0.0.1 for the Alipay adapter's tests: it verifies the
//! merchant's signature on every request as Alipay does, keeps trades and refunds, signs
//! its answers and notifications with its own key pair (made at test time), and can be
//! told to fail the next call of a method.
//!
//! It speaks the published shapes: answers `{"<method>_response":{…},"sign":"…"}` with
//! `/` escaped as `\/` as Alipay's gateway writes it (so an adapter that re-serializes
//! the JSON before verifying fails here too), and form-encoded notifications signed over
//! everything but `sign` and `sign_type`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use emporium_payments::alipay::{beijing_time, decode_form, parse_yuan, signing_text, yuan};
use emporium_payments::rsa::{SigningKey, VerifyingKey};
use emporium_payments::{Incoming, Notice, NotificationError, PaymentProvider};
use serde_json::{Map, Value, json};

use crate::keys::{self, KeyPair};

/// How the next call of a method fails (see [`FakeAlipay::fail_next`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A signed answer `code 20000`, `sub_code ACQ.SYSTEM_ERROR`; nothing is done.
    SystemError,
    /// HTTP 500 with an HTML body; nothing is done.
    Http500,
    /// The call is done, then the answer waits this long (longer than the client's
    /// timeout: done at Alipay, answer lost, the worst case for idempotency).
    Timeout(Duration),
    /// The call is done and answered, but one character of `sign` is changed.
    TamperedSign,
}

/// A trade as the fake keeps it.
#[derive(Debug, Clone)]
struct Trade {
    trade_no: String,
    out_trade_no: String,
    total: i64,
    subject: String,
    status: &'static str,
    notify_url: Option<String>,
    qr_code: Option<String>,
    notify_id: String,
    gmt_create: String,
    gmt_payment: Option<String>,
    /// Refunds by `out_request_no`: the amount paid back.
    refunds: BTreeMap<String, i64>,
}

#[derive(Debug, Default)]
struct Books {
    trades: BTreeMap<String, Trade>,
    faults: Vec<(String, Fault)>,
    calls: BTreeMap<String, usize>,
    next: u64,
}

impl Books {
    fn next_number(&mut self) -> u64 {
        self.next += 1;
        self.next
    }
}

struct Shared {
    app_id: String,
    merchant_key: VerifyingKey,
    alipay_key: SigningKey,
    books: Mutex<Books>,
}

/// A business failure: (`code`, `sub_code`, `sub_msg`).
type Failure = (&'static str, &'static str, String);

/// The fake gateway; stops when dropped.
pub struct FakeAlipay {
    addr: SocketAddr,
    alipay_public_pem: String,
    shared: Arc<Shared>,
    client: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FakeAlipay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeAlipay")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for FakeAlipay {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Alipay's key pair for this test process (one is enough: each fake is its own world).
fn alipay_keys() -> &'static KeyPair {
    static KEYS: OnceLock<KeyPair> = OnceLock::new();
    KEYS.get_or_init(keys::fresh)
}

impl FakeAlipay {
    /// Starts a gateway for application `app_id`, whose registered public key is
    /// `merchant_public_key_pem` (requests signed with another key are refused).
    pub async fn start(merchant_public_key_pem: &str, app_id: &str) -> Self {
        let pair = alipay_keys();
        let shared = Arc::new(Shared {
            app_id: app_id.to_owned(),
            merchant_key: VerifyingKey::from_pem(merchant_public_key_pem).expect("merchant public key"),
            alipay_key: SigningKey::from_pem(&pair.private_pkcs8).expect("fake Alipay key"),
            books: Mutex::default(),
        });
        let app = axum::Router::new()
            .route("/gateway.do", post(gateway).get(gateway))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Alipay");
        let addr = listener.local_addr().expect("fake Alipay address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            alipay_public_pem: pair.public.clone(),
            shared,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
            server,
        }
    }

    /// The gateway's URL, for `AlipayConfig::gateway`.
    pub fn gateway_url(&self) -> String {
        format!("http://{}/gateway.do", self.addr)
    }

    /// Alipay's public key (PEM), for `AlipayConfig::alipay_public_key`.
    pub fn alipay_public_key_pem(&self) -> &str {
        &self.alipay_public_pem
    }

    /// Makes the next call of `method` (e.g. `alipay.trade.refund`) fail with `fault`.
    /// Faults queue up, first in first out per method.
    pub fn fail_next(&self, method: &str, fault: Fault) {
        self.books().faults.push((method.to_owned(), fault));
    }

    /// How many requests named `method` arrived (signed correctly or not).
    pub fn calls(&self, method: &str) -> usize {
        self.books().calls.get(method).copied().unwrap_or(0)
    }

    /// The trade's status (`WAIT_BUYER_PAY`, `TRADE_SUCCESS`, `TRADE_CLOSED`), if it exists.
    pub fn trade_status(&self, out_trade_no: &str) -> Option<String> {
        self.books().trades.get(out_trade_no).map(|t| t.status.to_owned())
    }

    /// How many refunds paid money back on the trade (each `out_request_no` once).
    pub fn refunds_paid(&self, out_trade_no: &str) -> usize {
        self.books().trades.get(out_trade_no).map_or(0, |t| t.refunds.len())
    }

    /// How much was paid back on the trade, in fen.
    pub fn refunded(&self, out_trade_no: &str) -> i64 {
        self.books()
            .trades
            .get(out_trade_no)
            .map_or(0, |t| t.refunds.values().sum())
    }

    /// The buyer pays: the trade becomes `TRADE_SUCCESS`, and its notification is POSTed
    /// to the trade's `notify_url`. Answers the status and body the shop replied.
    pub async fn pay(&self, out_trade_no: &str) -> (u16, String) {
        let notify_url = {
            let mut books = self.books();
            let number = books.next_number();
            let trade = books.trades.get_mut(out_trade_no).expect("pay: no such trade");
            assert_eq!(trade.status, "WAIT_BUYER_PAY", "pay: the trade is not awaiting payment");
            trade.status = "TRADE_SUCCESS";
            trade.gmt_payment = Some(now_beijing());
            trade.notify_id = notify_id(number);
            trade.notify_url.clone().expect("pay: the trade has no notify_url")
        };
        let body = self.notify(out_trade_no, &[]);
        self.deliver(&notify_url, body).await
    }

    /// The trade's notification for its current state as a signed form body, after
    /// applying `overrides` (`Some` sets a field, `None` removes it) before signing.
    pub fn notify(&self, out_trade_no: &str, overrides: &[(&str, Option<&str>)]) -> String {
        let mut fields = self.notification(out_trade_no);
        for (name, value) in overrides {
            match value {
                Some(value) => fields.insert((*name).to_owned(), (*value).to_owned()),
                None => fields.remove(*name),
            };
        }
        self.sign_notification(&fields)
    }

    /// The fields of the trade's notification for its current state (unsigned), as
    /// Alipay sends them for `trade_status_sync`.
    pub fn notification(&self, out_trade_no: &str) -> BTreeMap<String, String> {
        let books = self.books();
        let trade = books.trades.get(out_trade_no).expect("notification: no such trade");
        let amount = yuan(trade.total);
        let mut fields: BTreeMap<String, String> = [
            ("app_id", self.shared.app_id.clone()),
            ("auth_app_id", self.shared.app_id.clone()),
            ("buyer_id", "2088102177846880".to_owned()),
            ("buyer_pay_amount", amount.clone()),
            ("charset", "utf-8".to_owned()),
            (
                "fund_bill_list",
                format!(r#"[{{"amount":"{amount}","fundChannel":"ALIPAYACCOUNT"}}]"#),
            ),
            ("gmt_create", trade.gmt_create.clone()),
            ("invoice_amount", amount.clone()),
            ("notify_id", trade.notify_id.clone()),
            ("notify_time", now_beijing()),
            ("notify_type", "trade_status_sync".to_owned()),
            ("out_trade_no", trade.out_trade_no.clone()),
            ("point_amount", "0.00".to_owned()),
            ("receipt_amount", amount.clone()),
            ("seller_id", "2088102177649450".to_owned()),
            ("subject", trade.subject.clone()),
            ("total_amount", amount),
            ("trade_no", trade.trade_no.clone()),
            ("trade_status", trade.status.to_owned()),
            ("version", "1.0".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some(paid) = &trade.gmt_payment {
            fields.insert("gmt_payment".to_owned(), paid.clone());
        }
        fields
    }

    /// `fields` as a form body signed with Alipay's key (`sign` over every field but
    /// `sign` and `sign_type`), with `sign_type=RSA2` added.
    pub fn sign_notification(&self, fields: &BTreeMap<String, String>) -> String {
        let text = signing_text(
            fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &["sign", "sign_type"],
        );
        let sign = self.shared.alipay_key.sign_base64(text.as_bytes());
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().filter(|(k, _)| *k != "sign" && *k != "sign_type"))
            .append_pair("sign", &sign)
            .append_pair("sign_type", "RSA2")
            .finish()
    }

    /// POSTs a notification body to `notify_url` as Alipay does; answers the status and body.
    pub async fn deliver(&self, notify_url: &str, body: String) -> (u16, String) {
        let answer = self
            .client
            .post(notify_url)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded;charset=utf-8")
            .body(body)
            .send()
            .await
            .expect("deliver the notification");
        let status = answer.status().as_u16();
        (status, answer.text().await.unwrap_or_default())
    }

    fn books(&self) -> std::sync::MutexGuard<'_, Books> {
        self.shared.books.lock().expect("fake Alipay books")
    }
}

/// The gateway: every method, GET (page and wap pay) or POST (parameters in the query
/// string, the body, or both, as the SDKs split them).
async fn gateway(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let mut params = match decode_form(query.unwrap_or_default().as_bytes()) {
        Ok(params) => params,
        Err(e) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    match decode_form(&body) {
        Ok(more) if more.keys().all(|k| !params.contains_key(k)) => params.extend(more),
        _ => return (StatusCode::BAD_REQUEST, "bad form").into_response(),
    }
    let method = params.get("method").cloned().unwrap_or_default();
    let fault = {
        let mut books = shared.books.lock().expect("books");
        *books.calls.entry(method.clone()).or_default() += 1;
        let at = books.faults.iter().position(|(m, _)| *m == method);
        at.map(|at| books.faults.remove(at).1)
    };
    if fault == Some(Fault::Http500) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "<html>500 Internal Server Error</html>",
        )
            .into_response();
    }
    if let Err(failure) = shared.check_request(&params) {
        // Alipay cannot sign for a caller it could not authenticate: no `sign`.
        return json_answer(format!("{{\"{}\":{}}}", response_key(&method), failure_json(&failure)));
    }
    if method == "alipay.trade.page.pay" || method == "alipay.trade.wap.pay" {
        return shared.cashier(&params);
    }
    let outcome = if fault == Some(Fault::SystemError) {
        Err(("20000", "ACQ.SYSTEM_ERROR", "系统错误".to_owned()))
    } else {
        shared.apply(&method, &params)
    };
    let inner = match outcome {
        Ok(fields) => alipay_json(&fields),
        Err(failure) => failure_json(&failure),
    };
    let mut sign = shared.alipay_key.sign_base64(inner.as_bytes());
    match fault {
        Some(Fault::TamperedSign) => sign = tamper(&sign),
        Some(Fault::Timeout(wait)) => tokio::time::sleep(wait).await,
        _ => {}
    }
    json_answer(format!("{{\"{}\":{inner},\"sign\":\"{sign}\"}}", response_key(&method)))
}

impl Shared {
    /// What the gateway checks before anything else: the common parameters and the
    /// merchant's signature over all parameters but `sign`.
    fn check_request(&self, params: &BTreeMap<String, String>) -> Result<(), Failure> {
        let get = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
        let invalid = |sub_code: &'static str, why: &str| ("40002", sub_code, why.to_owned());
        if get("app_id") != self.app_id {
            return Err(invalid("isv.invalid-app-id", "无效的AppID参数"));
        }
        if get("sign_type") != "RSA2" || get("charset") != "utf-8" || get("version") != "1.0" || get("format") != "JSON"
        {
            return Err(invalid(
                "isv.invalid-parameter",
                "sign_type, charset, version or format",
            ));
        }
        if chrono::NaiveDateTime::parse_from_str(get("timestamp"), "%Y-%m-%d %H:%M:%S").is_err() {
            return Err(invalid("isv.invalid-timestamp", "非法的时间戳参数"));
        }
        let text = signing_text(params.iter().map(|(k, v)| (k.as_str(), v.as_str())), &["sign"]);
        if !self.merchant_key.verify_base64(text.as_bytes(), get("sign")) {
            return Err(invalid(
                "isv.invalid-signature",
                &format!("验签出错，网关生成的验签字符串为：{text}"),
            ));
        }
        Ok(())
    }

    /// The cashier page of `alipay.trade.page.pay` / `wap.pay`: opening it registers the trade.
    fn cashier(&self, params: &BTreeMap<String, String>) -> Response {
        let opened = biz_content(params).and_then(|biz| self.open_trade(&biz, params.get("notify_url")));
        match opened {
            Ok(trade) => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html;charset=utf-8")],
                format!(
                    "<html><body>Fake Alipay cashier: {} pays {}</body></html>",
                    trade.out_trade_no,
                    yuan(trade.total)
                ),
            )
                .into_response(),
            Err((_, sub_code, why)) => (StatusCode::BAD_REQUEST, format!("{sub_code}: {why}")).into_response(),
        }
    }

    /// Opens (or finds again, while unpaid) the trade `biz_content` describes.
    fn open_trade(&self, biz: &Map<String, Value>, notify_url: Option<&String>) -> Result<Trade, Failure> {
        let out_trade_no = required(biz, "out_trade_no")?;
        let total = parse_yuan(&required(biz, "total_amount")?)
            .filter(|fen| *fen > 0)
            .ok_or(("40002", "isv.invalid-parameter", "total_amount".to_owned()))?;
        let subject = required(biz, "subject")?;
        let mut books = self.books.lock().expect("books");
        if let Some(trade) = books.trades.get(&out_trade_no) {
            return match trade.status {
                "WAIT_BUYER_PAY" => Ok(trade.clone()),
                "TRADE_CLOSED" => Err(business("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")),
                _ => Err(business("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")),
            };
        }
        let number = books.next_number();
        let trade = Trade {
            trade_no: format!("2026120722001{number:015}"),
            out_trade_no: out_trade_no.clone(),
            total,
            subject,
            status: "WAIT_BUYER_PAY",
            notify_url: notify_url.cloned(),
            qr_code: None,
            notify_id: notify_id(number),
            gmt_create: now_beijing(),
            gmt_payment: None,
            refunds: BTreeMap::new(),
        };
        books.trades.insert(out_trade_no, trade.clone());
        Ok(trade)
    }

    /// Does what `method` asks, answering its `*_response` fields or a business failure.
    fn apply(&self, method: &str, params: &BTreeMap<String, String>) -> Result<Map<String, Value>, Failure> {
        let biz = biz_content(params)?;
        match method {
            "alipay.trade.precreate" => self.precreate(&biz, params.get("notify_url")),
            "alipay.trade.query" => self.with_trade(&biz, |trade| Ok(query_fields(trade))),
            "alipay.trade.close" => self.with_trade(&biz, close),
            "alipay.trade.refund" => self.with_trade(&biz, |trade| refund(trade, &biz)),
            "alipay.trade.fastpay.refund.query" => self.with_trade(&biz, |trade| refund_query(trade, &biz)),
            _ => Err(("40002", "isv.invalid-method", format!("不存在的方法名 {method}"))),
        }
    }

    fn precreate(&self, biz: &Map<String, Value>, notify_url: Option<&String>) -> Result<Map<String, Value>, Failure> {
        let trade = self.open_trade(biz, notify_url)?;
        let mut books = self.books.lock().expect("books");
        let stored = books
            .trades
            .get_mut(&trade.out_trade_no)
            .ok_or(business("ACQ.SYSTEM_ERROR", "gone"))?;
        let qr_code = stored
            .qr_code
            .get_or_insert_with(|| format!("https://qr.alipay.com/bax0{}", &trade.trade_no[13..]))
            .clone();
        Ok(object(
            json!({ "out_trade_no": trade.out_trade_no, "qr_code": qr_code }),
        ))
    }

    /// Runs `action` on the trade `biz_content` names (by `out_trade_no` or `trade_no`).
    fn with_trade(
        &self,
        biz: &Map<String, Value>,
        action: impl FnOnce(&mut Trade) -> Result<Map<String, Value>, Failure>,
    ) -> Result<Map<String, Value>, Failure> {
        let text = |name: &str| biz.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
        let (out_trade_no, trade_no) = (text("out_trade_no"), text("trade_no"));
        let mut books = self.books.lock().expect("books");
        let trade = books
            .trades
            .values_mut()
            .find(|t| t.out_trade_no == out_trade_no || (!trade_no.is_empty() && t.trade_no == trade_no))
            .ok_or(business("ACQ.TRADE_NOT_EXIST", "交易不存在"))?;
        action(trade)
    }
}

fn query_fields(trade: &mut Trade) -> Map<String, Value> {
    let amount = yuan(trade.total);
    let mut fields = object(json!({
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": "159****5620",
        "trade_status": trade.status,
        "total_amount": amount,
        "buyer_pay_amount": "0.00",
        "point_amount": "0.00",
        "invoice_amount": "0.00",
        "receipt_amount": "0.00",
    }));
    if let Some(paid) = &trade.gmt_payment {
        fields.insert("buyer_pay_amount".into(), amount.into());
        fields.insert("send_pay_date".into(), paid.clone().into());
        fields.insert("buyer_user_id".into(), "2088102177846880".into());
    }
    fields
}

fn close(trade: &mut Trade) -> Result<Map<String, Value>, Failure> {
    if trade.status != "WAIT_BUYER_PAY" {
        return Err(business("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"));
    }
    trade.status = "TRADE_CLOSED";
    Ok(object(
        json!({ "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no }),
    ))
}

/// Pays back at most once per `out_request_no`; a repeat answers `fund_change` "N".
fn refund(trade: &mut Trade, biz: &Map<String, Value>) -> Result<Map<String, Value>, Failure> {
    let amount = parse_yuan(&required(biz, "refund_amount")?)
        .filter(|fen| *fen > 0)
        .ok_or(("40002", "isv.invalid-parameter", "refund_amount".to_owned()))?;
    // Alipay's default out_request_no is the out_trade_no (one full refund).
    let key = biz
        .get("out_request_no")
        .and_then(Value::as_str)
        .unwrap_or(&trade.out_trade_no)
        .to_owned();
    let fund_change = if trade.refunds.contains_key(&key) {
        "N"
    } else {
        if !matches!(trade.status, "TRADE_SUCCESS" | "TRADE_FINISHED") {
            return Err(business("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"));
        }
        let refunded: i64 = trade.refunds.values().sum();
        if refunded + amount > trade.total {
            return Err(business("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限"));
        }
        trade.refunds.insert(key, amount);
        if refunded + amount == trade.total {
            // Alipay closes a trade refunded in full.
            trade.status = "TRADE_CLOSED";
        }
        "Y"
    };
    Ok(object(json!({
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": "159****5620",
        "fund_change": fund_change,
        "refund_fee": yuan(trade.refunds.values().sum()),
        "gmt_refund_pay": now_beijing(),
        "buyer_user_id": "2088102177846880",
    })))
}

/// `refund_status` REFUND_SUCCESS for a refund made; only the trade's ids otherwise.
fn refund_query(trade: &mut Trade, biz: &Map<String, Value>) -> Result<Map<String, Value>, Failure> {
    let key = required(biz, "out_request_no")?;
    let mut fields = object(json!({ "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no }));
    if let Some(amount) = trade.refunds.get(&key) {
        fields.insert("out_request_no".into(), key.into());
        fields.insert("total_amount".into(), yuan(trade.total).into());
        fields.insert("refund_amount".into(), yuan(*amount).into());
        fields.insert("refund_status".into(), "REFUND_SUCCESS".into());
    }
    Ok(fields)
}

fn biz_content(params: &BTreeMap<String, String>) -> Result<Map<String, Value>, Failure> {
    let text = params
        .get("biz_content")
        .ok_or(("40001", "isv.missing-biz-content", "缺少biz_content".to_owned()))?;
    serde_json::from_str(text).map_err(|_| ("40002", "isv.invalid-parameter", "biz_content is not JSON".to_owned()))
}

fn required(biz: &Map<String, Value>, name: &str) -> Result<String, Failure> {
    match biz.get(name).and_then(Value::as_str) {
        Some(value) if !value.is_empty() => Ok(value.to_owned()),
        _ => Err(("40001", "isv.missing-parameter", format!("缺少必选参数 {name}"))),
    }
}

fn business(sub_code: &'static str, why: &str) -> Failure {
    ("40004", sub_code, why.to_owned())
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A success answer's fields with `code` and `msg`, as Alipay writes JSON (`\/`).
fn alipay_json(fields: &Map<String, Value>) -> String {
    let mut all = object(json!({ "code": "10000", "msg": "Success" }));
    all.extend(fields.clone());
    Value::Object(all).to_string().replace('/', "\\/")
}

fn failure_json((code, sub_code, sub_msg): &Failure) -> String {
    let msg = match *code {
        "20000" => "Service Currently Unavailable",
        "40001" => "Missing Required Arguments",
        "40002" => "Invalid Arguments",
        _ => "Business Failed",
    };
    json!({ "code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg }).to_string()
}

fn json_answer(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html;charset=utf-8")],
        body,
    )
        .into_response()
}

fn response_key(method: &str) -> String {
    format!("{}_response", method.replace('.', "_"))
}

/// `sign` with its first character changed (still base64).
fn tamper(sign: &str) -> String {
    let replacement = if sign.starts_with('A') { "B" } else { "A" };
    format!("{replacement}{}", &sign[1..])
}

fn notify_id(number: u64) -> String {
    format!("2026120700222fake{number:020}")
}

fn now_beijing() -> String {
    beijing_time(chrono::Utc::now().timestamp()).unwrap_or_default()
}

/// A shop's notification route in miniature: hands each request to a provider's
/// `verify_notification` and answers its `acknowledge()` or `refuse()`, keeping what
/// the provider made of each.
pub struct NotifySink {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Result<Notice, NotificationError>>>>,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for NotifySink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifySink")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for NotifySink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

type SinkState = (
    Arc<dyn PaymentProvider>,
    Arc<Mutex<Vec<Result<Notice, NotificationError>>>>,
);

impl NotifySink {
    /// Starts a route on 127.0.0.1 for `provider`'s notifications.
    pub async fn start(provider: Arc<dyn PaymentProvider>) -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .route("/notify", post(receive))
            .with_state((provider, received.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the notify sink");
        let addr = listener.local_addr().expect("notify sink address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, received, server }
    }

    /// The URL to give as `notify_url`.
    pub fn url(&self) -> String {
        format!("http://{}/notify", self.addr)
    }

    /// What the provider made of each notification so far, in order.
    pub fn received(&self) -> Vec<Result<Notice, NotificationError>> {
        self.received.lock().expect("received").clone()
    }
}

async fn receive(State((provider, received)): State<SinkState>, headers: HeaderMap, body: Bytes) -> Response {
    let incoming = Incoming {
        headers: &headers,
        body: &body,
        now_unix: chrono::Utc::now().timestamp(),
    };
    let verdict = provider.verify_notification(incoming);
    let reply = match &verdict {
        Ok(_) => provider.acknowledge(),
        Err(e) => provider
            .refuse(&e.to_string())
            .unwrap_or_else(|| emporium_payments::Reply::empty(400)),
    };
    received.lock().expect("received").push(verdict);
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = reply.content_type.unwrap_or("text/plain");
    (status, [(header::CONTENT_TYPE, content_type)], reply.body).into_response()
}
