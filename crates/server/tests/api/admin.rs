//! `GET /api/v1/admin/stats`: the staff report behind the dashboard.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields};

async fn staff_read_orders_revenue_cost_and_margin_per_day(app: TestApp) {
    let staff = app.staff("boss").await;
    let product = app
        .create_product(&staff, NewProduct::new("Tea", 1000).stocked(5, 300))
        .await;
    let buyer = app.customer("buyer").await;
    let address = app.add_address(&buyer).await;
    let id = app.paid_order(&buyer, address, &[(product, 2)]).await;
    let order = app.get_json(&format!("/api/v1/orders/{id}"), Some(&buyer)).await;

    let response = app.send(Method::GET, "/api/v1/admin/stats", Some(&staff), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let stats: Value = response.json().await.unwrap();
    assert_eq!(
        stats["days"].as_array().unwrap().len(),
        30,
        "the last 30 days by default"
    );
    let today = stats["days"].as_array().unwrap().last().unwrap();
    assert_eq!(today["date"], stats["to"]);
    assert_eq!(today["orders"], 1);
    assert_eq!(today["revenue"], order["total"]);
    assert_eq!(today["cost_of_goods"], 600);
    assert_eq!(today["gross_margin"].as_i64(), order["total"].as_i64().map(|t| t - 600));
    assert_eq!(stats["totals"]["orders"], 1);
    assert_eq!(stats["top_products"][0]["product_id"], product);
    assert_eq!(stats["top_products"][0]["units"], 2);

    let one_day = app
        .send(
            Method::GET,
            &format!(
                "/api/v1/admin/stats?from={0}&to={0}&top=1",
                stats["to"].as_str().unwrap()
            ),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(
        one_day.json::<Value>().await.unwrap()["days"].as_array().unwrap().len(),
        1
    );
}
app_test!(staff_read_orders_revenue_cost_and_margin_per_day);

async fn only_staff_read_the_report(app: TestApp) {
    let response = app.send(Method::GET, "/api/v1/admin/stats", None, None).await;
    expect_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let customer = app.customer("nosy").await;
    let response = app
        .send(Method::GET, "/api/v1/admin/stats", Some(&customer), None)
        .await;
    expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
}
app_test!(only_staff_read_the_report);

async fn bad_ranges_are_named(app: TestApp) {
    let staff = app.staff("boss").await;
    let response = app
        .send(
            Method::GET,
            "/api/v1/admin/stats?from=yesterday&top=0",
            Some(&staff),
            None,
        )
        .await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), ["from", "top"]);
    let response = app
        .send(
            Method::GET,
            "/api/v1/admin/stats?from=2026-02-01&to=2026-01-01",
            Some(&staff),
            None,
        )
        .await;
    expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let response = app
        .send(
            Method::GET,
            "/api/v1/admin/stats?from=2020-01-01&to=2026-01-01",
            Some(&staff),
            None,
        )
        .await;
    expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}
app_test!(bad_ranges_are_named);
