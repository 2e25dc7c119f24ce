//! Refunds tied to order lines, over the API on both engines: a buyer's partial refund
//! names the lines it is for, each capped at what is still refundable on its line (its
//! net less what was asked back for it before); concurrent requests for one line never
//! take more than it; a return received later pays a line back only what the line
//! refunds left. `emporium check` holds after each.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields, json_of};

/// A paid order of one ¥100 item and two ¥50 items (¥200: free shipping): (staff token,
/// customer token, order id, the ¥100 line's id, the ¥50 line's id).
async fn paid_two_lines(app: &TestApp) -> (String, String, i64, i64, i64) {
    let staff = app.staff("boss").await;
    let big = app.create_product(&staff, NewProduct::item(10_000, 10)).await;
    let small = app.create_product(&staff, NewProduct::item(5_000, 10)).await;
    let token = app.customer("lee").await;
    let address = app.add_address(&token).await;
    let id = app.paid_order(&token, address, &[(big, 1), (small, 2)]).await;
    let order = app.get_json(&format!("/api/v1/orders/{id}"), Some(&token)).await;
    let line = |product: i64| {
        order["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["product_id"] == product)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (big_line, small_line) = (line(big), line(small));
    (staff, token, id, big_line, small_line)
}

async fn ask(app: &TestApp, token: &str, order: i64, body: Value) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/orders/{order}/refunds"),
        Some(token),
        Some(body),
    )
    .await
}

async fn a_partial_refund_names_its_lines_and_never_passes_a_line_s_share(app: TestApp) {
    let (staff, token, order, big, small) = paid_two_lines(&app).await;
    // ¥60 of the ¥100 line: the amount is the lines' sum.
    let first = json_of(
        ask(
            &app,
            &token,
            order,
            json!({"reason": "划痕", "lines": [{"order_item_id": big, "amount": 6_000}]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(first["amount"], 6_000);
    // ¥40.01 more of it is more than is left on it, although the order has ¥140 left.
    let refused = expect_problem(
        ask(
            &app,
            &token,
            order,
            json!({"reason": "划痕", "lines": [{"order_item_id": big, "amount": 4_001}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&refused), ["lines[0].amount"]);
    assert!(refused.errors[0].message.contains("4000"), "{:?}", refused.errors);
    // An amount that is not the lines' sum, a line of no order of theirs, a line twice, a
    // part of nothing: each named.
    let refused = expect_problem(
        ask(
            &app,
            &token,
            order,
            json!({"reason": "x", "amount": 1, "lines": [{"order_item_id": big, "amount": 100}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&refused), ["amount"]);
    let refused = expect_problem(
        ask(
            &app,
            &token,
            order,
            json!({"reason": "x", "lines": [{"order_item_id": 999_999, "amount": 100}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&refused), ["lines[0].order_item_id"]);
    let refused = expect_problem(
        ask(
            &app,
            &token,
            order,
            json!({"reason": "x", "lines": [{"order_item_id": small, "amount": 0},
                                            {"order_item_id": small, "amount": 100}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&refused), ["lines[0].amount", "lines[1].order_item_id"]);
    let refused = expect_problem(
        ask(
            &app,
            &token,
            order,
            json!({"reason": "x", "lines": [{"order_item_id": big, "amount": 1, "units": 1}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(fields(&refused).iter().any(|f| f.starts_with("lines")), "{refused:?}");
    // What is left of the first line and part of the second: one refund of ¥70.
    let second = json_of(
        ask(
            &app,
            &token,
            order,
            json!({"reason": "少件", "amount": 7_000,
                   "lines": [{"order_item_id": big, "amount": 4_000}, {"order_item_id": small, "amount": 3_000}]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(second["amount"], 7_000);
    // Rejected, a request gives its lines' parts back.
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/refunds/{}/reject", second["id"]),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    json_of(
        ask(
            &app,
            &token,
            order,
            json!({"reason": "少件", "lines": [{"order_item_id": big, "amount": 4_000}]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // Staff refund the order as a whole; lines are the buyer's (or a return's).
    let refused = expect_problem(
        ask(
            &app,
            &staff,
            order,
            json!({"reason": "x", "lines": [{"order_item_id": small, "amount": 100}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&refused), ["lines"]);
    app.assert_clean().await;
}
app_test!(a_partial_refund_names_its_lines_and_never_passes_a_line_s_share);

async fn concurrent_line_refunds_never_take_more_than_the_line(app: TestApp) {
    let (_, token, order, big, _) = paid_two_lines(&app).await;
    let asks = (0..8).map(|_| {
        ask(
            &app,
            &token,
            order,
            json!({"reason": "坏了", "lines": [{"order_item_id": big, "amount": 6_000}]}),
        )
    });
    let answers = futures_util::future::join_all(asks).await;
    let created = answers.iter().filter(|r| r.status() == StatusCode::CREATED).count();
    let refused = answers
        .iter()
        .filter(|r| r.status() == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!(
        (created, refused),
        (1, 7),
        "one ¥60 part fits in a ¥100 line, two do not"
    );
    app.assert_clean().await;
    // Had two been let through, `emporium check` would name the line (and the refund
    // whose lines do not add up to it).
    let refund: i64 = answers
        .into_iter()
        .find(|r| r.status() == StatusCode::CREATED)
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    app.store
        .write(move |conn| {
            Box::pin(async move {
                emporium_store::db::query("UPDATE refund_lines SET amount = 10001 WHERE refund_id = $1")
                    .bind(refund)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    let (_, violations) = app.store.check_invariants().await.unwrap();
    let mut broken: Vec<_> = violations.iter().map(|v| v.subject.clone()).collect();
    broken.sort();
    assert_eq!(
        broken,
        [format!("order line {big}"), format!("refund {refund}")],
        "{violations:#?}"
    );
}
app_test!(concurrent_line_refunds_never_take_more_than_the_line);

async fn a_return_pays_a_line_back_only_what_its_refunds_left(app: TestApp) {
    let (staff, token, order, big, small) = paid_two_lines(&app).await;
    // The whole ¥100 line is asked back as money, and paid back.
    let refund = json_of(
        ask(
            &app,
            &token,
            order,
            json!({"reason": "不想要了", "lines": [{"order_item_id": big, "amount": 10_000}]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/refunds/{}/approve", refund["id"]),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    app.deliver(&staff, &token, order).await;
    // Then the item comes back, with one of the ¥50 ones: only the ¥50 is paid back.
    let ret = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{order}/returns"),
            Some(&token),
            Some(
                json!({"reason": "退货", "lines": [{"order_item_id": big, "quantity": 1},
                                                   {"order_item_id": small, "quantity": 1}]}),
            ),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let rid = ret["id"].as_i64().unwrap();
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/returns/{rid}/approve"),
            Some(&staff),
            Some(json!({"instructions": "寄回"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let done = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/returns/{rid}/receive"),
            Some(&staff),
            Some(json!({"lines": [{"order_item_id": big, "resellable": 1, "damaged": 0},
                                  {"order_item_id": small, "resellable": 1, "damaged": 0}]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["refund_amount"], 5_000, "{done}");
    app.assert_clean().await;
}
app_test!(a_return_pays_a_line_back_only_what_its_refunds_left);
