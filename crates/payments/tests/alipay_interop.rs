//! Emporium's Alipay signatures against Alipay's official Node.js SDK (`alipay-sdk`,
//! pinned in `interop/alipay/`): the same parameters signed with the same key give the
//! same bytes, the SDK accepts what Emporium signs, and Emporium accepts a notification
//! signed on the Node side.
//!
//! Needs `node` and `.ci/interop.sh` (`npm ci` in `interop/alipay`). Without the
//! SDK installed the tests pass as skipped, saying so, except under `CI=true`, where
//! that is a failure: CI must not go green without comparing.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use emporium_payments::alipay::{Alipay, AlipayConfig, decode_form, signing_text};
use emporium_payments::rsa::{SigningKey, VerifyingKey};
use emporium_payments::*;
use emporium_testkit::keys;
use serde_json::{Value, json};

const APP_ID: &str = "2021000000000001";

fn fixed_clock() -> i64 {
    1_796_653_732
}

/// The folder with the Node script, or `None` (after saying why) when the SDK is not
/// installed and this is not CI.
fn interop_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop/alipay");
    if dir.join("node_modules/alipay-sdk").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "interop/alipay/node_modules is missing under CI=true: run .ci/interop.sh"
    );
    eprintln!("skipped: interop/alipay/node_modules is missing (run .ci/interop.sh)");
    None
}

/// Runs the Node script with `request` on stdin and answers its JSON output.
fn node(dir: &PathBuf, request: &Value) -> Value {
    let mut child = Command::new("node")
        .arg("interop.mjs")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node (Node.js 18 or newer) is needed for the Alipay interop tests");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A transport that keeps the request and answers nothing (the adapter then reports
/// Unavailable, which these tests ignore: they look at what was sent).
#[derive(Default)]
struct Recorder(Mutex<Vec<HttpRequest>>);

impl Transport for Recorder {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, String>> {
        self.0.lock().unwrap().push(request);
        Box::pin(async { Err("recorded, not sent".to_owned()) })
    }
}

fn adapter(transport: Arc<Recorder>, alipay_public_pem: &str) -> Alipay {
    let config = AlipayConfig::new(
        APP_ID,
        SigningKey::from_pem(&keys::shared(0).private_pkcs8).unwrap(),
        VerifyingKey::from_pem(alipay_public_pem).unwrap(),
    );
    Alipay::new(config, transport).with_clock(fixed_clock)
}

fn request(channel: &str) -> PaymentRequest {
    PaymentRequest {
        payment_id: 42,
        order_id: 7,
        amount: 1,
        currency: "CNY".into(),
        channel: Some(channel.into()),
        // Characters that JSON and forms both escape, and some neither does.
        subject: "Emporium 订单 42 \"A&B\" + 1/2 = ½ 😀 \\ tab\there".into(),
        notify_url: "https://shop.example/api/v1/payments/notify/alipay".into(),
        return_url: "https://shop.example/orders/7?from=alipay&x=1".into(),
        expires_at_unix: fixed_clock() + 900,
        client_ip: None,
    }
}

/// The parameters Emporium sends for each channel: page and wap from the `pay_url`,
/// qr from the POST the recorder kept (query string and form body together).
async fn emporium_params() -> Vec<BTreeMap<String, String>> {
    let recorder = Arc::new(Recorder::default());
    let alipay = adapter(recorder.clone(), &keys::shared(1).public);
    let mut all = Vec::new();
    for channel in ["page", "wap"] {
        let checkout = alipay.create_payment(&request(channel)).await.unwrap();
        let (_, query) = checkout.pay_url.split_once('?').unwrap();
        all.push(decode_form(query.as_bytes()).unwrap());
    }
    assert!(matches!(
        alipay.create_payment(&request("qr")).await,
        Err(ProviderError::Unavailable(_))
    ));
    let sent = recorder.0.lock().unwrap().pop().unwrap();
    let (_, query) = sent.url.split_once('?').unwrap();
    let mut params = decode_form(query.as_bytes()).unwrap();
    params.extend(decode_form(&sent.body).unwrap());
    all.push(params);
    all
}

#[tokio::test]
async fn emporiums_request_signatures_equal_the_sdks_byte_for_byte() {
    let Some(dir) = interop_dir() else { return };
    for ours in emporium_params().await {
        let method = ours["method"].clone();
        let mut unsigned = ours.clone();
        let our_sign = unsigned.remove("sign").unwrap();
        let theirs = node(
            &dir,
            &json!({
                "action": "sign_request",
                "app_id": APP_ID,
                // The SDK takes the PKCS#1 form Alipay's key tool writes; Emporium read PKCS#8.
                "private_key": keys::shared(0).private_pkcs1,
                "method": method,
                "params": unsigned,
            }),
        );
        let their_params: BTreeMap<String, String> = serde_json::from_value(theirs["params"].clone()).unwrap();
        assert_eq!(their_params, unsigned, "{method}: the SDK signs the same parameters");
        assert_eq!(theirs["sign"], our_sign, "{method}: the same signature");
    }
}

#[tokio::test]
async fn the_sdk_accepts_what_emporium_signs() {
    let Some(dir) = interop_dir() else { return };
    for ours in emporium_params().await {
        let check = |params: &BTreeMap<String, String>, public: &str| {
            node(
                &dir,
                &json!({ "action": "verify", "public_key": public, "params": params }),
            )["ok"]
                .clone()
        };
        assert_eq!(check(&ours, &keys::shared(0).public), json!(true), "{}", ours["method"]);
        let mut altered = ours.clone();
        altered.insert("timestamp".into(), "2026-12-07 22:28:53".into());
        assert_eq!(
            check(&altered, &keys::shared(0).public),
            json!(false),
            "the check can fail"
        );
        assert_eq!(check(&ours, &keys::shared(1).public), json!(false), "another key");
    }
}

/// A payment notification as Alipay sends it (the fields its documentation lists).
fn notification_fields() -> BTreeMap<String, String> {
    [
        ("app_id", APP_ID),
        ("auth_app_id", APP_ID),
        ("buyer_id", "2088102177846880"),
        ("buyer_pay_amount", "0.01"),
        ("charset", "utf-8"),
        ("fund_bill_list", r#"[{"amount":"0.01","fundChannel":"ALIPAYACCOUNT"}]"#),
        ("gmt_create", "2026-12-07 22:29:01"),
        ("gmt_payment", "2026-12-07 22:29:09"),
        ("invoice_amount", "0.01"),
        ("notify_id", "2026120700222222909012345678901234"),
        ("notify_time", "2026-12-07 22:29:10"),
        ("notify_type", "trade_status_sync"),
        ("out_trade_no", "EP00000042"),
        ("point_amount", "0.00"),
        ("receipt_amount", "0.01"),
        ("seller_id", "2088102177649450"),
        ("subject", "Emporium 订单 42 \"A&B\" + 1/2 = ½"),
        ("total_amount", "0.01"),
        ("trade_no", "2026120722001446880512345678"),
        ("trade_status", "TRADE_SUCCESS"),
        ("version", "1.0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

#[tokio::test]
async fn a_notification_signed_on_the_node_side_is_accepted() {
    let Some(dir) = interop_dir() else { return };
    let alipay_keys = keys::shared(1);
    let signed = node(
        &dir,
        &json!({ "action": "sign_notification", "private_key": alipay_keys.private_pkcs8, "params": notification_fields() }),
    );
    let body = signed["body"].as_str().unwrap();
    let alipay = adapter(Arc::new(Recorder::default()), &alipay_keys.public);
    let headers = http::HeaderMap::new();
    let incoming = |body: &[u8]| {
        alipay.verify_notification(Incoming {
            headers: &headers,
            body,
            now_unix: fixed_clock(),
        })
    };
    let Ok(Notice::Payment(notice)) = incoming(body.as_bytes()) else {
        panic!("refused: {:?}", incoming(body.as_bytes()))
    };
    assert_eq!(
        (notice.payment_id, notice.amount, notice.currency.as_str()),
        (42, 1, "CNY")
    );
    assert_eq!(notice.provider_ref.as_deref(), Some("2026120722001446880512345678"));
    assert_eq!(notice.event_id, "2026120700222222909012345678901234");

    // The SDK's own check accepts it too, so both sides agree on what was signed.
    let mut params = decode_form(body.as_bytes()).unwrap();
    let verdict = node(
        &dir,
        &json!({ "action": "verify", "public_key": alipay_keys.public, "params": params }),
    );
    assert_eq!(verdict["ok"], json!(true));
    params.insert("total_amount".into(), "100.00".into());
    let forged: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    assert_eq!(incoming(forged.as_bytes()), Err(NotificationError::BadSignature));
}

#[tokio::test]
async fn the_sdk_accepts_a_notification_signed_as_the_fake_gateway_signs() {
    let Some(dir) = interop_dir() else { return };
    let alipay_keys = keys::shared(1);
    let mut fields = notification_fields();
    let text = signing_text(
        fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &["sign", "sign_type"],
    );
    let sign = SigningKey::from_pem(&alipay_keys.private_pkcs8)
        .unwrap()
        .sign_base64(text.as_bytes());
    fields.insert("sign".into(), sign);
    fields.insert("sign_type".into(), "RSA2".into());
    let verdict = node(
        &dir,
        &json!({ "action": "verify", "public_key": alipay_keys.public, "params": fields }),
    );
    assert_eq!(verdict["ok"], json!(true));
}
