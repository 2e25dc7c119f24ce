//! Options and variants through the API: staff create a product in colours and sizes,
//! a customer buys exactly one variant and it draws that variant's lots; bad variant
//! input is a 422 naming the field with nothing written.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{TestApp, expect_problem, fields, json_of};

/// A shoe: 颜色 黑/白 × 尺码 41/42, the 42s dearer, the white 42 with a was-price;
/// each variant stocked. Answers the product.
async fn shoe(app: &TestApp, staff: &str) -> Value {
    let body = json!({
        "name": "跑鞋 Runner",
        "category": "Shoes",
        "options": [{"name": "颜色", "values": ["黑", "白"]}, {"name": "尺码", "values": ["41", "42"]}],
        "variants": [
            {"sku": "RUN-BK-41", "option_values": ["黑", "41"], "price": 39_900, "weight_grams": 800,
             "initial_stock": {"quantity": 3, "unit_cost": 10_000}},
            {"sku": "RUN-BK-42", "option_values": ["黑", "42"], "price": 42_900,
             "initial_stock": {"quantity": 2, "unit_cost": 11_000}},
            {"sku": "RUN-WH-41", "option_values": ["白", "41"], "price": 39_900, "status": "draft"},
            {"sku": "RUN-WH-42", "option_values": ["白", "42"], "price": 42_900, "compare_at_price": 49_900,
             "barcode": "6901234567892", "initial_stock": {"quantity": 5, "unit_cost": 12_000}},
        ],
    });
    json_of(
        app.send(Method::POST, "/api/v1/products", Some(staff), Some(body))
            .await,
        StatusCode::CREATED,
    )
    .await
}

fn variant<'a>(product: &'a Value, sku: &str) -> &'a Value {
    product["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["sku"] == sku)
        .unwrap_or_else(|| panic!("variant {sku} in {product}"))
}

async fn a_shopper_buys_exactly_the_variant_chosen(app: TestApp) {
    let staff = app.staff("boss").await;
    let shoe = shoe(&app, &staff).await;
    let id = shoe["id"].as_i64().unwrap();
    assert_eq!(
        shoe["options"][1],
        json!({"name": "尺码", "values": ["41", "42"], "label": "尺码", "value_labels": ["41", "42"]})
    );
    assert_eq!(
        (&shoe["price_min"], &shoe["price_max"], &shoe["price"], &shoe["sku"]),
        (&json!(39_900), &json!(42_900), &json!(39_900), &Value::Null)
    );
    assert_eq!(shoe["variants"].as_array().unwrap().len(), 4, "staff see every variant");
    let white42 = variant(&shoe, "RUN-WH-42");
    assert_eq!(
        (
            &white42["option_values"],
            &white42["title"],
            &white42["compare_at_price"],
            &white42["stock_available"]
        ),
        (&json!(["白", "42"]), &json!("白 / 42"), &json!(49_900), &json!(5))
    );
    assert_eq!(shoe["stock_available"], 10);

    // Customers see the variants on sale only.
    let public = app.get_json(&format!("/api/v1/products/{id}"), None).await;
    assert_eq!(public["variants"].as_array().unwrap().len(), 3);
    let listed = app.get_json("/api/v1/products?category=Shoes", None).await;
    assert_eq!(
        (&listed["data"][0]["price_min"], &listed["data"][0]["price_max"]),
        (&json!(39_900), &json!(42_900))
    );

    // The product route cannot tell which variant: 422 naming the options.
    let token = app.customer("buyer").await;
    let address = app.add_address(&token).await;
    let problem = expect_problem(
        app.send(
            Method::PUT,
            &format!("/api/v1/cart/items/{id}"),
            Some(&token),
            Some(json!({"quantity": 1})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "variant_required",
    )
    .await;
    assert_eq!(fields(&problem), ["variant_id"]);
    assert!(problem.detail.contains("颜色, 尺码"), "{}", problem.detail);
    // A draft variant cannot be bought; an unknown one is 404.
    let white41 = variant(&shoe, "RUN-WH-41")["id"].as_i64().unwrap();
    expect_problem(
        app.send(
            Method::PUT,
            &format!("/api/v1/cart/lines/{white41}"),
            Some(&token),
            Some(json!({"quantity": 1})),
        )
        .await,
        StatusCode::CONFLICT,
        "product_unavailable",
    )
    .await;
    expect_problem(
        app.send(
            Method::PUT,
            "/api/v1/cart/lines/999999",
            Some(&token),
            Some(json!({"quantity": 1})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Two white 42s and a black 41.
    let (white42_id, black41) = (
        white42["id"].as_i64().unwrap(),
        variant(&shoe, "RUN-BK-41")["id"].as_i64().unwrap(),
    );
    for (v, q) in [(white42_id, 2), (black41, 1)] {
        json_of(
            app.send(
                Method::PUT,
                &format!("/api/v1/cart/lines/{v}"),
                Some(&token),
                Some(json!({"quantity": q})),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let cart = app.get_json("/api/v1/cart", Some(&token)).await;
    let line = cart["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["variant_id"] == white42_id)
        .unwrap();
    assert_eq!(
        (&line["product_id"], &line["sku"], &line["unit_price"], &line["options"]),
        (
            &json!(id),
            &json!("RUN-WH-42"),
            &json!(42_900),
            &json!([{"name": "颜色", "value": "白"}, {"name": "尺码", "value": "42"}])
        )
    );
    let order = app.place_order(&token, address).await;
    let order = app.get_json(&format!("/api/v1/orders/{order}"), Some(&token)).await;
    assert_eq!(order["subtotal"], 2 * 42_900 + 39_900);
    let item = order["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["variant_id"] == white42_id)
        .unwrap();
    assert_eq!(
        (&item["sku"], &item["options"][0]["value"]),
        (&json!("RUN-WH-42"), &json!("白"))
    );

    // Each variant's own lots were drawn: white 42 has 3 left, black 41 has 2, black 42
    // untouched; the valuation answers a row per variant at its own cost.
    let after = app.get_json(&format!("/api/v1/products/{id}"), Some(&staff)).await;
    let stock: Vec<_> = ["RUN-BK-41", "RUN-BK-42", "RUN-WH-42"]
        .iter()
        .map(|s| variant(&after, s)["stock_available"].as_i64().unwrap())
        .collect();
    assert_eq!(stock, [2, 2, 3]);
    let valuation = app.get_json("/api/v1/inventory/valuation", Some(&staff)).await;
    let rows: Vec<_> = valuation["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["sku"].as_str().unwrap().to_owned(),
                r["units_on_hand"].as_i64().unwrap(),
                r["value"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("RUN-BK-41".to_owned(), 2, 20_000),
            ("RUN-BK-42".to_owned(), 2, 22_000),
            ("RUN-WH-42".to_owned(), 3, 36_000)
        ]
    );
    app.assert_clean().await;
}
app_test!(a_shopper_buys_exactly_the_variant_chosen);

async fn stock_and_edits_name_their_variant(app: TestApp) {
    let staff = app.staff("boss").await;
    let shoe = shoe(&app, &staff).await;
    let path = format!("/api/v1/products/{}", shoe["id"]);
    let black42 = variant(&shoe, "RUN-BK-42")["id"].as_i64().unwrap();

    // A lot without a variant is ambiguous here; with one it lands on that variant.
    let problem = expect_problem(
        app.send(
            Method::POST,
            &format!("{path}/stock-lots"),
            Some(&staff),
            Some(json!({"quantity": 4, "unit_cost": 9_000})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "variant_required",
    )
    .await;
    assert_eq!(fields(&problem), ["variant_id"]);
    let lot = json_of(
        app.send(
            Method::POST,
            &format!("{path}/stock-lots"),
            Some(&staff),
            Some(json!({"variant_id": black42, "quantity": 4, "unit_cost": 9_000})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(lot["variant_id"], black42);
    let lots = app
        .get_json(&format!("{path}/stock-lots?variant_id={black42}"), Some(&staff))
        .await;
    assert_eq!(lots["data"].as_array().unwrap().len(), 2);
    let adj = json_of(
        app.send(
            Method::POST,
            &format!("{path}/stock-adjustments"),
            Some(&staff),
            Some(json!({"variant_id": black42, "quantity": 3, "reason": "damaged"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // FIFO within the variant: the 2 opening units at 110.00, then one at 90.00.
    assert_eq!(adj["cost"], 2 * 11_000 + 9_000);

    // Product-level price and SKU are the sole variant's; here there are four.
    expect_problem(
        app.send(Method::PATCH, &path, Some(&staff), Some(json!({"price": 100})))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "variant_required",
    )
    .await;
    let changed = json_of(
        app.send(
            Method::PATCH,
            &format!("{path}/variants/{black42}"),
            Some(&staff),
            Some(json!({"price": 45_900, "weight_grams": 900})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&changed["price_max"], &variant(&changed, "RUN-BK-42")["weight_grams"]),
        (&json!(45_900), &json!(900))
    );
    // A new size: add the value to the option, then the variant.
    let grown = json_of(
        app.send(
            Method::PATCH,
            &path,
            Some(&staff),
            Some(json!({"options": [{"name": "颜色", "values": ["黑", "白"]}, {"name": "尺码", "values": ["41", "42", "43"]}]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(grown["options"][1]["values"], json!(["41", "42", "43"]));
    let added = json_of(
        app.send(
            Method::POST,
            &format!("{path}/variants"),
            Some(&staff),
            Some(json!({"sku": "RUN-BK-43", "option_values": ["黑", "43"], "price": 42_900})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added["variants"].as_array().unwrap().len(), 5);
    // Taking away a value a variant uses is refused.
    let problem = expect_problem(
        app.send(
            Method::PATCH,
            &path,
            Some(&staff),
            Some(json!({"options": [{"name": "颜色", "values": ["黑"]}, {"name": "尺码", "values": ["41", "42", "43"]}]})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["options"]);

    // Withdrawing a variant takes it out of carts; the last one on sale stays.
    let token = app.customer("buyer").await;
    app.send(
        Method::PUT,
        &format!("/api/v1/cart/lines/{black42}"),
        Some(&token),
        Some(json!({"quantity": 1})),
    )
    .await;
    json_of(
        app.send(
            Method::DELETE,
            &format!("{path}/variants/{black42}"),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(app.get_json("/api/v1/cart", Some(&token)).await["items"], json!([]));
    let product = app.get_json(&path, Some(&staff)).await;
    let on_sale: Vec<i64> = product["variants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["status"] == "active")
        .map(|v| v["id"].as_i64().unwrap())
        .collect();
    for v in &on_sale[..on_sale.len() - 1] {
        json_of(
            app.send(Method::DELETE, &format!("{path}/variants/{v}"), Some(&staff), None)
                .await,
            StatusCode::OK,
        )
        .await;
    }
    expect_problem(
        app.send(
            Method::DELETE,
            &format!("{path}/variants/{}", on_sale[on_sale.len() - 1]),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "last_variant",
    )
    .await;
    app.assert_clean().await;
}
app_test!(stock_and_edits_name_their_variant);

/// Every kind of bad variant input is a 422 naming the field, and nothing is written.
async fn bad_variants_are_refused_naming_the_field(app: TestApp) {
    let staff = app.staff("boss").await;
    let options = json!([{"name": "尺码", "values": ["S", "M"]}]);
    let cases = [
        (
            json!({"options": [{"name": "尺码", "values": ["S", "s"]}], "variants": [{"option_values": ["S"], "price": 100}]}),
            "options[0].values[1]",
        ),
        (
            json!({"options": options, "variants": [{"option_values": ["XL"], "price": 100}]}),
            "variants[0].option_values[0]",
        ),
        (
            json!({"options": options, "variants": [{"option_values": ["S", "M"], "price": 100}]}),
            "variants[0].option_values",
        ),
        (
            json!({"options": options, "variants": [{"option_values": ["S"], "price": 100}, {"option_values": ["S"], "price": 200}]}),
            "variants[1].option_values",
        ),
        (
            json!({"options": options, "variants": [{"sku": "A-1", "option_values": ["S"], "price": 100}, {"sku": "a-1", "option_values": ["M"], "price": 200}]}),
            "variants[1].sku",
        ),
        (
            json!({"options": options, "variants": [{"option_values": ["S"], "price": 0}]}),
            "variants[0].price",
        ),
        (
            json!({"options": options, "variants": [{"option_values": ["S"], "price": 100, "weight_grams": 10_000_001}]}),
            "variants[0].weight_grams",
        ),
        (
            json!({"options": options, "variants": [{"option_values": ["S"], "price": 100, "compare_at_price": 100}]}),
            "variants[0].compare_at_price",
        ),
        (
            json!({"options": options, "variants": [{"option_values": ["S"], "price": 100, "barcode": "12"}]}),
            "variants[0].barcode",
        ),
        (json!({"options": options, "price": 100}), "variants"),
        (
            json!({"options": options, "price": 100, "variants": [{"option_values": ["S"], "price": 100}]}),
            "price",
        ),
        (
            json!({"options": [{"name": "a", "values": ["1"]}, {"name": "b", "values": ["1"]}, {"name": "c", "values": ["1"]}, {"name": "d", "values": ["1"]}], "price": 100}),
            "options",
        ),
        (json!({}), "price"),
    ];
    for (mut body, field) in cases {
        body["name"] = json!("坏的 bad");
        let problem = expect_problem(
            app.send(Method::POST, "/api/v1/products", Some(&staff), Some(body.clone()))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(fields(&problem).contains(&field), "{body}: {:?}", fields(&problem));
    }
    let listed = app.get_json("/api/v1/products", Some(&staff)).await;
    assert_eq!(listed["data"], json!([]), "nothing was written");

    // On an existing product: a taken combination, a bad value, a SKU another has.
    let shoe = shoe(&app, &staff).await;
    let path = format!("/api/v1/products/{}/variants", shoe["id"]);
    let problem = expect_problem(
        app.send(
            Method::POST,
            &path,
            Some(&staff),
            Some(json!({"option_values": ["黑", "41"], "price": 100})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["option_values"]);
    let problem = expect_problem(
        app.send(
            Method::POST,
            &path,
            Some(&staff),
            Some(json!({"option_values": ["红", "41"], "price": 100})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["option_values[0]"]);
    let black42 = variant(&shoe, "RUN-BK-42")["id"].as_i64().unwrap();
    let problem = expect_problem(
        app.send(
            Method::PATCH,
            &format!("{path}/{black42}"),
            Some(&staff),
            Some(json!({"sku": "RUN-BK-41"})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["sku"]);
    // The white 42 is 429.00 with a was-price of 499.00: 500.00 would be above it.
    let white42 = variant(&shoe, "RUN-WH-42")["id"].as_i64().unwrap();
    let problem = expect_problem(
        app.send(
            Method::PATCH,
            &format!("{path}/{white42}"),
            Some(&staff),
            Some(json!({"price": 50_000})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["price"]);
    let again = app
        .get_json(&format!("/api/v1/products/{}", shoe["id"]), Some(&staff))
        .await;
    assert_eq!(again["variants"], shoe["variants"], "nothing was written");
    expect_problem(
        app.send(
            Method::PATCH,
            &format!("{path}/999999"),
            Some(&staff),
            Some(json!({"price": 1})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
app_test!(bad_variants_are_refused_naming_the_field);
