//! Returns after the sale and the shop's own money actions, over the API on both
//! engines: the return journey (request, approve, receive, restock, refund) with the
//! units back in the lots they left, every refusal (a clear 4xx, nothing written), two
//! staff deciding one return at once, staff cancelling a paid order and refunding on the
//! shop's initiative. `emporium check` holds after each.

use std::time::Duration;

use emporium_domain::time::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields, json_of};

/// A received order of `quantity` units of one item priced `price` (stock 10 at cost
/// 4 000): (staff token, customer token, order).
async fn received_order(app: &TestApp, price: i64, quantity: i64) -> (String, String, Value) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(price, 10)).await;
    let (token, address) = app.shopper("lee", item, quantity).await;
    let id = app.place_order(&token, address).await;
    app.pay(&token, id).await;
    app.deliver(&staff, &token, id).await;
    let order = app.get_json(&format!("/api/v1/orders/{id}"), Some(&token)).await;
    (staff, token, order)
}

async fn ask(app: &TestApp, token: &str, order: i64, lines: Value) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/orders/{order}/returns"),
        Some(token),
        Some(json!({"lines": lines, "reason": "too small"})),
    )
    .await
}

async fn staff_post(app: &TestApp, staff: &str, path: &str, body: Value) -> reqwest::Response {
    app.send(Method::POST, path, Some(staff), Some(body)).await
}

/// The variant's stock, and each of its lots' remaining units.
async fn stock(app: &TestApp, staff: &str, product: i64) -> (i64, Vec<i64>) {
    let product_json = app.get_json(&format!("/api/v1/products/{product}"), Some(staff)).await;
    let lots = app
        .get_json(&format!("/api/v1/products/{product}/stock-lots"), Some(staff))
        .await;
    (
        product_json["variants"][0]["stock_available"].as_i64().unwrap(),
        lots["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["remaining"].as_i64().unwrap())
            .collect(),
    )
}

async fn a_return_restocks_its_lots_and_pays_the_lines_back(app: TestApp) {
    // 3 units of 3 333 (10 000 after free shipping from 99.00): a share that does not
    // divide evenly.
    let (staff, token, order) = received_order(&app, 3_333, 3).await;
    let id = order["id"].as_i64().unwrap();
    let item = order["items"][0]["id"].as_i64().unwrap();
    let product = order["items"][0]["product_id"].as_i64().unwrap();
    assert_eq!(stock(&app, &staff, product).await, (7, vec![7]));

    let ret = json_of(
        ask(&app, &token, id, json!([{"order_item_id": item, "quantity": 2}])).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(ret["status"], "requested");
    assert_eq!(ret["lines"][0]["quantity"], 2);
    let rid = ret["id"].as_i64().unwrap();
    // The buyer and staff see it; another customer does not.
    app.get_json(&format!("/api/v1/returns/{rid}"), Some(&token)).await;
    let other = app.customer("mallory").await;
    expect_problem(
        app.send(Method::GET, &format!("/api/v1/returns/{rid}"), Some(&other), None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let listed = app.get_json("/api/v1/returns", Some(&other)).await;
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        0,
        "another customer lists none"
    );
    let listed = app.get_json("/api/v1/returns?status=requested", Some(&staff)).await;
    assert_eq!(listed["data"][0]["id"], rid);

    let approved = json_of(
        staff_post(
            &app,
            &staff,
            &format!("/api/v1/returns/{rid}/approve"),
            json!({"instructions": "顺丰到付：上海市浦东新区 1 号"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["instructions"], "顺丰到付：上海市浦东新区 1 号");

    let received = json_of(
        staff_post(
            &app,
            &staff,
            &format!("/api/v1/returns/{rid}/receive"),
            json!({"lines": [{"order_item_id": item, "resellable": 1, "damaged": 1}], "note": "one scratched"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(received["status"], "received");
    // 9 999 over 3 units: 3 333 each; no shipping was paid.
    assert_eq!(received["refund_amount"], 6_666);
    assert_eq!(received["lines"][0]["refund"], 6_666);
    assert_eq!(received["shipping_refund"], 0);
    let history: Vec<&str> = received["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["requested", "approved", "received"]);
    // Each step was told in its own transaction: staff of the ask, the buyer of the
    // approval (with the instructions) and of the refund.
    let told: Vec<&str> = app
        .store
        .messages(emporium_store::messages::MessageFilter::Order(id), 50)
        .await
        .unwrap()
        .iter()
        .map(|m| m.kind.as_str())
        .collect();
    for kind in [
        "staff_return_requested",
        "return_approved",
        "refund_approved",
        "refund_paid",
    ] {
        assert!(told.contains(&kind), "{kind} in {told:?}");
    }
    // Staff's decisions are in the audit log, under their name.
    let audit = app
        .get_json(&format!("/api/v1/audit-log?entity=return:{rid}"), Some(&staff))
        .await;
    let actions: Vec<(&str, &str)> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor_name"].as_str().unwrap()))
        .collect();
    assert_eq!(actions, [("return.receive", "boss"), ("return.approve", "boss")]);
    // One unit back into the lot it left, at its cost; the damaged one written off.
    assert_eq!(stock(&app, &staff, product).await, (8, vec![8]));
    let order_now = app.get_json(&format!("/api/v1/orders/{id}"), Some(&token)).await;
    assert_eq!(order_now["refunded_amount"], 6_666);
    assert_eq!(order_now["status"], "received");
    app.assert_clean().await;

    // The last unit: its share, and the order is refunded in full.
    let last = json_of(
        ask(&app, &token, id, json!([{"order_item_id": item, "quantity": 1}])).await,
        StatusCode::CREATED,
    )
    .await;
    let lid = last["id"].as_i64().unwrap();
    json_of(
        staff_post(
            &app,
            &staff,
            &format!("/api/v1/returns/{lid}/approve"),
            json!({"instructions": "same address"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let done = json_of(
        staff_post(
            &app,
            &staff,
            &format!("/api/v1/returns/{lid}/receive"),
            json!({"lines": [{"order_item_id": item, "resellable": 1, "damaged": 0}]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["refund_amount"], 3_333);
    let order_now = app.get_json(&format!("/api/v1/orders/{id}"), Some(&token)).await;
    assert_eq!(order_now["status"], "refunded");
    assert_eq!(order_now["refunded_amount"], order_now["total"]);
    assert_eq!(stock(&app, &staff, product).await, (9, vec![9]));
    let both = app
        .get_json(&format!("/api/v1/orders/{id}/returns"), Some(&token))
        .await;
    assert_eq!(both.as_array().unwrap().len(), 2);
    app.assert_clean().await;
}

async fn the_last_units_bring_the_shipping_back(app: TestApp) {
    // 2 × 2 000: below free shipping, so 10.00 shipping was paid.
    let (staff, token, order) = received_order(&app, 2_000, 2).await;
    let id = order["id"].as_i64().unwrap();
    let item = order["items"][0]["id"].as_i64().unwrap();
    assert_eq!(order["shipping_fee"], 1_000);
    let ret = json_of(
        ask(&app, &token, id, json!([{"order_item_id": item, "quantity": 2}])).await,
        StatusCode::CREATED,
    )
    .await;
    let rid = ret["id"].as_i64().unwrap();
    json_of(
        staff_post(
            &app,
            &staff,
            &format!("/api/v1/returns/{rid}/approve"),
            json!({"instructions": "send it back"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let done = json_of(
        staff_post(
            &app,
            &staff,
            &format!("/api/v1/returns/{rid}/receive"),
            json!({"lines": [{"order_item_id": item, "resellable": 2, "damaged": 0}]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["refund_amount"], 5_000);
    assert_eq!(done["shipping_refund"], 1_000);
    let order_now = app.get_json(&format!("/api/v1/orders/{id}"), Some(&token)).await;
    assert_eq!(order_now["status"], "refunded");
    app.assert_clean().await;
}

async fn bad_returns_are_refused_and_change_nothing(app: TestApp) {
    let (staff, token, order) = received_order(&app, 5_000, 2).await;
    let id = order["id"].as_i64().unwrap();
    let item = order["items"][0]["id"].as_i64().unwrap();

    // More than bought, a line of another order, the same line twice, no lines, no reason.
    let p = expect_problem(
        ask(&app, &token, id, json!([{"order_item_id": item, "quantity": 3}])).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["lines[0].quantity"]);
    let p = expect_problem(
        ask(&app, &token, id, json!([{"order_item_id": item + 1000, "quantity": 1}])).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["lines[0].order_item_id"]);
    let twice = json!([{"order_item_id": item, "quantity": 1}, {"order_item_id": item, "quantity": 1}]);
    let p = expect_problem(
        ask(&app, &token, id, twice).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["lines[1].order_item_id"]);
    let p = expect_problem(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/returns"),
            Some(&token),
            Some(json!({"lines": [], "reason": " "})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["reason", "lines"]);
    // Someone else's order is not found; without a token, 401.
    let other = app.customer("mallory").await;
    expect_problem(
        ask(&app, &other, id, json!([{"order_item_id": item, "quantity": 1}])).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let anonymous = app
        .send(
            Method::POST,
            &format!("/api/v1/orders/{id}/returns"),
            None,
            Some(json!({"lines": [], "reason": "x"})),
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(
        app.store.order_returns(id).await.unwrap().is_empty(),
        "nothing was written"
    );

    // Every unit asked for: a second ask for the same units is refused.
    let ret = json_of(
        ask(&app, &token, id, json!([{"order_item_id": item, "quantity": 2}])).await,
        StatusCode::CREATED,
    )
    .await;
    let rid = ret["id"].as_i64().unwrap();
    let p = expect_problem(
        ask(&app, &token, id, json!([{"order_item_id": item, "quantity": 1}])).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["lines[0].quantity"]);
    // Customers cannot decide; staff cannot receive before approving.
    let p = expect_problem(
        staff_post(
            &app,
            &token,
            &format!("/api/v1/returns/{rid}/approve"),
            json!({"instructions": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(p.status, 403);
    expect_problem(
        staff_post(
            &app,
            &staff,
            &format!("/api/v1/returns/{rid}/receive"),
            json!({"lines": [{"order_item_id": item, "resellable": 1, "damaged": 0}]}),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let p = expect_problem(
        staff_post(
            &app,
            &staff,
            &format!("/api/v1/returns/{rid}/approve"),
            json!({"instructions": ""}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["instructions"]);
    json_of(
        staff_post(
            &app,
            &staff,
            &format!("/api/v1/returns/{rid}/approve"),
            json!({"instructions": "send it"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // More than asked back, or a line that is not in the return: nothing moves.
    let p = expect_problem(
        staff_post(
            &app,
            &staff,
            &format!("/api/v1/returns/{rid}/receive"),
            json!({"lines": [{"order_item_id": item, "resellable": 2, "damaged": 1}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["lines[0]"]);
    let p = expect_problem(
        staff_post(
            &app,
            &staff,
            &format!("/api/v1/returns/{rid}/receive"),
            json!({"lines": [{"order_item_id": item + 1000, "resellable": 1, "damaged": 0}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["lines[0].order_item_id"]);
    let still = app.get_json(&format!("/api/v1/returns/{rid}"), Some(&token)).await;
    assert_eq!(still["status"], "approved");
    app.assert_clean().await;

    // A paid order that has not arrived cannot be returned; nor one past the window.
    let product = order["items"][0]["product_id"].as_i64().unwrap();
    let (fresh, address) = app.shopper("kim", product, 1).await;
    let paid = app.place_order(&fresh, address).await;
    app.pay(&fresh, paid).await;
    let paid_order = app.get_json(&format!("/api/v1/orders/{paid}"), Some(&fresh)).await;
    let paid_item = paid_order["items"][0]["id"].as_i64().unwrap();
    expect_problem(
        ask(&app, &fresh, paid, json!([{"order_item_id": paid_item, "quantity": 1}])).await,
        StatusCode::CONFLICT,
        "order_not_received",
    )
    .await;
    app.deliver(&staff, &fresh, paid).await;
    app.clock.advance(Duration::from_secs(7 * 24 * 3600 + 1));
    expect_problem(
        ask(&app, &fresh, paid, json!([{"order_item_id": paid_item, "quantity": 1}])).await,
        StatusCode::CONFLICT,
        "return_window_closed",
    )
    .await;
    assert!(app.store.order_returns(paid).await.unwrap().is_empty());
    let _ = app.clock.now();
    app.assert_clean().await;
}

async fn two_staff_deciding_one_return_at_once_one_wins(app: TestApp) {
    let (staff, token, order) = received_order(&app, 5_000, 3).await;
    let id = order["id"].as_i64().unwrap();
    let item = order["items"][0]["id"].as_i64().unwrap();
    let second = app.staff("deputy").await;
    for _ in 0..3 {
        let ret = json_of(
            ask(&app, &token, id, json!([{"order_item_id": item, "quantity": 1}])).await,
            StatusCode::CREATED,
        )
        .await;
        let rid = ret["id"].as_i64().unwrap();
        let (approve, reject) = (
            format!("/api/v1/returns/{rid}/approve"),
            format!("/api/v1/returns/{rid}/reject"),
        );
        let (a, b) = tokio::join!(
            staff_post(&app, &staff, &approve, json!({"instructions": "send it"})),
            staff_post(&app, &second, &reject, json!({"note": "worn"})),
        );
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
        let ret = app.get_json(&format!("/api/v1/returns/{rid}"), Some(&token)).await;
        assert_eq!(ret["events"].as_array().unwrap().len(), 2, "one decision recorded");
        if ret["status"] == "approved" {
            // Two receipts at once: one restocks and refunds, the other is refused.
            let body = json!({"lines": [{"order_item_id": item, "resellable": 1, "damaged": 0}]});
            let receive = format!("/api/v1/returns/{rid}/receive");
            let (a, b) = tokio::join!(
                staff_post(&app, &staff, &receive, body.clone()),
                staff_post(&app, &second, &receive, body),
            );
            let mut statuses = [a.status(), b.status()];
            statuses.sort();
            assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
        }
    }
    app.assert_clean().await;
}

async fn staff_cancel_a_paid_order_and_everything_goes_back(app: TestApp) {
    let staff = app.staff("boss").await;
    let item = app.create_product(&staff, NewProduct::item(12_000, 5)).await;
    let (token, address) = app.shopper("lee", item, 2).await;
    let id = app.place_order(&token, address).await;
    app.pay(&token, id).await;
    // The buyer asked for part back; the shop's cancel supersedes it.
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/refunds"),
            Some(&token),
            Some(json!({"amount": 1000, "reason": "late"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // The buyer cannot cancel a paid order.
    expect_problem(
        app.send(Method::POST, &format!("/api/v1/orders/{id}/cancel"), Some(&token), None)
            .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let too_long = "x".repeat(501);
    let p = expect_problem(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/cancel"),
            Some(&staff),
            Some(json!({"reason": too_long})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["reason"]);
    let cancelled = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/cancel"),
            Some(&staff),
            Some(json!({"reason": "out of stock at the warehouse"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        cancelled["refunded_amount"], cancelled["total"],
        "paid back at once through the sandbox"
    );
    let product = app.get_json(&format!("/api/v1/products/{item}"), Some(&staff)).await;
    assert_eq!(product["variants"][0]["stock_available"], 5, "units back in their lot");
    let refunds = app.store.order_refunds(id).await.unwrap();
    let statuses: Vec<&str> = refunds.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["rejected", "refunded"]);
    assert_eq!(
        refunds[1].requested_by,
        app.store.credentials("boss").await.unwrap().unwrap().0.id
    );
    let history = app.get_json(&format!("/api/v1/orders/{id}/events"), Some(&token)).await;
    assert!(history.to_string().contains("out of stock at the warehouse"));
    let audit = app
        .get_json(&format!("/api/v1/audit-log?entity=order:{id}"), Some(&staff))
        .await;
    assert_eq!(audit["data"][0]["action"], "order.cancel");
    assert!(
        audit["data"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("out of stock at the warehouse")
    );
    app.assert_clean().await;

    // A shipped order is not cancelled; an unpaid one is, without money.
    let (other, address) = app.shopper("kim", item, 1).await;
    let shipped = app.paid_order(&other, address, &[]).await;
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{shipped}/ship"),
            Some(&staff),
            Some(json!({"carrier": "SF", "tracking_number": "SF1"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{shipped}/cancel"),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    app.put_cart(&other, item, 1).await;
    let unpaid = app.place_order(&other, address).await;
    let cancelled = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{unpaid}/cancel"),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    app.assert_clean().await;
}

async fn staff_refund_on_the_shops_initiative(app: TestApp) {
    let (staff, token, order) = received_order(&app, 20_000, 1).await;
    let id = order["id"].as_i64().unwrap();
    let refund = |amount: i64, key: &'static str| {
        app.request(Method::POST, &format!("/api/v1/orders/{id}/refunds"))
            .bearer_auth(&staff)
            .header("Idempotency-Key", key)
            .json(&json!({"amount": amount, "reason": "goodwill: late delivery"}))
            .send()
    };
    let first = json_of(refund(1_500, "gw-1").await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(first["status"], "refunded", "approved at once and paid back");
    // The same key again answers the first refund and pays nothing more.
    let again = refund(1_500, "gw-1").await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    let order_now = app.get_json(&format!("/api/v1/orders/{id}"), Some(&token)).await;
    assert_eq!(order_now["refunded_amount"], 1_500);
    assert_eq!(order_now["status"], "received");
    // More than is left: 422 naming the amount; a customer's ask is still only an ask.
    let left = 20_000 - 1_500;
    let p = expect_problem(
        refund(left + 1, "gw-2").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["amount"]);
    let asked = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{id}/refunds"),
            Some(&token),
            Some(json!({"amount": 100, "reason": "please"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(asked["status"], "requested");
    app.assert_clean().await;
}

app_test!(
    a_return_restocks_its_lots_and_pays_the_lines_back,
    the_last_units_bring_the_shipping_back,
    bad_returns_are_refused_and_change_nothing,
    two_staff_deciding_one_return_at_once_one_wins,
    staff_cancel_a_paid_order_and_everything_goes_back,
    staff_refund_on_the_shops_initiative,
);
