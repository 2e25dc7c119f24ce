//! The WeChat Pay adapter against the fake WeChat Pay API v3: payments, queries, closing,
//! refunds, failures that must leave nothing half-done, answers that must not be
//! believed, and notifications genuine and forged.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use emporium_payments::rsa::{SigningKey, VerifyingKey};
use emporium_payments::wechatpay::{WechatPay, WechatPayConfig};
use emporium_payments::*;
use emporium_testkit::keys;
use emporium_testkit::transport::PlainHttp;
use emporium_testkit::wechatpay::{Delivery, FakeWechatPay, Fault, now, signed_headers};
use http::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

const MCH_ID: &str = "1900000109";
const APP_ID: &str = "wxd678efh567hg6787";
const API_V3_KEY: &[u8; 32] = b"0123456789abcdefghijABCDEFGHIJ01";
/// Where notifications are sent: nothing listens there, so each test reads the
/// notification the fake made and hands it to the adapter itself.
const NOTIFY_URL: &str = "http://127.0.0.1:9/api/v1/payments/notify/wechatpay";
const REFUND_NOTIFY_URL: &str = "http://127.0.0.1:9/api/v1/payments/notify/wechatpay?refund";
/// A fixed clock for notifications made by the tests.
const NOW: i64 = 1_800_000_000;

struct Shop {
    fake: FakeWechatPay,
    wechat: WechatPay,
}

async fn shop() -> Shop {
    shop_with(Duration::from_secs(5), |config| config).await
}

async fn shop_with(timeout: Duration, adjust: impl FnOnce(WechatPayConfig) -> WechatPayConfig) -> Shop {
    let merchant = keys::shared(0);
    let fake = FakeWechatPay::start(MCH_ID, APP_ID, &merchant.public, *API_V3_KEY).await;
    let config = adjust(config_for(&fake, &merchant.private_pkcs8));
    config.validate().expect("test setup");
    let wechat = WechatPay::new(config, Arc::new(PlainHttp::new(timeout)));
    Shop { fake, wechat }
}

fn config_for(fake: &FakeWechatPay, merchant_private_pem: &str) -> WechatPayConfig {
    WechatPayConfig {
        mch_id: MCH_ID.into(),
        app_id: APP_ID.into(),
        serial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into(),
        private_key: SigningKey::from_pem(merchant_private_pem).expect("test setup"),
        platform_public_key: VerifyingKey::from_pem(&fake.platform_public_key_pem()).expect("test setup"),
        platform_public_key_id: fake.platform_public_key_id(),
        api_v3_key: *API_V3_KEY,
        base_url: fake.base_url(),
        refund_notify_url: Some(REFUND_NOTIFY_URL.into()),
    }
}

fn order(payment_id: i64, channel: &str) -> PaymentRequest {
    PaymentRequest {
        payment_id,
        order_id: payment_id + 1000,
        amount: 12_345,
        currency: "CNY".into(),
        channel: Some(channel.into()),
        subject: format!("Emporium order {}", payment_id + 1000),
        notify_url: NOTIFY_URL.into(),
        return_url: "https://shop.example/orders/1042?paid=1".into(),
        expires_at_unix: now() + 1800,
        client_ip: Some("203.0.113.7".into()),
    }
}

fn refund_of(refund_id: i64, payment_id: i64, amount: i64) -> RefundRequest {
    RefundRequest {
        refund_id,
        idempotency_key: RefundRequest::key_for(refund_id),
        payment_id,
        provider_ref: None,
        amount,
        currency: "CNY".into(),
    }
}

fn verify(wechat: &WechatPay, headers: &HeaderMap, body: &[u8], now_unix: i64) -> Result<Notice, NotificationError> {
    wechat.verify_notification(Incoming {
        headers,
        body,
        now_unix,
    })
}

fn verify_delivery(wechat: &WechatPay, delivery: &Delivery) -> Result<Notice, NotificationError> {
    verify(wechat, &delivery.headers, &delivery.body, now())
}

fn is_unavailable<T: std::fmt::Debug>(result: Result<T, ProviderError>) -> bool {
    matches!(result, Err(ProviderError::Unavailable(_)))
}

/// A paid transaction's plaintext as WeChat Pay sends it.
fn paid(payment_id: i64, total: i64) -> Value {
    json!({
        "appid": APP_ID, "mchid": MCH_ID, "out_trade_no": trade_no(payment_id),
        "transaction_id": "4200000000000000000000000001", "trade_type": "NATIVE", "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功", "bank_type": "OTHERS", "success_time": "2027-01-15T10:40:00+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
    })
}

fn refunded(refund_id: i64, status: &str) -> Value {
    json!({
        "mchid": MCH_ID, "out_trade_no": trade_no(7), "transaction_id": "4200000000000000000000000001",
        "out_refund_no": RefundRequest::key_for(refund_id), "refund_id": "50000000000000000000000000099",
        "refund_status": status, "success_time": "2027-01-15T10:45:00+08:00",
        "user_received_account": "支付用户零钱",
        "amount": {"total": 500, "refund": 200, "payer_total": 500, "payer_refund": 200},
    })
}

// ---- payments ----

#[tokio::test]
async fn a_native_payment_is_a_qr_code_that_becomes_paid() {
    let Shop { fake, wechat } = shop().await;
    assert_eq!(wechat.name(), "wechatpay");
    assert_eq!(wechat.channels(), ["native", "h5"]);

    let checkout = wechat.create_payment(&order(7, "native")).await.unwrap();
    assert_eq!(checkout.provider_ref, trade_no(7));
    assert!(
        checkout.pay_url.starts_with("weixin://wxpay/bizpayurl?pr="),
        "{}",
        checkout.pay_url
    );
    assert_eq!(checkout.qr_code.as_deref(), Some(checkout.pay_url.as_str()));
    // Asked again (two clicks), the same QR code, not a second payment.
    assert_eq!(wechat.create_payment(&order(7, "native")).await.unwrap(), checkout);
    assert_eq!(fake.transaction_count(), 1);
    assert_eq!(wechat.query(7, None).await.unwrap(), RemoteStatus::Pending);

    let delivery = fake.pay(&trade_no(7)).await;
    let Notice::Payment(notice) = verify_delivery(&wechat, &delivery).unwrap() else {
        panic!("not a payment notice")
    };
    assert_eq!(
        (notice.payment_id, notice.amount, notice.currency.as_str()),
        (7, 12_345, "CNY")
    );
    assert_eq!(notice.status, NotifiedStatus::Succeeded);
    assert!(notice.provider_ref.unwrap().starts_with("42000"));
    assert!(notice.event_id.starts_with("EV-"));
    let succeeded = RemoteStatus::Succeeded {
        amount: 12_345,
        currency: "CNY".into(),
    };
    assert_eq!(wechat.query(7, None).await.unwrap(), succeeded);
    // Once paid, asking for the payment again is refused rather than opening another.
    assert!(
        matches!(wechat.create_payment(&order(7, "native")).await, Err(ProviderError::Refused(e)) if e.contains("ORDERPAID"))
    );
}

#[tokio::test]
async fn every_request_carries_the_headers_the_official_sdks_send() {
    let Shop { fake, wechat } = shop().await;
    wechat.create_payment(&order(8, "native")).await.unwrap();
    let seen = fake.seen();
    let headers = &seen[0].headers;
    assert_eq!(seen[0].path, "/v3/pay/transactions/native");
    assert_eq!(headers["wechatpay-serial"], fake.platform_public_key_id().as_str());
    assert_eq!(headers["accept"], "application/json");
    assert_eq!(headers["content-type"], "application/json");
    assert!(
        headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("emporium-payments/")
    );
    let authorization = headers["authorization"].to_str().unwrap();
    assert!(
        authorization.starts_with(r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str=""#),
        "{authorization}"
    );
}

#[tokio::test]
async fn an_h5_payment_sends_the_buyer_back_to_the_order() {
    let Shop { fake, wechat } = shop().await;
    let checkout = wechat.create_payment(&order(9, "h5")).await.unwrap();
    assert!(
        checkout
            .pay_url
            .starts_with("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx")
    );
    assert!(
        checkout
            .pay_url
            .ends_with("&redirect_url=https%3A%2F%2Fshop%2Eexample%2Forders%2F1042%3Fpaid%3D1"),
        "{}",
        checkout.pay_url
    );
    assert_eq!(checkout.qr_code, None);

    let without_ip = PaymentRequest {
        client_ip: None,
        ..order(10, "h5")
    };
    let Err(ProviderError::Refused(reason)) = wechat.create_payment(&without_ip).await else {
        panic!("an h5 payment without the buyer's IP was not refused")
    };
    assert!(reason.contains("client_ip"), "{reason}");
    let garbled = PaymentRequest {
        client_ip: Some("not an address".into()),
        ..order(10, "h5")
    };
    assert!(matches!(
        wechat.create_payment(&garbled).await,
        Err(ProviderError::Refused(_))
    ));
    assert_eq!(fake.transaction_count(), 1, "nothing was sent for the refused ones");
}

#[tokio::test]
async fn only_yuan_and_known_channels_are_collected() {
    let Shop { fake, wechat } = shop().await;
    assert!(wechat.accepts_currency("CNY"));
    assert!(!wechat.accepts_currency("USD"));
    let dollars = PaymentRequest {
        currency: "USD".into(),
        ..order(11, "native")
    };
    assert!(matches!(
        wechat.create_payment(&dollars).await,
        Err(ProviderError::Refused(_))
    ));
    assert!(matches!(
        wechat.create_payment(&order(11, "jsapi")).await,
        Err(ProviderError::Refused(_))
    ));
    let default_channel = PaymentRequest {
        channel: None,
        ..order(12, "native")
    };
    assert!(wechat.create_payment(&default_channel).await.unwrap().qr_code.is_some());
    assert_eq!(fake.transaction_count(), 1);
}

#[tokio::test]
async fn a_payment_wechat_pay_never_saw_is_unknown() {
    let Shop { fake: _fake, wechat } = shop().await;
    assert_eq!(wechat.query(404, None).await.unwrap(), RemoteStatus::Unknown);
}

#[tokio::test]
async fn closing_stops_an_unpaid_payment_and_is_idempotent() {
    let Shop { fake, wechat } = shop().await;
    wechat.create_payment(&order(13, "native")).await.unwrap();
    wechat.close_payment(13, None).await.unwrap();
    assert_eq!(fake.trade_state(&trade_no(13)), Some("CLOSED"));
    assert_eq!(wechat.query(13, None).await.unwrap(), RemoteStatus::Failed);
    wechat.close_payment(13, None).await.unwrap();
    wechat
        .close_payment(14, None)
        .await
        .expect("closing an unknown payment is a success");
}

// ---- refunds ----

async fn paid_payment(fake: &FakeWechatPay, wechat: &WechatPay, payment_id: i64) {
    wechat
        .create_payment(&order(payment_id, "native"))
        .await
        .expect("test setup");
    fake.pay(&trade_no(payment_id)).await;
}

#[tokio::test]
async fn a_refund_is_processing_then_succeeds() {
    let Shop { fake, wechat } = shop().await;
    paid_payment(&fake, &wechat, 20).await;
    let request = refund_of(1, 20, 2_000);
    assert_eq!(wechat.refund(&request).await.unwrap(), RefundOutcome::Pending);
    assert_eq!(wechat.query_refund(&request).await.unwrap(), RefundOutcome::Pending);
    assert_eq!(fake.refunded(&trade_no(20)), 2_000);
    // A partly refunded payment was still collected in full.
    assert!(matches!(
        wechat.query(20, None).await.unwrap(),
        RemoteStatus::Succeeded { amount: 12_345, .. }
    ));

    let delivery = fake
        .finish_refund(&request.idempotency_key)
        .await
        .expect("a refund notify url was given");
    let Notice::Refund(notice) = verify_delivery(&wechat, &delivery).unwrap() else {
        panic!("not a refund notice")
    };
    assert_eq!(notice.refund_id, 1);
    let RefundOutcome::Succeeded { provider_ref } = notice.outcome else {
        panic!("{:?}", notice.outcome)
    };
    assert!(provider_ref.starts_with("50000"));
    assert_eq!(
        wechat.query_refund(&request).await.unwrap(),
        RefundOutcome::Succeeded { provider_ref }
    );
}

#[tokio::test]
async fn the_same_refund_asked_twice_pays_once() {
    let Shop { fake, wechat } = shop().await;
    paid_payment(&fake, &wechat, 21).await;
    let request = refund_of(2, 21, 5_000);
    let first = wechat.refund(&request).await.unwrap();
    let second = wechat.refund(&request).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(fake.refunded(&trade_no(21)), 5_000);
    assert_eq!(fake.refund_count(), 1);
    fake.finish_refund(&request.idempotency_key).await;
    assert!(matches!(
        wechat.refund(&request).await.unwrap(),
        RefundOutcome::Succeeded { .. }
    ));
    assert_eq!(fake.refunded(&trade_no(21)), 5_000);
}

#[tokio::test]
async fn a_refund_that_was_never_sent_is_sent_when_queried() {
    let Shop { fake, wechat } = shop().await;
    paid_payment(&fake, &wechat, 22).await;
    assert_eq!(
        wechat.query_refund(&refund_of(3, 22, 100)).await.unwrap(),
        RefundOutcome::Pending
    );
    assert_eq!(fake.refunded(&trade_no(22)), 100);
}

#[tokio::test]
async fn business_errors_refuse_a_refund() {
    let Shop { fake, wechat } = shop().await;
    wechat.create_payment(&order(23, "native")).await.unwrap();
    let unpaid = wechat.refund(&refund_of(4, 23, 100)).await;
    assert!(matches!(unpaid, Err(ProviderError::Refused(_))), "{unpaid:?}");
    assert!(matches!(
        wechat.refund(&refund_of(5, 999, 100)).await,
        Err(ProviderError::Refused(_))
    ));

    fake.pay(&trade_no(23)).await;
    let too_much = wechat.refund(&refund_of(6, 23, 20_000)).await;
    assert!(
        matches!(&too_much, Err(ProviderError::Refused(e)) if e.contains("INVALID_REQUEST")),
        "{too_much:?}"
    );
    fake.fail_next(
        "/v3/refund/",
        Fault::Error {
            status: 403,
            code: "NOT_ENOUGH",
        },
    );
    let poor = wechat.refund(&refund_of(7, 23, 100)).await;
    assert!(
        matches!(&poor, Err(ProviderError::Refused(e)) if e.contains("NOT_ENOUGH")),
        "{poor:?}"
    );
    assert_eq!(fake.refunded(&trade_no(23)), 0);
}

// ---- failures: nothing half-done ----

#[tokio::test]
async fn a_system_error_or_a_bare_500_is_unavailable_and_does_nothing() {
    let Shop { fake, wechat } = shop().await;
    fake.fail_next("/v3/pay/transactions/native", Fault::SystemError);
    assert!(is_unavailable(wechat.create_payment(&order(30, "native")).await));
    fake.fail_next("/v3/pay/transactions/native", Fault::Http500);
    assert!(is_unavailable(wechat.create_payment(&order(30, "native")).await));
    assert_eq!(fake.transaction_count(), 0);
    wechat
        .create_payment(&order(30, "native"))
        .await
        .expect("works once WeChat Pay is back");

    fake.pay(&trade_no(30)).await;
    let request = refund_of(8, 30, 300);
    fake.fail_next("/v3/refund/", Fault::SystemError);
    assert!(is_unavailable(wechat.refund(&request).await));
    fake.fail_next("/v3/pay/transactions/out-trade-no/", Fault::Http500);
    assert!(
        is_unavailable(wechat.refund(&request).await),
        "the query before the refund failed"
    );
    assert_eq!(fake.refunded(&trade_no(30)), 0);
    assert_eq!(wechat.refund(&request).await.unwrap(), RefundOutcome::Pending);
    assert_eq!(fake.refunded(&trade_no(30)), 300);
}

#[tokio::test]
async fn a_timeout_is_unavailable_and_does_nothing() {
    let Shop { fake, wechat } = shop_with(Duration::from_millis(300), |c| c).await;
    fake.fail_next("/v3/pay/", Fault::Timeout(Duration::from_secs(2)));
    assert!(is_unavailable(wechat.create_payment(&order(31, "native")).await));
    assert_eq!(fake.transaction_count(), 0);
    assert_eq!(wechat.query(31, None).await.unwrap(), RemoteStatus::Unknown);
}

#[tokio::test]
async fn an_answer_with_a_bad_signature_or_an_unknown_key_is_not_believed() {
    let Shop { fake, wechat } = shop().await;
    fake.fail_next("/v3/pay/transactions/native", Fault::BadSignature);
    let forged = wechat.create_payment(&order(32, "native")).await;
    assert!(
        matches!(&forged, Err(ProviderError::Unavailable(e)) if e.contains("not believed")),
        "{forged:?}"
    );
    fake.fail_next("/v3/pay/transactions/out-trade-no/", Fault::UnknownSerial);
    let unknown = wechat.query(32, None).await;
    assert!(
        matches!(&unknown, Err(ProviderError::Unavailable(e)) if e.contains("PUB_KEY_ID_0000000000009999")),
        "{unknown:?}"
    );
    // The fake did create the payment; asking again answers the same one.
    assert!(wechat.create_payment(&order(32, "native")).await.is_ok());
    assert_eq!(fake.transaction_count(), 1);
}

#[tokio::test]
async fn an_answer_signed_by_another_platform_key_is_not_believed() {
    let other = keys::shared(1);
    let Shop { fake, wechat } = shop_with(Duration::from_secs(5), |config| WechatPayConfig {
        platform_public_key: VerifyingKey::from_pem(&other.public).unwrap(),
        ..config
    })
    .await;
    assert!(is_unavailable(wechat.create_payment(&order(33, "native")).await));
    assert!(is_unavailable(wechat.query(33, None).await));
    assert_eq!(
        fake.transaction_count(),
        1,
        "WeChat Pay acted, but the shop did not believe it"
    );
}

#[tokio::test]
async fn an_answer_more_than_five_minutes_off_is_not_believed() {
    let Shop { fake: _fake, wechat } = shop().await;
    let wechat = wechat.with_clock(|| now() - 301);
    let stale = wechat.query(34, None).await;
    assert!(
        matches!(&stale, Err(ProviderError::Unavailable(e)) if e.contains("off the shop's clock")),
        "{stale:?}"
    );
}

#[tokio::test]
async fn requests_signed_with_another_merchant_key_are_refused_by_wechat_pay() {
    let other = keys::shared(1);
    let Shop { fake, wechat } = shop_with(Duration::from_secs(5), |config| WechatPayConfig {
        private_key: SigningKey::from_pem(&other.private_pkcs8).unwrap(),
        ..config
    })
    .await;
    let refused = wechat.create_payment(&order(35, "native")).await;
    assert!(
        matches!(&refused, Err(ProviderError::Refused(e)) if e.contains("SIGN_ERROR")),
        "{refused:?}"
    );
    assert_eq!(fake.transaction_count(), 0);
}

// ---- notifications ----

#[tokio::test]
async fn genuine_notifications_are_accepted() {
    let Shop { fake, wechat } = shop().await;
    let (headers, body) = fake.notification("TRANSACTION.SUCCESS", "transaction", &paid(7, 500), NOW);
    let Notice::Payment(notice) = verify(&wechat, &headers, &body, NOW).unwrap() else {
        panic!("not a payment")
    };
    assert_eq!((notice.payment_id, notice.amount, notice.order_id), (7, 500, None));
    assert_eq!(notice.provider_ref.as_deref(), Some("4200000000000000000000000001"));

    for (status, event, succeeded) in [
        ("SUCCESS", "REFUND.SUCCESS", true),
        ("ABNORMAL", "REFUND.ABNORMAL", false),
        ("CLOSED", "REFUND.CLOSED", false),
    ] {
        let (headers, body) = fake.notification(event, "refund", &refunded(42, status), NOW);
        let Notice::Refund(notice) = verify(&wechat, &headers, &body, NOW).unwrap() else {
            panic!("not a refund")
        };
        assert_eq!(notice.refund_id, 42);
        assert_eq!(
            matches!(notice.outcome, RefundOutcome::Succeeded { .. }),
            succeeded,
            "{event}"
        );
    }

    let (headers, body) = fake.notification("TRANSACTION.NEW_EVENT", "transaction", &paid(7, 500), NOW);
    assert!(
        matches!(verify(&wechat, &headers, &body, NOW).unwrap(), Notice::Ignored { what, .. } if what == "TRANSACTION.NEW_EVENT")
    );
    // Up to five minutes either way is fresh.
    for skew in [-300, 300] {
        let (headers, body) = fake.notification("TRANSACTION.SUCCESS", "transaction", &paid(7, 500), NOW + skew);
        assert!(verify(&wechat, &headers, &body, NOW).is_ok(), "{skew}");
    }
}

#[tokio::test]
async fn altered_signatures_and_bodies_are_refused() {
    let Shop { fake, wechat } = shop().await;
    let (headers, body) = fake.notification("TRANSACTION.SUCCESS", "transaction", &paid(7, 500), NOW);

    let mut signature = BASE64.decode(headers["wechatpay-signature"].as_bytes()).unwrap();
    signature[17] ^= 1;
    let mut altered = headers.clone();
    altered.insert(
        "wechatpay-signature",
        HeaderValue::from_str(&BASE64.encode(&signature)).unwrap(),
    );
    assert_eq!(
        verify(&wechat, &altered, &body, NOW),
        Err(NotificationError::BadSignature)
    );

    let mut changed = body.clone();
    let at = changed.windows(4).position(|w| w == b"EV-0").unwrap() + 4;
    changed[at] = b'9';
    assert_eq!(
        verify(&wechat, &headers, &changed, NOW),
        Err(NotificationError::BadSignature)
    );

    let mut unsigned = headers.clone();
    unsigned.remove("wechatpay-signature");
    assert_eq!(
        verify(&wechat, &unsigned, &body, NOW),
        Err(NotificationError::MissingSignature)
    );

    let mut untimed = headers.clone();
    untimed.remove("wechatpay-timestamp");
    assert!(matches!(
        verify(&wechat, &untimed, &body, NOW),
        Err(NotificationError::MalformedSignature(_))
    ));
}

/// The body with `edit` applied to its resource, re-signed by the genuine platform key so
/// that only the edit is tested.
fn edited(fake: &FakeWechatPay, body: &[u8], edit: impl FnOnce(&mut Value)) -> (HeaderMap, Vec<u8>) {
    let mut envelope: Value = serde_json::from_slice(body).expect("test setup");
    edit(&mut envelope["resource"]);
    let body = envelope.to_string().into_bytes();
    (fake.signed_headers(NOW, &body), body)
}

fn flip_ciphertext_byte(resource: &mut Value, from_end: usize) {
    let mut sealed = BASE64
        .decode(resource["ciphertext"].as_str().expect("test setup"))
        .expect("test setup");
    let at = sealed.len() - 1 - from_end;
    sealed[at] ^= 0x40;
    resource["ciphertext"] = json!(BASE64.encode(sealed));
}

#[tokio::test]
async fn altered_ciphertexts_tags_and_algorithms_are_refused_even_when_re_signed() {
    let Shop { fake, wechat } = shop().await;
    let (_, body) = fake.notification("TRANSACTION.SUCCESS", "transaction", &paid(7, 500), NOW);
    let malformed = |(headers, body): (HeaderMap, Vec<u8>)| {
        let result = verify(&wechat, &headers, &body, NOW);
        assert!(matches!(result, Err(NotificationError::MalformedBody(_))), "{result:?}");
    };
    malformed(edited(&fake, &body, |r| flip_ciphertext_byte(r, 20)));
    malformed(edited(&fake, &body, |r| flip_ciphertext_byte(r, 0)));
    malformed(edited(&fake, &body, |r| r["algorithm"] = json!("AEAD_AES_128_GCM")));
    malformed(edited(&fake, &body, |r| r["associated_data"] = json!("refund")));
    malformed(edited(&fake, &body, |r| r["nonce"] = json!("000000000000")));
    // Sealed with another API v3 key: whoever changed the amount did not have ours.
    malformed(edited(&fake, &body, |r| {
        let ciphertext = emporium_testkit::wechatpay::seal(
            b"ANOTHER-API-V3-KEY-OF-32-BYTES!!",
            r["nonce"].as_str().unwrap(),
            "transaction",
            paid(7, 1).to_string().as_bytes(),
        );
        r["ciphertext"] = json!(ciphertext);
    }));
    let junk = b"{\"id\":\"EV-1\",\"event_type\":".to_vec();
    malformed((fake.signed_headers(NOW, &junk), junk));
}

#[tokio::test]
async fn another_key_an_unknown_serial_or_a_stale_time_are_refused() {
    let Shop { fake, wechat } = shop().await;
    let (_, body) = fake.notification("TRANSACTION.SUCCESS", "transaction", &paid(7, 500), NOW);
    let intruder = SigningKey::from_pem(&keys::shared(1).private_pkcs8).unwrap();
    let forged = signed_headers(&intruder, &fake.platform_public_key_id(), NOW, &body);
    assert_eq!(
        verify(&wechat, &forged, &body, NOW),
        Err(NotificationError::BadSignature)
    );
    let renamed = signed_headers(&intruder, "PUB_KEY_ID_0000000000000002", NOW, &body);
    assert!(
        matches!(verify(&wechat, &renamed, &body, NOW), Err(NotificationError::MalformedSignature(e)) if e.contains("PUB_KEY_ID_0000000000000002"))
    );

    for skew in [301, -301] {
        let (headers, body) = fake.notification("TRANSACTION.SUCCESS", "transaction", &paid(7, 500), NOW - skew);
        assert_eq!(
            verify(&wechat, &headers, &body, NOW),
            Err(NotificationError::Stale { skew_secs: skew })
        );
    }
}

#[tokio::test]
async fn notifications_for_another_merchant_app_or_payment_are_refused() {
    let Shop { fake, wechat } = shop().await;
    let refuse = |plaintext: Value, event: &str, kind: &str| {
        let (headers, body) = fake.notification(event, kind, &plaintext, NOW);
        let result = verify(&wechat, &headers, &body, NOW);
        assert!(
            matches!(result, Err(NotificationError::MalformedBody(_))),
            "{plaintext}: {result:?}"
        );
    };
    let with = |key: &str, value: Value| {
        let mut plaintext = paid(7, 500);
        plaintext[key] = value;
        plaintext
    };
    refuse(with("mchid", json!("1900000110")), "TRANSACTION.SUCCESS", "transaction");
    refuse(
        with("appid", json!("wx0000000000000000")),
        "TRANSACTION.SUCCESS",
        "transaction",
    );
    refuse(
        with("out_trade_no", json!("SOMEONE-ELSES-1")),
        "TRANSACTION.SUCCESS",
        "transaction",
    );
    refuse(
        with("trade_state", json!("NOTPAY")),
        "TRANSACTION.SUCCESS",
        "transaction",
    );
    refuse(
        with("amount", json!({"total": "500", "currency": "CNY"})),
        "TRANSACTION.SUCCESS",
        "transaction",
    );
    refuse(paid(7, 500), "TRANSACTION.SUCCESS", "refund");
    let mut other_merchant = refunded(42, "SUCCESS");
    other_merchant["mchid"] = json!("1900000110");
    refuse(other_merchant, "REFUND.SUCCESS", "refund");
    refuse(refunded(42, "PROCESSING"), "REFUND.SUCCESS", "refund");
    let mut foreign_refund = refunded(42, "SUCCESS");
    foreign_refund["out_refund_no"] = json!("1217752501201407033233368018");
    refuse(foreign_refund, "REFUND.SUCCESS", "refund");
}

/// A notification route as the shop has one: verify, then acknowledge or refuse in
/// WeChat Pay's format. Answers its URL.
async fn receiver(wechat: Arc<WechatPay>) -> String {
    let route = move |headers: HeaderMap, body: axum::body::Bytes| async move {
        let incoming = Incoming {
            headers: &headers,
            body: &body,
            now_unix: now(),
        };
        let reply = match wechat.verify_notification(incoming) {
            Ok(_) => wechat.acknowledge(),
            Err(error) => wechat
                .refuse(&error.to_string())
                .expect("WeChat Pay has its own refusal"),
        };
        (http::StatusCode::from_u16(reply.status).expect("a status"), reply.body)
    };
    let app = axum::Router::new().route("/notify", axum::routing::post(route));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/notify")
}

#[tokio::test]
async fn a_delivered_notification_is_acknowledged_with_204_or_refused_with_fail() {
    let Shop { fake, wechat } = shop().await;
    let wechat = Arc::new(wechat);
    let url = receiver(wechat.clone()).await;
    let checkout = PaymentRequest {
        notify_url: url,
        ..order(40, "native")
    };
    wechat.create_payment(&checkout).await.unwrap();
    let delivery = fake.pay(&trade_no(40)).await;
    assert_eq!(delivery.answer, Some((204, String::new())));

    // A shop holding another API v3 key cannot open the resource and says so.
    let confused = WechatPay::new(
        WechatPayConfig {
            api_v3_key: *b"ANOTHER-API-V3-KEY-OF-32-BYTES!!",
            ..config_for(&fake, &keys::shared(0).private_pkcs8)
        },
        Arc::new(PlainHttp::new(Duration::from_secs(5))),
    );
    let checkout = PaymentRequest {
        notify_url: receiver(Arc::new(confused)).await,
        ..order(41, "native")
    };
    wechat.create_payment(&checkout).await.unwrap();
    let (status, body) = fake.pay(&trade_no(41)).await.answer.expect("an answer");
    assert_eq!(status, 400);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "FAIL");
    assert!(body["message"].as_str().unwrap().contains("API v3 key"), "{body}");
}

#[tokio::test]
async fn notifications_are_answered_as_wechat_pay_expects() {
    let Shop { fake: _fake, wechat } = shop().await;
    assert_eq!(wechat.acknowledge(), Reply::empty(204));
    let reply = wechat.refuse("bad signature").unwrap();
    assert_eq!(reply.status, 400);
    assert_eq!(
        serde_json::from_str::<Value>(&reply.body).unwrap(),
        json!({"code": "FAIL", "message": "bad signature"})
    );
}

#[test]
fn settings_never_show_keys() {
    let merchant = keys::shared(0);
    let config = WechatPayConfig {
        mch_id: MCH_ID.into(),
        app_id: APP_ID.into(),
        serial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into(),
        private_key: SigningKey::from_pem(&merchant.private_pkcs8).unwrap(),
        platform_public_key: VerifyingKey::from_pem(&merchant.public).unwrap(),
        platform_public_key_id: "PUB_KEY_ID_0114".into(),
        api_v3_key: *API_V3_KEY,
        base_url: "https://api.mch.weixin.qq.com/v3".into(),
        refund_notify_url: None,
    };
    let shown = format!("{config:?}");
    assert!(!shown.contains("0123456789abcdef"), "{shown}");
    assert!(shown.contains("<redacted>"));
    assert!(config.validate().is_err(), "a base URL with a path");
    assert!(WechatPayConfig::api_v3_key("too short").is_err());
}
