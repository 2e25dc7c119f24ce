//! The pricing rules through the API, as staff keep them: shipping zones and methods,
//! promotions, coupons (one by one and in batches) and tax. Every change reaches the
//! rules checkout reads at once; every bad field is a 422 naming it, with nothing stored.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, fields, json_of};

async fn post(app: &TestApp, staff: &str, path: &str, body: Value) -> Value {
    json_of(
        app.send(Method::POST, path, Some(staff), Some(body)).await,
        StatusCode::CREATED,
    )
    .await
}

async fn patch(app: &TestApp, staff: &str, path: &str, body: Value) -> Value {
    json_of(
        app.send(Method::PATCH, path, Some(staff), Some(body)).await,
        StatusCode::OK,
    )
    .await
}

/// Sends `body` and expects a 422 naming exactly `expected`.
async fn refused(app: &TestApp, staff: &str, method: Method, path: &str, body: Value, expected: &[&str]) {
    let problem = expect_problem(
        app.send(method.clone(), path, Some(staff), Some(body.clone())).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), expected, "{method} {path} {body}");
}

async fn not_found(app: &TestApp, staff: &str, method: Method, path: &str, body: Option<Value>) {
    expect_problem(
        app.send(method, path, Some(staff), body).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn staff_keep_shipping_zones_and_methods(app: TestApp) {
    let staff = app.staff("boss").await;
    let remote = post(
        &app,
        &staff,
        "/api/v1/shipping-zones",
        json!({"name": "偏远地区", "country": "cn", "regions": ["新疆", "西藏"], "position": 1}),
    )
    .await;
    assert_eq!(
        (&remote["country"], &remote["regions"], &remote["methods"]),
        (&json!("CN"), &json!(["新疆", "西藏"]), &json!([]))
    );
    let world = post(
        &app,
        &staff,
        "/api/v1/shipping-zones",
        json!({"name": "Rest of the world"}),
    )
    .await;
    assert_eq!(world["country"], Value::Null);
    let zone_path = format!("/api/v1/shipping-zones/{}", remote["id"]);

    let flat = post(
        &app,
        &staff,
        &format!("{zone_path}/methods"),
        json!({"name": "快递", "name_en": "Express", "rule": {"kind": "flat", "fee": 2_000},
               "free_above": 19_900, "estimate": "5–7 天"}),
    )
    .await;
    assert_eq!(flat["rule"], json!({"kind": "flat", "fee": 2_000}));
    assert_eq!((&flat["zone_id"], &flat["active"]), (&remote["id"], &json!(true)));
    let tiers = json!([{"up_to_grams": 1_000, "fee": 1_200}, {"up_to_grams": 5_000, "fee": 2_500},
                       {"up_to_grams": null, "fee": 6_000}]);
    let weight = post(
        &app,
        &staff,
        &format!("{zone_path}/methods"),
        json!({"name": "物流", "rule": {"kind": "weight", "tiers": tiers}, "position": 2}),
    )
    .await;
    assert_eq!(weight["rule"]["tiers"], tiers);
    post(
        &app,
        &staff,
        &format!("/api/v1/shipping-zones/{}/methods", world["id"]),
        json!({"name": "国际", "rule": {"kind": "count", "first": 8_000, "each_more": 1_500}}),
    )
    .await;

    // Listed with their methods, zones by position; checkout's rules see them at once.
    let zones = app.get_json("/api/v1/shipping-zones", Some(&staff)).await;
    let names: Vec<&str> = zones["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Rest of the world", "偏远地区"]);
    let methods: Vec<&str> = zones["data"][1]["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["快递", "物流"]);
    let rules = app.store.pricing_rules().await.unwrap();
    assert_eq!(rules.zones.len(), 2, "the kept rules were forgotten");
    assert_eq!(rules.zones[1].methods.len(), 2);

    // Changes: the zone becomes the whole country; a method changes rule and is paused.
    let changed = patch(&app, &staff, &zone_path, json!({"name": "中国", "regions": []})).await;
    assert_eq!((&changed["name"], &changed["regions"]), (&json!("中国"), &json!([])));
    assert_eq!(changed["methods"].as_array().unwrap().len(), 2, "methods stay");
    let method_path = format!("/api/v1/shipping-methods/{}", flat["id"]);
    let paused = patch(
        &app,
        &staff,
        &method_path,
        json!({"active": false, "rule": {"kind": "count", "first": 1_000, "each_more": 200}, "free_above": null}),
    )
    .await;
    assert_eq!(
        (&paused["active"], &paused["rule"]["kind"], &paused["free_above"]),
        (&json!(false), &json!("count"), &Value::Null)
    );
    assert_eq!(paused["name_en"], "Express", "untouched fields stay");
    let rules = app.store.pricing_rules().await.unwrap();
    let china = rules.zones.iter().find(|z| z.name == "中国").unwrap();
    assert_eq!(china.methods.len(), 1, "an inactive method is not offered");
    let one = app.get_json(&zone_path, Some(&staff)).await;
    assert_eq!(one["methods"][0]["active"], false, "staff still see it");

    // Removing a method, then the zone with the rest of its methods.
    let gone = app.send(Method::DELETE, &method_path, Some(&staff), None).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    not_found(&app, &staff, Method::DELETE, &method_path, None).await;
    let gone = app.send(Method::DELETE, &zone_path, Some(&staff), None).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    not_found(&app, &staff, Method::GET, &zone_path, None).await;
    let weight_path = format!("/api/v1/shipping-methods/{}", weight["id"]);
    not_found(&app, &staff, Method::PATCH, &weight_path, Some(json!({"name": "x"}))).await;
    let zones = app.get_json("/api/v1/shipping-zones", Some(&staff)).await;
    assert_eq!(zones["data"].as_array().unwrap().len(), 1);
    app.assert_clean().await;
}
app_test!(staff_keep_shipping_zones_and_methods);

async fn bad_shipping_rules_are_refused(app: TestApp) {
    let staff = app.staff("boss").await;
    let zones = "/api/v1/shipping-zones";
    refused(
        &app,
        &staff,
        Method::POST,
        zones,
        json!({"name": "Narnia", "country": "NA1"}),
        &["country"],
    )
    .await;
    refused(
        &app,
        &staff,
        Method::POST,
        zones,
        json!({"name": "X", "country": "XX"}),
        &["country"],
    )
    .await;
    refused(
        &app,
        &staff,
        Method::POST,
        zones,
        json!({"name": "  ", "country": "CN"}),
        &["name"],
    )
    .await;
    refused(
        &app,
        &staff,
        Method::POST,
        zones,
        json!({"name": "Far", "regions": ["新疆"]}),
        &["regions"],
    )
    .await;
    refused(
        &app,
        &staff,
        Method::POST,
        zones,
        json!({"name": "", "country": "ZZ", "position": -1}),
        &["name", "country", "position"],
    )
    .await;
    let zone = post(&app, &staff, zones, json!({"name": "China", "country": "CN"})).await;
    let zone_path = format!("{zones}/{}", zone["id"]);
    refused(
        &app,
        &staff,
        Method::PATCH,
        &zone_path,
        json!({"country": "QQ"}),
        &["country"],
    )
    .await;
    // Regions need a country: taking the country away from a regional zone is refused.
    patch(&app, &staff, &zone_path, json!({"regions": ["广东"]})).await;
    refused(
        &app,
        &staff,
        Method::PATCH,
        &zone_path,
        json!({"country": null}),
        &["regions"],
    )
    .await;

    let methods = format!("{zone_path}/methods");
    let method = |rule: Value| json!({"name": "快递", "rule": rule});
    let weight = |tiers: Value| method(json!({"kind": "weight", "tiers": tiers}));
    let cases = [
        (method(json!({"kind": "flat", "fee": -1})), vec!["rule.fee"]),
        (
            method(json!({"kind": "count", "first": 100, "each_more": -5})),
            vec!["rule.each_more"],
        ),
        (
            weight(json!([{"up_to_grams": 2_000, "fee": 100}, {"up_to_grams": 1_000, "fee": 200}])),
            vec!["rule.tiers[1].up_to_grams"],
        ),
        (
            weight(json!([{"up_to_grams": null, "fee": 100}, {"up_to_grams": 1_000, "fee": 200}])),
            vec!["rule.tiers[0].up_to_grams"],
        ),
        (
            weight(json!([{"up_to_grams": 0, "fee": 100}])),
            vec!["rule.tiers[0].up_to_grams"],
        ),
        (weight(json!([])), vec!["rule.tiers"]),
        (
            weight(json!([{"up_to_grams": 500, "fee": -100}])),
            vec!["rule.tiers[0].fee"],
        ),
        (
            json!({"name": "", "rule": {"kind": "flat", "fee": -1}, "free_above": -1, "estimate": "x\u{7}"}),
            vec!["rule.fee", "free_above", "name", "estimate"],
        ),
    ];
    for (body, expected) in cases {
        refused(&app, &staff, Method::POST, &methods, body, &expected).await;
    }
    // A rule of no known kind is a shape error, still a 422.
    let wrong = app
        .send(
            Method::POST,
            &methods,
            Some(&staff),
            Some(method(json!({"kind": "by_distance", "fee": 1}))),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let good = post(&app, &staff, &methods, method(json!({"kind": "flat", "fee": 800}))).await;
    let method_path = format!("/api/v1/shipping-methods/{}", good["id"]);
    refused(
        &app,
        &staff,
        Method::PATCH,
        &method_path,
        json!({"name": ""}),
        &["name"],
    )
    .await;
    not_found(
        &app,
        &staff,
        Method::POST,
        &format!("{zones}/999999/methods"),
        Some(method(json!({"kind": "flat", "fee": 800}))),
    )
    .await;
    not_found(
        &app,
        &staff,
        Method::PATCH,
        &format!("{zones}/999999"),
        Some(json!({"name": "x"})),
    )
    .await;
    not_found(&app, &staff, Method::DELETE, &format!("{zones}/999999"), None).await;

    // Nothing bad was stored.
    let all = app.get_json(zones, Some(&staff)).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 1);
    assert_eq!(all["data"][0]["methods"].as_array().unwrap().len(), 1);
    assert_eq!(all["data"][0]["country"], "CN");
    // Customers and strangers cannot touch any of it.
    let alice = app.customer("alice").await;
    for token in [Some(alice.as_str()), None] {
        let status = if token.is_some() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(app.send(Method::GET, zones, token, None).await.status(), status);
        let body = json!({"name": "Mine", "country": "CN"});
        assert_eq!(app.send(Method::POST, zones, token, Some(body)).await.status(), status);
    }
    app.assert_clean().await;
}
app_test!(bad_shipping_rules_are_refused);

async fn staff_keep_promotions_of_every_kind(app: TestApp) {
    let staff = app.staff("boss").await;
    let path = "/api/v1/promotions";
    let kinds = [
        json!({"name": "满 199 减 20", "kind": "threshold",
               "tiers": [{"min_spend": 19_900, "off": 2_000}, {"min_spend": 29_900, "off": 4_000}]}),
        json!({"name": "85 折", "kind": "percent_off", "percent": 15, "category_ids": [3, 1, 3]}),
        json!({"name": "每件减 5 元", "kind": "fixed_off", "per_unit": 500, "product_ids": [7], "priority": 5}),
        json!({"name": "满 99 包邮", "kind": "free_shipping", "min_spend": 9_900, "combinable": false}),
        json!({"name": "买二送一", "kind": "buy_n_get_m", "n": 2, "m": 1, "variant_ids": [9],
               "starts_at": "2026-11-11T00:00:00+08:00", "ends_at": "2026-11-12T00:00:00+08:00"}),
    ];
    let mut ids = Vec::new();
    for body in &kinds {
        let created = post(&app, &staff, path, body.clone()).await;
        for (key, value) in body.as_object().unwrap() {
            match key.as_str() {
                "starts_at" | "ends_at" | "category_ids" => {}
                _ => assert_eq!(&created[key], value, "{key}"),
            }
        }
        assert_eq!(created["active"], true);
        ids.push(created["id"].as_i64().unwrap());
    }
    assert_eq!(
        app.get_json(&format!("{path}/{}", ids[1]), Some(&staff)).await["category_ids"],
        json!([1, 3]),
        "targets are a set"
    );
    let dated = app.get_json(&format!("{path}/{}", ids[4]), Some(&staff)).await;
    assert_eq!(
        (&dated["starts_at"], &dated["ends_at"]),
        (&json!("2026-11-10T16:00:00.000Z"), &json!("2026-11-11T16:00:00.000Z"))
    );
    let all = app.get_json(path, Some(&staff)).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 5);
    assert_eq!(all["data"][0]["name"], "每件减 5 元", "highest priority first");
    assert_eq!(app.store.pricing_rules().await.unwrap().promotions.len(), 5);

    // A new kind drops the old kind's fields; pausing takes it out of checkout's rules.
    let one = format!("{path}/{}", ids[0]);
    let changed = patch(
        &app,
        &staff,
        &one,
        json!({"kind": "percent_off", "percent": 10, "active": false}),
    )
    .await;
    assert_eq!(
        (&changed["kind"], &changed["percent"], &changed.get("tiers")),
        (&json!("percent_off"), &json!(10), &None)
    );
    assert_eq!(changed["name"], "满 199 减 20");
    assert_eq!(app.store.pricing_rules().await.unwrap().promotions.len(), 4);
    let dates = patch(&app, &staff, &format!("{path}/{}", ids[4]), json!({"ends_at": null})).await;
    assert_eq!(dates["ends_at"], Value::Null);

    let gone = app.send(Method::DELETE, &one, Some(&staff), None).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    not_found(&app, &staff, Method::GET, &one, None).await;
    not_found(&app, &staff, Method::DELETE, &one, None).await;
    not_found(&app, &staff, Method::PATCH, &one, Some(json!({"name": "x"}))).await;
    app.assert_clean().await;
}
app_test!(staff_keep_promotions_of_every_kind);

async fn bad_promotions_are_refused(app: TestApp) {
    let staff = app.staff("boss").await;
    let path = "/api/v1/promotions";
    let cases = [
        (
            json!({"name": "x", "kind": "percent_off", "percent": 101}),
            vec!["percent"],
        ),
        (
            json!({"name": "x", "kind": "percent_off", "percent": 0}),
            vec!["percent"],
        ),
        (json!({"name": "x", "kind": "percent_off"}), vec!["percent"]),
        (
            json!({"name": "x", "kind": "fixed_off", "per_unit": -100}),
            vec!["per_unit"],
        ),
        (
            json!({"name": "x", "kind": "free_shipping", "min_spend": -1}),
            vec!["min_spend"],
        ),
        (
            json!({"name": "x", "kind": "threshold", "tiers": [{"min_spend": 20_000, "off": 1_000}, {"min_spend": 10_000, "off": 2_000}]}),
            vec!["tiers[1].min_spend"],
        ),
        (
            json!({"name": "x", "kind": "threshold", "tiers": [{"min_spend": 1_000, "off": 2_000}]}),
            vec!["tiers[0].off"],
        ),
        (json!({"name": "x", "kind": "threshold", "tiers": []}), vec!["tiers"]),
        (json!({"name": "x", "kind": "buy_n_get_m", "n": 0, "m": 1}), vec!["n"]),
        (json!({"name": "x", "kind": "buy_n_get_m", "n": 2}), vec!["m"]),
        (
            json!({"name": "x", "kind": "percent_off", "percent": 10, "per_unit": 5}),
            vec!["per_unit"],
        ),
        (json!({"name": "x", "kind": "half_price"}), vec!["kind"]),
        (
            json!({"name": "x", "kind": "percent_off", "percent": 10, "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-11-01T00:00:00Z"}),
            vec!["ends_at"],
        ),
        (
            json!({"name": "x", "kind": "percent_off", "percent": 10, "starts_at": "tomorrow"}),
            vec!["starts_at"],
        ),
        (
            json!({"name": "", "kind": "percent_off", "percent": 500, "priority": 10_000_000, "product_ids": [0]}),
            vec!["name", "percent", "priority", "product_ids[0]"],
        ),
    ];
    for (body, expected) in cases {
        refused(&app, &staff, Method::POST, path, body, &expected).await;
    }
    let good = post(
        &app,
        &staff,
        path,
        json!({"name": "九折", "kind": "percent_off", "percent": 10}),
    )
    .await;
    let one = format!("{path}/{}", good["id"]);
    refused(&app, &staff, Method::PATCH, &one, json!({"percent": 120}), &["percent"]).await;
    refused(
        &app,
        &staff,
        Method::PATCH,
        &one,
        json!({"kind": "fixed_off"}),
        &["per_unit"],
    )
    .await;
    refused(
        &app,
        &staff,
        Method::PATCH,
        &one,
        json!({"starts_at": "2027-01-02T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z"}),
        &["ends_at"],
    )
    .await;
    let kept = app.get_json(&one, Some(&staff)).await;
    assert_eq!((&kept["percent"], &kept["starts_at"]), (&json!(10), &Value::Null));
    assert_eq!(
        app.get_json(path, Some(&staff)).await["data"].as_array().unwrap().len(),
        1
    );
    app.assert_clean().await;
}
app_test!(bad_promotions_are_refused);

async fn staff_keep_coupons_and_see_their_use(app: TestApp) {
    let staff = app.staff("boss").await;
    let path = "/api/v1/coupons";
    let spring = post(
        &app,
        &staff,
        path,
        json!({"code": " spring-25 ", "kind": "percent", "value": 25, "max_discount": 5_000,
               "min_spend": 10_000, "usage_limit": 100, "per_customer_limit": 1,
               "starts_at": "2026-03-01T00:00:00Z", "ends_at": "2026-06-01T00:00:00Z",
               "product_ids": [5], "category_ids": [2]}),
    )
    .await;
    assert_eq!(
        (
            &spring["code"],
            &spring["used"],
            &spring["released"],
            &spring["combinable"]
        ),
        (&json!("SPRING-25"), &json!(0), &json!(0), &json!(true))
    );
    assert_eq!(
        (&spring["max_discount"], &spring["batch"]),
        (&json!(5_000), &Value::Null)
    );
    // Codes are unique whatever their case.
    let taken = json!({"code": "Spring-25", "kind": "fixed", "value": 100});
    expect_problem(
        app.send(Method::POST, path, Some(&staff), Some(taken)).await,
        StatusCode::CONFLICT,
        "coupon_code_taken",
    )
    .await;
    let ten = post(
        &app,
        &staff,
        path,
        json!({"code": "TENOFF", "kind": "fixed", "value": 1_000, "combinable": false}),
    )
    .await;
    expect_problem(
        app.send(
            Method::PATCH,
            &format!("{path}/{}", ten["id"]),
            Some(&staff),
            Some(json!({"code": "spring-25"})),
        )
        .await,
        StatusCode::CONFLICT,
        "coupon_code_taken",
    )
    .await;

    // A batch: distinct codes with the prefix, each stored with the batch's label.
    let batch = post(
        &app,
        &staff,
        &format!("{path}/batch"),
        json!({"prefix": "vip-", "count": 5, "length": 6, "kind": "fixed", "value": 2_000, "usage_limit": 1}),
    )
    .await;
    let codes: Vec<&str> = batch["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 5);
    assert!(
        codes.iter().all(|c| c.starts_with("VIP-") && c.len() == 10),
        "{codes:?}"
    );
    let distinct: std::collections::BTreeSet<_> = codes.iter().collect();
    assert_eq!(distinct.len(), 5);

    // Paged newest first, like every staff list.
    let mut seen = Vec::new();
    let mut next = Some(format!("{path}?limit=3"));
    while let Some(page) = next {
        let body = app.get_json(&page, Some(&staff)).await;
        for c in body["data"].as_array().unwrap() {
            seen.push((c["code"].as_str().unwrap().to_owned(), c["batch"].clone()));
        }
        next = body["next_cursor"]
            .as_str()
            .map(|cursor| format!("{path}?limit=3&cursor={cursor}"));
    }
    assert_eq!(seen.len(), 7);
    assert_eq!(seen[6].0, "SPRING-25", "newest first");
    assert!(seen[..5].iter().all(|(_, b)| *b == batch["batch"]));

    // Changes are validated whole; the usage limit cannot drop below the uses.
    let one = format!("{path}/{}", spring["id"]);
    let changed = patch(
        &app,
        &staff,
        &one,
        json!({"value": 30, "max_discount": null, "ends_at": null, "product_ids": []}),
    )
    .await;
    assert_eq!(
        (
            &changed["value"],
            &changed["max_discount"],
            &changed["ends_at"],
            &changed["product_ids"]
        ),
        (&json!(30), &Value::Null, &Value::Null, &json!([]))
    );
    assert_eq!(changed["category_ids"], json!([2]), "untouched fields stay");

    // Two orders hold the coupon and a cancelled one gave its use back: the use shows,
    // the limit cannot drop below it, and removing it only deactivates it.
    let product = app
        .create_product(&staff, NewProduct::new("龙井", 3_000).stocked(10, 700))
        .await;
    let alice = app.customer("alice").await;
    let address = app.add_address(&alice).await;
    let coupon_id = spring["id"].as_i64().unwrap();
    for released in [false, false, true] {
        let order = app.paid_order(&alice, address, &[(product, 1)]).await;
        redeem(&app, coupon_id, order, released).await;
    }
    let used = app.get_json(&one, Some(&staff)).await;
    assert_eq!((&used["used"], &used["released"]), (&json!(2), &json!(1)));
    refused(
        &app,
        &staff,
        Method::PATCH,
        &one,
        json!({"usage_limit": 1}),
        &["usage_limit"],
    )
    .await;
    patch(&app, &staff, &one, json!({"usage_limit": 2})).await;
    let removed = json_of(app.send(Method::DELETE, &one, Some(&staff), None).await, StatusCode::OK).await;
    assert_eq!(removed, json!({"id": coupon_id, "result": "deactivated"}));
    assert_eq!(app.get_json(&one, Some(&staff)).await["active"], false);
    let ten_path = format!("{path}/{}", ten["id"]);
    let removed = json_of(
        app.send(Method::DELETE, &ten_path, Some(&staff), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(removed["result"], "deleted");
    not_found(&app, &staff, Method::GET, &ten_path, None).await;
    not_found(&app, &staff, Method::DELETE, &ten_path, None).await;
    not_found(&app, &staff, Method::PATCH, &ten_path, Some(json!({"value": 5}))).await;
}
app_test!(staff_keep_coupons_and_see_their_use);

/// What checkout will do when an order uses a coupon (and its cancellation, when it gives
/// the use back): a redemption row and the count, written straight to the database since
/// checkout is wired elsewhere.
async fn redeem(app: &TestApp, coupon_id: i64, order_id: i64, released: bool) {
    let released_at = released.then_some(2_i64);
    app.store
        .write(move |conn| {
            Box::pin(async move {
                emporium_store::db::query(
                    "INSERT INTO coupon_redemptions (coupon_id, order_id, user_id, amount, created_at, released_at)
                     VALUES ($1, $2, NULL, 100, 1, $3)",
                )
                .bind(coupon_id)
                .bind(order_id)
                .bind(released_at)
                .execute(&mut *conn)
                .await?;
                emporium_store::db::query("UPDATE coupons SET used = used + $1 WHERE id = $2")
                    .bind(if released { 0_i64 } else { 1 })
                    .bind(coupon_id)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
}

async fn bad_coupons_are_refused(app: TestApp) {
    let staff = app.staff("boss").await;
    let path = "/api/v1/coupons";
    let coupon = |extra: Value| {
        let mut body = json!({"code": "GOOD10", "kind": "fixed", "value": 1_000});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let cases = [
        (coupon(json!({"code": "SAVE 10"})), vec!["code"]),
        (coupon(json!({"code": "满减券"})), vec!["code"]),
        (coupon(json!({"code": "AB"})), vec!["code"]),
        (coupon(json!({"value": -100})), vec!["value"]),
        (coupon(json!({"value": 0})), vec!["value"]),
        (coupon(json!({"kind": "percent", "value": 101})), vec!["value"]),
        (
            coupon(json!({"kind": "percent", "value": 10, "max_discount": 0})),
            vec!["max_discount"],
        ),
        (coupon(json!({"max_discount": 500})), vec!["max_discount"]),
        (coupon(json!({"kind": "gift"})), vec!["kind"]),
        (coupon(json!({"min_spend": -1})), vec!["min_spend"]),
        (coupon(json!({"usage_limit": 0})), vec!["usage_limit"]),
        (coupon(json!({"per_customer_limit": -3})), vec!["per_customer_limit"]),
        (
            coupon(json!({"starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z"})),
            vec!["ends_at"],
        ),
        (coupon(json!({"ends_at": "31/12/2026"})), vec!["ends_at"]),
        (coupon(json!({"variant_ids": [-1]})), vec!["variant_ids[0]"]),
        (
            coupon(json!({"code": "!", "value": -1, "usage_limit": 0})),
            vec!["code", "value", "usage_limit"],
        ),
    ];
    for (body, expected) in cases {
        refused(&app, &staff, Method::POST, path, body, &expected).await;
    }
    let batch = format!("{path}/batch");
    let terms = json!({"kind": "fixed", "value": 500});
    let with = |extra: Value| {
        let mut body = terms.clone();
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let batch_cases = [
        (with(json!({"prefix": "VIP", "count": 0})), vec!["count"]),
        (with(json!({"prefix": "VIP", "count": 1_001})), vec!["count"]),
        (with(json!({"prefix": "VIP!", "count": 3})), vec!["prefix"]),
        (with(json!({"prefix": "VIP", "count": 3, "length": 5})), vec!["length"]),
        (with(json!({"prefix": "P".repeat(30), "count": 3})), vec!["prefix"]),
        (with(json!({"prefix": "VIP", "count": 3, "value": -5})), vec!["value"]),
    ];
    for (body, expected) in batch_cases {
        refused(&app, &staff, Method::POST, &batch, body, &expected).await;
    }
    let page = app.get_json(path, Some(&staff)).await;
    assert_eq!(page["data"], json!([]), "nothing was stored");
    let page = app
        .send(Method::GET, &format!("{path}?limit=0"), Some(&staff), None)
        .await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let good = post(&app, &staff, path, coupon(json!({}))).await;
    let one = format!("{path}/{}", good["id"]);
    refused(
        &app,
        &staff,
        Method::PATCH,
        &one,
        json!({"kind": "percent", "value": 150}),
        &["value"],
    )
    .await;
    refused(&app, &staff, Method::PATCH, &one, json!({"code": "no way"}), &["code"]).await;
    let kept = app.get_json(&one, Some(&staff)).await;
    assert_eq!((&kept["kind"], &kept["value"]), (&json!("fixed"), &json!(1_000)));
    let alice = app.customer("alice").await;
    let denied = app.send(Method::GET, &one, Some(&alice), None).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    app.assert_clean().await;
}
app_test!(bad_coupons_are_refused);

async fn staff_keep_tax_rates_and_settings(app: TestApp) {
    let staff = app.staff("boss").await;
    let settings = app.get_json("/api/v1/tax-settings", Some(&staff)).await;
    assert_eq!(
        settings,
        json!({"mode": "inclusive", "default_rate": 1_300, "shipping_rate": 1_300}),
        "China's VAT, included in prices, until staff say otherwise"
    );
    let set = json!({"mode": "exclusive", "default_rate": 600, "shipping_rate": 900});
    let answer = json_of(
        app.send(Method::PUT, "/api/v1/tax-settings", Some(&staff), Some(set.clone()))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer, set);
    assert_eq!(app.get_json("/api/v1/tax-settings", Some(&staff)).await, set);
    let rules = app.store.pricing_rules().await.unwrap();
    assert_eq!(rules.tax.default_rate.basis_points(), 600);
    for (body, expected) in [
        (
            json!({"mode": "gross", "default_rate": 600, "shipping_rate": 900}),
            vec!["mode"],
        ),
        (
            json!({"mode": "inclusive", "default_rate": 10_001, "shipping_rate": -1}),
            vec!["default_rate", "shipping_rate"],
        ),
    ] {
        refused(&app, &staff, Method::PUT, "/api/v1/tax-settings", body, &expected).await;
    }
    assert_eq!(
        app.get_json("/api/v1/tax-settings", Some(&staff)).await,
        set,
        "unchanged"
    );

    let category = post(&app, &staff, "/api/v1/categories", json!({"name": "图书"})).await;
    let books = category["id"].as_i64().unwrap();
    let everywhere = post(
        &app,
        &staff,
        "/api/v1/tax-rates",
        json!({"category_id": books, "rate": 900}),
    )
    .await;
    assert_eq!(
        (&everywhere["category_id"], &everywhere["region"], &everywhere["rate"]),
        (&json!(books), &Value::Null, &json!(900))
    );
    let hainan = post(
        &app,
        &staff,
        "/api/v1/tax-rates",
        json!({"category_id": books, "region": "海南", "rate": 0}),
    )
    .await;
    for duplicate in [
        json!({"category_id": books, "rate": 600}),
        json!({"category_id": books, "region": " 海南 ", "rate": 600}),
    ] {
        expect_problem(
            app.send(Method::POST, "/api/v1/tax-rates", Some(&staff), Some(duplicate))
                .await,
            StatusCode::CONFLICT,
            "tax_rate_taken",
        )
        .await;
    }
    for (body, expected) in [
        (json!({"category_id": 999_999, "rate": 600}), vec!["category_id"]),
        (
            json!({"category_id": books, "region": "广东", "rate": 10_001}),
            vec!["rate"],
        ),
        (
            json!({"category_id": books, "region": "广东", "rate": -1}),
            vec!["rate"],
        ),
        (json!({"category_id": 0, "rate": -1}), vec!["category_id", "rate"]),
    ] {
        refused(&app, &staff, Method::POST, "/api/v1/tax-rates", body, &expected).await;
    }
    let rates = app.get_json("/api/v1/tax-rates", Some(&staff)).await;
    assert_eq!(rates["data"].as_array().unwrap().len(), 2);
    assert_eq!(app.store.pricing_rules().await.unwrap().tax.categories.len(), 2);
    let path = format!("/api/v1/tax-rates/{}", hainan["id"]);
    let gone = app.send(Method::DELETE, &path, Some(&staff), None).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    not_found(&app, &staff, Method::DELETE, &path, None).await;
    let rates = app.get_json("/api/v1/tax-rates", Some(&staff)).await;
    assert_eq!(rates["data"][0]["id"], everywhere["id"]);
    // Removing an empty category removes its rates with it.
    let gone = app
        .send(
            Method::DELETE,
            &format!("/api/v1/categories/{books}"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let rates = app.get_json("/api/v1/tax-rates", Some(&staff)).await;
    assert_eq!(rates["data"], json!([]));
    assert!(app.store.pricing_rules().await.unwrap().tax.categories.is_empty());
    let alice = app.customer("alice").await;
    let denied = app
        .send(Method::PUT, "/api/v1/tax-settings", Some(&alice), Some(set))
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    app.assert_clean().await;
}
app_test!(staff_keep_tax_rates_and_settings);

/// The rules the access matrix (`matrix.rs`) works on: one of each, made by staff.
pub(crate) struct MatrixRules {
    pub(crate) zone: i64,
    pub(crate) method: i64,
    pub(crate) promotion: i64,
    pub(crate) coupon: i64,
    pub(crate) tax_rate: i64,
}

/// Creates the matrix's rules. The zone covers every address with the default shop's
/// fee, and the promotion is paused, so the matrix's orders price as before.
pub(crate) async fn matrix_rules(app: &TestApp, staff: &str, category: i64) -> MatrixRules {
    let zone = post(app, staff, "/api/v1/shipping-zones", json!({"name": "Everywhere"})).await;
    let method = post(
        app,
        staff,
        &format!("/api/v1/shipping-zones/{}/methods", zone["id"]),
        json!({"name": "快递", "rule": {"kind": "flat", "fee": 1_000}, "free_above": 9_900}),
    )
    .await;
    let promotion = post(
        app,
        staff,
        "/api/v1/promotions",
        json!({"name": "九折", "kind": "percent_off", "percent": 10, "active": false}),
    )
    .await;
    let coupon = post(
        app,
        staff,
        "/api/v1/coupons",
        json!({"code": "MATRIX", "kind": "fixed", "value": 100}),
    )
    .await;
    let rate = post(
        app,
        staff,
        "/api/v1/tax-rates",
        json!({"category_id": category, "region": "海南", "rate": 900}),
    )
    .await;
    let id = |v: &Value| v["id"].as_i64().unwrap();
    MatrixRules {
        zone: id(&zone),
        method: id(&method),
        promotion: id(&promotion),
        coupon: id(&coupon),
        tax_rate: id(&rate),
    }
}

/// The matrix's call on a pricing-rule route: its path with ids, and a body that
/// succeeds for staff. `None` for routes of other resources.
pub(crate) fn matrix_call(
    r: &MatrixRules,
    category: i64,
    method: &str,
    template: &str,
) -> Option<(String, Option<Value>)> {
    let with = |id: i64| template.replace("{id}", &id.to_string());
    Some(match (method, template) {
        ("GET", "/api/v1/shipping-zones") => (template.into(), None),
        ("POST", "/api/v1/shipping-zones") => (template.into(), Some(json!({"name": "Japan", "country": "JP"}))),
        ("GET" | "DELETE", "/api/v1/shipping-zones/{id}") => (with(r.zone), None),
        ("PATCH", "/api/v1/shipping-zones/{id}") => (with(r.zone), Some(json!({"name": "Everywhere else"}))),
        ("POST", "/api/v1/shipping-zones/{id}/methods") => (
            with(r.zone),
            Some(json!({"name": "顺丰", "rule": {"kind": "count", "first": 1_200, "each_more": 300}})),
        ),
        ("PATCH", "/api/v1/shipping-methods/{id}") => (with(r.method), Some(json!({"estimate": "1–2 天"}))),
        ("DELETE", "/api/v1/shipping-methods/{id}") => (with(r.method), None),
        ("GET", "/api/v1/promotions") => (template.into(), None),
        ("POST", "/api/v1/promotions") => (
            template.into(),
            Some(
                json!({"name": "满 500 减 50", "kind": "threshold", "tiers": [{"min_spend": 50_000, "off": 5_000}], "active": false}),
            ),
        ),
        ("GET" | "DELETE", "/api/v1/promotions/{id}") => (with(r.promotion), None),
        ("PATCH", "/api/v1/promotions/{id}") => (with(r.promotion), Some(json!({"percent": 12}))),
        ("GET", "/api/v1/coupons") => (template.into(), None),
        ("POST", "/api/v1/coupons") => (
            template.into(),
            Some(json!({"code": "WELCOME5", "kind": "percent", "value": 5})),
        ),
        ("POST", "/api/v1/coupons/batch") => (
            template.into(),
            Some(json!({"prefix": "MX", "count": 2, "kind": "fixed", "value": 200})),
        ),
        ("GET" | "DELETE", "/api/v1/coupons/{id}") => (with(r.coupon), None),
        ("PATCH", "/api/v1/coupons/{id}") => (with(r.coupon), Some(json!({"min_spend": 1_000}))),
        ("GET", "/api/v1/tax-rates") => (template.into(), None),
        ("POST", "/api/v1/tax-rates") => (template.into(), Some(json!({"category_id": category, "rate": 600}))),
        ("DELETE", "/api/v1/tax-rates/{id}") => (with(r.tax_rate), None),
        ("GET", "/api/v1/tax-settings") => (template.into(), None),
        ("PUT", "/api/v1/tax-settings") => (
            template.into(),
            Some(json!({"mode": "inclusive", "default_rate": 1_300, "shipping_rate": 1_300})),
        ),
        _ => return None,
    })
}
