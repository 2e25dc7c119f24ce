//! FIFO stock through the API: lots, write-offs and valuation (staff only).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields, json_of};

/// An oolong at 9,900 with no stock yet; answers its path.
async fn product(app: &TestApp, staff: &str) -> String {
    let id = app.create_product(staff, NewProduct::new("乌龙茶 oolong", 9_900)).await;
    format!("/api/v1/products/{id}")
}

async fn receive(app: &TestApp, staff: &str, path: &str, body: Value) -> Value {
    let response = app
        .send(Method::POST, &format!("{path}/stock-lots"), Some(staff), Some(body))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn stock_arrives_in_lots_and_leaves_oldest_first(app: TestApp) {
    let staff = app.staff("boss").await;
    let path = product(&app, &staff).await;
    let newer = receive(
        &app,
        &staff,
        &path,
        json!({"quantity": 5, "unit_cost": 3_000, "received_at": "2026-11-20T08:00:00Z", "note": "supplier B"}),
    )
    .await;
    let older = receive(
        &app,
        &staff,
        &path,
        json!({"quantity": 3, "unit_cost": 2_000, "received_at": "2026-11-01T08:00:00+08:00"}),
    )
    .await;
    assert_eq!(
        (older["remaining"].as_i64(), older["received_at"].as_str()),
        (Some(3), Some("2026-11-01T00:00:00.000Z"))
    );

    let lots: Value = app
        .send(Method::GET, &format!("{path}/stock-lots"), Some(&staff), None)
        .await
        .json()
        .await
        .unwrap();
    let order: Vec<_> = lots["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].clone())
        .collect();
    assert_eq!(order, [older["id"].clone(), newer["id"].clone()], "oldest first");
    let page: Value = app
        .send(Method::GET, &format!("{path}/stock-lots?limit=1"), Some(&staff), None)
        .await
        .json()
        .await
        .unwrap();
    let next: Value = app
        .send(
            Method::GET,
            &format!(
                "{path}/stock-lots?limit=1&cursor={}",
                page["next_cursor"].as_str().unwrap()
            ),
            Some(&staff),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["data"][0]["id"], newer["id"]);

    let product: Value = app.send(Method::GET, &path, None, None).await.json().await.unwrap();
    assert_eq!(product["stock_available"], 8);

    let valuation: Value = app
        .send(Method::GET, "/api/v1/inventory/valuation", Some(&staff), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (valuation["total_units"].as_i64(), valuation["total_value"].as_i64()),
        (Some(8), Some(3 * 2_000 + 5 * 3_000))
    );

    let response = app
        .send(
            Method::POST,
            &format!("{path}/stock-adjustments"),
            Some(&staff),
            Some(json!({"quantity": 4, "reason": "damaged in storage"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let adjustment: Value = response.json().await.unwrap();
    assert_eq!(adjustment["cost"], 3 * 2_000 + 3_000);
    assert_eq!(
        adjustment["draws"],
        json!([{"lot_id": older["id"], "quantity": 3, "unit_cost": 2_000}, {"lot_id": newer["id"], "quantity": 1, "unit_cost": 3_000}])
    );

    let valuation: Value = app
        .send(Method::GET, "/api/v1/inventory/valuation", Some(&staff), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (valuation["total_units"].as_i64(), valuation["total_value"].as_i64()),
        (Some(4), Some(4 * 3_000))
    );
    assert_eq!(valuation["data"][0]["units_on_hand"], 4);

    let problem = expect_problem(
        app.send(
            Method::POST,
            &format!("{path}/stock-adjustments"),
            Some(&staff),
            Some(json!({"quantity": 5, "reason": "lost"})),
        )
        .await,
        StatusCode::CONFLICT,
        "insufficient_stock",
    )
    .await;
    assert!(problem.detail.contains("only 4"), "{}", problem.detail);
}
app_test!(stock_arrives_in_lots_and_leaves_oldest_first);

async fn stock_is_for_staff_only(app: TestApp) {
    let staff = app.staff("boss").await;
    let path = product(&app, &staff).await;
    let customer = app.customer("alice").await;
    let lot = json!({"quantity": 1, "unit_cost": 1});
    for (method, route, body) in [
        (Method::POST, format!("{path}/stock-lots"), Some(lot.clone())),
        (Method::GET, format!("{path}/stock-lots"), None),
        (
            Method::POST,
            format!("{path}/stock-adjustments"),
            Some(json!({"quantity": 1, "reason": "x"})),
        ),
        (Method::GET, "/api/v1/inventory/valuation".to_owned(), None),
    ] {
        expect_problem(
            app.send(method.clone(), &route, Some(&customer), body.clone()).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_problem(
            app.send(method, &route, None, body).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
}
app_test!(stock_is_for_staff_only);

async fn bad_lots_name_every_bad_field(app: TestApp) {
    let staff = app.staff("boss").await;
    let path = product(&app, &staff).await;
    let bad = json!({"quantity": 0, "unit_cost": -1, "received_at": "yesterday", "note": "a\u{0}b"});
    let problem = expect_problem(
        app.send(Method::POST, &format!("{path}/stock-lots"), Some(&staff), Some(bad))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["quantity", "unit_cost", "received_at", "note"]);
    let future = json!({"quantity": 1, "unit_cost": 1, "received_at": "2999-01-01T00:00:00Z"});
    let problem = expect_problem(
        app.send(Method::POST, &format!("{path}/stock-lots"), Some(&staff), Some(future))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["received_at"]);
    let lot = json!({"quantity": 1, "unit_cost": 1});
    expect_problem(
        app.send(
            Method::POST,
            "/api/v1/products/999999/stock-lots",
            Some(&staff),
            Some(lot),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.send(Method::GET, "/api/v1/products/999999/stock-lots", Some(&staff), None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let problem = expect_problem(
        app.send(
            Method::POST,
            &format!("{path}/stock-adjustments"),
            Some(&staff),
            Some(json!({"quantity": -2, "reason": ""})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["quantity", "reason"]);
    let problem = expect_problem(
        app.send(Method::GET, "/api/v1/inventory/valuation?limit=500", Some(&staff), None)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["limit"]);
}
app_test!(bad_lots_name_every_bad_field);

/// Every product of units and costs, and every sum of them, fits the database's 64-bit
/// integers on both engines: a lot worth more than 10^15, or a product's stock worth more,
/// is refused, and what is accepted is valued and written off exactly.
async fn stock_values_stay_exact_and_bounded(app: TestApp) {
    let staff = app.staff("boss").await;
    let path = product(&app, &staff).await;
    let too_much = json!({"quantity": 1_000_000_000, "unit_cost": 100_000_000_000_i64});
    let refused = app
        .send(
            Method::POST,
            &format!("{path}/stock-lots"),
            Some(&staff),
            Some(too_much),
        )
        .await;
    let problem = expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), ["unit_cost"]);
    let born_too_rich = json!({"name": "金条 gold", "price": 100,
        "initial_stock": {"quantity": 1_000_000_000, "unit_cost": 100_000_000_000_i64}});
    let refused = app
        .send(Method::POST, "/api/v1/products", Some(&staff), Some(born_too_rich))
        .await;
    let problem = expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), ["initial_stock.unit_cost"]);

    // Two products at the most a product's stock may be worth: one lot each, exact.
    let at_the_cap = json!({"quantity": 1_000_000_000, "unit_cost": 1_000_000});
    receive(&app, &staff, &path, at_the_cap.clone()).await;
    let other = format!(
        "/api/v1/products/{}",
        app.create_product(&staff, NewProduct::new("金条 gold", 100)).await
    );
    receive(&app, &staff, &other, at_the_cap).await;
    let valuation = app.get_json("/api/v1/inventory/valuation", Some(&staff)).await;
    assert_eq!(valuation["total_value"], 2_000_000_000_000_000_i64);
    assert_eq!(valuation["data"][0]["value"], 1_000_000_000_000_000_i64);
    let one_more = app
        .send(
            Method::POST,
            &format!("{path}/stock-lots"),
            Some(&staff),
            Some(json!({"quantity": 1, "unit_cost": 1})),
        )
        .await;
    let problem = expect_problem(one_more, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), ["unit_cost"]);

    let written_off = app
        .send(
            Method::POST,
            &format!("{path}/stock-adjustments"),
            Some(&staff),
            Some(json!({"quantity": 1_000_000_000, "reason": "lost at sea"})),
        )
        .await;
    let written_off = json_of(written_off, StatusCode::CREATED).await;
    assert_eq!(written_off["cost"], 1_000_000_000_000_000_i64);
    let valuation = app.get_json("/api/v1/inventory/valuation", Some(&staff)).await;
    assert_eq!(valuation["total_value"], 1_000_000_000_000_000_i64);
    // Written off, the product has room again.
    receive(&app, &staff, &path, json!({"quantity": 1, "unit_cost": 1})).await;
    app.assert_clean().await;
}
app_test!(stock_values_stay_exact_and_bounded);
