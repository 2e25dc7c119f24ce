//! The category tree through the API: staff build it, products appear under their
//! category's ancestors in listings and search, names follow `Accept-Language`, and bad
//! moves, names and removals are refused with nothing changed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields, json_of};

async fn category(app: &TestApp, staff: &str, body: Value) -> Value {
    json_of(
        app.send(Method::POST, "/api/v1/categories", Some(staff), Some(body))
            .await,
        StatusCode::CREATED,
    )
    .await
}

fn names_of(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn products_appear_under_every_ancestor(app: TestApp) {
    let staff = app.staff("boss").await;
    let drinks = category(
        &app,
        &staff,
        json!({"name": "饮品", "slug": "drinks", "names": {"en": "Drinks"}}),
    )
    .await;
    let tea = category(
        &app,
        &staff,
        json!({"name": "茶叶", "parent_id": drinks["id"], "names": {"en": "Tea"}, "position": 2}),
    )
    .await;
    let coffee = category(
        &app,
        &staff,
        json!({"name": "咖啡", "parent_id": drinks["id"], "position": 1}),
    )
    .await;
    assert_eq!(
        (&tea["depth"], &tea["slug"]),
        (&json!(1), &json!(format!("c{}", tea["id"])))
    );

    // By id, by name in either language, or by slug; the old free-text way makes a new
    // top-level category.
    let longjing = json_of(
        app.send(
            Method::POST,
            "/api/v1/products",
            Some(&staff),
            Some(json!({"name": "龙井 Longjing", "price": 12_800, "category_id": tea["id"]})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (&longjing["category"], &longjing["category_id"]),
        (&json!("茶叶"), &tea["id"])
    );
    app.create_product(&staff, NewProduct::new("Oolong 乌龙", 9_900).in_category("Tea"))
        .await;
    app.create_product(&staff, NewProduct::new("Latte beans 咖啡豆", 6_900).in_category("咖啡"))
        .await;
    app.create_product(&staff, NewProduct::new("Teapot 茶壶", 15_900).in_category("Home"))
        .await;

    let tree = app.get_json("/api/v1/categories", Some(&staff)).await;
    let order: Vec<(String, i64, i64)> = tree["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["depth"].as_i64().unwrap(),
                c["product_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("饮品".to_owned(), 0, 3),
            ("咖啡".to_owned(), 1, 1),
            ("茶叶".to_owned(), 1, 2),
            ("Home".to_owned(), 0, 1)
        ],
        "depth first, siblings by position; counts include descendants"
    );
    // Names in the reader's language where a translation exists.
    let english = json_of(
        app.request(Method::GET, "/api/v1/categories")
            .header("accept-language", "en-GB,en;q=0.9")
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(names_of(&english), ["Drinks", "咖啡", "Tea", "Home"]);
    assert_eq!(english["data"][0]["original_name"], "饮品");

    for filter in ["饮品", "Drinks", "drinks"] {
        let page = app
            .get_json(&format!("/api/v1/products?category={filter}&sort=price_asc"), None)
            .await;
        assert_eq!(
            names_of(&page),
            ["Latte beans 咖啡豆", "Oolong 乌龙", "龙井 Longjing"],
            "?category={filter} lists the whole subtree"
        );
    }
    let page = app.get_json("/api/v1/products?category=Tea", None).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    let page = app.get_json("/api/v1/products?category=nowhere", None).await;
    assert_eq!(page["data"], json!([]));
    app.catch_up_search().await;
    for filter in ["Drinks", "drinks", "饮品"] {
        let found = app
            .get_json(&format!("/api/v1/products?q=Longjing&category={filter}"), None)
            .await;
        assert_eq!(
            names_of(&found),
            ["龙井 Longjing"],
            "search filters by an ancestor too ({filter})"
        );
    }
    let found = app.get_json("/api/v1/products?q=Longjing&category=Home", None).await;
    assert_eq!(found["data"], json!([]));

    let detail = json_of(
        app.request(Method::GET, &format!("/api/v1/products/{}", longjing["id"]))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let path: Vec<&str> = detail["category_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(path, ["Drinks", "Tea"]);

    // Renaming renames it on its products; moving coffee to the top takes its product.
    let tea_path = format!("/api/v1/categories/{}", tea["id"]);
    json_of(
        app.send(
            Method::PATCH,
            &tea_path,
            Some(&staff),
            Some(json!({"name": "绿茶", "names": {"en": ""}})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let renamed = app
        .get_json(&format!("/api/v1/products/{}", longjing["id"]), None)
        .await;
    assert_eq!(renamed["category"], "绿茶");
    json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/categories/{}", coffee["id"]),
            Some(&staff),
            Some(json!({"parent_id": null})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let page = app.get_json("/api/v1/products?category=drinks", None).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 2, "coffee left the drinks");
    app.assert_clean().await;
}
app_test!(products_appear_under_every_ancestor);

async fn bad_category_changes_are_refused(app: TestApp) {
    let staff = app.staff("boss").await;
    let top = category(&app, &staff, json!({"name": "Top", "slug": "top"})).await;
    let mid = category(&app, &staff, json!({"name": "Mid", "parent_id": top["id"]})).await;
    let low = category(&app, &staff, json!({"name": "Low", "parent_id": mid["id"]})).await;
    let top_path = format!("/api/v1/categories/{}", top["id"]);

    // A cycle, directly or through a descendant.
    for parent in [&top["id"], &low["id"]] {
        let problem = expect_problem(
            app.send(
                Method::PATCH,
                &top_path,
                Some(&staff),
                Some(json!({"parent_id": parent})),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&problem), ["parent_id"]);
    }
    let problem = expect_problem(
        app.send(
            Method::PATCH,
            &top_path,
            Some(&staff),
            Some(json!({"parent_id": 999_999})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["parent_id"]);
    // Taken names and slugs; malformed ones.
    expect_problem(
        app.send(
            Method::POST,
            "/api/v1/categories",
            Some(&staff),
            Some(json!({"name": "Mid"})),
        )
        .await,
        StatusCode::CONFLICT,
        "category_taken",
    )
    .await;
    expect_problem(
        app.send(
            Method::POST,
            "/api/v1/categories",
            Some(&staff),
            Some(json!({"name": "Other", "slug": "top"})),
        )
        .await,
        StatusCode::CONFLICT,
        "category_taken",
    )
    .await;
    let problem = expect_problem(
        app.send(
            Method::POST,
            "/api/v1/categories",
            Some(&staff),
            Some(json!({"name": "", "slug": "Not A Slug", "position": -1, "names": {"fr": "Haut"}, "parent_id": 999_999})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["name", "slug", "position", "names.fr"]);
    // Removing: not while it holds a category or a product.
    expect_problem(
        app.send(Method::DELETE, &top_path, Some(&staff), None).await,
        StatusCode::CONFLICT,
        "category_in_use",
    )
    .await;
    app.create_product(&staff, NewProduct::new("Thing", 100).in_category("Low"))
        .await;
    expect_problem(
        app.send(
            Method::DELETE,
            &format!("/api/v1/categories/{}", low["id"]),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "category_in_use",
    )
    .await;
    let tree = app.get_json("/api/v1/categories", Some(&staff)).await;
    assert_eq!(names_of(&tree), ["Top", "Mid", "Low"], "nothing changed");
    let empty = category(&app, &staff, json!({"name": "Empty"})).await;
    let gone = app
        .send(
            Method::DELETE,
            &format!("/api/v1/categories/{}", empty["id"]),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    // Customers see only branches with something on sale.
    let public = app.get_json("/api/v1/categories", None).await;
    assert_eq!(names_of(&public), ["Top", "Mid", "Low"]);
    let product_with_both = app
        .send(
            Method::POST,
            "/api/v1/products",
            Some(&staff),
            Some(json!({"name": "Both", "price": 100, "category": "Low", "category_id": low["id"]})),
        )
        .await;
    let problem = expect_problem(product_with_both, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), ["category_id"]);
    app.assert_clean().await;
}
app_test!(bad_category_changes_are_refused);
