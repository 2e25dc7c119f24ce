//! Products, categories and search.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use emporium_app::AppConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{TestApp, expect_problem, fields};

async fn create(app: &TestApp, staff: &str, body: Value) -> Value {
    let response = app
        .send(Method::POST, "/api/v1/products", Some(staff), Some(body))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

fn names(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Follows `next_cursor` to the end; answers every product id in order.
async fn every_page(app: &TestApp, first: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut path = first.to_owned();
    loop {
        let page = app.get_json(&path, None).await;
        ids.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{first}&cursor={cursor}"),
            None => return ids,
        }
    }
}

async fn staff_create_products_and_customers_read_them(app: TestApp) {
    let staff = app.staff("boss").await;
    let body = json!({
        "name": "华为 Mate 60 Pro 手机", "description": "旗舰手机。A flagship phone.", "price": 699_900,
        "category": "Phones", "sku": "HW-M60P", "images": ["/img/m60.png"], "initial_stock": {"quantity": 10, "unit_cost": 500_000}
    });
    let created = create(&app, &staff, body).await;
    assert_eq!(
        (created["currency"].as_str(), created["status"].as_str()),
        (Some("CNY"), Some("active"))
    );
    assert_eq!(
        (created["stock_available"].as_i64(), created["rating_count"].as_i64()),
        (Some(10), Some(0))
    );
    let path = format!("/api/v1/products/{}", created["id"]);
    let mut seen = app.get_json(&path, None).await;
    // The detail answer adds the category's path from the top.
    let category_path = seen.as_object_mut().unwrap().remove("category_path");
    assert_eq!(
        category_path,
        Some(json!([{"id": created["category_id"], "slug": format!("c{}", created["category_id"]), "name": "Phones"}]))
    );
    // Staff's answers carry the translations as well (none here); anyone else's do not.
    let mut created = created;
    assert_eq!(created.as_object_mut().unwrap().remove("translations"), Some(json!({})));
    assert_eq!(seen, created);

    let customer = app.customer("alice").await;
    expect_problem(
        app.send(
            Method::POST,
            "/api/v1/products",
            Some(&customer),
            Some(json!({"name": "x", "price": 1})),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.send(
            Method::POST,
            "/api/v1/products",
            None,
            Some(json!({"name": "x", "price": 1})),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.send(Method::PATCH, &path, Some(&customer), Some(json!({"price": 1})))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.send(Method::DELETE, &path, Some(&customer), None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let duplicate = json!({"name": "copy", "price": 100, "sku": "HW-M60P"});
    expect_problem(
        app.send(Method::POST, "/api/v1/products", Some(&staff), Some(duplicate))
            .await,
        StatusCode::CONFLICT,
        "sku_taken",
    )
    .await;
}
app_test!(staff_create_products_and_customers_read_them);

async fn bad_products_name_every_bad_field(app: TestApp) {
    let staff = app.staff("boss").await;
    let bad = json!({"name": "", "price": 0, "currency": "RMB", "sku": "has space", "images": ["javascript:x"], "status": "gone",
                     "initial_stock": {"quantity": 0, "unit_cost": -1}});
    let problem = expect_problem(
        app.send(Method::POST, "/api/v1/products", Some(&staff), Some(bad))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&problem),
        [
            "name",
            "price",
            "currency",
            "sku",
            "images[0]",
            "status",
            "initial_stock.quantity",
            "initial_stock.unit_cost"
        ]
    );
    let long = json!({"name": "x".repeat(201), "price": 100});
    assert_eq!(
        fields(
            &expect_problem(
                app.send(Method::POST, "/api/v1/products", Some(&staff), Some(long))
                    .await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed"
            )
            .await
        ),
        ["name"]
    );
    // Computed and protected fields cannot be set.
    for (field, value) in [
        ("stock_available", json!(5)),
        ("rating_average", json!(5.0)),
        ("id", json!(1)),
        ("created_at", json!("2020-01-01T00:00:00Z")),
    ] {
        let mut body = json!({"name": "x", "price": 100});
        body[field] = value;
        let problem = expect_problem(
            app.send(Method::POST, "/api/v1/products", Some(&staff), Some(body))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&problem), [field]);
    }
    let float = json!({"name": "x", "price": 19.99});
    assert_eq!(
        fields(
            &expect_problem(
                app.send(Method::POST, "/api/v1/products", Some(&staff), Some(float))
                    .await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed"
            )
            .await
        ),
        ["price"]
    );
}
app_test!(bad_products_name_every_bad_field);

async fn staff_edit_and_archive_products(app: TestApp) {
    let staff = app.staff("boss").await;
    let p = create(
        &app,
        &staff,
        json!({"name": "Green tea", "price": 3800, "category": "Tea", "sku": "T-1"}),
    )
    .await;
    let path = format!("/api/v1/products/{}", p["id"]);
    let edited: Value = app
        .send(
            Method::PATCH,
            &path,
            Some(&staff),
            Some(json!({"price": 4200, "category": null})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            edited["price"].as_i64(),
            edited["category"].clone(),
            edited["name"].as_str()
        ),
        (Some(4200), Value::Null, Some("Green tea"))
    );
    let problem = expect_problem(
        app.send(
            Method::PATCH,
            &path,
            Some(&staff),
            Some(json!({"price": -5, "stock_available": 9})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["stock_available"]);
    expect_problem(
        app.send(
            Method::PATCH,
            "/api/v1/products/999999",
            Some(&staff),
            Some(json!({"price": 1})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let archived: Value = app
        .send(Method::DELETE, &path, Some(&staff), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(archived["status"], "archived");
    // Gone for customers, still there for staff.
    expect_problem(
        app.send(Method::GET, &path, None, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(app.get_json(&path, Some(&staff)).await["status"], "archived");
    assert!(names(&app.get_json("/api/v1/products", None).await).is_empty());
    assert_eq!(
        names(&app.get_json("/api/v1/products?status=archived", Some(&staff)).await),
        ["Green tea"]
    );
    let customer = app.customer("carol").await;
    let problem = expect_problem(
        app.send(Method::GET, "/api/v1/products?status=archived", Some(&customer), None)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["status"]);
}
app_test!(staff_edit_and_archive_products);

async fn listings_filter_sort_and_page(app: TestApp) {
    let staff = app.staff("boss").await;
    for i in 0..25 {
        let category = if i % 3 == 0 { "Tea" } else { "Snacks" };
        create(
            &app,
            &staff,
            json!({"name": format!("item {i:02}"), "price": 1000 + (i % 4) * 500, "category": category}),
        )
        .await;
    }
    let ids = every_page(&app, "/api/v1/products?limit=7").await;
    assert_eq!((ids.len(), ids.iter().collect::<HashSet<_>>().len()), (25, 25));
    let newest = app.get_json("/api/v1/products?limit=3", None).await;
    assert_eq!(names(&newest), ["item 24", "item 23", "item 22"]);

    let cheap_tea = app
        .get_json(
            "/api/v1/products?category=Tea&max_price=1500&sort=price_desc&limit=100",
            None,
        )
        .await;
    let rows = cheap_tea["data"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|p| p["category"] == "Tea" && p["price"].as_i64().unwrap() <= 1500)
    );
    assert!(
        rows.windows(2)
            .all(|w| w[0]["price"].as_i64() >= w[1]["price"].as_i64())
    );
    let by_price = every_page(&app, "/api/v1/products?sort=price_asc&limit=4").await;
    assert_eq!(by_price.len(), 25);

    // The free-text categories became top-level categories, in the order they came.
    let categories = app.get_json("/api/v1/categories", None).await;
    let counts: Vec<(&str, i64)> = categories["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["product_count"].as_i64().unwrap()))
        .collect();
    assert_eq!(counts, [("Tea", 9), ("Snacks", 16)]);
}
app_test!(listings_filter_sort_and_page);

async fn bad_listing_parameters_are_named(app: TestApp) {
    for (query, field) in [
        ("sort=cheapest", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("min_price=-1", "min_price"),
        ("max_price=1.5", "max_price"),
        ("min_price=500&max_price=100", "max_price"),
        ("cursor=not-a-cursor", "cursor"),
    ] {
        let problem = expect_problem(
            app.send(Method::GET, &format!("/api/v1/products?{query}"), None, None)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&problem), [field], "{query}");
    }
    let staff = app.staff("boss").await;
    for i in 0..3 {
        create(&app, &staff, json!({"name": format!("p{i}"), "price": 100})).await;
    }
    let page = app.get_json("/api/v1/products?limit=1", None).await;
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    // A cursor from another listing, or one altered by a single character, is refused.
    let problem = expect_problem(
        app.send(
            Method::GET,
            &format!("/api/v1/products?limit=1&sort=price_asc&cursor={cursor}"),
            None,
            None,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["cursor"]);
    let mut tampered: Vec<char> = cursor.chars().collect();
    tampered[5] = if tampered[5] == 'x' { 'y' } else { 'x' };
    let tampered: String = tampered.into_iter().collect();
    let problem = expect_problem(
        app.send(
            Method::GET,
            &format!("/api/v1/products?limit=1&cursor={tampered}"),
            None,
            None,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["cursor"]);
    expect_problem(
        app.send(Method::GET, "/api/v1/products/abc", None, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    expect_problem(
        app.send(Method::GET, "/api/v1/products/12345", None, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
app_test!(bad_listing_parameters_are_named);

async fn search_understands_chinese_and_english(app: TestApp) {
    let staff = app.staff("boss").await;
    for (name, category, price) in [
        ("华为 Mate 60 手机", "Phones", 599_900),
        ("苹果手机 iPhone 15", "Phones", 599_900),
        ("Running Shoes 运动鞋", "Sportswear", 49_900),
        ("西湖龙井 绿茶 250g", "Tea", 12_800),
    ] {
        create(
            &app,
            &staff,
            json!({"name": name, "category": category, "price": price}),
        )
        .await;
    }
    let draft = create(
        &app,
        &staff,
        json!({"name": "草稿手机 draft phone", "price": 100, "status": "draft"}),
    )
    .await;
    app.catch_up_search().await;
    let mut found = names(&app.get_json("/api/v1/products?q=手机", None).await);
    found.sort();
    assert_eq!(
        found,
        ["华为 Mate 60 手机", "苹果手机 iPhone 15"],
        "drafts stay hidden from customers"
    );
    assert_eq!(
        names(&app.get_json("/api/v1/products?q=IPHONE", None).await),
        ["苹果手机 iPhone 15"]
    );
    assert_eq!(
        names(&app.get_json("/api/v1/products?q=run", None).await),
        ["Running Shoes 运动鞋"]
    );
    assert_eq!(
        names(&app.get_json("/api/v1/products?q=绿茶&category=Tea", None).await),
        ["西湖龙井 绿茶 250g"]
    );
    assert!(names(&app.get_json("/api/v1/products?q=手机&max_price=1000", None).await).is_empty());
    let staff_view = names(&app.get_json("/api/v1/products?q=draft", Some(&staff)).await);
    assert_eq!(staff_view, [draft["name"].as_str().unwrap()]);
    // Hostile input is just text.
    for q in ["\"", "AND (", "name:x", "*", "%27%3B--"] {
        app.get_json(&format!("/api/v1/products?q={q}"), None).await;
    }
    let problem = expect_problem(
        app.send(
            Method::GET,
            &format!("/api/v1/products?q={}", "x".repeat(201)),
            None,
            None,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["q"]);
}
app_test!(search_understands_chinese_and_english);

async fn search_results_page_without_duplicates(app: TestApp) {
    let staff = app.staff("boss").await;
    for i in 0..12 {
        create(
            &app,
            &staff,
            json!({"name": format!("茶叶 tea gift {i}"), "price": 1000 + i}),
        )
        .await;
    }
    app.catch_up_search().await;
    let ids = every_page(&app, "/api/v1/products?q=tea&limit=5").await;
    assert_eq!((ids.len(), ids.iter().collect::<HashSet<_>>().len()), (12, 12));
    let by_price = every_page(&app, "/api/v1/products?q=茶叶&sort=price_desc&limit=5").await;
    assert_eq!(by_price.len(), 12);
    assert!(
        by_price.windows(2).all(|w| w[0] > w[1]),
        "dearer first means newer ids here"
    );
}
app_test!(search_results_page_without_duplicates);

/// The index and the product cache follow product changes by themselves within about a
/// second, also when the change was made through another instance sharing the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_follows_changes_made_on_another_instance() {
    for db in emporium_testkit::TestDb::every_engine().await {
        let config = AppConfig {
            bcrypt_cost: 4,
            ..AppConfig::default()
        };
        let a = TestApp::spawn_on(&db.url, config.clone()).await;
        let b = TestApp::spawn_on(&db.url, config).await;
        let staff = a.staff("boss").await;
        let created = Instant::now();
        let p = create(
            &a,
            &staff,
            json!({"name": "降噪耳机 noise cancelling headphones", "price": 129_900}),
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = names(&b.get_json("/api/v1/products?q=耳机", None).await);
            if found == [p["name"].as_str().unwrap()] {
                break;
            }
            assert!(Instant::now() < deadline, "instance B never saw the product");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let lag = created.elapsed();
        assert!(lag < Duration::from_secs(2), "took {lag:?}");
        // B's product cache holds it now (search read it); a price change made through A
        // is at once on A, and reaches B through the change feed, as search does.
        let path = format!("/api/v1/products/{}", p["id"]);
        assert_eq!(b.get_json(&path, None).await["price"], 129_900);
        let changed = Instant::now();
        a.send(Method::PATCH, &path, Some(&staff), Some(json!({"price": 99_900})))
            .await;
        assert_eq!(a.get_json(&path, None).await["price"], 99_900);
        let deadline = Instant::now() + Duration::from_secs(10);
        while b.get_json(&path, None).await["price"] != 99_900 {
            assert!(Instant::now() < deadline, "instance B kept the old price");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            changed.elapsed() < Duration::from_secs(2),
            "took {:?}",
            changed.elapsed()
        );
        // Archiving through B hides it from A's search too.
        b.send(
            Method::DELETE,
            &format!("/api/v1/products/{}", p["id"]),
            Some(&staff),
            None,
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !names(&a.get_json("/api/v1/products?q=耳机", None).await).is_empty() {
            assert!(Instant::now() < deadline, "instance A still lists the archived product");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
