//! Reviews by verified buyers: who may write one, what it may say, the product's rating
//! kept in step, pagination and moderation.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields, json_of};

async fn review(app: &TestApp, token: &str, product: i64, body: Value) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/products/{product}/reviews"),
        Some(token),
        Some(body),
    )
    .await
}

async fn rating_of(app: &TestApp, product: i64) -> (f64, i64) {
    let p = json_of(
        app.send(Method::GET, &format!("/api/v1/products/{product}"), None, None)
            .await,
        StatusCode::OK,
    )
    .await;
    (
        p["rating_average"].as_f64().unwrap(),
        p["rating_count"].as_i64().unwrap(),
    )
}

async fn a_buyer_reviews_what_they_received_and_the_average_follows(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let cup = app.create_product(&staff, NewProduct::item(1_500, 10)).await;
    let alice = app.customer("alice").await;
    let home = app.add_address(&alice).await;
    let first = app.paid_order(&alice, home, &[(tea, 1)]).await;

    // Paid but not received: not yet.
    let early = expect_problem(
        review(&app, &alice, tea, json!({"order_id": first, "rating": 5})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert!(early.detail.contains("received"), "{}", early.detail);
    app.deliver(&staff, &alice, first).await;

    // Bad input, each named.
    for bad in [json!(0), json!(6), json!(3.5), json!(-1)] {
        let p = expect_problem(
            review(&app, &alice, tea, json!({"order_id": first, "rating": bad})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), ["rating"], "{bad}");
    }
    let p = expect_problem(
        review(
            &app,
            &alice,
            tea,
            json!({"order_id": first, "rating": 4, "body": "长".repeat(2_001)}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["body"]);
    let p = expect_problem(
        review(&app, &alice, cup, json!({"order_id": first, "rating": 4})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["order_id"], "the order does not hold the cup");
    expect_problem(
        review(&app, &alice, 999_999, json!({"order_id": first, "rating": 4})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        review(&app, &alice, tea, json!({"order_id": 999_999, "rating": 4})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let bob = app.customer("bob").await;
    expect_problem(
        review(&app, &bob, tea, json!({"order_id": first, "rating": 1})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.send(
            Method::POST,
            &format!("/api/v1/products/{tea}/reviews"),
            None,
            Some(json!({"order_id": first, "rating": 4})),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_eq!(rating_of(&app, tea).await, (0.0, 0), "nothing counted yet");

    // The review lands and the average moves; a second one for the same order is refused.
    let text = "<script>alert(1)</script> 很好喝\n回购";
    let written = json_of(
        review(&app, &alice, tea, json!({"order_id": first, "rating": 5, "body": text})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (
            written["rating"].as_i64(),
            written["body"].as_str(),
            written["author"].as_str()
        ),
        (Some(5), Some(text), Some("a***e")),
        "a username is masked"
    );
    assert_eq!(rating_of(&app, tea).await, (5.0, 1));
    expect_problem(
        review(&app, &alice, tea, json!({"order_id": first, "rating": 1})).await,
        StatusCode::CONFLICT,
        "already_reviewed",
    )
    .await;

    // Another order, another review.
    let second = app.paid_order(&alice, home, &[(tea, 1), (cup, 2)]).await;
    app.deliver(&staff, &alice, second).await;
    let later = json_of(
        review(&app, &alice, tea, json!({"order_id": second, "rating": 2})).await,
        StatusCode::CREATED,
    )
    .await;
    json_of(
        review(&app, &alice, cup, json!({"order_id": second, "rating": 3, "body": ""})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(rating_of(&app, tea).await, (3.5, 2));

    // Newest first, one per page.
    let page = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/products/{tea}/reviews?limit=1"),
            None,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["data"][0]["id"], later["id"]);
    let next = page["next_cursor"].as_str().unwrap();
    let page = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/products/{tea}/reviews?limit=1&cursor={next}"),
            None,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (page["data"][0]["id"].clone(), page["next_cursor"].clone()),
        (written["id"].clone(), Value::Null)
    );
    for bad in ["limit=0", "limit=101", "cursor=garbage"] {
        expect_problem(
            app.send(
                Method::GET,
                &format!("/api/v1/products/{tea}/reviews?{bad}"),
                None,
                None,
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    expect_problem(
        app.send(Method::GET, "/api/v1/products/999999/reviews", None, None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Staff hide the five-star review: it leaves the list and the average; repeating
    // the decision changes nothing; showing it again brings it back.
    let path = format!("/api/v1/reviews/{}", written["id"]);
    expect_problem(
        app.send(Method::PATCH, &path, Some(&alice), Some(json!({"hidden": true})))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for _ in 0..2 {
        let hidden = json_of(
            app.send(Method::PATCH, &path, Some(&staff), Some(json!({"hidden": true})))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(hidden["hidden"], true);
        assert_eq!(rating_of(&app, tea).await, (2.0, 1));
    }
    let public = json_of(
        app.send(Method::GET, &format!("/api/v1/products/{tea}/reviews"), None, None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(public["data"].as_array().unwrap().len(), 1);
    let staff_view = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/products/{tea}/reviews"),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        staff_view["data"].as_array().unwrap().len(),
        2,
        "staff see hidden reviews"
    );
    app.assert_clean().await;
    json_of(
        app.send(Method::PATCH, &path, Some(&staff), Some(json!({"hidden": false})))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rating_of(&app, tea).await, (3.5, 2));
    expect_problem(
        app.send(
            Method::PATCH,
            "/api/v1/reviews/999999",
            Some(&staff),
            Some(json!({"hidden": true})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    app.assert_clean().await;
}
app_test!(a_buyer_reviews_what_they_received_and_the_average_follows);

async fn concurrent_reviews_of_one_order_land_once(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let alice = app.customer("alice").await;
    let home = app.add_address(&alice).await;
    let order = app.paid_order(&alice, home, &[(tea, 1)]).await;
    app.deliver(&staff, &alice, order).await;
    let path = format!("/api/v1/products/{tea}/reviews");
    let attempts: Vec<_> = (1..=8)
        .map(|stars| {
            tokio::spawn(
                app.request(Method::POST, &path)
                    .bearer_auth(&alice)
                    .json(&json!({"order_id": order, "rating": 1 + stars % 5}))
                    .send(),
            )
        })
        .collect();
    let mut statuses = Vec::new();
    for a in attempts {
        statuses.push(a.await.unwrap().unwrap().status());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::CREATED).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(),
        7,
        "{statuses:?}"
    );
    assert_eq!(rating_of(&app, tea).await.1, 1);
    app.assert_clean().await;
}
app_test!(concurrent_reviews_of_one_order_land_once);

async fn cancelled_and_refunded_orders_cannot_be_reviewed(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let alice = app.customer("alice").await;
    let home = app.add_address(&alice).await;
    assert_eq!(app.put_cart(&alice, tea, 1).await.status(), StatusCode::OK);
    let placed = json_of(
        app.send(
            Method::POST,
            "/api/v1/orders",
            Some(&alice),
            Some(json!({"address_id": home})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let cancelled = placed["id"].as_i64().unwrap();
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{cancelled}/cancel"),
            Some(&alice),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        review(&app, &alice, tea, json!({"order_id": cancelled, "rating": 1})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let refunded = app.paid_order(&alice, home, &[(tea, 1)]).await;
    let refund = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{refunded}/refunds"),
            Some(&alice),
            Some(json!({"reason": "changed my mind"})),
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
    expect_problem(
        review(&app, &alice, tea, json!({"order_id": refunded, "rating": 1})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(rating_of(&app, tea).await, (0.0, 0));
}
app_test!(cancelled_and_refunded_orders_cannot_be_reviewed);
