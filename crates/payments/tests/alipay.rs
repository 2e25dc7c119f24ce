//! The Alipay adapter against the fake gateway (emporium-testkit's `alipay`): every
//! channel, queries, closing, refunds paid once, the gateway's failures, answers that
//! must not be believed, and notifications genuine and forged.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use emporium_payments::alipay::{Alipay, AlipayConfig, PRODUCTION_GATEWAY, parse_yuan, signing_text, yuan};
use emporium_payments::rsa::{SigningKey, VerifyingKey};
use emporium_payments::*;
use emporium_testkit::alipay::{FakeAlipay, Fault, NotifySink};
use emporium_testkit::keys::{self, KeyPair};
use emporium_testkit::transport::PlainHttp;
use proptest::prelude::*;

const APP_ID: &str = "2021000000000001";

/// 2026-12-07 14:28:52 UTC: 22:28:52 in Beijing.
fn fixed_clock() -> i64 {
    1_796_653_732
}

/// The merchant's key pair; [`other_key`] is anyone else's.
fn merchant_key() -> KeyPair {
    keys::shared(0)
}

fn other_key() -> KeyPair {
    keys::shared(1)
}

/// The fake gateway, the adapter pointed at it, and the shop's notification route.
struct World {
    fake: FakeAlipay,
    alipay: Arc<Alipay>,
    sink: NotifySink,
}

impl World {
    async fn new() -> Self {
        let fake = FakeAlipay::start(&merchant_key().public, APP_ID).await;
        let alipay = Arc::new(adapter(
            &fake,
            &merchant_key().private_pkcs8,
            fake.alipay_public_key_pem(),
        ));
        let sink = NotifySink::start(alipay.clone()).await;
        Self { fake, alipay, sink }
    }

    fn request(&self, payment_id: i64, channel: &str) -> PaymentRequest {
        PaymentRequest {
            payment_id,
            order_id: 42,
            amount: 12345,
            currency: "CNY".into(),
            channel: Some(channel.into()),
            subject: "Emporium 订单 42".into(),
            notify_url: self.sink.url(),
            return_url: "https://shop.example/orders/42".into(),
            expires_at_unix: fixed_clock() + 900,
            client_ip: None,
        }
    }

    /// A QR payment the buyer has paid (its notification delivered and acknowledged).
    async fn paid(&self, payment_id: i64) -> String {
        self.alipay
            .create_payment(&self.request(payment_id, "qr"))
            .await
            .unwrap();
        let out_trade_no = trade_no(payment_id);
        assert_eq!(self.fake.pay(&out_trade_no).await, (200, "success".to_owned()));
        out_trade_no
    }

    fn verify(&self, body: &[u8]) -> Result<Notice, NotificationError> {
        verify_with(&self.alipay, body)
    }
}

fn adapter(fake: &FakeAlipay, private_pem: &str, alipay_public_pem: &str) -> Alipay {
    let config = AlipayConfig::new(
        APP_ID,
        SigningKey::from_pem(private_pem).unwrap(),
        VerifyingKey::from_pem(alipay_public_pem).unwrap(),
    )
    .with_gateway(fake.gateway_url());
    Alipay::new(config, Arc::new(PlainHttp::new(Duration::from_secs(1)))).with_clock(fixed_clock)
}

fn verify_with(alipay: &Alipay, body: &[u8]) -> Result<Notice, NotificationError> {
    let headers = http::HeaderMap::new();
    alipay.verify_notification(Incoming {
        headers: &headers,
        body,
        now_unix: fixed_clock(),
    })
}

fn refund_request(payment_id: i64, refund_id: i64, amount: i64) -> RefundRequest {
    RefundRequest {
        refund_id,
        idempotency_key: RefundRequest::key_for(refund_id),
        payment_id,
        provider_ref: None,
        amount,
        currency: "CNY".into(),
    }
}

/// What a browser opening `url` gets.
async fn browse(url: &str) -> HttpResponse {
    let get = HttpRequest {
        method: "GET",
        url: url.to_owned(),
        headers: vec![],
        body: vec![],
    };
    PlainHttp::new(Duration::from_secs(5)).send(get).await.unwrap()
}

/// The query parameters of a URL.
fn query_of(url: &str) -> BTreeMap<String, String> {
    let (_, query) = url.split_once('?').unwrap();
    form_decode(query.as_bytes())
}

fn form_decode(body: &[u8]) -> BTreeMap<String, String> {
    emporium_payments::alipay::decode_form(body).unwrap()
}

fn biz_content(params: &BTreeMap<String, String>) -> serde_json::Value {
    serde_json::from_str(&params["biz_content"]).unwrap()
}

#[tokio::test]
async fn the_page_channel_is_a_signed_gateway_url_that_opens_the_cashier() {
    let world = World::new().await;
    let checkout = world.alipay.create_payment(&world.request(7, "page")).await.unwrap();
    assert_eq!(checkout.provider_ref, "EP00000007");
    assert_eq!(checkout.qr_code, None);
    assert!(checkout.pay_url.starts_with(&format!("{}?", world.fake.gateway_url())));
    assert_eq!(
        world.fake.calls("alipay.trade.page.pay"),
        0,
        "no server call to make the URL"
    );

    let params = query_of(&checkout.pay_url);
    assert_eq!(params["method"], "alipay.trade.page.pay");
    assert_eq!(params["app_id"], APP_ID);
    assert_eq!(params["timestamp"], "2026-12-07 22:28:52");
    assert_eq!(params["sign_type"], "RSA2");
    assert_eq!(params["notify_url"], world.sink.url());
    assert_eq!(params["return_url"], "https://shop.example/orders/42");
    let biz = biz_content(&params);
    assert_eq!(biz["out_trade_no"], "EP00000007");
    assert_eq!(biz["total_amount"], "123.45");
    assert_eq!(biz["product_code"], "FAST_INSTANT_TRADE_PAY");
    assert_eq!(biz["time_expire"], "2026-12-07 22:43:52");
    assert_eq!(biz["subject"], "Emporium 订单 42");

    // The buyer's browser opens it: the gateway accepts the signature and opens the trade.
    let page = browse(&checkout.pay_url).await;
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    assert_eq!(world.fake.trade_status("EP00000007").as_deref(), Some("WAIT_BUYER_PAY"));
    assert_eq!(world.alipay.query(7, None).await, Ok(RemoteStatus::Pending));
}

#[tokio::test]
async fn the_wap_channel_is_the_phone_page() {
    let world = World::new().await;
    let checkout = world.alipay.create_payment(&world.request(8, "wap")).await.unwrap();
    let params = query_of(&checkout.pay_url);
    assert_eq!(params["method"], "alipay.trade.wap.pay");
    assert_eq!(biz_content(&params)["product_code"], "QUICK_WAP_WAY");
    assert_eq!(browse(&checkout.pay_url).await.status, 200);
    assert_eq!(world.fake.trade_status("EP00000008").as_deref(), Some("WAIT_BUYER_PAY"));
}

#[tokio::test]
async fn the_qr_channel_precreates_and_answers_the_same_code_again() {
    let world = World::new().await;
    let first = world.alipay.create_payment(&world.request(9, "qr")).await.unwrap();
    let code = first.qr_code.clone().unwrap();
    assert!(code.starts_with("https://qr.alipay.com/"), "{code}");
    assert_eq!(first.pay_url, code);
    assert_eq!(first.provider_ref, "EP00000009");
    let again = world.alipay.create_payment(&world.request(9, "qr")).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(world.fake.calls("alipay.trade.precreate"), 2);
}

#[tokio::test]
async fn a_payment_is_unknown_then_pending_then_paid_and_notified() {
    let world = World::new().await;
    assert_eq!(world.alipay.query(10, None).await, Ok(RemoteStatus::Unknown));
    world.alipay.create_payment(&world.request(10, "qr")).await.unwrap();
    assert_eq!(world.alipay.query(10, None).await, Ok(RemoteStatus::Pending));

    assert_eq!(world.fake.pay("EP00000010").await, (200, "success".to_owned()));
    assert_eq!(
        world.alipay.query(10, None).await,
        Ok(RemoteStatus::Succeeded {
            amount: 12345,
            currency: "CNY".into()
        })
    );
    let received = world.sink.received();
    let [Ok(Notice::Payment(notice))] = received.as_slice() else {
        panic!("{received:?}")
    };
    assert_eq!(notice.payment_id, 10);
    assert_eq!(notice.amount, 12345);
    assert_eq!(notice.currency, "CNY");
    assert_eq!(notice.status, NotifiedStatus::Succeeded);
    assert_eq!(notice.order_id, None);
    assert!(
        notice.provider_ref.as_deref().is_some_and(|r| r.starts_with("2026")),
        "Alipay's trade_no"
    );
    assert!(!notice.event_id.is_empty());
}

#[tokio::test]
async fn a_paid_trade_is_not_opened_again() {
    let world = World::new().await;
    world.paid(11).await;
    let again = world.alipay.create_payment(&world.request(11, "qr")).await;
    assert!(
        matches!(&again, Err(ProviderError::Refused(why)) if why.contains("ACQ.TRADE_HAS_SUCCESS")),
        "{again:?}"
    );
}

#[tokio::test]
async fn closing_succeeds_for_unpaid_closed_and_unknown_trades_but_not_paid_ones() {
    let world = World::new().await;
    world.alipay.create_payment(&world.request(12, "qr")).await.unwrap();
    assert_eq!(world.alipay.close_payment(12, None).await, Ok(true));
    assert_eq!(world.fake.trade_status("EP00000012").as_deref(), Some("TRADE_CLOSED"));
    assert_eq!(world.alipay.query(12, None).await, Ok(RemoteStatus::Failed));
    assert_eq!(world.alipay.close_payment(12, None).await, Ok(true), "already closed");
    assert_eq!(world.alipay.close_payment(13, None).await, Ok(true), "never opened");

    world.paid(14).await;
    assert!(matches!(
        world.alipay.close_payment(14, None).await,
        Err(ProviderError::Refused(_))
    ));
    assert_eq!(world.fake.trade_status("EP00000014").as_deref(), Some("TRADE_SUCCESS"));
}

#[tokio::test]
async fn a_refund_asked_twice_pays_once() {
    let world = World::new().await;
    let out_trade_no = world.paid(15).await;
    let request = refund_request(15, 501, 5000);
    let expected = RefundOutcome::Succeeded {
        provider_ref: "emporium-refund-501".into(),
    };
    assert_eq!(world.alipay.refund(&request).await, Ok(expected.clone()));
    assert_eq!(
        world.alipay.refund(&request).await,
        Ok(expected.clone()),
        "fund_change N, confirmed by the query"
    );
    assert_eq!(world.fake.refunds_paid(&out_trade_no), 1);
    assert_eq!(world.fake.refunded(&out_trade_no), 5000);
    assert_eq!(world.fake.calls("alipay.trade.fastpay.refund.query"), 1);

    assert_eq!(world.alipay.query_refund(&request).await, Ok(expected));
    assert_eq!(
        world.alipay.query_refund(&refund_request(15, 502, 100)).await,
        Ok(RefundOutcome::Pending)
    );
}

#[tokio::test]
async fn a_refund_alipay_refuses_is_failed_and_pays_nothing() {
    let world = World::new().await;
    let out_trade_no = world.paid(16).await;
    let outcome = world.alipay.refund(&refund_request(16, 503, 99_999)).await;
    assert!(
        matches!(&outcome, Ok(RefundOutcome::Failed { reason }) if reason.contains("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")),
        "{outcome:?}"
    );
    assert_eq!(world.fake.refunds_paid(&out_trade_no), 0);
    assert!(matches!(
        world.alipay.refund(&refund_request(16, 509, 0)).await,
        Err(ProviderError::Refused(_))
    ));

    world.alipay.create_payment(&world.request(25, "qr")).await.unwrap();
    let unpaid = world.alipay.refund(&refund_request(25, 510, 100)).await;
    assert!(
        matches!(&unpaid, Ok(RefundOutcome::Failed { reason }) if reason.contains("ACQ.TRADE_STATUS_ERROR")),
        "{unpaid:?}"
    );
    let mut dollars = refund_request(16, 504, 100);
    dollars.currency = "USD".into();
    assert!(matches!(
        world.alipay.refund(&dollars).await,
        Err(ProviderError::Refused(_))
    ));
}

#[tokio::test]
async fn a_system_error_is_unavailable_and_nothing_is_done() {
    let world = World::new().await;
    let out_trade_no = world.paid(17).await;
    world.fake.fail_next("alipay.trade.refund", Fault::SystemError);
    let outcome = world.alipay.refund(&refund_request(17, 505, 100)).await;
    assert!(
        matches!(&outcome, Err(ProviderError::Unavailable(why)) if why.contains("ACQ.SYSTEM_ERROR")),
        "{outcome:?}"
    );
    assert_eq!(world.fake.refunds_paid(&out_trade_no), 0);
    // The shop asks again later with the same key, and it goes through once.
    assert!(matches!(
        world.alipay.refund(&refund_request(17, 505, 100)).await,
        Ok(RefundOutcome::Succeeded { .. })
    ));
    assert_eq!(world.fake.refunds_paid(&out_trade_no), 1);

    world.fake.fail_next("alipay.trade.precreate", Fault::SystemError);
    assert!(matches!(
        world.alipay.create_payment(&world.request(18, "qr")).await,
        Err(ProviderError::Unavailable(_))
    ));
    assert_eq!(world.fake.trade_status("EP00000018"), None);
}

#[tokio::test]
async fn http_500_is_unavailable() {
    let world = World::new().await;
    world.alipay.create_payment(&world.request(19, "qr")).await.unwrap();
    world.fake.fail_next("alipay.trade.query", Fault::Http500);
    assert!(matches!(world.alipay.query(19, None).await, Err(ProviderError::Unavailable(why)) if why.contains("500")));
    world.fake.fail_next("alipay.trade.close", Fault::Http500);
    assert!(matches!(
        world.alipay.close_payment(19, None).await,
        Err(ProviderError::Unavailable(_))
    ));
    assert_eq!(world.fake.trade_status("EP00000019").as_deref(), Some("WAIT_BUYER_PAY"));
}

#[tokio::test]
async fn a_refund_whose_answer_timed_out_is_asked_again_and_paid_once() {
    let world = World::new().await;
    let out_trade_no = world.paid(20).await;
    world
        .fake
        .fail_next("alipay.trade.refund", Fault::Timeout(Duration::from_secs(3)));
    let request = refund_request(20, 506, 2345);
    assert!(matches!(
        world.alipay.refund(&request).await,
        Err(ProviderError::Unavailable(_))
    ));
    assert_eq!(
        world.fake.refunds_paid(&out_trade_no),
        1,
        "Alipay did it; the answer was lost"
    );
    assert!(matches!(
        world.alipay.refund(&request).await,
        Ok(RefundOutcome::Succeeded { .. })
    ));
    assert_eq!(world.fake.refunds_paid(&out_trade_no), 1);
    assert_eq!(world.fake.refunded(&out_trade_no), 2345);
}

#[tokio::test]
async fn an_answer_with_a_tampered_sign_is_not_believed() {
    let world = World::new().await;
    let out_trade_no = world.paid(21).await;
    world.fake.fail_next("alipay.trade.query", Fault::TamperedSign);
    assert!(
        matches!(world.alipay.query(21, None).await, Err(ProviderError::Unavailable(why)) if why.contains("signature"))
    );

    world.fake.fail_next("alipay.trade.refund", Fault::TamperedSign);
    let request = refund_request(21, 507, 45);
    assert!(matches!(
        world.alipay.refund(&request).await,
        Err(ProviderError::Unavailable(_))
    ));
    assert!(matches!(
        world.alipay.refund(&request).await,
        Ok(RefundOutcome::Succeeded { .. })
    ));
    assert_eq!(world.fake.refunds_paid(&out_trade_no), 1);
}

#[tokio::test]
async fn answers_signed_by_another_key_are_not_believed() {
    let world = World::new().await;
    world.paid(22).await;
    let gullible = adapter(&world.fake, &merchant_key().private_pkcs8, &other_key().public);
    assert!(matches!(
        gullible.query(22, None).await,
        Err(ProviderError::Unavailable(_))
    ));
}

#[tokio::test]
async fn requests_signed_with_the_wrong_key_get_an_unsigned_refusal() {
    let world = World::new().await;
    world.paid(23).await;
    let impostor = adapter(
        &world.fake,
        &other_key().private_pkcs8,
        world.fake.alipay_public_key_pem(),
    );
    let outcome = impostor.refund(&refund_request(23, 508, 100)).await;
    assert!(
        matches!(&outcome, Err(ProviderError::Unavailable(why)) if why.contains("unsigned") && why.contains("40002")),
        "{outcome:?}"
    );
    assert_eq!(world.fake.refunds_paid("EP00000023"), 0);
}

#[tokio::test]
async fn only_yuan_and_known_channels_are_accepted() {
    let world = World::new().await;
    assert_eq!(world.alipay.name(), "alipay");
    assert_eq!(world.alipay.channels(), ["page", "wap", "qr"]);
    assert!(world.alipay.accepts_currency("CNY"));
    assert!(!world.alipay.accepts_currency("USD"));
    let mut request = world.request(24, "qr");
    request.currency = "USD".into();
    assert!(matches!(
        world.alipay.create_payment(&request).await,
        Err(ProviderError::Refused(_))
    ));
    assert!(matches!(
        world.alipay.create_payment(&world.request(24, "app")).await,
        Err(ProviderError::Refused(_))
    ));
    let mut nothing = world.request(24, "qr");
    nothing.amount = 0;
    assert!(matches!(
        world.alipay.create_payment(&nothing).await,
        Err(ProviderError::Refused(_))
    ));
    let mut default = world.request(24, "page");
    default.channel = None;
    let checkout = world.alipay.create_payment(&default).await.unwrap();
    assert_eq!(query_of(&checkout.pay_url)["method"], "alipay.trade.page.pay");
}

#[tokio::test]
async fn replies_are_alipays_success_and_fail() {
    let world = World::new().await;
    assert_eq!(world.alipay.acknowledge(), Reply::text(200, "success"));
    assert_eq!(world.alipay.refuse("anything"), Some(Reply::text(400, "fail")));
}

#[test]
fn debug_shows_no_keys() {
    let config = AlipayConfig::new(
        APP_ID,
        SigningKey::from_pem(&merchant_key().private_pkcs8).unwrap(),
        VerifyingKey::from_pem(&other_key().public).unwrap(),
    );
    assert_eq!(config.gateway, PRODUCTION_GATEWAY);
    let shown = format!("{config:?}");
    assert!(shown.contains(APP_ID) && shown.contains("<redacted>"), "{shown}");
    assert!(!shown.contains("RSA-"), "{shown}");
}

// Notifications.

#[tokio::test]
async fn a_genuine_notification_is_accepted() {
    let world = World::new().await;
    let out_trade_no = world.paid(30).await;
    let body = world.fake.notify(&out_trade_no, &[]);
    let Ok(Notice::Payment(notice)) = world.verify(body.as_bytes()) else {
        panic!("refused")
    };
    assert_eq!(
        (notice.payment_id, notice.amount, notice.status),
        (30, 12345, NotifiedStatus::Succeeded)
    );
    // The event id is the notify_id, the same on every delivery of this event.
    assert_eq!(notice.event_id, world.fake.notification(&out_trade_no)["notify_id"]);
}

#[tokio::test]
async fn a_changed_byte_in_the_sign_or_the_body_is_refused() {
    let world = World::new().await;
    let out_trade_no = world.paid(31).await;
    let body = world.fake.notify(&out_trade_no, &[]);

    let fields = form_decode(body.as_bytes());
    let mut sign = fields["sign"].clone().into_bytes();
    sign[10] = if sign[10] == b'A' { b'B' } else { b'A' };
    let mut forged = fields.clone();
    forged.insert("sign".into(), String::from_utf8(sign).unwrap());
    assert_eq!(
        world.verify(encode(&forged).as_bytes()),
        Err(NotificationError::BadSignature)
    );

    let richer = body.replace("total_amount=123.45", "total_amount=123.46");
    assert_ne!(richer, body);
    assert_eq!(world.verify(richer.as_bytes()), Err(NotificationError::BadSignature));
    let other_buyer = body.replace("buyer_id=2088", "buyer_id=3088");
    assert_eq!(
        world.verify(other_buyer.as_bytes()),
        Err(NotificationError::BadSignature)
    );
}

#[tokio::test]
async fn a_notification_signed_by_another_key_is_refused() {
    let world = World::new().await;
    let out_trade_no = world.paid(32).await;
    let mut fields = world.fake.notification(&out_trade_no);
    let text = signing_text(
        fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &["sign", "sign_type"],
    );
    let sign = SigningKey::from_pem(&other_key().private_pkcs8)
        .unwrap()
        .sign_base64(text.as_bytes());
    fields.insert("sign".into(), sign);
    fields.insert("sign_type".into(), "RSA2".into());
    assert_eq!(
        world.verify(encode(&fields).as_bytes()),
        Err(NotificationError::BadSignature)
    );
}

#[tokio::test]
async fn a_genuine_notification_for_another_app_is_refused() {
    let world = World::new().await;
    let out_trade_no = world.paid(33).await;
    let body = world
        .fake
        .notify(&out_trade_no, &[("app_id", Some("2021000000000999"))]);
    assert!(
        matches!(world.verify(body.as_bytes()), Err(NotificationError::MalformedBody(why)) if why.contains("app_id"))
    );
}

#[tokio::test]
async fn malformed_notifications_are_refused() {
    let world = World::new().await;
    let out_trade_no = world.paid(34).await;
    let signed = |overrides: &[(&str, Option<&str>)]| world.fake.notify(&out_trade_no, overrides);
    for missing in ["notify_id", "out_trade_no", "total_amount", "trade_status", "app_id"] {
        let body = signed(&[(missing, None)]);
        assert!(
            matches!(world.verify(body.as_bytes()), Err(NotificationError::MalformedBody(why)) if why.contains(missing)),
            "without {missing}"
        );
    }
    for amount in ["1.234", "-1", "abc", "1e3", ""] {
        let body = signed(&[("total_amount", Some(amount))]);
        assert!(
            matches!(world.verify(body.as_bytes()), Err(NotificationError::MalformedBody(_))),
            "amount {amount:?}"
        );
    }
    for foreign in ["ORDER42", "EP42", "EP0000003x", "ep00000034"] {
        let body = signed(&[("out_trade_no", Some(foreign))]);
        assert!(
            matches!(world.verify(body.as_bytes()), Err(NotificationError::MalformedBody(_))),
            "{foreign}"
        );
    }
    let body = signed(&[("trade_status", Some("TRADE_PENDING"))]);
    assert!(matches!(
        world.verify(body.as_bytes()),
        Err(NotificationError::MalformedBody(_))
    ));

    let body = signed(&[]);
    let non_utf8 = body.replacen("subject=", "subject=%FF", 1);
    assert!(matches!(
        world.verify(non_utf8.as_bytes()),
        Err(NotificationError::MalformedBody(_))
    ));
    let mut raw = body.clone().into_bytes();
    raw.extend_from_slice(b"&x=\xff");
    assert!(matches!(world.verify(&raw), Err(NotificationError::MalformedBody(_))));
    let twice = format!("{body}&total_amount=1.00");
    assert!(matches!(
        world.verify(twice.as_bytes()),
        Err(NotificationError::MalformedBody(_))
    ));

    let mut fields = form_decode(body.as_bytes());
    fields.remove("sign");
    assert_eq!(
        world.verify(encode(&fields).as_bytes()),
        Err(NotificationError::MissingSignature)
    );
    let mut fields = form_decode(body.as_bytes());
    fields.insert("sign_type".into(), "RSA".into());
    assert!(matches!(
        world.verify(encode(&fields).as_bytes()),
        Err(NotificationError::MalformedSignature(_))
    ));
    assert_eq!(world.verify(b""), Err(NotificationError::MissingSignature));
    assert_eq!(
        world.verify(b"{\"json\":true}"),
        Err(NotificationError::MissingSignature)
    );
}

#[tokio::test]
async fn waiting_closed_and_refund_notifications_read_as_such() {
    let world = World::new().await;
    world.alipay.create_payment(&world.request(35, "qr")).await.unwrap();
    let waiting = world.fake.notify("EP00000035", &[]);
    assert!(matches!(world.verify(waiting.as_bytes()), Ok(Notice::Ignored { .. })));
    let closed = world
        .fake
        .notify("EP00000035", &[("trade_status", Some("TRADE_CLOSED"))]);
    assert!(matches!(
        world.verify(closed.as_bytes()),
        Ok(Notice::Payment(PaymentNotice {
            status: NotifiedStatus::Failed,
            payment_id: 35,
            ..
        }))
    ));

    // After a full refund Alipay says TRADE_CLOSED with refund fields: not a failed payment.
    let out_trade_no = world.paid(36).await;
    let refunded = world.fake.notify(
        &out_trade_no,
        &[
            ("trade_status", Some("TRADE_CLOSED")),
            ("refund_fee", Some("123.45")),
            ("gmt_refund", Some("2026-12-07 22:40:00.123")),
            ("out_biz_no", Some("emporium-refund-9")),
        ],
    );
    assert!(matches!(world.verify(refunded.as_bytes()), Ok(Notice::Ignored { .. })));
}

/// `fields` as a form body, in their order.
fn encode(fields: &BTreeMap<String, String>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

proptest! {
    #[test]
    fn fen_to_yuan_and_back_is_exact(fen in 0i64..=i64::MAX) {
        let text = yuan(fen);
        prop_assert_eq!(parse_yuan(&text), Some(fen));
        let (whole, fraction) = text.split_once('.').unwrap();
        prop_assert_eq!(fraction.len(), 2);
        prop_assert_eq!(whole.parse::<i64>().unwrap(), fen / 100);
    }

    #[test]
    fn yuan_text_reads_as_its_decimal_value(whole in 0i64..=92_233_720_368_547_757, fraction in "[0-9]{0,2}") {
        let text = if fraction.is_empty() { whole.to_string() } else { format!("{whole}.{fraction}") };
        let scale = if fraction.len() == 1 { 10 } else { 1 };
        let fen = whole * 100 + fraction.parse::<i64>().unwrap_or(0) * scale;
        prop_assert_eq!(parse_yuan(&text), Some(fen));
        prop_assert_eq!(parse_yuan(&yuan(fen)), Some(fen));
    }

    #[test]
    fn anything_with_more_than_two_decimals_or_a_sign_is_refused(
        whole in 0i64..1_000_000,
        fraction in "[0-9]{3,6}",
        sign in "[-+ ]",
    ) {
        prop_assert_eq!(parse_yuan(&format!("{whole}.{fraction}")), None);
        prop_assert_eq!(parse_yuan(&format!("{sign}{whole}")), None);
    }

    #[test]
    fn text_reads_as_its_decimal_value_or_not_at_all(text in "[0-9.+ e-]{0,8}|\\PC{0,8}") {
        if let Some(fen) = parse_yuan(&text) {
            // Only plain decimals with at most two places are accepted, at their exact value.
            let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
            prop_assert!(!whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()), "{text:?}");
            prop_assert!(fraction.len() <= 2 && fraction.bytes().all(|b| b.is_ascii_digit()), "{text:?}");
            prop_assert!(text.ends_with(|c: char| c.is_ascii_digit()), "{text:?}");
            let value = whole.parse::<u128>().unwrap() * 100 + format!("{fraction:0<2}").parse::<u128>().unwrap();
            prop_assert_eq!(u128::try_from(fen).unwrap(), value);
        }
    }
}
