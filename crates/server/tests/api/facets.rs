//! Facet counts on listings and search: by category (under every ancestor), price band,
//! option value and stock, for the current words and filters; filtering by option values
//! and stock; counts that follow stock as it arrives; bad filters refused.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{TestApp, expect_problem, fields, json_of};

async fn post(app: &TestApp, staff: &str, path: &str, body: Value) -> Value {
    json_of(
        app.send(Method::POST, path, Some(staff), Some(body)).await,
        StatusCode::CREATED,
    )
    .await
}

/// `{value: count}` of one option in a listing's facets.
fn option_counts(page: &Value, name: &str) -> Vec<(String, u64)> {
    page["facets"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .map(|o| {
            o["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| (v["value"].as_str().unwrap().to_owned(), v["count"].as_u64().unwrap()))
                .collect()
        })
        .unwrap_or_default()
}

fn names(page: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    names
}

async fn listings_count_and_filter_by_category_price_option_and_stock(app: TestApp) {
    let staff = app.staff("boss").await;
    let shoes = post(
        &app,
        &staff,
        "/api/v1/categories",
        json!({"name": "鞋", "names": {"en": "Shoes"}}),
    )
    .await;
    let running = post(
        &app,
        &staff,
        "/api/v1/categories",
        json!({"name": "跑鞋", "parent_id": shoes["id"], "names": {"en": "Running shoes"}}),
    )
    .await;
    let stocked = |quantity: i64| json!({"quantity": quantity, "unit_cost": 10_000});
    post(
        &app,
        &staff,
        "/api/v1/products",
        json!({
            "name": "Runner 跑鞋", "category_id": running["id"],
            "options": [{"name": "颜色", "values": ["黑", "白"]}, {"name": "尺码", "values": ["41", "42"]}],
            "variants": [
                {"option_values": ["黑", "41"], "price": 39_900, "initial_stock": stocked(3)},
                {"option_values": ["黑", "42"], "price": 42_900, "initial_stock": stocked(2)},
                {"option_values": ["白", "42"], "price": 42_900, "status": "draft", "initial_stock": stocked(1)},
            ],
        }),
    )
    .await;
    let trail = post(
        &app,
        &staff,
        "/api/v1/products",
        json!({
            "name": "Trail 越野跑鞋", "category_id": running["id"],
            "options": [{"name": "尺码", "values": ["43"]}],
            "variants": [{"option_values": ["43"], "price": 4_900}],
        }),
    )
    .await;
    post(
        &app,
        &staff,
        "/api/v1/products",
        json!({"name": "Longjing 龙井", "category": "茶叶", "price": 20_000, "initial_stock": stocked(9)}),
    )
    .await;
    app.catch_up_search().await;

    let all = app.get_json("/api/v1/products", None).await;
    let facets = &all["facets"];
    assert_eq!(facets["total"], 3);
    let categories: Vec<(&str, u64)> = facets["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        categories,
        vec![("鞋", 2), ("跑鞋", 2), ("茶叶", 1)],
        "a shoe counts under 鞋 too"
    );
    assert_eq!(
        facets["price_bands"],
        json!([
            {"min": 0, "max": 5_000, "count": 1},
            {"min": 20_000, "max": 50_000, "count": 2},
        ])
    );
    // The draft white variant is not on sale: its colour is not offered.
    assert_eq!(option_counts(&all, "颜色"), vec![("黑".to_owned(), 1)]);
    assert_eq!(
        option_counts(&all, "尺码"),
        vec![("41".to_owned(), 1), ("42".to_owned(), 1), ("43".to_owned(), 1)]
    );
    assert_eq!(facets["in_stock"], 2, "the trail shoe has nothing on hand");

    // Names in the request's language.
    let english = app
        .request(Method::GET, "/api/v1/products")
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(english["facets"]["categories"][0]["name"], "Shoes");

    // An option filter: its own values stay counted as if none were chosen.
    let size_43 = app
        .get_json("/api/v1/products?option=%E5%B0%BA%E7%A0%81:43", None)
        .await;
    assert_eq!(names(&size_43), vec!["Trail 越野跑鞋"]);
    assert_eq!(size_43["facets"]["total"], 1);
    assert_eq!(option_counts(&size_43, "尺码").len(), 3);
    assert!(option_counts(&size_43, "颜色").is_empty());
    // Values of one option are alternatives; the category and stock filters combine.
    let either = app
        .get_json(
            "/api/v1/products?option=%E5%B0%BA%E7%A0%81:43&option=%E5%B0%BA%E7%A0%81:41&category=Shoes",
            None,
        )
        .await;
    assert_eq!(names(&either), vec!["Runner 跑鞋", "Trail 越野跑鞋"]);
    let in_stock = app
        .get_json("/api/v1/products?in_stock=true&category=Shoes", None)
        .await;
    assert_eq!(names(&in_stock), vec!["Runner 跑鞋"]);
    // Search counts what the words match.
    let tea = app.get_json("/api/v1/products?q=%E9%BE%99%E4%BA%95", None).await;
    assert_eq!(
        (tea["facets"]["total"].as_u64(), names(&tea)),
        (Some(1), vec!["Longjing 龙井"])
    );
    // Asked not to, the listing leaves the counts out.
    let bare = app.get_json("/api/v1/products?facets=false", None).await;
    assert!(bare.get("facets").is_none(), "{bare}");

    // Stock arriving puts the trail shoe in stock within the index's catch-up.
    let trail_path = format!("/api/v1/products/{}", trail["id"]);
    post(&app, &staff, &format!("{trail_path}/stock-lots"), stocked(4)).await;
    app.catch_up_search().await;
    let restocked = app.get_json("/api/v1/products?in_stock=true", None).await;
    assert_eq!(restocked["facets"]["in_stock"], 3);
    assert_eq!(names(&restocked).len(), 3);
}

async fn bad_filters_are_named(app: TestApp) {
    for (query, field) in [
        ("option=colour", "option"),
        ("option=:black", "option"),
        ("option=colour:", "option"),
        ("in_stock=yes", "in_stock"),
        ("facets=1", "facets"),
    ] {
        let response = app
            .send(Method::GET, &format!("/api/v1/products?{query}"), None, None)
            .await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(fields(&problem), vec![field], "{query}");
    }
    let many: Vec<String> = (0..21).map(|i| format!("option=size:{i}")).collect();
    let response = app
        .send(Method::GET, &format!("/api/v1/products?{}", many.join("&")), None, None)
        .await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), vec!["option"]);
}

app_test!(listings_count_and_filter_by_category_price_option_and_stock);
app_test!(bad_filters_are_named);
