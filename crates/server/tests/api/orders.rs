//! Cart, orders, payments and refunds: the whole life of an order, over real HTTP, with the
//! sandbox provider's real signed notifications.

use std::time::Duration;

use emporium_payments::signature;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields, json_of};

async fn order_status(app: &TestApp, token: &str, order: i64) -> String {
    let o: Value = app
        .send(Method::GET, &format!("/api/v1/orders/{order}"), Some(token), None)
        .await
        .json()
        .await
        .unwrap();
    o["status"].as_str().unwrap().to_owned()
}

fn signed(app: &TestApp, body: &Value, t: i64) -> (String, String) {
    let raw = body.to_string();
    (signature::sign(app.state.sandbox_secret(), t, raw.as_bytes()), raw)
}

async fn notify(app: &TestApp, header: Option<&str>, raw: String) -> reqwest::Response {
    let mut req = app
        .request(Method::POST, "/api/v1/payments/notify/sandbox")
        .header("content-type", "application/json")
        .body(raw);
    if let Some(h) = header {
        req = req.header(signature::HEADER, h);
    }
    req.send().await.unwrap()
}

async fn a_shopper_goes_from_cart_to_paid_shipped_received_and_refunded(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let (token, address) = app.shopper("alice", tea, 2).await;
    let cart = json_of(
        app.send(Method::GET, "/api/v1/cart", Some(&token), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (cart["subtotal"].as_i64(), cart["items"][0]["stock_available"].as_i64()),
        (Some(12_000), Some(10))
    );

    // Place the order with an idempotency key; a retry replays it exactly.
    let body = json!({"address_id": address, "note": "请放门口"});
    let place = || {
        app.request(Method::POST, "/api/v1/orders")
            .bearer_auth(&token)
            .header("idempotency-key", "order-1")
            .json(&body)
            .send()
    };
    let first = place().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_body = first.text().await.unwrap();
    let again = place().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(
        again.text().await.unwrap(),
        first_body,
        "the replay is the first answer"
    );
    let other = app
        .request(Method::POST, "/api/v1/orders")
        .bearer_auth(&token)
        .header("idempotency-key", "order-1")
        .json(&json!({"address_id": address}))
        .send()
        .await
        .unwrap();
    expect_problem(other, StatusCode::CONFLICT, "idempotency_conflict").await;
    let order: Value = serde_json::from_str(&first_body).unwrap();
    let id = order["id"].as_i64().unwrap();
    assert_eq!(
        (
            order["status"].as_str(),
            order["total"].as_i64(),
            order["shipping_fee"].as_i64()
        ),
        (Some("pending_payment"), Some(12_000), Some(0))
    );
    assert_eq!(order["address"]["city"], "北京");
    // The answer is assembled inside the placing transaction; it is the order as stored.
    let stored = json_of(
        app.send(Method::GET, &format!("/api/v1/orders/{id}"), Some(&token), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored, order, "the placement answer is the stored order");
    let cart = json_of(
        app.send(Method::GET, "/api/v1/cart", Some(&token), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cart["items"], json!([]), "the cart was emptied");
    let listed = json_of(
        app.send(Method::GET, "/api/v1/orders", Some(&token), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        1,
        "one order, however many retries"
    );

    // Pay through the sandbox; the notification arrives, then its duplicate.
    let payment = app.pay(&token, id).await;
    assert_eq!(order_status(&app, &token, id).await, "paid");
    app.clock.advance(Duration::from_secs(5));
    assert_eq!(app.run_jobs().await.jobs_done, 1, "the duplicate delivery");
    let seen = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/payments/{}", payment["payment_id"]),
            Some(&token),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["status"], "succeeded");
    expect_problem(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/pay"),
            Some(&token),
            Some(json!({"provider": "sandbox"})),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;

    // Ship, track, receive.
    let shipped = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/ship"),
            Some(&staff),
            Some(json!({"carrier": "SF Express", "tracking_number": "SF1234567890"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shipped["shipment"]["carrier"], "SF Express");
    let tracked = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/tracking-events"),
            Some(&staff),
            Some(json!({"status": "in_transit", "location": "上海"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(tracked["shipment"]["events"][0]["location"], "上海");
    let received = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/confirm-receipt"),
            Some(&token),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(received["status"], "received");

    // Refund part, then the rest; never more than was paid.
    let part = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/refunds"),
            Some(&token),
            Some(json!({"amount": 2_000, "reason": "one tin was dented"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let problem = expect_problem(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/refunds"),
            Some(&token),
            Some(json!({"amount": 10_001, "reason": "too much"})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["amount"]);
    let approved = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/refunds/{}/approve", part["id"]),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(approved["status"], "refunded");
    expect_problem(
        app.send(
            Method::POST,
            &format!("/api/v1/refunds/{}/approve", part["id"]),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let rest = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/refunds"),
            Some(&token),
            Some(json!({"reason": "changed my mind"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(rest["amount"], 10_000);
    app.send(
        Method::POST,
        &format!("/api/v1/refunds/{}/approve", rest["id"]),
        Some(&staff),
        None,
    )
    .await;
    let done = json_of(
        app.send(Method::GET, &format!("/api/v1/orders/{id}"), Some(&token), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (done["status"].as_str(), done["refunded_amount"].as_i64()),
        (Some("refunded"), Some(12_000))
    );
    // The list is written from the same cached documents as the order itself.
    let listed = json_of(
        app.send(Method::GET, "/api/v1/orders", Some(&token), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((&listed["data"][0], &listed["next_cursor"]), (&done, &Value::Null));

    let events = json_of(
        app.send(Method::GET, &format!("/api/v1/orders/{id}/events"), Some(&token), None)
            .await,
        StatusCode::OK,
    )
    .await;
    let moves: Vec<_> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["from"] != e["to"])
        .map(|e| e["to"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(moves, ["pending_payment", "paid", "shipped", "received", "refunded"]);
    app.assert_clean().await;
}
app_test!(a_shopper_goes_from_cart_to_paid_shipped_received_and_refunded);

async fn two_hundred_buyers_race_for_fifty_units(app: TestApp) {
    let staff = app.staff("boss").await;
    let hot = app.create_product(&staff, NewProduct::item(100, 50)).await;
    let mut buyers = Vec::new();
    for i in 0..200 {
        buyers.push(app.shopper(&format!("buyer{i}"), hot, 1).await);
    }
    let attempts: Vec<_> = buyers
        .iter()
        .map(|(token, address)| {
            tokio::spawn(
                app.request(Method::POST, "/api/v1/orders")
                    .bearer_auth(token)
                    .json(&json!({"address_id": address}))
                    .send(),
            )
        })
        .collect();
    let mut statuses = Vec::new();
    for a in attempts {
        statuses.push(a.await.unwrap().unwrap().status());
    }
    let sold = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((sold, refused), (50, 150), "{statuses:?}");
    let p: Value = app
        .send(Method::GET, &format!("/api/v1/products/{hot}"), None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["stock_available"], 0);
    app.assert_clean().await;
}
app_test!(two_hundred_buyers_race_for_fifty_units);

async fn one_key_sent_many_times_at_once_places_one_order(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(800, 10)).await;
    let (token, address) = app.shopper("kai", item, 1).await;
    // A client retrying impatiently: the same request and key, eight times at once.
    let answer = one_answer_to_eight_sends(
        &app,
        &token,
        "/api/v1/orders",
        "impatient",
        json!({"address_id": address}),
    )
    .await;
    assert_eq!(answer, StatusCode::CREATED);
    let listed = json_of(
        app.send(Method::GET, "/api/v1/orders", Some(&token), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "one order");
    let p: Value = app
        .send(Method::GET, &format!("/api/v1/products/{item}"), None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["stock_available"], 9, "one unit drawn");
    app.assert_clean().await;
}
app_test!(one_key_sent_many_times_at_once_places_one_order);

async fn one_refund_key_sent_many_times_at_once_asks_once(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(5_000, 10)).await;
    let (token, address) = app.shopper("lena", item, 2).await;
    let id = app.place_order(&token, address).await;
    app.pay(&token, id).await;
    // 7,000 twice would exceed the 10,000 paid: a second refund would show as a 422.
    let body = json!({"amount": 7_000, "reason": "one box was crushed"});
    let answer =
        one_answer_to_eight_sends(&app, &token, &format!("/api/v1/orders/{id}/refunds"), "refund-1", body).await;
    assert_eq!(answer, StatusCode::CREATED);
    let refunds = app.store.order_refunds(id).await.unwrap();
    assert_eq!(refunds.len(), 1, "one refund");
    app.assert_clean().await;
}
app_test!(one_refund_key_sent_many_times_at_once_asks_once);

async fn insufficient_stock_takes_nothing(app: TestApp) {
    let staff = app.staff("boss").await;
    let plenty = app.create_product(&staff, NewProduct::item(500, 100)).await;
    let scarce = app.create_product(&staff, NewProduct::item(700, 1)).await;
    let (token, address) = app.shopper("carol", plenty, 3).await;
    app.put_cart(&token, scarce, 2).await;
    let problem = expect_problem(
        app.send(
            Method::POST,
            "/api/v1/orders",
            Some(&token),
            Some(json!({"address_id": address})),
        )
        .await,
        StatusCode::CONFLICT,
        "insufficient_stock",
    )
    .await;
    assert!(
        problem.detail.contains(&format!("product {scarce}")),
        "{}",
        problem.detail
    );
    let p: Value = app
        .send(Method::GET, &format!("/api/v1/products/{plenty}"), None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["stock_available"], 100, "all lines or none");
    let cart = json_of(
        app.send(Method::GET, "/api/v1/cart", Some(&token), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cart["items"].as_array().unwrap().len(), 2, "the cart is kept");
    app.assert_clean().await;
}
app_test!(insufficient_stock_takes_nothing);

async fn notifications_are_verified_and_applied_once(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(5_000, 5)).await;
    let (token, address) = app.shopper("dave", item, 2).await;
    let id = app.place_order(&token, address).await;
    let payment = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/pay"),
            Some(&token),
            Some(json!({"provider": "sandbox"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // Paying twice while pending answers the same payment.
    let again = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/pay"),
            Some(&token),
            Some(json!({"provider": "sandbox"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(again["payment_id"], payment["payment_id"]);
    let now = app.clock.now_unix();
    let good = json!({"event_id": "evt_1", "payment_id": payment["payment_id"], "order_id": id, "amount": 10_000, "currency": "CNY", "status": "succeeded"});

    let (_, raw) = signed(&app, &good, now);
    assert_eq!(
        notify(&app, None, raw.clone()).await.status(),
        StatusCode::BAD_REQUEST,
        "unsigned"
    );
    let forged = signature::sign(b"not the secret", now, raw.as_bytes());
    assert_eq!(
        notify(&app, Some(&forged), raw.clone()).await.status(),
        StatusCode::BAD_REQUEST,
        "forged"
    );
    let (stale, raw_stale) = signed(&app, &good, now - 301);
    assert_eq!(
        notify(&app, Some(&stale), raw_stale).await.status(),
        StatusCode::BAD_REQUEST,
        "stale"
    );
    let (sig, _) = signed(&app, &good, now);
    let tampered = raw.replace("10000", "1");
    assert_eq!(
        notify(&app, Some(&sig), tampered).await.status(),
        StatusCode::BAD_REQUEST,
        "tampered"
    );
    let wrong_amount = json!({"event_id": "evt_2", "payment_id": payment["payment_id"], "order_id": id, "amount": 1, "currency": "CNY", "status": "succeeded"});
    let (sig, raw_wrong) = signed(&app, &wrong_amount, now);
    assert_eq!(
        notify(&app, Some(&sig), raw_wrong).await.status(),
        StatusCode::BAD_REQUEST,
        "wrong amount"
    );
    assert_eq!(
        order_status(&app, &token, id).await,
        "pending_payment",
        "nothing changed"
    );

    let (sig, raw) = signed(&app, &good, now);
    assert_eq!(notify(&app, Some(&sig), raw.clone()).await.status(), StatusCode::OK);
    assert_eq!(order_status(&app, &token, id).await, "paid");
    assert_eq!(
        notify(&app, Some(&sig), raw).await.status(),
        StatusCode::OK,
        "a duplicate is acknowledged"
    );
    let events = json_of(
        app.send(Method::GET, &format!("/api/v1/orders/{id}/events"), Some(&token), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        events["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["to"] == "paid")
            .count(),
        1,
        "applied once"
    );
    app.assert_clean().await;
}
app_test!(notifications_are_verified_and_applied_once);

async fn unpaid_orders_expire_and_shipped_ones_confirm_themselves(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(20_000, 4)).await;
    let (token, address) = app.shopper("erin", item, 3).await;
    let unpaid = json_of(
        app.send(
            Method::POST,
            "/api/v1/orders",
            Some(&token),
            Some(json!({"address_id": address})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(app.run_jobs().await.expired, 0, "not yet");
    app.clock.advance(Duration::from_secs(2 * 60));
    assert_eq!(app.run_jobs().await.expired, 1);
    assert_eq!(
        order_status(&app, &token, unpaid["id"].as_i64().unwrap()).await,
        "cancelled"
    );
    let p: Value = app
        .send(Method::GET, &format!("/api/v1/products/{item}"), None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["stock_available"], 4, "the units went back");

    app.put_cart(&token, item, 1).await;
    let id = app.place_order(&token, address).await;
    app.pay(&token, id).await;
    app.send(
        Method::POST,
        &format!("/api/v1/orders/{id}/ship"),
        Some(&staff),
        Some(json!({"carrier": "EMS", "tracking_number": "E1"})),
    )
    .await;
    app.clock.advance(Duration::from_secs(10 * 24 * 3600 + 1));
    assert_eq!(app.run_jobs().await.confirmed, 1);
    assert_eq!(order_status(&app, &token, id).await, "received");
    app.assert_clean().await;
}
app_test!(unpaid_orders_expire_and_shipped_ones_confirm_themselves);

async fn a_payment_after_cancellation_is_paid_back(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(3_000, 2)).await;
    let (token, address) = app.shopper("frank", item, 1).await;
    let id = app.place_order(&token, address).await;
    let payment = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/pay"),
            Some(&token),
            Some(json!({"provider": "sandbox"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json_of(
        app.send(Method::POST, &format!("/api/v1/orders/{id}/cancel"), Some(&token), None)
            .await,
        StatusCode::OK,
    )
    .await;
    // The buyer pays on the provider's page anyway.
    app.post(
        &format!("{}/complete", payment["pay_url"].as_str().unwrap()),
        json!({"outcome": "succeeded"}),
    )
    .await;
    app.run_jobs().await; // delivers the notification, which opens a refund job
    app.run_jobs().await; // pays it back
    let o = json_of(
        app.send(Method::GET, &format!("/api/v1/orders/{id}"), Some(&token), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (o["status"].as_str(), o["refunded_amount"].as_i64()),
        (Some("cancelled"), Some(4_000))
    );
    app.assert_clean().await;
}
app_test!(a_payment_after_cancellation_is_paid_back);

async fn nobody_reaches_another_customers_orders(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(1_000, 5)).await;
    let (owner, address) = app.shopper("grace", item, 1).await;
    let id = app.place_order(&owner, address).await;
    let other = app.customer("mallory").await;
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/orders/{id}"), None),
        (Method::GET, format!("/api/v1/orders/{id}/events"), None),
        (Method::POST, format!("/api/v1/orders/{id}/cancel"), None),
        (
            Method::POST,
            format!("/api/v1/orders/{id}/pay"),
            Some(json!({"provider": "sandbox"})),
        ),
        (Method::POST, format!("/api/v1/orders/{id}/confirm-receipt"), None),
        (
            Method::POST,
            format!("/api/v1/orders/{id}/refunds"),
            Some(json!({"reason": "mine now"})),
        ),
    ] {
        expect_problem(
            app.send(method.clone(), &path, Some(&other), body.clone()).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        expect_problem(
            app.send(method, &path, None, body).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    // Another's address cannot be ordered to.
    app.put_cart(&other, item, 1).await;
    expect_problem(
        app.send(
            Method::POST,
            "/api/v1/orders",
            Some(&other),
            Some(json!({"address_id": address})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let theirs = json_of(
        app.send(Method::GET, "/api/v1/orders", Some(&other), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(theirs["data"], json!([]));
    for (path, body) in [
        (
            format!("/api/v1/orders/{id}/ship"),
            Some(json!({"carrier": "x", "tracking_number": "y"})),
        ),
        (
            format!("/api/v1/orders/{id}/tracking-events"),
            Some(json!({"status": "x"})),
        ),
        ("/api/v1/refunds/1/approve".to_owned(), None),
        ("/api/v1/refunds/1/reject".to_owned(), None),
    ] {
        expect_problem(
            app.send(Method::POST, &path, Some(&owner), body).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let all = json_of(
        app.send(Method::GET, "/api/v1/orders?status=pending_payment", Some(&staff), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["data"].as_array().unwrap().len(), 1, "staff see every order");
}
app_test!(nobody_reaches_another_customers_orders);

async fn bad_cart_and_order_input_is_refused(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(1_000, 5)).await;
    let token = app.customer("heidi").await;
    let address = app.add_address(&token).await;
    for q in [-1, 1000] {
        let problem = expect_problem(
            app.put_cart(&token, item, q).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&problem), ["quantity"]);
    }
    expect_problem(
        app.put_cart(&token, 999_999, 1).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.send(
            Method::POST,
            "/api/v1/orders",
            Some(&token),
            Some(json!({"address_id": address})),
        )
        .await,
        StatusCode::CONFLICT,
        "cart_empty",
    )
    .await;
    app.send(Method::DELETE, &format!("/api/v1/products/{item}"), Some(&staff), None)
        .await;
    expect_problem(
        app.put_cart(&token, item, 1).await,
        StatusCode::CONFLICT,
        "product_unavailable",
    )
    .await;
    let bad_key = app
        .request(Method::POST, "/api/v1/orders")
        .bearer_auth(&token)
        .header("idempotency-key", "x".repeat(256))
        .json(&json!({"address_id": address}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&expect_problem(bad_key, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await),
        ["Idempotency-Key"]
    );
    let problem = expect_problem(
        app.send(
            Method::POST,
            "/api/v1/orders/1/pay",
            Some(&token),
            Some(json!({"provider": "paypal"})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["provider"]);
}
app_test!(bad_cart_and_order_input_is_refused);

async fn concurrent_pay_and_cancel_leave_one_winner(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(2_000, 3)).await;
    let (token, address) = app.shopper("ivan", item, 1).await;
    let id = app.place_order(&token, address).await;
    let payment = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/pay"),
            Some(&token),
            Some(json!({"provider": "sandbox"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let good = json!({"event_id": "evt_race", "payment_id": payment["payment_id"], "order_id": id, "amount": 3_000, "currency": "CNY", "status": "succeeded"});
    let (sig, raw) = signed(&app, &good, app.clock.now_unix());
    let cancel = tokio::spawn(
        app.request(Method::POST, &format!("/api/v1/orders/{id}/cancel"))
            .bearer_auth(&token)
            .send(),
    );
    let paid = tokio::spawn(
        app.request(Method::POST, "/api/v1/payments/notify/sandbox")
            .header("content-type", "application/json")
            .header(signature::HEADER, sig)
            .body(raw)
            .send(),
    );
    let (cancel, paid) = (
        cancel.await.unwrap().unwrap().status(),
        paid.await.unwrap().unwrap().status(),
    );
    assert_eq!(paid, StatusCode::OK);
    let status = order_status(&app, &token, id).await;
    match status.as_str() {
        "paid" => assert_eq!(cancel, StatusCode::CONFLICT),
        // Cancelled first: the late payment is being paid back.
        "cancelled" => assert_eq!(cancel, StatusCode::OK),
        other => panic!("unexpected {other}"),
    }
    app.run_jobs().await;
    app.assert_clean().await;
}
app_test!(concurrent_pay_and_cancel_leave_one_winner);

/// The hot-order cache never serves an order older than its last change: two instances
/// share a Redis cache and one changes an order the other has cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_redis_cache_never_serves_a_stale_order() {
    let Ok(redis_url) = std::env::var("EMPORIUM_TEST_REDIS_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "EMPORIUM_TEST_REDIS_URL must be set under CI=true"
        );
        eprintln!("skipped: EMPORIUM_TEST_REDIS_URL is not set");
        return;
    };
    let db = emporium_testkit::TestDb::sqlite();
    let prefix = format!(
        "emporium-test-{}-{}:",
        std::process::id(),
        emporium_app::tokens::generate().unwrap().get(..8).unwrap().to_owned()
    );
    let cache = || async {
        emporium_app::order_cache::OrderCache::redis(&redis_url, &prefix, Duration::from_secs(60))
            .await
            .unwrap()
    };
    let config = emporium_app::AppConfig {
        bcrypt_cost: 4,
        ..Default::default()
    };
    let a = TestApp::spawn_with_cache(&db.url, config.clone(), Some(cache().await)).await;
    let b = TestApp::spawn_with_cache(&db.url, config, Some(cache().await)).await;
    assert_eq!(a.state.order_cache().backend(), "redis");
    let staff = a.staff("boss").await;
    let item = a.create_product(&staff, NewProduct::item(1_000, 5)).await;
    let (token, address) = a.shopper("alice", item, 1).await;
    let id = a.place_order(&token, address).await;
    let hits = || metric(r#"emporium_order_cache_hits_total{backend="redis"}"#);
    assert_eq!(order_status(&a, &token, id).await, "pending_payment"); // a miss, now cached
    let before = hits();
    assert_eq!(order_status(&b, &token, id).await, "pending_payment"); // B hits A's entry
    assert!(hits() > before, "instance B was served from the shared cache");
    json_of(
        b.send(Method::POST, &format!("/api/v1/orders/{id}/cancel"), Some(&token), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        order_status(&a, &token, id).await,
        "cancelled",
        "A never serves the stale copy"
    );
    // Pages of orders are written from the same shared documents, by version.
    assert_eq!(listed(&b, &token).await["data"][0]["status"], "cancelled");
    let before = hits();
    assert_eq!(listed(&a, &token).await["data"][0]["status"], "cancelled");
    assert!(hits() > before, "the page came from the shared cache");
    a.put_cart(&token, item, 1).await;
    let second = a.place_order(&token, address).await;
    let page = listed(&b, &token).await;
    let ids: Vec<i64> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [second, id], "newest first, the new order included at once");
}

/// The caller's first page of orders.
async fn listed(app: &TestApp, token: &str) -> Value {
    json_of(
        app.send(Method::GET, "/api/v1/orders", Some(token), None).await,
        StatusCode::OK,
    )
    .await
}

/// A counter's value in this process's metrics (0 when absent).
fn metric(series: &str) -> f64 {
    emporium_app::metrics::handle()
        .render()
        .lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0.0)
}

/// Sends one POST with one `Idempotency-Key` eight times at once, as an impatient client
/// might, asserts that every answer is the same (status and body), and returns its status.
async fn one_answer_to_eight_sends(app: &TestApp, token: &str, path: &str, key: &str, body: Value) -> StatusCode {
    let sends: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn(
                app.request(Method::POST, path)
                    .bearer_auth(token)
                    .header("idempotency-key", key)
                    .json(&body)
                    .send(),
            )
        })
        .collect();
    let mut answers = Vec::new();
    for send in sends {
        let response = send.await.unwrap().unwrap();
        answers.push((response.status(), response.text().await.unwrap()));
    }
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "every answer is the first: {answers:?}"
    );
    answers[0].0
}

/// A notification the shop never acknowledges is retried with backoff; a payment left
/// pending is settled by asking the provider (reconciliation), exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_notifications_are_retried_and_pending_payments_reconciled() {
    for db in emporium_testkit::TestDb::every_engine().await {
        // The provider is told to notify an address where nobody listens.
        let config = emporium_app::AppConfig {
            bcrypt_cost: 4,
            ..Default::default()
        };
        let app = TestApp::spawn_with_cache(&db.url, config, None).await;
        let app = app.with_public_url("http://127.0.0.1:1").await;
        let staff = app.staff("boss").await;
        let item = app.create_product(&staff, NewProduct::item(1_500, 3)).await;
        let (token, address) = app.shopper("judy", item, 1).await;
        let id = app.place_order(&token, address).await;
        let payment = json_of(
            app.send(
                Method::POST,
                &format!("/api/v1/orders/{id}/pay"),
                Some(&token),
                Some(json!({"provider": "sandbox"})),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        app.post(
            &format!("{}/complete", payment["pay_url"].as_str().unwrap()),
            json!({"outcome": "succeeded"}),
        )
        .await;
        let report = app.run_jobs().await;
        assert_eq!(
            (report.jobs_done, report.jobs_retried),
            (0, 1),
            "delivery failed and was rescheduled"
        );
        assert_eq!(order_status(&app, &token, id).await, "pending_payment");
        app.clock.advance(Duration::from_secs(2));
        assert_eq!(app.run_jobs().await.jobs_retried, 1, "retried after its backoff");
        // Fifteen minutes on, the shop asks the provider, which says it was paid.
        app.clock.advance(Duration::from_secs(15 * 60));
        let report = app.run_jobs().await;
        assert_eq!(report.reconciled, 1);
        assert_eq!(order_status(&app, &token, id).await, "paid");
        assert_eq!(app.run_jobs().await.reconciled, 0, "settled once");
        app.assert_clean().await;
    }
}

async fn two_approvals_of_one_refund_pay_back_once(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(10_000, 2)).await;
    let (token, address) = app.shopper("kim", item, 1).await;
    let id = app.place_order(&token, address).await;
    app.pay(&token, id).await;
    let refund = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/refunds"),
            Some(&token),
            Some(json!({"reason": "duplicate gift"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/refunds/{}/approve", refund["id"]);
    let approvals: Vec<_> = (0..4)
        .map(|_| tokio::spawn(app.request(Method::POST, &path).bearer_auth(&staff).send()))
        .collect();
    let mut statuses = Vec::new();
    for a in approvals {
        statuses.push(a.await.unwrap().unwrap().status());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let o = json_of(
        app.send(Method::GET, &format!("/api/v1/orders/{id}"), Some(&token), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (o["status"].as_str(), o["refunded_amount"].as_i64()),
        (Some("refunded"), Some(10_000))
    );
    let p: Value = app
        .send(Method::GET, &format!("/api/v1/products/{item}"), None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["stock_available"], 2, "refunded before shipping: the unit went back");
    app.assert_clean().await;
}
app_test!(two_approvals_of_one_refund_pay_back_once);

// Eight pay clicks at once, each with its own idempotency key, open one payment and
// one pay page: the buyer cannot be charged twice for one order.
async fn concurrent_pay_clicks_open_one_payment(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(2_500, 3)).await;
    let (token, address) = app.shopper("quick", item, 1).await;
    let id = app.place_order(&token, address).await;
    let clicks: Vec<_> = (0..8)
        .map(|n| {
            tokio::spawn(
                app.request(Method::POST, &format!("/api/v1/orders/{id}/pay"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("click-{n}"))
                    .json(&json!({"provider": "sandbox"}))
                    .send(),
            )
        })
        .collect();
    let mut payments = std::collections::BTreeSet::new();
    let mut pages = std::collections::BTreeSet::new();
    for click in clicks {
        let answer = click.await.unwrap().unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
        let body: Value = answer.json().await.unwrap();
        payments.insert(body["payment_id"].as_i64().unwrap());
        pages.insert(body["pay_url"].as_str().unwrap().to_owned());
    }
    assert_eq!((payments.len(), pages.len()), (1, 1), "{payments:?} {pages:?}");
    let opened: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sandbox_payments WHERE order_id = $1")
        .bind(id)
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert_eq!(opened, 1, "the provider opened one checkout");
}
app_test!(concurrent_pay_clicks_open_one_payment);
