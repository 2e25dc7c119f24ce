//! Checkout priced through the API: `POST /cart/price` answers what `POST /orders` then
//! stores, to the fen; a refused code is a 422 naming it and places nothing; shipping
//! methods follow the address; a 发票 is checked and kept with the order.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, json_of};

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.send(Method::POST, path, Some(token), Some(body)).await
}

async fn the_preview_is_what_the_order_stores(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    json_of(
        post(
            &app,
            &staff,
            "/api/v1/promotions",
            json!({"name": "满 100 减 15", "kind": "threshold", "tiers": [{"min_spend": 10_000, "off": 1_500}]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json_of(
        post(
            &app,
            &staff,
            "/api/v1/coupons",
            json!({"code": "Tea5", "kind": "fixed", "value": 500}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let (token, address) = app.shopper("alice", tea, 2).await;

    // ¥120 of tea: ¥15 off, then ¥5; shipping free from ¥99 (on the goods after discounts).
    let preview = json_of(
        post(
            &app,
            &token,
            "/api/v1/cart/price",
            json!({"address_id": address, "coupon_codes": ["tea5", "NOPE"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            &preview["subtotal"],
            &preview["discount_total"],
            &preview["shipping_fee"],
            &preview["total"]
        ),
        (&json!(12_000), &json!(2_000), &json!(0), &json!(10_000)),
        "{preview}"
    );
    assert_eq!(
        preview["coupons"][1],
        json!({"code": "NOPE", "applied": false, "amount": 0, "reason": "unknown_code"})
    );
    assert_eq!(preview["tax_mode"], "inclusive");
    assert_eq!(preview["shipping_methods"][0]["currency"], "CNY");

    // On the order, a code that does not apply refuses the whole order.
    let refused = post(
        &app,
        &token,
        "/api/v1/orders",
        json!({"address_id": address, "coupon_codes": ["TEA5", "NOPE"]}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "coupon_not_applicable");
    assert_eq!(problem["errors"][0]["field"], "coupon_codes");
    assert!(
        problem["errors"][0]["message"].as_str().unwrap().contains("NOPE"),
        "{problem}"
    );

    let order = json_of(
        post(
            &app,
            &token,
            "/api/v1/orders",
            json!({"address_id": address, "coupon_codes": ["TEA5"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for field in ["subtotal", "discount_total", "shipping_fee", "tax_total", "total"] {
        assert_eq!(order[field], preview[field], "{field}");
    }
    assert_eq!(order["items"][0]["net"], preview["lines"][0]["net"]);
    assert_eq!(order["items"][0]["discounts"], preview["lines"][0]["discounts"]);
    assert_eq!(order["coupons"][0]["code"], "TEA5");
    assert_eq!(order["shipping_method"]["id"], preview["shipping"]["method_id"]);
    app.assert_clean().await;
}
app_test!(the_preview_is_what_the_order_stores);

async fn shipping_methods_follow_the_address(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let (token, address) = app.shopper("alice", tea, 1).await;
    // Nothing configured: one method for every address, ¥10 below ¥99.
    let methods = json_of(
        app.send(Method::GET, "/api/v1/shipping-methods", Some(&token), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(methods["data"].as_array().unwrap().len(), 1);
    assert_eq!(methods["data"][0]["fee"], 1_000);
    // A zone for another country only: this address has no method and cannot check out.
    let zone = json_of(
        post(
            &app,
            &staff,
            "/api/v1/shipping-zones",
            json!({"name": "Hong Kong", "country": "HK"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json_of(
        post(
            &app,
            &staff,
            &format!("/api/v1/shipping-zones/{}/methods", zone["id"]),
            json!({"name": "顺丰", "rule": {"kind": "flat", "fee": 3_000}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/shipping-methods?address_id={address}");
    let methods = json_of(app.send(Method::GET, &path, Some(&token), None).await, StatusCode::OK).await;
    assert_eq!(methods["data"], json!([]));
    let refused = post(&app, &token, "/api/v1/orders", json!({"address_id": address})).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json::<Value>().await.unwrap()["code"], "no_shipping_method");
    // Another customer's address is not found, whoever asks.
    let (bob, _) = app.shopper("bob", tea, 1).await;
    let theirs = app.send(Method::GET, &path, Some(&bob), None).await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
}
app_test!(shipping_methods_follow_the_address);

async fn an_invoice_is_checked_and_kept(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let (token, address) = app.shopper("alice", tea, 1).await;
    let bad = post(
        &app,
        &token,
        "/api/v1/orders",
        json!({"address_id": address, "invoice": {"kind": "company", "title": "某某科技有限公司", "taxpayer_id": "91350100M000100Y44"}}),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["errors"][0]["field"],
        "invoice.taxpayer_id"
    );
    let order = json_of(
        post(
            &app,
            &token,
            "/api/v1/orders",
            json!({"address_id": address, "invoice": {"kind": "company", "title": "某某科技有限公司", "taxpayer_id": "91350100m000100y43"}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let seen = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/orders/{}", order["id"]),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        seen["invoice"],
        json!({"kind": "company", "title": "某某科技有限公司", "taxpayer_id": "91350100M000100Y43"})
    );
}
app_test!(an_invoice_is_checked_and_kept);
