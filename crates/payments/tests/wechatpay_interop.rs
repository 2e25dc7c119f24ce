//! Interoperability with `wechatpay-axios-plugin` (npm, pinned in `interop/wechatpay`), an
//! independent and widely used WeChat Pay API v3 implementation: Emporium's request
//! signatures equal the library's byte for byte and pass its verification, a notification
//! the library signs and seals is accepted, and what the fake seals the library opens.
//!
//! Needs Node and `interop/wechatpay/node_modules` (`.ci/interop.sh`). Without
//! them each test passes as skipped, saying why, except under `CI=true`, where it fails.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use emporium_payments::rsa::{SigningKey, VerifyingKey};
use emporium_payments::wechatpay::{WechatPay, WechatPayConfig};
use emporium_payments::*;
use emporium_testkit::keys;
use emporium_testkit::wechatpay::FakeWechatPay;
use http::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

const MCH_ID: &str = "1900000109";
const APP_ID: &str = "wxd678efh567hg6787";
const SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
const API_V3_KEY: &str = "0123456789abcdefghijABCDEFGHIJ01";
const PLATFORM_KEY_ID: &str = "PUB_KEY_ID_0114232005122023081700000000";
const NOW: i64 = 1_800_000_000;
const NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";

/// The interop folder, or `None` (skipped) when its packages are not installed.
fn library() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop/wechatpay");
    let installed = dir.join("node_modules/wechatpay-axios-plugin").is_dir();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if installed && node {
        return Some(dir);
    }
    let why = if node {
        "interop/wechatpay/node_modules is missing (run .ci/interop.sh)"
    } else {
        "node is not installed"
    };
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{why}: the interop test must run under CI=true"
    );
    eprintln!("skipped: {why}");
    None
}

/// Runs one operation of `interop.js`.
fn node(dir: &Path, request: Value) -> Value {
    let mut child = Command::new("node")
        .arg("interop.js")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write to node");
    let out = child.wait_with_output().expect("test setup");
    assert!(
        out.status.success(),
        "interop.js {}: {}",
        request["op"],
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("test setup")
}

/// A transport that keeps the requests and answers none.
#[derive(Default)]
struct Capture(Mutex<Vec<HttpRequest>>);

impl Transport for Capture {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, String>> {
        self.0.lock().expect("test setup").push(request);
        Box::pin(async { Err("captured".to_owned()) })
    }
}

fn wechat(transport: Arc<dyn Transport>) -> WechatPay {
    let config = WechatPayConfig {
        mch_id: MCH_ID.into(),
        app_id: APP_ID.into(),
        serial: SERIAL.into(),
        private_key: SigningKey::from_pem(&keys::shared(0).private_pkcs8).expect("test setup"),
        platform_public_key: VerifyingKey::from_pem(&keys::shared(1).public).expect("test setup"),
        platform_public_key_id: PLATFORM_KEY_ID.into(),
        api_v3_key: WechatPayConfig::api_v3_key(API_V3_KEY).expect("test setup"),
        base_url: "https://api.mch.weixin.qq.com".into(),
        refund_notify_url: None,
    };
    WechatPay::new(config, transport)
        .with_clock(|| NOW)
        .with_nonce(|| NONCE.to_owned())
}

/// The `key="value"` items of an `Authorization` header, sorted (the library writes them
/// in another order; WeChat Pay reads them by name).
fn items(authorization: &str) -> Vec<String> {
    let rest = authorization
        .strip_prefix("WECHATPAY2-SHA256-RSA2048 ")
        .expect("test setup");
    let mut items: Vec<String> = rest.split(',').map(str::to_owned).collect();
    items.sort();
    items
}

#[tokio::test]
async fn request_signatures_equal_the_librarys_byte_for_byte_and_pass_its_verification() {
    let Some(dir) = library() else { return };
    let capture = Arc::new(Capture::default());
    let wechat = wechat(capture.clone());
    let order = PaymentRequest {
        payment_id: 7,
        order_id: 1007,
        amount: 12_345,
        currency: "CNY".into(),
        channel: Some("native".into()),
        subject: "Emporium 订单 1007 — 茶具".into(),
        notify_url: "https://shop.example/api/v1/payments/notify/wechatpay".into(),
        return_url: "https://shop.example/orders/1007".into(),
        expires_at_unix: NOW + 1800,
        client_ip: None,
    };
    let _ = wechat.create_payment(&order).await;
    let _ = wechat.query(7, None).await;
    let requests = capture.0.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);

    let merchant = keys::shared(0);
    for request in requests {
        let uri = request.url.strip_prefix("https://api.mch.weixin.qq.com").unwrap();
        let body = String::from_utf8(request.body.clone()).unwrap();
        let ours = &request.headers.iter().find(|(n, _)| n == "Authorization").unwrap().1;
        let theirs = node(
            &dir,
            json!({"op": "sign_request", "private_key": merchant.private_pkcs8, "method": request.method,
                   "uri": uri, "timestamp": NOW.to_string(), "nonce": NONCE, "body": body,
                   "mchid": MCH_ID, "serial": SERIAL}),
        );
        let signature = theirs["signature"].as_str().unwrap();
        assert!(
            ours.contains(&format!("signature=\"{signature}\"")),
            "{} {uri}:\n{ours}\n{signature}",
            request.method
        );
        assert_eq!(items(ours), items(theirs["authorization"].as_str().unwrap()));

        let our_signature = ours.split("signature=\"").nth(1).unwrap().split('"').next().unwrap();
        let verified = node(
            &dir,
            json!({"op": "verify_request", "public_key": merchant.public, "method": request.method, "uri": uri,
                   "timestamp": NOW.to_string(), "nonce": NONCE, "body": body, "signature": our_signature}),
        );
        assert_eq!(verified["ok"], json!(true), "{uri}");
    }
}

fn headers(signature: &str, timestamp: i64, nonce: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "wechatpay-signature",
        HeaderValue::from_str(signature).expect("test setup"),
    );
    headers.insert(
        "wechatpay-timestamp",
        HeaderValue::from_str(&timestamp.to_string()).expect("test setup"),
    );
    headers.insert("wechatpay-nonce", HeaderValue::from_str(nonce).expect("test setup"));
    headers.insert("wechatpay-serial", HeaderValue::from_static(PLATFORM_KEY_ID));
    headers.insert(
        "wechatpay-signature-type",
        HeaderValue::from_static("WECHATPAY2-SHA256-RSA2048"),
    );
    headers
}

#[test]
fn notifications_the_library_signs_and_seals_are_accepted() {
    let Some(dir) = library() else { return };
    let wechat = wechat(Arc::new(Capture::default()));
    let platform = keys::shared(1);
    let cases = [
        (
            "TRANSACTION.SUCCESS",
            "transaction",
            json!({"appid": APP_ID, "mchid": MCH_ID, "out_trade_no": trade_no(7),
                   "transaction_id": "4200000000000000000000000001", "trade_type": "NATIVE",
                   "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
                   "success_time": "2027-01-15T10:40:00+08:00", "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                   "amount": {"total": 12345, "payer_total": 12345, "currency": "CNY", "payer_currency": "CNY"}}),
        ),
        (
            "REFUND.SUCCESS",
            "refund",
            json!({"mchid": MCH_ID, "out_trade_no": trade_no(7), "transaction_id": "4200000000000000000000000001",
                   "out_refund_no": RefundRequest::key_for(42), "refund_id": "50000000000000000000000000099",
                   "refund_status": "SUCCESS", "success_time": "2027-01-15T10:45:00+08:00",
                   "user_received_account": "支付用户零钱",
                   "amount": {"total": 12345, "refund": 100, "payer_total": 12345, "payer_refund": 100}}),
        ),
    ];
    for (event_type, original_type, plaintext) in cases {
        let made = node(
            &dir,
            json!({"op": "notification", "private_key": platform.private_pkcs8, "api_v3_key": API_V3_KEY,
                   "id": "EV-2018022511223320873", "event_type": event_type, "original_type": original_type,
                   "plaintext": plaintext.to_string(), "timestamp": NOW.to_string(), "nonce": "fdasflkja484w",
                   "aes_nonce": "fdasflkja484"}),
        );
        let body = made["body"].as_str().unwrap().as_bytes();
        let headers = headers(made["signature"].as_str().unwrap(), NOW, "fdasflkja484w");
        let notice = wechat
            .verify_notification(Incoming {
                headers: &headers,
                body,
                now_unix: NOW,
            })
            .unwrap_or_else(|e| panic!("{event_type}: {e}"));
        match notice {
            Notice::Payment(p) => assert_eq!(
                (p.payment_id, p.amount, p.event_id.as_str()),
                (7, 12_345, "EV-2018022511223320873")
            ),
            Notice::Refund(r) => assert_eq!(
                (r.refund_id, r.outcome),
                (
                    42,
                    RefundOutcome::Succeeded {
                        provider_ref: "50000000000000000000000000099".into()
                    }
                )
            ),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn what_the_fake_seals_the_library_opens() {
    let Some(dir) = library() else { return };
    let merchant = keys::shared(0);
    let fake = FakeWechatPay::start(
        MCH_ID,
        APP_ID,
        &merchant.public,
        *API_V3_KEY.as_bytes().first_chunk().unwrap(),
    )
    .await;
    let plaintext = json!({"mchid": MCH_ID, "note": "退款成功 ✓", "amount": {"total": 1}});
    let (_, body) = fake.notification("REFUND.SUCCESS", "refund", &plaintext, NOW);
    let envelope: Value = serde_json::from_slice(&body).unwrap();
    let resource = &envelope["resource"];
    let opened = node(
        &dir,
        json!({"op": "decrypt", "api_v3_key": API_V3_KEY, "nonce": resource["nonce"],
               "associated_data": resource["associated_data"], "ciphertext": resource["ciphertext"]}),
    );
    let opened: Value = serde_json::from_str(opened["plaintext"].as_str().unwrap()).unwrap();
    assert_eq!(opened, plaintext);
}
