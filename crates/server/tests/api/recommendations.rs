//! Recommendations over real orders: a small example checked by hand against
//! `sim(a, b) = common / sqrt(total_a × total_b)`, what counts as a purchase, archived
//! products, the stored model surviving a restart, and one builder among instances.

use emporium_testkit::TestDb;
use std::time::Duration;

use emporium_app::AppConfig;
use emporium_app::recommendations::refresh;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields, json_of};

/// A product at 1,000 in `category`, 100 in stock.
fn listed(name: &str, category: &str) -> NewProduct {
    NewProduct::new(name, 1_000).in_category(category).stocked(100, 500)
}

/// A customer who has paid for `products` (one order); answers their token.
async fn buyer(app: &TestApp, name: &str, products: &[i64]) -> String {
    let token = app.customer(name).await;
    if !products.is_empty() {
        let home = app.add_address(&token).await;
        let lines: Vec<(i64, i64)> = products.iter().map(|&p| (p, 1)).collect();
        app.paid_order(&token, home, &lines).await;
    }
    token
}

/// `[(product id, score)]` of a list answer.
fn ranked(list: &Value) -> Vec<(i64, f64)> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["product"]["id"].as_i64().unwrap(), r["score"].as_f64().unwrap()))
        .collect()
}

async fn also_bought(app: &TestApp, product: i64) -> Vec<(i64, f64)> {
    ranked(
        &json_of(
            app.send(
                Method::GET,
                &format!("/api/v1/products/{product}/also-bought"),
                None,
                None,
            )
            .await,
            StatusCode::OK,
        )
        .await,
    )
}

async fn for_you(app: &TestApp, token: &str) -> (Vec<(i64, f64)>, String) {
    let list = json_of(
        app.send(Method::GET, "/api/v1/me/recommendations", Some(token), None)
            .await,
        StatusCode::OK,
    )
    .await;
    (ranked(&list), list["basis"].as_str().unwrap().to_owned())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-3
}

async fn lists_follow_the_cosine_formula_on_a_hand_checked_example(app: TestApp) {
    let staff = app.staff("boss").await;
    let [a, b, c] = [
        app.create_product(&staff, listed("龙井 A", "茶")).await,
        app.create_product(&staff, listed("普洱 B", "茶")).await,
        app.create_product(&staff, listed("白茶 C", "茶")).await,
    ];
    let d = app.create_product(&staff, listed("茶经 D", "书")).await;
    // Buyers: A = {u1, u2, u3}, B = {u1, u2, u5}, C = {u2, u3}, D = {u4}.
    let _u1 = buyer(&app, "user1", &[a, b]).await;
    let _u2 = buyer(&app, "user2", &[a, b, c]).await;
    let u3 = buyer(&app, "user3", &[a, c]).await;
    let _u4 = buyer(&app, "user4", &[d]).await;
    let _u5 = buyer(&app, "user5", &[b]).await;
    let newcomer = buyer(&app, "user6", &[]).await;
    // Orders that do not count: one cancelled unpaid, one paid and refunded in full,
    // both pairing D with A.
    let u7 = app.customer("user7").await;
    let home = app.add_address(&u7).await;
    for p in [a, d] {
        assert_eq!(app.put_cart(&u7, p, 1).await.status(), StatusCode::OK);
    }
    let placed = json_of(
        app.send(
            Method::POST,
            "/api/v1/orders",
            Some(&u7),
            Some(json!({"address_id": home})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{}/cancel", placed["id"]),
            Some(&u7),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let refunded = app.paid_order(&u7, home, &[(a, 1), (d, 1)]).await;
    let refund = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{refunded}/refunds"),
            Some(&u7),
            Some(json!({"reason": "never mind"})),
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

    assert_eq!(also_bought(&app, a).await, [], "no model before the first build");
    assert!(refresh(&app.state).await.unwrap(), "the first pass builds");

    // also_bought(A): C = 2/sqrt(3·2) = 0.8165, B = 2/sqrt(3·3) = 0.6667; D never
    // bought with A in an order that counts.
    let list = also_bought(&app, a).await;
    assert_eq!(list.iter().map(|r| r.0).collect::<Vec<_>>(), [c, b]);
    assert!(
        close(list[0].1, 2.0 / 6f64.sqrt()) && close(list[1].1, 2.0 / 3.0),
        "{list:?}"
    );
    assert_eq!(
        also_bought(&app, d).await,
        [],
        "the refunded order's pairing does not count"
    );

    // for_you(u3 = {A, C}): u2 = 2/sqrt(2·3) = 0.8165 and u1 = 1/sqrt(2·2) = 0.5
    // both bought B, so B scores 1.3165; then popular products fill the list.
    let (list, basis) = for_you(&app, &u3).await;
    assert_eq!(basis, "personal");
    assert_eq!(list[0].0, b);
    assert!(close(list[0].1, 2.0 / 6f64.sqrt() + 0.5), "{list:?}");
    assert!(
        list.iter().all(|r| r.0 != a && r.0 != c),
        "never what u3 bought: {list:?}"
    );
    assert!(list.iter().any(|r| r.0 == d), "topped up with what sells: {list:?}");

    // No history: popular products, most buyers first (A and B have three, C two).
    let (list, basis) = for_you(&app, &newcomer).await;
    assert_eq!(basis, "popular");
    assert_eq!(list.iter().map(|r| r.0).collect::<Vec<_>>(), [a, b, c, d]);

    // Archived products are never recommended, even by a model that knows them.
    json_of(
        app.send(Method::DELETE, &format!("/api/v1/products/{c}"), Some(&staff), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(also_bought(&app, a).await.iter().map(|r| r.0).collect::<Vec<_>>(), [b]);
    assert!(for_you(&app, &newcomer).await.0.iter().all(|r| r.0 != c));
    expect_problem(
        app.send(Method::GET, &format!("/api/v1/products/{c}/also-bought"), None, None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Bad input.
    for bad in ["limit=0", "limit=51", "limit=x", "limit="] {
        let p = expect_problem(
            app.send(
                Method::GET,
                &format!("/api/v1/products/{a}/also-bought?{bad}"),
                None,
                None,
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), ["limit"]);
        expect_problem(
            app.send(
                Method::GET,
                &format!("/api/v1/me/recommendations?{bad}"),
                Some(&u3),
                None,
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    expect_problem(
        app.send(Method::GET, "/api/v1/products/999999/also-bought", None, None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.send(Method::GET, "/api/v1/me/recommendations", None, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let limited = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/products/{a}/also-bought?limit=1"),
            None,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(limited["data"].as_array().unwrap().len(), 1);
}
app_test!(lists_follow_the_cosine_formula_on_a_hand_checked_example);

async fn the_model_is_refreshed_as_orders_arrive_and_survives_a_restart(db: TestDb) {
    let config = AppConfig {
        bcrypt_cost: 4,
        ..AppConfig::default()
    };
    let app = TestApp::spawn_on(&db.url, config.clone()).await;
    let staff = app.staff("boss").await;
    let a = app.create_product(&staff, listed("A", "茶")).await;
    let b = app.create_product(&staff, listed("B", "茶")).await;
    buyer(&app, "user1", &[a]).await;
    assert!(refresh(&app.state).await.unwrap());
    assert!(!refresh(&app.state).await.unwrap(), "nothing moved: no rebuild");
    assert_eq!(also_bought(&app, a).await, []);

    // A new order: rebuilt once the refresh interval has passed, not before.
    let u2 = buyer(&app, "user2", &[a, b]).await;
    assert!(!refresh(&app.state).await.unwrap(), "too soon after the last build");
    app.clock.advance(Duration::from_secs(61));
    assert!(refresh(&app.state).await.unwrap());
    assert_eq!(also_bought(&app, a).await.iter().map(|r| r.0).collect::<Vec<_>>(), [b]);
    app.run_jobs().await; // the sandbox's duplicate notifications, due by now
    // Bought after the build: excluded at once, whatever the model knows.
    let home = app.add_address(&u2).await;
    let c = app.create_product(&staff, listed("C", "茶")).await;
    app.paid_order(&u2, home, &[(c, 1)]).await;
    assert!(for_you(&app, &u2).await.0.iter().all(|r| ![a, b, c].contains(&r.0)));

    // Another instance on the same database serves the stored model at once.
    let other = TestApp::spawn_on(&db.url, config).await;
    assert_eq!(
        also_bought(&other, a).await.iter().map(|r| r.0).collect::<Vec<_>>(),
        [b]
    );

    // Of two instances refreshing at once, one builds; both then serve the new model.
    // (`other` started at the real time, `app` is 61 s ahead of it: align the clocks.)
    app.clock.advance(Duration::from_secs(61));
    other.clock.advance(Duration::from_secs(122));
    let passes: Vec<_> = (0..8)
        .map(|i| {
            let state = if i % 2 == 0 {
                app.state.clone()
            } else {
                other.state.clone()
            };
            tokio::spawn(async move { refresh(&state).await.unwrap() })
        })
        .collect();
    let mut builds = 0;
    for pass in passes {
        builds += usize::from(pass.await.unwrap());
    }
    assert_eq!(builds, 1, "one build among concurrent passes");
    refresh(&app.state).await.unwrap();
    refresh(&other.state).await.unwrap();
    assert_eq!(app.state.recommender().model_id(), other.state.recommender().model_id());
    assert_eq!(also_bought(&app, c).await, also_bought(&other, c).await);
}
emporium_testkit::engine_test!(the_model_is_refreshed_as_orders_arrive_and_survives_a_restart);
