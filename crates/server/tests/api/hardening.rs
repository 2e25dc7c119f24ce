//! Whole classes of defect, each with the test that catches the class: an order's cached
//! answer that misses a change, shipping while the whole order is being refunded, and
//! lock cycles between the writes that touch stock, payments and refunds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use emporium_app::AppConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, json_of};

/// Every write that changes what an order's answer shows moves its version, so a cached
/// answer is never stale: after each step of an order's life, the answer of an instance
/// that caches orders equals that of one that does not.
async fn a_cached_order_shows_every_change(app: TestApp) {
    let uncached = TestApp::spawn_on(
        &app.url,
        AppConfig {
            order_cache_capacity: 0,
            bcrypt_cost: 4,
            write_limits: emporium_app::WriteLimits::OFF,
            ..AppConfig::default()
        },
    )
    .await;
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(5_000, 5)).await;
    let (token, address) = app.shopper("ruth", item, 2).await;
    let id = app.place_order(&token, address).await;
    let path = format!("/api/v1/orders/{id}");
    // Reads the order on the caching instance first (filling its cache), then checks it
    // against the uncaching one after `step`.
    let same = async |step: &str| {
        let cached = app.get_json(&path, Some(&token)).await;
        let fresh = uncached.get_json(&path, Some(&token)).await;
        assert_eq!(cached, fresh, "after {step}");
    };
    same("placing").await;
    let pay = async || {
        app.send(
            Method::POST,
            &format!("{path}/pay"),
            Some(&token),
            Some(json!({"provider": "sandbox"})),
        )
        .await
    };
    let first = json_of(pay().await, StatusCode::CREATED).await;
    same("starting a payment").await;
    let complete = async |payment: &Value, outcome: &str| {
        app.post(
            &format!("{}/complete", payment["pay_url"].as_str().unwrap()),
            json!({"outcome": outcome}),
        )
        .await
    };
    assert_eq!(complete(&first, "failed").await.status(), StatusCode::ACCEPTED);
    app.run_jobs().await;
    same("a failed payment").await;
    let second = json_of(pay().await, StatusCode::CREATED).await;
    same("a second payment").await;
    assert_eq!(complete(&second, "succeeded").await.status(), StatusCode::ACCEPTED);
    app.run_jobs().await;
    same("paying").await;
    let refund = async |amount: i64| {
        app.send(
            Method::POST,
            &format!("{path}/refunds"),
            Some(&token),
            Some(json!({"amount": amount, "reason": "one was enough"})),
        )
        .await
    };
    let partial = json_of(refund(1_000).await, StatusCode::CREATED).await;
    same("asking for a refund").await;
    let rejected = app
        .send(
            Method::POST,
            &format!("/api/v1/refunds/{}/reject", partial["id"]),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    same("rejecting it").await;
    let partial = json_of(refund(1_000).await, StatusCode::CREATED).await;
    let approved = app
        .send(
            Method::POST,
            &format!("/api/v1/refunds/{}/approve", partial["id"]),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    same("approving one").await;
    app.deliver(&staff, &token, id).await;
    same("shipping and receiving").await;
    app.assert_clean().await;
}
app_test!(a_cached_order_shows_every_change);

/// While the whole paid amount is being refunded the order does not ship; a partial
/// refund does not hold it, and a decided one frees it. Raced, a shipment and a full
/// refund request never both happen with the request first.
async fn a_pending_full_refund_holds_the_shipment(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(5_000, 40)).await;
    let token = app.customer("sam").await;
    let address = app.add_address(&token).await;
    let ship = async |order: i64| {
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{order}/ship"),
            Some(&staff),
            Some(json!({"carrier": "SF Express", "tracking_number": format!("SF{order:08}")})),
        )
        .await
    };
    let ask = async |order: i64, amount: Option<i64>| {
        let body = match amount {
            Some(amount) => json!({"amount": amount, "reason": "changed my mind"}),
            None => json!({"reason": "changed my mind"}),
        };
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{order}/refunds"),
            Some(&token),
            Some(body),
        )
        .await
    };

    let order = app.paid_order(&token, address, &[(item, 1)]).await;
    let full = json_of(ask(order, None).await, StatusCode::CREATED).await;
    expect_problem(ship(order).await, StatusCode::CONFLICT, "refund_pending").await;
    let rejected = app
        .send(
            Method::POST,
            &format!("/api/v1/refunds/{}/reject", full["id"]),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    assert_eq!(ship(order).await.status(), StatusCode::OK, "a rejected refund frees it");

    let order = app.paid_order(&token, address, &[(item, 1)]).await;
    assert_eq!(ask(order, Some(1_000)).await.status(), StatusCode::CREATED);
    assert_eq!(
        ship(order).await.status(),
        StatusCode::OK,
        "a partial refund does not hold it"
    );

    for _ in 0..8 {
        let order = app.paid_order(&token, address, &[(item, 1)]).await;
        let (shipped, asked) = tokio::join!(ship(order), ask(order, None));
        if shipped.status() == StatusCode::OK && asked.status() == StatusCode::CREATED {
            let events = app
                .get_json(&format!("/api/v1/orders/{order}/events"), Some(&token))
                .await;
            let events = events["data"].as_array().unwrap();
            let position = |found: &dyn Fn(&Value) -> bool| events.iter().position(found);
            let shipped = position(&|e| e["to"] == "shipped" && e["from"] == "paid");
            let asked = position(&|e| e["detail"].as_str().is_some_and(|d| d.contains("requested")));
            assert!(shipped < asked, "the request came after the shipment: {events:?}");
        } else {
            assert!(
                shipped.status() == StatusCode::CONFLICT || asked.status() == StatusCode::CREATED,
                "{} {}",
                shipped.status(),
                asked.status()
            );
        }
    }
    app.assert_clean().await;
}
app_test!(a_pending_full_refund_holds_the_shipment);

/// Everything that locks stock, payments and refunds, at once, on a few shared products
/// for a few seconds: placing, cancelling, expiring, paying, refunding, shipping,
/// receiving stock and writing it off. No answer may be a 5xx (a deadlock the database
/// broke would be one), and `emporium check` holds afterwards.
async fn writes_on_shared_stock_never_answer_5xx(app: TestApp) {
    let app = Arc::new(app);
    let staff = app.staff("boss").await;
    let mut products = Vec::new();
    for price in [1_000, 2_000, 3_000] {
        products.push(app.create_product(&staff, NewProduct::item(price, 200)).await);
    }
    let statuses = Arc::new(Mutex::new(Vec::<(String, StatusCode)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for b in 0..4 {
        let (app, statuses, stop, products) = (app.clone(), statuses.clone(), stop.clone(), products.clone());
        tasks.push(tokio::spawn(async move {
            let token = app.customer(&format!("buyer{b}")).await;
            let address = app.add_address(&token).await;
            let mut round = 0usize;
            let mut to_refund = std::collections::VecDeque::<(usize, i64, u32)>::new();
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                // An order paid a few rounds ago, its notification delivered by now (mostly).
                // On a loaded machine the notification may still be on its way (409: not
                // paid yet): ask again a few rounds later, up to three times.
                if let Some((_, order, tries)) = to_refund.pop_front_if(|(paid_in, _, _)| *paid_in + 5 < round) {
                    let r = app
                        .send(
                            Method::POST,
                            &format!("/api/v1/orders/{order}/refunds"),
                            Some(&token),
                            Some(json!({"reason": "changed my mind"})),
                        )
                        .await;
                    if r.status() == StatusCode::CONFLICT && tries < 3 {
                        to_refund.push_back((round, order, tries + 1));
                    }
                    statuses.lock().await.push(("refund".into(), r.status()));
                }
                // Two products, in an order that changes from round to round.
                let first = products[(b + round) % products.len()];
                let second = products[(b + round + 1) % products.len()];
                for product in [second, first] {
                    let r = app.put_cart(&token, product, 1 + (round % 2) as i64).await;
                    statuses.lock().await.push(("cart".into(), r.status()));
                }
                let placed = app
                    .send(
                        Method::POST,
                        "/api/v1/orders",
                        Some(&token),
                        Some(json!({"address_id": address})),
                    )
                    .await;
                let status = placed.status();
                statuses.lock().await.push(("place".into(), status));
                if status != StatusCode::CREATED {
                    continue;
                }
                let order = placed.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
                let call = async |what: &str, method: Method, path: String, body: Option<Value>| {
                    let r = app.send(method, &path, Some(&token), body).await;
                    let status = r.status();
                    statuses.lock().await.push((what.to_owned(), status));
                    (status, r.json::<Value>().await.unwrap_or(Value::Null))
                };
                match round % 4 {
                    0 => {
                        call("cancel", Method::POST, format!("/api/v1/orders/{order}/cancel"), None).await;
                    }
                    1 => {} // left to expire
                    _ => {
                        let (status, payment) = call(
                            "pay",
                            Method::POST,
                            format!("/api/v1/orders/{order}/pay"),
                            Some(json!({"provider": "sandbox"})),
                        )
                        .await;
                        if status == StatusCode::CREATED {
                            let url = format!("{}/complete", payment["pay_url"].as_str().unwrap_or("/missing"));
                            let r = app.post(&url, json!({"outcome": "succeeded"})).await;
                            statuses.lock().await.push(("complete".into(), r.status()));
                        }
                        if round % 4 == 3 {
                            to_refund.push_back((round, order, 0));
                        }
                    }
                }
            }
        }));
    }
    // Staff: ship what is paid, decide refunds, receive and write off stock.
    {
        let (app, statuses, stop, products, staff) = (
            app.clone(),
            statuses.clone(),
            stop.clone(),
            products.clone(),
            staff.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut round = 0usize;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                let call = async |what: &str, method: Method, path: String, body: Option<Value>| {
                    let r = app.send(method, &path, Some(&staff), body).await;
                    let status = r.status();
                    statuses.lock().await.push((what.to_owned(), status));
                    r.json::<Value>().await.unwrap_or(Value::Null)
                };
                let product = products[round % products.len()];
                call(
                    "receive",
                    Method::POST,
                    format!("/api/v1/products/{product}/stock-lots"),
                    Some(json!({"quantity": 3, "unit_cost": 700})),
                )
                .await;
                call(
                    "write-off",
                    Method::POST,
                    format!("/api/v1/products/{product}/stock-adjustments"),
                    Some(json!({"quantity": 1, "reason": "damaged"})),
                )
                .await;
                let paid = call("list", Method::GET, "/api/v1/orders?status=paid&limit=5".into(), None).await;
                for order in paid["data"].as_array().cloned().unwrap_or_default() {
                    let id = order["id"].as_i64().unwrap_or(0);
                    call(
                        "ship",
                        Method::POST,
                        format!("/api/v1/orders/{id}/ship"),
                        Some(json!({"carrier": "SF", "tracking_number": format!("SF{id:08}")})),
                    )
                    .await;
                }
                let asked = call("refunds", Method::GET, "/api/v1/refunds?status=requested".into(), None).await;
                for (i, refund) in asked["data"].as_array().cloned().unwrap_or_default().iter().enumerate() {
                    let verb = if i % 2 == 0 { "approve" } else { "reject" };
                    call(
                        verb,
                        Method::POST,
                        format!("/api/v1/refunds/{}/{verb}", refund["id"]),
                        None,
                    )
                    .await;
                }
            }
        }));
    }
    // The background jobs, with time moving so that unpaid orders expire.
    {
        let (app, stop) = (app.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                app.clock.advance(Duration::from_secs(60));
                app.run_jobs().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(6)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    let statuses = statuses.lock().await;
    let failed: Vec<_> = statuses.iter().filter(|(_, s)| s.is_server_error()).collect();
    assert!(
        failed.is_empty(),
        "{} of {} answers were 5xx: {failed:?}",
        failed.len(),
        statuses.len()
    );
    let mut seen = std::collections::BTreeMap::<(String, u16), usize>::new();
    for (w, s) in statuses.iter() {
        *seen.entry((w.clone(), s.as_u16())).or_default() += 1;
    }
    for what in [
        "place",
        "cancel",
        "pay",
        "refund",
        "ship",
        "receive",
        "write-off",
        "approve",
    ] {
        assert!(
            statuses.iter().any(|(w, s)| w == what && s.is_success()),
            "no successful {what} in {} answers: {seen:?}",
            statuses.len()
        );
    }
    app.assert_clean().await;
}
app_test!(writes_on_shared_stock_never_answer_5xx);
