//! Real providers end to end, on both engines: the shop configured for Alipay and WeChat
//! Pay (keys made at test time, written to files as a merchant would) against local fakes
//! that speak the providers' published protocols (emporium-testkit's `alipay` and
//! `wechatpay`). Checkout, pay, the signed notification on the real notify route, a
//! duplicate and a forged one, refunds (synchronous at Alipay, finished later by
//! notification at WeChat Pay), a lost notification found by reconciliation, a provider
//! that fails, and closing the trade of a cancelled order. `emporium check` holds after each.

use std::time::Duration;

use emporium_app::payments::providers::{AlipaySettings, PaymentSettings, WechatPaySettings};
use emporium_app::payments::{PayWith, start_payment};
use emporium_app::{AppConfig, WriteLimits};
use emporium_payments::{RefundRequest, trade_no};
use emporium_testkit::alipay::{self as fake_alipay, FakeAlipay};
use emporium_testkit::keys;
use emporium_testkit::wechatpay::{self as fake_wechat, FakeWechatPay};
use emporium_testkit::{TestDb, engine_test};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{NewProduct, TestApp, expect_problem, json_of};

const ALIPAY_APP_ID: &str = "2021000000000001";
const MCH_ID: &str = "1900000001";
const WX_APP_ID: &str = "wxd678efh567hg6787";
const API_V3_KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";

/// A shop with Alipay and WeChat Pay on, each pointing at its fake, and the fakes.
struct Shop {
    app: TestApp,
    alipay: FakeAlipay,
    wechat: FakeWechatPay,
    _keys: tempfile::TempDir,
}

async fn shop(db: TestDb, sandbox: bool) -> Shop {
    let merchant = keys::shared(0);
    let alipay = FakeAlipay::start(&merchant.public, ALIPAY_APP_ID).await;
    let wechat = FakeWechatPay::start(MCH_ID, WX_APP_ID, &merchant.public, *API_V3_KEY).await;
    let dir = tempfile::tempdir().expect("key dir");
    // The merchant's key as Alipay's console hands it out (PKCS#1) for one provider and
    // as WeChat Pay's apiclient_key.pem (PKCS#8) for the other.
    let payments = PaymentSettings {
        sandbox,
        alipay: Some(AlipaySettings {
            app_id: ALIPAY_APP_ID.into(),
            private_key_file: keys::write(dir.path(), "alipay_app_private.pem", &merchant.private_pkcs1),
            public_key_file: keys::write(dir.path(), "alipay_public.pem", alipay.alipay_public_key_pem()),
            gateway: alipay.gateway_url(),
        }),
        wechatpay: Some(WechatPaySettings {
            mch_id: MCH_ID.into(),
            app_id: WX_APP_ID.into(),
            serial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into(),
            private_key_file: keys::write(dir.path(), "apiclient_key.pem", &merchant.private_pkcs8),
            public_key_file: keys::write(dir.path(), "wechatpay_public.pem", &wechat.platform_public_key_pem()),
            public_key_id: wechat.platform_public_key_id(),
            api_v3_key_file: keys::write(dir.path(), "api_v3_key", "0123456789abcdef0123456789abcdef\n"),
            base_url: wechat.base_url(),
        }),
    };
    let config = AppConfig {
        bcrypt_cost: 4,
        write_limits: WriteLimits::OFF,
        payments,
        ..AppConfig::default()
    };
    Shop {
        app: TestApp::spawn_with(db, config).await,
        alipay,
        wechat,
        _keys: dir,
    }
}

/// A customer with an order of one 123.45 item awaiting payment: (token, staff, order).
async fn pending_order(app: &TestApp) -> (String, String, i64) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(12_345, 5)).await;
    let (token, address) = app.shopper("lee", item, 1).await;
    let order = app.place_order(&token, address).await;
    (token, staff, order)
}

async fn pay(app: &TestApp, token: &str, order: i64, body: Value) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/orders/{order}/pay"),
        Some(token),
        Some(body),
    )
    .await
}

async fn order_status(app: &TestApp, token: &str, order: i64) -> String {
    app.get_json(&format!("/api/v1/orders/{order}"), Some(token)).await["status"]
        .as_str()
        .expect("status")
        .to_owned()
}

async fn ask_refund(app: &TestApp, token: &str, staff: &str, order: i64) -> (i64, reqwest::Response) {
    let refund = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{order}/refunds"),
            Some(token),
            Some(json!({"reason": "changed my mind"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = refund["id"].as_i64().expect("refund id");
    let approved = app
        .send(
            Method::POST,
            &format!("/api/v1/refunds/{id}/approve"),
            Some(staff),
            None,
        )
        .await;
    (id, approved)
}

fn notify_url(app: &TestApp, provider: &str) -> String {
    format!("http://{}/api/v1/payments/notify/{provider}", app.addr)
}

async fn offered_with_and_without_the_sandbox(db: TestDb) {
    let shop = shop(db, false).await;
    let app = &shop.app;
    let offered = app.get_json("/api/v1/payment-providers", None).await;
    assert_eq!(
        offered,
        json!([
            {"name": "alipay", "channels": ["page", "wap", "qr"]},
            {"name": "wechatpay", "channels": ["native", "h5"]},
        ])
    );
    let (token, _, order) = pending_order(app).await;
    let off = expect_problem(
        pay(app, &token, order, json!({"provider": "sandbox"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(off.errors[0].message.contains("alipay, wechatpay"), "{off:?}");
    let channel = expect_problem(
        pay(app, &token, order, json!({"provider": "alipay", "channel": "native"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(channel.errors[0].field, "channel");
    assert!(channel.errors[0].message.contains("page, wap, qr"), "{channel:?}");
    assert_eq!(order_status(app, &token, order).await, "pending_payment");
    app.assert_clean().await;
}

async fn alipay_qr_journey(db: TestDb) {
    let shop = shop(db, true).await;
    let (app, alipay) = (&shop.app, &shop.alipay);
    assert_eq!(
        app.get_json("/api/v1/payment-providers", None)
            .await
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    let (token, staff, order) = pending_order(app).await;

    let payment = json_of(
        pay(app, &token, order, json!({"provider": "alipay", "channel": "qr"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(payment["provider"], "alipay");
    assert_eq!(payment["channel"], "qr");
    assert_eq!(payment["amount"], 12_345);
    let qr = payment["qr_code"].as_str().expect("a QR code");
    assert_eq!(payment["pay_url"].as_str(), Some(qr));
    let payment_id = payment["payment_id"].as_i64().expect("id");
    let trade = trade_no(payment_id);
    assert_eq!(alipay.trade_status(&trade).as_deref(), Some("WAIT_BUYER_PAY"));
    // A second click answers the same payment: one trade at Alipay.
    let again = json_of(
        pay(app, &token, order, json!({"provider": "alipay", "channel": "qr"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(again["payment_id"], payment_id);
    assert_eq!(alipay.calls("alipay.trade.precreate"), 1);
    // The order page shows the code for the buyer to scan.
    let shown = app.get_json(&format!("/api/v1/orders/{order}"), Some(&token)).await;
    assert_eq!(shown["payment"]["qr_code"].as_str(), Some(qr));

    // A forged notification (the amount changed after signing) changes nothing.
    let mut fields = alipay.notification(&trade);
    let genuine = alipay.sign_notification(&fields);
    fields.insert("trade_status".into(), "TRADE_SUCCESS".into());
    fields.insert("notify_id".into(), "forged-1".into());
    let signed = alipay.sign_notification(&fields);
    let forged = signed.replace("total_amount=123.45", "total_amount=0.01");
    assert_ne!(forged, signed);
    assert_eq!(
        alipay.deliver(&notify_url(app, "alipay"), forged).await,
        (400, "fail".to_owned())
    );
    // Genuine but still awaiting payment: kept, acknowledged, nothing moves.
    assert_eq!(
        alipay.deliver(&notify_url(app, "alipay"), genuine).await,
        (200, "success".to_owned())
    );
    assert_eq!(order_status(app, &token, order).await, "pending_payment");

    // The buyer pays: Alipay's notification moves the order, once.
    assert_eq!(alipay.pay(&trade).await, (200, "success".to_owned()));
    assert_eq!(order_status(app, &token, order).await, "paid");
    let duplicate = alipay.notify(&trade, &[]);
    assert_eq!(
        alipay.deliver(&notify_url(app, "alipay"), duplicate).await,
        (200, "success".to_owned())
    );
    let events = app
        .get_json(&format!("/api/v1/orders/{order}/events"), Some(&token))
        .await;
    let paid_events = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["to"] == "paid")
        .count();
    assert_eq!(paid_events, 1, "{events}");
    // Each verified notification is kept as received: the ignored one and the payment.
    let kept: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT kind, body FROM payment_notifications WHERE provider = 'alipay' ORDER BY received_at, kind",
    )
    .fetch_all(app.store.reader())
    .await
    .expect("notifications");
    let kinds: Vec<&str> = kept.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["ignored", "payment"],
        "the forged one is not kept, the duplicate once"
    );
    assert!(kept.iter().all(|(_, body)| {
        body.as_deref()
            .is_some_and(|b| b.contains(&format!("out_trade_no={trade}")))
    }));
    let stored = app.store.payment(payment_id).await.expect("read").expect("payment");
    assert_ne!(
        stored.provider_ref.as_deref(),
        Some(trade.as_str()),
        "Alipay's own trade number is kept"
    );

    // A refund of everything goes back through Alipay once, and the order is refunded.
    let (refund, approved) = ask_refund(app, &token, &staff, order).await;
    assert_eq!(json_of(approved, StatusCode::OK).await["status"], "refunded");
    assert_eq!(alipay.refunds_paid(&trade), 1);
    assert_eq!(alipay.refunded(&trade), 12_345);
    assert_eq!(order_status(app, &token, order).await, "refunded");
    let twice = app
        .send(
            Method::POST,
            &format!("/api/v1/refunds/{refund}/approve"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert_eq!(alipay.refunds_paid(&trade), 1);
    app.assert_clean().await;
}

async fn alipay_unavailable_then_paid_through_the_page(db: TestDb) {
    let shop = shop(db, true).await;
    let (app, alipay) = (&shop.app, &shop.alipay);
    let (token, _, order) = pending_order(app).await;
    alipay.fail_next("alipay.trade.precreate", fake_alipay::Fault::SystemError);
    let failed = pay(app, &token, order, json!({"provider": "alipay", "channel": "qr"})).await;
    assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
    alipay.fail_next("alipay.trade.precreate", fake_alipay::Fault::Http500);
    let failed = pay(app, &token, order, json!({"provider": "alipay", "channel": "qr"})).await;
    assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(order_status(app, &token, order).await, "pending_payment");
    // The desktop page: a signed redirect to the gateway, no call to make.
    let page = json_of(
        pay(app, &token, order, json!({"provider": "alipay"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(page["channel"], "page");
    assert!(page.get("qr_code").is_none(), "{page}");
    let url = page["pay_url"].as_str().expect("pay url");
    assert!(url.starts_with(&alipay.gateway_url()), "{url}");
    assert!(
        url.contains("method=alipay.trade.page.pay") && url.contains("sign="),
        "{url}"
    );
    // The buyer's browser opens it (the fake registers the trade), and pays.
    let opened = reqwest::get(url).await.expect("the gateway answers");
    assert!(opened.status().is_success(), "{}", opened.status());
    let trade = trade_no(page["payment_id"].as_i64().expect("id"));
    assert_eq!(alipay.pay(&trade).await, (200, "success".to_owned()));
    assert_eq!(order_status(app, &token, order).await, "paid");
    app.assert_clean().await;
}

async fn alipay_trade_closed_when_the_order_is_cancelled(db: TestDb) {
    let shop = shop(db, true).await;
    let (app, alipay) = (&shop.app, &shop.alipay);
    let (token, _, order) = pending_order(app).await;
    let payment = json_of(
        pay(app, &token, order, json!({"provider": "alipay", "channel": "qr"})).await,
        StatusCode::CREATED,
    )
    .await;
    let trade = trade_no(payment["payment_id"].as_i64().expect("id"));
    let cancelled = app
        .send(
            Method::POST,
            &format!("/api/v1/orders/{order}/cancel"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    // Closed after the answer, in the background.
    for _ in 0..100 {
        if alipay.trade_status(&trade).as_deref() == Some("TRADE_CLOSED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(alipay.trade_status(&trade).as_deref(), Some("TRADE_CLOSED"));
    assert_eq!(alipay.calls("alipay.trade.close"), 1);
    app.assert_clean().await;
}

async fn wechat_native_journey_with_refund_notification(db: TestDb) {
    let shop = shop(db, true).await;
    let (app, wechat) = (&shop.app, &shop.wechat);
    let (token, staff, order) = pending_order(app).await;
    let payment = json_of(
        pay(app, &token, order, json!({"provider": "wechatpay"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(payment["channel"], "native");
    let code = payment["qr_code"].as_str().expect("code_url");
    assert!(code.starts_with("weixin://"), "{code}");
    let trade = trade_no(payment["payment_id"].as_i64().expect("id"));

    // A notification whose body was changed after signing is refused in WeChat Pay's format.
    let plaintext = json!({"mchid": MCH_ID, "appid": WX_APP_ID, "out_trade_no": trade, "transaction_id": "4200000000000000000000000001",
        "trade_state": "SUCCESS", "amount": {"total": 1, "currency": "CNY", "payer_total": 1, "payer_currency": "CNY"}});
    let (headers, body) = wechat.notification("TRANSACTION.SUCCESS", "transaction", &plaintext, fake_wechat::now());
    let mut tampered = body.clone();
    let last = tampered.len() - 2;
    tampered[last] ^= 1;
    let refused = app
        .request(Method::POST, "/api/v1/payments/notify/wechatpay")
        .headers(headers.clone())
        .body(tampered)
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(refused, StatusCode::BAD_REQUEST).await["code"], "FAIL");
    // Genuine, but for 0.01 instead of 123.45: refused, nothing applied.
    let wrong_amount = app
        .request(Method::POST, "/api/v1/payments/notify/wechatpay")
        .headers(headers)
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong_amount.status(), StatusCode::BAD_REQUEST);
    assert_eq!(order_status(app, &token, order).await, "pending_payment");

    // The buyer scans and pays.
    let delivery = wechat.pay(&trade).await;
    assert_eq!(delivery.answer.as_ref().map(|a| a.0), Some(204));
    assert_eq!(order_status(app, &token, order).await, "paid");
    // WeChat Pay delivers again: acknowledged, nothing more.
    let again = app
        .request(Method::POST, "/api/v1/payments/notify/wechatpay")
        .headers(delivery.headers.clone())
        .body(delivery.body.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), StatusCode::NO_CONTENT);

    // The refund is accepted (PROCESSING) and finished by WeChat Pay's notification.
    let (refund, approved) = ask_refund(app, &token, &staff, order).await;
    assert_eq!(json_of(approved, StatusCode::OK).await["status"], "processing");
    assert_eq!(order_status(app, &token, order).await, "paid");
    let finished = wechat
        .finish_refund(&RefundRequest::key_for(refund))
        .await
        .expect("a notify URL was given");
    assert_eq!(finished.answer.as_ref().map(|a| a.0), Some(204));
    let refunds = app.get_json(&format!("/api/v1/orders/{order}"), Some(&token)).await;
    assert_eq!(refunds["status"], "refunded", "{refunds}");
    assert_eq!(wechat.refunded(&trade), 12_345);
    assert_eq!(wechat.refund_count(), 1);
    // The jobs re-asking later change nothing and pay nothing more.
    app.clock.advance(Duration::from_secs(3600));
    app.run_jobs().await;
    assert_eq!(wechat.refund_count(), 1);
    app.assert_clean().await;
}

async fn wechat_lost_notification_found_by_reconciliation(db: TestDb) {
    let shop = shop(db, true).await;
    let wechat = &shop.wechat;
    let (token, _, order) = pending_order(&shop.app).await;
    let user = shop.app.user_id("lee").await;
    // This instance tells WeChat Pay an address nobody answers at, so the notification is lost.
    let app = shop.app.with_public_url("http://127.0.0.1:9").await;
    let with = PayWith {
        provider: "wechatpay".into(),
        channel: None,
        client_ip: None,
    };
    let render = std::sync::Arc::new(|_: &emporium_store::payments::Payment| String::new());
    let payment = match start_payment(&app.state, user, order, &with, None, render)
        .await
        .expect("paying")
    {
        emporium_store::idempotency::Idempotent::Fresh(p) => p,
        emporium_store::idempotency::Idempotent::Replay(_) => panic!("no key, no replay"),
    };
    let delivery = wechat.pay(&trade_no(payment.id)).await;
    assert!(delivery.answer.is_none(), "the notification was lost");
    assert_eq!(order_status(&app, &token, order).await, "pending_payment");
    // Fifteen minutes on, the jobs ask WeChat Pay and find the payment.
    app.clock.advance(Duration::from_secs(16 * 60));
    let report = app.run_jobs().await;
    assert_eq!(report.reconciled, 1);
    assert_eq!(order_status(&app, &token, order).await, "paid");
    app.assert_clean().await;
}

async fn paid_at_two_providers_the_second_goes_back(db: TestDb) {
    let shop = shop(db, true).await;
    let (app, alipay, wechat) = (&shop.app, &shop.alipay, &shop.wechat);
    let (token, _, order) = pending_order(app).await;
    // The buyer opens a WeChat Pay code, then an Alipay one, and pays both.
    let first = json_of(
        pay(app, &token, order, json!({"provider": "wechatpay"})).await,
        StatusCode::CREATED,
    )
    .await;
    let second = json_of(
        pay(app, &token, order, json!({"provider": "alipay", "channel": "qr"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_ne!(first["payment_id"], second["payment_id"]);
    let delivery = wechat.pay(&trade_no(first["payment_id"].as_i64().expect("id"))).await;
    assert_eq!(delivery.answer.as_ref().map(|a| a.0), Some(204));
    assert_eq!(order_status(app, &token, order).await, "paid");
    let alipay_trade = trade_no(second["payment_id"].as_i64().expect("id"));
    assert_eq!(alipay.pay(&alipay_trade).await, (200, "success".to_owned()));
    // The second payment is taken, marked a duplicate and paid back by the jobs, once.
    let report = app.run_jobs().await;
    assert_eq!(report.jobs_done, 1, "{report:?}");
    assert_eq!(alipay.refunds_paid(&alipay_trade), 1);
    assert_eq!(alipay.refunded(&alipay_trade), 12_345);
    let shown = app.get_json(&format!("/api/v1/orders/{order}"), Some(&token)).await;
    assert_eq!(shown["status"], "paid", "{shown}");
    assert_eq!(wechat.refund_count(), 0);
    app.run_jobs().await;
    assert_eq!(alipay.refunds_paid(&alipay_trade), 1);
    app.assert_clean().await;
}

async fn the_order_page_offers_each_way_to_pay_and_draws_the_qr_code(db: TestDb) {
    let shop = shop(db, true).await;
    let (app, alipay) = (&shop.app, &shop.alipay);
    let (_, _, order) = pending_order(app).await;
    let mut browser = crate::web::Browser::new(app);
    let logged_in = browser
        .submit(
            "/login",
            "/login",
            &[("username", "lee"), ("password", "password123"), ("next", "/")],
        )
        .await;
    assert_eq!(logged_in.status, StatusCode::SEE_OTHER);
    let path = format!("/orders/{order}");
    let page = browser.get(&path).await;
    for method in [
        "alipay:page",
        "alipay:wap",
        "alipay:qr",
        "sandbox",
        "wechatpay:native",
        "wechatpay:h5",
    ] {
        assert!(
            page.body.contains(&format!(r#"<option value="{method}">"#)),
            "{method} offered"
        );
    }
    assert!(!page.body.contains(r#"id="pay-qr""#));
    let paid = browser
        .submit(&path, &format!("{path}/pay"), &[("method", "alipay:qr")])
        .await;
    assert_eq!(
        paid.location.as_deref(),
        Some(path.as_str()),
        "a QR payment is paid from the order page"
    );
    let page = browser.get(&path).await;
    let qr = page.body.split(r#"id="pay-qr""#).nth(1).expect("the QR code is shown");
    assert!(qr.contains("<svg") && qr.contains("</svg>"), "an inline SVG");
    let payment = app.store.order_payments(order).await.expect("payments");
    assert_eq!(alipay.pay(&trade_no(payment[0].id)).await, (200, "success".to_owned()));
    let page = browser.get(&path).await;
    assert!(page.body.contains(r#"data-status="paid""#));
    assert!(!page.body.contains(r#"id="pay-qr""#));
    app.assert_clean().await;
}

async fn a_currency_the_provider_does_not_collect_is_refused_before_asking(db: TestDb) {
    let shop = shop(db, true).await;
    let (app, alipay, wechat) = (&shop.app, &shop.alipay, &shop.wechat);
    let staff = app.staff("boss").await;
    let product = json_of(
        app.send(
            Method::POST,
            "/api/v1/products",
            Some(&staff),
            Some(json!({"name": "Imported tea", "price": 2_500, "currency": "USD",
                        "initial_stock": {"quantity": 5, "unit_cost": 1_000}})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let (token, address) = app.shopper("lee", product, 1).await;
    let order = app.place_order(&token, address).await;
    for provider in ["alipay", "wechatpay"] {
        let refused = expect_problem(
            pay(app, &token, order, json!({"provider": provider})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(refused.errors[0].field, "provider");
        assert_eq!(refused.errors[0].message, format!("{provider} does not collect USD"));
    }
    assert_eq!(
        alipay.calls("alipay.trade.page.pay") + alipay.calls("alipay.trade.precreate"),
        0
    );
    assert_eq!(wechat.transaction_count(), 0);
    assert!(
        app.store.order_payments(order).await.expect("payments").is_empty(),
        "nothing was opened"
    );
    // The sandbox takes any currency.
    json_of(
        pay(app, &token, order, json!({"provider": "sandbox"})).await,
        StatusCode::CREATED,
    )
    .await;
    app.assert_clean().await;
}

engine_test!(
    a_currency_the_provider_does_not_collect_is_refused_before_asking,
    the_order_page_offers_each_way_to_pay_and_draws_the_qr_code,
    paid_at_two_providers_the_second_goes_back,
    offered_with_and_without_the_sandbox,
    alipay_qr_journey,
    alipay_unavailable_then_paid_through_the_page,
    alipay_trade_closed_when_the_order_is_cancelled,
    wechat_native_journey_with_refund_notification,
    wechat_lost_notification_found_by_reconciliation,
);
